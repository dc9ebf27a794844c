"""The bot's management commands, against the fake Bot API."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from telegram_login.compat import TaskResultStatus
from telegram_login.messaging import outbox, tasks
from telegram_login.models import BotPrompt, LoginRequest, ProcessedUpdate
from telegram_login.tests.helpers import BOT_USERNAME, WEBHOOK_SECRET, start_sign_in
from telegram_login.tests.queue_support import *  # noqa: F403  the fixtures
from telegram_login.tests.queue_support import rows

pytestmark = pytest.mark.django_db


def _run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out, stderr=out)
    return out.getvalue()


def test_webhook_set_registers_the_url_secret_and_handled_updates(bot_api, settings):
    settings.ALLOWED_HOSTS = ["login.example.com"]
    output = _run("telegram_webhook_set", "--drop-pending-updates")
    call = [c for c in bot_api.calls if c.method == "setWebhook"][-1]
    assert call.problems == []
    assert call.params["url"] == "https://login.example.com/telegram/webhook/"
    assert call.params["secret_token"] == WEBHOOK_SECRET
    assert call.params["allowed_updates"] == ["message", "callback_query", "my_chat_member"]
    assert call.params["drop_pending_updates"] is True
    assert "Webhook set to https://login.example.com/telegram/webhook/" in output


def test_webhook_set_sets_the_menu_button_to_open_the_site_as_the_bots_mini_app(bot_api, settings):
    settings.ALLOWED_HOSTS = ["login.example.com"]
    output = _run("telegram_webhook_set", "--mini-app", "https://login.example.com/accounts/login/")
    [call] = [c for c in bot_api.calls if c.method == "setChatMenuButton"]
    assert call.problems == []
    assert call.params["menu_button"] == {
        "type": "web_app",
        "text": "Open",
        "web_app": {"url": "https://login.example.com/accounts/login/"},
    }
    assert "Menu button: Open opens https://login.example.com/accounts/login/" in output


def test_webhook_set_refuses_a_mini_app_that_is_not_https(bot_api, settings):
    settings.ALLOWED_HOSTS = ["login.example.com"]
    with pytest.raises(CommandError, match="HTTPS pages"):
        _run("telegram_webhook_set", "--mini-app", "http://login.example.com/")
    assert not [c for c in bot_api.calls if c.method in ("setWebhook", "setChatMenuButton")]


def test_webhook_set_refuses_a_plain_http_url(bot_api):
    with pytest.raises(CommandError, match="HTTPS"):
        _run("telegram_webhook_set", "--url", "http://example.com/telegram/webhook/")
    assert not [c for c in bot_api.calls if c.method == "setWebhook"]


def test_webhook_info_shows_the_webhook_and_checks_the_bot_username(bot_api):
    bot_api.webhook = {
        "url": "https://login.example.com/telegram/webhook/",
        "allowed_updates": ["message"],
    }
    output = _run("telegram_webhook_info")
    assert f"Bot: @{BOT_USERNAME}" in output
    assert "Webhook URL: https://login.example.com/telegram/webhook/" in output
    assert "Pending updates: 0" in output


def test_webhook_info_fails_when_the_token_belongs_to_another_bot(bot_api, settings):
    settings.TELEGRAM_LOGIN_BOT_USERNAME = "some_other_bot"
    with pytest.raises(CommandError, match="wrong bot"):
        _run("telegram_webhook_info")


def test_webhook_delete(bot_api):
    bot_api.webhook = {"url": "https://x.example/telegram/webhook/"}
    assert "Webhook deleted" in _run("telegram_webhook_delete")
    assert bot_api.webhook == {"url": ""}


def test_commands_fail_clearly_when_telegram_refuses(bot_api, settings):
    settings.TELEGRAM_LOGIN_BOT_TOKEN = "4242:WRONG-token"
    settings.TELEGRAM_LOGIN_API_BASE_URL = "https://bot-api.test"
    with pytest.raises(CommandError, match=r"Telegram refused|no answer"):
        _run("telegram_webhook_delete")


def test_long_polling_refuses_while_a_webhook_is_set(bot_api):
    bot_api.webhook = {"url": "https://x.example/telegram/webhook/"}
    with pytest.raises(CommandError, match="--delete-webhook"):
        _run("telegram_poll", "--max-rounds", "1")


def test_long_polling_handles_updates_like_the_webhook(
    bot_api, browser_client, telegram_user, telegram_update
):
    login_request, token, _ = start_sign_in(browser_client)
    user = telegram_user()
    bot_api.users[user["id"]] = user
    bot_api.webhook = {"url": "https://x.example/telegram/webhook/"}
    update = telegram_update(message=(user, f"/start {token}"))
    bot_api.pending_updates = [update]
    output = _run("telegram_poll", "--delete-webhook", "--max-rounds", "2", "--timeout", "0")
    assert "Stopped after 1 update(s)." in output
    login_request.refresh_from_db()
    assert login_request.status == LoginRequest.Status.CLAIMED
    sent = [c for c in bot_api.calls if c.method == "sendMessage"]
    assert len(sent) == 1
    assert sent[0].problems == []
    offsets = [c.params["offset"] for c in bot_api.calls if c.method == "getUpdates"]
    assert offsets == [0, update["update_id"] + 1]


def test_cleanup_deletes_only_old_finished_requests_and_update_ids(browser_client, bot_api):
    fresh, _, _ = start_sign_in(browser_client)
    old, _, _ = start_sign_in(browser_client)
    LoginRequest.objects.filter(pk=old.pk).update(expires_at=timezone.now() - timedelta(days=2))
    ProcessedUpdate.objects.create(update_id=1, received_at=timezone.now() - timedelta(days=3))
    ProcessedUpdate.objects.create(update_id=2)
    output = _run("telegram_cleanup")
    assert "Deleted 1 old sign-in request(s) and 1 update id(s), and expired sessions." in output
    assert list(LoginRequest.objects.values_list("pk", flat=True)) == [fresh.pk]
    assert list(ProcessedUpdate.objects.values_list("update_id", flat=True)) == [2]


def _old_requests(count: int) -> None:
    from telegram_login.tests.request_states import start_request

    made = [start_request()[0] for _ in range(count)]
    LoginRequest.objects.filter(pk__in=[r.pk for r in made]).update(
        expires_at=timezone.now() - timedelta(days=2)
    )
    for login_request in made:
        BotPrompt.objects.create(login_request=login_request, chat_id=1, message_id=1)


def test_a_prune_deletes_at_most_a_batch_so_no_start_waits_for_a_backlog(bot_api):
    from telegram_login import upkeep

    _old_requests(5)
    for n in range(4):
        ProcessedUpdate.objects.create(update_id=n, received_at=timezone.now() - timedelta(days=3))
    pruned = upkeep.prune_old_records(batch=2)
    assert (pruned.requests, pruned.updates) == (2, 2)
    assert LoginRequest.objects.count() == 3
    assert ProcessedUpdate.objects.count() == 2
    # The deleted requests' prompts went with them, and only theirs.
    assert BotPrompt.objects.count() == 3
    assert set(BotPrompt.objects.values_list("login_request_id", flat=True)) == set(
        LoginRequest.objects.values_list("pk", flat=True)
    )


def test_cleanup_clears_a_backlog_larger_than_a_batch(bot_api, monkeypatch):
    from telegram_login import upkeep
    from telegram_login.tests.request_states import start_request

    monkeypatch.setattr(upkeep, "PRUNE_BATCH", 2)
    fresh, _ = start_request()
    _old_requests(5)
    for n in range(3):
        ProcessedUpdate.objects.create(update_id=n, received_at=timezone.now() - timedelta(days=3))
    output = _run("telegram_cleanup")
    assert "Deleted 5 old sign-in request(s) and 3 update id(s), and expired sessions." in output
    assert list(LoginRequest.objects.values_list("pk", flat=True)) == [fresh.pk]
    assert not ProcessedUpdate.objects.exists()
    assert not BotPrompt.objects.exists()


def test_every_command_has_help():
    for name in (
        "telegram_webhook_set",
        "telegram_webhook_info",
        "telegram_webhook_delete",
        "telegram_poll",
        "telegram_cleanup",
    ):
        from django.core.management import load_command_class

        command = load_command_class("telegram_login", name)
        assert command.help
        assert command.create_parser("manage.py", name).format_help()


@pytest.mark.django_db(transaction=True)
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
