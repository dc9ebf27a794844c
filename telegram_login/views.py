"""The browser's views: start a sign-in, poll it, type a code, confirm access (the webhook,
Telegram's side, is bot/webhook.py)."""

from __future__ import annotations

import logging
import re
import uuid
from http import HTTPStatus
from typing import Any
from urllib.parse import urlsplit

from allauth.account.adapter import get_adapter as get_account_adapter
from allauth.account.utils import get_next_redirect_url
from allauth.socialaccount.adapter import get_adapter
from allauth.socialaccount.helpers import complete_social_login, render_authentication_error
from django.contrib.auth import get_user_model, logout
from django.contrib.auth.decorators import login_not_required, login_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseRedirectBase
from django.shortcuts import redirect, render
from django.urls import Resolver404, resolve, reverse
from django.utils.http import urlencode
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import (
    HttpResponseClientRedirect,
    HttpResponseStopPolling,
    reswap,
    retarget,
)
from django_htmx.middleware import HtmxDetails

from . import alerts, limits, linking, selectors, services, status_mirror, upkeep
from .browser_session import session_remember_request
from .conf import get_settings
from .models import LoginRequest
from .provider import TelegramLoginProvider
from .reauthentication import (
    DISCONNECT_TELEGRAM,
    SHORT_SESSION_GRACE,
    SHORT_SESSION_KEY,
    key_change_waiting,
    reauthentication_due,
    record_reauthentication,
    resume_reauthenticated_request,
)
from .waiting_poll import GLANCE_ATTRIBUTE, quick_answer
from .widget import WidgetState, remember_token, widget_context

logger = logging.getLogger(__name__)

TYPED_CODE_RE = re.compile(r"^[0-9]{6}$")
WIDGET_TEMPLATE = "telegram_login/login.html"


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails


def _provider(request: HttpRequest) -> TelegramLoginProvider:
    return get_adapter().get_provider(request, TelegramLoginProvider.id)


def _render_widget(
    request: HtmxHttpRequest,
    login_request: LoginRequest | None,
    *,
    state: WidgetState,
    token: str | None = None,
    status: int = HTTPStatus.OK,
    extra: dict[str, Any] | None = None,
) -> HttpResponse:
    """The widget in `state`; the whole page for a plain request, the fragment for htmx."""
    process = request.POST.get("process") or request.GET.get("process")
    if process not in LoginRequest.Process.values:
        process = LoginRequest.Process.LOGIN
    context = widget_context(request, login_request, state=state, process=process, token=token)
    context.update(extra or {})
    fragment = "start-form" if state == WidgetState.START else "widget"
    template = f"{WIDGET_TEMPLATE}#{fragment}" if request.htmx else WIDGET_TEMPLATE
    return render(request, template, context, status=status)


def _client_redirect(request: HtmxHttpRequest, url: str) -> HttpResponse:
    """Send the browser to another page: a plain redirect, or HX-Redirect for htmx."""
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


def _with_next(url: str, next_url: str) -> str:
    return f"{url}?{urlencode({'next': next_url})}" if next_url else url


