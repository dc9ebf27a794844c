"""The deep link for single-page and mobile apps, on allauth.headless's API views: config, start,
status, a typed code, completion. Each finds its request only through the headless session that
started it (the browser's session cookie, or an app's X-Session-Token), as the widget's poll does."""

from __future__ import annotations

import uuid
from http import HTTPStatus
from typing import Any

from allauth.headless.base.views import APIView
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from telegram_login import limits
from telegram_login.conf import get_settings
from telegram_login.headless.completion import complete, not_approved
from telegram_login.headless.responses import (
    State,
    config_data,
    not_started_here,
    refuse,
    request_data,
    respond,
    start_data,
    wrong_code_message,
)
from telegram_login.models import LoginRequest
from telegram_login.poll import selectors, status_mirror
from telegram_login.signin import codes, machine, services
from telegram_login.signin.starting import start_in_session
from telegram_login.signin.views import TYPED_CODE_RE


class ConfigView(APIView):
    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        """The provider and its flow, which allauth's own config cannot name (docs/headless.md)."""
        return respond(request, config_data(request))


class StartView(APIView):
    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        """A new sign-in bound to this headless session: the deep link, its QR code, the code."""
        if not get_settings().enabled:
            return refuse(
                request,
                HTTPStatus.FORBIDDEN,
                code="unavailable",
                message=_("Signing in with Telegram is not set up on this site."),
            )
        started = start_in_session(request, process=LoginRequest.Process.LOGIN)
        if started is None:
            return refuse(
                request,
                HTTPStatus.TOO_MANY_REQUESTS,
                code="rate_limited",
                message=_("Too many sign-in attempts from here. Try again in a minute."),
            )
        login_request, token = started
        return respond(request, start_data(request, login_request, token))


class StatusView(APIView):
    def get(self, request: HttpRequest, request_id: uuid.UUID) -> HttpResponse:
        """Where the sign-in is; `approved` means the app may complete it."""
        found = _found(request, request_id)
        if found is None:
            return not_started_here(request)
        login_request, _state_id = found
        glance = status_mirror.poll_glance(request_id=request_id)
        if glance.polls > get_settings().polls_per_request:
            return respond(request, request_data(login_request, state=State.POLL_LIMIT))
        # Brings the instance up to date itself, whoever moved the request.
        services.login_request_expire_if_due(login_request=login_request)
        return respond(request, request_data(login_request, state=State(login_request.status)))


class CodeView(APIView):
    def post(self, request: HttpRequest, request_id: uuid.UUID) -> HttpResponse:
        """browser_code mode: the app types the code the bot showed in Telegram."""
        found = _found(request, request_id)
        if found is None:
            return not_started_here(request)
        login_request, _state_id = found
        if not limits.consume(limits.CODE, key=str(request_id)):
            return refuse(
                request,
                HTTPStatus.TOO_MANY_REQUESTS,
                code="rate_limited",
                message=_("Too many attempts. Please wait a minute."),
            )
        code = "".join(str((self.data or {}).get("code", "")).split())
        if not TYPED_CODE_RE.match(code):
            return refuse(
                request,
                HTTPStatus.BAD_REQUEST,
                code="invalid_code",
                message=_("The code is six digits."),
                param="code",
            )
        outcome = services.login_request_enter_code(login_request=login_request, code=code)
        state = State(login_request.status)
        if outcome == machine.DecisionOutcome.APPROVED:
            return respond(request, request_data(login_request, state=State.APPROVED))
        if state.is_final:
            return not_approved(request, login_request, state)
        tries_left = codes.TYPED_CODE_ATTEMPTS - login_request.code_attempts
        return refuse(
            request,
            HTTPStatus.BAD_REQUEST,
            code="wrong_code",
            message=wrong_code_message(tries_left),
            param="code",
            data=request_data(login_request, state=state),
        )


class CompleteView(APIView):
    def post(self, request: HttpRequest, request_id: uuid.UUID) -> HttpResponse:
        """Sign in to allauth in this headless session once Telegram approved the request."""
        found = _found(request, request_id)
        if found is None:
            return not_started_here(request)
        login_request, state_id = found
        services.login_request_expire_if_due(login_request=login_request)
        if login_request.status != LoginRequest.Status.APPROVED:
            return not_approved(request, login_request, State(login_request.status))
        return complete(request, login_request, state_id)


def _found(request: HttpRequest, request_id: uuid.UUID) -> tuple[LoginRequest, str] | None:
    """The sign-in with this id, if this session started it. A link or a confirmation the same
    browser started on the site's pages finishes there, never here."""
    found = selectors.login_request_for_session(session=request.session, request_id=request_id)
    if found is None or found[0].process != LoginRequest.Process.LOGIN:
        return None
    return found
