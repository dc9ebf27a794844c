"""The browser suite's hooks and fixtures: Chromium, the live server with the Telegram sandbox
on, the artifacts a failed test leaves, and the page objects (e2e/pages/) each test is handed."""

from __future__ import annotations

import json
import os
import shutil
import sys
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache
from playwright.sync_api import Browser, BrowserContext, Page, expect

from telegram_login.sandbox import fake_api
from telegram_login.sandbox.testing import browser as kit

from .pages import (
    DEVICES,
    LOCALES,
    STATE_TIMEOUT_MS,
    SandboxQA,
    SignInPage,
    TelegramApp,
    TelegramUser,
)

# Playwright's sync API runs an event loop in the test's thread; the tests read the database
# from that thread, which Django refuses inside a running loop unless told it is safe.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
# Serve on the IPv4 loopback only ("localhost" may bind to ::1 too).
os.environ.setdefault("DJANGO_LIVE_TEST_SERVER_ADDRESS", "127.0.0.1")

SYSTEM_CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path("test-results/playwright")
REPORT = Path("test-results/e2e-report.html")
# Playwright's command beside this Python (the venv's), as a path to run from the project.
_PLAYWRIGHT = Path(sys.executable).parent / "playwright"
SHOW_TRACE = f"{os.path.relpath(_PLAYWRIGHT) if _PLAYWRIGHT.is_relative_to(Path.cwd()) else _PLAYWRIGHT} show-trace"
FAILED = pytest.StashKey[bool]()
# Videos of pages a test opened and never used (nothing but a blank screen in them).
BLANK_VIDEOS = pytest.StashKey[set[str]]()
PREVIOUS = pytest.StashKey[Path]()

expect.set_options(timeout=STATE_TIMEOUT_MS)


def _videos_with_system_ffmpeg() -> bool:
    """Playwright records videos with an ffmpeg it downloads next to its browsers; where that
    cannot be downloaded (no internet) and Debian's Chromium is used, Debian's ffmpeg serves,
    from a browsers folder of the run's own. False if there is no ffmpeg to record with."""

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
    _keep_the_previous_run(config)
    if hasattr(config.option, "htmlpath") and not config.option.htmlpath:
        config.option.htmlpath = str(REPORT)
        config.option.self_contained_html = True
    if getattr(config.option, "htmlpath", None):
        Path(config.option.htmlpath).parent.mkdir(parents=True, exist_ok=True)


def _keep_the_previous_run(config: pytest.Config) -> None:
    """pytest-playwright empties its output folder as a run starts: what the previous run left
    moves to <output>-previous first (replacing the one before), and the run says so."""
    output = getattr(config.option, "output", None)
    if not output or hasattr(config, "workerinput"):
        return
    folder = Path(output)
    if not folder.is_dir() or not any(folder.iterdir()):
        return
    previous = folder.with_name(folder.name + "-previous")
    shutil.rmtree(previous, ignore_errors=True)
    folder.rename(previous)
    config.stash[PREVIOUS] = previous


def pytest_report_header(config: pytest.Config) -> str | None:
    previous = config.stash.get(PREVIOUS, None)
    return f"the previous run's failures: {previous}/" if previous else None


def _artifacts_of(config: pytest.Config, nodeid: str) -> Path:
    """Where pytest-playwright leaves a test's trace, video and screenshots."""
    from pytest_playwright.pytest_playwright import _truncate_file_name
    from slugify import slugify

    return Path(config.getoption("--output")) / _truncate_file_name(slugify(nodeid))


