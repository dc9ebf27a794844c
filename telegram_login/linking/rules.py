"""Linking Telegram to site accounts: who may link or unlink, and the ways in that must remain.

A way in is a linked Telegram account, or a verified email address together with a password.
The rules (docs/security.md, "Linking and recovery"):

- an account has at most one Telegram account;
- Telegram links only to an account whose email addresses are all verified (so nobody can link
  their Telegram to an account made with someone else's unconfirmed address and wait);
- the last way in can never be removed;
- on an account with Telegram, a password reset goes only to verified addresses (an address
  nobody confirmed cannot take over an account that Telegram protects; adapter.py).
"""

from __future__ import annotations

import enum
import logging
from typing import Any

from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction

from telegram_login.identity import PROVIDER_ID, display_name

logger = logging.getLogger(__name__)

__all__ = ["PROVIDER_ID"]


def telegram_account_for_user(*, user: Any) -> SocialAccount | None:
    if user is None or not getattr(user, "pk", None):
        return None
    return SocialAccount.objects.filter(user_id=user.pk, provider=PROVIDER_ID).first()


def account_label(user: Any) -> str:
    """The account as its owner knows it: the primary email, else the person's name (the name of
    the Telegram linked to it, else the user's own), and the username only when there is neither
    (a username is mostly made up by the site: nobody typed it).

    A domain with non-ASCII letters is shown as Telegram and mail clients resolve it, in its
    xn-- form: a look-alike of gmail.com spelt with a Cyrillic letter must not read as gmail.com
    in a consent prompt.
    """
    email = EmailAddress.objects.filter(user_id=user.pk, primary=True).values_list(
        "email", flat=True
    ).first() or getattr(user, "email", "")
    if not email:
        return _person_name(user) or user.get_username()
    local, _, domain = email.rpartition("@")
    if domain.isascii():
        return email
    try:
        return f"{local}@{domain.encode('idna').decode('ascii')}"
    except UnicodeError:
        return f"{local}@{domain.encode('ascii', 'backslashreplace').decode('ascii')}"


def _person_name(user: Any) -> str:
    telegram = telegram_account_for_user(user=user)
    if telegram is not None and isinstance(telegram.extra_data, dict):
        name = display_name(telegram.extra_data)
        if name:
            return name
    full_name = getattr(user, "get_full_name", None)
    return (full_name() if callable(full_name) else "").strip()


def _has_password_and_verified_email(user: Any, *, without: EmailAddress | None = None) -> bool:
    if not user.has_usable_password():
        return False
    verified = EmailAddress.objects.filter(user_id=user.pk, verified=True)
    if without is not None and without.pk:
        verified = verified.exclude(pk=without.pk)
    return verified.exists()


def can_disconnect_telegram(*, user: AbstractBaseUser) -> bool:
    """Unlinking Telegram must leave a way in: a verified email with a password."""
    return _has_password_and_verified_email(user)


def can_remove_email(*, email_address: EmailAddress) -> bool:
    """Removing an address must leave a way in: Telegram, or another verified one and a password."""
    user = email_address.user
    if telegram_account_for_user(user=user) is not None:
        return True
    return _has_password_and_verified_email(user, without=email_address)


class ConnectRefusal(enum.Enum):
    """Why an account cannot link a Telegram account now (the browser says what to do)."""

    HAS_TELEGRAM = "has_telegram"
    UNVERIFIED_EMAIL = "unverified_email"
    NO_PASSWORD = "no_password"  # noqa: S105  a reason, not a password
    # The password was checked too long ago (linking/connect.py).
    PROOF_LAPSED = "proof_lapsed"


def connect_refusal(*, user: Any) -> ConnectRefusal | None:
    if telegram_account_for_user(user=user) is not None:
        return ConnectRefusal.HAS_TELEGRAM
    if EmailAddress.objects.filter(user_id=user.pk, verified=False).exists():
        return ConnectRefusal.UNVERIFIED_EMAIL
    if not user.has_usable_password():
        # Linking needs a fresh proof, and an account without Telegram proves itself by password.
        return ConnectRefusal.NO_PASSWORD
    return None


class UnlinkOutcome(enum.Enum):
    UNLINKED = "unlinked"
    GONE = "gone"
    NOT_YOURS = "not_yours"
    LAST_WAY_IN = "last_way_in"


@transaction.atomic
def telegram_unlink_by_telegram_user(
    *, social_account_id: int, telegram_user_id: int
) -> tuple[UnlinkOutcome, SocialAccount | None]:
    """The Telegram user pressed "Unlink" under the bot's link notice."""
    account = (
        SocialAccount.objects.select_for_update()
        .select_related("user")
        .filter(pk=social_account_id, provider=PROVIDER_ID)
        .first()
    )
    if account is None:
        return UnlinkOutcome.GONE, None
    if account.uid != str(telegram_user_id):
        return UnlinkOutcome.NOT_YOURS, None
    if not can_disconnect_telegram(user=account.user):
        return UnlinkOutcome.LAST_WAY_IN, account
    account.delete()
    logger.info("telegram user %s unlinked from user %s in the bot", account.uid, account.user_id)
    return UnlinkOutcome.UNLINKED, account
