"""Finishing an approved sign-in in the app's own headless session: allauth's social login, as
the widget's poll does it (signin/completion.py), answered as allauth.headless answers a login."""

from __future__ import annotations

import logging
from http import HTTPStatus

from allauth.headless.base.response import AuthenticationResponse
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseRedirectBase
from django.utils.translation import gettext as _

from telegram_login.allauth_internals import get_pending_signup
from telegram_login.headless.responses import (
    State,
    refuse,
    request_data,
    state_message,
    with_pending_signup,
)
from telegram_login.models import LoginRequest
from telegram_login.signin import services
from telegram_login.signin.completion import sign_in
from telegram_login.signin.responses import provider_of

logger = logging.getLogger(__name__)


def complete(request: HttpRequest, login_request: LoginRequest, state_id: str) -> HttpResponse:
    """Sign in to the approved request's account in this session; exactly one call gets here.

    allauth's answer: 200 with the user (and an app's new session token or access token), or
    401 with the flow it waits on (the second factor, an email address to give or verify).
    """
    if not services.login_request_take_for_completion(login_request=login_request):
        login_request.refresh_from_db()
        return not_approved(request, login_request, State(login_request.status))
    provider = provider_of(request)
    signed_in_as = request.user.pk
    try:
        redirect_state = provider.unstash_redirect_state(request, state_id)
        response = sign_in(request, login_request, provider, redirect_state)
    except Exception:
        logger.exception("completing headless sign-in %s failed", login_request.id)
        services.login_request_fail(login_request=login_request)
        if request.user.pk != signed_in_as:
            # Nothing of the sign-in was kept: neither is the session that allauth signed in.
            logout(request)
        return _failed(request, login_request, HTTPStatus.BAD_REQUEST)
    if not isinstance(response, HttpResponseRedirectBase) and not request.user.is_authenticated:
        # allauth stopped on a page of its own (sign-up is closed, or an adapter said no), with
        # no flow for the app to go on with.
        services.login_request_fail(login_request=login_request)
        return _failed(request, login_request, HTTPStatus.FORBIDDEN)
    answer = AuthenticationResponse(request)
    if not request.user.is_authenticated and get_pending_signup(request) is not None:
        return with_pending_signup(request, answer)
    return answer


def not_approved(request: HttpRequest, login_request: LoginRequest, state: State) -> HttpResponse:
    """A 409 that says where the request is (waiting, or over without a sign-in)."""
    return refuse(
        request,
        HTTPStatus.CONFLICT,
        code=f"request_{state.value}",
        message=state_message(login_request, state),
        data=request_data(login_request, state=state),
    )


def _failed(request: HttpRequest, login_request: LoginRequest, status: int) -> HttpResponse:
    login_request.refresh_from_db()
    return refuse(
        request,
        status,
        code="sign_in_failed",
        message=_("The sign-in could not be completed."),
        data=request_data(login_request, state=State(login_request.status)),
    )