@login_not_required
@never_cache
@require_http_methods(["GET", "POST"])
def start(request: HtmxHttpRequest) -> HttpResponse:
    """GET shows the start button (no side effects: link previews GET); POST starts a sign-in,
    a connect (from settings) or a confirmation in the linked Telegram (reauthenticate)."""
    if request.method == "GET":
        return _render_widget(request, None, state=WidgetState.START)
    process = request.POST.get("process", LoginRequest.Process.LOGIN)
    if process not in LoginRequest.Process.values:
        process = LoginRequest.Process.LOGIN
    next_url = get_next_redirect_url(request) or ""
    if process != LoginRequest.Process.LOGIN and not request.user.is_authenticated:
        return _client_redirect(request, _with_next(reverse("account_login"), request.path))
    if not get_settings().enabled:
        return _render_widget(request, None, state=WidgetState.UNAVAILABLE)
    user = None
    purpose = ""
    if process == LoginRequest.Process.CONNECT:
        refusal = linking.connect_refusal(user=request.user)
        if refusal is not None:
            return _render_widget(request, None, state=WidgetState.refusal(refusal))
        # Ask for the password before anything happens in Telegram, not after.
        if reauthentication_due(request):
            back = next_url or reverse("socialaccount_connections")
            return _client_redirect(request, _with_next(reverse("account_reauthenticate"), back))
        user = request.user
    elif process == LoginRequest.Process.REAUTHENTICATE:
        if linking.telegram_account_for_user(user=request.user) is None:
            return _render_widget(request, None, state=WidgetState.REFUSED_NO_TELEGRAM)
        user = request.user
        purpose = key_change_waiting(request, next_url) or purpose_of(next_url)
    # Counted per IP and per browser session (a fresh browser counts by its IP twice).
    client_ip = get_account_adapter().get_client_ip(request)
    session_key = request.session.session_key or client_ip
    if not limits.consume(limits.START, ip=client_ip, key=session_key):
        return _rate_limited(request)
    if request.user.is_anonymous and request.session.session_key is None:
        # A session made only for this sign-in ends with it; signing in makes it a normal one.
        request.session.set_expiry(get_settings().login_ttl + SHORT_SESSION_GRACE)
        request.session[SHORT_SESSION_KEY] = True
    provider = _provider(request)
    state_id = provider.stash_redirect_state(request, process, next_url or None)
    upkeep.prune_now_and_then()
    try:
        login_request, token = services.login_request_start(
            process=process,
            user=user,
            purpose=purpose,
            requester_ip=client_ip,
            user_agent=request.headers.get("User-Agent", ""),
        )
    except services.TooManyPendingRequests:
        return _rate_limited(request)
    session_remember_request(
        session=request.session,
        request_id=login_request.id,
        state_id=state_id,
        keep=get_settings().recent_requests_per_session,
    )
    if request.session.session_key is None:
        # The poll URL's MAC needs the session's key, which a new session gets when saved.
        request.session.save()
    response = _render_widget(
        request, login_request, state=WidgetState.of(login_request), token=token
    )
    remember_token(response, login_request, token)
    return response


def _rate_limited(request: HtmxHttpRequest) -> HttpResponse:
    return _render_widget(
        request,
        None,
        state=WidgetState.RATE_LIMITED,
        status=HTTPStatus.OK if request.htmx else HTTPStatus.TOO_MANY_REQUESTS,
    )


def purpose_of(next_url: str) -> str:
    """The URL name of the page a confirmation unlocks (the bot names it; see bot/messages.py)."""
    try:
        match = resolve(urlsplit(next_url).path) if next_url else None
    except Resolver404:
        return ""
    return (match.url_name or "")[:32] if match else ""


@login_not_required
@never_cache
@require_GET
def poll(request: HtmxHttpRequest, request_id: uuid.UUID) -> HttpResponse:
    """The waiting browser asks how its sign-in is going; it is found only through the session.

    A waiting poll from the browser that asked, whose request is still as shown, has its 204
    from waiting_poll.quick_answer (in WaitingPollMiddleware where the site has it, else here).
    Anything else takes the whole path below.
    """
    if hasattr(request, GLANCE_ATTRIBUTE):
        glance = getattr(request, GLANCE_ATTRIBUTE)
    else:
        quick, glance = quick_answer(request, request_id)
        if quick is not None:
            return quick
    found = selectors.login_request_for_session(session=request.session, request_id=request_id)
    if found is None:
        return _stop(request, None, state=WidgetState.UNKNOWN)
    login_request, state_id = found
    if glance is None:
        glance = status_mirror.poll_glance(request_id=request_id)
    if glance.polls > get_settings().polls_per_request:
        return _stop(request, login_request, state=WidgetState.POLL_LIMIT)
    # Brings the instance up to date itself, whoever moved the request.
    services.login_request_expire_if_due(login_request=login_request)
    if login_request.status == LoginRequest.Status.APPROVED:
        return _complete(request, login_request, state_id)
    if request.htmx and request.GET.get("shown") == login_request.status:
        return HttpResponse(status=HTTPStatus.NO_CONTENT)
    if login_request.is_terminal:
        return _stop(request, login_request, state=WidgetState.of(login_request))
    return _render_widget(request, login_request, state=WidgetState.of(login_request))


