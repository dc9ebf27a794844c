"""Changes made to an account in a browser, told at once to its linked Telegram: a password
changed, set or reset, an email address added or removed, a new primary address, two-factor
authentication turned on or off, another way to sign in connected. Each is what someone with the stolen password would do next; the
bot names the browser, with "Not me" (that browser signed out, the change undone where allauth
allows it; security_notices.py) and "Sign out everywhere"."""

from __future__ import annotations

from typing import Any

from allauth.account import signals as account_signals
from allauth.socialaccount.signals import social_account_added
from django.apps import apps
from django.dispatch import receiver
from django.http import HttpRequest

from telegram_login.linking import rules as linking
from telegram_login.messaging.outbox import tell
from telegram_login.models import SecurityNotice
from telegram_login.security import change_messages
from telegram_login.security import notices as security_notices
from telegram_login.security.undo import password_tag

Kind = SecurityNotice.Kind


def change_told(
    *,
    request: HttpRequest | None,
    user: Any,
    kind: str,
    details: dict[str, Any] | None = None,
    undo: dict[str, Any] | None = None,
) -> SecurityNotice | None:
    """Tell the account's linked Telegram of a change made on `request`; the notice, or None
    where there is no Telegram to tell."""
    if request is None or user is None:
        return None
    account = linking.telegram_account_for_user(user=user)
    if account is None or not account.uid.isdigit():
        return None
    notice = security_notices.notice_create(
        kind=kind,
        user=user,
        telegram_user_id=int(account.uid),
        where=security_notices.where_of(request),
        undo=undo,
    )
    tell(
        account.extra_data.get("language_code"),
        lambda: change_messages.change_notice(
            chat_id=int(account.uid),
            notice=notice,
            account=linking.account_label(user),
            session=security_notices.session_view_of(notice),
            details=details or {},
        ),
    )
    return notice


@receiver(account_signals.password_changed)
def _password_changed(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    change_told(request=request, user=user, kind=Kind.PASSWORD_CHANGED, undo=_password_undo(user))


@receiver(account_signals.password_set)
def _password_set(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    change_told(request=request, user=user, kind=Kind.PASSWORD_SET, undo=_password_undo(user))


def _password_undo(user: Any) -> dict[str, Any]:
    # "Not me" voids this password only, not one the owner set later.
    return {"password": password_tag(user)}


@receiver(account_signals.password_reset)
def _password_reset(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    # A reset is done from the mailbox, not with the password; told all the same, since it is
    # what someone with the mailbox would do (and it may sign nobody in, so no alert follows).
    change_told(request=request, user=user, kind=Kind.PASSWORD_RESET, undo=_password_undo(user))


@receiver(social_account_added)
def _other_provider_connected(
    sender: Any, request: HttpRequest, sociallogin: Any, **kwargs: Any
) -> None:
    account = sociallogin.account
    if account.provider == linking.PROVIDER_ID:
        return  # Telegram's own link is told by notices.py, to both sides
    provider = account.get_provider(request).name
    change_told(
        request=request,
        user=account.user,
        kind=Kind.SOCIAL_ADDED,
        details={"provider": provider},
        undo={"account": account.pk, "provider": provider},
    )


@receiver(account_signals.email_added)
def _email_added(
    sender: Any, request: HttpRequest, user: Any, email_address: Any, **kwargs: Any
) -> None:
    change_told(
        request=request,
        user=user,
        kind=Kind.EMAIL_ADDED,
        details={"email": email_address.email},
        undo={"email": email_address.email},
    )


@receiver(account_signals.email_removed)
def _email_removed(
    sender: Any, request: HttpRequest, user: Any, email_address: Any, **kwargs: Any
) -> None:
    change_told(
        request=request,
        user=user,
        kind=Kind.EMAIL_REMOVED,
        details={"email": email_address.email},
        undo={
            "email": email_address.email,
            "verified": email_address.verified,
            "primary": email_address.primary,
        },
    )


@receiver(account_signals.email_changed)
def _primary_changed(
    sender: Any,
    request: HttpRequest,
    user: Any,
    from_email_address: Any,
    to_email_address: Any,
    **kwargs: Any,
) -> None:
    if from_email_address is None:
        return  # the first primary address of the account: nothing was replaced
    change_told(
        request=request,
        user=user,
        kind=Kind.EMAIL_PRIMARY,
        details={"email": to_email_address.email, "before": from_email_address.email},
        undo={"from": from_email_address.email, "to": to_email_address.email},
    )


# allauth.mfa's recovery codes come and go with the authenticator that needs them: told once,
# with that one.
RECOVERY_CODES = "recovery_codes"


def _authenticator_removed(
    sender: Any, request: HttpRequest, user: Any, authenticator: Any, **kwargs: Any
) -> None:
    _authenticator_told(request, user, authenticator, Kind.MFA_REMOVED, undo=None)


def _authenticator_added(
    sender: Any, request: HttpRequest, user: Any, authenticator: Any, **kwargs: Any
) -> None:
    # Turned on by someone with the password, a second factor of theirs locks the owner out
    # (the owner's Telegram sign-in would then be asked for it).
    _authenticator_told(
        request, user, authenticator, Kind.MFA_ADDED, undo={"authenticator": authenticator.pk}
    )


def _authenticator_told(
    request: HttpRequest, user: Any, authenticator: Any, kind: str, *, undo: dict[str, Any] | None
) -> None:
    if getattr(authenticator, "type", "") == RECOVERY_CODES:
        return
    change_told(
        request=request,
        user=user,
        kind=kind,
        details={"method": str(authenticator.get_type_display())},
        undo=undo,
    )


def connect_mfa() -> None:
    """allauth.mfa is optional: hear of authenticators added and removed where the site has it."""
    if apps.is_installed("allauth.mfa"):
        from allauth.mfa import signals as mfa_signals

        mfa_signals.authenticator_removed.connect(
            _authenticator_removed, dispatch_uid="telegram_login_mfa_removed"
        )
        mfa_signals.authenticator_added.connect(
            _authenticator_added, dispatch_uid="telegram_login_mfa_added"
        )
