"""Finishing Telegram's OpenID Connect login: the code traded and the ID token checked, then the
same allauth social login as the deep link's, for the same SocialAccount (`telegram_login`, uid
= the numeric Telegram id), under the same linking rules (linking.py)."""

from __future__ import annotations

import enum
import logging
from typing import Any

from allauth.socialaccount.adapter import get_adapter
from allauth.socialaccount.helpers import complete_social_login
from allauth.socialaccount.models import SocialAccount, SocialLogin
from allauth.socialaccount.providers.base import AuthProcess
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.utils import translation

from telegram_login.conf import get_settings
from telegram_login.identity import OIDC_PROVIDER_ID, PROVIDER_ID
from telegram_login.linking.connect import connect_refusal_at_finish
from telegram_login.oidc.claims import extra_from_claims, telegram_user_from_claims
from telegram_login.oidc.issuer import CodeRefused, IssuerUnavailable, exchange_code, metadata
from telegram_login.oidc.provider import callback_url, issuer_url
from telegram_login.oidc.refusals import TokenRefused
from telegram_login.oidc.tokens import verify_id_token

logger = logging.getLogger(__name__)

# What allauth keeps of the stashed state once the sign-in is finished (the PKCE verifier and
# the nonce have served their purpose and are not carried on).
KEPT_STATE = ("process", "next", "data")


class Problem(enum.Enum):
    """Why a sign-in through Telegram's login page stopped; each has its own page."""

    DENIED = "denied"  # the person declined in Telegram
    REFUSED = "refused"  # Telegram answered with another error, or refused the code
    STATE = "state"  # not started in this browser, used twice, or too old
    SIGNATURE = "signature"
    AUDIENCE = "audience"
    EXPIRED = "expired"
    CLOCK = "clock"
    ISSUER = "issuer"
    NONCE = "nonce"
    MALFORMED = "malformed"
    ISSUER_DOWN = "issuer_down"
    RATE_LIMITED = "rate_limited"
    # Connecting from settings (the same rules as the deep link's; linking.ConnectRefusal).
    HAS_TELEGRAM = "has_telegram"
    UNVERIFIED_EMAIL = "unverified_email"
    NO_PASSWORD = "no_password"  # noqa: S105  a reason, not a password
    PROOF_LAPSED = "proof_lapsed"
    CHANGED_ACCOUNT = "changed_account"


class Stopped(Exception):
    def __init__(self, problem: Problem, detail: str = "") -> None:
        super().__init__(f"{problem.value}: {detail}" if detail else problem.value)
        self.problem = problem


def verified_claims(request: HttpRequest, *, state: dict[str, Any], code: str) -> dict[str, Any]:
    """Trade the code (with the PKCE verifier) and check the ID token; its claims, or Stopped."""
    conf = get_settings().oidc
    issuer = issuer_url(request)
    if state.get("issuer") != issuer:
        raise Stopped(Problem.STATE, f"started with issuer {state.get('issuer')!r}")
    try:
        meta = metadata(issuer)
        tokens = exchange_code(
            meta,
            conf,
            code=code,
            redirect_uri=callback_url(request),
            code_verifier=state["pkce_code_verifier"],
        )
        claims = verify_id_token(
            tokens["id_token"],
            meta=meta,
            client_id=conf.client_id,
            algorithm=conf.signing_algorithm,
            nonce=state["nonce"],
        )
        telegram_user_from_claims(claims)
    except IssuerUnavailable as exc:
        raise Stopped(Problem.ISSUER_DOWN, str(exc)) from None
    except CodeRefused as exc:
        raise Stopped(Problem.REFUSED, f"token endpoint: {exc}") from None
    except TokenRefused as exc:
        raise Stopped(Problem(exc.refusal.value), exc.detail) from None
    return claims


def _language_for(request: HttpRequest, uid: str) -> str:
    """The language the bot speaks to this person: the Telegram app's, as the deep link last
    saw it, else the one this browser asked for (the ID token names none)."""
    known = (
        SocialAccount.objects.filter(provider=PROVIDER_ID, uid=uid)
        .values_list("extra_data", flat=True)
        .first()
    )
    if isinstance(known, dict) and isinstance(known.get("language_code"), str):
        return known["language_code"]
    return translation.get_language() or ""


def sociallogin_from_claims(request: HttpRequest, claims: dict[str, Any]) -> SocialLogin:
    """A SocialLogin of the deep link's provider for this Telegram user: allauth then finds,
    makes or links the one SocialAccount of that id, and refreshes its names from this way."""
    telegram = telegram_user_from_claims(claims)
    language = _language_for(request, str(telegram["id"]))
    if language:
        telegram["language_code"] = language
    provider = get_adapter().get_provider(request, PROVIDER_ID)
    sociallogin = provider.sociallogin_from_response(request, telegram)
    sociallogin.account.extra_data.update(extra_from_claims(claims))
    return sociallogin


def finish(request: HttpRequest, *, state: dict[str, Any], claims: dict[str, Any]) -> HttpResponse:
    """allauth's login, sign-up or connect in this browser's session; Stopped if a linking
    rule says no."""
    sociallogin = sociallogin_from_claims(request, claims)
    sociallogin.state = {key: state[key] for key in KEPT_STATE if key in state}
    # Which way it came, for the sign-in alert (alerts.sign_in_method): the account is the
    # deep link's provider's either way.
    sociallogin.state["way"] = OIDC_PROVIDER_ID
    if sociallogin.state.get("process") != AuthProcess.CONNECT:
        sociallogin.state["process"] = AuthProcess.LOGIN
        return complete_social_login(request, sociallogin)
    if not request.user.is_authenticated or request.user.pk != state.get("user_id"):
        # The browser signed in as someone else, or out, since it asked.
        raise Stopped(Problem.CHANGED_ACCOUNT)
    with transaction.atomic():
        refusal = connect_refusal_at_finish(request)
        if refusal is not None:
            raise Stopped(Problem(refusal.value))
        return complete_social_login(request, sociallogin)
