"""The browser suite's fixtures: Chromium, the live server with the Telegram sandbox on, and
helpers that play the person at the browser and the same person in Telegram."""

from __future__ import annotations

import itertools
import os
import random
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache
from playwright.sync_api import BrowserContext, Locator, Page, expect

from telegram_login.conf import get_settings
from telegram_login.sandbox import fake_api

# Playwright's sync API runs an event loop in the test's thread; the tests read the database
# from that thread, which Django refuses inside a running loop unless told it is safe.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
# Serve on the IPv4 loopback only ("localhost" may bind to ::1 too).
os.environ.setdefault("DJANGO_LIVE_TEST_SERVER_ADDRESS", "127.0.0.1")

SYSTEM_CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = Path(__file__).with_name("screenshots")
LOGIN_PATH = "/accounts/login/"
POLL_PATH_RE = re.compile(r"^/accounts/telegram/login/[0-9a-f-]{36}/")
CANCEL_BUTTON = "✖ Cancel, this was not me"
CANCEL_BUTTONS = {"en": CANCEL_BUTTON, "ru": "✖ Отмена, это не я"}
IPHONE_UA = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1"
)
# The two sizes people meet the widget at (the phone: a touch screen with a mobile browser).
DEVICES: dict[str, dict[str, Any]] = {
    "desktop": {"viewport": {"width": 1280, "height": 800}},
    "phone": {
        "viewport": {"width": 390, "height": 844},
        "is_mobile": True,
        "has_touch": True,
        "device_scale_factor": 2,
        "user_agent": IPHONE_UA,
    },
}
LOCALES = {"en": "en-US", "ru": "ru-RU"}
# The widget polls every 2 s; a state change is visible within one poll plus the request.
STATE_TIMEOUT_MS = 10_000

expect.set_options(timeout=STATE_TIMEOUT_MS)


def pytest_configure(config: pytest.Config) -> None:
    """Failed tests leave a screenshot of every open page in test-results/playwright/."""
    if config.getoption("--screenshot", default=None) == "off":
        config.option.screenshot = "only-on-failure"
    if config.getoption("--output", default=None) == "test-results":
        config.option.output = "test-results/playwright"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    """Debian's Chromium when it is installed (no download needed), else Playwright's own."""
    args = {
        **browser_type_launch_args,
        "args": [
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            # The suite may run as root (containers, CI), where Chromium's sandbox cannot start.
            "--no-sandbox",
        ],
    }
    if SYSTEM_CHROMIUM.exists():
        args["executable_path"] = str(SYSTEM_CHROMIUM)
    return args


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    """English pages whatever the machine's locale: the tests read the site's texts."""
    return {**browser_context_args, "locale": "en-US"}


