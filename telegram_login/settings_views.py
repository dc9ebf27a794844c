"""The app's part of the account's settings: sign-in alerts in Telegram, on or off."""

from __future__ import annotations

from allauth.account.decorators import reauthentication_required
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import alerts


def _turns_alerts_off(request: HttpRequest) -> bool:
    return request.POST.get("sign_in_alerts") != "on"


@login_required
@require_POST
# Silencing the alerts is what someone in a stolen session would do first: it takes a fresh
# proof (the password, or a confirmation in the linked Telegram), and the bot is told.
@reauthentication_required(enabled=_turns_alerts_off)
def sign_in_alerts(request: HttpRequest) -> HttpResponse:
    enabled = not _turns_alerts_off(request)
    alerts.alerts_set(request=request, user=request.user, enabled=enabled)
    messages.success(
        request,
        _("Sign-in alerts in Telegram are on.")
        if enabled
        else _("Sign-in alerts in Telegram are off."),
    )
    return redirect("usersessions_list")
