"""/sessions in the bot: the browsers signed in to the linked account, each with a button that
signs it out; the command in the bot's menu in both languages; "last seen" kept up to date."""

from __future__ import annotations

import re
from datetime import timedelta
from http import HTTPStatus
from io import StringIO

import pytest
from allauth.usersessions.models import UserSession
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from telegram_login.tests.flows import (
    confirm_in_telegram,
    email_user,
    sign_in_with_password,
    telegram_user_of,
)
from telegram_login.tests.helpers import (
    BROWSER_UA,
    FIREFOX_UA,
    OWNER_EMAIL,
    bot_messages,
    bot_reply,
    buttons,
    poll,
    signed_in,
    start_sign_in,
)
from telegram_login.tests.test_alerts import EVERYWHERE

EMAIL = OWNER_EMAIL

pytestmark = pytest.mark.django_db


def test_sessions_lists_the_accounts_browsers_each_with_a_button(
    owner, bot_api, telegram_update, post_update
):
    _, telegram = owner
    chrome = Client(HTTP_USER_AGENT=BROWSER_UA)
    sign_in_with_password(chrome, EMAIL)
    sign_in_with_password(Client(HTTP_USER_AGENT=FIREFOX_UA), EMAIL)
    three_hours_ago = timezone.now() - timedelta(hours=3)
    UserSession.objects.filter(user_agent=BROWSER_UA).update(
        created_at=three_hours_ago, last_seen_at=three_hours_ago
    )

    reply = bot_reply(post_update(telegram_update(message=(telegram, "/sessions"))))

    assert reply["method"] == "sendMessage"
    lines = reply["text"].splitlines()
    assert lines[0] == f"Browsers signed in to telegram-login as {EMAIL}:"
    assert "1. Firefox 121 on Ubuntu · active now" in lines
    assert "2. Chrome 120 on Windows 10 · last seen 3 hours ago" in lines
    # How long ago (the site's time zone is nobody's in particular), as the "last seen" beside it.
    assert lines[3] == "    IP 127.0.0.1 · signed in just now"
    assert lines[5] == "    IP 127.0.0.1 · signed in 3 hours ago"
    keyboard = reply["reply_markup"]["inline_keyboard"]
    chrome_session = UserSession.objects.get(user_agent=BROWSER_UA)
    assert keyboard[1] == [
        {"text": "✖ 2. Chrome 120 on Windows 10", "callback_data": f"tl:s:{chrome_session.pk}:l"}
    ]
    assert keyboard[-1] == [{"text": EVERYWHERE, "callback_data": "tl:e::"}]


def test_sessions_of_a_telegram_account_without_email_name_the_person_not_a_username(
    bot_api, telegram_user, telegram_update, post_update
):
    telegram = telegram_user(first_name="Lat", last_name="Ko", username="lat")
    confirm_in_telegram(Client(HTTP_USER_AGENT=BROWSER_UA), telegram, telegram_update, post_update)

    reply = bot_reply(post_update(telegram_update(message=(telegram, "/sessions"))))

    assert reply["text"].startswith("Browsers signed in to telegram-login as Lat Ko:\n")
    assert not re.search(r"\blat\b", reply["text"])


def test_a_session_button_signs_that_browser_out_and_shows_the_list_without_it(
    owner, bot_api, telegram_update, post_update
):
    _, telegram = owner
    chrome = Client(HTTP_USER_AGENT=BROWSER_UA)
    firefox = Client(HTTP_USER_AGENT=FIREFOX_UA)
    sign_in_with_password(chrome, EMAIL)
    sign_in_with_password(firefox, EMAIL)
    post_update(telegram_update(message=(telegram, "/sessions")))
    listing = bot_messages(bot_api, telegram)[-1]
    [chrome_button] = [text for text in buttons(listing) if "Chrome" in text]

    response = post_update(
        telegram_update(
            callback=(telegram, buttons(listing)[chrome_button]), message_id=listing.message_id
        )
    )

    answer = bot_api.callback_answers[response.json()["callback_query_id"]]
    assert answer["text"] == "Signed out: Chrome 120 on Windows 10."
    assert not signed_in(chrome)
    assert signed_in(firefox)
    shown_again = bot_messages(bot_api, telegram)[-1]
    assert shown_again.message_id == listing.message_id
    assert "Chrome" not in shown_again.text
    assert "1. Firefox 121 on Ubuntu · active now" in shown_again.text
    assert all(call.problems == [] for call in bot_api.calls)


def test_a_session_that_already_ended_is_said_so(owner, bot_api, telegram_update, post_update):
    _, telegram = owner
    browser = Client(HTTP_USER_AGENT=BROWSER_UA)
    sign_in_with_password(browser, EMAIL)
    post_update(telegram_update(message=(telegram, "/sessions")))
    listing = bot_messages(bot_api, telegram)[-1]
    browser.post("/accounts/logout/")

    [data] = [d for text, d in buttons(listing).items() if "Chrome" in text]
    response = post_update(telegram_update(callback=(telegram, data)))

    answer = bot_api.callback_answers[response.json()["callback_query_id"]]
    assert answer["text"] == "That browser is no longer signed in: nothing to sign out."


