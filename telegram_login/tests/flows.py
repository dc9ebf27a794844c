"""What a person does in these tests: confirm in Telegram, sign in or reauthenticate by password."""

from __future__ import annotations

import html
import re
import time
from http import HTTPStatus
from typing import Any

from allauth.account import app_settings as account_settings
from allauth.account.authentication import AUTHENTICATION_METHODS_SESSION_KEY
from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount
from django.contrib.auth import get_user_model
from django.test import Client, RequestFactory

from telegram_login.allauth_internals import record_authentication
from telegram_login.messaging.callbacks import ACTION_CODE, callback_data
from telegram_login.models import LoginRequest
from telegram_login.tests.helpers import bot_reply, poll, start_sign_in

PASSWORD = "a-long-Passw0rd-nobody-guesses"
# allauth 65.22 and later: ACCOUNT_REAUTHENTICATION_METHODS; a fresh proof before the password
# form is shown; a 403 for an account with no way to give one.
ALLAUTH_REAUTHENTICATION_METHODS = hasattr(account_settings, "REAUTHENTICATION_METHODS")
CONNECTIONS_URL = "/accounts/3rdparty/"


def confirm_in_telegram(
    browser: Client,
    telegram: dict[str, Any],
    telegram_update: Any,
    post_update: Any,
    *,
    process: str = "login",
) -> Any:
    """Start in `browser`, press Start and the right code as `telegram`; return the final poll."""
    login_request, token, _ = start_sign_in(browser, process=process)
    post_update(telegram_update(message=(telegram, f"/start {token}")))
    login_request.refresh_from_db()
    data = callback_data(login_request, ACTION_CODE, login_request.match_code)
    post_update(telegram_update(callback=(telegram, data)))
    done = poll(browser, login_request, shown="claimed")
    assert done.has_header("HX-Redirect"), done.content
    return done


def sign_in_with_telegram(
    browser: Client, telegram: dict[str, Any], telegram_update: Any, post_update: Any
) -> Any:
    """The whole flow for `telegram` in `browser`; return the user it signed in."""
    confirm_in_telegram(browser, telegram, telegram_update, post_update)
    return get_user_model().objects.get(
        socialaccount__provider="telegram_login", socialaccount__uid=telegram["id"]
    )


def confirm_access_in_telegram(
    browser: Client,
    telegram: dict[str, Any],
    telegram_update: Any,
    post_update: Any,
    *,
    next_url: str,
) -> Any:
    """Answer "Confirm access" in the linked Telegram; return the poll that goes on to `next_url`."""
    login_request, token, started = start_sign_in(
        browser, process="reauthenticate", next_url=next_url
    )
    post_update(telegram_update(message=(telegram, f"/start {token}")))
    login_request.refresh_from_db()
    data = callback_data(login_request, ACTION_CODE, login_request.match_code)
    post_update(telegram_update(callback=(telegram, data)))
    # The widget's own poll URL, which carries `next` as the browser's does.
    poll_url = html.unescape(re.search(r'hx-get="([^"]+)"', started.content.decode()).group(1))
    done = browser.get(
        poll_url.replace("shown=pending", "shown=claimed"), headers={"HX-Request": "true"}
    )
    assert done.has_header("HX-Redirect"), done.content
    return done


def email_user(email: str, *, password: str = PASSWORD, **fields: Any) -> Any:
    """A user who signed up with an email (verified) and a password."""
    user = get_user_model().objects.create_user(
        username=email.split("@")[0], email=email, password=password, **fields
    )
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    return user


def sign_in_with_password(browser: Client, email: str, password: str = PASSWORD) -> None:
    response = browser.post("/accounts/login/", {"login": email, "password": password})
    assert response.status_code == HTTPStatus.FOUND, response.content


def reauthenticate(browser: Client, password: str = PASSWORD) -> Any:
    response = browser.post("/accounts/reauthenticate/", {"password": password})
    assert response.status_code == HTTPStatus.FOUND, response.content
    return response


