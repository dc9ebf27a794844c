"""The one update dispatcher: turns a Telegram update into state changes and the bot's answers.

Used by the webhook view (and anything else that receives updates). It returns what to say; the
caller decides how: `reply` fits in a webhook response body, `later` goes out through the client.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from telegram_login import limits, outages, upkeep
from telegram_login.bot import sessions
from telegram_login.bot.reactions import Reactions, answerer
from telegram_login.bot.updates import (
    CallbackQuery,
    IncomingMessage,
    MalformedUpdate,
    TelegramUser,
    Update,
    parse_update,
    peek_update_id,
)
from telegram_login.linking import rules as linking
from telegram_login.linking.rules import account_label
from telegram_login.messaging import callbacks
from telegram_login.messaging import texts as messages
from telegram_login.messaging.client import BotCall
from telegram_login.messaging.language import bot_language_code
from telegram_login.signals import telegram_unlinked_in_bot
from telegram_login.signin import services
from telegram_login.signin.machine import ClaimOutcome, DecisionOutcome
from telegram_login.signin.tokens import TOKEN_IN_TEXT_RE
from telegram_login.site import site_name

logger = logging.getLogger(__name__)

START_RE = re.compile(r"^/start(?:@\w+)?(?:\s+(?P<payload>\S+))?\s*$")
SESSIONS_RE = re.compile(r"^/sessions(?:@\w+)?\s*$")


def bot_language(user: TelegramUser | None) -> str:
    return bot_language_code(user.language_code if user else None)


def handle_update(
    data: Any, *, send_later: Callable[[list[BotCall]], None] | None = None
) -> Reactions:
    """Everything Telegram sends, from the webhook or long polling: once per update_id, and
    never an exception (a malformed or failing update is logged and answered with nothing).

    What an update changes commits together with the record of its update_id, and with the
    calls for later when `send_later` takes them (a queue stores them in the same transaction):
    all of it, or none. A failure that a second try may get past (the database or Redis away)
    is tried once more here, and then leaves the update unhandled for Telegram to send again
    (`retry`); the person is not told to try again for it.
    """
    update_id = peek_update_id(data)
    if update_id is None:
        logger.warning("update without a usable update_id; ignored")
        return Reactions()
    for attempt in (1, 2):
        try:
            with transaction.atomic():
                if not upkeep.update_mark_processed(update_id=update_id):
                    logger.info("update %s already handled; ignored", update_id)
                    return Reactions()
                reactions = dispatch_update(parse_update(data))
                if send_later is not None:
                    send_later(reactions.later)
                    reactions.later = []
                return reactions
        except MalformedUpdate as exc:
            logger.warning("update %s is malformed (%s); ignored", update_id, exc)
            break
        except Exception as exc:
            if not outages.transient(exc):
                logger.exception("update %s could not be handled", update_id)
                break
            # Inside a caller's transaction the connection cannot be opened afresh: its
            # caller tries again.
            if attempt == 2 or transaction.get_connection().in_atomic_block:
                logger.warning(
                    "update %s not handled (%s: %s); nothing was done, it is to come again",
                    update_id,
                    type(exc).__name__,
                    exc,
                )
                return Reactions(retry=True)
            logger.info("update %s: %s: %s; trying once more", update_id, type(exc).__name__, exc)
    return _answer_press_anyway(data)


def _answer_press_anyway(data: dict[str, Any]) -> Reactions:
    """A button press must be answered even when handling it failed, or the client spins."""
    query = data.get("callback_query")
    query_id = query.get("id") if isinstance(query, dict) else None
    if not isinstance(query_id, str) or not 0 < len(query_id) <= 256:
        return Reactions()
    return Reactions(
        reply=messages.answer_callback(
            callback_query_id=query_id, text=_("Something went wrong. Please try again.")
        )
    )


def dispatch_update(update: Update) -> Reactions:
    if update.callback_query is not None:
        query = update.callback_query
        with translation.override(bot_language(query.sender)):
            return _on_callback(query)
    if update.message is not None:
        with translation.override(bot_language(update.message.sender)):
            return _on_message(update.message)
    if update.member_update is not None:
        if update.member_update.blocked_by_user:
            ended = services.telegram_user_blocked_bot(
                telegram_user_id=update.member_update.sender.id
            )
            logger.info(
                "telegram user %s blocked the bot; %s request(s) ended",
                update.member_update.sender.id,
                ended,
            )
        return Reactions()
    logger.info("update %s of kind %r ignored", update.update_id, update.kind or "none")
    return Reactions()


def _within_rate(user: TelegramUser) -> bool:
    return limits.consume(limits.BOT, key=str(user.id))


def extract_token(text: str) -> tuple[bool, str | None]:
    """(is a /start command, token if one is there)."""
    start = START_RE.match(text.strip())
    if start:
        payload = start.group("payload")
        return True, payload if payload else None
    found = TOKEN_IN_TEXT_RE.search(text)
    return False, found.group("token") if found else None


def _on_message(message: IncomingMessage) -> Reactions:
    if message.sender is None or message.sender.is_bot:
        return Reactions()
    is_start, token = extract_token(message.text)
    if not message.is_private_from_sender:
        if is_start or token:
            logger.info("sign-in attempt outside a private chat (chat type %s)", message.chat.type)
            return Reactions(reply=messages.private_chat_only(chat_id=message.chat.id))
        return Reactions()
    chat_id = message.chat.id
    if token is None and SESSIONS_RE.match(message.text.strip()):
        if not _within_rate(message.sender):
            return Reactions(reply=messages.slow_down(chat_id=chat_id))
        return sessions.on_sessions_command(message)
    if token is None:
        return Reactions(reply=messages.welcome(chat_id=chat_id))
    if not _within_rate(message.sender):
        return Reactions(reply=messages.slow_down(chat_id=chat_id))
    result = services.login_request_claim(token=token, telegram_user=message.sender)
    logger.info("telegram user %s: claim %s", message.sender.id, result.outcome.value)
    if result.outcome in {ClaimOutcome.CLAIMED, ClaimOutcome.ALREADY_CLAIMED_BY_YOU}:
        assert result.login_request is not None
        owner = result.login_request.user
        prompt = messages.confirm_prompt(
            chat_id=chat_id,
            login_request=result.login_request,
            account=account_label(owner) if owner is not None else "",
        )
        # Sent after the answer, not in it: its message id is kept, so that the prompt can be
        # edited to the outcome and lose its buttons (bot/prompts.py).
        return Reactions(later=[prompt])
    if result.outcome == ClaimOutcome.NOT_YOUR_ACCOUNT:
        return Reactions(
            reply=messages.text_message(
                chat_id=chat_id,
                text=_(
                    "This confirmation is for the Telegram account connected to another site "
                    "account, not for you. Nothing was changed."
                ),
            )
        )
    if result.outcome == ClaimOutcome.EXPIRED:
        return Reactions(reply=messages.token_expired(chat_id=chat_id))
    if result.outcome == ClaimOutcome.USED:
        return Reactions(reply=messages.token_used(chat_id=chat_id))
    return Reactions(reply=messages.token_unknown(chat_id=chat_id))


def _on_callback(query: CallbackQuery) -> Reactions:
    answer = answerer(query.id)
    press = callbacks.decode(query.data)
    if press is None or not query.is_private_from_sender:
        return Reactions(reply=answer(_("This button does nothing here.")))
    if not _within_rate(query.sender):
        return Reactions(reply=answer(_("Too many attempts. Please wait a minute."), alert=True))
    match press:
        case callbacks.Unlink(social_account_id=social_account_id):
            return _on_unlink(query, social_account_id)
        case callbacks.NoticePress():
            return sessions.on_notice_press(query, press)
        case callbacks.EndSession() | callbacks.EndAll():
            return sessions.on_session_press(query, press)
        case callbacks.Decide(request_id=request_id, code=code):
            return _on_decision(query, request_id, code, answer)
    raise AssertionError(f"a press nobody handles: {press!r}")


def _on_decision(
    query: CallbackQuery, request_id: uuid.UUID, code: str | None, answer: Callable[..., BotCall]
) -> Reactions:
    """A code or Cancel under a consent prompt."""
    result = services.login_request_decide(
        request_id=request_id, telegram_user_id=query.sender.id, code=code
    )
    logger.info("telegram user %s: decision %s", query.sender.id, result.outcome.value)
    if result.outcome == DecisionOutcome.UNKNOWN:
        return Reactions(reply=answer(_("This sign-in request no longer exists.")))
    if result.outcome == DecisionOutcome.NOT_YOURS:
        return Reactions(
            reply=answer(_("This sign-in request belongs to another Telegram account."), alert=True)
        )
    assert result.login_request is not None
    texts = {
        DecisionOutcome.APPROVED: _("Confirmed. Return to your browser."),
        DecisionOutcome.WRONG_CODE: _("Wrong code: sign-in denied."),
        DecisionOutcome.CANCELLED: _("Cancelled."),
        DecisionOutcome.EXPIRED: _("This sign-in request has expired."),
        DecisionOutcome.ALREADY_DECIDED: _("This sign-in request is no longer active."),
    }
    # The prompt itself is edited to the outcome by security/prompts.py when the request settles.
    return Reactions(
        reply=answer(texts[result.outcome], alert=result.outcome == DecisionOutcome.WRONG_CODE)
    )


def _on_unlink(query: CallbackQuery, social_account_id: int) -> Reactions:
    """The "Unlink" button under a link notice: the Telegram user takes their Telegram back."""
    outcome, account = linking.telegram_unlink_by_telegram_user(
        social_account_id=social_account_id, telegram_user_id=query.sender.id
    )
    logger.info("telegram user %s: unlink %s", query.sender.id, outcome.value)
    answer = messages.answer_callback
    if outcome == linking.UnlinkOutcome.GONE:
        return Reactions(
            reply=answer(callback_query_id=query.id, text=_("This connection no longer exists."))
        )
    if outcome == linking.UnlinkOutcome.NOT_YOURS:
        return Reactions(
            reply=answer(callback_query_id=query.id, text=_("This is not your connection."))
        )
    assert account is not None
    label = account_label(account.user)
    if outcome == linking.UnlinkOutcome.LAST_WAY_IN:
        text = _(
            "Telegram is the only way to sign in to %(account)s, so it stays connected. Sign "
            "in there and set a password with a verified email first."
        ) % {"account": label}
        return Reactions(reply=answer(callback_query_id=query.id, text=text, alert=True))
    telegram_unlinked_in_bot.send(sender=linking.UnlinkOutcome, social_account=account)
    later = []
    if query.message_id is not None and query.chat is not None:
        later.append(
            messages.text_edit(
                chat_id=query.chat.id,
                message_id=query.message_id,
                text=_(
                    "Disconnected: this Telegram account no longer signs in to %(account)s on "
                    "%(site)s."
                )
                % {"account": label, "site": site_name()},
            )
        )
    return Reactions(
        reply=answer(callback_query_id=query.id, text=_("Disconnected.")),
        later=later,
    )
