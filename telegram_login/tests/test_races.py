"""Races over real HTTP and real connections: threads hit a live server at the same moment.

They run on SQLite by default and on PostgreSQL with `make test-pg`; either way exactly one
contender may win each transition.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from http import HTTPStatus
from typing import Any

import pytest
import requests
from allauth.socialaccount.models import SocialAccount
from django.utils import timezone

from telegram_login.messaging.callbacks import ACTION_CODE, callback_data
from telegram_login.models import LoginRequest
from telegram_login.tests.helpers import BROWSER_UA, DEEP_LINK_RE, WEBHOOK_SECRET

pytestmark = pytest.mark.django_db(transaction=True)


def _all_at_once(count: int, action: Callable[[int], Any]) -> list[Any]:
    """Run `action(i)` in `count` threads released together by a barrier."""
    barrier = threading.Barrier(count)

    def run(i: int) -> Any:
        barrier.wait()
        return action(i)

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(run, range(count)))


class LiveBrowser:
    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.http = requests.Session()
        self.http.headers["User-Agent"] = BROWSER_UA

    def start(self) -> tuple[LoginRequest, str, str]:
        self.http.get(self.base_url + "/accounts/login/", timeout=10)
        page = self.http.post(
            self.base_url + "/accounts/telegram-login/login/",
            data={"process": "login"},
            headers={
                "HX-Request": "true",
                "X-CSRFToken": self.http.cookies["csrftoken"],
                "Referer": self.base_url + "/",
            },
            timeout=10,
        )
        assert page.status_code == HTTPStatus.OK
        token = DEEP_LINK_RE.search(page.text).group(1)
        poll_path = re.search(r'hx-get="([^"]+)"', page.text).group(1).replace("&amp;", "&")
        return LoginRequest.objects.get(), token, poll_path

    def poll(self, poll_path: str, shown: str = "claimed") -> requests.Response:
        # Each thread uses its own connection but the same cookies: one browser, many polls.
        return requests.get(
            self.base_url + poll_path.replace("shown=pending", f"shown={shown}"),
            headers={"HX-Request": "true", "User-Agent": BROWSER_UA},
            cookies=self.http.cookies.get_dict(),
            allow_redirects=False,
            timeout=30,
        )


def _send(live_server, update: dict) -> requests.Response:
    return requests.post(
        f"{live_server.url}/telegram/webhook/",
        json=update,
        headers={"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET},
        timeout=30,
    )


def _wait_for(found: Any, seconds: float = 5) -> None:
    """Calls sent after the webhook answered arrive a moment later."""
    deadline = time.monotonic() + seconds
    while not found() and time.monotonic() < deadline:
        time.sleep(0.05)


def _approve(live_server, bot_api, telegram_update, user, token, login_request) -> None:
    bot_api.users[user["id"]] = user
    assert _send(live_server, telegram_update(message=(user, f"/start {token}"))).ok
    login_request.refresh_from_db()
    press = telegram_update(
        callback=(user, callback_data(login_request, ACTION_CODE, login_request.match_code)),
        message_id=1,
    )
    assert _send(live_server, press).ok
    login_request.refresh_from_db()
    assert login_request.status == LoginRequest.Status.APPROVED


def test_twenty_concurrent_polls_of_an_approved_request_complete_it_once(
    live_server, bot_api, telegram_user, telegram_update
):
    browser = LiveBrowser(live_server.url)
    login_request, token, poll_path = browser.start()
    user = telegram_user()
    _approve(live_server, bot_api, telegram_update, user, token, login_request)

    responses = _all_at_once(20, lambda _: browser.poll(poll_path))

    assert all(r.status_code < HTTPStatus.INTERNAL_SERVER_ERROR for r in responses)
    redirects = [r for r in responses if "HX-Redirect" in r.headers]
    assert len(redirects) == 1
    assert SocialAccount.objects.filter(uid=str(user["id"])).count() == 1
    login_request.refresh_from_db()
    assert login_request.status == LoginRequest.Status.COMPLETED


def test_the_same_update_delivered_ten_times_at_once_is_acted_on_once(
    live_server, bot_api, telegram_user, telegram_update
):
    browser = LiveBrowser(live_server.url)
    login_request, token, _ = browser.start()
    user = telegram_user()
    update = telegram_update(message=(user, f"/start {token}"))

    responses = _all_at_once(10, lambda _: _send(live_server, update))

    assert [r.status_code for r in responses] == [HTTPStatus.OK] * 10
    # One prompt went out (through the Bot API, after the answer); the nine repeats did nothing.
    _wait_for(lambda: [c for c in bot_api.calls if c.method == "sendMessage"])
    time.sleep(0.5)
    prompts = [c for c in bot_api.calls if c.method == "sendMessage"]
    assert len(prompts) == 1
    assert prompts[0].params["chat_id"] == user["id"]
    login_request.refresh_from_db()
    assert login_request.telegram_user_id == user["id"]


def test_two_telegram_users_sending_the_same_token_at_once_one_claims(
    live_server, bot_api, telegram_user, telegram_update
):
    browser = LiveBrowser(live_server.url)
    login_request, token, _ = browser.start()
    users = [telegram_user(), telegram_user()]
    updates = [telegram_update(message=(u, f"/start {token}")) for u in users]

    responses = _all_at_once(2, lambda i: _send(live_server, updates[i]))

    replies = [
        r.json()["text"] for r in responses if r.headers.get("Content-Type") == "application/json"
    ]
    assert sum("already been used" in t for t in replies) == 1
    _wait_for(lambda: [c for c in bot_api.calls if "Sign in to" in c.params.get("text", "")])
    prompts = [c for c in bot_api.calls if "Sign in to" in c.params.get("text", "")]
    assert len(prompts) == 1
    login_request.refresh_from_db()
    assert login_request.status == LoginRequest.Status.CLAIMED
    assert login_request.telegram_user_id in {u["id"] for u in users}


@pytest.mark.parametrize("attempt", range(5))
def test_confirm_and_expiry_at_the_same_moment_have_one_outcome(
    live_server, bot_api, telegram_user, telegram_update, attempt
):
    browser = LiveBrowser(live_server.url)
    login_request, token, poll_path = browser.start()
    user = telegram_user()
    bot_api.users[user["id"]] = user
    _send(live_server, telegram_update(message=(user, f"/start {token}")))
    login_request.refresh_from_db()
    # Expire right about when the contenders arrive; which one wins varies by attempt.
    LoginRequest.objects.filter(pk=login_request.pk).update(
        expires_at=timezone.now() + timedelta(milliseconds=40 * attempt)
    )
    press = telegram_update(
        callback=(user, callback_data(login_request, ACTION_CODE, login_request.match_code)),
        message_id=1,
    )

    def contender(i: int) -> requests.Response:
        return _send(live_server, press) if i == 0 else browser.poll(poll_path)

    answer, polled = _all_at_once(2, contender)
    login_request.refresh_from_db()
    final = browser.poll(poll_path)

    assert polled.status_code < HTTPStatus.INTERNAL_SERVER_ERROR
    confirmed = answer.json()["text"].startswith("Confirmed")
    if confirmed:
        assert login_request.status in {LoginRequest.Status.APPROVED, LoginRequest.Status.COMPLETED}
        assert "HX-Redirect" in final.headers or "HX-Redirect" in polled.headers
    else:
        assert login_request.status == LoginRequest.Status.EXPIRED
        assert "expired" in answer.json()["text"]
        assert final.status_code == 286
        assert SocialAccount.objects.count() == 0
