"""Russian and English: the widget follows the browser, the bot follows the Telegram user."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.test import Client

from telegram_login.tests.helpers import BROWSER_UA, START_URL, assert_catalogue_complete

pytestmark = pytest.mark.django_db

# The app's catalogue ships with the package.
CATALOGUE = Path(__file__).resolve().parents[1] / "locale" / "ru" / "LC_MESSAGES"


def test_russian_catalogue_is_complete_and_compiled():
    assert_catalogue_complete(CATALOGUE)


def test_the_widgets_page_and_the_widget_follow_the_browser_language():
    browser = Client(HTTP_ACCEPT_LANGUAGE="ru", HTTP_USER_AGENT=BROWSER_UA)
    page = browser.get(START_URL).content.decode()
    assert "Войти через Telegram" in page
    widget = browser.post(
        START_URL, {"process": "login"}, headers={"HX-Request": "true"}
    ).content.decode()
    assert "Ждём Telegram…" in widget
    assert "В Telegram вы выберете" in widget
    assert "Ждём Telegram. Откройте ссылку и выберите там" in widget
    english = Client(HTTP_ACCEPT_LANGUAGE="en").get(START_URL).content.decode()
    assert "Sign in with Telegram" in english


@pytest.mark.parametrize(
    ("language_code", "expected", "unexpected"),
    [
        ("ru", "Войти на", "Sign in to"),
        ("ru-RU", "Войти на", "Sign in to"),
        ("en", "Sign in to", "Войти на"),
        ("de", "Sign in to", "Войти на"),
        (None, "Sign in to", "Войти на"),
    ],
)
def test_the_bot_speaks_the_telegram_users_language(
    browser_client,
    bot_api,
    telegram_user,
    telegram_update,
    post_update,
    language_code,
    expected,
    unexpected,
):
    from telegram_login.tests.helpers import bot_reply, start_sign_in

    _, token, _ = start_sign_in(browser_client)
    user = telegram_user(language_code=language_code)
    reply = bot_reply(post_update(telegram_update(message=(user, f"/start {token}"))))
    assert expected in reply["text"]
    assert unexpected not in reply["text"]
    buttons = [b["text"] for row in reply["reply_markup"]["inline_keyboard"] for b in row]
    cancel = "✖ Отмена, это не я" if expected == "Войти на" else "✖ Cancel, this was not me"
    assert cancel in buttons


def test_every_bot_message_has_a_russian_text(telegram_user):
    from django.utils import translation

    from telegram_login.messaging import texts as messages

    with translation.override("ru"):
        texts = [
            messages.welcome(chat_id=1).params["text"],
            messages.token_unknown(chat_id=1).params["text"],
            messages.token_used(chat_id=1).params["text"],
            messages.token_expired(chat_id=1).params["text"],
            messages.private_chat_only(chat_id=1).params["text"],
            messages.slow_down(chat_id=1).params["text"],
        ]
    for text in texts:
        assert re.search("[а-яА-Я]", text), text
