"""Property tests of the webhook: any update, well-formed or hostile, gets a calm answer.

Updates are generated from the Bot API's own type table (sandbox/bot_api.json), with hostile
values mixed in, plus hand-made variants of the shapes the bot acts on. For each one: the webhook
answers 200 (or 413 for an oversized body), a reply in its body is a valid Bot API call, nothing
is logged at ERROR, and a waiting sign-in that the update does not name stays waiting.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils.html import escape
from hypothesis import HealthCheck, event, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from telegram_login.bot.updates import MalformedUpdate, parse_update
from telegram_login.messaging.callbacks import ACTION_CODE, callback_data
from telegram_login.models import LoginRequest, ProcessedUpdate
from telegram_login.sandbox.fake_api import FakeBotApi
from telegram_login.sandbox.spec import call_problems
from telegram_login.tests.helpers import WEBHOOK_SECRET, WEBHOOK_URL, poll, start_sign_in
from telegram_login.tests.strategies import (
    callback_presses,
    lone_surrogates,
    member_updates,
    nasty_text,
    start_messages,
    updates_from_the_spec,
)

pytestmark = pytest.mark.django_db

Status = LoginRequest.Status
EXAMPLES = dict(
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


# -- the checks ------------------------------------------------------------------------------


@pytest.fixture
def webhook(bot_api: FakeBotApi, caplog: pytest.LogCaptureFixture) -> Callable[[Any], Any]:
    """Post one update as Telegram does, and check everything that must hold for any update."""
    telegram = Client()

    def post(update: Any) -> Any:
        # Each example stands alone: repeated update ids and used-up rate limits would hide
        # the interesting branches behind "already handled" and "too many attempts".
        ProcessedUpdate.objects.all().delete()
        cache.clear()
        caplog.clear()
        bot_api.calls.clear()
        caplog.set_level(logging.INFO, logger="telegram_login")
        body = update.text if isinstance(update, RawBody) else json.dumps(update)
        response = telegram.post(
            WEBHOOK_URL,
            data=body,
            content_type="application/json",
            headers={"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET},
        )
        assert response.status_code in {HTTPStatus.OK, HTTPStatus.REQUEST_ENTITY_TOO_LARGE}
        if response.get("Content-Type") == "application/json":
            reply = dict(response.json())
            method = reply.pop("method")
            assert call_problems(method, reply) == [], (method, reply)
            event(f"replied with {method}")
        else:
            event(f"answered {response.status_code} with an empty body")
            assert response.content == b""
        # Calls sent after the answer (message edits) must pass the spec too.
        assert [c.problems for c in bot_api.calls if c.problems] == []
        errors = [
            r
            for r in caplog.records
            if r.name.startswith("telegram_login") and r.levelno >= logging.ERROR
        ]
        assert errors == [], [r.getMessage() for r in errors]
        return response

    return post


@dataclass(frozen=True)
class RawBody:
    """A webhook body sent as it is, not as JSON made from a value."""

    text: str


@pytest.fixture
def waiting(browser_client: Client) -> tuple[LoginRequest, str]:
    """A sign-in waiting for Telegram; no generated update knows its token."""
    login_request, token, _ = start_sign_in(browser_client)
    return login_request, token


def _still_waiting(login_request: LoginRequest) -> None:
    login_request.refresh_from_db()
    assert login_request.status == Status.PENDING
    assert login_request.telegram_user_id is None


def test_any_update_from_the_bot_api_table_gets_a_calm_answer(webhook, waiting):
    login_request, token = waiting

    @hypothesis_settings(max_examples=300, **EXAMPLES)
    @given(update=updates_from_the_spec())
    def check(update: dict[str, Any]) -> None:
        assert token not in json.dumps(update)
        webhook(update)
        _still_waiting(login_request)

    check()


def test_any_start_message_with_a_token_like_payload_gets_a_calm_answer(webhook, waiting):
    login_request, token = waiting

    @hypothesis_settings(max_examples=200, **EXAMPLES)
    @given(update=start_messages())
    def check(update: dict[str, Any]) -> None:
        assert token not in json.dumps(update)
        webhook(update)
        _still_waiting(login_request)

    check()


def test_any_button_press_gets_a_calm_answer_and_decides_nothing_it_should_not(
    webhook, waiting, browser_client, bot_api, telegram_user, telegram_update, post_update
):
    login_request, _ = waiting
    # A second request, claimed by a Telegram user the generator never plays (its id is not
    # in SENDER_IDS), so no generated press may decide it.
    claimed, claimed_token, _ = start_sign_in(Client())
    owner = telegram_user(id=424242424242)
    post_update(telegram_update(message=(owner, f"/start {claimed_token}")))
    claimed.refresh_from_db()
    assert claimed.status == Status.CLAIMED

    @hypothesis_settings(max_examples=200, **EXAMPLES)
    @given(update=callback_presses([login_request.id.hex, claimed.id.hex]))
    def check(update: dict[str, Any]) -> None:
        response = webhook(update)
        _still_waiting(login_request)
        claimed.refresh_from_db()
        assert claimed.status == Status.CLAIMED
        try:
            parsed = parse_update(update)
        except MalformedUpdate:
            # Still answered when the press has an id to answer, so the client stops spinning.
            query_id = update.get("callback_query", {}).get("id")
            if isinstance(query_id, str) and 0 < len(query_id) <= 256:
                assert response.json()["method"] == "answerCallbackQuery"
            else:
                assert response.content == b""
        else:
            # Every press the bot can read is answered, or the user's client spins.
            assert parsed.callback_query is not None
            assert response.json()["method"] == "answerCallbackQuery"

    check()


def test_any_membership_change_gets_a_calm_answer(webhook, waiting):
    login_request, _ = waiting

    @hypothesis_settings(max_examples=80, **EXAMPLES)
    @given(update=member_updates())
    def check(update: dict[str, Any]) -> None:
        webhook(update)
        _still_waiting(login_request)

    check()


def _is_text(value: str | None) -> bool:
    """Could Telegram send this string (valid UTF-8 without NUL)?"""
    if value is None:
        return True
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return "\x00" not in value


def _start_from(user: dict[str, Any], token: str) -> dict[str, Any]:
    """The update of `user` pressing Start on the deep link with `token`."""
    return {
        "update_id": 1,
        "message": {
            "message_id": 1,
            "date": 1700000000,
            "from": user,
            "chat": {"id": user["id"], "type": "private"},
            "text": f"/start {token}",
        },
    }


def _press_from(user: dict[str, Any], data: str, *, chat: dict[str, Any]) -> dict[str, Any]:
    """The update of `user` pressing the button with `data` under the bot's prompt in `chat`."""
    return {
        "update_id": 2,
        "callback_query": {
            "id": "press",
            "from": user,
            "chat_instance": "1",
            "data": data,
            "message": {"message_id": 1, "date": 1, "chat": chat},
        },
    }


