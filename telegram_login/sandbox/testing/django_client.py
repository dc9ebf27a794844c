"""Telegram played in process, beside Django's test client: the browser's side goes through the
site's own pages (the start, the poll, the typed code) and Telegram's side through the real
webhook view, with the bot's answers kept by a fake Bot API that checks each call against the
published spec. Nothing is stubbed between the two: what a test signs in is what a person
would."""

from __future__ import annotations

import re
import secrets
import time
import uuid
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qs, urlsplit

from django.contrib.auth import SESSION_KEY, get_user_model
from django.test import Client
from django.urls import reverse

from telegram_login.conf import get_settings
from telegram_login.sandbox.fake_api import FakeBotApi
from telegram_login.sandbox.testing.page_reading import (
    SignIn,
    TelegramKitError,
    attribute,
    visible_text,
    widget_link,
)
from telegram_login.sandbox.testing.people import BotMessage, TelegramUser, as_bot_message
from telegram_login.sandbox.testing.sign_up import asks_to_sign_up, confirm_address, send_sign_up

# What a browser sends; the bot names it in its prompt ("Chrome on Windows").
BROWSER_USER_AGENT = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)
# The code the bot shows for the browser to type, on a line of its own ("123 456").
_TYPED_CODE_RE = re.compile(r"^(\d{3}) ?(\d{3})$", re.MULTILINE)
# How many polls a finish makes before it gives up (each is answered at once in process).
_POLLS = 5


