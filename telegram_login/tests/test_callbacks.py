"""The one codec of every button's callback data (messaging/callbacks.py)."""

import uuid

import pytest
from hypothesis import given
from hypothesis import strategies as st

from telegram_login.messaging.callbacks import (
    FROM_ALERT,
    FROM_LIST,
    Decide,
    EndAll,
    EndSession,
    NoticePress,
    Unlink,
    decode,
    encode,
)

ids = st.integers(min_value=1, max_value=10**18)
presses = st.one_of(
    st.builds(Decide, st.uuids(), st.one_of(st.none(), st.from_regex(r"\A[0-9]{1,4}\Z"))),
    st.builds(Unlink, ids),
    st.builds(EndSession, ids, st.sampled_from([FROM_ALERT, FROM_LIST])),
    st.just(EndAll()),
    st.builds(NoticePress, ids, st.booleans()),
)


@given(presses)
def test_every_press_comes_back_as_it_was_sent_within_telegrams_64_bytes(press):
    data = encode(press)
    assert len(data.encode()) <= 64
    assert decode(data) == press


@given(st.text(max_size=80))
def test_anything_else_a_button_may_carry_is_none_of_ours_or_one_of_our_presses(data):
    press = decode(data)
    assert press is None or encode(press) == data


@pytest.mark.parametrize(
    "data",
    [
        f"tl:c:{uuid.UUID(int=1).hex}:",  # a code button without its code
        f"tl:c:{uuid.UUID(int=1).hex}:١٢",  # digits of another script
        "tl:u:0:",
        "tl:s:12:x",
        "tl:n:-3:",
        "tl:e:1:",
        "tx:e::",
        "",
    ],
)
def test_near_misses_are_none_of_ours(data):
    assert decode(data) is None
