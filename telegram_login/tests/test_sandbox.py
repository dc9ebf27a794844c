"""The built-in Telegram sandbox: only with DEBUG, and wired through the real webhook and client."""

from __future__ import annotations

import re
from http import HTTPStatus
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.core import checks
from django.test import Client

import telegram_login.sandbox
from telegram_login.conf import get_settings
from telegram_login.models import LoginRequest
from telegram_login.tests.helpers import BROWSER_UA, poll_path

pytestmark = pytest.mark.django_db


def test_sandbox_is_on_with_debug_and_no_bot_token(sandbox):
    conf = get_settings()
    assert conf.played
    assert conf.webhook_secret
    assert conf.api_base_url.endswith(".invalid")


def test_sandbox_pages_are_gone_without_debug(client):
    assert client.get("/telegram/sandbox/").status_code == HTTPStatus.NOT_FOUND
    assert (
        client.post("/telegram/sandbox/send/", {"text": "hi"}).status_code == HTTPStatus.NOT_FOUND
    )


def test_sandbox_next_to_a_bot_token_is_refused_at_start(settings, client):
    settings.TELEGRAM_SANDBOX = True
    settings.DEBUG = False
    errors = [m for m in checks.run_checks() if m.id == "telegram_login.E101"]
    assert len(errors) == 1
    assert "never runs next to a real bot" in errors[0].msg
    # Refused, it does not play: its pages stay shut next to the bot.
    assert client.get("/telegram/sandbox/").status_code == HTTPStatus.NOT_FOUND


def test_staging_sandbox_with_debug_off_is_a_warning_and_its_page_opens(settings, client):
    settings.TELEGRAM_SANDBOX = True
    settings.DEBUG = False
    settings.TELEGRAM_LOGIN_BOT_TOKEN = ""
    settings.TELEGRAM_LOGIN_BOT_USERNAME = ""
    settings.TELEGRAM_LOGIN_WEBHOOK_SECRET = ""
    assert [m for m in checks.run_checks() if m.is_serious()] == []
    warnings = [m for m in checks.run_checks() if m.id == "telegram_login.W004"]
    assert len(warnings) == 1
    assert "play any Telegram user" in warnings[0].msg
    assert client.get("/telegram/sandbox/").status_code == HTTPStatus.OK


def test_sandbox_user_signs_in_through_the_real_webhook(sandbox):
    browser = Client(HTTP_USER_AGENT=BROWSER_UA)
    page = browser.post(
        "/accounts/telegram-login/login/", {"process": "login"}, headers={"HX-Request": "true"}
    )
    link = re.search(
        r'href="(/telegram/sandbox/\?start=([A-Za-z0-9_-]{43}))"', page.content.decode()
    )
    assert link, page.content.decode()
    token = link.group(2)

    telegram = Client()
    telegram.post(
        "/telegram/sandbox/identity/",
        {
            "id": "5550001",
            "first_name": "Sandy",
            "username": "sandy",
            "language_code": "en",
            "start": token,
        },
    )
    telegram.post("/telegram/sandbox/send/", {"text": f"/start {token}", "start": token})
    chat = sandbox.chat(5550001)
    assert [m.from_bot for m in chat] == [False, True]
    prompt = chat[-1]
    assert "Sign in to" in prompt.text
    assert "Chrome 120 on Windows 10" in prompt.text
    buttons = [b for row in prompt.reply_markup["inline_keyboard"] for b in row]
    assert len(buttons) == 4

    login_request = LoginRequest.objects.get()
    right = next(b for b in buttons if b["text"] == login_request.match_code)
    telegram.post(
        "/telegram/sandbox/press/",
        {"message_id": prompt.message_id, "data": right["callback_data"], "start": token},
    )
    login_request.refresh_from_db()
    assert login_request.status == LoginRequest.Status.APPROVED
    assert all(not call.problems for call in sandbox.calls)
    assert any(call.method == "answerCallbackQuery" for call in sandbox.calls)

    done = browser.get(
        poll_path(login_request.id),
        {"shown": "claimed"},
        headers={"HX-Request": "true"},
    )
    assert done["HX-Redirect"] == "/"
    assert browser.get("/").context["user"].first_name == "Sandy"


