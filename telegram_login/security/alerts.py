"""Sign-in alerts: after every sign-in to an account with Telegram linked, by any way (Telegram,
email and password, a password reset, a code), the bot tells that Telegram user which browser
and OS, from which address, when and how, with a button that ends exactly that session and one
that ends them all. A sign-in through Telegram needs no second message: its consent prompt is
edited to say it, with the same buttons (bot/prompts.py).

Alerts are on unless the account turns them off (Settings > Sessions); the Telegram sign-in's
own message always says what it opened.
"""

from __future__ import annotations

import logging
from typing import Any

from allauth.account.authentication import AUTHENTICATION_METHODS_SESSION_KEY
from allauth.socialaccount.models import SocialAccount, SocialLogin
from django.db import transaction
from django.http import HttpRequest

from telegram_login.identity import MINI_APP_WAY, OIDC_PROVIDER_ID
from telegram_login.linking import rules as linking
from telegram_login.messaging.outbox import tell
from telegram_login.models import AlertPreference, LoginRequest, SecurityNotice, SignInSession
from telegram_login.security import messages as session_messages
from telegram_login.security import notices as security_notices
from telegram_login.security import sessions
from telegram_login.signals import login_request_signed_in

logger = logging.getLogger(__name__)

# The login request a Telegram sign-in is completing, set on the request by the view that
# completes it (completion.complete): how the alert knows the sign-in is that request's.


def alerts_enabled(*, user: Any) -> bool:
    return not AlertPreference.objects.filter(user_id=user.pk, sign_in_alerts=False).exists()


def alerts_set(*, request: HttpRequest, user: Any, enabled: bool) -> None:
    """Turn the account's sign-in alerts on or off. The linked Telegram hears of the change
    (turned off from a stolen session, it is the last alert they would get)."""
    if alerts_enabled(user=user) == enabled:
        return
    with transaction.atomic():
        AlertPreference.objects.update_or_create(user=user, defaults={"sign_in_alerts": enabled})
    logger.info("user %s turned sign-in alerts %s", user.pk, "on" if enabled else "off")
    account = linking.telegram_account_for_user(user=user)
    if account is None or not account.uid.isdigit():
        return
    session = sessions.session_of_request(request=request) if sessions.sessions_kept() else None
    notice = None
    if not enabled:
        notice = security_notices.notice_create(
            kind=SecurityNotice.Kind.ALERTS_OFF,
            user=user,
            telegram_user_id=int(account.uid),
            where=security_notices.where_of(request, session=session),
        )
    tell(
        account.extra_data.get("language_code"),
        lambda: session_messages.alerts_changed_notice(
            chat_id=int(account.uid),
            account=linking.account_label(user),
            enabled=enabled,
            session=sessions.session_view(session) if session is not None else None,
            notice_id=notice.pk if notice is not None else None,
        ),
    )


def sign_in_alert(*, request: HttpRequest, user: Any, sociallogin: SocialLogin | None) -> None:
    """allauth signed `user` in on `request` (its user_logged_in signal): tell their Telegram."""
    if not sessions.sessions_kept():
        return
    method, provider = sign_in_method(request, sociallogin)
    session = sessions.session_of_request(
        request=request, data=sessions.sign_in_method_data(method=method, provider=provider)
    )
    if session is None:
        return
    account = _telegram_account(user, sociallogin)
    if account is None:
        return
    login_request = _telegram_sign_in(account.uid, sociallogin)
    if login_request is not None:
        # Exactly one poll completes a request (services.login_request_take_for_completion).
        SignInSession.objects.create(
            login_request=login_request,
            user=user,
            user_session_id=session.pk,
            notice=_sign_in_notice(request, user, int(account.uid), session),
        )
        login_request_signed_in.send(sender=LoginRequest, login_request=login_request)
        return
    if not alerts_enabled(user=user):
        return
    if not account.uid.isdigit():
        return
    chat_id = int(account.uid)
    notice = _sign_in_notice(request, user, chat_id, session)
    tell(
        account.extra_data.get("language_code"),
        lambda: session_messages.sign_in_alert(
            chat_id=chat_id,
            account=linking.account_label(user),
            session=sessions.session_view(session),
            method=session_messages.sign_in_method_text(method, provider),
            notice_id=notice.pk,
        ),
    )


def _sign_in_notice(
    request: HttpRequest, user: Any, telegram_user_id: int, session: Any
) -> SecurityNotice:
    """What the alert's buttons act on: the browser that signed in, wherever its session goes."""
    return security_notices.notice_create(
        kind=SecurityNotice.Kind.SIGN_IN,
        user=user,
        telegram_user_id=telegram_user_id,
        where=security_notices.where_of(request, session=session),
    )


def _telegram_account(user: Any, sociallogin: SocialLogin | None) -> SocialAccount | None:
    """The account's Telegram: the one this sign-in went through, else read."""
    if (
        sociallogin is not None
        and sociallogin.account.provider == linking.PROVIDER_ID
        and sociallogin.account.pk is not None
        and sociallogin.account.user_id == user.pk
    ):
        return sociallogin.account
    return linking.telegram_account_for_user(user=user)


def _telegram_sign_in(uid: str, sociallogin: SocialLogin | None) -> LoginRequest | None:
    """The login request this sign-in completed, when it is one through the bot: completion.py
    names it in the sign-in's state."""
    if sociallogin is None or sociallogin.account.provider != linking.PROVIDER_ID:
        return None
    request_id = sociallogin.state.get("login_request")
    if not isinstance(request_id, str) or not uid.isdigit():
        return None
    return LoginRequest.objects.filter(pk=request_id, telegram_user_id=int(uid)).first()


def sign_in_method(request: HttpRequest, sociallogin: SocialLogin | None) -> tuple[str, str]:
    """How the person proved it was them: allauth's record of the sign-in ("password",
    "password_reset", "code", ...), and a provider's name for a linked account."""
    if sociallogin is not None:
        provider = sociallogin.account.get_provider(request)
        if sociallogin.state.get("way") == OIDC_PROVIDER_ID:
            return "telegram_oidc", provider.name
        if sociallogin.state.get("way") == MINI_APP_WAY:
            return MINI_APP_WAY, provider.name
        if sociallogin.account.provider == linking.PROVIDER_ID:
            return "telegram", provider.name
        return "socialaccount", provider.name
    records = request.session.get(AUTHENTICATION_METHODS_SESSION_KEY) or []
    # A second factor comes after the first; a later password check is no sign-in.
    for record in reversed(records):
        if not isinstance(record, dict) or record.get("reauthenticated"):
            continue
        if record.get("method") != "mfa":
            return str(record.get("method", "")), ""
    return "", ""
