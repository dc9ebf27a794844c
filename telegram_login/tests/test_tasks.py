"""The bot's messages on the database queue (django-tasks-db, README's lines for it), as a site
runs it with DEBUG off: stored before anything is sent, sent at once by the process that stored
them, otherwise by the worker; retried while Telegram asks to wait or fails; dropped quietly for a
blocked bot."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta
from io import StringIO
from typing import Any

import pytest
import requests
from django.core.management import call_command
from django.test import Client, modify_settings
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from telegram_login.compat import IMMEDIATE_BACKEND, TaskResultStatus
from telegram_login.messaging import outbox, tasks
from telegram_login.messaging.callbacks import ACTION_CODE, callback_data
from telegram_login.models import LoginRequest
from telegram_login.sandbox.fake_api import FakeBotApi
from telegram_login.tests.flows import (
    confirm_in_telegram,
    email_user,
    sign_in_with_password,
    telegram_user_of,
)
from telegram_login.tests.helpers import BROWSER_UA, poll, start_sign_in

pytestmark = pytest.mark.django_db(transaction=True)

EMAIL = "queued@example.test"
ALERT = "🔐 New sign-in to queued@example.test"


class AfterTheAnswer:
    """The site's after-the-answer threads, run in the test's own thread. `dead` drops what is
    submitted, as a process that died right after storing its messages never sends them."""

    def __init__(self) -> None:
        self.dead = False

    def submit(self, fn: Callable[..., Any], *args: Any) -> None:
        if not self.dead:
            fn(*args)


@pytest.fixture
def queue(settings: Any, monkeypatch: pytest.MonkeyPatch) -> AfterTheAnswer:
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.TELEGRAM_LOGIN_SEND_INLINE = False
    runner = AfterTheAnswer()
    monkeypatch.setattr(outbox, "_executor", runner)
    return runner


@pytest.fixture
def owner(bot_api: FakeBotApi, telegram_user: Any) -> dict[str, Any]:
    user = email_user(EMAIL)
    telegram = telegram_user(first_name="Queued")
    telegram_user_of(user, uid=telegram["id"])
    bot_api.users[telegram["id"]] = telegram
    return telegram


def run_worker() -> str:
    out = StringIO()
    call_command(
        "telegram_worker", batch=True, startup_delay=False, reload=False, stdout=out, stderr=out
    )
    return out.getvalue()


def delivered(bot_api: FakeBotApi, telegram: dict[str, Any]) -> list[str]:
    return [m.text for m in bot_api.chat(telegram["id"]) if m.from_bot]


def rows() -> list[DBTaskResult]:
    return list(DBTaskResult.objects.order_by("enqueued_at"))


def telegram_answers(
    bot_api: FakeBotApi, monkeypatch: pytest.MonkeyPatch, method: str, answers: list[Any]
) -> None:
    """Telegram answers `method` with each of `answers` in turn (an exception is raised as the
    client would meet it), then as usual."""
    original = bot_api.handle
    pending = list(answers)

    def handle(called: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if called == method and pending:
            answer = pending.pop(0)
            if isinstance(answer, Exception):
                raise answer
            return answer
        return original(called, params)

    monkeypatch.setattr(bot_api, "handle", handle)


def due_now() -> None:
    """As if the time each queued message waits for had passed."""
    DBTaskResult.objects.filter(status=TaskResultStatus.READY).update(run_after=timezone.now())


def test_the_process_that_stored_a_message_sends_it_at_once_without_a_worker(queue, owner, bot_api):
    sign_in_with_password(Client(HTTP_USER_AGENT=BROWSER_UA), EMAIL)

    [text] = delivered(bot_api, owner)
    assert text.startswith(ALERT)
    [row] = rows()
    assert row.status == TaskResultStatus.SUCCESSFUL
    assert row.return_value == "sent"
    assert row.worker_ids == [tasks.RUNNER_ID]


def test_a_worker_stopped_between_enqueue_and_send_loses_nothing_once_it_starts_again(
    queue, owner, bot_api
):
    # The web process stores the alert and dies before sending it; no worker is running.
    queue.dead = True
    sign_in_with_password(Client(HTTP_USER_AGENT=BROWSER_UA), EMAIL)
    [row] = rows()
    assert row.status == TaskResultStatus.READY
    assert delivered(bot_api, owner) == []

    run_worker()

    [text] = delivered(bot_api, owner)
    assert text.startswith(ALERT)
    row.refresh_from_db()
    assert row.status == TaskResultStatus.SUCCESSFUL


def test_a_message_a_killed_worker_left_half_sent_is_sent_once_a_worker_starts(
    queue, owner, bot_api
):
    queue.dead = True
    sign_in_with_password(Client(HTTP_USER_AGENT=BROWSER_UA), EMAIL)
    sign_in_with_password(Client(HTTP_USER_AGENT=BROWSER_UA), EMAIL)
    killed, busy = rows()
    # One was taken by a worker killed five minutes ago; another is being sent right now.
    DBTaskResult.objects.filter(pk=killed.pk).update(
        status=TaskResultStatus.RUNNING, started_at=timezone.now() - timedelta(minutes=5)
    )
    DBTaskResult.objects.filter(pk=busy.pk).update(
        status=TaskResultStatus.RUNNING, started_at=timezone.now() - timedelta(seconds=10)
    )

    run_worker()

    assert len(delivered(bot_api, owner)) == 1
    killed.refresh_from_db()
    busy.refresh_from_db()
    assert killed.status == TaskResultStatus.SUCCESSFUL
    assert busy.status == TaskResultStatus.RUNNING


def test_telegram_429_is_retried_after_the_time_it_asks_for(queue, owner, bot_api, monkeypatch):
    too_many = {
        "ok": False,
        "error_code": 429,
        "description": "Too Many Requests: retry after 7",
        "parameters": {"retry_after": 7},
    }
    telegram_answers(bot_api, monkeypatch, "sendMessage", [(429, too_many)])
    before = timezone.now()

    sign_in_with_password(Client(HTTP_USER_AGENT=BROWSER_UA), EMAIL)

    first, retry = rows()
    assert first.return_value == "retry scheduled"
    assert retry.status == TaskResultStatus.READY
    assert retry.args_kwargs["args"][1] == 1
    waited = (retry.run_after - before).total_seconds()
    assert 7 <= waited < 9
    run_worker()
    assert delivered(bot_api, owner) == []

    due_now()
    run_worker()

    [text] = delivered(bot_api, owner)
    assert text.startswith(ALERT)


def test_telegram_5xx_and_timeouts_are_retried_with_a_doubling_wait(
    queue, owner, bot_api, monkeypatch
):
    bad_gateway = {"ok": False, "error_code": 502, "description": "Bad Gateway"}
    telegram_answers(
        bot_api,
        monkeypatch,
        "sendMessage",
        [(502, bad_gateway), requests.ReadTimeout("read timed out")],
    )
    sign_in_with_password(Client(HTTP_USER_AGENT=BROWSER_UA), EMAIL)
    waits = []
    for _ in range(2):
        [waiting] = [r for r in rows() if r.status == TaskResultStatus.READY]
        waits.append(round((waiting.run_after - waiting.enqueued_at).total_seconds()))
        due_now()
        run_worker()

    assert waits == [2, 4]
    [text] = delivered(bot_api, owner)
    assert text.startswith(ALERT)
    assert [r.return_value for r in rows()] == ["retry scheduled", "retry scheduled", "sent"]


def test_a_message_telegram_keeps_refusing_is_recorded_as_failed_after_the_last_try(
    queue, owner, bot_api, monkeypatch
):
    bad_gateway = {"ok": False, "error_code": 502, "description": "Bad Gateway"}
    telegram_answers(bot_api, monkeypatch, "sendMessage", [(502, bad_gateway)])
    queue.dead = True
    call = outbox.Outgoing(
        call=outbox.BotCall("sendMessage", {"chat_id": owner["id"], "text": "hello"})
    )
    tasks.enqueue(call.as_payload(), priority=0, attempt=outbox.MAX_ATTEMPTS - 1)

    run_worker()

    [row] = rows()
    assert row.status == TaskResultStatus.FAILED
    assert "DeliveryFailed" in row.exception_class_path
    assert "502 Bad Gateway (try 10)" in row.traceback


def test_a_blocked_bot_stops_alerts_without_errors(queue, owner, bot_api, caplog):
    bot_api.block(owner["id"])
    browser = Client(HTTP_USER_AGENT=BROWSER_UA)

    with caplog.at_level(logging.INFO):
        sign_in_with_password(browser, EMAIL)

    assert browser.get("/accounts/email/").status_code == 200
    [row] = rows()
    assert row.status == TaskResultStatus.SUCCESSFUL
    assert row.return_value == "blocked"
    assert [r for r in caplog.records if r.levelno >= logging.WARNING] == []
    assert "bot was blocked by the user" in caplog.text
    run_worker()
    assert len(rows()) == 1


def test_a_prompt_whose_request_ended_before_its_next_try_is_not_sent(
    queue, bot_api, telegram_user, telegram_update, post_update, monkeypatch
):
    bad_gateway = {"ok": False, "error_code": 502, "description": "Bad Gateway"}
    telegram_answers(bot_api, monkeypatch, "sendMessage", [(502, bad_gateway)])
    browser = Client(HTTP_USER_AGENT=BROWSER_UA)
    login_request, token, _ = start_sign_in(browser)
    person = telegram_user()
    post_update(telegram_update(message=(person, f"/start {token}")))
    [first, retry] = rows()
    assert first.return_value == "retry scheduled"
    assert retry.priority == outbox.PROMPT_PRIORITY
    LoginRequest.objects.filter(pk=login_request.pk).update(expires_at=timezone.now())

    due_now()
    run_worker()

    retry.refresh_from_db()
    assert retry.return_value == "request ended"
    assert delivered(bot_api, person) == []


def test_edits_waiting_in_the_queue_all_say_how_the_sign_in_stands_when_they_are_sent(
    queue, bot_api, telegram_user, telegram_update, post_update
):
    browser = Client(HTTP_USER_AGENT=BROWSER_UA)
    person = telegram_user()
    # The prompt goes out; then the process dies before the edit at approval and the one at
    # completion, whichever order a worker finds them in.
    login_request, token, _ = start_sign_in(browser)
    post_update(telegram_update(message=(person, f"/start {token}")))
    queue.dead = True
    login_request.refresh_from_db()
    post_update(
        telegram_update(
            callback=(person, callback_data(login_request, ACTION_CODE, login_request.match_code))
        )
    )
    assert poll(browser, login_request, shown="claimed").has_header("HX-Redirect")
    waiting = [r for r in rows() if r.status == TaskResultStatus.READY]
    assert len(waiting) == 2
    DBTaskResult.objects.filter(pk=waiting[1].pk).update(priority=5)

    run_worker()

    [prompt] = [m for m in bot_api.chat(person["id"]) if m.from_bot]
    assert prompt.text.startswith("✔ Signed in to ")
    assert prompt.reply_markup["inline_keyboard"][0][0]["text"] == "Not me: sign this session out"


def test_the_worker_says_it_is_not_needed_where_the_site_sends_messages_itself(settings):
    settings.TASKS = {"default": {"BACKEND": IMMEDIATE_BACKEND}}
    assert "no worker is needed" in run_worker()


def test_a_telegram_sign_in_through_the_queue_shows_its_session_in_the_prompt(
    queue, bot_api, telegram_user, telegram_update, post_update
):
    person = telegram_user()
    confirm_in_telegram(Client(HTTP_USER_AGENT=BROWSER_UA), person, telegram_update, post_update)
    [prompt] = [m for m in bot_api.chat(person["id"]) if m.from_bot]
    assert prompt.text.startswith("✔ Signed in to ")
    assert all(r.status == TaskResultStatus.SUCCESSFUL for r in rows())


def test_a_check_warns_where_nothing_keeps_the_bots_messages(settings):
    from django.core import checks

    settings.TASKS = {"default": {"BACKEND": IMMEDIATE_BACKEND}}
    assert [m.id for m in checks.run_checks() if m.id == "telegram_login.W007"] == [
        "telegram_login.W007"
    ]
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    assert not [m for m in checks.run_checks() if m.id == "telegram_login.W007"]


def test_a_check_warns_that_alerts_need_allauths_sessions(settings):
    from django.core import checks

    assert not [m for m in checks.run_checks() if m.id == "telegram_login.W006"]
    with modify_settings(INSTALLED_APPS={"remove": ["allauth.usersessions"]}):
        found = [m for m in checks.run_checks() if m.id == "telegram_login.W006"]
    assert "no sign-in alerts" in found[0].msg


def test_records_of_sent_messages_are_deleted_after_a_day_and_failed_ones_after_a_week(
    queue, owner
):
    call = outbox.Outgoing(
        call=outbox.BotCall("sendMessage", {"chat_id": owner["id"], "text": "hello"})
    )
    for _ in range(4):
        tasks.enqueue(call.as_payload(), priority=0)
    sent_long_ago, sent_today, failed_days_ago, waiting = rows()
    now = timezone.now()
    DBTaskResult.objects.filter(pk=sent_long_ago.pk).update(
        status=TaskResultStatus.SUCCESSFUL, finished_at=now - timedelta(days=2)
    )
    DBTaskResult.objects.filter(pk=sent_today.pk).update(
        status=TaskResultStatus.SUCCESSFUL, finished_at=now - timedelta(hours=2)
    )
    DBTaskResult.objects.filter(pk=failed_days_ago.pk).update(
        status=TaskResultStatus.FAILED, finished_at=now - timedelta(days=2)
    )

    out = StringIO()
    call_command("telegram_cleanup", stdout=out)

    assert "Deleted 1 old record(s) of bot messages." in out.getvalue()
    assert [r.pk for r in rows()] == [sent_today.pk, failed_days_ago.pk, waiting.pk]
