"""Every button's callback data, one codec both ways: what a press asks for, as a typed value.

Telegram gives a button at most 64 bytes; ours are strict ASCII "tl:<action>:<id>:<argument>"
(str.isdigit() would accept "١٢" and crash a comparison, so the shapes are spelled out):

- "tl:c:<request id hex>:<code>", "tl:x:<request id hex>:" under a consent prompt;
- "tl:u:<social account id>:" under a link notice;
- "tl:s:<session id>:<l or a>", "tl:e::" under the /sessions list (or an old alert);
- "tl:n:<notice id>:" ("Not me"), "tl:w:<notice id>:" (everywhere) under an alert or a change
  notice (models.SecurityNotice).
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

from telegram_login.models import LoginRequest

PREFIX = "tl"
ACTION_CODE = "c"
ACTION_CANCEL = "x"
# Where a "sign this session out" button is: under the /sessions list, which is shown again
# without the ended session, or (in messages sent before alerts named their notice) an alert.
FROM_ALERT = "a"
FROM_LIST = "l"

_ID = r"[1-9][0-9]{0,18}"
_DATA_RE = re.compile(
    rf"^{PREFIX}:(?:"
    r"(?P<decide>[cx]):(?P<request>[0-9a-f]{32}):(?P<code>[0-9]{0,4})"
    rf"|u:(?P<account>{_ID}):"
    rf"|s:(?P<session>{_ID}):(?P<origin>[al])"
    r"|(?P<all>e)::"
    rf"|(?P<notice_action>[nw]):(?P<notice>{_ID}):"
    r")$"
)


@dataclass(frozen=True)
class Decide:
    """A code under a consent prompt, or Cancel (`code` None)."""

    request_id: uuid.UUID
    code: str | None


@dataclass(frozen=True)
class Unlink:
    """ "Unlink" under a link notice: the Telegram user takes their Telegram back."""

    social_account_id: int


@dataclass(frozen=True)
class EndSession:
    """One session under /sessions (or under an alert sent before alerts named their notice)."""

    session_id: int
    origin: str


@dataclass(frozen=True)
class EndAll:
    """ "Sign out everywhere" under /sessions."""


@dataclass(frozen=True)
class NoticePress:
    """Under an alert or a change notice: "Not me" (end the browser it was about and undo its
    change) or, with `everywhere`, end every session of the account it was about."""

    notice_id: int
    everywhere: bool = False


Press = Decide | Unlink | EndSession | EndAll | NoticePress


def encode(press: Press) -> str:
    match press:
        case Decide(request_id=request_id, code=None):
            return f"{PREFIX}:{ACTION_CANCEL}:{request_id.hex}:"
        case Decide(request_id=request_id, code=code):
            return f"{PREFIX}:{ACTION_CODE}:{request_id.hex}:{code}"
        case Unlink(social_account_id=account_id):
            return f"{PREFIX}:u:{account_id}:"
        case EndSession(session_id=session_id, origin=origin):
            return f"{PREFIX}:s:{session_id}:{origin}"
        case EndAll():
            return f"{PREFIX}:e::"
        case NoticePress(notice_id=notice_id, everywhere=everywhere):
            return f"{PREFIX}:{'w' if everywhere else 'n'}:{notice_id}:"
    raise TypeError(f"not a button press: {press!r}")


def decode(data: str) -> Press | None:
    """The press `data` stands for, or None when it is none of ours."""
    found = _DATA_RE.match(data)
    if found is None:
        return None
    if found["decide"] == ACTION_CANCEL:
        return Decide(uuid.UUID(hex=found["request"]), None)
    if found["decide"] == ACTION_CODE:
        return Decide(uuid.UUID(hex=found["request"]), found["code"]) if found["code"] else None
    if found["account"] is not None:
        return Unlink(int(found["account"]))
    if found["session"] is not None:
        return EndSession(int(found["session"]), found["origin"])
    if found["all"] is not None:
        return EndAll()
    return NoticePress(int(found["notice"]), everywhere=found["notice_action"] == "w")


def callback_data(login_request: LoginRequest, action: str, code: str = "") -> str:
    """A consent prompt's button: a code (ACTION_CODE) or Cancel (ACTION_CANCEL)."""
    return encode(Decide(login_request.id, code if action == ACTION_CODE else None))
