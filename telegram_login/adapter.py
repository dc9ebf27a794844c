"""allauth adapters with Telegram's account rules: sign-up without an email, a sensible
username, the linked Telegram as a proof, and no change that removes the last way in."""

from __future__ import annotations

from typing import Any

from allauth.account import app_settings as account_settings
from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.adapter import get_adapter as get_account_adapter
from allauth.account.models import EmailAddress
from allauth.account.utils import user_username
from allauth.core.exceptions import ImmediateHttpResponse, ReauthenticationRequired
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.models import SocialAccount, SocialLogin
from anyascii import anyascii
from django.contrib.auth import get_user_model
from django.http import HttpRequest, HttpResponseRedirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from telegram_login.linking import rules as linking
from telegram_login.linking.notices import verified_email_for
from telegram_login.linking.reauthentication import (
    DISCONNECT_TELEGRAM,
    did_recently_reauthenticate,
    key_change_allowed,
    needs_telegram_proof,
    signed_in_with_password_recently,
)
from telegram_login.oidc.provider import configured_apps

TELEGRAM_REAUTHENTICATION = "telegram_reauthenticate"
# The pages that remove a Telegram its owner no longer has (security/recovery_views.py).
LOST_TELEGRAM_PAGES = frozenset({"telegram_login_lost_request", "telegram_login_lost_remove"})


