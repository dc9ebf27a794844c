"""The browser suite's hooks and fixtures: Chromium, the live server with the Telegram sandbox
on, the artifacts a failed test leaves, and the page objects (e2e/pages/) each test is handed."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache
from playwright.sync_api import BrowserContext, Page, expect

from telegram_login.sandbox import fake_api

from .pages import STATE_TIMEOUT_MS, SandboxQA, SignInPage, TelegramApp, TelegramUser

# Playwright's sync API runs an event loop in the test's thread; the tests read the database
# from that thread, which Django refuses inside a running loop unless told it is safe.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
# Serve on the IPv4 loopback only ("localhost" may bind to ::1 too).
os.environ.setdefault("DJANGO_LIVE_TEST_SERVER_ADDRESS", "127.0.0.1")

SYSTEM_CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path("test-results/playwright")
REPORT = Path("test-results/e2e-report.html")
FAILED = pytest.StashKey[bool]()

expect.set_options(timeout=STATE_TIMEOUT_MS)


def _videos_with_system_ffmpeg() -> bool:
    """Playwright records videos with an ffmpeg it downloads next to its browsers; where that
    cannot be downloaded (no internet) and Debian's Chromium is used, Debian's ffmpeg serves,
    from a browsers folder of the run's own. False if there is no ffmpeg to record with."""
    import json

    import playwright

    package = Path(playwright.__file__).parent / "driver" / "package" / "browsers.json"
    revision = next(
        b["revision"] for b in json.loads(package.read_text())["browsers"] if b["name"] == "ffmpeg"
    )
    home = Path(os.environ.get("PLAYWRIGHT_BROWSERS_PATH") or Path.home() / ".cache/ms-playwright")
    if (home / f"ffmpeg-{revision}" / "ffmpeg-linux").exists():
        return True
    system = Path("/usr/bin/ffmpeg")
    if not (system.exists() and SYSTEM_CHROMIUM.exists()):
        return False
    local = Path(".venv/playwright-browsers").absolute()
    link = local / f"ffmpeg-{revision}" / "ffmpeg-linux"
    link.parent.mkdir(parents=True, exist_ok=True)
    if not link.exists():
        link.symlink_to(system)
    os.environ["PLAYWRIGHT_BROWSERS_PATH"] = str(local)
    return True


def pytest_configure(config: pytest.Config) -> None:
    """A failed test leaves, in test-results/playwright/<test>/, a Playwright trace, a video and
    a screenshot of every open page (pytest-playwright's own options; any given on the command
    line win), and the run writes an HTML report that links them."""
    defaults = {"screenshot": "only-on-failure", "tracing": "retain-on-failure"}
    if _videos_with_system_ffmpeg():
        defaults["video"] = "retain-on-failure"
    for option, value in defaults.items():
        if config.getoption(f"--{option}", default=None) == "off":
            setattr(config.option, option, value)
    if config.getoption("--output", default=None) == "test-results":
        config.option.output = str(ARTIFACTS)
    if hasattr(config.option, "htmlpath") and not config.option.htmlpath:
        config.option.htmlpath = str(REPORT)
        config.option.self_contained_html = True
    if getattr(config.option, "htmlpath", None):
        Path(config.option.htmlpath).parent.mkdir(parents=True, exist_ok=True)


def _artifacts_of(config: pytest.Config, nodeid: str) -> Path:
    """Where pytest-playwright leaves a test's trace, video and screenshots."""
    from pytest_playwright.pytest_playwright import _truncate_file_name
    from slugify import slugify

    return Path(config.getoption("--output")) / _truncate_file_name(slugify(nodeid))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """Links to a failed test's trace, video and screenshots in the HTML report."""
    outcome = yield
    report = outcome.get_result()
    if report.when == "call" and report.failed:
        item.stash[FAILED] = True
    if report.when != "teardown" or not item.stash.get(FAILED, False):
        return
    try:
        from pytest_html import extras
    except ImportError:
        return
    folder = _artifacts_of(item.config, item.nodeid)
    report_dir = Path(item.config.option.htmlpath or REPORT).resolve().parent
    links = getattr(report, "extras", [])
    for path in sorted(folder.glob("*")) if folder.exists() else []:
        relative = os.path.relpath(path.resolve(), report_dir)
        links.append(extras.url(relative, name=path.name))
    report.extras = links


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    """Say where a failed run left its traces, videos, screenshots and report."""
    failed = terminalreporter.stats.get("failed", []) + terminalreporter.stats.get("error", [])
    if not failed:
        return
    terminalreporter.section("what the failed tests left")
    for report in failed:
        folder = _artifacts_of(config, report.nodeid)
        if folder.exists():
            terminalreporter.write_line(f"{report.nodeid}\n    {folder}/")
            trace = folder / "trace.zip"
            if trace.exists():
                terminalreporter.write_line(f"    open the trace: playwright show-trace {trace}")
    if getattr(config.option, "htmlpath", None):
        terminalreporter.write_line(f"report: {config.option.htmlpath}")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Without --base-url every test runs against a live server of its own. pytest-django opens
    the test database to that server only for tests that name `live_server` up front, so name
    it for them (with --base-url no test touches a database)."""
    if config.getoption("base_url", default=None):
        return
    for item in items:
        names = getattr(item, "fixturenames", None)
        if names is not None and "live_server" not in names:
            names.append("live_server")


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
    settings.TELEGRAM_LOGIN_BOT_TOKEN = ""
    settings.TELEGRAM_LOGIN_BOT_USERNAME = ""
    settings.TELEGRAM_LOGIN_WEBHOOK_SECRET = ""
    settings.TELEGRAM_LOGIN_SEND_INLINE = False
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    # A fresh fake Bot API (chats, users) and fresh rate-limit counters for every test.
    fake_api._api = None
    cache.clear()
    yield
    fake_api._api = None


@pytest.fixture
def telegram_user() -> Callable[..., TelegramUser]:
    return TelegramUser


@pytest.fixture
def server_url(request: pytest.FixtureRequest, base_url: str | None) -> str:
    """The site under test: `--base-url` (a site already running with the sandbox on, e.g. `make
    run`, or a staging sandbox), else a live server this run starts on SQLite."""
    if base_url:
        return base_url.rstrip("/")
    return str(request.getfixturevalue("live_server").url)


@pytest.fixture
def sandbox_qa(server_url: str) -> SandboxQA:
    return SandboxQA(server_url)


@pytest.fixture(autouse=True)
def _fresh_site(sandbox_qa: SandboxQA) -> None:
    """Every test starts with fresh limits and nothing waiting, whichever site it runs on."""
    sandbox_qa.reset()


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
