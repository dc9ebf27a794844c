"""Telling both sides when Telegram is linked to or unlinked from an account.

The Telegram user hears it from the bot (with a way to undo a link); the account's owner gets an
email at a verified address (allauth sends its own for links and unlinks made on the site; this
module sends the ones allauth does not know about).
"""

from __future__ import annotations

import logging
from typing import Any

from allauth.account.adapter import get_adapter as get_account_adapter
from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount
from django.urls import reverse

from telegram_login.linking import messages as link_messages
from telegram_login.linking.rules import account_label
from telegram_login.messaging.outbox import tell
from telegram_login.site import site_name

logger = logging.getLogger(__name__)


def verified_email_for(user: Any) -> str | None:
    """Where account notices go: a verified address (the primary one first), never another."""
    return (
        EmailAddress.objects.filter(user_id=user.pk, verified=True)
        .order_by("-primary", "pk")
        .values_list("email", flat=True)
        .first()
    )


def _telegram_chat(account: SocialAccount) -> int | None:
    try:
        return int(account.uid)
    except ValueError:
        return None


def notify_linked(account: SocialAccount) -> None:
    """The bot tells the Telegram user which site account their Telegram now signs in to."""
    chat_id = _telegram_chat(account)
    if chat_id is None:
        return
    tell(
        account.extra_data.get("language_code"),
        lambda: link_messages.link_notice(
            chat_id=chat_id, social_account_id=account.pk, account=account_label(account.user)
        ),
    )


def notify_unlinked(account: SocialAccount) -> None:
    """The bot tells the Telegram user their Telegram no longer signs in to a site account."""
    chat_id = _telegram_chat(account)
    if chat_id is None:
        return
    tell(
        account.extra_data.get("language_code"),
        lambda: link_messages.unlink_notice(chat_id=chat_id, account=account_label(account.user)),
    )


def send_account_mail(user: Any, template_prefix: str, context: dict[str, Any]) -> None:
    """An email about the account to its verified address, with the page to manage Telegram."""
    email = verified_email_for(user)
    if email is None:
        return
    adapter = get_account_adapter()
    try:
        connections = adapter.request.build_absolute_uri(reverse("socialaccount_connections"))
    except AttributeError:
        connections = reverse("socialaccount_connections")
    adapter.send_mail(
        template_prefix,
        email,
        {
            "user": user,
            "site_name": site_name(),
            "connections_url": connections,
            **context,
        },
    )


def notify_unlinked_by_telegram(account: SocialAccount) -> None:
    """The Telegram user pressed Unlink in the bot: the account's owner hears of it by email."""
    send_account_mail(
        account.user,
        "telegram_login/email/unlinked_in_telegram",
        {"telegram": account.extra_data},
    )
