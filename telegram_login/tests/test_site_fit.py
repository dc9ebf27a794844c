"""Real allauth sites, as they are (telegram_login/site_fit.py): each trap a site can set for
Telegram sign-up is named by `manage.py check` with what to do, and what can work does."""

from __future__ import annotations

import copy
from http import HTTPStatus

import pytest
from allauth.socialaccount.adapter import get_adapter
from django.contrib.auth import get_user_model
from django.core import checks
from django.db import connection
from django.test import Client, RequestFactory, modify_settings
from django.urls import resolve

from telegram_login.identity import ALLAUTH_TELEGRAM, PROVIDER_ID
from telegram_login.tests.flows import confirm_in_telegram, sign_in_with_telegram
from telegram_login.tests.helpers import BROWSER_UA, signed_in

pytestmark = pytest.mark.django_db


def found(code: str) -> list[checks.CheckMessage]:
    return [m for m in checks.run_checks() if m.id == f"telegram_login.{code}"]


def test_the_owner_signs_in_with_telegram_on_a_site_without_usernames(
    owner, settings, telegram_update, post_update
):
    settings.ACCOUNT_USER_MODEL_USERNAME_FIELD = None
    _, telegram = owner  # no @username: the names and the id are tried
    browser = Client(HTTP_USER_AGENT=BROWSER_UA)

    confirm_in_telegram(browser, telegram, telegram_update, post_update)

    assert signed_in(browser)


def test_the_sessions_page_renders_with_readmes_lines(owner):
    user, _ = owner
    browser = Client(HTTP_USER_AGENT=BROWSER_UA)
    browser.force_login(user)

    response = browser.get("/accounts/sessions/")

    assert response.status_code == HTTPStatus.OK


def test_allauths_own_telegram_provider_beside_this_one_is_named_and_told_apart():
    assert not found("W026")
    with modify_settings(INSTALLED_APPS={"append": [ALLAUTH_TELEGRAM]}):
        (warning,) = found("W026")
        ours = get_adapter().get_provider(RequestFactory().get("/"), PROVIDER_ID)
        assert str(ours.name) == "Telegram (bot)"
    assert "two accounts" in warning.msg
    assert ALLAUTH_TELEGRAM in warning.hint
    # allauth's claims accounts/telegram/login/; this one's pages are its own.
    assert resolve("/accounts/telegram-login/login/").url_name == "telegram_login_start"


def test_mandatory_verification_where_no_email_is_asked_for_is_an_error_that_says_what_to_do(
    settings,
):
    settings.ACCOUNT_EMAIL_VERIFICATION = "mandatory"
    settings.SOCIALACCOUNT_EMAIL_REQUIRED = False

    (error,) = found("E027")

    assert error.level == checks.ERROR
    assert "Remove SOCIALACCOUNT_EMAIL_REQUIRED = False" in error.hint
    settings.SOCIALACCOUNT_EMAIL_REQUIRED = True
    assert not found("E027")


def test_a_unique_email_field_where_no_email_is_asked_for_is_an_error(settings, monkeypatch):
    settings.SOCIALACCOUNT_EMAIL_REQUIRED = False
    assert not found("E028")
    # As cookiecutter-django's user model has it: the address is the unique key.
    monkeypatch.setattr(get_user_model()._meta.get_field("email"), "unique", True)

    (error,) = found("E028")

    assert "auth.User.email is unique" in error.msg
    settings.SOCIALACCOUNT_EMAIL_REQUIRED = True
    assert not found("E028")


def test_a_bot_token_that_is_not_one_is_an_error_that_says_where_to_get_one(settings):
    settings.TELEGRAM_LOGIN_BOT_TOKEN = "123456:ABC..."  # README's placeholder, pasted

    (error,) = found("E033")

    assert "@BotFather" in error.hint
    settings.TELEGRAM_LOGIN_BOT_TOKEN = "123456:AAH-real_looking0token"
    assert not found("E033")


def test_a_username_field_the_user_model_does_not_have_is_an_error(settings):
    settings.ACCOUNT_USER_MODEL_USERNAME_FIELD = "handle"

    (error,) = found("E029")

    assert "'handle', a field auth.User does not have" in error.msg


def test_no_username_field_on_a_model_with_unique_usernames_is_an_error(settings):
    settings.ACCOUNT_USER_MODEL_USERNAME_FIELD = None

    (error,) = found("E031")

    assert 'ACCOUNT_USER_MODEL_USERNAME_FIELD = "username"' in error.hint


def _with_login_page(settings, tmp_path, body: str, name: str = "login.html") -> None:
    page = tmp_path / "account" / name
    page.parent.mkdir()
    page.write_text(body, encoding="utf-8")
    templates = copy.deepcopy(settings.TEMPLATES)
    templates[0]["DIRS"] = [tmp_path, *templates[0]["DIRS"]]
    settings.TEMPLATES = templates


@pytest.mark.parametrize("name", ["login.html", "signup.html"])
def test_a_login_page_of_the_sites_own_without_providers_is_named_with_the_tag_to_add(
    settings, tmp_path, name
):
    assert not found("W030")  # allauth's stock pages list the providers
    _with_login_page(settings, tmp_path, "<form method=post>{{ form }}</form>", name=name)

    (warning,) = found("W030")

    assert str(tmp_path / "account" / name) in warning.msg
    assert "{% telegram_login_widget %}" in warning.hint


def test_a_login_page_of_the_sites_own_with_the_widget_is_fine(settings, tmp_path):
    _with_login_page(
        settings,
        tmp_path,
        "{% load telegram_login %}<form method=post>{{ form }}</form>{% telegram_login_widget %}",
    )

    assert not found("W030")


def test_a_new_telegram_user_signs_up_with_atomic_requests(
    bot_api, monkeypatch, telegram_user, telegram_update, post_update
):
    monkeypatch.setitem(connection.settings_dict, "ATOMIC_REQUESTS", True)
    browser = Client(HTTP_USER_AGENT=BROWSER_UA)
    telegram = telegram_user(first_name="Neo")

    user = sign_in_with_telegram(browser, telegram, telegram_update, post_update)

    assert signed_in(browser)
    assert user.username == "neo"
