"""What the package tests share: the wheels, a startproject site in a fresh virtualenv with
README's lines served by runserver against a fake Bot API, and a browser that signs in with
Telegram over HTTP, never sees a 5xx and never goes round in a redirect loop."""

from __future__ import annotations

import logging
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from http import HTTPStatus
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import pytest
import requests

from telegram_login.sandbox.fake_api import FakeBotApi, SandboxMessage
from telegram_login.sandbox.fake_api_server import FakeBotApiServer

REPO = Path(__file__).resolve().parents[2]
BOT_TOKEN = "4242:PACKAGE-test-token"
BOT_USERNAME = "package_login_bot"
WEBHOOK_SECRET = "package-webhook-secret-" + "p" * 16
START_URL = "/accounts/telegram-login/login/"
# More hops than any sign-in takes; a chain that long is a loop that never repeats exactly.
MAX_REDIRECTS = 10

logger = logging.getLogger(__name__)


@pytest.fixture(scope="session")
def sources(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of what the wheels are built from: a build/ left in the checkout by an older build
    would otherwise slip its files into them."""
    source = tmp_path_factory.mktemp("source")
    # What pyproject.toml names (its readme and license files among them) and the package.
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        if (REPO / name).exists():
            shutil.copy(REPO / name, source / name)
    for name in ("docs", "telegram_login"):
        shutil.copytree(
            REPO / name,
            source / name,
            ignore=shutil.ignore_patterns("__pycache__", "build", "*.egg-info"),
        )
    return source


@pytest.fixture(scope="session")
def wheels(sources: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Both wheels, as `make wheels` builds them."""
    out = tmp_path_factory.mktemp("wheels")
    projects = [str(sources), str(sources / "telegram_login" / "sandbox")]
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), *projects],
        check=True,
        capture_output=True,
    )
    return out


@pytest.fixture(scope="session")
def wheel(wheels: Path) -> Path:
    [built] = wheels.glob("telegram_login-*.whl")
    return built


def readme_blocks() -> tuple[str, str]:
    """The settings and URL lines of README's "Add it to your site", as a site owner copies them."""
    readme = (REPO / "README.md").read_text()
    section = readme.split("## Add it to your site", 1)[1].split("\n## ", 1)[0]
    settings_block, urls_block = re.findall(r"```python\n(.*?)```", section, re.S)
    return settings_block, urls_block


def readme_settings_for(server: FakeBotApiServer) -> str:
    """README's settings lines with this test's bot in place of the placeholders, pointed at the
    fake Bot API instead of api.telegram.org."""
    settings_block, _ = readme_blocks()
    filled = (
        settings_block.replace('"123456:ABC..."', repr(BOT_TOKEN))
        .replace('"your_login_bot"', repr(BOT_USERNAME))
        .replace('"32+ random characters of A-Z a-z 0-9 _ -"', repr(WEBHOOK_SECRET))
    )
    assert BOT_TOKEN in filled, "README's placeholders changed"
    assert WEBHOOK_SECRET in filled, "README's placeholders changed"
    return filled + f"\nTELEGRAM_LOGIN_API_BASE_URL = {server.url!r}\n"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def virtualenv(root: Path, *install: str, interpreter: str | None = None) -> Path:
    """A fresh virtualenv (of this Python, or of `interpreter`) with `pip install <install>`;
    its python. This pip installs into it: a pip of its own would only cost time."""
    subprocess.run(
        [interpreter or sys.executable, "-m", "venv", "--without-pip", str(root / "venv")],
        check=True,
    )
    python = root / "venv" / "bin" / "python"
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "-q", *install],
        check=True,
        capture_output=True,
    )
    return python


def python313() -> str:
    """CPython 3.13, as .ci/python3.13 builds it (or one on PATH); the test skips without one,
    or fails where TELEGRAM_LOGIN_REQUIRE_PYTHON313 says it must be there (CI)."""
    built = Path(os.environ.get("PYTHON313_PREFIX", "/opt/python3.13")) / "bin" / "python3.13"
    found = str(built) if built.exists() else shutil.which("python3.13")
    if found is None:
        if os.environ.get("TELEGRAM_LOGIN_REQUIRE_PYTHON313"):
            pytest.fail("no CPython 3.13 (make matrix builds it: .ci/python3.13)")
        pytest.skip("no CPython 3.13 here (.ci/python3.13 builds it)")
    return found


