"""The site's pages as the person at the browser meets them, and the sandbox's helpers that
arrange what the pages cannot."""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests
from playwright.sync_api import Locator, Page, Request, expect

from telegram_login.sandbox.testing.browser import SignInWidget

from .telegram import TelegramApp, TelegramUser

# The password every account the suite makes by email has.
PASSWORD = "a-long-Passw0rd-nobody-guesses"
SCREENSHOTS = Path(__file__).parent.with_name("screenshots")
LOGIN_PATH = "/accounts/login/"
POLL_PATH_RE = re.compile(r"^/telegram/poll/[0-9a-f-]{36}/")
CONNECTIONS_PATH = "/accounts/3rdparty/"
IPHONE_UA = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1"
)
PHONE = {"width": 390, "height": 844}
# The two sizes people meet the widget at (the phone: a touch screen with a mobile browser).
DEVICES: dict[str, dict[str, Any]] = {
    "desktop": {"viewport": {"width": 1280, "height": 800}},
    "phone": {
        "viewport": PHONE,
        "is_mobile": True,
        "has_touch": True,
        "device_scale_factor": 2,
        "user_agent": IPHONE_UA,
    },
}
LOCALES = {"en": "en-US", "ru": "ru-RU"}
# The widget polls every 2 s; a state change is visible within one poll plus the request.
STATE_TIMEOUT_MS = 10_000
# Sites that outlive a run (--base-url) keep their accounts: addresses differ from run to run.
RUN = secrets.token_hex(3)


def unique_email(name: str) -> str:
    return f"{name}-{RUN}@example.test"


class SignInPage(SignInWidget):
    """The browser tab that signs in: the login page and its Telegram widget (the test kit's
    widget, with what this suite also reads of it)."""

    def __init__(self, page: Page, server_url: str) -> None:
        super().__init__(page)
        self.server_url = server_url

    def open(self, next_url: str = "/") -> SignInPage:
        self.page.goto(f"{self.server_url}{LOGIN_PATH}?next={next_url}")
        return self

    @property
    def start_command(self) -> str:
        return self.page.get_by_test_id("start-command").input_value()

    @property
    def poll_url(self) -> str:
        url = self.widget.get_attribute("hx-get")
        assert url, "the widget does not poll"
        assert POLL_PATH_RE.match(url), url
        return url

    def start_again(self, *, previous_link: str) -> SignInPage:
        """From a final state: the widget's button starts a new request with a new link."""
        expect(self.page.get_by_test_id("telegram-start")).to_contain_text("Start again")
        self.start()
        assert self.deep_link != previous_link
        return self

    def hide(self) -> None:
        """Emulate a hidden tab (the person switched to the Telegram app)."""
        self._set_visibility("hidden")

    def show(self) -> None:
        self._set_visibility("visible")

    def _set_visibility(self, state: str) -> None:
        self.page.evaluate(
            """(state) => {
                Object.defineProperty(document, "visibilityState",
                    {configurable: true, get: () => state});
                Object.defineProperty(document, "hidden",
                    {configurable: true, get: () => state === "hidden"});
                document.dispatchEvent(new Event("visibilitychange"));
            }""",
            state,
        )


def watch_polls(sign_in_page: SignInPage) -> tuple[list[str], Callable[[Request], bool]]:
    """(every poll the page sends from now on, a predicate that tells a poll request)."""
    base = sign_in_page.server_url
    polls: list[str] = []

    def is_poll(request: Request) -> bool:
        return request.url.startswith(base) and bool(POLL_PATH_RE.match(request.url[len(base) :]))

    sign_in_page.page.on("request", lambda request: is_poll(request) and polls.append(request.url))
    return polls, is_poll


def count_for(sign_in_page: SignInPage, *, seconds: float) -> None:
    """A counting window. Not time.sleep: the sync API delivers the page's events to Python
    only while a Playwright call is waiting, so requests made during a sleep go uncounted."""
    sign_in_page.page.wait_for_timeout(seconds * 1000)


