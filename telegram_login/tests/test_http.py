"""The flow over real HTTP: a live server, a browser with cookies, Telegram posting updates."""

from __future__ import annotations

import re
from http import HTTPStatus

import pytest
import requests

from telegram_login.messaging.callbacks import ACTION_CODE, callback_data
from telegram_login.models import LoginRequest
from telegram_login.tests.helpers import BROWSER_UA, DEEP_LINK_RE, WEBHOOK_SECRET

pytestmark = pytest.mark.django_db(transaction=True)


class Browser:
    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.http = requests.Session()
        self.http.headers["User-Agent"] = BROWSER_UA

    def get(self, path: str, **kwargs):
        return self.http.get(self.base_url + path, allow_redirects=False, timeout=10, **kwargs)

    def post(self, path: str, data: dict, **kwargs):
        self.get("/accounts/login/")
        headers = {"X-CSRFToken": self.http.cookies["csrftoken"], "Referer": self.base_url + "/"}
        headers.update(kwargs.pop("headers", {}))
        return self.http.post(
            self.base_url + path, data=data, headers=headers, allow_redirects=False, timeout=10
        )


def _telegram_posts(live_server, bot_api, update: dict) -> requests.Response:
    response = requests.post(
        f"{live_server.url}/telegram/webhook/",
        json=update,
        headers={"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET},
        timeout=10,
    )
    assert response.status_code == HTTPStatus.OK
    if response.headers.get("Content-Type") == "application/json":
        reply = response.json()
        status, answer = bot_api.handle(reply.pop("method"), reply)
        assert status == HTTPStatus.OK, answer
    return response


def test_sign_in_over_real_http_and_a_second_browser_gets_nothing(
    live_server, bot_api, telegram_user, telegram_update
):
    browser = Browser(live_server.url)
    started = browser.post(
        "/accounts/telegram-login/login/",
        {"process": "login", "next": "/accounts/email/"},
        headers={"HX-Request": "true"},
    )
    assert started.status_code == HTTPStatus.OK
    token = DEEP_LINK_RE.search(started.text).group(1)
    poll_path = re.search(r'hx-get="([^"]+)"', started.text).group(1).replace("&amp;", "&")
    assert 'hx-trigger="every 2s' in started.text

    dave = telegram_user(first_name="Dave")
    bot_api.users[dave["id"]] = dave
    _telegram_posts(live_server, bot_api, telegram_update(message=(dave, f"/start {token}")))
    claimed = browser.get(poll_path, headers={"HX-Request": "true"})
    assert 'data-state="claimed"' in claimed.text

    login_request = LoginRequest.objects.get()
    message_id = bot_api.chat(dave["id"])[-1].message_id
    press = telegram_update(
        callback=(dave, callback_data(login_request, ACTION_CODE, login_request.match_code)),
        message_id=message_id,
    )
    _telegram_posts(live_server, bot_api, press)

    other_browser = Browser(live_server.url)
    stolen = other_browser.get(poll_path, headers={"HX-Request": "true"})
    assert stolen.status_code == 286
    assert other_browser.get("/accounts/email/").status_code == HTTPStatus.FOUND

    done = browser.get(poll_path, headers={"HX-Request": "true"})
    assert done.headers["HX-Redirect"] == "/accounts/email/"
    assert browser.get("/accounts/email/").status_code == HTTPStatus.OK
    assert other_browser.get("/accounts/email/").status_code == HTTPStatus.FOUND
    edits = [c for c in bot_api.calls if c.method == "editMessageText"]
    # "Done" on the press, then "Signed in" with the session's buttons once the browser is in.
    assert [e.problems for e in edits] == [[], []]
    assert bot_api.chat(dave["id"])[-1].text.startswith("✔ Signed in to")
