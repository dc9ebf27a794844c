"""What a fresh proof is asked for: the change that waits for it, named on the proof page and by
the bot, and a connect that goes on by itself once the proof is given (one press, not two)."""

from __future__ import annotations

import json
import time
from typing import Any
from urllib.parse import urlsplit

from allauth.account import app_settings as account_settings
from allauth.account.utils import get_next_redirect_url
from django.http import HttpRequest, HttpResponseRedirect
from django.urls import Resolver404, resolve, reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from telegram_login.allauth_internals import (
    REAUTHENTICATION_STATE_SESSION_KEY,
    stash_and_reauthenticate,
)
from telegram_login.linking.reauthentication import key_change_waiting

CONNECT_TELEGRAM = "telegram_connect"
# A connect left waiting (the person went elsewhere) does not start after a later proof.
CONNECT_WAITS = 600

# What the proof page says the proof unlocks, by the change waiting for it (the URL name of the
# page it resumes, or a purpose of the app's own).
PAGE_TEXTS = {
    CONNECT_TELEGRAM: _("To connect Telegram to your account, first confirm that it is you."),
    "socialaccount_connections": _("To change how you sign in, first confirm that it is you."),
    "account_set_password": _("To set a password, first confirm that it is you."),
    "account_change_password": _("To change your password, first confirm that it is you."),
    "account_email": _("To change your email addresses, first confirm that it is you."),
    "telegram_disconnect": _(
        "To disconnect Telegram from your account, first confirm that it is you."
    ),
    "telegram_login_alerts": _(
        "To turn off sign-in alerts in Telegram, first confirm that it is you."
    ),
}
MFA_TEXT = _("To change two-factor authentication, first confirm that it is you.")
DEFAULT_TEXT = _("To change how your account is protected, first confirm that it is you.")


def purpose_of(next_url: str) -> str:
    """The URL name of the page a confirmation unlocks (the bot names it; see bot/messages.py)."""
    try:
        match = resolve(urlsplit(next_url).path) if next_url else None
    except Resolver404:
        return ""
    return (match.url_name or "")[:32] if match else ""


def ask_for_proof_then(
    request: HttpRequest, *, callback: str, purpose: str, next_url: str, back: str
) -> HttpResponseRedirect:
    """Send the browser to the fresh-proof page; once the proof is given there (whichever way),
    allauth calls `callback` (a dotted path) with this step's state, and the step goes on by
    itself. `back` is where the proof page leads back to, `next_url` where the step ends."""
    response = stash_and_reauthenticate(
        request,
        {"purpose": purpose, "next": next_url, "back": back, "at": time.time()},
        callback,
    )
    response["Location"] = f"{response['Location']}?{urlencode({'next': back})}"
    return response


def step_after_proof(request: HttpRequest, state: Any) -> dict[str, Any] | None:
    """The step that waited for the proof just given, if it is still the one this proof was for:
    not one left waiting too long, nor one whose proof page was left for another change's."""
    if not isinstance(state, dict) or time.time() - float(state.get("at", 0)) > CONNECT_WAITS:
        return None
    asked_for = get_next_redirect_url(request)
    if asked_for and asked_for != state.get("back"):
        return None
    return state


def _waiting_in_allauth(request: HttpRequest, next_url: str) -> str:
    """The change allauth keeps waiting for the proof: a step of the app's (its purpose), or a
    form post taken aside (the URL name of its page); "" if none is for `next_url`."""
    waiting = request.session.get(REAUTHENTICATION_STATE_SESSION_KEY)
    if not isinstance(waiting, dict):
        return ""
    state = waiting.get("state")
    if "callback" in waiting and isinstance(state, dict):
        if next_url and state.get("back") != next_url:
            return ""
        return str(state.get("purpose") or "")
    try:
        path = json.loads(waiting["request"])["path"]
    except (KeyError, TypeError, ValueError):
        return ""
    return purpose_of(path) if path == urlsplit(next_url).path else ""


def proof_purpose(request: HttpRequest, next_url: str) -> str:
    """What the proof asked for now unlocks: a change to the security key, a step waiting in
    allauth, or the page it goes back to."""
    return (
        key_change_waiting(request, next_url)
        or _waiting_in_allauth(request, next_url)
        or purpose_of(next_url)
    )


def proof_page_text(purpose: str) -> str:
    """The proof page's sentence for what it unlocks."""
    if purpose in PAGE_TEXTS:
        return str(PAGE_TEXTS[purpose])
    return str(MFA_TEXT if purpose.startswith("mfa_") else DEFAULT_TEXT)


def proof_window_text() -> str:
    """How long a proof counts: allauth's window, in whole minutes."""
    minutes = max(1, account_settings.REAUTHENTICATION_TIMEOUT // 60)
    return ngettext(
        "Once you confirm, you are not asked again for %(count)d minute.",
        "Once you confirm, you are not asked again for %(count)d minutes.",
        minutes,
    ) % {"count": minutes}


def proof_return_url(request: HttpRequest) -> str:
    """Where the proof page's way back leads: its `next`, else the connections page."""
    return get_next_redirect_url(request) or reverse("socialaccount_connections")
