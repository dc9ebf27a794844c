"""The whole sign-in over HTTP: browser start and polls, Telegram's webhook, allauth's login."""

from __future__ import annotations

import html
from http import HTTPStatus

import pytest
from allauth.socialaccount.models import SocialAccount
from django.contrib.auth import get_user_model

from telegram_login.messaging.callbacks import ACTION_CANCEL, ACTION_CODE, callback_data
from telegram_login.models import LoginRequest
from telegram_login.tests.helpers import (
    BROWSER_UA,
    START_URL,
    bot_reply,
    poll,
    poll_path,
    set_deadline,
    start_sign_in,
)

pytestmark = pytest.mark.django_db

User = get_user_model()


def _press_code(post_update, telegram_update, user, login_request, code):
    return post_update(
        telegram_update(callback=(user, callback_data(login_request, ACTION_CODE, code)))
    )


def _wrong_code(login_request: LoginRequest) -> str:
    return next(c for c in login_request.code_choices if c != login_request.match_code)


def test_new_telegram_user_signs_in_and_lands_on_next(
    browser_client, bot_api, telegram_user, telegram_update, post_update
):
    login_request, token, _ = start_sign_in(browser_client, next_url="/accounts/email/")
    assert poll(browser_client, login_request).status_code == HTTPStatus.NO_CONTENT

    alice = telegram_user(first_name="Alice", last_name="Liddell", username="alice")
    response = post_update(telegram_update(message=(alice, f"/start {token}")))
    assert response.status_code == HTTPStatus.OK
    reply = bot_reply(response)
    assert reply["method"] == "sendMessage"
    assert reply["chat_id"] == alice["id"]
    assert "Chrome 120 on Windows 10" in reply["text"]

    claimed = poll(browser_client, login_request)
    assert claimed.status_code == HTTPStatus.OK
    assert b'data-state="claimed"' in claimed.content
    assert login_request.match_code.encode() in claimed.content
    assert poll(browser_client, login_request, shown="claimed").status_code == HTTPStatus.NO_CONTENT

    login_request.refresh_from_db()
    confirm = _press_code(
        post_update, telegram_update, alice, login_request, login_request.match_code
    )
    assert confirm.json()["method"] == "answerCallbackQuery"

    done = poll(browser_client, login_request, shown="claimed")
    assert done.status_code == HTTPStatus.OK
    assert done["HX-Redirect"] == "/accounts/email/"
    assert b"Signed in as Alice" in done.content

    user = User.objects.get(
        socialaccount__provider="telegram_login", socialaccount__uid=str(alice["id"])
    )
    assert (user.first_name, user.last_name, user.username) == ("Alice", "Liddell", "alice")
    assert not user.email
    assert browser_client.get("/").context["user"] == user
    login_request.refresh_from_db()
    assert login_request.status == LoginRequest.Status.COMPLETED


def test_returning_telegram_user_gets_the_same_account(
    browser_client, bot_api, telegram_user, telegram_update, post_update, client
):
    bob = telegram_user(first_name="Bob")
    for _ in range(2):
        login_request, token, _ = start_sign_in(browser_client)
        post_update(telegram_update(message=(bob, f"/start {token}")))
        login_request.refresh_from_db()
        _press_code(post_update, telegram_update, bob, login_request, login_request.match_code)
        assert poll(browser_client, login_request, shown="claimed")["HX-Redirect"] == "/"
        browser_client.post("/accounts/logout/")
    assert SocialAccount.objects.filter(uid=str(bob["id"])).count() == 1
    assert User.objects.count() == 1


def test_poll_from_another_browser_gets_nothing(
    browser_client, bot_api, telegram_user, telegram_update, post_update, client
):
    login_request, token, _ = start_sign_in(browser_client)
    eve_browser = client
    carol = telegram_user()
    post_update(telegram_update(message=(carol, f"/start {token}")))
    login_request.refresh_from_db()
    _press_code(post_update, telegram_update, carol, login_request, login_request.match_code)

    stolen = poll(eve_browser, login_request, shown="claimed")
    assert stolen.status_code == 286
    assert b'data-state="unknown"' in stolen.content
    assert "_auth_user_id" not in eve_browser.session
    login_request.refresh_from_db()
    assert login_request.status == LoginRequest.Status.APPROVED

    # The right browser_client still completes afterwards.
    assert poll(browser_client, login_request, shown="claimed")["HX-Redirect"] == "/"


