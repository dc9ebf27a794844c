"""Sign-in alerts in Telegram: after every sign-in to an account with Telegram linked, the bot
says where from, with a button that signs exactly that browser out."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from http import HTTPStatus
from typing import Any

import pytest
from allauth.usersessions.models import UserSession
from django.core import mail
from django.test import Client
from django.utils import translation

from telegram_login.models import AlertPreference, LoginRequest, SecurityNotice
from telegram_login.sandbox.fake_api import SandboxMessage
from telegram_login.security.messages import moment_text
from telegram_login.tests.flows import (
    PASSWORD,
    confirm_access_in_telegram,
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
    buttons,
    signed_in,
)

pytestmark = pytest.mark.django_db

EMAIL = OWNER_EMAIL
NOT_ME = "Not me: sign this session out"
EVERYWHERE = "Sign out everywhere"


def press(
    post_update: Any,
    telegram_update: Any,
    telegram: dict[str, Any],
    message: SandboxMessage,
    text: str,
) -> Any:
    """Press the button `text` under `message`, as Telegram would send it."""
    data = buttons(message)[text]
    return post_update(telegram_update(callback=(telegram, data), message_id=message.message_id))


def test_an_alert_after_a_password_sign_in_says_browser_ip_time_and_method(owner, bot_api):
    _, telegram = owner
    browser = Client(HTTP_USER_AGENT=BROWSER_UA)
    sign_in_with_password(browser, EMAIL)

    [alert] = bot_messages(bot_api, telegram)
    assert alert.text.startswith(f"🔐 New sign-in to telegram-login as {EMAIL}")
    assert "Signed in with: email and password" in alert.text
    assert "Browser: Chrome 120 on Windows 10" in alert.text
    assert "IP address: 127.0.0.1" in alert.text
    assert re.search(r"Time: .+ UTC", alert.text)
    notice = SecurityNotice.objects.get()
    assert (notice.kind, notice.user_session_id) == ("sign_in", UserSession.objects.get().pk)
    assert buttons(alert) == {NOT_ME: f"tl:n:{notice.pk}:", EVERYWHERE: f"tl:w:{notice.pk}:"}
    assert all(call.problems == [] for call in bot_api.calls)


def test_an_alert_names_the_account_by_its_address_never_by_the_username_made_from_it(
    bot_api, telegram_user
):
    user = email_user("grace.hopper@example.test")
    assert user.username == "grace.hopper"
    telegram = telegram_user(first_name="Grace")
    telegram_user_of(user, uid=telegram["id"])
    bot_api.users[telegram["id"]] = telegram
    sign_in_with_password(Client(HTTP_USER_AGENT=BROWSER_UA), "grace.hopper@example.test")

    [alert] = bot_messages(bot_api, telegram)
    assert alert.text.startswith("🔐 New sign-in to telegram-login as grace.hopper@example.test\n")
    assert "grace.hopper" not in alert.text.replace("grace.hopper@example.test", "")


def test_a_telegram_sign_in_names_the_person_by_their_telegram_name_not_a_username(
    bot_api, telegram_user, telegram_update, post_update
):
    telegram = telegram_user(first_name="Ada", last_name="Lovelace", username="ada6")
    confirm_in_telegram(Client(HTTP_USER_AGENT=BROWSER_UA), telegram, telegram_update, post_update)

    [prompt] = bot_messages(bot_api, telegram)
    assert prompt.text.startswith("✔ Signed in to telegram-login as Ada Lovelace.\n")
    assert "ada6" not in prompt.text


@pytest.mark.parametrize(
    ("zone", "language", "named"),
    [
        ("UTC", "en", "March 5, 2026, 2:03 p.m. UTC"),
        ("Europe/Moscow", "ru", "5 марта 2026 г. 17:03 MSK"),
        ("Asia/Dubai", "en", "March 5, 2026, 6:03 p.m. UTC+04:00"),
        ("America/Sao_Paulo", "en", "March 5, 2026, 11:03 a.m. UTC-03:00"),
    ],
)
def test_the_bots_times_name_their_zone_in_the_telegram_users_language(
    settings, zone, language, named
):
    """The bot cannot know the person's zone: a time of day it gives names the site's zone, by
    its abbreviation or, where the zone has none, its offset from UTC."""
    settings.TIME_ZONE = zone
    with translation.override(language):
        assert moment_text(datetime(2026, 3, 5, 14, 3, tzinfo=UTC)) == named


def test_an_alert_after_a_password_reset_sign_in_names_the_reset(owner, bot_api, settings):
    settings.ACCOUNT_LOGIN_ON_PASSWORD_RESET = True
    _, telegram = owner
    browser = Client(HTTP_USER_AGENT=BROWSER_UA)
    browser.post("/accounts/password/reset/", {"email": EMAIL})
    link = re.search(r"http://testserver(/accounts/password/reset/key/\S+)", mail.outbox[-1].body)
    form = browser.get(link.group(1), follow=True)
    done = browser.post(
        form.redirect_chain[-1][0],
        {"password1": PASSWORD + "-new", "password2": PASSWORD + "-new"},
    )
    assert done.status_code == HTTPStatus.FOUND
    assert signed_in(browser)

    # The reset is told on its own (with a button that voids the new password), then the
    # sign-in it made.
    reset, alert = bot_messages(bot_api, telegram)
    assert reset.text.startswith(
        "🔑 The password of owner@example.test on telegram-login was reset"
    )
    assert "Signed in with: a password reset link from email" in alert.text
    assert NOT_ME in buttons(alert)


def test_a_telegram_sign_in_turns_its_own_prompt_into_the_alert_instead_of_a_second_message(
    bot_api, telegram_user, telegram_update, post_update
):
    telegram = telegram_user(first_name="Tanya")
    browser = Client(HTTP_USER_AGENT=BROWSER_UA)
    confirm_in_telegram(browser, telegram, telegram_update, post_update)

    [prompt] = bot_messages(bot_api, telegram)
    assert prompt.edited
    assert prompt.text.startswith("✔ Signed in to ")
    assert "Browser: Chrome 120 on Windows 10" in prompt.text
    assert "IP address: 127.0.0.1" in prompt.text
    notice = SecurityNotice.objects.get()
    assert notice.user_session_id == UserSession.objects.get().pk
    assert buttons(prompt) == {NOT_ME: f"tl:n:{notice.pk}:", EVERYWHERE: f"tl:w:{notice.pk}:"}
    # The same message: no alert of its own.
    assert [c.method for c in bot_api.calls].count("sendMessage") == 1


def test_not_me_signs_that_browser_out_on_its_next_request_and_leaves_the_others(
    owner, bot_api, telegram_update, post_update
):
    _, telegram = owner
    chrome = Client(HTTP_USER_AGENT=BROWSER_UA)
    firefox = Client(HTTP_USER_AGENT=FIREFOX_UA)
    sign_in_with_password(chrome, EMAIL)
    sign_in_with_password(firefox, EMAIL)
    chrome_alert, firefox_alert = bot_messages(bot_api, telegram)
    assert "Firefox 121 on Ubuntu" in firefox_alert.text

    response = press(post_update, telegram_update, telegram, chrome_alert, NOT_ME)

    assert response.json()["method"] == "answerCallbackQuery"
    assert bot_api.callback_answers[response.json()["callback_query_id"]]["text"] == (
        "Signed out: Chrome 120 on Windows 10."
    )
    assert not signed_in(chrome)
    assert signed_in(firefox)
    [edited] = [
        m for m in bot_messages(bot_api, telegram) if m.message_id == chrome_alert.message_id
    ]
    assert edited.text.startswith("✔ Signed out: Chrome 120 on Windows 10 (IP 127.0.0.1)")
    assert "change your password" in edited.text
    assert set(buttons(edited)) == {EVERYWHERE}


def test_not_me_under_a_telegram_sign_in_signs_that_browser_out(
    bot_api, telegram_user, telegram_update, post_update
):
    telegram = telegram_user()
    browser = Client(HTTP_USER_AGENT=BROWSER_UA)
    confirm_in_telegram(browser, telegram, telegram_update, post_update)
    assert signed_in(browser)
    [prompt] = bot_messages(bot_api, telegram)

    press(post_update, telegram_update, telegram, prompt, NOT_ME)

    assert not signed_in(browser)
    assert UserSession.objects.count() == 0


def test_sign_out_everywhere_from_an_alert_ends_every_session_of_the_account(
    owner, bot_api, telegram_update, post_update
):
    _, telegram = owner
    browsers = [Client(HTTP_USER_AGENT=BROWSER_UA), Client(HTTP_USER_AGENT=FIREFOX_UA)]
    for browser in browsers:
        sign_in_with_password(browser, EMAIL)
    alert = bot_messages(bot_api, telegram)[-1]

    press(post_update, telegram_update, telegram, alert, EVERYWHERE)

    assert not any(signed_in(browser) for browser in browsers)
    edited = bot_messages(bot_api, telegram)[-1]
    assert edited.text.startswith("✔ Signed out everywhere: 2 sessions of owner@example.test")
    assert not edited.reply_markup


def test_another_telegram_user_cannot_end_a_session_that_is_not_theirs(
    owner, bot_api, telegram_user, telegram_update, post_update
):
    _, telegram = owner
    browser = Client(HTTP_USER_AGENT=BROWSER_UA)
    sign_in_with_password(browser, EMAIL)
    [alert] = bot_messages(bot_api, telegram)
    stranger = telegram_user(first_name="Mallory")
    bot_api.users[stranger["id"]] = stranger

    # A forged press with the owner's session id, from the stranger's own chat.
    response = post_update(telegram_update(callback=(stranger, buttons(alert)[NOT_ME])))

    answer = bot_api.callback_answers[response.json()["callback_query_id"]]
    assert answer["text"] == "This message was sent to another Telegram account."
    assert signed_in(browser)
    response = post_update(telegram_update(callback=(stranger, buttons(alert)[EVERYWHERE])))
    answer = bot_api.callback_answers[response.json()["callback_query_id"]]
    assert answer["text"] == "This message was sent to another Telegram account."
    assert signed_in(browser)


def test_no_alert_for_an_account_without_telegram(bot_api, telegram_user):
    email_user("plain@example.test")
    sign_in_with_password(Client(HTTP_USER_AGENT=BROWSER_UA), "plain@example.test")
    assert [c for c in bot_api.calls if c.method == "sendMessage"] == []


def test_the_alert_speaks_russian_to_a_russian_telegram_user(bot_api, telegram_user):
    user = email_user("ivan@example.test")
    telegram = telegram_user(first_name="Иван", language_code="ru")
    telegram_user_of(user, uid=telegram["id"], language_code="ru")
    bot_api.users[telegram["id"]] = telegram

    sign_in_with_password(Client(HTTP_USER_AGENT=BROWSER_UA), "ivan@example.test")

    [alert] = bot_messages(bot_api, telegram)
    assert alert.text.startswith("🔐 Новый вход на telegram-login как ivan@example.test")
    assert re.search(r"^Время: \d+ [а-я]+ \d{4} г\. \d+:\d\d UTC$", alert.text, re.MULTILINE)
    assert "Браузер: Chrome 120, Windows 10" in alert.text
    assert set(buttons(alert)) == {"Это не я: завершить этот сеанс", "Выйти везде"}


def test_alerts_turned_off_in_settings_send_nothing_and_the_telegram_user_is_told(
    owner, bot_api, telegram_update, post_update
):
    user, telegram = owner
    browser = Client(HTTP_USER_AGENT=BROWSER_UA)
    sign_in_with_password(browser, EMAIL)

    response = browser.post("/accounts/telegram-login/alerts/", {})
    # Only the linked Telegram can silence itself (the password does not do).
    assert response["Location"] == (
        "/accounts/telegram-login/reauthenticate/?next=%2Faccounts%2Ftelegram-login%2Falerts%2F"
    )
    confirm_access_in_telegram(
        browser, telegram, telegram_update, post_update, next_url="/accounts/telegram-login/alerts/"
    )

    assert AlertPreference.objects.get(user=user).sign_in_alerts is False
    notice = bot_messages(bot_api, telegram)[-1]
    assert notice.text.startswith(f"🔕 Sign-in alerts for {EMAIL} on telegram-login were turned")
    assert "from Chrome 120 on Windows 10 (IP 127.0.0.1)" in notice.text
    alerts_off = SecurityNotice.objects.get(kind="alerts_off")
    assert buttons(notice) == {
        "Not me: sign that browser out and undo": f"tl:n:{alerts_off.pk}:",
        EVERYWHERE: f"tl:w:{alerts_off.pk}:",
    }
    sent = len(bot_messages(bot_api, telegram))
    sign_in_with_password(Client(HTTP_USER_AGENT=FIREFOX_UA), EMAIL)
    assert len(bot_messages(bot_api, telegram)) == sent


def test_turning_alerts_off_is_not_allowed_by_the_password(owner, bot_api):
    user, _ = owner
    browser = Client(HTTP_USER_AGENT=BROWSER_UA)
    sign_in_with_password(browser, EMAIL)

    response = browser.post("/accounts/telegram-login/alerts/", {})

    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"].startswith("/accounts/telegram-login/reauthenticate/")
    assert not AlertPreference.objects.filter(user=user).exists()
    # The password on allauth's own page resumes the post, which goes to Telegram again.
    again = browser.post(
        "/accounts/reauthenticate/?next=/accounts/telegram-login/alerts/", {"password": PASSWORD}
    )
    assert again["Location"].startswith("/accounts/telegram-login/reauthenticate/")
    assert not AlertPreference.objects.filter(user=user).exists()


def test_with_alerts_off_a_telegram_sign_in_still_shows_the_session_it_opened(
    bot_api, telegram_user, telegram_update, post_update
):
    telegram = telegram_user()
    first = Client(HTTP_USER_AGENT=BROWSER_UA)
    confirm_in_telegram(first, telegram, telegram_update, post_update)
    AlertPreference.objects.create(
        user=LoginRequest.objects.get().signed_in_session.user, sign_in_alerts=False
    )

    confirm_in_telegram(Client(HTTP_USER_AGENT=FIREFOX_UA), telegram, telegram_update, post_update)

    latest = bot_messages(bot_api, telegram)[-1]
    assert latest.text.startswith("✔ Signed in to ")
    assert NOT_ME in buttons(latest)
