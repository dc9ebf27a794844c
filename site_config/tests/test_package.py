"""telegram_login as a package: the wheel holds the app and nothing of the example site or the
sandbox, and a fresh `django-admin startproject` site with exactly README's lines signs a person
in over HTTP; the sandbox's own wheel beside it plays Telegram for such a site in development."""

from __future__ import annotations

import re
import subprocess
import sys
import time
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from http import HTTPStatus
from pathlib import Path
from urllib.parse import urljoin

import pytest
import requests

from site_config.tests.package_support import (
    REPO,
    Browser,
    confirm_in_telegram,
    csrf_token,
    django_version,
    fake_bot_api_server,
    python313,
    readme_blocks,
    readme_settings_for,
    running_site,
    telegram_user,
    virtualenv,
)
from telegram_login.sandbox.fake_api import FakeBotApi

pytestmark = pytest.mark.package


@pytest.fixture(scope="module")
def sandbox_wheel(wheels: Path) -> Path:
    [built] = wheels.glob("telegram_login_sandbox-*.whl")
    return built


def _metadata(wheel: Path) -> str:
    archive = zipfile.ZipFile(wheel)
    return archive.read(next(n for n in archive.namelist() if n.endswith("METADATA"))).decode()


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
        "telegram_login/hooks.py",
    ]:
        assert needed in names, needed
    assert not [name for name in names if name.startswith("telegram_login/tests/")]
    requires = re.findall(r"^Requires-Dist: ([\w.-]+)", _metadata(wheel), re.M)
    assert {"Django", "django-allauth", "django-htmx", "django-template-partials"} <= set(requires)