def django_version(python: Path) -> str:
    return subprocess.run(
        [str(python), "-c", "import django; print(django.get_version())"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()


@dataclass
class Site:
    """A startproject site ("bare") in `path`, served at `url` by the virtualenv's `python`."""

    url: str
    path: Path
    python: Path
    env: dict[str, str]

    def manage(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(self.python), "manage.py", *args],
            cwd=self.path,
            env=self.env,
            capture_output=True,
            text=True,
            check=False,
        )


@contextmanager
def running_site(
    root: Path,
    python: Path,
    *,
    settings: str,
    urls: str,
    files: Mapping[str, str] | None = None,
    make_migrations: Sequence[str] = (),
) -> Iterator[Site]:
    """A `startproject` site with `settings` and `urls` appended to its own and `files` (apps of
    its own) beside them, its apps' migrations made, migrated and served by runserver."""
    site = root / "site"
    site.mkdir()
    subprocess.run(
        [str(python.parent / "django-admin"), "startproject", "bare", str(site)],
        check=True,
        capture_output=True,
    )
    for name, text in (files or {}).items():
        (site / name).parent.mkdir(parents=True, exist_ok=True)
        (site / name).write_text(text)
    with (site / "bare" / "settings.py").open("a") as settings_file:
        settings_file.write("\n" + settings)
    with (site / "bare" / "urls.py").open("a") as urls_file:
        urls_file.write("\n" + urls)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "TELEGRAM_"))}
    env.pop("DATABASE_URL", None)
    port = free_port()
    served = Site(url=f"http://127.0.0.1:{port}", path=site, python=python, env=env)
    commands = [["makemigrations", *make_migrations]] if make_migrations else []
    for command in [*commands, ["migrate", "--noinput"]]:
        done = served.manage(*command)
        assert done.returncode == 0, done.stdout + done.stderr
    process = subprocess.Popen(
        [str(python), "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=site,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                pytest.fail(process.stderr.read().decode()[-3000:])
            try:
                requests.get(served.url + "/accounts/login/", timeout=5)
                break
            except requests.ConnectionError:
                if time.monotonic() > deadline:
                    pytest.fail("the site did not start")
                time.sleep(0.3)
        yield served
    finally:
        process.terminate()
        process.wait(timeout=15)


@contextmanager
def fake_bot_api_server() -> Iterator[FakeBotApiServer]:
    server = FakeBotApiServer(FakeBotApi(bot_username=BOT_USERNAME), token=BOT_TOKEN)
    try:
        yield server
    finally:
        server.close()


@dataclass
class Browser:
    """A browser on the site at `url`: it follows redirects itself (at most MAX_REDIRECTS, and
    never to an address it already went through in one chain) and fails on any 5xx answer."""

    url: str
    session: requests.Session = field(default_factory=requests.Session)

    def get(self, path: str, *, follow: bool = True, **kwargs: Any) -> requests.Response:
        return self._send("GET", path, follow=follow, **kwargs)

    def post(self, path: str, *, follow: bool = True, **kwargs: Any) -> requests.Response:
        return self._send("POST", path, follow=follow, **kwargs)

    def post_form(self, page: requests.Response, path: str, **data: str) -> requests.Response:
        """The form on `page` posted to `path` with its CSRF token, as a browser submits it."""
        return self.post(
            path,
            data={"csrfmiddlewaretoken": csrf_token(page), **data},
            headers={"Referer": page.url},
        )

    def signed_in(self) -> bool:
        """allauth's settings pages open instead of sending the browser to sign in."""
        return self.get("/accounts/email/", follow=False).status_code == HTTPStatus.OK

    def _send(self, method: str, path: str, *, follow: bool, **kwargs: Any) -> requests.Response:
        response = self._answer(method, urljoin(self.url + "/", path), **kwargs)
        if not follow:
            return response
        # The addresses GET went to; a POST may send the browser to its own address once.
        chain = [_path(response.url)] if method == "GET" else []
        while response.is_redirect:
            target = urljoin(response.url, response.headers["Location"])
            if urlsplit(target).netloc != urlsplit(self.url).netloc:
                break  # Off the site (Telegram's own pages): where the chain ends here.
            assert _path(target) not in chain, f"a redirect loop: {[*chain, _path(target)]}"
            assert len(chain) < MAX_REDIRECTS, f"too many redirects: {chain}"
            chain.append(_path(target))
            response = self._answer("GET", target)
        return response

    def _answer(self, method: str, url: str, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", 10)
        response = self.session.request(method, url, allow_redirects=False, **kwargs)
        logger.info("%s %s -> %s %s", method, _path(url), response.status_code, _where(response))
        assert response.status_code < HTTPStatus.INTERNAL_SERVER_ERROR, (
            f"{method} {_path(url)}: {response.status_code}\n{response.text[-3000:]}"
        )
        return response


def _path(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _where(response: requests.Response) -> str:
    return response.headers.get("Location") or response.headers.get("HX-Redirect") or ""


def csrf_token(page: requests.Response) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)


def telegram_user(user_id: int, first_name: str) -> dict[str, Any]:
    return {"id": user_id, "is_bot": False, "first_name": first_name}


def webhook(url: str, api: FakeBotApi, update: dict[str, Any]) -> None:
    """Telegram delivers `update`; a reply in the webhook's answer goes to the fake Bot API."""
    response = requests.post(
        f"{url}/telegram/webhook/",
        json={"update_id": api.next_update_id(), **update},
        headers={"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET},
        timeout=10,
    )
    assert response.status_code == HTTPStatus.OK, response.text
    if response.headers.get("Content-Type") == "application/json":
        reply = response.json()
        api.handle(reply.pop("method"), reply)


def _chat(user: dict[str, Any]) -> dict[str, Any]:
    return {"id": user["id"], "type": "private", "first_name": user["first_name"]}


def press_start(url: str, api: FakeBotApi, user: dict[str, Any], token: str) -> None:
    api.users[user["id"]] = user
    message = {"message_id": 1, "date": 0, "chat": _chat(user), "from": user}
    webhook(url, api, {"message": {**message, "text": f"/start {token}"}})


def code_prompt(api: FakeBotApi, user: dict[str, Any], code: str, *, after: int) -> SandboxMessage:
    """The bot's prompt after message `after` whose buttons offer `code`."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        for message in reversed(api.chat(user["id"])):
            rows = (message.reply_markup or {}).get("inline_keyboard", [])
            offered = [button for row in rows for button in row if button["text"] == code]
            if message.from_bot and message.message_id > after and offered:
                return message
        time.sleep(0.05)
    pytest.fail("the bot sent no prompt with the code")


def press_code(
    url: str, api: FakeBotApi, user: dict[str, Any], prompt: SandboxMessage, code: str
) -> None:
    rows = prompt.reply_markup["inline_keyboard"]
    button = next(button for row in rows for button in row if button["text"] == code)
    message = {"message_id": prompt.message_id, "date": 0, "chat": _chat(user), "text": "x"}
    callback = {"id": f"press-{prompt.message_id}", "from": user, "chat_instance": "1"}
    webhook(
        url,
        api,
        {"callback_query": {**callback, "data": button["callback_data"], "message": message}},
    )


def start_sign_in(browser: Browser) -> tuple[str, str]:
    """ "Sign in with Telegram" pressed: the deep link's token and the waiting poll's path."""
    start_page = browser.get(START_URL)
    assert start_page.status_code == HTTPStatus.OK
    # The widget brings its own script (which loads htmx where the page has none) and look.
    assert "telegram_login/telegram-login.js" in start_page.text
    assert "telegram_login/telegram-login.css" in start_page.text
    started = browser.post(
        START_URL,
        data={"process": "login", "csrfmiddlewaretoken": csrf_token(start_page)},
        headers={"HX-Request": "true", "Referer": browser.url + START_URL},
    )
    assert started.status_code == HTTPStatus.OK, started.text[-2000:]
    token = re.search(
        rf"https://t\.me/{BOT_USERNAME}\?start=([A-Za-z0-9_-]{{43}})", started.text
    ).group(1)
    poll = re.search(r'hx-get="([^"]+)"', started.text).group(1).replace("&amp;", "&")
    return token, poll


def confirm_in_telegram(browser: Browser, api: FakeBotApi, user: dict[str, Any]) -> str:
    """A sign-in with Telegram as a browser and Telegram make it: the start, /start in the bot,
    the code pressed, the poll until it says where to go (HX-Redirect), which it returns."""
    before = max((message.message_id for message in api.chat(user["id"])), default=0)
    token, poll = start_sign_in(browser)
    press_start(browser.url, api, user, token)
    claimed = browser.get(poll, headers={"HX-Request": "true"})
    code = re.search(r'data-testid="match-code">(\d+)<', claimed.text).group(1)
    press_code(browser.url, api, user, code_prompt(api, user, code, after=before), code)
    for _ in range(50):
        done = browser.get(
            poll.replace("shown=pending", "shown=claimed"), headers={"HX-Request": "true"}
        )
        if done.headers.get("HX-Redirect"):
            return done.headers["HX-Redirect"]
        time.sleep(0.1)
    pytest.fail(f"the poll never said where to go: {done.status_code} {done.text[-2000:]}")


def run_site_pytest(site: Site, *args: str) -> str:
    """pytest in the site's folder with its virtualenv (its own tests, its pytest.ini); the
    run's summary line. Fails with the run's output if any test failed."""
    run = subprocess.run(
        [str(site.python), "-m", "pytest", "-q", "-p", "no:cacheprovider", *args],
        cwd=site.path,
        env=site.env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    return run.stdout.strip().splitlines()[-1]
