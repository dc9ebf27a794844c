"""The browser's views: start a sign-in, poll it, type a code, confirm access (the webhook,
Telegram's side, is bot/webhook.py)."""

from __future__ import annotations

import logging
import re
import uuid
from http import HTTPStatus
from typing import Any

from allauth.account.utils import get_next_redirect_url
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from telegram_login import limits
from telegram_login.conf import get_settings
from telegram_login.linking import rules as linking
from telegram_login.linking.connect import connect_refusal_at_start
from telegram_login.linking.proof import (
    CONNECT_TELEGRAM,
    ask_for_proof_then,
    proof_purpose,
    step_after_proof,
)
from telegram_login.linking.rules import ConnectRefusal
from telegram_login.models import LoginRequest
from telegram_login.poll import selectors, status_mirror
from telegram_login.poll.middleware import GLANCE_ATTRIBUTE, quick_answer
from telegram_login.signin import codes, machine, services
from telegram_login.signin.completion import complete
from telegram_login.signin.responses import (
    HtmxHttpRequest,
    client_redirect,
    render_widget,
    stop,
    with_next,
)
from telegram_login.signin.starting import start_in_session
from telegram_login.signin.widget import WidgetState, remember_token

logger = logging.getLogger(__name__)

TYPED_CODE_RE = re.compile(r"^[0-9]{6}$")
WIDGET_TEMPLATE = "telegram_login/login.html"


@login_not_required
@never_cache
@require_http_methods(["GET", "POST"])
def start(request: HtmxHttpRequest) -> HttpResponse:
    """GET shows the start button (no side effects: link previews GET); POST starts a sign-in,
    a connect (from settings) or a confirmation in the linked Telegram (reauthenticate)."""
    if request.method == "GET":
        return render_widget(request, None, state=WidgetState.START)
    process = request.POST.get("process", LoginRequest.Process.LOGIN)
    if process not in LoginRequest.Process.values:
        process = LoginRequest.Process.LOGIN
    next_url = get_next_redirect_url(request) or ""
    if process != LoginRequest.Process.LOGIN and not request.user.is_authenticated:
        return client_redirect(request, with_next(reverse("account_login"), request.path))
    if not get_settings().enabled:
        return render_widget(request, None, state=WidgetState.UNAVAILABLE)
    who = _who_asks(request, process, next_url)
    if isinstance(who, HttpResponse):
        return who
    user, purpose = who
    started = start_in_session(
        request, process=process, next_url=next_url, user=user, purpose=purpose
    )
    if started is None:
        return _rate_limited(request)
    login_request, token = started
    response = render_widget(
        request, login_request, state=WidgetState.of(login_request), token=token
    )
    remember_token(response, login_request, token)
    return response


def _who_asks(
    request: HtmxHttpRequest, process: str, next_url: str
) -> tuple[Any, str] | HttpResponse:
    """The account a connect or a confirmation is for, and what the confirmation unlocks; or
    the answer that refuses it (or asks for the password first)."""
    if process == LoginRequest.Process.CONNECT:
        refusal = connect_refusal_at_start(request)
        if refusal == ConnectRefusal.PROOF_LAPSED:
            # The proof first; once given, the connect starts by itself (connect_after_proof).
            asked = ask_for_proof_then(
                request,
                callback=CONNECT_AFTER_PROOF,
                purpose=CONNECT_TELEGRAM,
                next_url=next_url,
                back=next_url or reverse("socialaccount_connections"),
            )
            return client_redirect(request, asked["Location"])
        if refusal is not None:
            return render_widget(request, None, state=WidgetState.refusal(refusal))
        return request.user, ""
    if process == LoginRequest.Process.REAUTHENTICATE:
        if linking.telegram_account_for_user(user=request.user) is None:
            return render_widget(request, None, state=WidgetState.REFUSED_NO_TELEGRAM)
        return request.user, proof_purpose(request, next_url)
    return None, ""


CONNECT_AFTER_PROOF = "telegram_login.signin.views.connect_after_proof"


def connect_after_proof(request: HttpRequest, state: Any) -> HttpResponse | None:
    """allauth calls this once the fresh proof that "Connect Telegram" asked for is given: the
    connect starts, and the settings page it goes back to shows its link and code. None (allauth
    then goes on to the proof page's `next`) if this proof was not for it."""
    waiting = step_after_proof(request, state)
    if waiting is None:
        return None
    back = redirect(waiting["back"])
    if connect_refusal_at_start(request) is not None:
        return back  # the settings page says why
    started = start_in_session(
        request,
        process=LoginRequest.Process.CONNECT,
        next_url=waiting.get("next") or "",
        user=request.user,
    )
    if started is not None:
        remember_token(back, *started)
    return back


def _rate_limited(request: HtmxHttpRequest) -> HttpResponse:
    return render_widget(
        request,
        None,
        state=WidgetState.RATE_LIMITED,
        status=HTTPStatus.OK if request.htmx else HTTPStatus.TOO_MANY_REQUESTS,
    )


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
        return stop(request, None, state=WidgetState.UNKNOWN)
    login_request, state_id = found
    if glance is None:
        glance = status_mirror.poll_glance(request_id=request_id)
    if glance.polls > get_settings().polls_per_request:
        return stop(request, login_request, state=WidgetState.POLL_LIMIT)
    # Brings the instance up to date itself, whoever moved the request.
    services.login_request_expire_if_due(login_request=login_request)
    if login_request.status == LoginRequest.Status.APPROVED:
        return complete(request, login_request, state_id)
    if request.htmx and request.GET.get("shown") == login_request.status:
        return HttpResponse(status=HTTPStatus.NO_CONTENT)
    if login_request.is_terminal:
        return stop(request, login_request, state=WidgetState.of(login_request))
    return render_widget(request, login_request, state=WidgetState.of(login_request))


@login_not_required
@never_cache
@require_POST
def enter_code(request: HtmxHttpRequest, request_id: uuid.UUID) -> HttpResponse:
    """browser_code mode: the asking browser types the code the bot showed in Telegram."""
    found = selectors.login_request_for_session(session=request.session, request_id=request_id)
    if found is None:
        return stop(request, None, state=WidgetState.UNKNOWN)
    login_request, state_id = found
    if not limits.consume(limits.CODE, key=str(request_id)):
        return render_widget(
            request,
            login_request,
            state=WidgetState.of(login_request),
            extra={"code_error": "slow_down"},
        )
    code = "".join(request.POST.get("code", "").split())
    if not TYPED_CODE_RE.match(code):
        return render_widget(
            request,
            login_request,
            state=WidgetState.of(login_request),
            extra={"code_error": "format"},
        )
    outcome = services.login_request_enter_code(login_request=login_request, code=code)
    if outcome == machine.DecisionOutcome.APPROVED:
        return complete(request, login_request, state_id)
    if login_request.is_terminal:
        return stop(request, login_request, state=WidgetState.of(login_request))
    tries_left = codes.TYPED_CODE_ATTEMPTS - login_request.code_attempts
    return render_widget(
        request,
        login_request,
        state=WidgetState.of(login_request),
        extra={"code_error": "wrong", "tries_left": tries_left},
    )