def age_authentication(browser: Client, *, seconds: float) -> None:
    """Make every sign-in and password check in the browser's session `seconds` older."""
    session = browser.session
    records = session[AUTHENTICATION_METHODS_SESSION_KEY]
    for record in records:
        record["at"] -= seconds
    session[AUTHENTICATION_METHODS_SESSION_KEY] = records
    session.save()


def messages_on(browser: Client, url: str) -> list[str]:
    """Follow `url` and return the messages the page shows."""
    response = browser.get(url)
    assert response.status_code == HTTPStatus.OK
    return [str(message) for message in response.context["messages"]]


def grant_fresh_proof(browser: Client, user: Any) -> None:
    """As if `user` had just confirmed access (password or Telegram) in this browser."""
    browser.force_login(user)
    request = RequestFactory().get("/")
    request.session = browser.session
    request.user = user
    request.session.pop(AUTHENTICATION_METHODS_SESSION_KEY, None)
    record_authentication(request, user, method="password", reauthenticated=True)
    request.session.save()


def grant_telegram_confirmation(browser: Client, user: Any, *, purpose: str) -> None:
    """As if the linked Telegram had just confirmed `purpose` (reauthentication.py) here."""
    account = SocialAccount.objects.get(user=user, provider="telegram_login")
    grant_fresh_proof(browser, user)
    session = browser.session
    session[AUTHENTICATION_METHODS_SESSION_KEY] = [
        *session[AUTHENTICATION_METHODS_SESSION_KEY],
        {
            "method": "socialaccount",
            "at": time.time(),
            "reauthenticated": True,
            "provider": account.provider,
            "uid": account.uid,
            "purpose": purpose,
        },
    ]
    session.save()


def telegram_user_of(user: Any, *, uid: int, **extra_data: Any) -> SocialAccount:
    """Link a Telegram account (id `uid`) to `user`, as a past connect or sign-up did."""
    return SocialAccount.objects.create(
        user=user,
        provider="telegram_login",
        uid=str(uid),
        extra_data={"id": uid, "first_name": "Tele", "language_code": "en", **extra_data},
    )


def account_with(*, telegram: bool, password: bool, emails: dict[str, bool]) -> Any:
    """An account with exactly these ways in: a linked Telegram, a password, and addresses
    (`{address: verified}`, the first one primary)."""
    user = get_user_model().objects.create_user(
        username="combo", password=PASSWORD if password else None
    )
    for index, (address, verified) in enumerate(emails.items()):
        EmailAddress.objects.create(user=user, email=address, verified=verified, primary=index == 0)
    if telegram:
        telegram_user_of(user, uid=880001)
    return user


def attacker_starts_connect(
    browser: Client, email: str = "mallory@example.test"
) -> tuple[Any, LoginRequest, str]:
    """An email user signs in, confirms the password and starts linking a Telegram account;
    return the user, the request and its token (the link they send a victim)."""
    attacker = email_user(email)
    sign_in_with_password(browser, email)
    reauthenticate(browser)
    login_request, token, _ = start_sign_in(browser, process="connect")
    return attacker, login_request, token


def linked_by_victim(
    browser: Client,
    victim: dict[str, Any],
    telegram_update: Any,
    post_update: Any,
    login_request: LoginRequest,
    token: str,
) -> dict[str, Any]:
    """The victim follows the lure: Start, then the code the attacker told them; return the
    bot's prompt."""
    prompt = bot_reply(post_update(telegram_update(message=(victim, f"/start {token}"))))
    login_request.refresh_from_db()
    data = callback_data(login_request, ACTION_CODE, login_request.match_code)
    post_update(telegram_update(callback=(victim, data)))
    done = poll(browser, login_request, shown="claimed")
    assert done["HX-Redirect"] == CONNECTIONS_URL
    return prompt
