"""telegram_login as a package: the wheel holds the app and nothing of the example site, and a
fresh `django-admin startproject` site with exactly README's lines signs a person in over HTTP."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
import venv
import zipfile
from collections.abc import Iterator
from http import HTTPStatus
from pathlib import Path

import pytest
import requests

from telegram_login.sandbox.fake_api import FakeBotApi, FakeBotApiServer

pytestmark = pytest.mark.package

REPO = Path(__file__).resolve().parents[2]
BOT_TOKEN = "4242:PACKAGE-test-token"
BOT_USERNAME = "package_login_bot"
WEBHOOK_SECRET = "package-webhook-secret-" + "p" * 16


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(REPO)],
        check=True,
        capture_output=True,
    )
    [built] = out.glob("telegram_login-*.whl")
    return built


def test_the_wheel_holds_the_app_and_nothing_of_the_example_site(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    tops = {name.split("/")[0] for name in names if not name.endswith(".dist-info/")}
    assert {top for top in tops if not top.endswith(".dist-info")} == {"telegram_login"}
    for needed in [
        "telegram_login/templates/telegram_login/login.html",
        "telegram_login/static/telegram_login/telegram-login.js",
        "telegram_login/static/telegram_login/telegram-login.css",
        "telegram_login/locale/ru/LC_MESSAGES/django.mo",
        "telegram_login/migrations/0001_initial.py",
        "telegram_login/sandbox/bot_api.json",
    ]:
        assert needed in names, needed
    assert not [name for name in names if name.startswith("telegram_login/tests/")]
    metadata = next(n for n in names if n.endswith(".dist-info/METADATA"))
    requires = re.findall(
        r"^Requires-Dist: ([\w.-]+)", zipfile.ZipFile(wheel).read(metadata).decode(), re.M
    )
    assert {"Django", "django-allauth", "django-htmx", "django-template-partials"} <= set(requires)


def _readme_blocks() -> tuple[str, str]:
    """The settings and URL lines of README's "Add it to your site", as a site owner copies them."""
    readme = (REPO / "README.md").read_text()
    section = readme.split("## Add it to your site", 1)[1].split("\n## ", 1)[0]
    settings_block, urls_block = re.findall(r"```python\n(.*?)```", section, re.S)
    return settings_block, urls_block


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def bare_site(
    wheel: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, FakeBotApi]]:
    """A fresh virtualenv with only the wheel (and what it declares), a startproject site with
    README's lines, and the site running against a fake Bot API."""
    root = tmp_path_factory.mktemp("bare")
    env_dir = root / "venv"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    subprocess.run(
        [str(python), "-m", "pip", "install", "-q", str(wheel)], check=True, capture_output=True
    )
    (root / "site").mkdir()
    subprocess.run(
        [str(env_dir / "bin" / "django-admin"), "startproject", "bare", str(root / "site")],
        check=True,
        capture_output=True,
    )
    server = FakeBotApiServer(FakeBotApi(bot_username=BOT_USERNAME), token=BOT_TOKEN)
    settings_block, urls_block = _readme_blocks()
    settings_block = (
        settings_block.replace('"123456:ABC..."', json.dumps(BOT_TOKEN))
        .replace('"your_login_bot"', json.dumps(BOT_USERNAME))
        .replace('"32+ random characters of A-Z a-z 0-9 _ -"', json.dumps(WEBHOOK_SECRET))
    )
    site = root / "site"
    with (site / "bare" / "settings.py").open("a") as settings:
        settings.write("\n" + settings_block)
        # The test's own: the fake Bot API instead of api.telegram.org.
        settings.write(f"\nTELEGRAM_API_BASE_URL = {server.url!r}\n")
    with (site / "bare" / "urls.py").open("a") as urls:
        urls.write("\n" + urls_block)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "TELEGRAM_"))}
    env.pop("DATABASE_URL", None)
    subprocess.run(
        [str(python), "manage.py", "migrate", "--noinput"],
        cwd=site,
        env=env,
        check=True,
        capture_output=True,
    )
    port = _free_port()
    process = subprocess.Popen(
        [str(python), "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=site,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                pytest.fail(process.stderr.read().decode()[-3000:])
            try:
                requests.get(url + "/accounts/login/", timeout=5)
                break
            except requests.ConnectionError:
                if time.monotonic() > deadline:
                    pytest.fail("the bare site did not start")
                time.sleep(0.3)
        yield url, server.api
    finally:
        process.terminate()
        process.wait(timeout=15)
        server.close()


def _webhook(url: str, api: FakeBotApi, update: dict) -> None:
    response = requests.post(
        f"{url}/telegram/webhook/",
        json=update,
        headers={"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET},
        timeout=10,
    )
    assert response.status_code == HTTPStatus.OK, response.text
    if response.headers.get("Content-Type") == "application/json":
        reply = response.json()
        api.handle(reply.pop("method"), reply)


def _prompt(api: FakeBotApi, chat_id: int) -> object:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        found = [m for m in api.chat(chat_id) if m.from_bot and m.reply_markup]
        if found:
            return found[-1]
        time.sleep(0.05)
    pytest.fail("the bot sent no prompt")


def test_a_bare_site_with_readmes_lines_signs_a_person_in_with_telegram(bare_site) -> None:
    url, api = bare_site
    browser = requests.Session()
    login_page = browser.get(f"{url}/accounts/login/", timeout=10)
    # allauth's stock page lists the provider.
    assert "Telegram" in login_page.text
    start_page = browser.get(f"{url}/accounts/telegram/login/", timeout=10)
    assert start_page.status_code == HTTPStatus.OK
    # The widget brings its own script (which loads htmx where the page has none) and look.
    assert "telegram_login/telegram-login.js" in start_page.text
    assert "telegram_login/telegram-login.css" in start_page.text
    assert browser.get(f"{url}/static/telegram_login/telegram-login.js", timeout=10).ok
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', start_page.text).group(1)
    started = browser.post(
        f"{url}/accounts/telegram/login/",
        data={"process": "login", "csrfmiddlewaretoken": csrf},
        headers={"HX-Request": "true", "Referer": f"{url}/accounts/telegram/login/"},
        timeout=10,
    )
    assert started.status_code == HTTPStatus.OK, started.text[-2000:]
    token = re.search(
        rf"https://t\.me/{BOT_USERNAME}\?start=([A-Za-z0-9_-]{{43}})", started.text
    ).group(1)
    poll = re.search(r'hx-get="([^"]+)"', started.text).group(1).replace("&amp;", "&")

    user = {"id": 5_300_001, "is_bot": False, "first_name": "Bare"}
    chat = {"id": user["id"], "type": "private", "first_name": "Bare"}
    api.users[user["id"]] = user
    _webhook(
        url,
        api,
        {
            "update_id": 1,
            "message": {
                "message_id": 1,
                "date": 0,
                "chat": chat,
                "from": user,
                "text": f"/start {token}",
            },
        },
    )
    prompt = _prompt(api, user["id"])
    claimed = browser.get(url + poll, headers={"HX-Request": "true"}, timeout=10)
    code = re.search(r'data-testid="match-code">(\d+)<', claimed.text).group(1)
    button = next(b for b in prompt.reply_markup["inline_keyboard"][0] if b["text"] == code)
    _webhook(
        url,
        api,
        {
            "update_id": 2,
            "callback_query": {
                "id": "press",
                "from": user,
                "chat_instance": "1",
                "data": button["callback_data"],
                "message": {"message_id": prompt.message_id, "date": 0, "chat": chat, "text": "x"},
            },
        },
    )
    done = browser.get(
        url + poll.replace("shown=pending", "shown=claimed"),
        headers={"HX-Request": "true"},
        timeout=10,
    )
    assert done.headers.get("HX-Redirect"), done.text[-2000:]
    # Signed in: allauth's settings pages open instead of sending the browser to sign in.
    email_page = browser.get(f"{url}/accounts/email/", allow_redirects=False, timeout=10)
    assert email_page.status_code == HTTPStatus.OK
