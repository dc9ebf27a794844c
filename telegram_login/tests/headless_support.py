"""What the headless tests share: an app on allauth.headless's API, and the person in Telegram."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qs, urlsplit

from allauth.socialaccount.models import SocialAccount
from django.test import Client

from telegram_login.messaging.callbacks import ACTION_CODE, callback_data
from telegram_login.models import LoginRequest
from telegram_login.tests.helpers import BROWSER_UA

BROWSER = "/_allauth/browser/v1"
APP = "/_allauth/app/v1"


class HeadlessClient:
    """An app on allauth.headless's API: `browser` keeps its session in the cookie, `app` in the
    X-Session-Token that allauth hands out in `meta.session_token`."""

    def __init__(self, kind: str = "browser", **client_kwargs: Any) -> None:
        self.kind = kind
        self.base = BROWSER if kind == "browser" else APP
        self.http = Client(HTTP_USER_AGENT=BROWSER_UA, **client_kwargs)
        self.session_token = ""

    def call(self, method: str, path: str, data: Any = None) -> Any:
        headers = {"X-Session-Token": self.session_token} if self.session_token else {}
        url = f"{self.base}{path}"
        if method == "GET":
            response = self.http.get(url, headers=headers)
        else:
            response = self.http.post(
                url, data or {}, content_type="application/json", headers=headers
            )
        token = (response.json().get("meta") or {}).get("session_token")
        if token:
            self.session_token = token
        return response

    def start(self) -> tuple[dict[str, Any], str]:
        """Press "Sign in with Telegram": the start's data and the token of its deep link."""
        response = self.call("POST", "/auth/telegram/start")
        assert response.status_code == HTTPStatus.OK, response.content
        data = response.json()["data"]
        token = parse_qs(urlsplit(data["deep_link"]).query)["start"][0]
        return data, token

    def status(self, request_id: str) -> Any:
        return self.call("GET", f"/auth/telegram/{request_id}")

    def complete(self, request_id: str) -> Any:
        return self.call("POST", f"/auth/telegram/{request_id}/complete")


def press_start_and_code(
    token: str, telegram: dict[str, Any], telegram_update: Any, post_update: Any
) -> LoginRequest:
    """In Telegram: Start through the real webhook, then the code the app shows."""
    post_update(telegram_update(message=(telegram, f"/start {token}")))
    login_request = LoginRequest.objects.get(telegram_user_id=telegram["id"])
    data = callback_data(login_request, ACTION_CODE, login_request.match_code)
    post_update(telegram_update(callback=(telegram, data)))
    login_request.refresh_from_db()
    return login_request


def telegram_account_user(telegram: dict[str, Any]) -> Any:
    return SocialAccount.objects.get(provider="telegram_login", uid=str(telegram["id"])).user
