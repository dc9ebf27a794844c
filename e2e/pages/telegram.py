"""The Telegram app as the sandbox plays it, and the Telegram users it plays."""

from __future__ import annotations

import itertools
import random
import re
from dataclasses import dataclass, field

from playwright.sync_api import Locator, Page, expect

CANCEL_BUTTON = "✖ Cancel, this was not me"
CANCEL_BUTTONS = {"en": CANCEL_BUTTON, "ru": "✖ Отмена, это не я"}

_telegram_ids = itertools.count(random.randrange(10**9, 5 * 10**9, 1000))


@dataclass
class TelegramUser:
    """Who the sandbox plays; `id` is unique in the test run."""

    first_name: str = "Alice"
    last_name: str = ""
    username: str = ""
    language_code: str = "en"
    id: int = field(default_factory=lambda: next(_telegram_ids))


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
