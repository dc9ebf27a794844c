"""Cancel under the waiting widget: the browser stops waiting, the request ends as cancelled in
Telegram too, and the start button comes back; only the browser that asked can cancel."""

from __future__ import annotations

from http import HTTPStatus

import pytest
from django.test import Client

from telegram_login.messaging.callbacks import ACTION_CODE, callback_data
from telegram_login.models import LoginRequest
from telegram_login.tests.helpers import poll, start_sign_in

pytestmark = pytest.mark.django_db


def cancel_url(login_request: LoginRequest) -> str:
    return f"/accounts/telegram-login/login/{login_request.id}/cancel/"


def test_the_waiting_widget_says_what_to_do_in_the_bot_and_offers_cancel(browser_client):
    login_request, _, response = start_sign_in(browser_client)
    widget = response.content.decode()
    assert f"There, press Start, then pick {login_request.match_code}." in widget
    assert "do as above" not in widget
    assert 'data-testid="telegram-cancel"' in widget
    # Closing the page would cancel nothing: it is not offered as a way to.
    assert "close this page" not in widget


def test_in_browser_code_mode_the_widget_says_the_bot_shows_the_code(settings, browser_client):
    settings.TELEGRAM_LOGIN_CONFIRM_MODE = "browser_code"
    _, _, response = start_sign_in(browser_client)
    assert "There, press Start: the bot shows the code." in response.content.decode()


def test_cancel_ends_the_request_in_telegram_too_and_brings_back_the_start_button(
    browser_client, bot_api, telegram_user, telegram_update, post_update
):
    login_request, token, _ = start_sign_in(browser_client, next_url="/profile/")
    person = telegram_user()
    post_update(telegram_update(message=(person, f"/start {token}")))
    claimed = poll(browser_client, login_request, shown="pending").content.decode()
    assert "Not you? Press Cancel here or in Telegram." in claimed

    response = browser_client.post(
        cancel_url(login_request),
        {"process": "login", "next": "/profile/"},
        headers={"HX-Request": "true"},
    )

    assert response.status_code == HTTPStatus.OK
    widget = response.content.decode()
    assert 'data-state="start"' in widget
    assert 'data-testid="telegram-start"' in widget
    assert 'name="next" value="/profile/"' in widget
    assert "hx-get" not in widget  # no poll left
    login_request.refresh_from_db()
    assert (login_request.status, login_request.deny_reason) == ("denied", "cancelled")
    [prompt] = [m for m in bot_api.chat(person["id"]) if m.from_bot]
    assert prompt.text == "✖ Cancelled. Nobody was signed in."
    assert not prompt.reply_markup
    # A reload does not pick the cancelled sign-in up again.
    assert (
        'data-state="start"'
        in browser_client.get("/accounts/telegram-login/login/").content.decode()
    )


def test_cancel_without_javascript_goes_back_to_the_sign_in_page(browser_client):
    login_request, _, _ = start_sign_in(browser_client, next_url="/profile/")

    response = browser_client.post(
        cancel_url(login_request), {"process": "login", "next": "/profile/"}
    )

    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == "/accounts/login/?next=%2Fprofile%2F"
    login_request.refresh_from_db()
    assert login_request.status == "denied"


def test_another_browser_cannot_cancel_a_sign_in(browser_client):
    login_request, _, _ = start_sign_in(browser_client)

    Client().post(cancel_url(login_request), {"process": "login"}, headers={"HX-Request": "true"})

    login_request.refresh_from_db()
    assert login_request.status == "pending"


def test_cancel_after_the_code_was_picked_in_telegram_loses_and_the_sign_in_goes_on(
    browser_client, bot_api, telegram_user, telegram_update, post_update
):
    login_request, token, _ = start_sign_in(browser_client)
    person = telegram_user()
    post_update(telegram_update(message=(person, f"/start {token}")))
    login_request.refresh_from_db()
    post_update(
        telegram_update(
            callback=(person, callback_data(login_request, ACTION_CODE, login_request.match_code))
        )
    )

    response = browser_client.post(
        cancel_url(login_request), {"process": "login"}, headers={"HX-Request": "true"}
    )

    assert 'data-state="claimed"' in response.content.decode()
    login_request.refresh_from_db()
    assert login_request.status == "approved"
    assert poll(browser_client, login_request, shown="claimed").has_header("HX-Redirect")


def test_cancel_is_a_post(browser_client):
    login_request, _, _ = start_sign_in(browser_client)
    assert browser_client.get(cancel_url(login_request)).status_code == (
        HTTPStatus.METHOD_NOT_ALLOWED
    )
    login_request.refresh_from_db()
    assert login_request.status == "pending"