@pytest.fixture(scope="session")
def django_db_modify_db_settings(
    django_db_modify_db_settings_parallel_suffix: None,
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """A test database in a file, not in memory.

    With an in-memory SQLite database pytest-django hands the live server one shared
    connection, which every server thread (the browser's polls, the sandbox's pages, the
    webhook the sandbox posts to) and the test itself would use at once, interleaving their
    transactions. A file gives each thread its own connection; SQLite's lock and the busy
    timeout in settings serialise the writes, as under `runserver`.
    """
    from django.conf import settings

    for alias, db in settings.DATABASES.items():
        if db["ENGINE"] == "django.db.backends.sqlite3":
            name = tmp_path_factory.mktemp("e2e-db") / f"test_{alias}.sqlite3"
            db.setdefault("TEST", {})["NAME"] = str(name)


@pytest.fixture(autouse=True)
def _bot_settings(settings: Any) -> Iterator[None]:
    """Overrides the unit tests' real-bot settings: the site runs its built-in Telegram sandbox."""
    settings.DEBUG = True
    settings.TELEGRAM_SANDBOX = True
    settings.TELEGRAM_BOT_TOKEN = ""
    settings.TELEGRAM_BOT_USERNAME = ""
    settings.TELEGRAM_WEBHOOK_SECRET = ""
    settings.TELEGRAM_LOGIN_SEND_INLINE = False
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    # A fresh fake Bot API (chats, users) and fresh rate-limit counters for every test.
    fake_api._api = None
    get_settings.cache_clear()
    cache.clear()
    yield
    fake_api._api = None


_telegram_ids = itertools.count(random.randrange(10**9, 5 * 10**9, 1000))


@dataclass
class TelegramUser:
    """Who the sandbox plays; `id` is unique in the test run."""

    first_name: str = "Alice"
    last_name: str = ""
    username: str = ""
    language_code: str = "en"
    id: int = field(default_factory=lambda: next(_telegram_ids))


@pytest.fixture
def telegram_user() -> Callable[..., TelegramUser]:
    return TelegramUser


class SignInPage:
    """The browser tab that signs in: the login page and its Telegram widget."""

    def __init__(self, page: Page, server_url: str) -> None:
        self.page = page
        self.server_url = server_url
        self.widget = page.locator("#telegram-login")

    def open(self, next_url: str = "/") -> SignInPage:
        self.page.goto(f"{self.server_url}{LOGIN_PATH}?next={next_url}")
        return self

    def start(self) -> SignInPage:
        """Press "Sign in with Telegram" (or "Start again") and wait for the pending widget."""
        self.page.get_by_test_id("telegram-start").click()
        self.expect_state("pending")
        return self

    def expect_state(self, state: str, timeout: int = STATE_TIMEOUT_MS) -> None:
        expect(self.widget).to_have_attribute("data-state", state, timeout=timeout)

    @property
    def deep_link(self) -> str:
        href = self.page.get_by_test_id("deep-link").get_attribute("href")
        assert href, "the widget has no deep link"
        return href

    @property
    def match_code(self) -> str:
        return self.page.get_by_test_id("match-code").inner_text().strip()

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


class TelegramApp:
    """A page of the Telegram sandbox, played as one Telegram user."""

    def __init__(self, page: Page, server_url: str, *, language: str = "en") -> None:
        self.page = page
        self.server_url = server_url
        self.cancel_button = CANCEL_BUTTONS[language]

    def open(self, deep_link: str = "/telegram/sandbox/") -> TelegramApp:
        url = deep_link if deep_link.startswith("http") else f"{self.server_url}{deep_link}"
        self.page.goto(url)
        return self

    def be(self, user: TelegramUser) -> TelegramApp:
        form = self.page.get_by_test_id("sandbox-identity")
        form.locator("[name=id]").fill(str(user.id))
        form.locator("[name=first_name]").fill(user.first_name)
        form.locator("[name=last_name]").fill(user.last_name)
        form.locator("[name=username]").fill(user.username)
        form.locator("[name=language_code]").select_option(user.language_code)
        form.get_by_test_id("sandbox-use").click()
        expect(self.page.get_by_test_id("sandbox-user")).to_contain_text(f"id {user.id}")
        return self

    def press_start(self) -> TelegramApp:
        self.page.get_by_test_id("sandbox-start").click()
        return self.expect_codes()

    def send(self, text: str) -> TelegramApp:
        self.page.get_by_test_id("sandbox-text").fill(text)
        self.page.get_by_test_id("sandbox-send").click()
        return self

    def expect_codes(self) -> TelegramApp:
        """The bot asks which code the browser shows: three codes and Cancel."""
        expect(self.buttons()).to_have_count(4)
        expect(self.buttons().last).to_have_text(self.cancel_button)
        return self

    def buttons(self) -> Locator:
        """The inline buttons under the bot's newest message (older ones were edited away)."""
        return self.page.get_by_test_id("bot-message").last.get_by_test_id("bot-button")

    def codes(self) -> list[str]:
        return [text.strip() for text in self.buttons().all_inner_texts()[:-1]]

    def press(self, text: str) -> None:
        self.buttons().filter(has_text=re.compile(rf"^\s*{re.escape(text)}\s*$")).click()

    def press_code(self, code: str) -> None:
        assert code in self.codes(), (code, self.codes())
        self.press(code)

    def press_wrong_code(self, code: str) -> str:
        wrong = next(c for c in self.codes() if c != code)
        self.press(wrong)
        return wrong

    def cancel(self) -> None:
        self.press(self.cancel_button)

    def expect_bot_says(self, text: str | re.Pattern[str]) -> None:
        expect(self.page.get_by_test_id("bot-message").last).to_contain_text(text)


@pytest.fixture
def server_url(live_server: Any) -> str:
    return str(live_server.url)


@pytest.fixture
def sign_in_page(page: Page, server_url: str) -> SignInPage:
    """The browser that signs in (pytest-playwright's `page`)."""
    return SignInPage(page, server_url)


@pytest.fixture
def telegram_app(new_context: Callable[..., BrowserContext], server_url: str) -> TelegramApp:
    """The Telegram app, on the person's phone: a browser context of its own."""
    return TelegramApp(new_context().new_page(), server_url)


@pytest.fixture
def open_telegram(
    new_context: Callable[..., BrowserContext], server_url: str
) -> Callable[..., TelegramApp]:
    """Another Telegram app (another phone, another person): `open_telegram(deep_link)`."""

    def open_(deep_link: str = "/telegram/sandbox/") -> TelegramApp:
        return TelegramApp(new_context().new_page(), server_url).open(deep_link)

    return open_


@pytest.fixture
def sign_in(
    sign_in_page: SignInPage, telegram_app: TelegramApp, server_url: str
) -> Callable[..., None]:
    """The whole happy path: start on the login page, confirm in Telegram, land on `next`."""

    def sign_in_(user: TelegramUser, *, next_url: str = "/") -> None:
        sign_in_page.open(next_url).start()
        code = sign_in_page.match_code
        telegram_app.open(sign_in_page.deep_link)
        if telegram_app.page.get_by_test_id("sandbox-identity").count():
            telegram_app.be(user)
        telegram_app.press_start()
        sign_in_page.expect_state("claimed")
        telegram_app.press_code(code)
        expect(sign_in_page.page).to_have_url(f"{server_url}{next_url}")

    return sign_in_


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
