"""The example site in Russian and English: its sign-in page with the widget, the language
switcher, and its branded error pages."""

from __future__ import annotations

import pytest
from django.test import Client

from telegram_login.tests.helpers import BROWSER_UA, START_URL

pytestmark = pytest.mark.django_db


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
