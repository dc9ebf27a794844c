"""The bot's consent prompts after they are sent: each is edited to how its request ended, and
loses its buttons, so no old prompt stays live in the chat."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver
from django.utils import translation
from django.utils.translation import gettext as _

from .. import services
from ..models import BotPrompt, LoginRequest
from ..signals import login_request_settled
from . import messages
from .client import BotCall
from .language import bot_language_code


def _language(login_request: LoginRequest) -> str:
    user = login_request.telegram_user or {}
    return bot_language_code(user.get("language_code") if isinstance(user, dict) else None)


def _edits(login_request: LoginRequest, prompts: list[BotPrompt]) -> list[BotCall]:
    with translation.override(_language(login_request)):
        text = messages.outcome_text(login_request)
        return [
            messages.text_edit(chat_id=p.chat_id, message_id=p.message_id, text=text)
            for p in prompts
        ]


@receiver(login_request_settled)
def _show_outcome(sender: Any, login_request: LoginRequest, **kwargs: Any) -> None:
    from .outbox import send_later

    send_later(_edits(login_request, list(login_request.prompts.all())))


def prompt_delivered(call: BotCall, result: Any) -> list[BotCall]:
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
        return _edits(login_request, prompts)
    with translation.override(_language(login_request)):
        moved = _("This request goes on in the newer message below.")
        return [
            messages.text_edit(chat_id=p.chat_id, message_id=p.message_id, text=moved)
            for p in prompts
            if p.message_id != message_id or p.chat_id != chat_id
        ]