@pytest.hookimpl(hookwrapper=True, trylast=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """Links to a failed test's trace, video and screenshots in the HTML report."""
    outcome = yield
    report = outcome.get_result()
    if report.when == "call" and report.failed:
        item.stash[FAILED] = True
    if report.when == "teardown":
        _drop_blank_artifacts(item)
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


def _drop_blank_artifacts(item: pytest.Item) -> None:
    """A failed test's artifacts, less the blank ones: the trace of a browser that did nothing
    and the video of a page never used. pytest-playwright has moved them into the output folder
    by now and lists them for the report, which it writes after this hook."""
    from pytest_playwright.pytest_playwright import _ARTIFACTS_RECORDER_ATTR

    recorder = getattr(item, _ARTIFACTS_RECORDER_ATTR, None)
    if recorder is None or not recorder.finished:
        return
    blank_videos = item.stash.get(BLANK_VIDEOS, set())
    kept = []
    for kind, path in recorder.artifacts:
        file = Path(path)
        blank = (kind == "trace" and not _trace_shows_a_page(file)) or (
            kind == "video" and file.name in blank_videos
        )
        if blank:
            file.unlink(missing_ok=True)
        else:
            kept.append((kind, path))
    recorder.artifacts = kept


def _trace_shows_a_page(trace: Path) -> bool:
    """Whether the browser of this trace did anything in a page (a navigation, a click, an
    expectation: Playwright's Frame and Page calls), beyond opening one and closing it. Any
    doubt (another trace format) keeps the trace."""
    try:
        with zipfile.ZipFile(trace) as archive:
            for name in archive.namelist():
                if not name.endswith(".trace"):
                    continue
                for line in archive.read(name).splitlines():
                    event = json.loads(line)
                    if event.get("type") == "before" and (
                        event.get("class") == "Frame"
                        or (event.get("class") == "Page" and event.get("method") != "close")
                    ):
                        return True
        return False
    except (OSError, ValueError, zipfile.BadZipFile):
        return True


@pytest.fixture(autouse=True)
def _close_unused_pages(
    request: pytest.FixtureRequest, new_context: Callable[..., BrowserContext], browser: Browser
) -> Iterator[None]:
    """Before the browsers close (and pytest-playwright takes a screenshot of every page in
    them), a page the test never opened anything in is closed: no blank screenshot, and its
    video is left out."""
    yield
    recorder = request.getfixturevalue("_artifacts_recorder")
    pages = list(getattr(recorder, "_all_pages", []))
    blank = set()
    for context in browser.contexts:
        for page in context.pages:
            if page.url == "about:blank":
                if page in pages:
                    index = pages.index(page)
                    blank.add("video.webm" if len(pages) == 1 else f"video-{index + 1}.webm")
                page.close()
    request.node.stash[BLANK_VIDEOS] = blank


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
            for trace in sorted(folder.glob("trace*.zip")):
                terminalreporter.write_line(f"    open the trace: {SHOW_TRACE} {trace}")
    if getattr(config.option, "htmlpath", None):
        terminalreporter.write_line(f"report: {config.option.htmlpath}")
    previous = config.stash.get(PREVIOUS, None)
    if previous:
        terminalreporter.write_line(f"the previous run's failures: {previous}/")


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
def device_context(
    browser: Browser, browser_context_args: dict[str, Any]
) -> Iterator[Callable[..., BrowserContext]]:
    """Browser contexts made to measure: `device_context("phone", "ru")`."""
    made: list[BrowserContext] = []

    def make(size: str = "desktop", language: str = "en") -> BrowserContext:
        context = browser.new_context(
            **{**browser_context_args, **DEVICES[size], "locale": LOCALES[language]}
        )
        made.append(context)
        return context

    yield make
    for context in made:
        context.close()


@pytest.fixture
def telegram_user() -> Callable[..., TelegramUser]:
    return TelegramUser


@pytest.fixture
def server_url(telegram_site_url: str) -> str:
    """The site under test (the test kit's): `--base-url` (a site already running with the
    sandbox on, e.g. `make run`, or a staging sandbox), else a live server this run starts on
    SQLite."""
    return telegram_site_url


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
        # The test kit's sign-in, as a site's QA has it (docs/testing.md).
        kit.sign_in(sign_in_page.open(next_url).page, telegram_app, user)
        expect(sign_in_page.page).to_have_url(f"{server_url}{next_url}")

    return sign_in_
