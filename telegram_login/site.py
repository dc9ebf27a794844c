"""The name the bot and the app's mails give the site: the one place that decides it."""

from __future__ import annotations

from urllib.parse import urlsplit

from allauth.core import context
from django.apps import apps
from django.conf import settings
from django.core.exceptions import DisallowedHost, ImproperlyConfigured, ObjectDoesNotExist
from django.http import HttpRequest
from django.http.request import split_domain_port, validate_host
from django.utils.translation import gettext as _

from telegram_login.conf import get_settings

# Django's Site as `migrate` makes it: nobody named it.
DEFAULT_SITE_NAME = "example.com"
# The hosts Django allows with DEBUG on and ALLOWED_HOSTS empty.
DEBUG_HOSTS = [".localhost", "127.0.0.1", "[::1]"]


def site_name(request: HttpRequest | None = None) -> str:
    """TELEGRAM_LOGIN_SITE_NAME; else the Sites framework's current site (its name, else its
    domain, unless it is Django's unnamed "example.com"); else the domain the person is on.

    `request` defaults to the one being served (allauth's context: AccountMiddleware sets it);
    where there is none (the queue's worker, long polling), the domain is the first host
    ALLOWED_HOSTS names. A host is taken only where ALLOWED_HOSTS names it, never through "*":
    a forged Host header never reaches the bot's messages. A site that names no host at all
    (ALLOWED_HOSTS = ["*"]) is named by CSRF_TRUSTED_ORIGINS, else by its bot's @username.
    """
    configured = get_settings().site_name.strip()
    if configured:
        return configured
    request = request if request is not None else context.request
    return (
        _sites_name(request)
        or _named_host(request)
        or _trusted_origin_host()
        or _bot_name()
        # Translators: only the mails of a site that names itself nowhere: "your account on
        # this site" (Russian: "на этом сайте").
        or _("this site")
    )


def _sites_name(request: HttpRequest | None) -> str:
    if not apps.is_installed("django.contrib.sites"):
        return ""
    from django.contrib.sites.shortcuts import get_current_site

    try:
        site = get_current_site(request)
    except (ObjectDoesNotExist, ImproperlyConfigured):
        # No SITE_ID, and no Site for this host (or no request to tell by).
        return ""
    for name in (site.name, site.domain):
        if name and name != DEFAULT_SITE_NAME:
            return name
    return ""


def _named_hosts() -> list[str]:
    """ALLOWED_HOSTS without its wildcard "*" (which vouches for any host at all)."""
    allowed = list(settings.ALLOWED_HOSTS) or (DEBUG_HOSTS if settings.DEBUG else [])
    return [host for host in allowed if host != "*"]


def _named_host(request: HttpRequest | None) -> str:
    """The host the request came to, where ALLOWED_HOSTS names it; without a request (or with a
    host only "*" lets in), the first host ALLOWED_HOSTS names."""
    named = _named_hosts()
    if request is not None:
        try:
            domain, _port = split_domain_port(request.get_host())
        except DisallowedHost:
            domain = ""
        if domain and validate_host(domain, named):
            return domain
    for host in named:
        # ".example.com" allows example.com and its subdomains: example.com is the site.
        host = host.lstrip(".")
        if host:
            return host
    return ""


def _trusted_origin_host() -> str:
    """The host of the first of CSRF_TRUSTED_ORIGINS ("https://*.example.com": example.com)."""
    for origin in getattr(settings, "CSRF_TRUSTED_ORIGINS", []):
        host = (urlsplit(origin).hostname or "").removeprefix("*.")
        if host:
            return host
    return ""


def _bot_name() -> str:
    username = get_settings().bot_username
    return f"@{username}" if username else ""