class AccountAdapter(DefaultAccountAdapter):
    def get_reauthentication_methods(self, user: Any) -> list[dict[str, Any]]:
        methods = super().get_reauthentication_methods(user)
        if user.is_authenticated and linking.telegram_account_for_user(user=user) is not None:
            telegram = {
                "id": TELEGRAM_REAUTHENTICATION,
                "description": _("Confirm in Telegram"),
                "url": reverse("telegram_login_reauthenticate"),
            }
            # The first method is where allauth sends the browser: the account's own key, before
            # the password and a code by email (which allauth offers from 65.22); the password
            # first for removing a Telegram its owner lost.
            lost = self._url_name() in LOST_TELEGRAM_PAGES and user.has_usable_password()
            methods.insert(len(methods) if lost else 0, telegram)
        return methods

    def _url_name(self) -> str:
        match = getattr(self.request, "resolver_match", None)
        return (match.url_name or "") if match is not None else ""

    def is_reauthentication_required(self, *, app: str, **kwargs: Any) -> bool:
        required = super().is_reauthentication_required(app=app, **kwargs)
        request = self.request
        if not required or request is None or not request.user.is_authenticated:
            return required
        # Not asked again right after signing in with the password: allauth counts only the
        # password typed on its proof page.
        if signed_in_with_password_recently(request):
            return False
        if linking.telegram_account_for_user(user=request.user) is None:
            return required
        # A confirmation in the linked Telegram is a fresh proof: allauth counts only its own
        # methods (from 65.22, ACCOUNT_REAUTHENTICATION_METHODS; none on an account whose only
        # method is Telegram), so it is counted here.
        if did_recently_reauthenticate(request):
            return False
        # Before 65.22 allauth counts an account without a password as always freshly proven:
        # one with Telegram is sent to confirm there (its middleware resumes the request after).
        if not request.user.has_usable_password():
            raise ReauthenticationRequired()
        return True

    def set_password(self, user: Any, password: str) -> None:
        request = self.request
        if (
            request is not None
            and getattr(request, "resolver_match", None) is not None
            and request.resolver_match.url_name == "account_set_password"
            and request.user.pk == user.pk
            and needs_telegram_proof(request)
        ):
            # A password is a new way in: confirm in Telegram first, then type it again (the
            # password is not kept in the session while the browser is away).
            url = reverse("telegram_login_reauthenticate")
            raise ImmediateHttpResponse(
                HttpResponseRedirect(f"{url}?{urlencode({'next': request.path})}")
            )
        super().set_password(user, password)

    def is_safe_url(self, url: str) -> bool:
        # allauth's check raises on URLs such as "http://[::1" (an unclosed IPv6 host): a
        # `next` that cannot be parsed is simply not safe, not a 500.
        try:
            return super().is_safe_url(url)
        except ValueError:
            return False

    def send_password_reset_mail(self, user: Any, email: str, context: dict[str, Any]) -> None:
        """An address nobody confirmed never resets the password of an account that Telegram
        protects: its owner gets an explanation instead of a reset link (docs/security.md,
        "Pre-account takeover")."""
        unverified = EmailAddress.objects.filter(
            user_id=user.pk, email__iexact=email, verified=False
        ).exists()
        if unverified and linking.telegram_account_for_user(user=user) is not None:
            self.send_mail("telegram_login/email/reset_refused", email, context)
            return
        super().send_password_reset_mail(user, email, context)

    def get_password_change_redirect_url(self, request: HttpRequest) -> str:
        # After setting or changing it, show what the password now adds (not the change form).
        return reverse("socialaccount_connections")

    def can_delete_email(self, email_address: EmailAddress) -> bool:
        return super().can_delete_email(email_address) and linking.can_remove_email(
            email_address=email_address
        )

    def send_notification_mail(
        self,
        template_prefix: str,
        user: Any,
        context: dict[str, Any] | None = None,
        email: str | None = None,
    ) -> None:
        # Notices about the account go to an address its owner has proven, never to one that
        # anybody could have typed in.
        email = email or verified_email_for(user)
        if email is None:
            return
        context = dict(context or {})
        if self.request is not None:
            context.setdefault(
                "connections_url",
                self.request.build_absolute_uri(reverse("socialaccount_connections")),
            )
        super().send_notification_mail(template_prefix, user, context, email=email)


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    error_messages = {
        **DefaultSocialAccountAdapter.error_messages,
        # allauth's "Your account has no password set up." does not say what to do about it.
        "no_password": _(
            "Telegram is your only way to sign in here: keep it until the account has a confirmed "
            "email address and a password."
        ),
        "last_way_in": _(
            "Telegram is your only way to sign in here: keep it until the account has a confirmed "
            "email address and a password."
        ),
    }

    def validate_disconnect(self, account: SocialAccount, accounts: Any) -> None:
        if account.provider == linking.PROVIDER_ID:
            if not linking.can_disconnect_telegram(user=account.user):
                raise self.validation_error("last_way_in")
            # The linked Telegram is the account's security key: only it can let itself go (a
            # password is what an intruder has). The post waits and goes on once confirmed.
            request = self.request
            if request is not None:
                first = key_change_allowed(request, DISCONNECT_TELEGRAM)
                if first is not None:
                    raise ImmediateHttpResponse(first)
        super().validate_disconnect(account, accounts)

    def list_apps(
        self, request: HttpRequest | None, provider: str | None = None, client_id: str | None = None
    ) -> list[Any]:
        # Telegram's OpenID Connect login is configured by settings (TELEGRAM_OIDC_*).
        apps = super().list_apps(request, provider=provider, client_id=client_id)
        return apps + configured_apps(provider=provider, client_id=client_id)

    def is_auto_signup_allowed(self, request: HttpRequest, sociallogin: SocialLogin) -> bool:
        if sociallogin.account.provider == linking.PROVIDER_ID:
            return True
        return super().is_auto_signup_allowed(request, sociallogin)

    def populate_user(
        self, request: HttpRequest, sociallogin: SocialLogin, data: dict[str, Any]
    ) -> Any:
        user = super().populate_user(request, sociallogin, data)
        # A user model without a username (email as USERNAME_FIELD) gets none.
        if (
            sociallogin.account.provider == linking.PROVIDER_ID
            and account_settings.USER_MODEL_USERNAME_FIELD
        ):
            user_username(user, telegram_username(data, uid=sociallogin.account.uid))
        return user

    def save_user(self, request: HttpRequest, sociallogin: SocialLogin, form: Any = None) -> Any:
        # allauth's sign-up form (where the site asks for an email) takes the username from its
        # own field; a form without one would have allauth make a username from the names and
        # the address, dropping the Telegram one populate_user chose.
        chosen = (
            user_username(sociallogin.user) if account_settings.USER_MODEL_USERNAME_FIELD else ""
        )
        if (
            form is not None
            and chosen
            and sociallogin.account.provider == linking.PROVIDER_ID
            and not form.cleaned_data.get("username")
        ):
            form.cleaned_data["username"] = chosen
        return super().save_user(request, sociallogin, form=form)


def _latin(name: str) -> str:
    """Letters written in Latin ones; emoji and other symbols left out (not ":airplane:")."""
    return "".join(
        anyascii(char) if char.isalpha() else char if char.isascii() else " " for char in name
    ).strip()


def telegram_username(data: dict[str, Any], *, uid: str) -> str:
    """The Telegram @username if no one here has it yet, else one made from the names (written
    in Latin letters, so "Дарья" gives "darya") and, when nothing is left, the id."""
    field = account_settings.USER_MODEL_USERNAME_FIELD
    wanted = (data.get("username") or "").strip()
    users = get_user_model().objects
    if wanted and not users.filter(**{f"{field}__iexact": wanted}).exists():
        return wanted
    names = [_latin(data.get(key) or "") for key in ("first_name", "last_name")]
    return get_account_adapter().generate_unique_username([wanted, *names, f"tg{uid}"])
