"""The name the bot gives the site: TELEGRAM_LOGIN_SITE_NAME, else the Sites framework's name,
else the domain the person is on (one ALLOWED_HOSTS names); never the package's name."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection
from django.test import Client, RequestFactory

from telegram_login.messaging.callbacks import ACTION_CODE, callback_data
from telegram_login.security import prompts
from telegram_login.site import site_name
from telegram_login.tests.flows import sign_in_with_telegram
from telegram_login.tests.helpers import BOT_USERNAME, BROWSER_UA, bot_reply, poll, start_sign_in

pytestmark = pytest.mark.django_db

SHOP = "shop.example.test"
PACKAGE_NAME = "telegram-login"


@pytest.fixture
def unnamed(settings: Any) -> None:
    """A site that never set TELEGRAM_LOGIN_SITE_NAME (nor the old SITE_NAME)."""
    del settings.TELEGRAM_LOGIN_SITE_NAME
    settings.ALLOWED_HOSTS = [SHOP, "testserver"]


@pytest.fixture
def sites_framework(settings: Any, transactional_db: None) -> Iterator[Any]:
    """django.contrib.sites installed, with its table; yields the Site model."""
    settings.INSTALLED_APPS = [*settings.INSTALLED_APPS, "django.contrib.sites"]
    from django.contrib.sites.models import Site

    with connection.schema_editor() as editor:
        editor.create_model(Site)
    Site.objects.clear_cache()
    yield Site
    Site.objects.clear_cache()
    with connection.schema_editor() as editor:
        editor.delete_model(Site)


def _request(host: str) -> Any:
    return RequestFactory().get("/", headers={"Host": host})


def _shop_browser() -> Client:
    return Client(HTTP_USER_AGENT=BROWSER_UA, headers={"Host": SHOP})


def test_the_setting_names_the_site_before_the_sites_framework_and_the_host(
    settings, sites_framework
):
    settings.TELEGRAM_LOGIN_SITE_NAME = "Example Shop"
    settings.ALLOWED_HOSTS = [SHOP]
    sites_framework.objects.create(name="Corner Shop", domain=SHOP)

    assert site_name(_request(SHOP)) == "Example Shop"


def test_without_the_setting_the_sites_frameworks_name_names_the_site(
    unnamed, settings, sites_framework
):
    site = sites_framework.objects.create(name="Corner Shop", domain=SHOP)
    settings.SITE_ID = site.pk

    assert site_name(_request(SHOP)) == "Corner Shop"
    # The queue's worker has no request: SITE_ID says which site.
    assert site_name() == "Corner Shop"


def test_the_current_site_is_found_by_the_host_without_a_site_id(unnamed, sites_framework):
    sites_framework.objects.create(name="Corner Shop", domain=SHOP)
    sites_framework.objects.create(name="Other Shop", domain="other.example.test")

    assert site_name(_request(SHOP)) == "Corner Shop"


def test_djangos_unnamed_example_com_site_gives_way_to_the_domain(
    unnamed, settings, sites_framework
):
    # What `migrate` makes: nobody named it, so the host the person is on names the site.
    settings.SITE_ID = sites_framework.objects.create(name="example.com", domain="example.com").pk

    assert site_name(_request(SHOP)) == SHOP


def test_a_site_renamed_only_by_its_domain_is_named_by_that_domain(
    unnamed, settings, sites_framework
):
    settings.SITE_ID = sites_framework.objects.create(name="example.com", domain=SHOP).pk

    assert site_name(_request("testserver")) == SHOP


def test_without_the_setting_or_the_sites_framework_the_domain_names_the_site(unnamed):
    assert site_name(_request(f"{SHOP}:8443")) == SHOP
    assert site_name(_request("testserver")) == "testserver"
    # No request at all (the worker, long polling): the first host ALLOWED_HOSTS names.
    assert site_name() == SHOP


def test_a_host_only_the_wildcard_lets_in_never_names_the_site(unnamed, settings):
    settings.ALLOWED_HOSTS = ["*", f".{SHOP}"]
    assert site_name(_request("login.evil.example")) == SHOP
    assert site_name(_request(f"www.{SHOP}")) == f"www.{SHOP}"

    # A site that names no host: its other settings name it, never the request.
    settings.ALLOWED_HOSTS = ["*"]
    settings.CSRF_TRUSTED_ORIGINS = [f"https://*.{SHOP}"]
    assert site_name(_request("login.evil.example")) == SHOP
    settings.CSRF_TRUSTED_ORIGINS = []
    assert site_name(_request("login.evil.example")) == f"@{BOT_USERNAME}"
    settings.TELEGRAM_LOGIN_BOT_TOKEN = settings.TELEGRAM_LOGIN_BOT_USERNAME = ""
    assert site_name(_request("login.evil.example")) == "this site"


def test_without_settings_the_bot_names_the_domain_the_person_signed_in_on(
    unnamed, bot_api, telegram_user, telegram_update, post_update
):
    browser = _shop_browser()
    login_request, token, _ = start_sign_in(browser)
    person = telegram_user()

    # Telegram's webhook comes to another host ("testserver" here): the prompt still names the
    # one the browser asked on.
    prompt = bot_reply(post_update(telegram_update(message=(person, f"/start {token}"))))
    assert prompt["text"].startswith(f"Sign in to {SHOP} with this Telegram account?")

    login_request.refresh_from_db()
    data = callback_data(login_request, ACTION_CODE, login_request.match_code)
    post_update(telegram_update(callback=(person, data)))
    assert f"finishes signing you in to {SHOP}" in bot_api.chat(person["id"])[0].text
    assert poll(browser, login_request, shown="claimed").has_header("HX-Redirect")


def test_a_prompt_edited_with_no_request_at_hand_names_the_site_the_browser_was_on(
    unnamed, settings, bot_api, telegram_user, telegram_update, post_update
):
    browser = _shop_browser()
    login_request, token, _ = start_sign_in(browser)
    person = telegram_user()
    post_update(telegram_update(message=(person, f"/start {token}")))
    login_request.refresh_from_db()
    data = callback_data(login_request, ACTION_CODE, login_request.match_code)
    post_update(telegram_update(callback=(person, data)))
    # Where the queue's worker writes the edit, no request is being served, and ALLOWED_HOSTS
    # now names another host first.
    settings.ALLOWED_HOSTS = ["elsewhere.example.test", SHOP]
    prompt_id = login_request.prompts.get().pk

    edit = prompts.outcome_edit(prompt_id=prompt_id)

    assert edit is not None
    assert f"finishes signing you in to {SHOP}." in edit.params["text"]


def test_the_packages_name_never_reaches_a_bot_message_on_a_site_without_settings(
    unnamed, settings, bot_api, telegram_user, telegram_update, post_update
):
    settings.ALLOWED_HOSTS = ["testserver"]
    person = telegram_user()
    # A first hello, a sign-in (the prompt, its edit into the alert), a second sign-in, the
    # sessions list, a link that is no longer valid.
    post_update(telegram_update(message=(person, "/start")))
    sign_in_with_telegram(Client(HTTP_USER_AGENT=BROWSER_UA), person, telegram_update, post_update)
    sign_in_with_telegram(Client(HTTP_USER_AGENT=BROWSER_UA), person, telegram_update, post_update)
    post_update(telegram_update(message=(person, "/sessions")))
    post_update(telegram_update(message=(person, "/start " + "x" * 43)))

    texts = [call.params["text"] for call in bot_api.calls if "text" in call.params]
    assert len(texts) >= 6
    assert [text for text in texts if PACKAGE_NAME in text] == []
    assert any("Sign in to testserver with this Telegram account?" in text for text in texts)
