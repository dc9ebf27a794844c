"""Telegram played beside a browser page, for Playwright tests: the sandbox's chat, in a page of
its own (the person's phone), and the site's sign-in widget as the page shows it. Works against
the site under test in process (pytest-django's live_server) and against any running site with
the sandbox on (a staging site, `--base-url`)."""

from __future__ import annotations

import re
from typing import Self
from urllib.parse import urlencode, urljoin

from playwright.sync_api import Locator, Page, expect

from telegram_login.sandbox.testing.page_reading import TelegramKitError
from telegram_login.sandbox.testing.people import TelegramUser

CANCEL_BUTTONS = {"en": "✖ Cancel, this was not me", "ru": "✖ Отмена, это не я"}
SANDBOX_PATH = "/telegram/sandbox/"
MINI_APP_PATH = "/telegram/sandbox/mini-app/"
# The deep link's sign-in page, where allauth's provider list links (the widget is there).
PROVIDER_LOGIN_PATH = "/telegram-login/login/"
# The widget polls every 2 s; a state change shows within one poll and its request.
STATE_TIMEOUT_MS = 10_000


class TelegramApp:
    """A page of the sandbox's chat, played as one Telegram user (the person's phone)."""

    def __init__(self, page: Page, server_url: str, *, language: str = "en") -> None:
        self.page = page
        self.server_url = server_url.rstrip("/")
        self.cancel_button = CANCEL_BUTTONS.get(language, CANCEL_BUTTONS["en"])

    def open(self, deep_link: str = SANDBOX_PATH) -> TelegramApp:
        """Open a sign-in link the site showed (or the chat itself)."""
        self.page.goto(urljoin(f"{self.server_url}/", deep_link))
        return self

    def be(self, user: TelegramUser) -> TelegramApp:
        """Who the Telegram app is signed in as (asked once; the sandbox remembers it)."""
        form = self.page.get_by_test_id("sandbox-identity")
        if form.count():
            form.locator("[name=id]").fill(str(user.id))
            form.locator("[name=first_name]").fill(user.first_name)
            form.locator("[name=last_name]").fill(user.last_name)
            form.locator("[name=username]").fill(user.username)
            form.locator("[name=language_code]").select_option(user.language_code)
            form.get_by_test_id("sandbox-use").click()
        expect(self.page.get_by_test_id("sandbox-user")).to_contain_text(f"id {user.id}")
        self.cancel_button = CANCEL_BUTTONS.get(user.language_code, CANCEL_BUTTONS["en"])
        return self

    def press_start(self) -> TelegramApp:
        """START under a sign-in link; waits for the bot's prompt with its codes."""
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
        """Press the button `text` under the bot's newest message."""
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

    def open_mini_app(self, path: str = "", *, data: str = "") -> TelegramApp:
        """Open the site's page `path` (its sign-in page if empty) as the bot's Mini App, as
        this user, in this page (the webview). `data="forged"` or `"stale"`: Telegram's data as
        the site must refuse it."""
        query = urlencode({k: v for k, v in (("path", path), ("data", data)) if v})
        self.page.goto(f"{self.server_url}{MINI_APP_PATH}" + (f"?{query}" if query else ""))
        return self

    def messages(self) -> list[str]:
        """The bot's messages in the chat, oldest first, as it shows them."""
        return [text.strip() for text in self.page.get_by_test_id("bot-message").all_inner_texts()]

    def expect_bot_says(self, text: str | re.Pattern[str]) -> None:
        expect(self.page.get_by_test_id("bot-message").last).to_contain_text(text)


class SignInWidget:
    """The site's "Sign in with Telegram" widget on a browser page (the login page, the sign-up
    page, Connect Telegram in settings, the fresh-proof page)."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.widget = page.locator("#telegram-login")

    def start(self) -> Self:
        """Press "Sign in with Telegram" (or Connect, or "Start again") and wait for the link.
        On a page that lists providers as links (allauth's stock login page), the Telegram one
        is followed to the widget first."""
        if not self.widget.count():
            link = self.page.locator(f"a[href*='{PROVIDER_LOGIN_PATH}']")
            if not link.count():
                raise TelegramKitError(
                    f"No Telegram sign-in on {self.page.url}: neither the widget nor allauth's "
                    "link to it. A sign-in page of the site's own shows the widget with "
                    "{% load telegram_login %}{% telegram_login_widget %} (README)."
                )
            link.first.click()
            expect(self.widget).to_have_count(1)
        self.page.get_by_test_id("telegram-start").click()
        self.expect_state("pending")
        return self

    def expect_state(self, state: str, timeout: int = STATE_TIMEOUT_MS) -> None:
        """pending, claimed (opened in Telegram), denied, expired, ..."""
        expect(self.widget).to_have_attribute("data-state", state, timeout=timeout)

    @property
    def deep_link(self) -> str:
        href = self.page.get_by_test_id("deep-link").get_attribute("href")
        assert href, "the widget shows no Telegram link"
        return href

    @property
    def match_code(self) -> str:
        return self.page.get_by_test_id("match-code").first.inner_text().strip()


def sign_in(page: Page, telegram: TelegramApp, user: TelegramUser) -> None:
    """On `page`, showing the sign-in widget: press Sign in with Telegram, open its link in
    `telegram` as `user`, press Start and the code the page shows. Returns once the widget has
    gone on (the page then leaves for where the sign-in leads)."""
    widget = SignInWidget(page)
    if not (widget.widget.count() and widget.widget.get_attribute("data-state") == "pending"):
        widget.start()
    code = widget.match_code
    telegram.open(widget.deep_link).be(user).press_start()
    widget.expect_state("claimed")
    telegram.press_code(code)
    waiting = page.locator(
        "#telegram-login[data-state=pending], #telegram-login[data-state=claimed]"
    )
    expect(waiting).to_have_count(0, timeout=STATE_TIMEOUT_MS)
