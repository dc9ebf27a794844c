"""The browser's side of Telegram's OpenID Connect login: start (to the issuer) and the callback
(back from it). Every way it can stop is a page that says why, in the browser's language, with
nobody signed in; none is a 500."""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import cast

from allauth.account.adapter import get_adapter as get_account_adapter
from allauth.account.utils import get_next_redirect_url
from allauth.socialaccount.adapter import get_adapter
from allauth.socialaccount.models import SocialApp
from allauth.socialaccount.providers.base import AuthProcess
from allauth.socialaccount.providers.base.utils import respond_to_login_on_get
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from telegram_login import limits
from telegram_login.identity import OIDC_PROVIDER_ID
from telegram_login.linking.connect import connect_refusal_at_start
from telegram_login.linking.proof import CONNECT_TELEGRAM, ask_for_proof_then, step_after_proof
from telegram_login.linking.rules import ConnectRefusal
from telegram_login.oidc.flows import Problem, Stopped, finish, verified_claims
from telegram_login.oidc.issuer import IssuerUnavailable
from telegram_login.oidc.provider import TelegramOIDCProvider

logger = logging.getLogger(__name__)

STATUS = {
    Problem.DENIED: HTTPStatus.OK,
    Problem.RATE_LIMITED: HTTPStatus.TOO_MANY_REQUESTS,
    Problem.ISSUER_DOWN: HTTPStatus.BAD_GATEWAY,
    Problem.HAS_TELEGRAM: HTTPStatus.CONFLICT,
    Problem.UNVERIFIED_EMAIL: HTTPStatus.CONFLICT,
    Problem.NO_PASSWORD: HTTPStatus.CONFLICT,
}


def _provider(request: HttpRequest) -> TelegramOIDCProvider:
    """The provider with the configured client; 404 where Telegram's login is not set up."""
    try:
        return cast(TelegramOIDCProvider, get_adapter().get_provider(request, OIDC_PROVIDER_ID))
    except SocialApp.DoesNotExist:
        raise Http404("Telegram's login is not set up on this site.") from None


def _stopped(request: HttpRequest, problem: Problem, *, process: str) -> HttpResponse:
    return render(
        request,
        "telegram_login/oidc/stopped.html",
        {"problem": problem.value, "process": process},
        status=STATUS.get(problem, HTTPStatus.BAD_REQUEST),
    )


def _with_next(url: str, next_url: str) -> str:
    return f"{url}?{urlencode({'next': next_url})}" if next_url else url


@login_not_required
@never_cache
@require_http_methods(["GET", "POST"])
def login(request: HttpRequest) -> HttpResponse:
    """POST (or GET where SOCIALACCOUNT_LOGIN_ON_GET) sends the browser to Telegram's login page
    to sign in (`process=login`) or to link Telegram in settings (`process=connect`)."""
    provider = _provider(request)
    confirm_first = respond_to_login_on_get(request, provider)
    if confirm_first is not None:
        # A GET only shows allauth's "continue?" page: link previews must not start anything.
        return confirm_first
    params = request.POST if request.method == "POST" else request.GET
    process = AuthProcess.CONNECT if params.get("process") == "connect" else AuthProcess.LOGIN
    next_url = get_next_redirect_url(request) or ""
    if process == AuthProcess.CONNECT:
        if not request.user.is_authenticated:
            return redirect(
                _with_next(reverse("account_login"), reverse("socialaccount_connections"))
            )
        refusal = connect_refusal_at_start(request)
        if refusal == ConnectRefusal.PROOF_LAPSED:
            # The proof first; once given, the browser goes on to Telegram by itself.
            return ask_for_proof_then(
                request,
                callback=CONNECT_AFTER_PROOF,
                purpose=CONNECT_TELEGRAM,
                next_url=next_url,
                back=next_url or reverse("socialaccount_connections"),
            )
        if refusal is not None:
            return _stopped(request, Problem(refusal.value), process=process)
    return _to_telegram(request, provider, process, next_url)


CONNECT_AFTER_PROOF = "telegram_login.oidc.views.connect_after_proof"


def connect_after_proof(request: HttpRequest, state: object) -> HttpResponse | None:
    """allauth calls this once the fresh proof that "Connect on Telegram's login page" asked for
    is given: the browser goes on to Telegram's page. None (allauth then goes on to the proof
    page's `next`) if this proof was not for it."""
    waiting = step_after_proof(request, state)
    if waiting is None:
        return None
    if connect_refusal_at_start(request) is not None:
        return redirect(waiting["back"])  # the settings page says why
    return _to_telegram(request, _provider(request), AuthProcess.CONNECT, waiting.get("next", ""))


def _to_telegram(
    request: HttpRequest, provider: TelegramOIDCProvider, process: str, next_url: str
) -> HttpResponse:
    client_ip = get_account_adapter().get_client_ip(request)
    if not limits.consume(limits.START, ip=client_ip, key=request.session.session_key or client_ip):
        return _stopped(request, Problem.RATE_LIMITED, process=process)
    try:
        return provider.redirect(request, process, next_url or None)
    except IssuerUnavailable as exc:
        logger.warning("telegram login page unavailable at the start: %s", exc)
        return _stopped(request, Problem.ISSUER_DOWN, process=process)


@login_not_required
@never_cache
@require_GET
def callback(request: HttpRequest) -> HttpResponse:
    """Telegram sends the browser back here with a code (or an error) and the state."""
    provider = _provider(request)
    try:
        # One use only: the state leaves the session whatever happens next.
        state = provider.unstash_redirect_state(request, request.GET.get("state", ""))
    except PermissionDenied:
        logger.info("telegram login callback without a state of this browser")
        return _stopped(request, Problem.STATE, process=AuthProcess.LOGIN)
    process = state.get("process", AuthProcess.LOGIN)
    error = request.GET.get("error", "")
    if error:
        logger.info("telegram login answered error %r", error[:64])
        problem = Problem.DENIED if error == "access_denied" else Problem.REFUSED
        return _stopped(request, problem, process=process)
    code = request.GET.get("code", "")
    if not code:
        return _stopped(request, Problem.REFUSED, process=process)
    try:
        claims = verified_claims(request, state=state, code=code)
        return finish(request, state=state, claims=claims)
    except Stopped as stopped:
        log = logger.warning if stopped.problem != Problem.HAS_TELEGRAM else logger.info
        log("telegram login stopped: %s", stopped)
        return _stopped(request, stopped.problem, process=process)
