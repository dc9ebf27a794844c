"""Property tests of the webhook: any update, well-formed or hostile, gets a calm answer.

Updates are generated from the Bot API's own type table (sandbox/bot_api.json), with hostile
values mixed in, plus hand-made variants of the shapes the bot acts on. For each one: the webhook
answers 200 (or 413 for an oversized body), a reply in its body is a valid Bot API call, nothing
is logged at ERROR, and a waiting sign-in that the update does not name stays waiting.
"""

from __future__ import annotations

import json
import logging
import string
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

from telegram_login.bot.messages import ACTION_CODE, callback_data
from telegram_login.bot.updates import MalformedUpdate, parse_update
from telegram_login.models import LoginRequest, ProcessedUpdate
from telegram_login.sandbox.fake_api import FakeBotApi
from telegram_login.sandbox.spec import bot_api_spec, call_problems

from .helpers import WEBHOOK_SECRET, WEBHOOK_URL, poll, start_sign_in

pytestmark = pytest.mark.django_db

Status = LoginRequest.Status
TYPES: dict[str, Any] = bot_api_spec()["types"]
# Deep enough to reach callback_query.message.chat and reply_to_message chains, small enough to
# keep every body well under the webhook's 64 KiB cap most of the time.
MAX_DEPTH = 4
MAX_OPTIONAL_FIELDS = 3
URLSAFE = string.ascii_letters + string.digits + "_-"
SENDER_IDS = [700000001, 700000002, 1, -1, 0, 2**52 - 1, -(10**12) - 1]
EXAMPLES = dict(
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


# -- hostile values ------------------------------------------------------------------------------

huge_ints = st.sampled_from([2**31, 2**52, 2**53, 2**53 + 1, 2**63 - 1, 2**63, 2**64, -(2**63)])
odd_strings = st.sampled_from(
    ["x" * 4097, "é" * 5000, "/start " + "A" * 70, "\u202e" * 300, "nul\x00byte", "\x00"]
)
nasty_text = st.text(
    alphabet=st.characters(
        codec="utf-8",
        categories=["Cc", "Cf", "Zs", "Zl", "So", "Lo", "Mn"],
        exclude_characters="\x00",
    ),
    max_size=40,
)
# Text Telegram could send; a lone surrogate or a NUL (in `hostile`) is text it could not.
names = st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=20)
lone_surrogates = st.characters(categories=["Cs"]).map(lambda c: f"a{c}b")
hostile: st.SearchStrategy[Any] = st.one_of(
    st.none(),
    st.booleans(),
    huge_ints,
    st.integers(min_value=-(2**40), max_value=-1),
    st.floats(allow_nan=True, allow_infinity=True),
    odd_strings,
    nasty_text,
    lone_surrogates,
    st.just([]),
    st.just({}),
    st.lists(st.integers(), min_size=1, max_size=3),
    st.lists(st.dictionaries(st.text(max_size=4), st.integers(), max_size=2), max_size=2),
)


# True about one time in sixteen: enough hostility to probe, little enough that most updates
# still parse and reach the bot's deeper branches.
SPOIL = st.sampled_from([False] * 15 + [True])


