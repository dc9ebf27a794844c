"""Template tags for the settings pages: what the account may do with Telegram right now."""

from __future__ import annotations

from typing import Any

from allauth.account.models import EmailAddress
from django import template

from .. import linking
from ..reauthentication import needs_telegram_proof

register = template.Library()


@register.simple_tag
def telegram_connect_refusal(user: Any) -> str:
    """Why this account cannot link Telegram now ("has_telegram", ...), or "" if it can."""
    refusal = linking.connect_refusal(user=user)
    return refusal.value if refusal else ""


@register.simple_tag
def telegram_can_disconnect(user: Any) -> bool:
    return linking.can_disconnect_telegram(user=user)


@register.simple_tag
def verified_email_of(user: Any) -> str:
    """The account's verified address (primary first), or "" if none is verified."""
    return (
        EmailAddress.objects.filter(user_id=user.pk, verified=True)
        .order_by("-primary", "pk")
        .values_list("email", flat=True)
        .first()
        or ""
    )


@register.simple_tag(takes_context=True)
def telegram_proof_needed(context: dict[str, Any]) -> bool:
    """True if this browser must confirm in the linked Telegram before the change on this page."""
    return needs_telegram_proof(context.get("request"))
