"""Cancel under the waiting widget: the browser stops waiting, its request ends as cancelled, and
the page shows the start button again with the page's other ways in (nothing else competes with
a sign-in while it runs, so this is the way back to them)."""

from __future__ import annotations

import uuid

from allauth.account.utils import get_next_redirect_url
from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from telegram_login.models import LoginRequest
from telegram_login.poll import selectors
from telegram_login.signin import services
from telegram_login.signin.responses import HtmxHttpRequest, render_widget, with_next
from telegram_login.signin.widget import WidgetState


@login_not_required
@never_cache
@require_POST
def cancel(request: HtmxHttpRequest, request_id: uuid.UUID) -> HttpResponse:
    """End the request this browser started (found only through its session, as the poll finds
    it). With htmx the widget turns back to its start button; without, a sign-in goes back to
    the sign-in page."""
    found = selectors.login_request_for_session(session=request.session, request_id=request_id)
    if found is not None:
        login_request, _ = found
        services.login_request_cancel_in_browser(login_request=login_request)
        if login_request.status == LoginRequest.Status.APPROVED:
            # Confirmed in Telegram before the press: the next poll finishes it.
            return render_widget(request, login_request, state=WidgetState.of(login_request))
    if request.htmx or request.POST.get("process", LoginRequest.Process.LOGIN) != "login":
        return render_widget(request, None, state=WidgetState.START)
    return redirect(with_next(reverse("account_login"), get_next_redirect_url(request) or ""))
