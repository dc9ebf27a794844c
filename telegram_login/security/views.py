"""The app's part of the account's settings: sign-in alerts in Telegram, on or off."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from telegram_login.linking.reauthentication import ALERTS_OFF, key_change_allowed
from telegram_login.security import alerts


def _turns_alerts_off(request: HttpRequest) -> bool:
    return request.POST.get("sign_in_alerts") != "on"


@login_required
@require_POST
def sign_in_alerts(request: HttpRequest) -> HttpResponse:
    enabled = not _turns_alerts_off(request)
    if not enabled:
        # Silencing the alerts is what someone with a stolen password would do first: it takes
        # a confirmation in the linked Telegram (the password does not do), and the bot is told.
        first = key_change_allowed(request, ALERTS_OFF)
        if first is not None:
            return first
    alerts.alerts_set(request=request, user=request.user, enabled=enabled)
    messages.success(
        request,
        _("Sign-in alerts in Telegram are on.")
        if enabled
        else _("Sign-in alerts in Telegram are off."),
    )
    return redirect("usersessions_list")
