"""The parts of allauth the app needs where allauth has no public API for them, imported here only.

Everything else comes from allauth's public modules (adapters, models, signals, settings,
`allauth.account.authentication`, `allauth.core.exceptions`). An allauth release may move what is
here without notice: tests/test_allauth_internals.py imports each name and says which one moved.
"""

from __future__ import annotations

from typing import Any

import allauth

try:
    # The session's log of sign-ins and fresh proofs: a confirmation in the linked Telegram is
    # written to it as allauth writes a password check.
    from allauth.account.internal.flows.login import record_authentication

    # "Confirm access": whether allauth would ask for it now, and the request that waits for it
    # (taken aside before the browser goes to confirm, carried on afterwards), or the step that
    # goes on after it (allauth's own connect waits so); the session key of what waits.
    from allauth.account.internal.flows.reauthentication import (
        STATE_SESSION_KEY as REAUTHENTICATION_STATE_SESSION_KEY,
    )
    from allauth.account.internal.flows.reauthentication import (
        is_reauthentication_required,
        resume_request,
        stash_and_reauthenticate,
        suspend_request,
    )

    # Unlinking a social account as allauth's own "Remove" does it (its message, signal, mail).
    from allauth.socialaccount.internal.flows.connect import disconnect

    # The social sign-up a session waits on (allauth asks the new user for an email address).
    from allauth.socialaccount.internal.flows.signup import get_pending_signup

    # Where allauth keeps the states of the sign-ins a browser started (the tests look into it).
    from allauth.socialaccount.internal.statekit import STATES_SESSION_KEY
except ImportError as moved:
    raise ImportError(
        f"django-allauth {allauth.__version__} moved a part of it that telegram-login uses "
        f"({moved}). Install a django-allauth version that telegram-login supports; to support "
        "this one, import it from its new place in telegram_login/allauth_internals.py."
    ) from moved


def delete_dangling_recovery_codes(user: Any) -> None:
    """Remove the recovery codes left without a second factor, as allauth.mfa does when one is
    turned off (allauth.mfa's models load only where it is installed: imported on use)."""
    from allauth.mfa.base.internal.flows import delete_dangling_recovery_codes as delete

    delete(user)


def headless_response(
    request: Any, *, data: Any = None, errors: list[dict[str, Any]] | None = None, status: int
) -> Any:
    """allauth.headless's JSON answer, {"status", "data", "errors", "meta"}, its meta carrying an
    app's new session token as allauth's own answers do (allauth.headless loads only where it is
    installed: imported on use)."""
    from allauth.headless.internal.restkit.response import APIResponse

    return APIResponse(request, data=data, errors=errors, status=status)


__all__ = [
    "REAUTHENTICATION_STATE_SESSION_KEY",
    "STATES_SESSION_KEY",
    "delete_dangling_recovery_codes",
    "disconnect",
    "get_pending_signup",
    "headless_response",
    "is_reauthentication_required",
    "record_authentication",
    "resume_request",
    "stash_and_reauthenticate",
    "suspend_request",
]
