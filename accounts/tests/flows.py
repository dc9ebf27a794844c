"""What a person does in these tests: confirm in Telegram, sign in or reauthenticate by password."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from allauth.account.internal.flows.login import AUTHENTICATION_METHODS_SESSION_KEY
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.test import Client

from conftest import poll, start_sign_in
from telegram_login.bot.messages import ACTION_CODE, callback_data

PASSWORD = "a-long-Passw0rd-nobody-guesses"


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
