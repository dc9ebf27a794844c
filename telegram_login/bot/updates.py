"""Typed, validated views of the parts of a Telegram update that the bot acts on."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from telegram_login.identity import TelegramUser

# Telegram ids have at most 52 significant bits; anything larger is not from Telegram.
MAX_ID = 2**53
MAX_NAME_LENGTH = 256
MAX_TEXT_LENGTH = 4096
MAX_CALLBACK_DATA_LENGTH = 64


class MalformedUpdate(ValueError):
    """The update is not shaped the way the Bot API documents it."""


def _int(value: Any, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or abs(value) >= MAX_ID:
        raise MalformedUpdate(f"{where} is not a Telegram id")
    return value


def _str(value: Any, where: str, *, limit: int, default: str | None = None) -> str:
    if value is None and default is not None:
        return default
    if not isinstance(value, str) or len(value) > limit:
        raise MalformedUpdate(f"{where} is not a string of at most {limit} characters")
    # JSON can spell a lone surrogate ("\ud800") or a NUL; Telegram sends neither, and either one
    # breaks the browser's UTF-8 page that shows the name, or storing it in PostgreSQL.
    if "\x00" in value or not _encodes_as_utf8(value):
        raise MalformedUpdate(f"{where} is not valid text")
    return value


def _encodes_as_utf8(value: str) -> bool:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _dict(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise MalformedUpdate(f"{where} is not an object")
    return value


def telegram_user_from_api(data: Any) -> TelegramUser:
    data = _dict(data, "from")
    is_bot = data.get("is_bot", False)
    if not isinstance(is_bot, bool):
        raise MalformedUpdate("from.is_bot is not a boolean")
    return TelegramUser(
        id=_int(data.get("id"), "from.id"),
        first_name=_str(data.get("first_name"), "from.first_name", limit=MAX_NAME_LENGTH),
        last_name=_str(data.get("last_name"), "from.last_name", limit=MAX_NAME_LENGTH, default=""),
        username=_str(data.get("username"), "from.username", limit=MAX_NAME_LENGTH, default=""),
        language_code=_str(data.get("language_code"), "from.language_code", limit=35, default=""),
        is_bot=is_bot,
    )


def _private_chat_with(chat: Chat | None, sender: TelegramUser | None) -> bool:
    """Identity counts only in a private chat a (human) sender has with the bot."""
    return (
        chat is not None
        and sender is not None
        and not sender.is_bot
        and chat.type == "private"
        and chat.id == sender.id
    )


@dataclass(frozen=True)
class Chat:
    id: int
    type: str

    @classmethod
    def from_api(cls, data: Any) -> Chat:
        data = _dict(data, "chat")
        return cls(
            id=_int(data.get("id"), "chat.id"), type=_str(data.get("type"), "chat.type", limit=32)
        )


@dataclass(frozen=True)
class IncomingMessage:
    message_id: int
    chat: Chat
    sender: TelegramUser | None
    text: str

    @classmethod
    def from_api(cls, data: Any) -> IncomingMessage:
        data = _dict(data, "message")
        sender = data.get("from")
        return cls(
            message_id=_int(data.get("message_id"), "message.message_id"),
            chat=Chat.from_api(data.get("chat")),
            sender=telegram_user_from_api(sender) if sender is not None else None,
            text=_str(data.get("text"), "message.text", limit=MAX_TEXT_LENGTH, default=""),
        )

    @property
    def is_private_from_sender(self) -> bool:
        return _private_chat_with(self.chat, self.sender)


@dataclass(frozen=True)
class CallbackQuery:
    id: str
    sender: TelegramUser
    data: str
    chat: Chat | None
    message_id: int | None

    @classmethod
    def from_api(cls, data: Any) -> CallbackQuery:
        data = _dict(data, "callback_query")
        message = data.get("message")
        chat = message_id = None
        if message is not None:
            message = _dict(message, "callback_query.message")
            chat = Chat.from_api(message.get("chat"))
            message_id = _int(message.get("message_id"), "callback_query.message.message_id")
        return cls(
            id=_str(data.get("id"), "callback_query.id", limit=MAX_NAME_LENGTH),
            sender=telegram_user_from_api(data.get("from")),
            data=_str(
                data.get("data"), "callback_query.data", limit=MAX_CALLBACK_DATA_LENGTH, default=""
            ),
            chat=chat,
            message_id=message_id,
        )

    @property
    def is_private_from_sender(self) -> bool:
        return _private_chat_with(self.chat, self.sender)


@dataclass(frozen=True)
class ChatMemberUpdate:
    """The bot's own membership in a chat changed; in a private chat, "kicked" means blocked."""

    chat: Chat
    sender: TelegramUser
    new_status: str

    @classmethod
    def from_api(cls, data: Any) -> ChatMemberUpdate:
        data = _dict(data, "my_chat_member")
        member = _dict(data.get("new_chat_member"), "my_chat_member.new_chat_member")
        return cls(
            chat=Chat.from_api(data.get("chat")),
            sender=telegram_user_from_api(data.get("from")),
            new_status=_str(member.get("status"), "new_chat_member.status", limit=32),
        )

    @property
    def blocked_by_user(self) -> bool:
        return self.new_status == "kicked" and _private_chat_with(self.chat, self.sender)


@dataclass(frozen=True)
class Update:
    update_id: int
    kind: str
    message: IncomingMessage | None = None
    callback_query: CallbackQuery | None = None
    member_update: ChatMemberUpdate | None = None


def parse_update(data: Any) -> Update:
    """Validate what the bot uses of an update; raise MalformedUpdate if it is not usable."""
    data = _dict(data, "update")
    update_id = _int(data.get("update_id"), "update_id")
    if update_id < 0:
        raise MalformedUpdate("update_id is negative")
    kinds = [key for key in data if key != "update_id"]
    kind = kinds[0] if kinds else ""
    if kind == "message":
        return Update(update_id, kind, message=IncomingMessage.from_api(data["message"]))
    if kind == "callback_query":
        return Update(
            update_id, kind, callback_query=CallbackQuery.from_api(data["callback_query"])
        )
    if kind == "my_chat_member":
        return Update(
            update_id, kind, member_update=ChatMemberUpdate.from_api(data["my_chat_member"])
        )
    return Update(update_id, kind)


def peek_update_id(data: Any) -> int | None:
    """The update_id of a payload, if it has a usable one (for de-duplication before parsing)."""
    if isinstance(data, dict):
        try:
            return _int(data.get("update_id"), "update_id")
        except MalformedUpdate:
            return None
    return None