def test_wrong_code_denies_and_nobody_is_signed_in(
    browser_client, bot_api, telegram_user, telegram_update, post_update
):
    login_request, token, _ = start_sign_in(browser_client)
    victim = telegram_user()
    post_update(telegram_update(message=(victim, f"/start {token}")))
    login_request.refresh_from_db()
    answer = _press_code(
        post_update, telegram_update, victim, login_request, _wrong_code(login_request)
    )
    assert answer.json()["show_alert"] is True

    final = poll(browser_client, login_request, shown="claimed")
    assert final.status_code == 286
    assert b"different code" in final.content
    assert b'data-testid="telegram-start"' in final.content
    assert User.objects.count() == 0
    edit = [c for c in bot_api.calls if c.method == "editMessageText"]
    assert edit
    assert "Denied" in edit[-1].params["text"]


def test_cancel_in_telegram_stops_the_browser(
    browser_client, bot_api, telegram_user, telegram_update, post_update
):
    login_request, token, _ = start_sign_in(browser_client)
    user = telegram_user()
    post_update(telegram_update(message=(user, f"/start {token}")))
    post_update(telegram_update(callback=(user, callback_data(login_request, ACTION_CANCEL))))
    final = poll(browser_client, login_request, shown="claimed")
    assert final.status_code == 286
    assert b"cancelled in Telegram" in final.content
    assert User.objects.count() == 0


def test_other_telegram_user_pressing_the_button_changes_nothing(
    browser_client, bot_api, telegram_user, telegram_update, post_update
):
    login_request, token, _ = start_sign_in(browser_client)
    owner, stranger = telegram_user(), telegram_user()
    post_update(telegram_update(message=(owner, f"/start {token}")))
    login_request.refresh_from_db()
    answer = _press_code(
        post_update, telegram_update, stranger, login_request, login_request.match_code
    )
    assert "another Telegram account" in answer.json()["text"]
    login_request.refresh_from_db()
    assert login_request.status == LoginRequest.Status.CLAIMED


def test_replayed_token_signs_nobody_in(
    browser_client, bot_api, telegram_user, telegram_update, post_update
):
    login_request, token, _ = start_sign_in(browser_client)
    owner, replayer = telegram_user(), telegram_user()
    post_update(telegram_update(message=(owner, f"/start {token}")))
    replay = post_update(telegram_update(message=(replayer, f"/start {token}")))
    assert "already been used" in replay.json()["text"]
    login_request.refresh_from_db()
    assert login_request.telegram_user_id == owner["id"]


def test_group_chat_start_claims_nothing(
    browser_client, bot_api, telegram_user, telegram_update, post_update
):
    login_request, token, _ = start_sign_in(browser_client)
    user = telegram_user()
    group = {"id": -100123, "type": "supergroup", "title": "Group"}
    answer = post_update(telegram_update(message=(user, f"/start {token}"), chat=group))
    assert "private chat" in answer.json()["text"]
    login_request.refresh_from_db()
    assert login_request.status == LoginRequest.Status.PENDING


def test_expired_request_ends_with_start_again(
    browser_client, bot_api, telegram_user, telegram_update, post_update, settings
):
    settings.TELEGRAM_LOGIN_TTL = 1
    login_request, token, _ = start_sign_in(browser_client)
    set_deadline(login_request, login_request.created_at)
    final = poll(browser_client, login_request)
    assert final.status_code == 286
    assert b"expired" in final.content
    late = post_update(telegram_update(message=(telegram_user(), f"/start {token}")))
    assert "expired" in late.json()["text"]


def test_without_javascript_the_flow_still_completes(
    bot_api, telegram_user, telegram_update, post_update, client
):
    page = client.post(
        "/accounts/telegram-login/login/", {"process": "login"}, HTTP_USER_AGENT=BROWSER_UA
    )
    assert page.status_code == HTTPStatus.OK
    assert b"<noscript>" in page.content
    token = page.content.decode().split("?start=")[1].split('"')[0]
    login_request = LoginRequest.objects.get()
    user = telegram_user()
    post_update(telegram_update(message=(user, f"/start {token}")))
    login_request.refresh_from_db()
    _press_code(post_update, telegram_update, user, login_request, login_request.match_code)
    final = client.get(poll_path(login_request.id))
    assert final.status_code == HTTPStatus.FOUND
    assert final["Location"] == "/"


def test_start_page_get_has_no_side_effects(client):
    page = client.get("/accounts/telegram-login/login/")
    assert page.status_code == HTTPStatus.OK
    assert b'data-testid="telegram-start"' in page.content
    assert LoginRequest.objects.count() == 0


def test_allauths_sign_in_page_offers_telegram_and_email_keeping_next(client):
    page = client.get("/accounts/login/?next=/accounts/email/").content.decode()
    link = f"{START_URL}?process=login&amp;next=%2Faccounts%2Femail%2F"
    assert f'href="{link}"' in page
    assert 'name="password"' in page
    telegram_page = client.get(html.unescape(link)).content.decode()
    assert f'hx-post="{START_URL}"' in telegram_page
    assert 'name="next" value="/accounts/email/"' in telegram_page
