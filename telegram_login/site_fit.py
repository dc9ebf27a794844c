"""How the site around the app fits it: the traps a real allauth site can set for Telegram
sign-up (its user model, its allauth settings, allauth's own Telegram provider, its own login
page), each found as a code of checks.PROBLEMS with what to put into its message."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from allauth.account import app_settings as account_settings
from allauth.socialaccount import app_settings as socialaccount_settings
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.exceptions import FieldDoesNotExist
from django.template import TemplateDoesNotExist
from django.template.loader import get_template

from telegram_login.identity import ALLAUTH_TELEGRAM

Trap = tuple[str, dict[str, Any]]

# What puts a way to sign in on a login page: allauth's provider list, or the app's tags.
# The pages where allauth's stock templates list the providers.
ENTRANCE_PAGES = ("account/login.html", "account/signup.html")
SHOWS_PROVIDERS = ("socialaccount/snippets/", "provider_list", "telegram_login_widget")


def site_traps() -> list[Trap]:
    """Every trap the site has set, in the order README's "Add it to your site" names them."""
    traps: list[Trap] = []
    if apps.is_installed(ALLAUTH_TELEGRAM):
        traps.append(("W026", {"app": ALLAUTH_TELEGRAM}))
    traps += _email_traps() + _username_traps()
    for page in ENTRANCE_PAGES:
        template = _page_without_providers(page)
        if template is not None:
            traps.append(("W030", {"template": template}))
    return traps


def _email_traps() -> list[Trap]:
    """Telegram gives no address: with none required at sign-up, a new Telegram user has none."""
    if socialaccount_settings.EMAIL_REQUIRED:
        return []
    traps: list[Trap] = []
    verification = socialaccount_settings.EMAIL_VERIFICATION or account_settings.EMAIL_VERIFICATION
    if verification == account_settings.EmailVerificationMethod.MANDATORY:
        # allauth waits for an address to be confirmed that the account does not have.
        traps.append(("E027", {}))
    field = _user_field(account_settings.USER_MODEL_EMAIL_FIELD)
    if field is not None and field.unique:
        # Every new Telegram user's address would be "", and the second one cannot be saved.
        traps.append(("E028", {"model": _user_model_name(), "field": field.name}))
    return traps


def _username_traps() -> list[Trap]:
    """Usernames only where the model has them, and never an empty one in a unique field."""
    named = account_settings.USER_MODEL_USERNAME_FIELD
    model = get_user_model()
    if named:
        if _user_field(named) is None:
            return [("E029", {"model": _user_model_name(), "field": named})]
        return []
    field = _user_field(model.USERNAME_FIELD)
    email = account_settings.USER_MODEL_EMAIL_FIELD
    if field is not None and field.unique and field.name != email and not field.null:
        return [("E031", {"model": _user_model_name(), "field": field.name})]
    return []


def _page_without_providers(page: str) -> str | None:
    """The site's own `page` (where it has one), where it lists no way in but its form."""
    try:
        template = get_template(page)
    except TemplateDoesNotExist:
        return None
    origin = getattr(getattr(template, "template", template), "origin", None)
    name = str(getattr(origin, "name", "") or "")
    if not name or _shipped_by_allauth_or_us(name):
        return None
    try:
        source = Path(name).read_text(encoding="utf-8")
    except OSError:
        return None
    if any(marker in source for marker in SHOWS_PROVIDERS):
        return None
    return name


def _shipped_by_allauth_or_us(name: str) -> bool:
    allauth = Path(apps.get_app_config("account").path).parent
    ours = Path(apps.get_app_config("telegram_login").path)
    return any(Path(name).is_relative_to(path) for path in (allauth, ours))


def _user_field(name: str | None) -> Any:
    if not name:
        return None
    try:
        return get_user_model()._meta.get_field(name)
    except FieldDoesNotExist:
        return None


def _user_model_name() -> str:
    return get_user_model()._meta.label
