"""The settings area: profile, email, password and connected accounts, in our layout."""

from __future__ import annotations

import re
from http import HTTPStatus

import pytest
from allauth.socialaccount.models import SocialAccount
from django.contrib.auth import get_user_model
from django.test import Client

from telegram_login.tests.flows import (
    ALLAUTH_REAUTHENTICATION_METHODS,
    confirm_access_in_telegram,
    email_user,
    messages_on,
    reauthenticate,
    sign_in_with_password,
    telegram_user_of,
)

pytestmark = pytest.mark.django_db

User = get_user_model()
CONNECTIONS_URL = "/accounts/3rdparty/"
SETTINGS_PAGES = {
    "/accounts/profile/": "Profile",
    "/accounts/email/": "Email",
    "/accounts/password/change/": "Password",
    CONNECTIONS_URL: "Connected accounts",
}


def _telegram_only_user(**extra_data: object) -> tuple[object, SocialAccount]:
    user = User.objects.create_user(username="tanya", first_name="Tanya")
    account = SocialAccount.objects.create(
        user=user,
        provider="telegram_login",
        uid="424242",
        extra_data={"id": 424242, "first_name": "Tanya", **extra_data},
    )
    return user, account


def _current_nav_item(content: str) -> list[str]:
    return re.findall(r'<a href="[^"]+" aria-current="page">([^<]+)</a>', content)


@pytest.mark.parametrize(("url", "nav_label"), SETTINGS_PAGES.items())
def test_every_settings_page_has_the_settings_navigation_with_itself_marked(client, url, nav_label):
    client.force_login(email_user("nav@example.test"))
    response = client.get(url)
    assert response.status_code == HTTPStatus.OK
    content = response.content.decode()
    assert 'data-testid="settings-nav"' in content
    for page_url in SETTINGS_PAGES:
        assert f'href="{page_url}"' in content
    assert _current_nav_item(content) == [nav_label]
    assert 'class="site-header"' in content


def test_password_page_of_a_telegram_user_without_a_password_asks_for_telegram_then_offers_it(
    client, bot_api, telegram_update, post_update
):
    user, _ = _telegram_only_user()
    client.force_login(user)
    response = client.get("/accounts/password/change/", follow=True)
    if ALLAUTH_REAUTHENTICATION_METHODS:
        # allauth asks for the fresh proof before it shows the form: straight to Telegram.
        assert response.redirect_chain[-1][0] == (
            "/accounts/telegram-login/reauthenticate/?next=%2Faccounts%2Fpassword%2Fset%2F"
        )
    else:
        assert response.redirect_chain[-1][0] == "/accounts/password/set/"
        content = response.content.decode()
        assert _current_nav_item(content) == ["Password"]
        assert 'data-testid="proof-needed"' in content
        assert (
            'href="/accounts/telegram-login/reauthenticate/?next=/accounts/password/set/"'
            in content
        )
        assert not re.search(r'<label for="id_password1">', content)

    telegram = {"id": 424242, "is_bot": False, "first_name": "Tanya", "language_code": "en"}
    done = confirm_access_in_telegram(
        client, telegram, telegram_update, post_update, next_url="/accounts/password/set/"
    )
    assert done["HX-Redirect"] == "/accounts/password/set/"
    content = client.get("/accounts/password/set/").content.decode()
    assert re.search(r'<label for="id_password1">', content)


@pytest.mark.parametrize("url", [*SETTINGS_PAGES, "/accounts/password/set/"])
def test_settings_pages_send_a_signed_out_visitor_to_sign_in(client, url):
    response = client.get(url)
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"].startswith("/accounts/login/?next=")


def test_allauth_forms_have_a_visible_label_for_every_input(client):
    pages = ["/accounts/login/", "/accounts/signup/", "/accounts/password/reset/"]
    user = email_user("labels@example.test")
    signed_in = Client()
    signed_in.force_login(user)
    for browser, url in [(client, page) for page in pages] + [
        (signed_in, "/accounts/email/"),
        (signed_in, "/accounts/password/change/"),
        (signed_in, "/accounts/reauthenticate/"),
    ]:
        content = browser.get(url).content.decode()
        inputs = re.findall(r'<input (?![^>]*type="hidden")[^>]*id="([^"]+)"', content)
        assert inputs, url
        for input_id in inputs:
            if input_id == "language-select":
                continue
            assert f'<label for="{input_id}">' in content, (url, input_id)


