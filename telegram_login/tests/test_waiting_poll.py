"""WaitingPollMiddleware: the waiting poll's "nothing changed" before the rest of the stack, and
everything else exactly as without it."""

from __future__ import annotations

import types
import uuid
from collections.abc import Callable
from http import HTTPStatus
from typing import Any

import pytest
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.test import Client
from django.urls import include, path, set_script_prefix

from telegram_login.checks import check_telegram_settings
from telegram_login.poll import status_mirror
from telegram_login.poll.middleware import poll_request_id
from telegram_login.tests.helpers import poll, poll_url, start_sign_in, with_waiting_poll_middleware

pytestmark = pytest.mark.django_db

SEEN: list[str] = []


class RecordingMiddleware:
    """Last in the stack: notes each request that got this far."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        SEEN.append(request.path)
        return self.get_response(request)


@pytest.fixture
def recorded(settings: Any) -> list[str]:
    SEEN.clear()
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, f"{__name__}.RecordingMiddleware"]
    return SEEN


@pytest.mark.parametrize("with_redis", [False, True], ids=["database", "redis"])
def test_a_waiting_polls_quick_answer_skips_the_middleware_after_it(
    request, browser_client, bot_api, settings, recorded, with_redis
):
    if with_redis:
        request.getfixturevalue("redis_mirror")
    else:
        settings.TELEGRAM_LOGIN_REDIS_URL = ""
    settings.MIDDLEWARE = with_waiting_poll_middleware(settings.MIDDLEWARE)
    login_request, _, _ = start_sign_in(browser_client)
    recorded.clear()
    assert poll(browser_client, login_request).status_code == HTTPStatus.NO_CONTENT
    assert recorded == []
    # Anything but "nothing changed" goes through the whole stack to the view.
    shown_wrong = poll(browser_client, login_request, shown="claimed")
    assert shown_wrong.status_code == HTTPStatus.OK
    assert b'data-state="pending"' in shown_wrong.content
    assert recorded == [f"/telegram/poll/{login_request.id}/"]


def test_without_the_middleware_the_view_gives_the_same_answer_after_the_stack(
    browser_client, bot_api, recorded
):
    login_request, _, _ = start_sign_in(browser_client)
    recorded.clear()
    assert poll(browser_client, login_request).status_code == HTTPStatus.NO_CONTENT
    assert recorded == [f"/telegram/poll/{login_request.id}/"]


@pytest.mark.parametrize("with_redis", [False, True], ids=["database", "redis"])
def test_a_poll_that_goes_on_to_the_view_is_counted_once(
    request, browser_client, bot_api, settings, with_redis
):
    redis = request.getfixturevalue("redis_mirror") if with_redis else None
    if redis is None:
        settings.TELEGRAM_LOGIN_REDIS_URL = ""
    settings.MIDDLEWARE = with_waiting_poll_middleware(settings.MIDDLEWARE)
    login_request, _, _ = start_sign_in(browser_client)
    key = status_mirror._counter_key(login_request.id)
    assert poll(browser_client, login_request).status_code == HTTPStatus.NO_CONTENT
    # Shown as claimed while it is pending: the middleware counts it, the view answers.
    assert poll(browser_client, login_request, shown="claimed").status_code == HTTPStatus.OK
    counted = int(redis.get(key)) if redis is not None else cache.get(key)
    assert counted == 2


@pytest.mark.parametrize("middleware", [False, True], ids=["view", "middleware"])
def test_a_poll_for_a_host_the_site_does_not_serve_is_refused(
    browser_client, bot_api, settings, middleware
):
    if middleware:
        settings.MIDDLEWARE = with_waiting_poll_middleware(settings.MIDDLEWARE)
    login_request, _, _ = start_sign_in(browser_client)
    url = poll_url(browser_client, login_request)
    answer = browser_client.get(url, headers={"HX-Request": "true", "Host": "evil.example"})
    assert answer.status_code == HTTPStatus.BAD_REQUEST


@pytest.mark.parametrize("middleware", [False, True], ids=["view", "middleware"])
def test_the_quick_answer_is_never_cached_and_keeps_the_security_headers(
    browser_client, bot_api, settings, middleware
):
    if middleware:
        settings.MIDDLEWARE = with_waiting_poll_middleware(settings.MIDDLEWARE)
    settings.SECURE_CONTENT_TYPE_NOSNIFF = True
    login_request, _, _ = start_sign_in(browser_client)
    answer = poll(browser_client, login_request)
    assert answer.status_code == HTTPStatus.NO_CONTENT
    assert "no-store" in answer["Cache-Control"]
    assert answer["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("middleware", [False, True], ids=["view", "middleware"])
def test_a_post_to_the_poll_is_refused(browser_client, bot_api, settings, middleware):
    if middleware:
        settings.MIDDLEWARE = with_waiting_poll_middleware(settings.MIDDLEWARE)
    login_request, _, _ = start_sign_in(browser_client)
    answer = browser_client.post(
        poll_url(browser_client, login_request), headers={"HX-Request": "true"}
    )
    assert answer.status_code == HTTPStatus.METHOD_NOT_ALLOWED


def test_another_browser_gets_nothing_from_the_middleware_either(browser_client, bot_api, settings):
    settings.MIDDLEWARE = with_waiting_poll_middleware(settings.MIDDLEWARE)
    login_request, _, _ = start_sign_in(browser_client)
    eve = Client()
    eve.cookies["sessionid"] = "x" * 32
    answer = eve.get(poll_url(browser_client, login_request), headers={"HX-Request": "true"})
    assert answer.status_code == 286
    assert b'data-state="unknown"' in answer.content


def test_the_poll_path_is_found_where_the_site_mounts_it(settings):
    request_id = uuid.uuid4()
    assert poll_request_id(f"/telegram/poll/{request_id}/") == request_id
    for other in (
        f"/telegram/poll/{str(request_id).upper()}/",
        f"/telegram/poll/{request_id}",
        f"/telegram/poll/{request_id}/x/",
        f"/telegram/poll/{request_id}x/",
        "/telegram/poll/not-a-request-id/",
        f"/accounts/telegram/poll/{request_id}/",
        "/telegram/webhook/",
    ):
        assert poll_request_id(other) is None, other

    elsewhere = types.ModuleType("elsewhere")
    elsewhere.urlpatterns = [path("sign-in/tg/", include("telegram_login.urls"))]  # type: ignore[attr-defined]
    settings.ROOT_URLCONF = elsewhere
    assert poll_request_id(f"/sign-in/tg/poll/{request_id}/") == request_id
    assert poll_request_id(f"/telegram/poll/{request_id}/") is None
    without = types.ModuleType("without_telegram")
    without.urlpatterns = []  # type: ignore[attr-defined]
    settings.ROOT_URLCONF = without
    assert poll_request_id(f"/telegram/poll/{request_id}/") is None
    settings.ROOT_URLCONF = elsewhere
    # Under a script prefix the middleware sees the path after it, as the URL resolver does.
    set_script_prefix("/app/")
    try:
        from telegram_login.poll.middleware import _poll_path_around_id

        _poll_path_around_id.cache_clear()
        assert poll_request_id(f"/sign-in/tg/poll/{request_id}/") == request_id
    finally:
        set_script_prefix("/")
        _poll_path_around_id.cache_clear()


def test_the_check_says_when_the_middleware_comes_before_the_security_middleware(settings):
    middleware = with_waiting_poll_middleware(settings.MIDDLEWARE)
    settings.MIDDLEWARE = middleware
    assert "telegram_login.W008" not in [m.id for m in check_telegram_settings()]
    middleware.remove("telegram_login.poll.middleware.WaitingPollMiddleware")
    settings.MIDDLEWARE = ["telegram_login.poll.middleware.WaitingPollMiddleware", *middleware]
    assert "telegram_login.W008" in [m.id for m in check_telegram_settings()]
