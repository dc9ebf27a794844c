"""What "Not me" puts back after a change made in a browser (security_notices.py): the address
removed or put back, the old primary again, the new password voided, a second factor removed,
the alerts on again, a lost-Telegram removal stopped; only while the account is still as the
change left it."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

from allauth.account.models import EmailAddress
from django.utils import timezone
from django.utils.translation import gettext as _

from telegram_login.allauth_internals import delete_dangling_recovery_codes
from telegram_login.linking import rules as linking
from telegram_login.models import AlertPreference, SecurityNotice, TelegramRemoval


def stop_removals(*, user_id: Any, browser: str | None = None, removal_id: Any = None) -> int:
    """Stop the account's lost-Telegram removals under way (those `browser` asked for, or the
    one `removal_id`)."""
    removals = TelegramRemoval.objects.filter(
        user_id=user_id,
        status__in=[TelegramRemoval.Status.EMAIL_SENT, TelegramRemoval.Status.WAITING],
    )
    if browser is not None:
        removals = removals.filter(browser=browser)
    if removal_id is not None:
        removals = removals.filter(pk=removal_id)
    return removals.update(status=TelegramRemoval.Status.STOPPED, ended_at=timezone.now())


def password_tag(user: Any) -> str:
    """Which password the account has now, without keeping its hash: so that "Not me" voids
    the password a change set, never a later one."""
    return hashlib.sha256(f"telegram_login.password:{user.password}".encode()).hexdigest()[:32]


def undo(notice: SecurityNotice) -> str:
    """Put back what the notice's change did, where allauth allows it; what the bot says of it
    (empty where there was nothing to put back)."""
    put_back = UNDO.get(notice.kind)
    return put_back(notice.user, notice.undo) if put_back is not None else ""


def _undo_password(user: Any, data: dict[str, Any]) -> str:
    if data.get("password") != password_tag(user):
        return _("The password was changed again since: it stays.")
    if linking.telegram_account_for_user(user=user) is None:
        return _("The password stays: Telegram is no longer connected, so it is a way in.")
    user.set_unusable_password()
    user.save(update_fields=["password"])
    return _(
        "The password set from that browser no longer works: sign in with Telegram and set "
        "a new one."
    )


def _undo_primary(user: Any, data: dict[str, Any]) -> str:
    primary = EmailAddress.objects.filter(user_id=user.pk, primary=True).first()
    if primary is None or primary.email.lower() != str(data.get("to", "")).lower():
        return ""  # the primary address changed again since: left as the owner has it
    before = EmailAddress.objects.filter(
        user_id=user.pk, email__iexact=data.get("from", ""), verified=True
    ).first()
    if before is None:
        return ""
    before.set_as_primary()
    return _("%(email)s is the primary address again.") % {"email": before.email}


def _undo_alerts_off(user: Any, data: dict[str, Any]) -> str:
    AlertPreference.objects.update_or_create(user=user, defaults={"sign_in_alerts": True})
    return _("Sign-in alerts are on again.")


def _undo_removal(user: Any, data: dict[str, Any]) -> str:
    if stop_removals(user_id=user.pk, removal_id=data.get("removal")):
        return _("The removal of Telegram is stopped: Telegram stays connected.")
    return ""


def _undo_provider_added(user: Any, data: dict[str, Any]) -> str:
    from allauth.socialaccount.models import SocialAccount

    removed, _by_model = SocialAccount.objects.filter(
        pk=data.get("account"), user_id=user.pk
    ).delete()
    if not removed:
        return ""
    return _("%(provider)s no longer signs in to the account.") % {
        "provider": data.get("provider", "")
    }


def _mfa_not_restorable(user: Any, data: dict[str, Any]) -> str:
    return _("Two-factor authentication cannot be restored from here: turn it on again.")


def _undo_authenticator_added(user: Any, data: dict[str, Any]) -> str:
    from django.apps import apps

    if not apps.is_installed("allauth.mfa"):
        return ""
    from allauth.mfa.models import Authenticator

    removed, _by_model = Authenticator.objects.filter(
        pk=data.get("authenticator"), user_id=user.pk
    ).delete()
    if not removed:
        return ""
    # Its recovery codes go with it, as allauth's own deactivation does.
    delete_dangling_recovery_codes(user)
    return _("The two-factor authentication it turned on is removed.")


def _undo_email_added(user: Any, data: dict[str, Any]) -> str:
    email = data.get("email", "")
    address = EmailAddress.objects.filter(user_id=user.pk, email__iexact=email).first()
    if address is None:
        return ""
    if address.primary:
        other = (
            EmailAddress.objects.filter(user_id=user.pk, verified=True)
            .exclude(pk=address.pk)
            .order_by("pk")
            .first()
        )
        if other is not None:
            other.set_as_primary()
    address.delete()
    return _("%(email)s is removed from the account.") % {"email": email}


def _undo_email_removed(user: Any, data: dict[str, Any]) -> str:
    email = data.get("email", "")
    if not email or EmailAddress.objects.filter(email__iexact=email).exists():
        return ""
    address = EmailAddress.objects.create(
        user=user, email=email, verified=bool(data.get("verified")), primary=False
    )
    if data.get("primary") and address.verified:
        address.set_as_primary()
    return _("%(email)s is back on the account.") % {"email": email}


Kind = SecurityNotice.Kind
# What "Not me" puts back, by the kind of notice (a sign-in has nothing to put back).
UNDO: dict[str, Callable[[Any, dict[str, Any]], str]] = {
    Kind.PASSWORD_CHANGED: _undo_password,
    Kind.PASSWORD_SET: _undo_password,
    Kind.PASSWORD_RESET: _undo_password,
    Kind.EMAIL_ADDED: _undo_email_added,
    Kind.EMAIL_REMOVED: _undo_email_removed,
    Kind.EMAIL_PRIMARY: _undo_primary,
    Kind.MFA_ADDED: _undo_authenticator_added,
    Kind.MFA_REMOVED: _mfa_not_restorable,
    Kind.ALERTS_OFF: _undo_alerts_off,
    Kind.TELEGRAM_REMOVAL: _undo_removal,
    Kind.SOCIAL_ADDED: _undo_provider_added,
}
