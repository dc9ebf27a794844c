"""HTTP views: start a sign-in, poll it from the browser, and the Telegram webhook."""

from __future__ import annotations

import json
import logging
import uuid
from http import HTTPStatus
from typing import Any

import segno
from allauth.account.adapter import get_adapter as get_account_adapter
from allauth.account.internal.decorators import login_not_required
from allauth.account.utils import get_next_redirect_url
from allauth.core import ratelimit
from allauth.socialaccount.adapter import get_adapter
from allauth.socialaccount.helpers import complete_social_login
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseRedirectBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.crypto import constant_time_compare
from django.utils.http import urlencode
from django.utils.safestring import mark_safe
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseStopPolling
from django_htmx.middleware import HtmxDetails

from . import selectors, services
from .bot.dispatcher import handle_update
from .bot.outbox import send_later
from .conf import get_settings
from .models import LoginRequest
from .provider import TelegramLoginProvider

logger = logging.getLogger(__name__)

START_RATE_LIMIT_ACTION = "telegram_login_start"
WIDGET_TEMPLATE = "telegram_login/login.html"


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails


def _provider(request: HttpRequest) -> TelegramLoginProvider:
    return get_adapter().get_provider(request, TelegramLoginProvider.id)


def deep_link(token: str) -> str:
    conf = get_settings()
    if conf.sandbox:
        return f"{reverse('telegram_login_sandbox')}?{urlencode({'start': token})}"
    return f"https://t.me/{conf.bot_username}?{urlencode({'start': token})}"


def _render_widget(
    request: HtmxHttpRequest,
    login_request: LoginRequest | None,
    *,
    state: str,
    token: str | None = None,
    status: int = HTTPStatus.OK,
    extra: dict[str, Any] | None = None,
) -> HttpResponse:
    """The widget in `state`; the whole page for a plain request, the fragment for htmx."""
    next_url = get_next_redirect_url(request) or ""
    context: dict[str, Any] = {
        "login_request": login_request,
        "state": state,
        "process": login_request.process if login_request else request.POST.get("process", "login"),
        "next_url": next_url,
        "confirm_mode": get_settings().confirm_mode,
        "telegram_user": login_request.telegram_user if login_request else None,
    }
    if login_request is not None:
        # The poll says which state the page shows, so an unchanged state costs a bare 204.
        query = {"shown": state, **({"next": next_url} if next_url else {})}
        context["poll_url"] = (
            f"{reverse('telegram_login_poll', args=[login_request.id])}?{urlencode(query)}"
        )
    if token is not None:
        link = deep_link(token)
        absolute = request.build_absolute_uri(link) if link.startswith("/") else link
        context.update(
            deep_link=link,
            start_command=f"/start {token}",
            qr_svg=mark_safe(  # noqa: S308  segno escapes the data it encodes
                segno.make(absolute, error="m").svg_inline(scale=4, border=2, omitsize=True)
            ),
        )
    context.update(extra or {})
    template = f"{WIDGET_TEMPLATE}#widget" if request.htmx else WIDGET_TEMPLATE
    return render(request, template, context, status=status)


@login_not_required
@require_http_methods(["GET", "POST"])
def start(request: HtmxHttpRequest) -> HttpResponse:
    """GET shows the start button (no side effects: link previews GET); POST starts a sign-in."""
    if request.method == "GET":
        return _render_widget(request, None, state="start")
    process = request.POST.get("process", LoginRequest.Process.LOGIN)
    if process not in LoginRequest.Process.values:
        process = LoginRequest.Process.LOGIN
    if process == LoginRequest.Process.CONNECT and not request.user.is_authenticated:
        return redirect(f"{reverse('account_login')}?{urlencode({'next': request.path})}")
    if not get_settings().enabled:
        return _render_widget(request, None, state="unavailable")
    # Counted per IP and per browser session (a fresh browser counts by its IP twice).
    session_key = request.session.session_key or get_account_adapter().get_client_ip(request)
    if not ratelimit.consume(request, action=START_RATE_LIMIT_ACTION, key=session_key):
        return _render_widget(
            request,
            None,
            state="rate_limited",
            status=HTTPStatus.OK if request.htmx else HTTPStatus.TOO_MANY_REQUESTS,
        )
    provider = _provider(request)
    state_id = provider.stash_redirect_state(request, process, get_next_redirect_url(request))
    login_request, token = services.login_request_start(
        session=request.session,
        state_id=state_id,
        process=process,
        site_domain=request.get_host(),
        requester_ip=get_account_adapter().get_client_ip(request),
        user_agent=request.headers.get("User-Agent", ""),
    )
    return _render_widget(request, login_request, state=login_request.status, token=token)


