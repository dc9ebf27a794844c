"""Hypothesis strategies for the webhook's property tests (test_properties.py): updates made
from the Bot API's own type table (sandbox/bot_api.json) with hostile values mixed in, and
hand-made variants of the shapes the bot acts on."""

from __future__ import annotations

import string
from typing import Any

from hypothesis import strategies as st

from telegram_login.sandbox.spec import bot_api_spec

TYPES: dict[str, Any] = bot_api_spec()["types"]
# Deep enough to reach callback_query.message.chat and reply_to_message chains, small enough to
# keep every body well under the webhook's 64 KiB cap most of the time.
MAX_DEPTH = 4
MAX_OPTIONAL_FIELDS = 3
URLSAFE = string.ascii_letters + string.digits + "_-"
SENDER_IDS = [700000001, 700000002, 1, -1, 0, 2**52 - 1, -(10**12) - 1]


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
