"""Telegram's side over HTTP: the webhook that receives the bot's updates."""

from __future__ import annotations

import json
import logging
from http import HTTPStatus

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.crypto import constant_time_compare
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from telegram_login.bot.dispatcher import handle_update
from telegram_login.conf import get_settings
from telegram_login.messaging.outbox import send_later

logger = logging.getLogger(__name__)


@csrf_exempt
@login_not_required
@require_POST
def webhook(request: HttpRequest) -> HttpResponse:
    """Telegram's updates. Any authenticated input gets a 2xx (a 5xx makes Telegram send it
    again, for up to a day), but for an update nothing was done for because the database or
    Redis was away: its 503 asks Telegram for it again."""
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
    except RecursionError:
        # Nesting deeper than Python's parser allows still fits in a few kilobytes.
        logger.warning("update nested too deeply to parse; ignored")
        return HttpResponse()
    # What is sent later is stored (with a queue) together with what the update changed.
    reactions = handle_update(data, send_later=send_later)
    if reactions.retry:
        return HttpResponse(status=HTTPStatus.SERVICE_UNAVAILABLE)
    if reactions.reply is None:
        return HttpResponse()
    return JsonResponse(reactions.reply.as_webhook_reply())
