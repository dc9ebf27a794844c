"""A fresh proof before linking, unlinking or adding a way in: the password, or the linked Telegram.

allauth asks for the password again before sensitive changes (its "reauthentication"), but for an
account without a password it asks nothing at all, so anyone at an unlocked browser could add an
email, set a password or link another Telegram. Here the linked Telegram becomes a proof allauth
accepts: a confirmation in Telegram is recorded in the session exactly as allauth records a
password check, and an account without a password must give one before such a change.

A proof counts as allauth counts its own (from allauth 65.22 only the methods in
ACCOUNT_REAUTHENTICATION_METHODS, and none at all on an account whose only method is Telegram),
and a confirmation in the linked Telegram counts as well: the adapter tells allauth so
(`AccountAdapter.is_reauthentication_required`), whatever that setting says. The records and the
request that waits for the proof are allauth internals, reached through allauth_internals.py.
"""

from __future__ import annotations

import time
from typing import Any

from allauth.account import app_settings as account_settings
from allauth.account.authentication import get_authentication_records
from allauth.core.exceptions import ReauthenticationRequired
from allauth.socialaccount.models import SocialAccount
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.urls import reverse

from telegram_login.allauth_internals import (
    is_reauthentication_required,
    record_authentication,
    resume_request,
    suspend_request,
)
from telegram_login.linking.rules import telegram_account_for_user

# A session created only to start a sign-in lives as long as the sign-in (plus this margin),
# not the default two weeks; signing in turns it into an ordinary session.
SHORT_SESSION_KEY = "telegram_login_short_session"
SHORT_SESSION_GRACE = 600


def reauthentication_due(request: HttpRequest) -> bool:
    """True if allauth would ask this browser to prove it is the account's owner again."""
    return is_reauthentication_required(request, app="allauth.socialaccount")


def _is_telegram_confirmation(record: dict[str, Any], account: SocialAccount | None) -> bool:
    return (
        account is not None
        and record.get("method") == "socialaccount"
        and record.get("provider") == account.provider
        and record.get("uid") == account.uid
    )


def did_recently_reauthenticate(request: HttpRequest) -> bool:
    """A fresh proof in this session, within allauth's window: a confirmation in the linked
    Telegram, or one of allauth's own methods that it counts (all of them before 65.22; from
    65.22 those in ACCOUNT_REAUTHENTICATION_METHODS)."""
    account = telegram_account_for_user(user=request.user)
    enabled = getattr(account_settings, "REAUTHENTICATION_METHODS", None)
    times = [
        record.get("at", 0)
        for record in get_authentication_records(request, request.user)
        if record.get("reauthenticated")
        and (
            _is_telegram_confirmation(record, account)
            or enabled is None
            or record.get("method") in enabled
        )
    ]
    return bool(times) and time.time() - max(times) < account_settings.REAUTHENTICATION_TIMEOUT


def signed_in_with_password_recently(request: HttpRequest) -> bool:
    """This session signed in with the account's password within allauth's window: as fresh a
    proof as typing it again on the proof page (whoever typed it could type it there too), which
    is all allauth counts. Signing in with Telegram is not: its prompt names no change, and a
    sign-in lured out of the owner must not also let a new way in be added."""
    user: Any = request.user
    enabled = getattr(account_settings, "REAUTHENTICATION_METHODS", None)
    if not user.has_usable_password() or (enabled is not None and "password" not in enabled):
        return False
    times = [
        record.get("at", 0)
        for record in get_authentication_records(request, user)
        if record.get("method") == "password"
    ]
    return bool(times) and time.time() - max(times) < account_settings.REAUTHENTICATION_TIMEOUT


def needs_telegram_proof(request: HttpRequest | None) -> bool:
    """An account without a password but with Telegram must confirm in Telegram; allauth would
    let it through (it has no password to ask for)."""
    if request is None or not request.user.is_authenticated:
        return False
    user: Any = request.user
    if user.has_usable_password() or telegram_account_for_user(user=user) is None:
        return False
    return not did_recently_reauthenticate(request)


def record_reauthentication(
    request: HttpRequest, account: SocialAccount, *, purpose: str = ""
) -> None:
    record_authentication(
        request,
        request.user,
        method="socialaccount",
        reauthenticated=True,
        provider=account.provider,
        uid=account.uid,
        purpose=purpose,
    )


# Changes that would silence or remove the account's security key, its linked Telegram: only a
# confirmation in that Telegram for the very change allows them; the password (which is what an
# intruder has) does not (docs/security.md, "A stolen password").
DISCONNECT_TELEGRAM = "telegram_disconnect"
ALERTS_OFF = "telegram_login_alerts"
KEY_PURPOSES = frozenset({DISCONNECT_TELEGRAM, ALERTS_OFF})
# The key change waiting for its confirmation: {"purpose": ..., "next": the path to resume}.
KEY_CHANGE_SESSION_KEY = "telegram_login_key_change"


def confirmed_in_telegram(request: HttpRequest, purpose: str) -> bool:
    """The linked Telegram confirmed `purpose` in this session, within allauth's window."""
    account = telegram_account_for_user(user=request.user)
    if account is None:
        return False
    for record in get_authentication_records(request, request.user):
        if (
            record.get("reauthenticated")
            and _is_telegram_confirmation(record, account)
            and record.get("purpose") == purpose
            and time.time() - record.get("at", 0) < account_settings.REAUTHENTICATION_TIMEOUT
        ):
            return True
    return False


def key_change_allowed(request: HttpRequest, purpose: str) -> HttpResponse | None:
    """None if `purpose` may go ahead now; else where the browser goes first. With Telegram
    linked, a confirmation there for this change (the request waits in the session and goes on
    after it); without, allauth's own fresh proof (raised, so that allauth picks the way)."""
    if telegram_account_for_user(user=request.user) is None:
        if is_reauthentication_required(request, app="allauth.account"):
            raise ReauthenticationRequired()
        return None
    if confirmed_in_telegram(request, purpose):
        request.session.pop(KEY_CHANGE_SESSION_KEY, None)
        return None
    response = suspend_request(request, reverse("telegram_login_reauthenticate"))
    request.session[KEY_CHANGE_SESSION_KEY] = {
        "purpose": purpose,
        "next": request.get_full_path(),
    }
    return response


def key_change_waiting(request: HttpRequest, next_url: str) -> str:
    """The key change (its purpose) that a confirmation for `next_url` is for, if any."""
    waiting = request.session.get(KEY_CHANGE_SESSION_KEY)
    if isinstance(waiting, dict) and next_url and waiting.get("next") == next_url:
        purpose = waiting.get("purpose")
        if purpose in KEY_PURPOSES:
            return str(purpose)
    return ""


def resume_reauthenticated_request(request: HttpRequest) -> HttpResponse | None:
    """Carry on with what asked for the proof (a suspended form post, or its `next` page).

    allauth replays a suspended post by rewriting this request in place. Its files are read first,
    so the replayed form is not parsed again from this (GET) request's empty body, and the poll's
    own method, path and headers come back afterwards (the answer is still for htmx).
    """
    _ = request.FILES
    saved = {
        name: getattr(request, name)
        for name in ("META", "GET", "POST", "path", "path_info", "method")
    }
    try:
        return resume_request(request)
    finally:
        for name, value in saved.items():
            setattr(request, name, value)
        request.__dict__.pop("headers", None)  # a cached view of the replayed META


@receiver(user_logged_in)
def _lengthen_short_session(sender: Any, request: HttpRequest, **kwargs: Any) -> None:
    if request is not None and request.session.pop(SHORT_SESSION_KEY, None):
        request.session.set_expiry(None)
