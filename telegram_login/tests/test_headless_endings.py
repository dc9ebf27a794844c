"""How a headless sign-in ends, as the widget shows it (denied, expired, the caps, the person's
language), and what allauth asks for after Telegram: its own flows, as for any headless login."""

from __future__ import annotations

from datetime import timedelta
from http import HTTPStatus

import pytest
from django.utils import timezone

from telegram_login.messaging.callbacks import ACTION_CANCEL, ACTION_CODE, callback_data
from telegram_login.models import LoginRequest
from telegram_login.tests.headless_support import (
    HeadlessClient,
    press_start_and_code,
    telegram_account_user,
)
from telegram_login.tests.helpers import set_deadline

pytestmark = pytest.mark.django_db


def test_completing_before_telegram_confirms_is_a_conflict(
    telegram_user, telegram_update, post_update
):
    app = HeadlessClient("browser")
    started, token = app.start()
    early = app.complete(started["id"])
    assert early.status_code == HTTPStatus.CONFLICT
    assert early.json()["errors"][0]["code"] == "request_pending"
    assert early.json()["data"]["state"] == "pending"
    post_update(telegram_update(message=(telegram_user(), f"/start {token}")))
    assert app.complete(started["id"]).json()["data"]["state"] == "claimed"
    assert app.call("GET", "/auth/session").status_code == HTTPStatus.UNAUTHORIZED


def test_cancel_in_telegram_is_denied_and_cannot_be_completed(
    telegram_user, telegram_update, post_update
):
    app = HeadlessClient("app")
    started, token = app.start()
    person = telegram_user()
    post_update(telegram_update(message=(person, f"/start {token}")))
    login_request = LoginRequest.objects.get(pk=started["id"])
    post_update(telegram_update(callback=(person, callback_data(login_request, ACTION_CANCEL))))
    status = app.status(started["id"]).json()["data"]
    assert status["state"] == "denied"
    assert status["reason"] == "cancelled"
    assert status["is_final"] is True
    assert status["message"] == "The sign-in was cancelled in Telegram."
    refused = app.complete(started["id"])
    assert refused.status_code == HTTPStatus.CONFLICT
    assert refused.json()["errors"][0]["code"] == "request_denied"


def test_a_wrong_code_in_telegram_is_denied(telegram_user, telegram_update, post_update):
    app = HeadlessClient("browser")
    started, token = app.start()
    person = telegram_user()
    post_update(telegram_update(message=(person, f"/start {token}")))
    login_request = LoginRequest.objects.get(pk=started["id"])
    wrong = next(code for code in login_request.code_choices if code != started["code"])
    post_update(
        telegram_update(callback=(person, callback_data(login_request, ACTION_CODE, wrong)))
    )
    status = app.status(started["id"]).json()["data"]
    assert (status["state"], status["reason"]) == ("denied", "wrong_code")
    assert app.complete(started["id"]).status_code == HTTPStatus.CONFLICT


def test_an_expired_request_says_so():
    app = HeadlessClient("browser")
    started, _token = app.start()
    set_deadline(LoginRequest.objects.get(pk=started["id"]), timezone.now() - timedelta(seconds=1))
    status = app.status(started["id"]).json()["data"]
    assert (status["state"], status["is_final"], status["expires_in"]) == ("expired", True, 0)
    assert LoginRequest.objects.get(pk=started["id"]).status == LoginRequest.Status.EXPIRED


def test_only_one_completion_signs_in(telegram_user, telegram_update, post_update):
    app = HeadlessClient("browser")
    started, token = app.start()
    press_start_and_code(token, telegram_user(), telegram_update, post_update)
    assert app.complete(started["id"]).status_code == HTTPStatus.OK
    again = app.complete(started["id"])
    assert again.status_code == HTTPStatus.CONFLICT
    assert again.json()["data"]["state"] == "completed"


def test_status_calls_past_the_cap_stop(settings):
    settings.TELEGRAM_LOGIN_POLLS_PER_REQUEST = 3
    app = HeadlessClient("browser")
    started, _token = app.start()
    states = [app.status(started["id"]).json()["data"]["state"] for _ in range(4)]
    assert states == ["pending", "pending", "pending", "poll_limit"]


def test_start_without_a_bot_says_it_is_not_set_up(settings):
    settings.TELEGRAM_LOGIN_BOT_TOKEN = ""
    settings.TELEGRAM_LOGIN_BOT_USERNAME = ""
    app = HeadlessClient("browser")
    assert app.call("GET", "/auth/telegram/config").json()["data"]["is_available"] is False
    response = app.call("POST", "/auth/telegram/start")
    assert response.status_code == HTTPStatus.FORBIDDEN
    assert response.json()["errors"][0]["code"] == "unavailable"


