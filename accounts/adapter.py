"""allauth adapters: Telegram users sign up without an email and get a sensible username."""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.utils import user_username
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.models import SocialLogin
from django.contrib.auth import get_user_model
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _


class AccountAdapter(DefaultAccountAdapter):
    pass


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    error_messages = {
        **DefaultSocialAccountAdapter.error_messages,
        # allauth's "Your account has no password set up." does not say what to do about it.
        "no_password": _(
            "This is your only way to sign in here. Set a password first, then you can "
            "disconnect it."
        ),
    }

    def is_auto_signup_allowed(self, request: HttpRequest, sociallogin: SocialLogin) -> bool:
        if sociallogin.account.provider == "telegram":
            return True
        return super().is_auto_signup_allowed(request, sociallogin)

    def populate_user(
        self, request: HttpRequest, sociallogin: SocialLogin, data: dict[str, Any]
    ) -> Any:
        user = super().populate_user(request, sociallogin, data)
        if sociallogin.account.provider == "telegram":
            user_username(user, telegram_username(data, uid=sociallogin.account.uid))
        return user


def telegram_username(data: dict[str, Any], *, uid: str) -> str:
    """The Telegram @username if no one here has it yet, else one made from the names and id."""
    users = get_user_model().objects
    wanted = (data.get("username") or "").strip()
    if wanted and not users.filter(username__iexact=wanted).exists():
        return wanted
    adapter = DefaultAccountAdapter()
    return adapter.generate_unique_username(
        [wanted, data.get("first_name"), data.get("last_name"), f"tg{uid}"]
    )
