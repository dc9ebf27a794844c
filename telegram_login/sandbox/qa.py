"""Sandbox-only helpers for the browser suite against a running site (docs/qa.md): arrange state
that a person could not arrange quickly through the pages. Like every sandbox page they answer
404 unless the sandbox is on, and they never run next to a real bot."""

from __future__ import annotations

from http import HTTPStatus
from importlib import import_module

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.authentication import AUTHENTICATION_METHODS_SESSION_KEY
from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from telegram_login.models import LoginRequest
from telegram_login.sandbox.views import sandbox_only
from telegram_login.signin import services
from telegram_login.signin.tokens import token_hash


@csrf_exempt  # called by the test suite, not a browser; the sandbox alone already plays anyone
@sandbox_only
@require_POST
def reset(request: HttpRequest) -> HttpResponse:
    """Forget rate-limit and poll counters, and end every waiting sign-in: a fresh start."""
    cache.clear()
    services.login_requests_expire_all()
    return HttpResponse(status=HTTPStatus.NO_CONTENT)


@csrf_exempt
@sandbox_only
@require_POST
def expire(request: HttpRequest) -> HttpResponse:
    """Move the deadline of the request with this token to now, as if its minutes had passed."""
    updated = LoginRequest.objects.filter(
        token_hash=token_hash(request.POST.get("token", ""))
    ).update(expires_at=timezone.now())
    return HttpResponse(status=HTTPStatus.NO_CONTENT if updated else HTTPStatus.NOT_FOUND)


@csrf_exempt
@sandbox_only
@require_POST
def email_account(request: HttpRequest) -> HttpResponse:
    """An account with a confirmed email address and a password (the confirmation email would
    otherwise have to be read from the server's console)."""
    email = request.POST.get("email", "").strip().lower()
    password = request.POST.get("password", "")
    if not email or not password:
        return HttpResponse("email and password are required", status=HTTPStatus.BAD_REQUEST)
    if EmailAddress.objects.filter(email__iexact=email).exists():
        return HttpResponse(status=HTTPStatus.CONFLICT)
    user = get_user_model().objects.create_user(
        username=DefaultAccountAdapter().generate_unique_username([email.split("@")[0], "user"]),
        email=email,
        password=password,
        first_name=request.POST.get("first_name", "")[:150],
        last_name=request.POST.get("last_name", "")[:150],
    )
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    return HttpResponse(status=HTTPStatus.CREATED)


@csrf_exempt
@sandbox_only
@require_POST
def age_sign_in(request: HttpRequest) -> HttpResponse:
    """Move the sign-ins and fresh proofs of the session with this key `seconds` (an hour) into
    the past, as if the person had signed in a while ago: a fresh proof lasts allauth's few
    minutes, which a browser test does not wait out."""
    store = import_module(settings.SESSION_ENGINE).SessionStore(request.POST.get("session", ""))
    records = store.get(AUTHENTICATION_METHODS_SESSION_KEY)
    if not isinstance(records, list):
        return HttpResponse(status=HTTPStatus.NOT_FOUND)
    seconds = float(request.POST.get("seconds", "3600"))
    store[AUTHENTICATION_METHODS_SESSION_KEY] = [
        {**record, "at": record.get("at", 0) - seconds} for record in records
    ]
    store.save()
    return HttpResponse(status=HTTPStatus.NO_CONTENT)
