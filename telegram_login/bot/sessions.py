"""The bot's side of the account's sessions: /sessions lists the browsers signed in to the
linked account, and the buttons under that list, under sign-in alerts and under change notices
sign one browser out (and undo a change), or all of them."""

from __future__ import annotations

from collections.abc import Callable

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from telegram_login.bot import session_list_messages
from telegram_login.bot.reactions import Reactions, answerer
from telegram_login.bot.updates import CallbackQuery, IncomingMessage
from telegram_login.linking.rules import account_label
from telegram_login.messaging import texts as messages
from telegram_login.messaging.callbacks import FROM_LIST, EndAll, EndSession, NoticePress
from telegram_login.messaging.client import BotCall
from telegram_login.security import browsers, sessions
from telegram_login.security import messages as session_messages
from telegram_login.security import notices as security_notices
from telegram_login.security.browsers import EndOutcome
from telegram_login.security.notices import PressOutcome, PressResult
from telegram_login.security.sessions import SessionView


def on_sessions_command(message: IncomingMessage) -> Reactions:
    """/sessions in a private chat (the dispatcher checked the chat and the rate)."""
    assert message.sender is not None
    chat_id = message.chat.id
    account = sessions.telegram_account_of(telegram_user_id=message.sender.id)
    if account is None or not sessions.sessions_kept():
        return Reactions(reply=session_list_messages.sessions_not_linked(chat_id=chat_id))
    return Reactions(
        reply=session_list_messages.sessions_list(
            chat_id=chat_id,
            account=account_label(account.user),
            sessions=sessions.sessions_of_user(user=account.user),
        )
    )


def on_session_press(query: CallbackQuery, press: EndSession | EndAll) -> Reactions:
    """A session under /sessions, or "Sign out everywhere" under the list."""
    answer = answerer(query.id)
    if not sessions.sessions_kept():
        return Reactions(reply=answer(_("This button does nothing here.")))
    if isinstance(press, EndAll):
        return _end_all(query, answer)
    return _on_listed_session_press(query, press, answer)


def _on_listed_session_press(
    query: CallbackQuery, press: EndSession, answer: Callable[..., BotCall]
) -> Reactions:
    """A session under /sessions (or under an alert sent before alerts named their notice)."""
    outcome, ended = browsers.session_end_by_telegram_user(
        session_id=press.session_id, telegram_user_id=query.sender.id
    )
    if outcome == EndOutcome.NOT_YOURS:
        return Reactions(reply=answer(_("This is not a session of your account."), alert=True))
    later = _listed_session_edit(query, press, ended)
    if ended is None:
        return Reactions(
            reply=answer(_("That browser is no longer signed in: nothing to sign out.")),
            later=later,
        )
    device = messages.device_of(browser=ended.browser, system=ended.os)
    return Reactions(reply=answer(_("Signed out: %(agent)s.") % {"agent": device}), later=later)


def _listed_session_edit(
    query: CallbackQuery, press: EndSession, ended: SessionView | None
) -> list[BotCall]:
    """The list again without the session that ended, or the old alert saying it ended."""
    account = sessions.telegram_account_of(telegram_user_id=query.sender.id)
    if query.chat is None or query.message_id is None or account is None:
        return []
    label = account_label(account.user)
    if press.origin == FROM_LIST:
        return [
            session_list_messages.sessions_list(
                chat_id=query.chat.id,
                message_id=query.message_id,
                account=label,
                sessions=sessions.sessions_of_user(user=account.user),
            )
        ]
    if ended is None:
        return []
    return [
        session_messages.session_ended_edit(
            chat_id=query.chat.id,
            message_id=query.message_id,
            account=label,
            session=ended,
            has_password=account.user.has_usable_password(),
        )
    ]


def on_notice_press(query: CallbackQuery, press: NoticePress) -> Reactions:
    """ "Not me" or "Sign out everywhere" under an alert or a change notice."""
    answer = answerer(query.id)
    act = security_notices.notice_everywhere if press.everywhere else security_notices.notice_not_me
    result = act(notice_id=press.notice_id, telegram_user_id=query.sender.id)
    if result.outcome == PressOutcome.GONE:
        return Reactions(reply=answer(_("This message is too old to act on."), alert=True))
    if result.outcome == PressOutcome.NOT_YOURS:
        return Reactions(
            reply=answer(_("This message was sent to another Telegram account."), alert=True)
        )
    notice = result.notice
    assert notice is not None
    view = security_notices.session_view_of(notice)
    device = messages.device_of(browser=view.browser, system=view.os)
    if result.outcome == PressOutcome.ALREADY:
        return Reactions(
            reply=answer(
                _("Already done: %(agent)s was signed out when you pressed this before.")
                % {"agent": device},
                alert=True,
            )
        )
    later = _notice_edit(query, press, result)
    if press.everywhere:
        return Reactions(reply=answer(_everywhere_text(result.ended)), later=later)
    text = _("Signed out: %(agent)s.") % {"agent": device}
    if result.undone:
        text = f"{text} {result.undone}"
    return Reactions(reply=answer(text), later=later)


def _notice_edit(query: CallbackQuery, press: NoticePress, result: PressResult) -> list[BotCall]:
    """The notice, edited to say what its press did."""
    notice = result.notice
    if query.chat is None or query.message_id is None or notice is None:
        return []
    label = account_label(notice.user)
    has_password = notice.user.has_usable_password()
    if press.everywhere:
        return [
            session_messages.all_ended_edit(
                chat_id=query.chat.id,
                message_id=query.message_id,
                account=label,
                count=result.ended,
                has_password=has_password,
            )
        ]
    return [
        session_messages.session_ended_edit(
            chat_id=query.chat.id,
            message_id=query.message_id,
            account=label,
            session=security_notices.session_view_of(notice),
            has_password=has_password,
            undone=result.undone,
            notice_id=notice.pk,
        )
    ]


def _everywhere_text(count: int) -> str:
    if count == 0:
        return _("No browser of the account was signed in: there was nothing to sign out.")
    return ngettext(
        "Signed out everywhere: %(count)d session ended.",
        "Signed out everywhere: %(count)d sessions ended.",
        count,
    ) % {"count": count}


def _end_all(query: CallbackQuery, answer: Callable[..., BotCall]) -> Reactions:
    """ "Sign out everywhere" under /sessions: the account this Telegram is linked to now."""
    account = sessions.telegram_account_of(telegram_user_id=query.sender.id)
    if account is None:
        return Reactions(
            reply=answer(
                _("This Telegram account is not connected to an account here any more."), alert=True
            )
        )
    count = browsers.browser_end_everywhere(user_id=account.user_id)
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
    return Reactions(reply=answer(_everywhere_text(count)), later=later)
