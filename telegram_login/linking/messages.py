"""What the bot tells a Telegram user when their Telegram is linked to a site account (with
Unlink) or unlinked from one (notices.py)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from telegram_login.messaging.callbacks import Unlink, encode
from telegram_login.messaging.client import BotCall
from telegram_login.messaging.texts import text_message
from telegram_login.site import site_name


def link_notice(*, chat_id: int, social_account_id: int, account: str) -> BotCall:
    """Told to the Telegram user when their Telegram was linked to a site account."""
    return BotCall(
        "sendMessage",
        {
            "chat_id": chat_id,
            "text": _(
                "🔗 This Telegram account is now connected to the account %(account)s on "
                "%(site)s and signs in to it. If you did not mean to connect it, press "
                "Disconnect."
            )
            % {"account": account, "site": site_name()},
            "reply_markup": {
                "inline_keyboard": [
                    [
                        {
                            "text": _("Disconnect"),
                            "callback_data": encode(Unlink(social_account_id)),
                        }
                    ]
                ]
            },
        },
    )


def unlink_notice(*, chat_id: int, account: str) -> BotCall:
    """Told to the Telegram user when their Telegram was unlinked from a site account."""
    return text_message(
        chat_id=chat_id,
        text=_(
            "This Telegram account was disconnected from the account %(account)s on %(site)s "
            "and no longer signs in to it."
        )
        % {"account": account, "site": site_name()},
    )