def test_form_errors_are_tied_to_their_inputs(client):
    client.force_login(email_user("errors@example.test"))
    response = client.post(
        "/accounts/password/change/",
        {"oldpassword": "wrong", "password1": "x", "password2": "y"},
    )
    assert response.status_code == HTTPStatus.OK
    content = response.content.decode()
    assert 'id="id_oldpassword_error"' in content
    assert re.search(r'<input[^>]*aria-describedby="[^"]*id_oldpassword_error', content)
    assert re.search(r'<input[^>]*aria-invalid="true"[^>]*id="id_oldpassword"', content)


def test_profile_shows_names_telegram_email_and_ways_to_sign_in(client):
    user = email_user("mira@example.test", first_name="Mira", last_name="Novak")
    SocialAccount.objects.create(
        user=user,
        provider="telegram_login",
        uid="555",
        extra_data={"id": 555, "first_name": "Mira", "last_name": "N", "username": "mira_tg"},
    )
    client.force_login(user)
    content = client.get("/accounts/profile/").content.decode()
    assert 'data-testid="profile-name">Mira Novak<' in content
    assert 'data-testid="telegram-name">Mira N<' in content
    assert 'data-testid="telegram-username">@mira_tg<' in content
    assert "(id 555)" in content
    assert "mira@example.test" in content
    assert "Verified" in content
    methods = re.search(r'data-testid="sign-in-methods">(.*?)</ul>', content, re.S).group(1)
    assert "Telegram" in methods
    assert "Email and password" in methods


def test_profile_of_a_telegram_only_user_offers_a_password_and_an_email(client):
    user, _ = _telegram_only_user(username="tanya_tg")
    client.force_login(user)
    content = client.get("/accounts/profile/").content.decode()
    assert 'data-testid="telegram-username">@tanya_tg<' in content
    methods = re.search(r'data-testid="sign-in-methods">(.*?)</ul>', content, re.S).group(1)
    # Without an email a password is no way in, so the page does not offer one as such.
    assert "No email and password yet" in methods
    assert 'href="/accounts/email/"' in methods
    assert "/accounts/password/set/" not in methods
    assert "Email and password" not in content


def test_connections_page_shows_the_telegram_account_by_name_username_and_id(client):
    user, account = _telegram_only_user(last_name="Orlova", username="tanya_o")
    client.force_login(user)
    content = client.get(CONNECTIONS_URL).content.decode()
    assert 'data-testid="connected-name">Tanya Orlova<' in content
    assert 'data-testid="connected-username">@tanya_o<' in content
    assert 'data-testid="connected-id">id 424242<' in content
    # Its only way in: no Disconnect button, and the page says what to do first.
    assert f'name="account" value="{account.pk}"' not in content
    assert 'data-testid="disconnect-unavailable"' in content
    # Already linked: no second "Connect Telegram".
    assert 'data-testid="telegram-start"' not in content


def test_connections_page_of_an_email_user_offers_connect_telegram(client):
    client.force_login(email_user("conn@example.test"))
    content = client.get(CONNECTIONS_URL).content.decode()
    assert "No Telegram account is connected yet." in content
    assert 'name="process" value="connect"' in content
    assert re.search(
        r'data-testid="telegram-start">\s*<span aria-hidden="true">✈</span>\s*Connect Telegram',
        content,
    )


def test_telegram_only_user_cannot_disconnect_the_only_way_to_sign_in(client):
    user, account = _telegram_only_user()
    client.force_login(user)

    response = client.post(CONNECTIONS_URL, {"account": account.pk})

    assert response.status_code == HTTPStatus.OK
    content = response.content.decode()
    error = re.search(r'data-testid="disconnect-error">(.*?)</div>', content, re.S).group(1)
    assert "Telegram is your only way to sign in here:" in error
    assert 'href="/accounts/password/set/"' in error
    assert 'role="alert"' in content
    assert SocialAccount.objects.filter(pk=account.pk, user=user).exists()


def test_user_with_a_password_disconnects_telegram_after_confirming_it_in_telegram(
    client, bot_api, telegram_user, telegram_update, post_update
):
    user = email_user("dina@example.test")
    telegram = telegram_user()
    account = telegram_user_of(user, uid=telegram["id"])
    sign_in_with_password(client, "dina@example.test")
    reauthenticate(client)

    asked = client.post(CONNECTIONS_URL, {"account": account.pk})
    assert asked.status_code == HTTPStatus.FOUND
    assert asked["Location"].startswith("/accounts/telegram-login/reauthenticate/")
    assert SocialAccount.objects.filter(pk=account.pk).exists()

    confirm_access_in_telegram(
        client, telegram, telegram_update, post_update, next_url=CONNECTIONS_URL
    )
    assert not SocialAccount.objects.filter(pk=account.pk).exists()
    assert "Telegram is disconnected: it no longer signs in to this account." in messages_on(
        client, CONNECTIONS_URL
    )
