"""Template tags for the widget and the settings pages: what the account may do with Telegram
right now."""

from __future__ import annotations

import json
from typing import Any

from allauth.account.models import EmailAddress
from allauth.account.utils import get_next_redirect_url
from django import template
from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation

from telegram_login.compat import HAS_OWN_PARTS
from telegram_login.identity import display_name
from telegram_login.linking import rules as linking
from telegram_login.linking.proof import proof_page_text, proof_purpose, proof_window_text
from telegram_login.linking.reauthentication import KEY_PURPOSES, needs_telegram_proof
from telegram_login.mini_app.views import mini_app_refusal
from telegram_login.signin.widget import WidgetState, resumable_request, widget_context

register = template.Library()

if not HAS_OWN_PARTS:
    # Django 5.2: django-template-partials' {% partialdef %} comes with this library, so the
    # package's templates read the same on every Django (6.x has the tag built in).
    from template_partials.templatetags.partials import register as partials

    register.tags.update(partials.tags)


@register.filter
def telegram_name(data: Any) -> str:
    """ "First Last" of a Telegram user's stored fields (a linked account's extra_data)."""
    return display_name(data) if isinstance(data, dict) else ""


@register.simple_tag
def telegram_connect_refusal(user: Any) -> str:
    """Why this account cannot link Telegram now ("has_telegram", ...), or "" if it can."""
    refusal = linking.connect_refusal(user=user)
    return refusal.value if refusal else ""


@register.simple_tag
def telegram_can_disconnect(user: Any) -> bool:
    return linking.can_disconnect_telegram(user=user)


@register.simple_tag
def telegram_missing_for_email_sign_in(user: Any) -> str:
    """What the account lacks before email and password are a way in: "password", "email"
    (none at all), "confirmation" (only unconfirmed addresses), or "" (nothing)."""
    addresses = list(
        EmailAddress.objects.filter(user_id=user.pk).values_list("verified", flat=True)
    )
    if not any(addresses):
        return "confirmation" if addresses else "email"
    return "" if user.has_usable_password() else "password"


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


@register.inclusion_tag("telegram_login/proof_purpose.html", takes_context=True)
def telegram_proof_purpose(context: dict[str, Any]) -> dict[str, Any]:
    """What a fresh-proof page unlocks ("To connect Telegram to your account, first confirm that
    it is you."), from the change waiting for it, and how long the proof then counts."""
    request = context["request"]
    purpose = proof_purpose(request, get_next_redirect_url(request) or "")
    return {
        "purpose": purpose,
        "text": proof_page_text(purpose),
        # A confirmation for the security key counts for that change alone.
        "window": "" if purpose in KEY_PURPOSES else proof_window_text(),
    }


@register.simple_tag(takes_context=True)
def telegram_login_widget(
    context: dict[str, Any], process: str = "login", next_url: str = "", start_label: str = ""
) -> str:
    """The "Sign in with Telegram" button, or, after a reload, the sign-in this browser already
    started: the same link and code, going on from where it was."""
    request = context["request"]
    found = resumable_request(request, process=process)
    if found is None:
        return render_to_string(
            "telegram_login/login.html#slot",
            {
                "process": process,
                # Where the page itself was asked to lead (`?next=`, checked as allauth does).
                "next_url": next_url or get_next_redirect_url(request) or "",
                "state": WidgetState.START,
                "states": WidgetState,
                "start_label": start_label,
                "mini_app_refusal": mini_app_refusal(request),
            },
            request=request,
        )
    login_request, token = found
    # An approved request shows as confirmed-in-Telegram and polls at once, which completes it.
    state = WidgetState.PENDING if login_request.status == "pending" else WidgetState.CLAIMED
    return render_to_string(
        "telegram_login/login.html#slot",
        widget_context(request, login_request, state=state, token=token, resumed=True),
        request=request,
    )


@register.simple_tag
def telegram_mini_app_texts() -> str:
    """ "Continue as {name}" in each of the site's languages (JSON), so that the Mini App's one
    tap speaks the Telegram user's language (telegram-login.js picks it)."""
    texts = {}
    for code, _ in settings.LANGUAGES:
        with translation.override(code):
            texts[code] = translation.gettext("Continue as %(name)s") % {"name": "{name}"}
    return json.dumps(texts, ensure_ascii=False)


@register.filter
def telegram_sign_in_method(session: Any) -> str:
    """How an allauth UserSession signed in ("Telegram", "Telegram Mini App", "Telegram's login
    page", "email and password"...), where the app saw it; "" otherwise."""
    from telegram_login.security.messages import sign_in_method_text
    from telegram_login.security.sessions import SIGNED_IN_WITH

    kept = (getattr(session, "data", None) or {}).get(SIGNED_IN_WITH)
    if not (isinstance(kept, list) and len(kept) == 2 and all(isinstance(k, str) for k in kept)):
        return ""
    return sign_in_method_text(kept[0], kept[1])


@register.filter
def telegram_device(user_agent: str) -> str:
    """ "Chrome 120 on Windows 10" from a User-Agent, known browser and OS families only."""
    from telegram_login.messaging.texts import device_of
    from telegram_login.useragent import describe_user_agent

    device = describe_user_agent(user_agent or "")
    return device_of(browser=device.browser, system=device.os)


@register.inclusion_tag("telegram_login/sign_in_alerts.html", takes_context=True)
def telegram_sign_in_alerts(context: dict[str, Any]) -> dict[str, Any]:
    """The switch for the account's sign-in alerts in Telegram (for Settings > Sessions)."""
    from telegram_login.security.alerts import alerts_enabled

    user = context["request"].user
    return {
        "request": context["request"],
        "csrf_token": context.get("csrf_token"),
        "linked": linking.telegram_account_for_user(user=user) is not None,
        "enabled": alerts_enabled(user=user),
    }