@login_not_required
@never_cache
@require_POST
def enter_code(request: HtmxHttpRequest, request_id: uuid.UUID) -> HttpResponse:
    """browser_code mode: the asking browser types the code the bot showed in Telegram."""
    found = selectors.login_request_for_session(session=request.session, request_id=request_id)
    if found is None:
        return _stop(request, None, state=WidgetState.UNKNOWN)
    login_request, state_id = found
    if not limits.consume(limits.CODE, key=str(request_id)):
        return _render_widget(
            request,
            login_request,
            state=WidgetState.of(login_request),
            extra={"code_error": "slow_down"},
        )
    code = "".join(request.POST.get("code", "").split())
    if not TYPED_CODE_RE.match(code):
        return _render_widget(
            request,
            login_request,
            state=WidgetState.of(login_request),
            extra={"code_error": "format"},
        )
    outcome = services.login_request_enter_code(login_request=login_request, code=code)
    if outcome == services.DecisionOutcome.APPROVED:
        return _complete(request, login_request, state_id)
    if login_request.is_terminal:
        return _stop(request, login_request, state=WidgetState.of(login_request))
    tries_left = services.TYPED_CODE_ATTEMPTS - login_request.code_attempts
    return _render_widget(
        request,
        login_request,
        state=WidgetState.of(login_request),
        extra={"code_error": "wrong", "tries_left": tries_left},
    )


def _stop(
    request: HtmxHttpRequest,
    login_request: LoginRequest | None,
    *,
    state: WidgetState,
    extra: dict[str, Any] | None = None,
) -> HttpResponse:
    """A final state: for htmx, django-htmx's stop-polling answer (286) with the widget."""
    response = _render_widget(request, login_request, state=state, extra=extra)
    if request.htmx:
        return HttpResponseStopPolling(response.content)
    return response


def _complete(request: HtmxHttpRequest, login_request: LoginRequest, state_id: str) -> HttpResponse:
    """Finish what the browser asked for in its own session; exactly one poll gets here."""
    if not services.login_request_take_for_completion(login_request=login_request):
        return HttpResponse(status=HTTPStatus.NO_CONTENT)
    provider = _provider(request)
    process = login_request.process
    signed_in_as = request.user.pk
    try:
        if process != LoginRequest.Process.LOGIN and request.user.pk != login_request.user_id:
            # The browser signed in or out as someone else since it asked.
            raise CompletionRefused(WidgetState.REFUSED_CHANGED_ACCOUNT)
        redirect_state = provider.unstash_redirect_state(request, state_id)
        if process == LoginRequest.Process.REAUTHENTICATE:
            response = _confirm_reauthentication(request, login_request, redirect_state)
        elif process == LoginRequest.Process.CONNECT:
            response = _connect(request, login_request, provider, redirect_state)
        else:
            sociallogin = provider.sociallogin_from_response(request, login_request.telegram_user)
            sociallogin.state = redirect_state
            setattr(request, alerts.COMPLETING_ATTRIBUTE, login_request)
            # The sign-in commits as one: the account, its Telegram, the session's record and
            # the bot's edit in the queue, or, if any of it fails, none of them.
            with transaction.atomic():
                response = complete_social_login(request, sociallogin)
    except CompletionRefused as refused:
        services.login_request_fail(login_request=login_request)
        return _stop(request, login_request, state=refused.state)
    except Exception as exc:
        logger.exception("completing sign-in %s failed", login_request.id)
        services.login_request_fail(login_request=login_request)
        if request.user.pk != signed_in_as:
            # Nothing of the sign-in was kept: neither is the session that allauth signed in.
            logout(request)
        response = render_authentication_error(request, provider, exception=exc)
    if not isinstance(response, HttpResponseRedirectBase):
        # allauth rendered a page (an authentication error): show it in full.
        if request.htmx:
            retarget(response, "body")
            reswap(response, "innerHTML")
        return response
    if not request.htmx:
        return response
    # Where allauth sends the browser; the widget's "signed in" shows until it gets there.
    widget = _render_widget(
        request,
        login_request,
        state=WidgetState.COMPLETED,
        extra={"continue_url": response["Location"]},
    )
    return HttpResponseClientRedirect(response["Location"], content=widget.content)