def test_sandbox_page_is_marked_as_sandbox_and_links_to_no_site_page(sandbox, client):
    page = client.get("/telegram/sandbox/").content.decode()
    assert "Telegram (sandbox)" in page
    assert "/accounts/login/" not in page


def test_the_sandboxs_pages_link_only_files_the_sandbox_ships(sandbox, sandbox_issuer):
    """The chat and Telegram's login page are pages of their own on any site: the stylesheet
    and icon they link are the sandbox's, none of a site's own static files (such as the
    example site's css/site.css), and every script they load is an installed app's."""
    telegram = Client()
    pages = [telegram.get("/telegram/sandbox/"), telegram.get("/telegram/sandbox/oidc/auth")]
    telegram.post("/telegram/sandbox/identity/", {"id": "5550007", "first_name": "Oz"})
    pages.append(telegram.get("/telegram/sandbox/"))
    shipped = Path(telegram_login.sandbox.__file__).resolve().parent / "static"
    for page in pages:
        html = page.content.decode()
        linked = re.findall(r'<link [^>]*href="/static/([^"]+)"', html)
        assert sorted(linked) == [
            "telegram_login_sandbox/favicon.svg",
            "telegram_login_sandbox/sandbox.css",
        ]
        for name in linked:
            assert Path(finders.find(name)).is_relative_to(shipped), name
        for name in re.findall(r'<script [^>]*src="/static/([^"]+)"', html):
            assert finders.find(name), name


def _sandbox_sign_in_start(browser: Client) -> str:
    page = browser.post(
        "/accounts/telegram-login/login/", {"process": "login"}, headers={"HX-Request": "true"}
    )
    return re.search(r"/telegram/sandbox/\?start=([A-Za-z0-9_-]{43})", page.content.decode()).group(
        1
    )


def test_sandbox_identity_outlives_signing_out_of_the_site(sandbox):
    browser = Client(HTTP_USER_AGENT=BROWSER_UA)
    browser.post("/telegram/sandbox/identity/", {"id": "5550003", "first_name": "Kim"})
    browser.post("/accounts/logout/")
    browser.session.flush()
    page = browser.get("/telegram/sandbox/").content.decode()
    assert "id 5550003" in page
    assert 'data-testid="sandbox-identity"' not in page


def test_start_shows_slash_start_sends_the_token_and_goes_away(sandbox):
    browser = Client(HTTP_USER_AGENT=BROWSER_UA)
    token = _sandbox_sign_in_start(browser)
    telegram = Client()
    telegram.post("/telegram/sandbox/identity/", {"id": "5550004", "first_name": "Lu"})
    pressed = telegram.post("/telegram/sandbox/send/", {"start": token, "press_start": "1"})
    assert pressed["Location"] == "/telegram/sandbox/"
    mine = sandbox.chat(5550004)[0]
    assert mine.text == f"/start {token}"
    assert mine.display_text == "/start"
    page = telegram.get(pressed["Location"]).content.decode()
    assert 'data-testid="sandbox-start"' not in page
    assert f"/start {token}" not in page
    assert LoginRequest.objects.get().status == LoginRequest.Status.CLAIMED


def test_the_bots_answer_to_a_press_shows_as_an_alert(sandbox):
    browser = Client(HTTP_USER_AGENT=BROWSER_UA)
    token = _sandbox_sign_in_start(browser)
    telegram = Client()
    telegram.post("/telegram/sandbox/identity/", {"id": "5550005", "first_name": "Mo"})
    telegram.post("/telegram/sandbox/send/", {"start": token, "press_start": "1"})
    prompt = sandbox.chat(5550005)[-1]
    login_request = LoginRequest.objects.get()
    wrong = next(
        b
        for row in prompt.reply_markup["inline_keyboard"]
        for b in row
        if b["text"] not in {login_request.match_code, "✖ Cancel, this was not me"}
    )
    pressed = telegram.post(
        "/telegram/sandbox/press/",
        {"message_id": prompt.message_id, "data": wrong["callback_data"]},
    )
    page = telegram.get(pressed["Location"]).content.decode()
    assert 'role="alert" data-testid="bot-answer">Wrong code: sign-in denied.<' in page


