"""Finishing what a browser asked for, in its own session, once Telegram approved it: the
sign-in (allauth's social login), the link (allauth's connect) or the confirmation of access;
exactly one poll (or typed code) gets here for a request."""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any
from urllib.parse import urlsplit

from allauth.account.adapter import get_adapter as get_account_adapter
from allauth.socialaccount.helpers import complete_social_login, render_authentication_error
from django.contrib.auth import logout
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseRedirectBase
from django.shortcuts import redirect
from django.urls import reverse
from django_htmx.http import HttpResponseClientRedirect, reswap, retarget

from telegram_login.identity import PROVIDER_ID
from telegram_login.linking import rules as linking
from telegram_login.linking.connect import connect_refusal_at_finish
from telegram_login.linking.reauthentication import (
    record_reauthentication,
    resume_reauthenticated_request,
)
from telegram_login.models import LoginRequest
from telegram_login.provider import TelegramLoginProvider
from telegram_login.signin import services
from telegram_login.signin.responses import HtmxHttpRequest, provider_of, render_widget, stop
from telegram_login.signin.widget import WidgetState

logger = logging.getLogger(__name__)


def complete(request: HtmxHttpRequest, login_request: LoginRequest, state_id: str) -> HttpResponse:
    """Finish what the browser asked for in its own session; exactly one poll gets here."""
    if not services.login_request_take_for_completion(login_request=login_request):
        return HttpResponse(status=HTTPStatus.NO_CONTENT)
    provider = provider_of(request)
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
            response = sign_in(request, login_request, provider, redirect_state)
    except CompletionRefused as refused:
        services.login_request_fail(login_request=login_request)
        return stop(request, login_request, state=refused.state)
    except Exception as exc:
        logger.exception("completing sign-in %s failed", login_request.id)
        services.login_request_fail(login_request=login_request)
        if request.user.pk != signed_in_as:
            # Nothing of the sign-in was kept: neither is the session that allauth signed in.
            logout(request)
        response = render_authentication_error(request, provider, exception=exc)
    else:
        if process != LoginRequest.Process.LOGIN:
            services.login_request_finished(login_request=login_request)
    if not isinstance(response, HttpResponseRedirectBase):
        # allauth rendered a page (an authentication error): show it in full.
        if request.htmx:
            retarget(response, "body")
            reswap(response, "innerHTML")
        return response
    if not request.htmx:
        return response
    # Where allauth sends the browser; the widget's "signed in" shows until it gets there.
    widget = render_widget(
        request,
        login_request,
        state=WidgetState.COMPLETED,
        extra={
            "continue_url": response["Location"],
            "steps_left": _steps_left(response["Location"]),
        },
    )
    return HttpResponseClientRedirect(response["Location"], content=widget.content)


def _steps_left(location: str) -> bool:
    """Whether allauth sends the browser on to finish a sign-up (an email address to give or to
    confirm) rather than into the account."""
    path = urlsplit(location).path
    return path in {reverse("socialaccount_signup"), reverse("account_email_verification_sent")}


class CompletionRefused(Exception):
    def __init__(self, state: WidgetState) -> None:
        super().__init__(state)
        self.state = state


def sign_in(
    request: HttpRequest,
    login_request: LoginRequest,
    provider: TelegramLoginProvider,
    redirect_state: dict[str, Any],
) -> HttpResponse:
    """allauth's social login of the approved request's Telegram user in this request's session
    (the widget's poll, or an app's completion through allauth.headless); allauth's answer."""
    sociallogin = provider.sociallogin_from_response(request, login_request.telegram_user)
    # Where the sign-in came from, as Telegram's login page marks it (oidc/flows.py): the alert
    # it sends (security/alerts.py) edits this request's prompt.
    sociallogin.state = {
        **redirect_state,
        "way": PROVIDER_ID,
        "login_request": str(login_request.id),
    }
    # The sign-in commits as one: the account, its Telegram, the session's record and the bot's
    # edit in the queue, or, if any of it fails, none of them.
    with transaction.atomic():
        return complete_social_login(request, sociallogin)


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
        refusal = connect_refusal_at_finish(request)
        if refusal is not None:
            raise CompletionRefused(WidgetState.refusal(refusal))
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
