"""The sandbox plays Telegram's client for the Mini App: it opens a page of the site with
initData for the Telegram user it plays, signed by its bot (the site accepts it), or, for QA,
forged and stale data (the site refuses them); a web-app button in the bot's messages opens the
same way."""

from __future__ import annotations

from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from allauth.socialaccount.models import SocialAccount
from django.test import Client

from telegram_login.conf import get_settings
from telegram_login.mini_app.init_data import InitDataRefused, Refusal, check

pytestmark = pytest.mark.django_db


def played(telegram: Client, query: str = "") -> tuple[str, str]:
    """Open the sandbox's Mini App link; (the page's path, the initData in its fragment)."""
    answer = telegram.get(f"/telegram/sandbox/mini-app/{query}")
    location = urlsplit(answer["Location"])
    fragment = parse_qs(location.fragment)
    return location.path + (f"?{location.query}" if location.query else ""), unquote(
        fragment["tgWebAppData"][0]
    )


@pytest.fixture
def telegram(sandbox) -> Client:
    phone = Client()
    phone.post("/telegram/sandbox/identity/", {"id": "5550042", "first_name": "Mira"})
    return phone


def test_the_sandbox_opens_the_deep_links_sign_in_page_with_data_the_site_accepts(telegram):
    path, data = played(telegram)
    assert path == "/accounts/telegram-login/login/"
    checked = check(data, bot_token=get_settings().bot_token, max_age=300)
    assert checked.user == {"id": 5550042, "first_name": "Mira"}

    telegram.post("/accounts/telegram-login/mini-app/", {"init_data": data})
    assert SocialAccount.objects.get(uid="5550042").user_id == int(
        telegram.session["_auth_user_id"]
    )


@pytest.mark.parametrize(
    ("kind", "refusal"), [("forged", Refusal.FORGED), ("stale", Refusal.EXPIRED)]
)
def test_the_sandbox_plays_data_the_site_must_refuse(telegram, kind, refusal):
    _, data = played(telegram, f"?data={kind}")
    with pytest.raises(InitDataRefused) as refused:
        check(data, bot_token=get_settings().bot_token, max_age=300)
    assert refused.value.refusal == refusal


def test_a_web_app_button_opens_its_path_on_this_site(telegram):
    path, _ = played(telegram, "?url=https://example.com/accounts/signup/")
    assert path == "/accounts/signup/"


def test_an_address_elsewhere_is_not_followed(telegram):
    path, _ = played(telegram, "?path=//evil.example/")
    assert path == "/accounts/telegram-login/login/"


def test_without_a_telegram_user_it_asks_who_you_are_first(sandbox):
    answer = Client().get("/telegram/sandbox/mini-app/")
    assert answer["Location"] == "/telegram/sandbox/"


def test_the_bots_web_app_button_shows_in_the_sandboxs_chat(sandbox, settings):
    settings.TELEGRAM_LOGIN_MINI_APP_URL = "https://example.com/accounts/login/"
    phone = Client()
    phone.post("/telegram/sandbox/identity/", {"id": "5550043", "first_name": "Bo"})
    phone.post("/telegram/sandbox/send/", {"text": "/start"})
    chat = phone.get("/telegram/sandbox/").content.decode()
    assert 'action="/telegram/sandbox/mini-app/"' in chat
    assert 'value="https://example.com/accounts/login/"' in chat
