"""The sandbox's Telegram login issuer as pages and endpoints: discovery, the key set, the token
endpoint, and the consent page in Telegram's manner (the site and the browser that asked, its
IP and region, what the site gets, and the code the browser shows to pick).

The Telegram user is the one the sandbox plays (its identity cookie, views.sandbox_user): the
same person whichever way they sign in.
"""

from __future__ import annotations

import ipaddress
import secrets
from collections.abc import Callable
from functools import wraps
from http import HTTPStatus
from typing import Any
from urllib.parse import urlsplit

from allauth.account.adapter import get_adapter as get_account_adapter
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from telegram_login.conf import get_settings
from telegram_login.sandbox.oidc_issuer import (
    AuthorizationError,
    Consent,
    FakeIssuer,
    fake_issuer,
)
from telegram_login.sandbox.stand_in import issuer_url
from telegram_login.sandbox.views import LANGUAGES, sandbox_user
from telegram_login.useragent import describe_user_agent


def issuer_only(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """404 unless the sandbox plays Telegram's issuer (no real client configured)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not get_settings().oidc.played:
            raise Http404("The sandbox's Telegram login is off.")
        return view(request, *args, **kwargs)

    return login_not_required(wrapper)


def _back_channel(answer: Callable[[FakeIssuer], JsonResponse]) -> HttpResponse:
    issuer = fake_issuer()
    if issuer.faults.down:
        return JsonResponse({"error": "temporarily_unavailable"}, status=503)
    return answer(issuer)


@issuer_only
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    return redirect(reverse("telegram_login_sandbox_oidc_discovery"))


@issuer_only
@require_GET
def discovery(request: HttpRequest) -> HttpResponse:
    return _back_channel(lambda issuer: JsonResponse(issuer.discovery(issuer_url(request))))


@issuer_only
@require_GET
def jwks(request: HttpRequest) -> HttpResponse:
    return _back_channel(lambda issuer: JsonResponse(issuer.jwks()))


@csrf_exempt  # the site's server calls it with the client secret, never a browser
@issuer_only
@never_cache
@require_POST
def token(request: HttpRequest) -> HttpResponse:
    def answer(issuer: FakeIssuer) -> JsonResponse:
        status, body = issuer.exchange(
            request.POST.dict(),
            authorization=request.headers.get("Authorization", ""),
            issuer=issuer_url(request),
        )
        return JsonResponse(body, status=status)

    return _back_channel(answer)


def _region(ip: str) -> str:
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return ""
    return "local" if address.is_private or address.is_loopback else ""


@issuer_only
@never_cache
@require_http_methods(["GET", "POST"])
def authorize(request: HttpRequest) -> HttpResponse:
    """GET: the consent page for an authorization request. POST: the Telegram user's answer."""
    issuer = fake_issuer()
    if request.method == "POST":
        return _answer(request, issuer)
    params = request.GET.dict()
    try:
        consent = issuer.ask(
            params,
            allowed_redirect_uris=[request.build_absolute_uri(reverse("telegram_oidc_callback"))],
        )
    except AuthorizationError as refused:
        return render(
            request,
            "telegram_login_sandbox/sandbox_oidc.html",
            {"refused": "client", "detail": str(refused)},
            status=HTTPStatus.BAD_REQUEST,
        )
    except ValueError as error:
        # The client and its redirect URI are checked by now: the error goes back to the site.
        query = {"error": str(error)}
        if params.get("state"):
            query["state"] = params["state"]
        return redirect(f"{params['redirect_uri']}?{urlencode(query)}")
    return _consent_page(request, consent)


def _answer(request: HttpRequest, issuer: FakeIssuer) -> HttpResponse:
    """The Telegram user's answer: back to the site, or a page if the consent is over."""
    back = issuer.decide(
        request.POST.get("consent", ""),
        user=sandbox_user(request),
        picked=request.POST.get("picked", ""),
        bot_access=request.POST.get("bot_access") == "on",
    )
    if back is None:
        return render(
            request,
            "telegram_login_sandbox/sandbox_oidc.html",
            {"refused": "over"},
            status=HTTPStatus.BAD_REQUEST,
        )
    return redirect(back)


def _consent_page(request: HttpRequest, consent: Consent) -> HttpResponse:
    """The consent page in Telegram's manner, for a request the issuer accepted."""
    client_ip = get_account_adapter().get_client_ip(request)
    device = describe_user_agent(request.headers.get("User-Agent", ""))
    return render(
        request,
        "telegram_login_sandbox/sandbox_oidc.html",
        {
            "consent": consent,
            "user": sandbox_user(request),
            "domain": urlsplit(consent.redirect_uri).netloc,
            "browser": device.browser,
            "platform": device.os,
            "ip": client_ip,
            "region": _region(client_ip),
            "bot_username": get_settings().bot_username,
            "shares_phone": "phone" in consent.scopes,
            "asks_bot_access": "telegram:bot_access" in consent.scopes,
            # For the sandbox's "who are you on Telegram?" form, which comes back here.
            "languages": LANGUAGES,
            "suggested_id": secrets.randbelow(9 * 10**9) + 10**9,
            "next": request.get_full_path(),
        },
    )