def test_sessions_for_a_telegram_user_without_an_account_here_says_so(
    bot_api, telegram_user, telegram_update, post_update
):
    stranger = telegram_user()
    reply = bot_reply(post_update(telegram_update(message=(stranger, "/sessions"))))
    assert reply["text"].startswith(
        "This Telegram account is not connected to an account on telegram-login"
    )
    assert "Connected accounts" in reply["text"]


def test_sessions_with_no_browser_signed_in_says_so(owner, telegram_update, post_update):
    _, telegram = owner
    reply = bot_reply(post_update(telegram_update(message=(telegram, "/sessions"))))
    assert reply["text"] == f"No browser is signed in to telegram-login as {EMAIL} now."


def test_sessions_in_a_group_chat_lists_nothing(owner, bot_api, telegram_update, post_update):
    _, telegram = owner
    sign_in_with_password(Client(HTTP_USER_AGENT=BROWSER_UA), EMAIL)
    group = {"id": -100123, "type": "group", "title": "Friends"}
    before = len(bot_api.calls)
    response = post_update(telegram_update(message=(telegram, "/sessions"), chat=group))
    assert response.status_code == HTTPStatus.OK
    assert response.get("Content-Type") != "application/json"
    assert bot_api.calls[before:] == []


def test_sessions_speaks_russian_to_a_russian_telegram_user(
    bot_api, telegram_user, telegram_update, post_update
):
    user = email_user("ivan@example.test")
    telegram = telegram_user(language_code="ru")
    telegram_user_of(user, uid=telegram["id"], language_code="ru")
    sign_in_with_password(Client(HTTP_USER_AGENT=BROWSER_UA), "ivan@example.test")

    reply = bot_reply(post_update(telegram_update(message=(telegram, "/sessions"))))

    assert reply["text"].startswith(
        "Браузеры, где выполнен вход на telegram-login как ivan@example.test"
    )
    assert "активен сейчас" in reply["text"]
    assert reply["reply_markup"]["inline_keyboard"][-1][0]["text"] == "Выйти везде"


def test_the_command_menu_lists_sessions_in_english_and_russian(bot_api, settings):
    settings.ALLOWED_HOSTS = ["login.example.com"]
    out = StringIO()
    call_command("telegram_webhook_set", stdout=out)

    commands = [c for c in bot_api.calls if c.method == "setMyCommands"]
    assert [c.problems for c in commands] == [[], []]
    english, russian = (c.params for c in commands)
    assert "language_code" not in english
    assert english["scope"] == {"type": "all_private_chats"}
    assert english["commands"] == [
        {"command": "sessions", "description": "Browsers signed in to your account; sign them out"}
    ]
    assert russian["language_code"] == "ru"
    assert russian["commands"][0]["command"] == "sessions"
    assert russian["commands"][0]["description"].startswith("Браузеры")
    assert "Commands: /sessions (English, Russian)" in out.getvalue()


def test_last_seen_is_kept_by_pages_at_most_once_a_minute_and_never_by_the_waiting_poll(owner):
    browser = Client(HTTP_USER_AGENT=BROWSER_UA)
    sign_in_with_password(browser, EMAIL)
    session = UserSession.objects.get()
    an_hour_ago = timezone.now() - timedelta(hours=1)
    UserSession.objects.update(last_seen_at=an_hour_ago)
    cache.clear()
    login_request, _, _ = start_sign_in(browser, process="reauthenticate", next_url="/")
    UserSession.objects.update(last_seen_at=an_hour_ago)
    cache.clear()

    assert poll(browser, login_request).status_code == HTTPStatus.NO_CONTENT
    session.refresh_from_db()
    assert session.last_seen_at == an_hour_ago

    browser.get("/accounts/email/")
    session.refresh_from_db()
    assert timezone.now() - session.last_seen_at < timedelta(seconds=10)

    UserSession.objects.update(last_seen_at=an_hour_ago)
    browser.get("/accounts/email/")
    session.refresh_from_db()
    # Within the minute: not written again.
    assert session.last_seen_at == an_hour_ago


def test_the_request_that_signs_in_writes_its_session_record_once(owner):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    browser = Client(HTTP_USER_AGENT=BROWSER_UA)
    with CaptureQueriesContext(connection) as queries:
        sign_in_with_password(browser, EMAIL)
    written = re.compile(r'^(INSERT INTO|UPDATE|DELETE FROM) "usersessions_usersession"')
    writes = [q["sql"] for q in queries if written.match(q["sql"])]
    # allauth's INSERT of the new session's record, "last seen" included; after it only how the
    # session signed in (for Settings > Sessions), never "last seen" again.
    assert [sql.split()[0] for sql in writes] == ["INSERT", "UPDATE"]
    assert re.match(r'^UPDATE "usersessions_usersession" SET "data" = .* WHERE', writes[1])
    assert "last_seen_at" not in writes[1]
    assert timezone.now() - UserSession.objects.get().last_seen_at < timedelta(seconds=10)
