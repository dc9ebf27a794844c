"""The waiting poll's quick answer, "nothing changed" (204), and the middleware that gives it
before the rest of the site's stack.

Every waiting browser polls every 2 seconds, so this is the request a site serves most. A poll
whose URL's MAC matches its session cookie, and whose request is still as the page shows it,
is answered from one cache round trip (one query without Redis), without the session. Anything
else goes on to the view (views.poll), which finds the request through the session.

`WaitingPollMiddleware`, placed right after the security middleware, gives that answer before
the middleware a page needs (sessions, locale, CSRF, authentication, messages, allauth's) runs:
none of them has anything to do for an empty 204 that reads no session. Without it the view
gives the same answer, after the whole stack.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from functools import cache
from http import HTTPStatus
from urllib.parse import parse_qsl

from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.urls import NoReverseMatch, get_script_prefix, reverse
from django.utils.cache import add_never_cache_headers

from telegram_login.conf import get_settings
from telegram_login.models import LoginRequest
from telegram_login.poll import selectors, status_mirror
from telegram_login.poll.browser_session import poll_bound_by_cookie

LIVE_STATES = (LoginRequest.Status.PENDING, LoginRequest.Status.CLAIMED)
# The request the view takes over carries the glance, so that it counts the poll only once.
GLANCE_ATTRIBUTE = "_telegram_login_glance"


def quick_answer(
    request: HttpRequest, request_id: uuid.UUID
) -> tuple[HttpResponse | None, status_mirror.Glance | None]:
    """A 204 if this browser's waiting request is still as shown, with the poll's glance (None
    when the poll is not a waiting one from the browser that asked)."""
    # The query string read directly: request.GET's QueryDict costs several times as much, and
    # only these two plain ASCII values are needed here (anything odd takes the whole path).
    query = dict(parse_qsl(request.META.get("QUERY_STRING", "")))
    shown = query.get("shown", "")
    if not (
        # django-htmx's request.htmx would build every header of the request first.
        request.META.get("HTTP_HX_REQUEST") == "true"
        and shown in LIVE_STATES
        and poll_bound_by_cookie(request, request_id=request_id, binding=query.get("b", ""))
    ):
        return None, None
    glance = status_mirror.poll_glance(request_id=request_id)
    if glance.polls <= get_settings().polls_per_request and (
        selectors.login_request_unchanged(request_id=request_id, shown=shown, glance=glance)
    ):
        return HttpResponse(status=HTTPStatus.NO_CONTENT), glance
    return None, glance


_UUID_RE = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


@cache
def _poll_path_around_id() -> tuple[str, str] | None:
    """The poll's path before and after its request id, as the site mounted it (None where the
    site has not mounted it)."""
    marker = uuid.UUID(int=0)
    try:
        path = reverse("telegram_login_poll", kwargs={"request_id": marker})
    except NoReverseMatch:
        return None
    path = "/" + path.removeprefix(get_script_prefix())
    before, _, after = path.partition(str(marker))
    return before, after


@receiver(setting_changed)
def _forget_poll_path(*, setting: str, **kwargs: object) -> None:
    if setting in ("ROOT_URLCONF", "FORCE_SCRIPT_NAME"):
        _poll_path_around_id.cache_clear()


def poll_request_id(path_info: str) -> uuid.UUID | None:
    """The request id if this path is the waiting poll's."""
    around = _poll_path_around_id()
    if around is None:
        return None
    before, after = around
    if not (path_info.startswith(before) and path_info.endswith(after)):
        return None
    middle = path_info[len(before) : len(path_info) - len(after)]
    return uuid.UUID(middle) if _UUID_RE.fullmatch(middle) else None


class WaitingPollMiddleware:
    """Answers a waiting poll's "nothing changed" before the middleware after it; every other
    request, and every other answer, goes on as without it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = poll_request_id(request.path_info) if request.method == "GET" else None
        if request_id is not None:
            # The Host header checked as for any other request (CommonMiddleware would).
            request.get_host()
            response, glance = quick_answer(request, request_id)
            if response is not None:
                add_never_cache_headers(response)
                return response
            setattr(request, GLANCE_ATTRIBUTE, glance)
        return self.get_response(request)
