"""Russian and English: site pages follow the browser, the bot follows the Telegram user."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.test import Client

from .helpers import BROWSER_UA, START_URL, assert_catalogue_complete

pytestmark = pytest.mark.django_db

# The app's catalogue ships with the package.
CATALOGUE = Path(__file__).resolve().parents[1] / "locale" / "ru" / "LC_MESSAGES"


def test_russian_catalogue_is_complete_and_compiled():
    assert_catalogue_complete(CATALOGUE)


def test_login_page_and_widget_follow_the_browser_language():
    browser = Client(HTTP_ACCEPT_LANGUAGE="ru", HTTP_USER_AGENT=BROWSER_UA)
    page = browser.get("/accounts/login/").content.decode()
    assert "Войти через Telegram" in page
    widget = browser.post(
        START_URL, {"process": "login"}, headers={"HX-Request": "true"}
    ).content.decode()
    assert "Ждём Telegram…" in widget
    assert "В Telegram вы выберете" in widget
    assert "Ждём Telegram. Откройте ссылку и выберите там" in widget
    english = Client(HTTP_ACCEPT_LANGUAGE="en").get("/accounts/login/").content.decode()
    assert "Sign in with Telegram" in english


def test_language_switcher_keeps_the_choice():
    browser = Client(HTTP_ACCEPT_LANGUAGE="en")
    browser.post("/i18n/setlang/", {"language": "ru", "next": "/"})
    assert "Добро пожаловать" in browser.get("/").content.decode()


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
    from .helpers import bot_reply, start_sign_in

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

    from telegram_login.bot import messages

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


@pytest.mark.parametrize(
    ("language", "expected"),
    [("en", "Page not found"), ("ru", "Страница не найдена")],
)
def test_404_is_a_branded_page_in_the_browsers_language(client, language, expected):
    page = client.get("/no-such-page/", HTTP_ACCEPT_LANGUAGE=language)
    assert page.status_code == 404
    content = page.content.decode()
    assert expected in content
    assert 'data-testid="error-page"' in content
    assert 'class="site-header"' in content


@pytest.mark.parametrize(
    ("template", "english", "russian"),
    [
        ("500.html", "Something went wrong", "Что-то пошло не так"),
        ("403.html", "Not allowed", "Доступ запрещён"),
        ("429.html", "Too many attempts", "Слишком много попыток"),
    ],
)
def test_error_pages_render_without_a_request_in_both_languages(template, english, russian):
    from django.template.loader import render_to_string
    from django.utils import translation

    with translation.override("en"):
        assert english in render_to_string(template)
    with translation.override("ru"):
        assert russian in render_to_string(template)


def test_a_post_without_its_csrf_token_gets_the_branded_page_in_russian():
    from django.test import Client

    browser = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="ru")
    page = browser.post("/accounts/login/", {"login": "a@example.test", "password": "x"})
    assert page.status_code == 403
    assert "Форма устарела" in page.content.decode()