def test_the_wheel_has_no_sandbox_file_and_offers_it_as_an_extra(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    assert [name for name in names if "sandbox" in name.lower()] == []
    metadata = _metadata(wheel)
    assert "Provides-Extra: sandbox" in metadata
    assert re.search(
        r'^Requires-Dist: telegram-login-sandbox==.*; extra == "sandbox"', metadata, re.M
    )


def test_the_sandbox_wheel_holds_the_sandbox_at_the_apps_import_path(sandbox_wheel: Path) -> None:
    names = zipfile.ZipFile(sandbox_wheel).namelist()
    files = [name for name in names if ".dist-info/" not in name]
    assert files
    assert all(name.startswith("telegram_login/sandbox/") for name in files), files
    for needed in [
        "telegram_login/sandbox/apps.py",
        "telegram_login/sandbox/bot_api.json",
        "telegram_login/sandbox/bot_api.LICENSE",
        "telegram_login/sandbox/templates/telegram_login_sandbox/sandbox.html",
        "telegram_login/sandbox/static/telegram_login_sandbox/sandbox.css",
        "telegram_login/sandbox/static/telegram_login_sandbox/favicon.svg",
        "telegram_login/sandbox/locale/ru/LC_MESSAGES/django.mo",
    ]:
        assert needed in names, needed
    # The app's package is the app wheel's alone.
    assert "telegram_login/__init__.py" not in names
    assert re.search(r"^Requires-Dist: telegram-login==", _metadata(sandbox_wheel), re.M)


def test_the_sdist_and_its_wheel_pass_twine_check_with_the_licence_and_py_typed(
    wheel: Path, sources: Path, tmp_path: Path
) -> None:
    """`python -m build` (the sdist, then the wheel built from it), as it would be published."""
    out = tmp_path / "dist"
    subprocess.run(
        [sys.executable, "-m", "build", "--outdir", str(out), str(sources)],
        check=True,
        capture_output=True,
    )
    [sdist] = out.glob("telegram_login-*.tar.gz")
    [from_sdist] = out.glob("telegram_login-*.whl")
    checked = subprocess.run(
        [sys.executable, "-m", "twine", "check", "--strict", str(sdist), str(from_sdist)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    # The sdist builds the same wheel as the sources.
    assert sorted(zipfile.ZipFile(from_sdist).namelist()) == sorted(
        zipfile.ZipFile(wheel).namelist()
    )
    metadata = _metadata(from_sdist)
    assert "License-Expression: MIT" in metadata
    assert "telegram_login/py.typed" in zipfile.ZipFile(from_sdist).namelist()
    for classifier in ("Framework :: Django :: 6.1", "Programming Language :: Python :: 3.13"):
        assert f"Classifier: {classifier}" in metadata


@pytest.fixture(scope="module")
def bare_python(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtualenv with only the wheel (and what it declares)."""
    return virtualenv(tmp_path_factory.mktemp("bare-venv"), str(wheel))


@pytest.fixture(scope="module")
def bare_site(
    bare_python: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, FakeBotApi]]:
    """A startproject site with README's lines in the wheel's virtualenv, running against a
    fake Bot API."""
    with _bare_site(bare_python, tmp_path_factory.mktemp("bare")) as site:
        yield site


@pytest.fixture(scope="module")
def bare_site_django6(
    wheel: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, FakeBotApi]]:
    """The same site on what `pip install` picks today on Python 3.13: Django 6.1."""
    interpreter = python313()
    root = tmp_path_factory.mktemp("bare-django6")
    python = virtualenv(root, str(wheel), interpreter=interpreter)
    version = django_version(python)
    assert version.startswith("6.1"), version
    with _bare_site(python, root) as site:
        yield site


@contextmanager
def _bare_site(python: Path, root: Path) -> Iterator[tuple[str, FakeBotApi]]:
    _, urls_block = readme_blocks()
    with (
        fake_bot_api_server() as server,
        running_site(root, python, settings=readme_settings_for(server), urls=urls_block) as site,
    ):
        yield site.url, server.api


def test_a_bare_site_with_readmes_lines_signs_a_person_in_with_telegram(bare_site) -> None:
    url, api = bare_site
    _sign_in_over_http(url, api)


def test_a_bare_site_on_django_6_1_and_python_3_13_signs_a_person_in(bare_site_django6) -> None:
    url, api = bare_site_django6
    _sign_in_over_http(url, api)


def _sign_in_over_http(url: str, api: FakeBotApi) -> None:
    """A person signs in with Telegram on the site at `url` as a browser and Telegram would: the
    start, /start in the bot, the code pressed, the poll."""
    browser = Browser(url)
    # allauth's stock page lists the provider.
    assert "Telegram" in browser.get("/accounts/login/").text
    assert browser.get("/static/telegram_login/telegram-login.js").ok

    assert confirm_in_telegram(browser, api, telegram_user(5_300_001, "Bare"))
    assert browser.signed_in()


def test_the_wheel_alone_brings_no_sandbox(bare_python: Path) -> None:
    found = subprocess.run(
        [str(bare_python), "-c", "import telegram_login.sandbox"],
        # Away from the checkout, whose telegram_login/ would be found first.
        cwd=bare_python.parent,
        capture_output=True,
        check=False,
    )
    assert found.returncode != 0
    assert b"No module named 'telegram_login.sandbox'" in found.stderr


def _readme_sandbox_blocks() -> tuple[str, str]:
    """The settings and URL lines of README's "The sandbox in your site"."""
    readme = (REPO / "README.md").read_text()
    section = readme.split("## The sandbox in your site", 1)[1].split("\n## ", 1)[0]
    settings_block, urls_block = re.findall(r"```python\n(.*?)```", section, re.S)
    return settings_block, urls_block


def readme_sandbox_site_lines() -> tuple[str, str]:
    """The settings and URL lines of a site in development with the sandbox: README's, with
    the bot's three lines left empty, then "The sandbox in your site"'s."""
    settings_block, urls_block = readme_blocks()
    settings_block = (
        settings_block.replace('"123456:ABC..."', '""')
        .replace('"your_login_bot"', '""')
        .replace('"32+ random characters of A-Z a-z 0-9 _ -"', '""')
    )
    sandbox_settings, sandbox_urls = _readme_sandbox_blocks()
    return settings_block + "\n" + sandbox_settings, urls_block + "\n" + sandbox_urls


@pytest.fixture(scope="module")
def sandbox_site(
    wheels: Path, wheel: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A fresh virtualenv with `telegram-login[sandbox]` (both wheels), and a startproject site
    in development (startproject's DEBUG) with README's lines, no bot, and the sandbox's lines."""
    root = tmp_path_factory.mktemp("sandbox")
    python = virtualenv(root, "--find-links", str(wheels), f"{wheel}[sandbox]")
    settings, urls = readme_sandbox_site_lines()
    with running_site(
        root,
        python,
        settings=settings,
        urls=urls,
    ) as site:
        yield site.url


def _sandbox_prompt(telegram: requests.Session, url: str) -> str:
    """The sandbox's chat once the bot's prompt with its buttons is in it."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        chat = telegram.get(f"{url}/telegram/sandbox/", timeout=10).text
        if 'data-testid="bot-button"' in chat:
            return chat
        time.sleep(0.1)
    pytest.fail("the bot sent no prompt to the sandbox")


def _linked_files_answer(session: requests.Session, url: str, page: str) -> None:
    """Every stylesheet, icon, script and image `page` links answers from the site: the
    sandbox's pages bring their own and need nothing of the site's (no css/site.css here)."""
    linked = re.findall(r'<(?:link|script|img)\b[^>]*?\b(?:href|src)="([^"]+)"', page)
    assert any(href.endswith(".css") for href in linked), linked
    for href in linked:
        answer = session.get(urljoin(url + "/", href), timeout=10)
        assert answer.status_code == HTTPStatus.OK, href


def test_a_site_with_both_wheels_signs_in_through_the_sandbox(sandbox_site: str) -> None:
    url = sandbox_site
    browser, telegram = requests.Session(), requests.Session()
    start_page = browser.get(f"{url}/accounts/telegram-login/login/", timeout=10)
    started = browser.post(
        f"{url}/accounts/telegram-login/login/",
        data={"process": "login", "csrfmiddlewaretoken": csrf_token(start_page)},
        headers={"HX-Request": "true", "Referer": f"{url}/accounts/telegram-login/login/"},
        timeout=10,
    )
    assert started.status_code == HTTPStatus.OK, started.text[-2000:]
    # The widget's link opens the sandbox's chat instead of t.me.
    token = re.search(r'href="/telegram/sandbox/\?start=([A-Za-z0-9_-]{43})"', started.text).group(
        1
    )
    poll = re.search(r'hx-get="([^"]+)"', started.text).group(1).replace("&amp;", "&")

    chat = telegram.get(f"{url}/telegram/sandbox/", timeout=10)
    assert 'data-testid="sandbox-identity"' in chat.text
    _linked_files_answer(telegram, url, chat.text)
    csrf = csrf_token(chat)
    telegram.post(
        f"{url}/telegram/sandbox/identity/",
        data={"id": "5300002", "first_name": "Sandy", "csrfmiddlewaretoken": csrf},
        timeout=10,
    )
    telegram.post(
        f"{url}/telegram/sandbox/send/",
        data={"start": token, "press_start": "1", "csrfmiddlewaretoken": csrf},
        timeout=10,
    )
    prompt = _sandbox_prompt(telegram, url)
    _linked_files_answer(telegram, url, prompt)
    claimed = browser.get(url + poll, headers={"HX-Request": "true"}, timeout=10)
    code = re.search(r'data-testid="match-code">(\d+)<', claimed.text).group(1)
    message_id, data = re.search(
        r'name="message_id" value="(\d+)">\s*<input type="hidden" name="data" value="([^"]+)">'
        rf'\s*<button type="submit" data-testid="bot-button">{code}<',
        prompt,
    ).groups()
    telegram.post(
        f"{url}/telegram/sandbox/press/",
        data={"message_id": message_id, "data": data, "csrfmiddlewaretoken": csrf},
        timeout=10,
    )
    done = browser.get(
        url + poll.replace("shown=pending", "shown=claimed"),
        headers={"HX-Request": "true"},
        timeout=10,
    )
    assert done.headers.get("HX-Redirect"), done.text[-2000:]
    email_page = browser.get(f"{url}/accounts/email/", allow_redirects=False, timeout=10)
    assert email_page.status_code == HTTPStatus.OK


def test_the_sandboxs_telegram_login_page_on_a_bare_site_has_all_it_links(
    sandbox_site: str,
) -> None:
    """Telegram's login page as the sandbox plays it, reached from allauth's stock provider
    link: the consent page, with every file it links."""
    url = sandbox_site
    browser = requests.Session()
    provider = browser.get(f"{url}/accounts/telegram/oidc/login/?process=login", timeout=10)
    consent = browser.post(
        f"{url}/accounts/telegram/oidc/login/",
        data={"process": "login", "csrfmiddlewaretoken": csrf_token(provider)},
        headers={"Referer": provider.url},
        timeout=10,
    )
    assert consent.url.startswith(f"{url}/telegram/sandbox/oidc/auth?"), consent.url
    assert 'data-testid="oidc-match-code"' in consent.text
    _linked_files_answer(browser, url, consent.text)