def _mostly(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """`strategy`, and about one time in sixteen a hostile value instead."""
    return SPOIL.flatmap(lambda spoil: hostile if spoil else strategy)


# Values the bot looks at closely, so generated updates often reach its deeper branches.
HINTS: dict[str, st.SearchStrategy[Any]] = {
    "type": st.sampled_from(["private", "group", "supergroup", "channel", "sender"]),
    "status": st.sampled_from(["kicked", "member", "left", "administrator", "restricted"]),
    "text": st.one_of(
        st.sampled_from(["/start", "/start@test_login_bot", "/help", "hello"]),
        st.text(alphabet=URLSAFE, min_size=40, max_size=46).map(lambda t: f"/start {t}"),
    ),
    "data": st.one_of(
        st.sampled_from(["tl:x:" + "0" * 32 + ":", "tl:c::", "tl"]),
        st.tuples(st.uuids(), st.text(alphabet=string.digits, max_size=5)).map(
            lambda t: f"tl:c:{t[0].hex}:{t[1]}"
        ),
    ),
    "id": st.sampled_from(SENDER_IDS),
    "language_code": st.sampled_from(["en", "ru", "ru-RU", "RU", "de", ""]),
}


def _scalar(type_name: str, field_name: str) -> st.SearchStrategy[Any]:
    hint = HINTS.get(field_name)
    if type_name == "Integer":
        plain = st.integers(min_value=-(2**31), max_value=2**40)
        return st.one_of(hint, plain) if field_name == "id" and hint is not None else plain
    if type_name == "Float":
        return st.floats(allow_nan=False, allow_infinity=False)
    if type_name == "String":
        plain = st.text(max_size=30)
        return st.one_of(hint, plain) if hint is not None and field_name != "id" else plain
    if type_name == "Boolean":
        return st.booleans()
    if type_name == "True":
        return st.just(True)
    return st.text(max_size=10)  # InputFile and anything else that is a string on the wire


@st.composite
def bot_api_value(draw: st.DrawFn, types: list[str], field_name: str, depth: int) -> Any:
    """A value for a field of one of `types`; about one in sixteen is hostile instead."""
    if draw(SPOIL):
        return draw(hostile)
    type_name = draw(st.sampled_from(types))
    if type_name.startswith("Array of "):
        inner = type_name.removeprefix("Array of ")
        if depth >= MAX_DEPTH:
            return []
        return draw(st.lists(bot_api_value([inner], field_name, depth + 1), max_size=2))
    if type_name in TYPES:
        if depth >= MAX_DEPTH + 1:
            return draw(st.sampled_from([{}, None, 0]))
        return draw(bot_api_object(type_name, depth + 1))
    return draw(_scalar(type_name, field_name))


# Optional fields the bot reads, so they are present more often than chance would have them.
PREFERRED_FIELDS = {
    "Message": ("from", "text"),
    "CallbackQuery": ("message", "data"),
}


@st.composite
def bot_api_object(draw: st.DrawFn, type_name: str, depth: int = 0) -> dict[str, Any]:
    """An object of a Bot API type: its required fields always, a few optional ones sometimes."""
    spec = TYPES[type_name]
    if "subtypes" in spec:
        return draw(bot_api_object(draw(st.sampled_from(spec["subtypes"])), depth))
    fields = spec.get("fields", [])
    chosen = [f for f in fields if f["required"]]
    optional = [f for f in fields if not f["required"]]
    preferred = [f for f in optional if f["name"] in PREFERRED_FIELDS.get(type_name, ())]
    chosen += [f for f in preferred if not draw(SPOIL)]
    optional = [f for f in optional if f not in preferred]
    if optional and depth < MAX_DEPTH:
        chosen += draw(
            st.lists(
                st.sampled_from(optional),
                max_size=MAX_OPTIONAL_FIELDS,
                unique_by=lambda f: f["name"],
            )
        )
    return {f["name"]: draw(bot_api_value(f["types"], f["name"], depth)) for f in chosen}


UPDATE_KINDS = [f["name"] for f in TYPES["Update"]["fields"] if f["name"] != "update_id"]
# The kinds the bot handles come up more often than the rest.
LIKELY_KINDS = ["message", "callback_query", "my_chat_member"] * 4 + UPDATE_KINDS


@st.composite
def updates_from_the_spec(draw: st.DrawFn) -> dict[str, Any]:
    """An Update as the table describes it: update_id and one kind (sometimes two, or none)."""
    fields = {f["name"]: f for f in TYPES["Update"]["fields"]}
    update: dict[str, Any] = {"update_id": draw(_mostly(st.integers(min_value=1, max_value=2**31)))}
    kinds = draw(st.lists(st.sampled_from(LIKELY_KINDS), min_size=0, max_size=2, unique=True))
    for kind in kinds or [draw(st.sampled_from(LIKELY_KINDS))]:
        update[kind] = draw(bot_api_value(fields[kind]["types"], kind, 1))
    return update


# -- hand-made variants of what the bot acts on ----------------------------------------------


def _users() -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries(
        {
            "id": _mostly(st.one_of(st.sampled_from(SENDER_IDS), st.integers())),
            "is_bot": _mostly(st.sampled_from([False, False, False, True])),
            "first_name": _mostly(st.one_of(names, nasty_text)),
        },
        optional={
            "last_name": _mostly(names),
            "username": _mostly(st.text(alphabet=URLSAFE, max_size=32)),
            "language_code": _mostly(HINTS["language_code"]),
        },
    )


def _chat_for(user: dict[str, Any]) -> st.SearchStrategy[Any]:
    own = {"id": user.get("id"), "type": "private"}
    return _mostly(
        st.one_of(
            st.just(own),
            st.just(own),
            st.fixed_dictionaries({"id": st.sampled_from(SENDER_IDS), "type": HINTS["type"]}),
        )
    )


def _token_like() -> st.SearchStrategy[str]:
    return st.one_of(
        st.text(alphabet=URLSAFE, min_size=43, max_size=43),
        st.text(alphabet=URLSAFE, min_size=0, max_size=64),
        st.text(max_size=64),
    )


@st.composite
def start_messages(draw: st.DrawFn) -> dict[str, Any]:
    """A text message carrying something shaped like a sign-in token."""
    user = draw(_users())
    token = draw(_token_like())
    text = draw(
        st.sampled_from(
            [f"/start {token}", f"/start@test_login_bot {token}", token, f"link: ?start={token}"]
        )
    )
    message: dict[str, Any] = {
        "message_id": draw(_mostly(st.integers(min_value=1, max_value=2**31))),
        "date": 1700000000,
        "chat": draw(_chat_for(user)),
        "text": draw(_mostly(st.just(text))),
    }
    if not draw(SPOIL):
        message["from"] = user
    return {"update_id": draw(st.integers(min_value=1, max_value=2**40)), "message": message}


def callback_presses(request_ids: list[str]) -> st.SearchStrategy[dict[str, Any]]:
    """A button press with data shaped like ours, naming known and unknown requests."""

    @st.composite
    def build(draw: st.DrawFn) -> dict[str, Any]:
        user = draw(_users())
        hex_id = draw(st.one_of(st.sampled_from(request_ids), st.uuids().map(lambda u: u.hex)))
        action = draw(st.sampled_from(["c", "c", "x", "u", "z", ""]))
        code = draw(
            st.one_of(
                _mostly(st.text(alphabet=string.digits, min_size=1, max_size=5)),
                # Digits that are not ASCII: str.isdigit() accepts them, int() reads them.
                st.text(alphabet="١٢٣٠۴۵߁०१²³೬", min_size=1, max_size=4),
            )
        )
        data = draw(
            _mostly(
                st.sampled_from([f"tl:{action}:{hex_id}:{code}"] * 3 + [f"tl:{action}:{hex_id}"])
            )
        )
        query: dict[str, Any] = {
            "id": draw(_mostly(st.text(min_size=1, max_size=12))),
            "from": user,
            "chat_instance": "1",
            "data": data,
        }
        if not draw(SPOIL):
            query["message"] = draw(
                _mostly(
                    st.fixed_dictionaries(
                        {
                            "message_id": _mostly(st.integers(1, 2**31)),
                            "date": st.just(1700000000),
                            "chat": _chat_for(user),
                        }
                    )
                )
            )
        return {
            "update_id": draw(st.integers(min_value=1, max_value=2**40)),
            "callback_query": query,
        }

    return build()


def member_updates() -> st.SearchStrategy[dict[str, Any]]:
    @st.composite
    def build(draw: st.DrawFn) -> dict[str, Any]:
        user = draw(_users())
        member = {"status": draw(_mostly(HINTS["status"])), "user": {"id": 1}}
        return {
            "update_id": draw(st.integers(min_value=1, max_value=2**40)),
            "my_chat_member": {
                "chat": draw(_chat_for(user)),
                "from": user,
                "date": 1700000000,
                "old_chat_member": {"status": "member", "user": {"id": 1}},
                "new_chat_member": draw(_mostly(st.just(member))),
            },
        }

    return build()


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
        update = {
            "update_id": 1,
            "message": {
                "message_id": 1,
                "date": 1700000000,
                "from": user,
                "chat": {"id": user["id"], "type": "private"},
                "text": f"/start {token}",
            },
        }
        webhook(update)
        login_request.refresh_from_db()
        page = poll(browser_client, login_request)
        if _is_text(first_name) and _is_text(last_name):
            assert login_request.status == Status.CLAIMED
            assert login_request.telegram_user["first_name"] == first_name
            assert page.status_code == HTTPStatus.OK
            # The name shows once the request is confirmed, not before.
            data = callback_data(login_request, ACTION_CODE, login_request.match_code)
            press = {
                "update_id": 2,
                "callback_query": {
                    "id": "press",
                    "from": user,
                    "chat_instance": "1",
                    "data": data,
                    "message": {"message_id": 1, "date": 1, "chat": update["message"]["chat"]},
                },
            }
            webhook(press)
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
