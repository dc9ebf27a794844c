"""The deep link through allauth.headless: an app (a single-page app with the session cookie, or a
mobile app with X-Session-Token) starts, follows and completes a sign-in over JSON; allauth's
own provider redirect answers a 4xx, never a 500."""

from __future__ import annotations

from http import HTTPStatus
from importlib import import_module
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.conf import settings
from django.core.checks import run_checks
from django.test import override_settings
from django.urls import include, path

from telegram_login.messaging.callbacks import ACTION_CODE, callback_data
from telegram_login.models import LoginRequest
from telegram_login.tests.headless_support import (
    APP,
    BROWSER,
    HeadlessClient,
    press_start_and_code,
    telegram_account_user,
)
from telegram_login.tests.helpers import (
    BOT_USERNAME,
    BROWSER_UA,
    WEBHOOK_SECRET,
    WEBHOOK_URL,
)

pytestmark = pytest.mark.django_db


# The 500 this replaces: allauth's provider redirect with the deep link's provider.


@pytest.mark.parametrize("kind", ["browser", "app"])
def test_provider_redirect_with_telegram_is_a_400_not_a_500(kind):
    app = HeadlessClient(kind)
    response = app.http.post(
        f"{app.base}/auth/provider/redirect",
        {"provider": "telegram_login", "callback_url": "/", "process": "login"},
    )
    assert response.status_code == HTTPStatus.BAD_REQUEST
    [error] = response.json()["errors"]
    assert error["code"] == "provider_redirect_not_supported"
    assert "auth/telegram/start" in error["message"]


def test_provider_token_with_telegram_is_a_400():
    response = HeadlessClient("app").call(
        "POST",
        "/auth/provider/token",
        {"provider": "telegram_login", "process": "login", "token": {"access_token": "x"}},
    )
    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert response.json()["errors"][0]["code"] == "token_authentication_not_supported"


@pytest.mark.parametrize("kind", ["browser", "app"])
def test_allauths_config_does_not_offer_telegram_as_a_redirect(kind):
    app = HeadlessClient(kind)
    config = app.call("GET", "/config").json()["data"]
    assert config["socialaccount"]["providers"] == []
    session = app.call("GET", "/auth/session").json()["data"]
    assert all("telegram_login" not in flow.get("providers", []) for flow in session["flows"]), (
        session
    )


@pytest.mark.parametrize("kind", ["browser", "app"])
def test_telegram_config_names_the_deep_link_flow(kind):
    response = HeadlessClient(kind).call("GET", "/auth/telegram/config")
    assert response.status_code == HTTPStatus.OK
    data = response.json()["data"]
    assert data["provider"] == {
        "id": "telegram_login",
        "name": "Telegram",
        "flows": ["telegram_deep_link"],
    }
    assert data["is_available"] is True
    assert data["confirm_mode"] == "match_code"


# Signing in: start, Telegram, status, completion into allauth's headless session.


def test_browser_client_signs_in_through_the_deep_link(telegram_user, telegram_update, post_update):
    app = HeadlessClient("browser")
    started, token = app.start()
    assert started["state"] == "pending"
    assert started["deep_link"] == f"https://t.me/{BOT_USERNAME}?start={token}"
    assert started["start_command"] == f"/start {token}"
    assert started["qr_svg"].startswith("<svg")
    assert len(started["code"]) == 2
    assert (
        started["message"]
        == f"Waiting for Telegram. Open the link and pick {started['code']} there."
    )
    assert 0 < started["expires_in"] <= 300
    request_id = started["id"]
    assert token not in app.status(request_id).content.decode()

    alice = telegram_user(first_name="Alice")
    post_update(telegram_update(message=(alice, f"/start {token}")))
    claimed = app.status(request_id).json()["data"]
    assert claimed["state"] == "claimed"
    # The Telegram name is not the app's to know before the person confirms.
    assert "Alice" not in str(claimed)
    login_request = LoginRequest.objects.get(pk=request_id)
    assert login_request.match_code == started["code"]
    post_update(
        telegram_update(
            callback=(alice, callback_data(login_request, ACTION_CODE, started["code"]))
        )
    )
    assert app.status(request_id).json()["data"]["state"] == "approved"

    done = app.complete(request_id)
    assert done.status_code == HTTPStatus.OK, done.content
    assert done.json()["meta"]["is_authenticated"] is True
    assert done.json()["data"]["methods"][0]["provider"] == "telegram_login"
    session = app.call("GET", "/auth/session")
    assert session.status_code == HTTPStatus.OK
    assert session.json()["data"]["user"]["id"] == telegram_account_user(alice).pk
    assert app.status(request_id).json()["data"]["state"] == "completed"


