"""allauth's signals: both sides hear of every link and unlink, and the linked Telegram of every
sign-in (alerts.py), whose session is marked with its browser first (browsers.py)."""

from __future__ import annotations

from typing import Any

from allauth.account.signals import user_logged_in
from allauth.socialaccount.models import SocialAccount, SocialLogin
from allauth.socialaccount.signals import social_account_added, social_account_removed
from django.contrib.auth import signals as auth_signals
from django.dispatch import receiver
from django.http import HttpRequest

from telegram_login.linking import notices
from telegram_login.linking import rules as linking
from telegram_login.security import alerts, browsers
from telegram_login.security.middleware import seen_at_sign_in
from telegram_login.signals import telegram_unlinked_in_bot, telegram_user_blocked_bot
from telegram_login.signin import services


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


@receiver(telegram_unlinked_in_bot)
def _unlinked_in_bot(sender: Any, social_account: SocialAccount, **kwargs: Any) -> None:
    notices.notify_unlinked_by_telegram(social_account)


@receiver(auth_signals.user_logged_in)
def _mark_browser(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    # Every sign-in (allauth's, the admin's, a test's force_login) marks its session, before
    # allauth's own signal below tells the linked Telegram of it.
    if request is not None and hasattr(request, "session"):
        browsers.mark_sign_in(request)


@receiver(user_logged_in)
def _signed_in(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    alerts.sign_in_alert(request=request, user=user, sociallogin=kwargs.get("sociallogin"))
    seen_at_sign_in(request)


@receiver(telegram_user_blocked_bot)
def _blocked_bot(sender: Any, telegram_user_id: int, **kwargs: Any) -> None:
    services.telegram_user_blocked_bot(telegram_user_id=telegram_user_id)
