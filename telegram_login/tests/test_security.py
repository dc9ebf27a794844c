"""Attacks from docs/security.md that no other test file covers: login CSRF, open redirects,
recycled Telegram usernames, hostile Telegram names, session fixation."""

from __future__ import annotations

import json
import logging
from http import HTTPStatus
from typing import Any

import pytest
from allauth.socialaccount.models import SocialAccount
from django.contrib.auth import get_user_model
from django.test import Client

from telegram_login.messaging.callbacks import ACTION_CODE, callback_data
from telegram_login.models import LoginRequest
from telegram_login.tests.flows import confirm_in_telegram
from telegram_login.tests.helpers import (
    BROWSER_UA,
    START_URL,
    WEBHOOK_SECRET,
    WEBHOOK_URL,
    poll,
    poll_path,
    start_sign_in,
)

pytestmark = pytest.mark.django_db

User = get_user_model()
Status = LoginRequest.Status
STOP_POLLING = 286
EVIL = "https://evil.example/steal"


def _confirm(post_update, telegram_update, user: dict[str, Any], token: str) -> LoginRequest:
    """The Telegram user sends the token and picks the right code."""
    post_update(telegram_update(message=(user, f"/start {token}")))
    login_request = LoginRequest.objects.get(telegram_user_id=user["id"], status=Status.CLAIMED)
    data = callback_data(login_request, ACTION_CODE, login_request.match_code)
    post_update(telegram_update(callback=(user, data)))
    login_request.refresh_from_db()
    assert login_request.status == Status.APPROVED
    return login_request


def _sign_in(browser: Client, user: dict[str, Any], post_update, telegram_update) -> Any:
    _, token, _ = start_sign_in(browser)
    login_request = _confirm(post_update, telegram_update, user, token)
    return poll(browser, login_request, shown="claimed")


# -- login CSRF ------------------------------------------------------------------------------


def test_start_without_a_csrf_token_is_refused(bot_api):
    browser = Client(enforce_csrf_checks=True, HTTP_USER_AGENT=BROWSER_UA)
    page = browser.get("/accounts/login/")
    assert page.status_code == HTTPStatus.OK

    forged = browser.post(START_URL, {"process": "login"}, headers={"HX-Request": "true"})
    assert forged.status_code == HTTPStatus.FORBIDDEN
    assert LoginRequest.objects.count() == 0

    # The page's own request carries the token (htmx sends it as X-CSRFToken) and is accepted.
    csrf = browser.cookies["csrftoken"].value
    ok = browser.post(
        START_URL, {"process": "login"}, headers={"HX-Request": "true", "X-CSRFToken": csrf}
    )
    assert ok.status_code == HTTPStatus.OK
    assert LoginRequest.objects.count() == 1


def test_victim_lured_to_the_attackers_poll_url_is_not_signed_in_as_the_attacker(
    bot_api, telegram_user, telegram_update, post_update
):
    attacker_browser = Client(HTTP_USER_AGENT=BROWSER_UA)
    login_request, token, _ = start_sign_in(attacker_browser)
    _confirm(post_update, telegram_update, telegram_user(), token)

    victim = Client(HTTP_USER_AGENT=BROWSER_UA)
    poll_url = poll_path(login_request.id)
    for headers in [{}, {"HX-Request": "true"}]:  # a plain link, and a forged htmx poll
        response = victim.get(poll_url, {"shown": "claimed"}, headers=headers)
        assert b'data-state="unknown"' in response.content
        assert "HX-Redirect" not in response
        assert "_auth_user_id" not in victim.session
    login_request.refresh_from_db()
    assert login_request.status == Status.APPROVED


# -- open redirect through `next` ----------------------------------------------------------


@pytest.mark.parametrize("next_url", [EVIL, "//evil.example/steal", "https:evil.example"])
def test_next_pointing_to_another_site_is_not_followed(
    next_url, browser_client, bot_api, telegram_user, telegram_update, post_update
):
    login_request, token, started = start_sign_in(browser_client, next_url=next_url)
    assert "evil.example" not in started.content.decode()
    _confirm(post_update, telegram_update, telegram_user(), token)
    # The poll carries `next` too; a forged one in its query string is not followed either.
    done = browser_client.get(
        poll_path(login_request.id),
        {"shown": "claimed", "next": next_url},
        headers={"HX-Request": "true"},
    )
    assert done.status_code == HTTPStatus.OK
    assert done["HX-Redirect"] == "/"
    assert "evil.example" not in done.content.decode()
    assert "_auth_user_id" in browser_client.session