def session_expiry_age(session_key: str) -> int:
    return import_module(settings.SESSION_ENGINE).SessionStore(session_key).get_expiry_age()


def test_app_client_signs_in_with_its_session_token(telegram_user, telegram_update, post_update):
    app = HeadlessClient("app")
    started, token = app.start()
    started_with = app.session_token
    assert started_with, "the start hands the app its session token"
    # A session made only for this sign-in ends with it, as the widget's does.
    assert session_expiry_age(started_with) <= 300 + 600
    assert app.status(started["id"]).json()["data"]["state"] == "pending"

    bob = telegram_user(first_name="Bob")
    press_start_and_code(token, bob, telegram_update, post_update)
    assert app.status(started["id"]).json()["data"]["state"] == "approved"
    done = app.complete(started["id"])
    assert done.status_code == HTTPStatus.OK, done.content
    assert done.json()["meta"]["is_authenticated"] is True
    # Signing in gives the session a new key: the app is handed its new token, for as long as
    # the site's sessions last.
    assert app.session_token != started_with
    assert session_expiry_age(app.session_token) == settings.SESSION_COOKIE_AGE
    session = app.call("GET", "/auth/session")
    assert session.status_code == HTTPStatus.OK
    assert session.json()["data"]["user"]["id"] == telegram_account_user(bob).pk
    # The session cookie played no part.
    assert "sessionid" not in app.http.cookies or not app.http.cookies["sessionid"].value


def test_a_returning_telegram_user_lands_in_their_account(owner, telegram_update, post_update):
    user, telegram = owner
    app = HeadlessClient("app")
    started, token = app.start()
    press_start_and_code(token, telegram, telegram_update, post_update)
    done = app.complete(started["id"])
    assert done.status_code == HTTPStatus.OK
    assert done.json()["data"]["user"]["id"] == user.pk


# The binding: a request belongs to the headless session that started it.


@pytest.mark.parametrize("kind", ["browser", "app"])
def test_status_from_another_headless_session_gets_nothing(
    kind, telegram_user, telegram_update, post_update
):
    app = HeadlessClient(kind)
    started, token = app.start()
    press_start_and_code(token, telegram_user(), telegram_update, post_update)

    for stranger in (HeadlessClient("browser"), HeadlessClient("app")):
        stranger.start()  # a headless session of its own, with a sign-in of its own
        for answer in (stranger.status(started["id"]), stranger.complete(started["id"])):
            assert answer.status_code == HTTPStatus.NOT_FOUND
            assert answer.json()["errors"][0]["code"] == "unknown_request"
            assert "data" not in answer.json()
        assert stranger.call("GET", "/auth/session").status_code == HTTPStatus.UNAUTHORIZED
    # The app that started it still can.
    assert app.complete(started["id"]).status_code == HTTPStatus.OK


def test_a_made_up_session_token_or_none_finds_nothing(telegram_user, telegram_update, post_update):
    """The binding is the session, not anything in the URL: the request id alone, or with a made
    up token, finds nothing."""
    app = HeadlessClient("app")
    started, _token = app.start()
    guess = HeadlessClient("app")
    guess.session_token = "not-a-session"
    assert guess.status(started["id"]).status_code == HTTPStatus.GONE
    assert HeadlessClient("app").status(started["id"]).status_code == HTTPStatus.NOT_FOUND


def test_a_link_started_on_the_sites_pages_is_not_the_apis_to_complete(
    bot_api,
):
    """A connect the same browser started on the settings page finishes there, never as a
    sign-in through the API (which would sign the browser in as the Telegram account)."""
    from telegram_login.tests.flows import email_user, grant_fresh_proof
    from telegram_login.tests.helpers import start_sign_in

    user = email_user("carol@example.test")
    app = HeadlessClient("browser")
    grant_fresh_proof(app.http, user)
    login_request, _token, _ = start_sign_in(app.http, process="connect")
    assert app.status(str(login_request.id)).status_code == HTTPStatus.NOT_FOUND
    assert app.complete(str(login_request.id)).status_code == HTTPStatus.NOT_FOUND