def test_restart_after_blocking_unblocks_the_bot_and_sends_start(sandbox):
    telegram = Client()
    telegram.post("/telegram/sandbox/identity/", {"id": "5550006", "first_name": "Ned"})
    telegram.post("/telegram/sandbox/block/")
    page = telegram.get("/telegram/sandbox/").content.decode()
    assert 'data-testid="sandbox-restart"' in page
    assert 'data-testid="sandbox-text"' not in page
    telegram.post("/telegram/sandbox/restart/")
    assert 5550006 not in sandbox.blocked
    chat = sandbox.chat(5550006)
    assert chat[-2].text == "/start"
    assert chat[-1].from_bot
    assert "Hi! I sign you in" in chat[-1].text


def test_blocked_bot_cannot_message_the_user(sandbox):
    telegram = Client()
    telegram.post("/telegram/sandbox/identity/", {"id": "5550002", "first_name": "Bea"})
    telegram.post("/telegram/sandbox/block/")
    status, body = sandbox.handle("sendMessage", {"chat_id": 5550002, "text": "hello"})
    assert status == HTTPStatus.FORBIDDEN
    assert body["description"] == "Forbidden: bot was blocked by the user"


def test_the_runtime_never_names_the_sandbox():
    """The sandbox plugs itself in (hooks.py) and ships in a wheel of its own: nothing else in
    the package, code, templates or catalogues, so much as names it."""
    package = Path(__file__).resolve().parents[1]
    named = [
        str(path.relative_to(package))
        for path in package.rglob("*")
        if path.is_file()
        and path.suffix in {".py", ".html", ".txt", ".js", ".css", ".po"}
        and path.relative_to(package).parts[0] not in {"sandbox", "tests"}
        and "sandbox" in path.read_text(encoding="utf-8").lower()
    ]
    assert named == []


def test_the_chat_is_sent_again_only_when_it_changed(sandbox):
    """The page asks for its chat every second; the same chat is a 204 (htmx keeps the log where
    the person scrolled it), a new or edited message the whole log, opening at the newest."""
    telegram = Client()
    telegram.post("/telegram/sandbox/identity/", {"id": "5550009", "first_name": "Rev"})
    page = telegram.get("/telegram/sandbox/").content.decode()
    seen = re.search(r'hx-get="/telegram/sandbox/\?seen=(\d+)"', page).group(1)
    htmx = {"HX-Request": "true"}
    unchanged = telegram.get("/telegram/sandbox/", {"seen": seen}, headers=htmx)
    assert unchanged.status_code == HTTPStatus.NO_CONTENT
    telegram.post("/telegram/sandbox/send/", {"text": "hello"})
    changed = telegram.get("/telegram/sandbox/", {"seen": seen}, headers=htmx)
    assert changed.status_code == HTTPStatus.OK
    log = changed.content.decode()
    assert log.strip().startswith('<div id="chat-log"')
    assert "hello" in log
    newer = re.search(r'\?seen=(\d+)"', log).group(1)
    assert int(newer) > int(seen)
    prompt = sandbox.chat(5550009)[-1]
    sandbox.handle(
        "editMessageText",
        {"chat_id": 5550009, "message_id": prompt.message_id, "text": prompt.text + " (edited)"},
    )
    edited = telegram.get("/telegram/sandbox/", {"seen": newer}, headers=htmx)
    assert edited.status_code == HTTPStatus.OK
    assert "(edited)" in edited.content.decode()