def test_any_telegram_name_either_claims_and_shows_in_the_browser_or_is_refused(
    webhook, bot_api, browser_client
):
    @hypothesis_settings(max_examples=40, **EXAMPLES)
    @given(
        first_name=st.one_of(st.text(min_size=1, max_size=30), nasty_text, lone_surrogates),
        last_name=st.one_of(st.none(), st.text(max_size=30), lone_surrogates),
    )
    def check(first_name: str, last_name: str | None) -> None:
        login_request, token, _ = start_sign_in(browser_client)
        user = {"id": 700000001, "is_bot": False, "first_name": first_name}
        if last_name is not None:
            user["last_name"] = last_name
        update = _start_from(user, token)
        webhook(update)
        login_request.refresh_from_db()
        page = poll(browser_client, login_request)
        if _is_text(first_name) and _is_text(last_name):
            assert login_request.status == Status.CLAIMED
            assert login_request.telegram_user["first_name"] == first_name
            assert page.status_code == HTTPStatus.OK
            # The name shows once the request is confirmed, not before.
            data = callback_data(login_request, ACTION_CODE, login_request.match_code)
            webhook(_press_from(user, data, chat=update["message"]["chat"]))
            done = poll(browser_client, login_request, shown="claimed")
            assert done.status_code == HTTPStatus.OK
            assert escape(first_name) in done.content.decode()
        else:
            # Not text Telegram could send (a lone surrogate, a NUL): ignored as malformed.
            assert login_request.status == Status.PENDING
            assert page.status_code == HTTPStatus.NO_CONTENT

    check()


def test_any_deeply_nested_body_under_the_size_cap_gets_a_calm_answer(webhook, waiting):
    """Nesting deeper than Python's JSON parser allows once raised RecursionError: a 500 that
    Telegram would retry for a day."""
    login_request, _ = waiting

    @hypothesis_settings(max_examples=25, **EXAMPLES)
    @given(
        depth=st.integers(min_value=900, max_value=30_000),
        opener=st.sampled_from(["[", '{"a":', '{"update_id": 1, "message": {"x":']),
    )
    def check(depth: int, opener: str) -> None:
        closer = {"[": "]", '{"a":': "}", '{"update_id": 1, "message": {"x":': "}"}[opener]
        body = opener * depth + "1" + closer * depth
        if opener.startswith('{"update_id"'):
            body += "}"
        response = webhook(RawBody(body))
        assert response.status_code in {HTTPStatus.OK, HTTPStatus.REQUEST_ENTITY_TOO_LARGE}
        _still_waiting(login_request)

    check()