@login_not_required
@require_GET
def poll(request: HtmxHttpRequest, request_id: uuid.UUID) -> HttpResponse:
    """The waiting browser asks how its sign-in is going; it is found only through the session."""
    found = selectors.login_request_for_session(session=request.session, request_id=request_id)
    if found is None:
        return _stop(request, None, state="unknown")
    login_request, state_id = found
    if services.login_request_count_poll(request_id=request_id) > get_settings().polls_per_request:
        return _stop(request, login_request, state="poll_limit")
    # Brings the instance up to date itself, whoever moved the request.
    services.login_request_expire_if_due(login_request=login_request)
    if login_request.status == LoginRequest.Status.APPROVED:
        return _complete(request, login_request, state_id)
    if request.htmx and request.GET.get("shown") == login_request.status:
        return HttpResponse(status=HTTPStatus.NO_CONTENT)
    if login_request.is_terminal:
        return _stop(request, login_request, state=login_request.status)
    return _render_widget(request, login_request, state=login_request.status)


def _stop(
    request: HtmxHttpRequest,
    login_request: LoginRequest | None,
    *,
    state: str,
    extra: dict[str, Any] | None = None,
) -> HttpResponse:
    """A final state: htmx's 286 stops the polling."""
    response = _render_widget(request, login_request, state=state, extra=extra)
    if request.htmx:
        response.status_code = HttpResponseStopPolling.status_code
    return response


def _complete(request: HtmxHttpRequest, login_request: LoginRequest, state_id: str) -> HttpResponse:
    """Finish the allauth social login in this browser's session; exactly one poll gets here."""
    if not services.login_request_take_for_completion(login_request=login_request):
        return HttpResponse(status=HTTPStatus.NO_CONTENT)
    provider = _provider(request)
    try:
        sociallogin = provider.sociallogin_from_response(request, login_request.telegram_user)
        sociallogin.state = provider.unstash_redirect_state(request, state_id)
        response = complete_social_login(request, sociallogin)
    except Exception:
        logger.exception("completing sign-in %s failed", login_request.id)
        services.login_request_fail(login_request=login_request)
        return _stop(request, login_request, state="failed")
    if not isinstance(response, HttpResponseRedirectBase):
        # allauth rendered a page (an authentication error): show it in full.
        if request.htmx:
            response["HX-Retarget"] = "body"
            response["HX-Reswap"] = "innerHTML"
        return response
    if not request.htmx:
        return response
    widget = _stop(
        request,
        login_request,
        state="completed",
        extra={"continue_url": response["Location"]},
    )
    widget.status_code = HTTPStatus.OK
    widget["HX-Redirect"] = response["Location"]
    return widget


@csrf_exempt
@login_not_required
@require_POST
def webhook(request: HttpRequest) -> HttpResponse:
    """Telegram's updates. Any authenticated input gets a 2xx: a 5xx makes Telegram retry it."""
    conf = get_settings()
    secret = request.headers.get("X-Telegram-Bot-Api-Secret-Token", "")
    if not conf.webhook_secret or not constant_time_compare(secret, conf.webhook_secret):
        return HttpResponse(status=HTTPStatus.FORBIDDEN)
    try:
        declared = int(request.headers.get("Content-Length") or 0)
    except ValueError:
        declared = 0
    if declared > conf.max_update_bytes:
        logger.warning("update of %s bytes refused", declared)
        return HttpResponse(status=HTTPStatus.REQUEST_ENTITY_TOO_LARGE)
    body = request.read(conf.max_update_bytes + 1)
    if len(body) > conf.max_update_bytes:
        logger.warning("update over %s bytes refused", conf.max_update_bytes)
        return HttpResponse(status=HTTPStatus.REQUEST_ENTITY_TOO_LARGE)
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        logger.warning("update is not JSON; ignored")
        return HttpResponse()
    reactions = handle_update(data, request=request)
    send_later(reactions.later)
    if reactions.reply is None:
        return HttpResponse()
    return JsonResponse(reactions.reply.as_webhook_reply())
