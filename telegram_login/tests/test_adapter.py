"""Telegram sign-up through allauth's adapters: the new user's names and a username of their own."""

from __future__ import annotations

from typing import Any

import pytest
from allauth.socialaccount.adapter import get_adapter
from allauth.socialaccount.models import SocialAccount
from django.contrib.auth import get_user_model
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.contrib.sessions.backends.db import SessionStore
from django.test import RequestFactory

from telegram_login.adapter import telegram_username
from telegram_login.tests.flows import sign_in_with_telegram

pytestmark = pytest.mark.django_db

User = get_user_model()


def _sociallogin_for(data: dict[str, Any]) -> Any:
    request = RequestFactory().get("/")
    request.session = SessionStore()
    provider = get_adapter().get_provider(request, "telegram_login")
    return provider.sociallogin_from_response(request, data)


def test_telegram_profile_fills_the_new_users_names_and_username():
    sociallogin = _sociallogin_for(
        {"id": 501, "first_name": "Grace", "last_name": "Hopper", "username": "grace_h"}
    )
    user = sociallogin.user
    assert (user.first_name, user.last_name, user.username) == ("Grace", "Hopper", "grace_h")
    assert user.email == ""
    assert sociallogin.account.uid == "501"
    assert sociallogin.account.extra_data == {
        "id": 501,
        "first_name": "Grace",
        "last_name": "Hopper",
        "username": "grace_h",
    }


def test_username_is_generated_from_the_name_when_telegram_has_none():
    assert telegram_username({"first_name": "Linus", "username": ""}, uid="77") == "linus"


def test_username_is_generated_from_the_telegram_id_when_there_is_nothing_else():
    assert telegram_username({"first_name": "", "last_name": ""}, uid="12345") == "tg12345"


def test_taken_username_is_not_given_to_another_telegram_user():
    User.objects.create_user(username="Alice", password="x")
    username = telegram_username({"first_name": "Alice", "username": "alice"}, uid="9")
    assert username.lower() != "alice"
    assert not User.objects.filter(username__iexact=username).exists()


def test_new_telegram_user_without_a_username_gets_a_generated_one(
    browser_client, bot_api, telegram_user, telegram_update, post_update
):
    User.objects.create_user(username="ivan", password="x")
    telegram = telegram_user(first_name="Ivan", last_name="Petrov", username=None)
    user = sign_in_with_telegram(browser_client, telegram, telegram_update, post_update)
    assert user.username
    assert user.username != "ivan"
    UnicodeUsernameValidator()(user.username)
    assert (user.first_name, user.last_name) == ("Ivan", "Petrov")
    assert User.objects.filter(username__iexact=user.username).count() == 1


def test_cyrillic_name_without_a_username_gets_one_in_latin_letters(
    browser_client, bot_api, telegram_user, telegram_update, post_update
):
    telegram = telegram_user(first_name="Иван", last_name="Петров", username=None)
    user = sign_in_with_telegram(browser_client, telegram, telegram_update, post_update)
    assert user.username == "ivan"
    assert user.first_name == "Иван"


def test_a_name_with_nothing_to_write_in_latin_letters_gets_one_from_the_telegram_id(
    browser_client, bot_api, telegram_user, telegram_update, post_update
):
    telegram = telegram_user(first_name="✈✈", username=None)
    user = sign_in_with_telegram(browser_client, telegram, telegram_update, post_update)
    assert user.username == f"tg{telegram['id']}"


def test_telegram_username_taken_here_by_someone_else_gets_a_different_one(
    browser_client, bot_api, telegram_user, telegram_update, post_update
):
    owner = User.objects.create_user(
        username="Mallory", email="mallory@example.test", password="pw-12345-long"
    )
    telegram = telegram_user(first_name="Mallory", username="mallory")
    user = sign_in_with_telegram(browser_client, telegram, telegram_update, post_update)
    # A matching username never links the Telegram account to the existing user.
    assert user != owner
    assert not SocialAccount.objects.filter(user=owner).exists()
    assert user.username.lower() != "mallory"
    assert User.objects.filter(username__iexact=user.username).count() == 1
    owner.refresh_from_db()
    assert owner.username == "Mallory"


def test_two_telegram_users_with_the_same_name_get_different_usernames(
    browser_client, client, bot_api, telegram_user, telegram_update, post_update
):
    first = sign_in_with_telegram(
        browser_client, telegram_user(first_name="Sam", username=None), telegram_update, post_update
    )
    client.defaults["HTTP_USER_AGENT"] = "Mozilla/5.0"
    second = sign_in_with_telegram(
        client, telegram_user(first_name="Sam", username=None), telegram_update, post_update
    )
    assert first != second
    assert first.username.lower() != second.username.lower()