def test_headless_start_without_a_csrf_token_is_refused():
    app = HeadlessClient("browser", enforce_csrf_checks=True)
    response = app.http.post(f"{BROWSER}/auth/telegram/start", content_type="application/json")
    assert response.status_code == HTTPStatus.FORBIDDEN
    assert not LoginRequest.objects.exists()
    # With the token allauth's config set in the cookie, as a single-page app sends it.
    app.call("GET", "/config")
    csrf = app.http.cookies["csrftoken"].value
    started = app.http.post(
        f"{BROWSER}/auth/telegram/start",
        content_type="application/json",
        headers={"X-CSRFToken": csrf},
    )
    assert started.status_code == HTTPStatus.OK


def test_app_client_needs_no_csrf_token():
    app = HeadlessClient("app", enforce_csrf_checks=True)
    assert app.call("POST", "/auth/telegram/start").status_code == HTTPStatus.OK


# Over real HTTP: a live server, an app that keeps only what allauth hands it.


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("kind", ["browser", "app"])
def test_an_app_signs_in_over_real_http(kind, live_server, bot_api, telegram_user, telegram_update):
    api = f"{live_server.url}{BROWSER if kind == 'browser' else APP}"
    http = requests.Session()
    headers = {"User-Agent": BROWSER_UA}

    def call(method: str, path: str) -> Any:
        if kind == "browser" and method == "POST":
            # A single-page app sends back the CSRF cookie allauth set.
            headers["X-CSRFToken"] = http.cookies["csrftoken"]
        response = http.request(method, f"{api}{path}", headers=headers, json={}, timeout=10)
        token = (response.json().get("meta") or {}).get("session_token")
        if token:
            headers["X-Session-Token"] = token
        return response

    assert call("GET", "/config").status_code == HTTPStatus.OK
    started = call("POST", "/auth/telegram/start").json()["data"]
    assert (kind == "app") == ("X-Session-Token" in headers)
    token = parse_qs(urlsplit(started["deep_link"]).query)["start"][0]
    erin = telegram_user(first_name="Erin")
    bot_api.users[erin["id"]] = erin
    webhook = {"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET}
    requests.post(
        f"{live_server.url}{WEBHOOK_URL}",
        json=telegram_update(message=(erin, f"/start {token}")),
        headers=webhook,
        timeout=10,
    )
    assert call("GET", f"/auth/telegram/{started['id']}").json()["data"]["state"] == "claimed"
    login_request = LoginRequest.objects.get(pk=started["id"])
    press = telegram_update(
        callback=(erin, callback_data(login_request, ACTION_CODE, started["code"])),
        message_id=bot_api.chat(erin["id"])[-1].message_id,
    )
    answer = requests.post(
        f"{live_server.url}{WEBHOOK_URL}", json=press, headers=webhook, timeout=10
    )
    assert answer.status_code == HTTPStatus.OK
    assert call("GET", f"/auth/telegram/{started['id']}").json()["data"]["state"] == "approved"

    done = call("POST", f"/auth/telegram/{started['id']}/complete")
    assert done.status_code == HTTPStatus.OK, done.text
    session = call("GET", "/auth/session")
    assert session.status_code == HTTPStatus.OK
    assert session.json()["data"]["user"]["id"] == telegram_account_user(erin).pk


# What `manage.py check` says of a site with allauth.headless.


def test_headless_without_the_telegram_endpoints_warns():
    def codes() -> set[str]:
        return {message.id for message in run_checks()}

    assert "telegram_login.W032" not in codes()
    with override_settings(ROOT_URLCONF=__name__):
        assert "telegram_login.W032" in codes()


# A site that mounts allauth.headless but not the deep link's endpoints beside it.
urlpatterns = [
    path("accounts/", include("allauth.urls")),
    path("_allauth/", include("allauth.headless.urls")),
]
