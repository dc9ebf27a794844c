"""allauth's signals about linked accounts and password resets, turned into Telegram's rules."""

from __future__ import annotations

from typing import Any

from allauth.account.signals import password_reset
from allauth.socialaccount.models import SocialAccount, SocialLogin
from allauth.socialaccount.signals import social_account_added, social_account_removed
from django.contrib import messages
from django.dispatch import receiver
from django.http import HttpRequest
from django.utils.translation import gettext as _

from . import linking, notices


@receiver(social_account_added)
def _telegram_linked(
    sender: Any, request: HttpRequest, sociallogin: SocialLogin, **kwargs: Any
) -> None:
    if sociallogin.account.provider == linking.PROVIDER_ID:
        notices.notify_linked(sociallogin.account)


@receiver(social_account_removed)
def _telegram_unlinked(
    sender: Any, request: HttpRequest, socialaccount: SocialAccount, **kwargs: Any
) -> None:
    if socialaccount.provider == linking.PROVIDER_ID:
        notices.notify_unlinked(socialaccount)


@receiver(password_reset)
def _password_reset(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    """A reset by email proves the mailbox, not the Telegram links: with an unverified address on
    the account, the reset may come from its real owner, who never agreed to those links."""
    if not linking.has_unverified_email(user=user):
        return
    ended = linking.telegram_links_end(user=user)
    for account in ended:
        notices.notify_unlinked(account, reason="password_reset")
        notices.send_account_mail(
            user, "telegram_login/email/unlinked_by_reset", {"telegram": account.extra_data}
        )
    if ended:
        messages.warning(
            request,
            _(
                "Telegram was disconnected from this account: it was linked while the account's "
                "email address was unconfirmed. If that Telegram account is yours, connect it "
                "again in Settings."
            ),
        )
