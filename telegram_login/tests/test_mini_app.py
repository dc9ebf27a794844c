"""The site as the bot's Mini App: Telegram's initData signs the webview in, once, soon after
Telegram made it, for this bot only, into the same account as the other ways in; every refusal
says why on the sign-in page and signs nobody in."""

from __future__ import annotations

import base64
import html
import json
import re
import time
from datetime import timedelta
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qsl, urlencode

import pytest
from allauth.socialaccount.models import SocialAccount
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from django.test import Client
from django.utils import timezone

from telegram_login import upkeep
from telegram_login.mini_app import init_data
from telegram_login.mini_app.init_data import InitDataRefused, Refusal, check, sign
from telegram_login.models import UsedInitData
from telegram_login.tests.flows import sign_in_with_telegram
from telegram_login.tests.helpers import BOT_TOKEN, bot_messages, bot_reply

pytestmark = pytest.mark.django_db

MINI_APP_URL = "/accounts/telegram-login/mini-app/"
TELEGRAM = {"id": 5550001, "first_name": "Mira", "username": "mira", "language_code": "en"}


def made(
    user: dict[str, Any] | None = None,
    *,
    token: str = BOT_TOKEN,
    age: int = 5,
    extra: dict[str, str] | None = None,
) -> str:
    """initData as Telegram's client gets it, made `age` seconds ago for the bot of `token`."""
    fields = {
        "auth_date": str(int(time.time()) - age),
        "query_id": "AAHdF6IQAAAAAN0XohDhrOrc",
        "user": json.dumps(user or TELEGRAM, separators=(",", ":")),
        **(extra or {}),
    }
    fields["hash"] = sign(fields, token)
    return urlencode(fields)


WIDGET_PAGE = "/accounts/telegram-login/login/"


def post(browser: Client, data: str, *, next_url: str = "/accounts/email/") -> Any:
    """The one tap on the deep link's sign-in page (the widget's form)."""
    return browser.post(MINI_APP_URL, {"init_data": data, "next": next_url, "back": WIDGET_PAGE})


def refused_with(response: Any, browser: Client) -> str:
    """The refusal: back to the sign-in page, its reason in words, nobody signed in."""
    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"].startswith(WIDGET_PAGE + "?telegram_mini_app=")
    assert "_auth_user_id" not in browser.session
    page = browser.get(response["Location"]).content.decode()
    said = re.search(r'data-testid="mini-app-refused">([^<]*)<', page)
    assert said, page
    return html.unescape(said.group(1))


def test_telegrams_init_data_signs_the_webview_in_and_lands_on_next(client, bot_api):
    response = post(client, made())

    assert response.status_code == HTTPStatus.FOUND
    assert response["Location"] == "/accounts/email/"
    account = SocialAccount.objects.get(provider="telegram_login", uid=str(TELEGRAM["id"]))
    assert client.session["_auth_user_id"] == str(account.user_id)
    assert account.extra_data["username"] == "mira"


def test_the_same_telegram_id_reaches_the_same_account_as_the_deep_link(
    browser_client, bot_api, telegram_update, post_update
):
    by_deep_link = sign_in_with_telegram(
        Client(), {**TELEGRAM, "is_bot": False}, telegram_update, post_update
    )

    post(browser_client, made())

    assert browser_client.session["_auth_user_id"] == str(by_deep_link.pk)
    assert SocialAccount.objects.filter(uid=str(TELEGRAM["id"])).count() == 1


def test_the_sign_in_alert_names_the_telegram_mini_app(
    browser_client, bot_api, telegram_update, post_update
):
    sign_in_with_telegram(Client(), {**TELEGRAM, "is_bot": False}, telegram_update, post_update)

    post(browser_client, made())

    alert = bot_messages(bot_api, TELEGRAM)[-1].text
    assert "Signed in with: Telegram Mini App" in alert, alert


def test_data_signed_with_another_bots_token_is_refused(client, bot_api):
    said = refused_with(post(client, made(token="999:another-bots-token")), client)
    assert "did not come from Telegram for this site's bot" in said
    assert not SocialAccount.objects.exists()


def test_a_changed_user_breaks_the_hash_and_is_refused(client, bot_api):
    fields = dict(parse_qsl(made()))
    fields["user"] = json.dumps({**TELEGRAM, "id": 1}, separators=(",", ":"))
    said = refused_with(post(client, urlencode(fields)), client)
    assert "did not come from Telegram" in said


@pytest.mark.parametrize("age", [301, 3600, -120], ids=["just-too-old", "an-hour", "future"])
def test_data_older_than_five_minutes_or_from_the_future_is_refused(client, bot_api, age):
    said = refused_with(post(client, made(age=age)), client)
    assert "too old" in said


def test_the_window_is_a_setting(client, bot_api, settings):
    settings.TELEGRAM_LOGIN_MINI_APP_MAX_AGE = 3700
    assert post(client, made(age=3600))["Location"] == "/accounts/email/"


def test_each_init_data_signs_in_once(client, bot_api):
    data = made()
    assert post(client, data)["Location"] == "/accounts/email/"
    other = Client()
    said = refused_with(post(other, data), other)
    assert "already used" in said


@pytest.mark.parametrize(
    "data",
    [
        "",
        "not a query string",
        "user=%7B%7D&auth_date=1",
        made().replace("hash=", "hash=0"),
        made() + "&auth_date=1",
        "x" * 5000,
    ],
    ids=["empty", "garbage", "no-hash", "bad-hash", "a-field-twice", "too-long"],
)
def test_malformed_or_tampered_data_is_refused_in_words(client, bot_api, data):
    said = refused_with(post(client, data), client)
    assert "Sign in below instead" in said


