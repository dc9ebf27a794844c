"""The bot's side of the account's sessions: /sessions lists the browsers signed in to the
linked account, and the buttons under that list and under sign-in alerts end one, or all."""

from __future__ import annotations

from collections.abc import Callable

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .. import sessions
from ..linking import account_label
from ..sessions import EndOutcome
from . import messages, session_messages
from .client import BotCall
from .reactions import Reactions
from .session_messages import SessionPress
from .updates import CallbackQuery, IncomingMessage


def on_sessions_command(message: IncomingMessage) -> Reactions:
    """/sessions in a private chat (the dispatcher checked the chat and the rate)."""
    assert message.sender is not None
    chat_id = message.chat.id
    account = sessions.telegram_account_of(telegram_user_id=message.sender.id)
    if account is None or not sessions.sessions_kept():
        return Reactions(reply=session_messages.sessions_not_linked(chat_id=chat_id))
    return Reactions(
        reply=session_messages.sessions_list(
            chat_id=chat_id,
            account=account_label(account.user),
            sessions=sessions.sessions_of_user(user=account.user),
        )
    )


def on_session_press(query: CallbackQuery, press: SessionPress) -> Reactions:
    """ "Not me: sign this session out", a session under /sessions, or "Sign out everywhere"."""

    def answer(text: str, *, alert: bool = False) -> BotCall:
        return messages.answer_callback(callback_query_id=query.id, text=text, alert=alert)

    if not sessions.sessions_kept():
        return Reactions(reply=answer(_("This button does nothing here.")))
    if press.session_id is None:
        return _end_all(query, answer)
    outcome, ended = sessions.session_end_by_telegram_user(
        session_id=press.session_id, telegram_user_id=query.sender.id
    )
    if outcome == EndOutcome.NOT_YOURS:
        return Reactions(reply=answer(_("This is not a session of your account."), alert=True))
    account = sessions.telegram_account_of(telegram_user_id=query.sender.id)
    later = []
    if query.chat is not None and query.message_id is not None and account is not None:
        label = account_label(account.user)
        if press.origin == session_messages.FROM_LIST:
            # The list again, without the session that ended.
            later.append(
                session_messages.sessions_list(
                    chat_id=query.chat.id,
                    message_id=query.message_id,
                    account=label,
                    sessions=sessions.sessions_of_user(user=account.user),
                )
            )
        elif ended is not None:
            later.append(
                session_messages.session_ended_edit(
                    chat_id=query.chat.id,
                    message_id=query.message_id,
                    account=label,
                    session=ended,
                    has_password=account.user.has_usable_password(),
                )
            )
    if ended is None:
        return Reactions(reply=answer(_("That session has already ended.")), later=later)
    device = messages.device_of(browser=ended.browser, system=ended.os)
    return Reactions(
        reply=answer(_("Signed out: %(agent)s.") % {"agent": device}),
        later=later,
    )


def _end_all(query: CallbackQuery, answer: Callable[..., BotCall]) -> Reactions:
    account, count = sessions.sessions_end_all_by_telegram_user(telegram_user_id=query.sender.id)
    if account is None:
        return Reactions(
            reply=answer(
                _("This Telegram account is not linked to an account here any more."), alert=True
            )
        )
    later = []
    if query.chat is not None and query.message_id is not None:
        later.append(
            session_messages.all_ended_edit(
                chat_id=query.chat.id,
                message_id=query.message_id,
                account=account_label(account.user),
                count=count,
                has_password=account.user.has_usable_password(),
            )
        )
    text = ngettext(
        "Signed out everywhere: %(count)d session ended.",
        "Signed out everywhere: %(count)d sessions ended.",
        count,
    ) % {"count": count}
    return Reactions(reply=answer(text), later=later)
