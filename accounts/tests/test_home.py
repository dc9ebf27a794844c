"""The home page: who is signed in, with Telegram or an email, and the way to sign in or out."""

from __future__ import annotations

import re
from http import HTTPStatus

import pytest
from django.contrib.auth import get_user_model

from telegram_login.tests.flows import confirm_in_telegram, sign_in_with_telegram

pytestmark = pytest.mark.django_db

User = get_user_model()


def test_home_shows_the_signed_in_telegram_user(
    browser_client, bot_api, telegram_user, telegram_update, post_update
):
    telegram = telegram_user(first_name="Ada", last_name="Lovelace", username="ada_l")
    sign_in_with_telegram(browser_client, telegram, telegram_update, post_update)
    page = browser_client.get("/")
    assert page.status_code == HTTPStatus.OK
    content = page.content.decode()
    assert "Signed in as Ada Lovelace" in content
    assert re.search(r'class="avatar"[^>]*>AL<', content)
    assert 'data-testid="telegram-username">@ada_l<' in content
    assert 'data-testid="telegram-name">Ada Lovelace<' in content
    assert f"(id {telegram['id']})" in content
    assert re.search(r'<form method="post" action="/accounts/logout/"', content)
    assert 'href="/accounts/login/"' not in content


def test_home_of_a_telegram_user_without_username_shows_no_at_sign(
    browser_client, bot_api, telegram_user, telegram_update, post_update
):
    telegram = telegram_user(first_name="Bo", username=None)
    user = sign_in_with_telegram(browser_client, telegram, telegram_update, post_update)
    content = browser_client.get("/").content.decode()
    assert 'data-testid="telegram-username"' not in content
    assert re.search(r'class="avatar"[^>]*>B<', content)
    assert f'data-testid="profile" data-account="{user.pk}"' in content
    # The username the site made up is used nowhere a person signs in: not shown.
    assert f">{user.username}<" not in content


def test_signing_out_from_home_signs_out(
    browser_client, bot_api, telegram_user, telegram_update, post_update
):
    sign_in_with_telegram(browser_client, telegram_user(), telegram_update, post_update)
    response = browser_client.post("/accounts/logout/")
    assert response.status_code == HTTPStatus.FOUND
    assert not browser_client.get("/").context["user"].is_authenticated


def test_anonymous_home_links_to_sign_in(client):
    page = client.get("/")
    assert page.status_code == HTTPStatus.OK
    content = page.content.decode()
    assert 'href="/accounts/login/"' in content
    assert 'data-testid="profile"' not in content
    assert 'action="/accounts/logout/"' not in content


def test_home_of_an_email_user_shows_no_telegram(client):
    user = User.objects.create_user(
        username="eve", email="eve@example.test", password="x", first_name="Eve"
    )
    client.force_login(user)
    content = client.get("/").content.decode()
    assert "Signed in as Eve" in content
    assert 'data-testid="telegram-name"' not in content
    assert "eve@example.test" in content


def test_telegram_name_with_html_is_shown_escaped(
    browser_client, bot_api, telegram_user, telegram_update, post_update
):
    user = telegram_user(first_name='<img src=x onerror="alert(1)">')
    confirm_in_telegram(browser_client, user, telegram_update, post_update)
    page = browser_client.get("/").content.decode()
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in page
    assert "<img src=x" not in page


def test_an_email_sign_up_is_named_by_its_address_not_by_the_username_made_from_it(client):
    """The site makes the username from the part before @; nobody typed it, nobody knows it."""
    response = client.post(
        "/accounts/signup/",
        {
            "email": "grace.hopper@example.test",
            "password1": "a-long-Passw0rd-nobody-guesses",
            "password2": "a-long-Passw0rd-nobody-guesses",
        },
    )
    assert response.status_code == HTTPStatus.FOUND
    user = User.objects.get(email="grace.hopper@example.test")
    assert user.username == "grace.hopper"

    page = client.get("/accounts/profile/").content.decode()
    assert re.search(r'data-testid="nav-profile"[^>]*>grace\.hopper@example\.test<', page)
    assert "<h1>grace.hopper@example.test</h1>" in page
    assert re.search(r'class="avatar"[^>]*>G<', page)
    assert "<h1>grace.hopper</h1>" not in page
    assert not re.search(r'data-testid="nav-profile"[^>]*>grace\.hopper<', page)


def test_a_telegram_user_is_named_by_their_telegram_name_in_the_header(
    browser_client, bot_api, telegram_user, telegram_update, post_update
):
    telegram = telegram_user(first_name="Ada", last_name=None, username="ada6")
    sign_in_with_telegram(browser_client, telegram, telegram_update, post_update)
    content = browser_client.get("/").content.decode()
    assert re.search(r'data-testid="nav-profile"[^>]*>Ada<', content)
    assert "Signed in as Ada<" in content
