"""allauth's "Confirm access" page answered in the linked Telegram (reauthentication.py)."""

from __future__ import annotations

from allauth.account.adapter import get_adapter as get_account_adapter
from allauth.account.utils import get_next_redirect_url
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from telegram_login.linking import rules as linking
from telegram_login.linking.reauthentication import DISCONNECT_TELEGRAM, key_change_waiting
from telegram_login.models import LoginRequest
from telegram_login.signin.responses import HtmxHttpRequest, with_next


@login_required
@never_cache
@require_GET
def reauthenticate(request: HtmxHttpRequest) -> HttpResponse:
    """allauth's "Confirm access" page for the linked Telegram: the widget, and the password as
    the alternative where the account has one."""
    if linking.telegram_account_for_user(user=request.user) is None:
        return redirect(with_next(reverse("account_reauthenticate"), request.GET.get("next", "")))
    next_url = get_next_redirect_url(request) or ""
    # A change that would silence or remove Telegram: only Telegram can allow it.
    key_change = key_change_waiting(request, next_url)
    adapter = get_account_adapter()
    alternatives = [
        method
        for method in adapter.get_reauthentication_methods(request.user)
        if method["url"] != request.path and not key_change
    ]
    for method in alternatives:
        method["url"] = with_next(method["url"], next_url)
    return render(
        request,
        "telegram_login/reauthenticate.html",
        {
            "reauthentication_alternatives": alternatives,
            "next_url": next_url,
            "process": LoginRequest.Process.REAUTHENTICATE,
            "key_change": key_change,
            "lost_telegram_url": reverse("telegram_login_lost")
            if key_change == DISCONNECT_TELEGRAM
            else "",
        },
    )