class Telegram:
    """Telegram and its users, for tests with Django's test client (the `telegram` fixture)."""

    def __init__(self, api: FakeBotApi) -> None:
        self.api = api
        # Telegram's servers: no cookies of their own, the bot's webhook secret on each update.
        self._telegram = Client()

    # -- Telegram's side ------------------------------------------------------------------

    def user(self, **fields: Any) -> TelegramUser:
        """A new Telegram user (a new id unless `id=` is given)."""
        return TelegramUser(**fields)

    def send(self, user: TelegramUser, text: str) -> Any:
        """`user` sends `text` to the bot (a command such as "/sessions", or anything)."""
        message = self.api.user_says(user.as_api(), text)
        return self._deliver({"update_id": self.api.next_update_id(), "message": message})

    def open_link(self, user: TelegramUser, sign_in: SignIn) -> BotMessage:
        """`user` opens the sign-in's link and presses Start; returns the bot's prompt."""
        self.send(user, f"/start {sign_in.token}")
        return self.last_message(user)

    def press(self, user: TelegramUser, text: str, *, message: BotMessage | None = None) -> str:
        """`user` presses the button `text` under `message` (else under the newest message that
        has it); returns what the bot answered to the press (its toast or alert), if anything."""
        target = message or next(
            (m for m in reversed(self.messages(user)) if text in m.button_texts), None
        )
        if target is None or text not in target.button_texts:
            raise TelegramKitError(
                f"No button {text!r} in the chat of {user.name} (id {user.id}); the bot's "
                f"buttons: {[m.button_texts for m in self.messages(user) if m.buttons]}"
            )
        raw = next(m for m in self.api.chat(user.id) if m.message_id == target.message_id)
        data = next(
            button["callback_data"]
            for row in (raw.reply_markup or {}).get("inline_keyboard", [])
            for button in row
            if button["text"] == text
        )
        query_id = secrets.token_hex(8)
        self._deliver(
            {
                "update_id": self.api.next_update_id(),
                "callback_query": {
                    "id": query_id,
                    "from": user.as_api(),
                    "message": self.api.bot_message(user.id, target.message_id),
                    "chat_instance": str(user.id),
                    "data": data,
                },
            }
        )
        return str(self.api.callback_answers.get(query_id, {}).get("text", ""))

    def confirm(self, user: TelegramUser, sign_in: SignIn) -> str:
        """`user` does what the prompt asks: picks the code the browser shows (or presses its
        one Confirm button). In the mode where Telegram shows a code for the browser to type,
        returns that code."""
        prompt = self.last_message(user)
        if sign_in.code:
            self.press(user, sign_in.code, message=prompt)
            return sign_in.code
        typed = _TYPED_CODE_RE.search(prompt.text)
        if typed:
            return typed.group(1) + typed.group(2)
        if not prompt.buttons:
            raise TelegramKitError(f"The bot's prompt has nothing to press: {prompt.text!r}")
        self.press(user, prompt.buttons[0][0], message=prompt)
        return ""

    def cancel(self, user: TelegramUser) -> str:
        """`user` presses Cancel ("✖ …") under the bot's newest prompt."""
        for message in reversed(self.messages(user)):
            cancel = next((t for t in message.button_texts if t.startswith("✖")), None)
            if cancel:
                return self.press(user, cancel, message=message)
        raise TelegramKitError(f"No Cancel button in the chat of {user.name}")

    def messages(self, user: TelegramUser) -> list[BotMessage]:
        """What the bot has said to `user`, oldest first, as the chat shows it now."""
        return [as_bot_message(m) for m in self.api.chat(user.id) if m.from_bot]

    def last_message(self, user: TelegramUser) -> BotMessage:
        said = self.messages(user)
        if not said:
            raise TelegramKitError(f"The bot has said nothing to {user.name} (id {user.id})")
        return said[-1]

    def _deliver(self, update: dict[str, Any]) -> Any:
        """Post `update` to the webhook as Telegram does; apply the method in its answer."""
        response = self._telegram.post(
            reverse("telegram_login_webhook"),
            data=update,
            content_type="application/json",
            headers={"X-Telegram-Bot-Api-Secret-Token": get_settings().webhook_secret},
        )
        if response.status_code != HTTPStatus.OK:
            raise TelegramKitError(f"The webhook answered {response.status_code} to {update}")
        if response.get("Content-Type", "").startswith("application/json"):
            reply = dict(response.json())
            status, body = self.api.handle(reply.pop("method"), reply)
            if status != HTTPStatus.OK:
                raise TelegramKitError(f"Telegram refused the webhook's answer: {body}")
        return response

    # -- the browser's side ---------------------------------------------------------------

    def start(self, client: Client, *, next_url: str = "", process: str = "login") -> SignIn:
        """Press "Sign in with Telegram" in `client` (`process="connect"` for Connect Telegram
        in settings); returns what the page shows."""
        data = {"process": process, **({"next": next_url} if next_url else {})}
        response = client.post(
            reverse("telegram_login_start"),
            data,
            headers={"HX-Request": "true", "User-Agent": BROWSER_USER_AGENT},
        )
        page = response.content.decode()
        deep_link = widget_link(page)
        token = parse_qs(urlsplit(deep_link).query).get("start", [""])[0]
        if response.status_code != HTTPStatus.OK or not token:
            raise TelegramKitError(
                f"The start answered {response.status_code} without a Telegram link: "
                f"{visible_text(page)[:500]!r}"
            )
        code = re.search(r'data-testid="match-code">\s*([^<\s]+)', page)
        poll_url = attribute("hx-get", page, after='id="telegram-login"')
        request_id = re.search(r"/([0-9a-f-]{36})/", poll_url)
        return SignIn(
            token=token,
            code=code.group(1) if code else "",
            deep_link=deep_link,
            poll_url=poll_url,
            request_id=request_id.group(1) if request_id else "",
            page=page,
        )

    def finish(self, client: Client, sign_in: SignIn, *, typed_code: str = "") -> Any:
        """The browser's widget goes on as htmx would: types the code where the bot showed one,
        polls until the sign-in ends, and follows where it leads. Returns the last page."""
        if typed_code:
            response = client.post(
                reverse("telegram_login_code", args=[sign_in.request_id]),
                {"code": typed_code},
                headers={"HX-Request": "true"},
            )
        else:
            response = self._poll(client, sign_in.poll_url)
        for _ in range(_POLLS):
            if response.has_header("HX-Redirect"):
                return client.get(response["HX-Redirect"], follow=True)
            poll_url = sign_in.poll_url
            if response.status_code != HTTPStatus.NO_CONTENT:
                poll_url = attribute(
                    "hx-get", response.content.decode(), after='id="telegram-login"'
                )
                if not poll_url:
                    return response  # a final state (denied, expired), in the widget's words
            response = self._poll(client, poll_url)
        raise TelegramKitError(
            f"The sign-in did not end after {_POLLS} polls; the widget shows: "
            f"{visible_text(response.content.decode())[:300]!r}"
        )

    def expire(self, sign_in: SignIn) -> None:
        """As if the sign-in's minutes had run out (the next poll finds it expired)."""
        from django.utils import timezone

        from telegram_login.models import LoginRequest
        from telegram_login.poll import status_mirror

        LoginRequest.objects.filter(pk=sign_in.request_id).update(expires_at=timezone.now())
        status_mirror.forget(request_ids=[uuid.UUID(sign_in.request_id)])

    @staticmethod
    def _poll(client: Client, url: str) -> Any:
        return client.get(url, headers={"HX-Request": "true"})

    # -- all of it ------------------------------------------------------------------------

    def sign_in(
        self,
        client: Client,
        user: TelegramUser | None = None,
        *,
        next_url: str = "",
        email: str = "",
        sign_up: dict[str, str] | None = None,
    ) -> Any:
        """Sign `client` in as `user` (a new Telegram user if None) through the whole flow;
        returns the site's user it signed in. Where the site asks a new Telegram user for an
        email address (allauth's social sign-up), `email` is given there (and `sign_up`'s other
        fields); where it then requires the address confirmed, the mailed link is followed and,
        if the site does not sign in on confirmation, the person signs in with Telegram again."""
        user = user or self.user()
        page = self._once(client, user, next_url=next_url)
        if not asks_to_sign_up(page):
            return self.signed_in_user(client, page)
        fields = {**({"email": email} if email else {}), **(sign_up or {})}
        if not fields:
            raise TelegramKitError(
                "The site asks a new Telegram user to sign up (allauth's social sign-up form, "
                f"{visible_text(page.content.decode())[:200]!r}): pass email='...' (and "
                "sign_up={field: value} for its other fields) to sign_in."
            )
        page = send_sign_up(client, page, fields)
        confirmed = SESSION_KEY not in client.session and email and confirm_address(client, email)
        if confirmed and SESSION_KEY not in client.session:
            # The site does not sign in on confirmation: Telegram again, now a returning user.
            page = self._once(client, user, next_url=next_url)
        return self.signed_in_user(client, page)

    def _once(self, client: Client, user: TelegramUser, *, next_url: str) -> Any:
        sign_in = self.start(client, next_url=next_url)
        self.open_link(user, sign_in)
        typed = self.confirm(user, sign_in)
        return self.finish(client, sign_in, typed_code="" if sign_in.code else typed)

    def connect(self, client: Client, user: TelegramUser | None = None) -> TelegramUser:
        """Connect Telegram (`user`, else a new one) to the account `client` is signed in to,
        as from the settings page. The site asks for a fresh proof first: sign `client` in with
        its password just before (Django's force_login is no proof)."""
        user = user or self.user()
        sign_in = self.start(client, process="connect")
        self.open_link(user, sign_in)
        typed = self.confirm(user, sign_in)
        self.finish(client, sign_in, typed_code="" if sign_in.code else typed)
        return user

    def mini_app_sign_in(
        self, client: Client, user: TelegramUser | None = None, *, next_url: str = ""
    ) -> Any:
        """`client` as the site opened as the bot's Mini App by `user` (a new one if None):
        Telegram's initData for the bot, posted as the one tap "Continue as <first name>"
        posts it; returns the last page (the site's user: `signed_in_user(client)`)."""
        user = user or self.user()
        return client.post(
            reverse("telegram_login_mini_app"),
            {"init_data": self.mini_app_init_data(user), "next": next_url},
            follow=True,
        )

    @staticmethod
    def mini_app_init_data(user: TelegramUser, *, age: int = 0) -> str:
        """initData as Telegram's client gets it for `user` from the site's bot, made `age`
        seconds ago (signed with the bot's token: the hash, not Telegram's own signature)."""
        from telegram_login.sandbox.mini_app import init_data_for

        return init_data_for(
            user.as_api(), bot_token=get_settings().bot_token, auth_date=int(time.time()) - age
        )

    @staticmethod
    def signed_in_user(client: Client, page: Any = None) -> Any:
        user_id = client.session.get(SESSION_KEY)
        if user_id is None:
            shown = visible_text(page.content.decode())[:500] if page is not None else ""
            raise TelegramKitError(f"The browser is not signed in; its page says: {shown!r}")
        return get_user_model()._default_manager.get(pk=user_id)