@pytest.mark.parametrize(
    "user",
    [
        {"id": 5, "first_name": "Bot", "is_bot": True},
        {"id": "5", "first_name": "Text id"},
        {"id": 5},
        {"id": -5, "first_name": "Negative"},
    ],
    ids=["a-bot", "id-as-text", "no-name", "negative-id"],
)
def test_data_whose_user_is_not_a_person_is_refused(client, bot_api, user):
    said = refused_with(post(client, made(user)), client)
    assert "incomplete" in said


def test_a_signature_that_does_not_verify_is_refused_as_another_bots(client, bot_api):
    data = made(extra={"signature": "bm90LWEtc2lnbmF0dXJl"})
    said = refused_with(post(client, data), client)
    assert "made for another bot" in said


def test_a_signature_under_telegrams_key_for_this_bot_is_checked_and_accepted(monkeypatch):
    key = Ed25519PrivateKey.generate()
    public = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw).hex()
    monkeypatch.setattr(init_data, "TELEGRAM_PUBLIC_KEYS", (public,))
    fields = {"auth_date": str(int(time.time())), "user": json.dumps(TELEGRAM)}
    bot_id = BOT_TOKEN.split(":")[0]
    message = f"{bot_id}:WebAppData\n" + init_data.data_check_string(fields, leave_out=())
    fields["signature"] = base64.urlsafe_b64encode(key.sign(message.encode())).decode().rstrip("=")
    fields["hash"] = sign(fields, BOT_TOKEN)

    checked = check(urlencode(fields), bot_token=BOT_TOKEN, max_age=300)
    assert checked.signed
    assert checked.user["id"] == TELEGRAM["id"]
    # The same data for another bot id does not verify.
    with pytest.raises(InitDataRefused) as refused:
        check(urlencode(fields), bot_token="777:" + BOT_TOKEN.split(":")[1], max_age=300)
    assert refused.value.refusal in (Refusal.FORGED, Refusal.WRONG_BOT)


def test_without_a_bot_the_mini_app_sign_in_says_it_is_not_set_up(client, settings):
    settings.TELEGRAM_LOGIN_BOT_TOKEN = ""
    said = refused_with(post(client, made()), client)
    assert "not set up" in said


def test_the_post_needs_the_pages_csrf_token(bot_api):
    browser = Client(enforce_csrf_checks=True)
    assert post(browser, made()).status_code == HTTPStatus.FORBIDDEN
    assert not SocialAccount.objects.exists()


def test_a_get_is_not_a_sign_in(client, bot_api):
    assert client.get(MINI_APP_URL).status_code == HTTPStatus.METHOD_NOT_ALLOWED


def test_an_unsafe_next_is_dropped(client, bot_api):
    response = post(client, made(), next_url="https://evil.example/")
    assert response.status_code == HTTPStatus.FOUND
    assert "evil.example" not in response["Location"]


def test_used_data_is_forgotten_once_it_could_no_longer_pass(client, bot_api):
    post(client, made())
    UsedInitData.objects.update(used_at=timezone.now() - timedelta(days=1))
    upkeep.prune_old_records(batch=100)
    assert not UsedInitData.objects.exists()


def test_the_widget_offers_the_mini_app_only_for_a_sign_in(client, bot_api):
    page = client.get("/accounts/telegram-login/login/").content.decode()
    assert "data-telegram-mini-app" in page
    assert MINI_APP_URL in page
    assert 'data-continue-text="Continue as {name}"' in page


def test_with_a_mini_app_url_the_bots_welcome_opens_the_site_in_telegram(
    bot_api, settings, telegram_user, telegram_update, post_update
):
    settings.TELEGRAM_LOGIN_MINI_APP_URL = "https://example.com/accounts/login/"
    person = telegram_user()
    reply = bot_reply(post_update(telegram_update(message=(person, "/start"))))
    [[button]] = reply["reply_markup"]["inline_keyboard"]
    assert button["web_app"] == {"url": "https://example.com/accounts/login/"}
    assert button["text"].startswith("Open ")
    assert button["text"].endswith(" in Telegram")


def test_without_a_mini_app_url_the_welcome_has_no_button(
    bot_api, telegram_user, telegram_update, post_update
):
    reply = bot_reply(post_update(telegram_update(message=(telegram_user(), "/start"))))
    assert "reply_markup" not in reply


def test_an_unknown_refusal_in_the_address_says_nothing(client, bot_api):
    page = client.get(WIDGET_PAGE + "?telegram_mini_app=<b>hi</b>").content.decode()
    assert 'data-testid="mini-app-refused"' not in page
    assert "<b>hi</b>" not in page


def test_the_widget_keeps_the_pages_next_without_being_told(client, bot_api):
    page = client.get("/accounts/telegram-login/login/?next=/accounts/email/").content.decode()
    assert 'name="next" value="/accounts/email/"' in page
    elsewhere = client.get("/accounts/telegram-login/login/?next=https://evil.example/")
    assert "evil.example" not in elsewhere.content.decode()


def test_a_refusal_goes_back_to_the_page_of_the_tap_and_never_elsewhere(client, bot_api):
    data = made(token="999:another-bots-token")
    back = client.post(MINI_APP_URL, {"init_data": data, "back": "https://evil.example/"})
    assert back["Location"].startswith(WIDGET_PAGE + "?")
    back = client.post(MINI_APP_URL, {"init_data": data, "back": "/accounts/signup/"})
    assert back["Location"].startswith("/accounts/signup/?telegram_mini_app=forged")