class CompletionRefused(Exception):
    def __init__(self, state: WidgetState) -> None:
        super().__init__(state)
        self.state = state


def _connect(
    request: HtmxHttpRequest,
    login_request: LoginRequest,
    provider: TelegramLoginProvider,
    redirect_state: dict[str, Any],
) -> HttpResponse:
    """Link the confirmed Telegram account to the signed-in account, through allauth."""
    if request.user.pk is None:
        raise CompletionRefused(WidgetState.REFUSED_CHANGED_ACCOUNT)
    with transaction.atomic():
        # One connect at a time per account, so two tabs cannot link two Telegram accounts.
        get_user_model().objects.select_for_update().filter(pk=request.user.pk).first()
        refusal = linking.connect_refusal(user=request.user)
        if refusal is not None:
            raise CompletionRefused(WidgetState.refusal(refusal))
        if reauthentication_due(request):
            # The password was checked before the request was made, but too long ago now.
            # allauth would ask again and finish the link later, past the checks above: end it.
            raise CompletionRefused(WidgetState.REFUSED_PROOF_LAPSED)
        sociallogin = provider.sociallogin_from_response(request, login_request.telegram_user)
        sociallogin.state = redirect_state
        return complete_social_login(request, sociallogin)


def _confirm_reauthentication(
    request: HtmxHttpRequest, login_request: LoginRequest, redirect_state: dict[str, Any]
) -> HttpResponse:
    """The linked Telegram confirmed it is the account's owner: record a fresh proof, as allauth
    records a password check, and resume what asked for it."""
    account = linking.telegram_account_for_user(user=request.user)
    if account is None or account.uid != str(login_request.telegram_user_id):
        raise CompletionRefused(WidgetState.REFUSED_NO_TELEGRAM)
    record_reauthentication(request, account, purpose=login_request.purpose)
    resumed = resume_reauthenticated_request(request)
    if resumed is not None:
        return resumed
    return redirect(
        redirect_state.get("next") or get_account_adapter().get_login_redirect_url(request)
    )


@login_required
@never_cache
@require_GET
def reauthenticate(request: HtmxHttpRequest) -> HttpResponse:
    """allauth's "Confirm access" page for the linked Telegram: the widget, and the password as
    the alternative where the account has one."""
    if linking.telegram_account_for_user(user=request.user) is None:
        return redirect(_with_next(reverse("account_reauthenticate"), request.GET.get("next", "")))
    next_url = get_next_redirect_url(request) or ""
    # A change that would silence or remove Telegram: only Telegram can allow it.
    key_change = key_change_waiting(request, next_url)
    adapter = get_account_adapter()
    alternatives = [
        method
        for method in adapter.get_reauthentication_methods(request.user)
        if method["url"] != request.path and not key_change
    ]
    for method in alternatives:
        method["url"] = _with_next(method["url"], next_url)
    return render(
        request,
        "telegram_login/reauthenticate.html",
        {
            "reauthentication_alternatives": alternatives,
            "next_url": next_url,
            "process": LoginRequest.Process.REAUTHENTICATE,
            "key_change": key_change,
            "lost_telegram_url": reverse("telegram_login_lost")
            if key_change == DISCONNECT_TELEGRAM
            else "",
        },
    )