def test_starting_too_often_is_a_429(settings):
    settings.TELEGRAM_LOGIN_RATE_LIMITS = {"start": "2/m/ip"}
    app = HeadlessClient("app")
    answers = [app.call("POST", "/auth/telegram/start").status_code for _ in range(3)]
    assert answers == [HTTPStatus.OK, HTTPStatus.OK, HTTPStatus.TOO_MANY_REQUESTS]


def test_status_messages_are_in_the_persons_language():
    app = HeadlessClient("browser", HTTP_ACCEPT_LANGUAGE="ru")
    started, _token = app.start()
    assert started["message"].startswith("Ждём Telegram")
    set_deadline(LoginRequest.objects.get(pk=started["id"]), timezone.now() - timedelta(seconds=1))
    expired = app.status(started["id"]).json()["data"]["message"]
    assert expired == "Срок действия запроса на вход истёк до подтверждения."
    stranger = HeadlessClient("app", HTTP_ACCEPT_LANGUAGE="ru").status(started["id"])
    assert stranger.json()["errors"][0]["message"] == "Этот вход был начат не в этом сеансе."


# What allauth asks for after Telegram: its own flows, as for any headless login.


def test_an_account_with_a_second_factor_is_asked_for_it(
    owner, telegram_update, post_update, settings
):
    from allauth.mfa.models import Authenticator

    # allauth.mfa's code for tests, which it accepts only with DEBUG on.
    settings.DEBUG = True
    settings.MFA_TOTP_INSECURE_BYPASS_CODE = "246810"
    user, telegram = owner
    Authenticator.objects.create(user=user, type=Authenticator.Type.TOTP, data={"secret": "x"})
    app = HeadlessClient("app")
    started, token = app.start()
    press_start_and_code(token, telegram, telegram_update, post_update)

    waiting = app.complete(started["id"])
    assert waiting.status_code == HTTPStatus.UNAUTHORIZED
    pending = [flow for flow in waiting.json()["data"]["flows"] if flow.get("is_pending")]
    assert [flow["id"] for flow in pending] == ["mfa_authenticate"]
    done = app.call("POST", "/auth/2fa/authenticate", {"code": "246810"})
    assert done.status_code == HTTPStatus.OK, done.content
    assert done.json()["data"]["user"]["id"] == user.pk


def test_a_site_that_requires_an_email_asks_the_new_user_for_one(
    settings, telegram_user, telegram_update, post_update
):
    settings.SOCIALACCOUNT_EMAIL_REQUIRED = True
    app = HeadlessClient("browser")
    started, token = app.start()
    dora = telegram_user(first_name="Dora")
    press_start_and_code(token, dora, telegram_update, post_update)

    waiting = app.complete(started["id"])
    assert waiting.status_code == HTTPStatus.UNAUTHORIZED, waiting.content
    pending = [flow for flow in waiting.json()["data"]["flows"] if flow.get("is_pending")]
    assert [flow["id"] for flow in pending] == ["provider_signup"]
    assert pending[0]["provider"]["id"] == "telegram_login"
    assert app.call("GET", "/auth/provider/signup").status_code == HTTPStatus.OK
    done = app.call("POST", "/auth/provider/signup", {"email": "dora@example.test"})
    assert done.status_code == HTTPStatus.OK, done.content
    assert done.json()["data"]["user"]["id"] == telegram_account_user(dora).pk


def test_browser_code_mode_the_app_types_the_code(
    settings, telegram_user, telegram_update, post_update
):
    settings.TELEGRAM_LOGIN_CONFIRM_MODE = "browser_code"
    app = HeadlessClient("browser")
    started, token = app.start()
    assert started["code"] == ""
    post_update(telegram_update(message=(telegram_user(), f"/start {token}")))
    login_request = LoginRequest.objects.get(pk=started["id"])
    code_url = f"/auth/telegram/{started['id']}/code"

    assert app.call("POST", code_url, {"code": "12"}).json()["errors"][0]["param"] == "code"
    wrong = "000000" if login_request.match_code != "000000" else "111111"
    refused = app.call("POST", code_url, {"code": wrong})
    assert refused.status_code == HTTPStatus.BAD_REQUEST
    assert refused.json()["errors"][0]["message"] == "That is not the code. 2 tries left."
    approved = app.call("POST", code_url, {"code": login_request.match_code})
    assert approved.json()["data"]["state"] == "approved"
    assert app.complete(started["id"]).status_code == HTTPStatus.OK


def test_button_mode_shows_no_code_to_pick(settings, telegram_user, telegram_update, post_update):
    settings.TELEGRAM_LOGIN_CONFIRM_MODE = "button"
    app = HeadlessClient("app")
    started, token = app.start()
    assert (started["confirm_mode"], started["code"]) == ("button", "")
    assert started["message"] == "Waiting for Telegram. Open the link, press Start, then Confirm."
    press_start_and_code(token, telegram_user(), telegram_update, post_update)
    assert app.complete(started["id"]).status_code == HTTPStatus.OK
