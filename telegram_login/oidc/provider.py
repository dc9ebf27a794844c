"""The allauth provider for Telegram's OpenID Connect login (`telegram_oidc`), on allauth's OAuth2
machinery: the state it stashes in the session, PKCE with S256, and its authorization URL.

It only starts and finishes the browser's trip to the issuer. The account it signs in to is the
deep-link provider's (`telegram_login`, uid = the numeric Telegram id): flows.py hands allauth a
SocialLogin of that provider, so one Telegram user has one SocialAccount whichever way they
come (docs/architecture.md, "One account, two ways in").
"""

from __future__ import annotations

import secrets
from typing import Any

from allauth.socialaccount.providers.base import Provider
from allauth.socialaccount.providers.oauth2.provider import OAuth2Provider
from allauth.socialaccount.providers.oauth2.utils import generate_code_challenge
from allauth.socialaccount.providers.oauth2.views import OAuth2Adapter
from allauth.utils import build_absolute_uri
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from telegram_login.conf import get_settings
from telegram_login.hooks import plugged_stand_in
from telegram_login.identity import OIDC_PROVIDER_ID
from telegram_login.oidc.claims import telegram_id
from telegram_login.oidc.issuer import metadata


def issuer_url(request: HttpRequest) -> str:
    """The configured issuer; while a stand-in plays Telegram, the issuer it plays on this site."""
    conf = get_settings().oidc
    if conf.played and (stand_in := plugged_stand_in()):
        return stand_in.issuer_url(request)
    return conf.issuer


def callback_url(request: HttpRequest) -> str:
    """The redirect URI, as it must be allowed in BotFather's Web Login settings:
    https://<host>/accounts/telegram/oidc/callback/."""
    return build_absolute_uri(request, reverse("telegram_oidc_callback"))


def configured_apps(*, provider: str | None = None, client_id: str | None = None) -> list[Any]:
    """The SocialApp of Telegram's login, made from the settings (never stored): none while
    they are unset, so allauth lists no such provider and its URLs answer 404."""
    from allauth.socialaccount.models import SocialApp

    conf = get_settings().oidc
    if not conf.enabled or provider not in (None, OIDC_PROVIDER_ID):
        return []
    if client_id is not None and client_id != conf.client_id:
        return []
    return [
        SocialApp(
            provider=OIDC_PROVIDER_ID,
            name=TelegramOIDCProvider.name,
            client_id=conf.client_id,
            secret=conf.client_secret,
        )
    ]


class TelegramOIDCAdapter(OAuth2Adapter):
    provider_id = OIDC_PROVIDER_ID
    # The code is traded in views.py through issuer.py (its timeouts, its session hooks).
    access_token_url = ""

    def get_callback_url(self, request: HttpRequest, app: Any) -> str:
        return callback_url(request)


class TelegramOIDCProvider(OAuth2Provider):
    id = OIDC_PROVIDER_ID
    name = "Telegram Login"
    oauth2_adapter_class = TelegramOIDCAdapter
    # The issuer is reached through allauth only for its app (client id and secret), which
    # adapter.SocialAccountAdapter.list_apps makes from the settings when they are set.
    uses_apps = True

    def get_default_scope(self) -> list[str]:
        return get_settings().oidc.scopes

    def get_scope(self) -> list[str]:
        # Only what the settings ask for (the phone only where TELEGRAM_LOGIN_OIDC_REQUEST_PHONE
        # says so).
        return get_settings().oidc.scopes

    def get_redirect_from_request_kwargs(self, request: HttpRequest) -> dict[str, Any]:
        # `next` and `process` only: allauth's OAuth2 providers would also take `scope` and
        # `auth_params` from the URL, which would let a link add the phone scope or replace
        # the redirect_uri sent to Telegram.
        return Provider.get_redirect_from_request_kwargs(self, request)

    def redirect(
        self,
        request: HttpRequest,
        process: str,
        next_url: str | None = None,
        data: Any = None,
        **kwargs: Any,
    ) -> HttpResponse:
        """To the issuer's authorization endpoint, with a fresh state, nonce and PKCE challenge
        kept in this browser's session (issuer.IssuerUnavailable if its discovery fails)."""
        issuer = issuer_url(request)
        meta = metadata(issuer)
        pkce = generate_code_challenge()
        nonce = secrets.token_urlsafe(32)
        state_id = self.stash_redirect_state(
            request,
            process,
            next_url,
            data,
            pkce_code_verifier=pkce["code_verifier"],
            nonce=nonce,
            issuer=issuer,
            # A connect finishes only for the account that started it.
            user_id=request.user.pk,
        )
        client = self.get_oauth2_adapter(request).get_client(request, self.app)
        client.state = state_id
        params = {
            "nonce": nonce,
            "code_challenge": pkce["code_challenge"].decode("ascii"),
            "code_challenge_method": pkce["code_challenge_method"],
        }
        return HttpResponseRedirect(
            client.get_redirect_url(meta.authorization_endpoint, self.get_scope(), params)
        )

    def extract_uid(self, data: dict[str, Any]) -> str:
        return str(telegram_id(data))
