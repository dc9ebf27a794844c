"""The Telegram test kit as a pytest plugin (installed with telegram-login-sandbox, registered
through the pytest11 entry point): fixtures only, none of them used unless a test asks for it.

With Django's test client (pytest-django):

- `telegram`: Telegram and its users in process (django_client.Telegram): `telegram.sign_in(
  client)` signs a client in through the whole flow; `telegram.messages(user)` is the chat.
- `telegram_bot_api`: the fake Bot API behind it (fake_api.FakeBotApi), fresh for the test.

With Playwright (pytest-playwright), against the live server or `--base-url`:

- `telegram_site_url`: the site under test.
- `telegram_phone`: `telegram_phone(user)` opens the sandbox's chat as `user` on a phone of its own.
- `sign_in_with_telegram`: `sign_in_with_telegram(page, user)` on a page with the widget.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import pytest

if TYPE_CHECKING:
    from telegram_login.sandbox.fake_api import FakeBotApi
    from telegram_login.sandbox.testing.browser import TelegramApp
    from telegram_login.sandbox.testing.django_client import Telegram
    from telegram_login.sandbox.testing.people import TelegramUser

# The Telegram app's phone: a touch screen with a mobile browser.
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "is_mobile": True,
    "has_touch": True,
    "user_agent": (
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 "
        "(KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1"
    ),
}


@pytest.fixture
def telegram_bot_api(settings: Any) -> Iterator[FakeBotApi]:
    """A fresh fake Bot API for the site's bot: the sandbox's where no bot is configured (the
    sandbox switched on for the test), else one at the configured TELEGRAM_LOGIN_API_BASE_URL and
    token (behind `responses`). The bot sends at once in the test's thread, so that its messages
    are there when the test looks."""
    from telegram_login.sandbox.testing.bot_api import fake_bot_api

    settings.TELEGRAM_LOGIN_SEND_INLINE = True
    _switch_the_sandbox_on(settings)
    _fresh_rate_limits()
    with fake_bot_api() as api:
        yield api


@pytest.fixture
def telegram(telegram_bot_api: FakeBotApi, db: None) -> Telegram:
    """Telegram and its users, in process, beside Django's test client."""
    from telegram_login.sandbox.testing.django_client import Telegram

    return Telegram(telegram_bot_api)


@pytest.fixture
def telegram_site_url(request: pytest.FixtureRequest) -> str:
    """The site the browser tests drive: `--base-url` (a running site with the sandbox on),
    else pytest-django's live server for this test run."""
    base_url = request.config.getoption("base_url", default=None)
    if base_url:
        return str(base_url).rstrip("/")
    settings = request.getfixturevalue("settings")
    _switch_the_sandbox_on(settings)
    _fresh_rate_limits()
    url = str(request.getfixturevalue("live_server").url)
    # The live server's own address, which a site's ALLOWED_HOSTS rarely names.
    host = urlsplit(url).hostname
    if host and "*" not in settings.ALLOWED_HOSTS and host not in settings.ALLOWED_HOSTS:
        settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, host]
    return url


def _fresh_rate_limits() -> None:
    """Each test starts with the app's rate limits unspent (a suite signs in far more often
    than a person would, all from one address): the counters live in Django's cache, which is
    cleared, as pytest-django leaves it between tests."""
    from django.core.cache import cache

    cache.clear()


def _switch_the_sandbox_on(settings: Any) -> None:
    """Tests run with DEBUG off, where the sandbox waits to be switched on: where the site
    configures no bot, it plays Telegram for this test (the live server's too)."""
    from django.apps import apps

    from telegram_login.conf import get_settings

    conf = get_settings()
    if not (conf.played or conf.bot_token) and apps.is_installed("telegram_login.sandbox"):
        settings.TELEGRAM_SANDBOX = True


@pytest.fixture
def telegram_phone(
    browser: Any, browser_context_args: dict[str, Any], telegram_site_url: str
) -> Iterator[Callable[..., TelegramApp]]:
    """`telegram_phone(user)`: the Telegram app of `user` (a TelegramUser), on a phone of its own
    beside the test's page, open at the sandbox's chat and signed in as `user`."""
    from telegram_login.sandbox.testing.browser import TelegramApp

    contexts: list[Any] = []

    def open_as(user: TelegramUser) -> TelegramApp:
        locale = "ru-RU" if user.language_code == "ru" else "en-US"
        context = browser.new_context(**{**browser_context_args, **PHONE, "locale": locale})
        contexts.append(context)
        app = TelegramApp(context.new_page(), telegram_site_url, language=user.language_code)
        return app.open().be(user)

    yield open_as
    for context in contexts:
        context.close()


@pytest.fixture
def sign_in_with_telegram(
    telegram_phone: Callable[..., TelegramApp],
) -> Callable[..., TelegramUser]:
    """`sign_in_with_telegram(page, user=None)`: on `page`, showing the sign-in widget, sign in
    as `user` (a new Telegram user if None) in that user's Telegram app; returns the user."""
    from telegram_login.sandbox.testing import browser
    from telegram_login.sandbox.testing.people import TelegramUser

    def sign_in(page: Any, user: TelegramUser | None = None) -> TelegramUser:
        user = user or TelegramUser()
        browser.sign_in(page, telegram_phone(user), user)
        return user

    return sign_in
