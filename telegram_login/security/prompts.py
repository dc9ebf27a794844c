"""The bot's consent prompts after they are sent: each is edited to how its request ended and
loses its buttons, so no old prompt stays live in the chat. A sign-in through Telegram turns its
prompt into that sign-in's alert, with the button that ends the session it opened."""

from __future__ import annotations

import uuid
from typing import Any

from django.dispatch import receiver
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from telegram_login.linking.rules import account_label, telegram_account_for_user
from telegram_login.messaging import texts as messages
from telegram_login.messaging.client import BotCall
from telegram_login.messaging.language import bot_language_code
from telegram_login.messaging.outbox import (
    Outgoing,
    PromptHooks,
    edit_prompts_later,
    plug_in_prompts,
)
from telegram_login.models import BotPrompt, LoginRequest, SignInSession
from telegram_login.security import browsers
from telegram_login.security import messages as session_messages
from telegram_login.security.sessions import SessionView
from telegram_login.signals import login_request_settled, login_request_signed_in
from telegram_login.signin import services


def _language(login_request: LoginRequest) -> str:
    user = login_request.telegram_user or {}
    return bot_language_code(user.get("language_code") if isinstance(user, dict) else None)


@receiver(login_request_settled)
@receiver(login_request_signed_in)
def _show_outcome(sender: Any, login_request: LoginRequest, **kwargs: Any) -> None:
    show_outcome(login_request)


def show_outcome(login_request: LoginRequest) -> None:
    """Edit every prompt of the request to how it stands now (the text is written when each
    edit is sent, so a late edit never says less than an earlier one)."""
    edit_prompts_later(prompt_ids=list(login_request.prompts.values_list("pk", flat=True)))


def outcome_edit(*, prompt_id: int | None) -> BotCall | None:
    """The edit that shows a prompt's request as it stands; None if there is nothing to show."""
    if prompt_id is None:
        return None
    prompt = BotPrompt.objects.select_related("login_request").filter(pk=prompt_id).first()
    if prompt is None or prompt.login_request.is_live:
        return None
    login_request = prompt.login_request
    with translation.override(_language(login_request)):
        signed_in = _signed_in_edit(prompt, login_request)
        if signed_in is not None:
            return signed_in
        return messages.text_edit(
            chat_id=prompt.chat_id,
            message_id=prompt.message_id,
            text=messages.outcome_text(login_request, connected=_connected(login_request)),
        )


def _connected(login_request: LoginRequest) -> bool:
    """A finished connect linked this Telegram to the account that asked (allauth may have
    refused it: linked to another account since)."""
    if login_request.process != LoginRequest.Process.CONNECT:
        return True
    account = telegram_account_for_user(user=login_request.user)
    return account is not None and account.uid == str(login_request.telegram_user_id)


def _signed_in_edit(prompt: BotPrompt, login_request: LoginRequest) -> BotCall | None:
    if login_request.status != LoginRequest.Status.COMPLETED:
        return None
    link = (
        SignInSession.objects.select_related("user", "notice")
        .filter(login_request=login_request)
        .first()
    )
    if link is None or link.notice is None:
        return None
    # The browser the prompt named (known families only) is the one that signed in.
    session = SessionView(
        id=link.user_session_id,
        browser=login_request.requester_browser,
        os=login_request.requester_os,
        ip=login_request.requester_ip or "",
        signed_in_at=link.signed_in_at,
        last_seen_at=link.signed_in_at,
    )
    return session_messages.signed_in_edit(
        chat_id=prompt.chat_id,
        message_id=prompt.message_id,
        account=account_label(link.user),
        session=session,
        session_open=not browsers.browser_ended_since(
            user_id=link.user_id, browser=link.notice.browser, since=link.notice.created_at
        ),
        notice_id=link.notice.pk,
        site=messages.site_of(login_request),
    )


def request_waits(*, request_id: uuid.UUID) -> bool:
    """The request still waits for its prompt's answer."""
    return LoginRequest.objects.filter(
        pk=request_id,
        status__in=[LoginRequest.Status.PENDING, LoginRequest.Status.CLAIMED],
        expires_at__gt=timezone.now(),
    ).exists()


def prompt_delivered(call: BotCall, result: Any) -> list[Outgoing]:
    """A prompt went out: keep its message id. Returns the edits now due: older prompts of the
    same request (the link was opened again) say where it goes on, and a request that ended
    while the prompt was on its way gets its outcome at once."""
    if call.prompt_of is None or not isinstance(result, dict):
        return []
    chat_id = call.params.get("chat_id")
    message_id = result.get("message_id")
    if not isinstance(chat_id, int) or not isinstance(message_id, int):
        return []
    login_request = services.login_request_record_prompt(
        request_id=call.prompt_of, chat_id=chat_id, message_id=message_id
    )
    if login_request is None:
        return []
    prompts = list(login_request.prompts.all())
    if not login_request.is_live:
        return [Outgoing(prompt_id=p.pk) for p in prompts]
    with translation.override(_language(login_request)):
        moved = _("This request goes on in the newer message below.")
        return [
            Outgoing(
                call=messages.text_edit(chat_id=p.chat_id, message_id=p.message_id, text=moved)
            )
            for p in prompts
            if p.message_id != message_id or p.chat_id != chat_id
        ]


plug_in_prompts(
    PromptHooks(
        outcome_edit=outcome_edit, prompt_delivered=prompt_delivered, request_waits=request_waits
    )
)
