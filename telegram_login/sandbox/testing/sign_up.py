"""allauth's social sign-up, where a site asks a new Telegram user for what Telegram does not
give (an email address), filled in as the person would; and where the site then requires the
address confirmed, the mailed link followed."""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

from django.test import Client
from django.urls import reverse


class _FormFields(HTMLParser):
    """The named inputs of the form that posts to `action`, with their values."""

    def __init__(self, action: str) -> None:
        super().__init__()
        self.action = action
        self.inside = False
        self.fields: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {key: value or "" for key, value in attrs}
        if tag == "form":
            self.inside = found.get("action", "") in (self.action, "")
        elif self.inside and tag == "input" and found.get("name") and _sent(found):
            self.fields[found["name"]] = found.get("value", "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.inside = False


def _sent(attributes: dict[str, str]) -> bool:
    """Whether a browser sends this input with the form."""
    return attributes.get("type") not in ("checkbox", "radio", "submit") or "checked" in attributes


def asks_to_sign_up(page: Any) -> bool:
    """Whether allauth stopped a new Telegram user at its social sign-up form."""
    request = getattr(page, "wsgi_request", None)
    return request is not None and request.path == reverse("socialaccount_signup")


def send_sign_up(client: Client, page: Any, fields: dict[str, str]) -> Any:
    """Fill in and send the sign-up form `page` shows: what it has prefilled, and `fields`."""
    action = reverse("socialaccount_signup")
    form = _FormFields(action)
    form.feed(page.content.decode())
    data = {**form.fields, **fields}
    if "email" in fields and "email2" in form.fields:
        data["email2"] = fields["email"]
    data.pop("csrfmiddlewaretoken", None)
    return client.post(action, data, follow=True)


def confirm_address(client: Client, email: str) -> Any:
    """Follow the confirmation link allauth mailed for `email`, as its owner would; None if the
    address needs none."""
    from allauth.account import app_settings
    from allauth.account.models import EmailAddress, EmailConfirmation, EmailConfirmationHMAC

    address = EmailAddress.objects.filter(email__iexact=email, verified=False).first()
    if address is None:
        return None
    if app_settings.EMAIL_CONFIRMATION_HMAC:
        key = EmailConfirmationHMAC(address).key
    else:
        sent = EmailConfirmation.objects.filter(email_address=address).order_by("-created").first()
        if sent is None:
            return None
        key = sent.key
    return client.post(reverse("account_confirm_email", args=[key]), follow=True)
