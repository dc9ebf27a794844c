"""The bot's messages on the database queue (django-tasks-db, README's lines for it), as a site
runs it with DEBUG off: stored before anything is sent, sent at once by the process that stored
them, otherwise by the worker; retried while Telegram asks to wait or fails; dropped quietly for a
blocked bot."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
import requests
from django.test import Client
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from telegram_login.compat import IMMEDIATE_BACKEND, TaskResultStatus
from telegram_login.messaging import outbox, tasks
from telegram_login.messaging.callbacks import ACTION_CODE, callback_data
from telegram_login.models import LoginRequest
from telegram_login.tests.flows import confirm_in_telegram, sign_in_with_password
from telegram_login.tests.helpers import BROWSER_UA, poll, start_sign_in
from telegram_login.tests.queue_support import *  # noqa: F403  the fixtures
from telegram_login.tests.queue_support import (
    ALERT,
    EMAIL,
    delivered,
    due_now,
    rows,
    run_worker,
    telegram_answers,
)

pytestmark = pytest.mark.django_db(transaction=True)


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