def test_next_on_this_site_is_followed(
    browser_client, bot_api, telegram_user, telegram_update, post_update
):
    login_request, token, _ = start_sign_in(browser_client, next_url="/accounts/email/")
    _confirm(post_update, telegram_update, telegram_user(), token)
    assert poll(browser_client, login_request, shown="claimed")["HX-Redirect"] == (
        "/accounts/email/"
    )


# -- identity: the numeric id, never the username -------------------------------------------


def test_telegram_username_once_held_by_another_id_gets_its_own_account(
    bot_api, telegram_user, telegram_update, post_update
):
    first_owner = telegram_user(username="recycled_name")
    assert _sign_in(Client(), first_owner, post_update, telegram_update)["HX-Redirect"] == "/"
    # The name is given up and taken by another Telegram account.
    new_owner = telegram_user(username="recycled_name")
    browser = Client()
    assert _sign_in(browser, new_owner, post_update, telegram_update)["HX-Redirect"] == "/"

    first = SocialAccount.objects.get(uid=str(first_owner["id"])).user
    second = SocialAccount.objects.get(uid=str(new_owner["id"])).user
    assert first != second
    assert browser.get("/").context["user"] == second


def test_same_telegram_id_with_a_new_username_keeps_its_account(
    bot_api, telegram_user, telegram_update, post_update
):
    person = telegram_user(username="old_name")
    _sign_in(Client(), person, post_update, telegram_update)
    renamed = {**person, "username": "new_name"}
    browser = Client()
    _sign_in(browser, renamed, post_update, telegram_update)
    assert User.objects.count() == 1
    assert browser.get("/").context["user"] == SocialAccount.objects.get().user


# -- hostile Telegram profiles ----------------------------------------------------------------


def test_telegram_name_with_html_is_shown_escaped(
    browser_client, bot_api, telegram_user, telegram_update, post_update
):
    user = telegram_user(first_name='<img src=x onerror="alert(1)">')
    # The widget's last state names the person ("Signed in as ..."); the example site's tests
    # check its home page too.
    done = confirm_in_telegram(browser_client, user, telegram_update, post_update)
    page = done.content.decode()
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in page
    assert "<img src=x" not in page


@pytest.mark.parametrize("name", ["a\ud800b", "nul\x00name"], ids=["lone-surrogate", "nul"])
def test_name_that_is_not_valid_text_is_ignored_as_malformed(
    name, browser_client, bot_api, telegram_user, caplog
):
    # Found by test_properties.py: a lone surrogate in a name broke the browser's page with a
    # 500 once the request was claimed.
    caplog.set_level(logging.INFO, logger="telegram_login")
    login_request, token, _ = start_sign_in(browser_client)
    user = telegram_user(first_name=name)
    update = {
        "update_id": 880001,
        "message": {
            "message_id": 1,
            "date": 1700000000,
            "from": user,
            "chat": {"id": user["id"], "type": "private"},
            "text": f"/start {token}",
        },
    }
    response = Client().post(
        WEBHOOK_URL,
        data=json.dumps(update),  # ensure_ascii spells the surrogate as \ud800, as JSON allows
        content_type="application/json",
        headers={"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET},
    )
    assert response.status_code == HTTPStatus.OK
    assert response.content == b""
    assert "from.first_name is not valid text" in caplog.text
    login_request.refresh_from_db()
    assert login_request.status == Status.PENDING
    assert poll(browser_client, login_request).status_code == HTTPStatus.NO_CONTENT


# -- session fixation ----------------------------------------------------------------------


def test_signing_in_gives_the_browser_a_new_session_key(
    browser_client, bot_api, telegram_user, telegram_update, post_update
):
    login_request, token, _ = start_sign_in(browser_client)
    planted = browser_client.cookies["sessionid"].value
    _confirm(post_update, telegram_update, telegram_user(), token)
    done = poll(browser_client, login_request, shown="claimed")
    assert done["HX-Redirect"] == "/"
    assert browser_client.cookies["sessionid"].value != planted
    # A browser holding the old key (one an attacker could have planted) is not signed in.
    holder = Client()
    holder.cookies["sessionid"] = planted
    assert not holder.get("/").context["user"].is_authenticated
    assert browser_client.get("/").context["user"].is_authenticated


@pytest.mark.parametrize(
    "url",
    [
        "/accounts/login/?next=http://[::1",
        "/accounts/signup/?next=http://[::1",
        "/accounts/telegram-login/login/?next=http://[::1",
    ],
)
def test_a_next_that_cannot_be_parsed_is_refused_not_a_500(client, url):
    assert client.get(url).status_code == 200
    started = client.post(
        "/accounts/telegram-login/login/",
        {"process": "login", "next": "http://[::1"},
        headers={"HX-Request": "true"},
    )
    assert started.status_code == 200
    assert "next=" not in started.content.decode()