class SandboxQA:
    """The sandbox's test-only helpers (telegram_login/sandbox/qa.py): arrange what the pages
    cannot quickly, on any running site with the sandbox on."""

    def __init__(self, server_url: str) -> None:
        self.server_url = server_url

    def _post(self, path: str, **data: str) -> requests.Response:
        response = requests.post(
            f"{self.server_url}/telegram/sandbox/qa/{path}/", data=data, timeout=10
        )
        assert response.status_code < 400, (path, response.status_code, response.text[:300])
        return response

    def reset(self) -> None:
        """Fresh rate-limit counters; no sign-in left waiting."""
        self._post("reset")

    def expire(self, deep_link: str) -> None:
        """As if the request behind this link had run out of time."""
        self._post("expire", token=parse_qs(urlsplit(deep_link).query)["start"][0])

    def age_sign_in(self, page: Page) -> None:
        """As if this browser had signed in (and given its last fresh proof) an hour ago: the
        next sensitive change asks for a proof again."""
        from django.conf import settings

        key = next(
            cookie["value"]
            for cookie in page.context.cookies(self.server_url)
            if cookie["name"] == settings.SESSION_COOKIE_NAME
        )
        self._post("age-sign-in", session=key)

    def email_account(self, email: str, *, first_name: str = "", last_name: str = "") -> None:
        """An account with this confirmed address and the suite's password."""
        self._post(
            "email-account",
            email=email,
            password=PASSWORD,
            first_name=first_name,
            last_name=last_name,
        )


def sign_in_with_email(page: Page, server_url: str, email: str) -> None:
    page.goto(f"{server_url}{LOGIN_PATH}")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page).to_have_url(f"{server_url}/")


def confirm_password(page: Page) -> None:
    """The fresh-proof page ("Confirm it's you"), answered with the password."""
    expect(page.get_by_role("heading", name="Confirm it's you")).to_be_visible()
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Confirm").click()


def connect_telegram(
    page: Page,
    server_url: str,
    telegram_app: TelegramApp,
    user: TelegramUser,
    *,
    prompt_says: tuple[str, ...] = (),
    asks_for_the_password: bool | None = None,
) -> TelegramApp:
    """Press "Connect Telegram" in settings (the password first, if asked: then the connect goes
    on by itself) and confirm it in the sandbox as `user`. `asks_for_the_password`: whether the
    proof page must come (True) or must not (False); either, if None."""
    page.goto(f"{server_url}{CONNECTIONS_PATH}")
    widget = SignInPage(page, server_url)
    expect(page.get_by_test_id("telegram-start")).to_contain_text("Connect Telegram")
    page.get_by_test_id("telegram-start").click()
    asked = page.get_by_role("heading", name="Confirm it's you")
    expect(page.locator("#telegram-login[data-state=pending]").or_(asked)).to_be_visible()
    if asks_for_the_password is not None:
        assert bool(asked.count()) == asks_for_the_password, page.url
    if asked.count():
        # Asked before anything happens in Telegram: no widget, no link yet.
        expect(page.locator("#telegram-login[data-state=pending]")).to_have_count(0)
        confirm_password(page)
        expect(page).to_have_url(f"{server_url}{CONNECTIONS_PATH}")
    widget.expect_state("pending")
    expect(widget.widget).to_contain_text("Connect your Telegram account")
    code = widget.match_code
    telegram_app.open(widget.deep_link)
    if telegram_app.page.get_by_test_id("sandbox-identity").count():
        telegram_app.be(user)
    telegram_app.press_start()
    for text in prompt_says:
        telegram_app.expect_bot_says(text)
    widget.expect_state("claimed")
    telegram_app.press_code(code)
    return telegram_app


def in_view(page: Page, locator: Locator) -> bool:
    """Wholly inside the visible part of the page, without scrolling."""
    box = locator.bounding_box()
    size = page.viewport_size
    return bool(box and size) and box["y"] >= 0 and box["y"] + box["height"] <= size["height"]


def screenshot(page: Page, name: str) -> None:
    """A named picture of one state, for people reading the suite's output. On a phone, the
    screen as the person sees it (a full-page capture re-renders without the touch screen)."""
    SCREENSHOTS.mkdir(exist_ok=True)
    size = page.viewport_size
    phone = bool(size) and size["width"] < 600
    page.screenshot(path=SCREENSHOTS / f"{name}.png", full_page=not phone)
