"""The pages of removing a lost Telegram (recovery.py): ask with the password, confirm from the
emailed link, and remove once the announced wait is over."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from allauth.account.decorators import reauthentication_required
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required, login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from telegram_login.linking import rules as linking
from telegram_login.security import recovery


@login_required
@never_cache
@require_GET
def lost(request: HttpRequest) -> HttpResponse:
    """What removing a lost Telegram takes, and where a removal stands."""
    user: Any = request.user
    removal = recovery.active_removal(user=user)
    return render(
        request,
        "telegram_login/lost_telegram.html",
        {
            "telegram": linking.telegram_account_for_user(user=request.user),
            "can_remove": linking.can_disconnect_telegram(user=user),
            "removal": removal,
            "wait_days": recovery.wait().days,
        },
    )


@login_required
@require_POST
# The password, freshly: what an intruder may also have, so the wait and Telegram's word follow.
@reauthentication_required
def lost_request(request: HttpRequest) -> HttpResponse:
    try:
        removal = recovery.removal_request(request=request)
    except recovery.RemovalRefused as refused:
        if refused.until is not None:
            messages.error(
                request,
                _(
                    "The account's email addresses changed lately: the link can be sent after "
                    "%(when)s, to an address that has stayed that long."
                )
                % {"when": date_format(timezone.localtime(refused.until), "DATETIME_FORMAT")},
            )
        else:
            messages.error(
                request,
                _(
                    "Telegram cannot be removed this way: the account needs a verified email "
                    "address and a password first."
                ),
            )
        return redirect("telegram_login_lost")
    if removal.status == removal.Status.EMAIL_SENT:
        messages.info(
            request,
            _("We sent a link to %(email)s: open it to start the wait.") % {"email": removal.email},
        )
    return redirect("telegram_login_lost")


@login_not_required
@never_cache
@require_http_methods(["GET", "POST"])
def lost_confirm(request: HttpRequest, token: str) -> HttpResponse:
    """The emailed link. GET only shows the button (mail scanners open links); POST starts the
    wait."""
    removal = recovery.removal_for_link(token)
    if removal is None:
        return render(
            request,
            "telegram_login/lost_telegram_link.html",
            {"invalid": True},
            status=HTTPStatus.NOT_FOUND,
        )
    if request.method == "POST" and recovery.removal_confirm_email(removal=removal):
        removal.refresh_from_db()
        return render(
            request, "telegram_login/lost_telegram_link.html", {"removal": removal, "started": True}
        )
    return render(
        request,
        "telegram_login/lost_telegram_link.html",
        {
            "removal": removal,
            "account": linking.account_label(removal.user),
            "wait_days": recovery.wait().days,
        },
    )


@login_required
@require_POST
@reauthentication_required
def lost_remove(request: HttpRequest) -> HttpResponse:
    removal = recovery.active_removal(user=request.user)
    if removal is not None and recovery.removal_complete(request=request, removal=removal):
        return redirect("socialaccount_connections")
    messages.error(request, _("Telegram cannot be removed yet."))
    return redirect("telegram_login_lost")
