"""The answers the browser's views give: the widget in a state (the whole page, or the fragment
for htmx), a final state that stops the polling, and a redirect either way."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from allauth.socialaccount.adapter import get_adapter
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import urlencode
from django_htmx.http import HttpResponseClientRedirect, HttpResponseStopPolling
from django_htmx.middleware import HtmxDetails

from telegram_login.identity import PROVIDER_ID
from telegram_login.models import LoginRequest
from telegram_login.provider import TelegramLoginProvider
from telegram_login.signin.widget import WidgetState, widget_context

WIDGET_TEMPLATE = "telegram_login/login.html"


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails


def provider_of(request: HttpRequest) -> TelegramLoginProvider:
    return get_adapter().get_provider(request, PROVIDER_ID)


def render_widget(
    request: HtmxHttpRequest,
    login_request: LoginRequest | None,
    *,
    state: WidgetState,
    token: str | None = None,
    status: int = HTTPStatus.OK,
    extra: dict[str, Any] | None = None,
) -> HttpResponse:
    """The widget in `state`; the whole page for a plain request, the fragment for htmx."""
    process = request.POST.get("process") or request.GET.get("process")
    if process not in LoginRequest.Process.values:
        process = LoginRequest.Process.LOGIN
    context = widget_context(request, login_request, state=state, process=process, token=token)
    context.update(extra or {})
    fragment = "start-form" if state == WidgetState.START else "widget"
    template = f"{WIDGET_TEMPLATE}#{fragment}" if request.htmx else WIDGET_TEMPLATE
    return render(request, template, context, status=status)


def client_redirect(request: HtmxHttpRequest, url: str) -> HttpResponse:
    """Send the browser to another page: a plain redirect, or HX-Redirect for htmx."""
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


def with_next(url: str, next_url: str) -> str:
    return f"{url}?{urlencode({'next': next_url})}" if next_url else url


def stop(
    request: HtmxHttpRequest,
    login_request: LoginRequest | None,
    *,
    state: WidgetState,
    extra: dict[str, Any] | None = None,
) -> HttpResponse:
    """A final state. Its widget carries no poll, so swapping it in ends the polling under any
    htmx; for htmx it also comes as django-htmx's stop-polling answer (286), which htmx 2 reads
    and htmx 4 swaps as any other 2xx."""
    response = render_widget(request, login_request, state=state, extra=extra)
    if request.htmx:
        return HttpResponseStopPolling(response.content)
    return response
