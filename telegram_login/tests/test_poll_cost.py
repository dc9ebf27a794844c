"""A waiting poll is the hot path: every waiting browser sends one every 2 seconds.

Without Redis a waiting poll that finds nothing changed costs one query and never loads the
session; with Redis it costs no query and one Redis round trip. The database stays the truth:
the mirror only ever lets a poll say "nothing changed". Each test runs twice: with the quick
answer in the view (README's lines alone), and in WaitingPollMiddleware (the example site's).
"""

from __future__ import annotations

import time
from http import HTTPStatus
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from telegram_login.models import LoginRequest
from telegram_login.poll import status_mirror
from telegram_login.tests.helpers import poll, poll_url, start_sign_in, with_waiting_poll_middleware

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True, params=["view", "middleware"])
def answered_in(request: pytest.FixtureRequest, settings: Any) -> str:
    if request.param == "middleware":
        settings.MIDDLEWARE = with_waiting_poll_middleware(settings.MIDDLEWARE)
    return str(request.param)


@pytest.fixture
def redis_round_trips(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every command batch sent to any Redis, in order (one entry per round trip)."""
    import redis.connection

    sent: list[str] = []
    original = redis.connection.AbstractConnection.send_packed_command

    def counting(self: Any, command: Any, check_health: bool = True) -> None:
        sent.append(repr(command)[:80])
        return original(self, command, check_health)

    monkeypatch.setattr(redis.connection.AbstractConnection, "send_packed_command", counting)
    return sent


@pytest.fixture
def cache_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every call to Django's default cache, by method name."""
    from django.core.cache import cache

    calls: list[str] = []
    for name in ("get", "get_many", "set", "set_many", "add", "incr", "decr", "delete", "touch"):
        original = getattr(cache, name)

        def counting(*args: Any, _name: str = name, _original: Any = original, **kw: Any) -> Any:
            calls.append(_name)
            return _original(*args, **kw)

        monkeypatch.setattr(cache, name, counting)
    return calls


def test_a_waiting_poll_costs_one_query_and_one_cache_call_and_never_loads_the_session(
    browser_client, bot_api, settings, cache_calls
):
    settings.TELEGRAM_LOGIN_REDIS_URL = ""  # without Redis, as the SQLite default runs
    login_request, _, _ = start_sign_in(browser_client)
    poll(browser_client, login_request)  # the first one also makes the counter
    cache_calls.clear()
    with CaptureQueriesContext(connection) as queries:
        response = poll(browser_client, login_request)
    assert response.status_code == HTTPStatus.NO_CONTENT
    assert len(queries) == 1
    assert "telegram_login_loginrequest" in queries[0]["sql"]
    assert "django_session" not in queries[0]["sql"]
    # The poll counter; a cached session would show here too.
    assert cache_calls == ["incr"]


def test_the_widget_gives_its_poll_the_mac_of_its_session(browser_client, bot_api):
    login_request, _, started = start_sign_in(browser_client)
    expected = poll_url(browser_client, login_request).replace("&", "&amp;")
    assert f'hx-get="{expected}"' in started.content.decode()


def test_with_redis_a_waiting_poll_costs_no_query_and_one_round_trip(
    browser_client,
    bot_api,
    settings,
    redis_mirror,
    redis_round_trips,
    cache_calls,
    django_assert_num_queries,
):
    # As in production: sessions in the database behind the cache.
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
    login_request, _, _ = start_sign_in(browser_client)
    poll(browser_client, login_request)  # the first one also connects this thread to Redis
    redis_round_trips.clear()
    cache_calls.clear()
    with django_assert_num_queries(0):
        response = poll(browser_client, login_request)
    assert response.status_code == HTTPStatus.NO_CONTENT
    assert len(redis_round_trips) == 1, redis_round_trips
    assert cache_calls == []


def test_with_redis_a_claim_reaches_the_next_poll(
    browser_client, bot_api, redis_mirror, telegram_user, telegram_update, post_update
):
    login_request, token, _ = start_sign_in(browser_client)
    assert poll(browser_client, login_request).status_code == HTTPStatus.NO_CONTENT
    post_update(telegram_update(message=(telegram_user(), f"/start {token}")))

    claimed = poll(browser_client, login_request)
    assert claimed.status_code == HTTPStatus.OK
    assert b'data-state="claimed"' in claimed.content
    assert poll(browser_client, login_request, shown="claimed").status_code == 204


def test_with_redis_a_missing_entry_is_read_from_the_database_and_written_back(
    browser_client, bot_api, redis_mirror, django_assert_num_queries
):
    login_request, _, _ = start_sign_in(browser_client)
    redis_mirror.delete(status_mirror._status_key(login_request.id))
    with django_assert_num_queries(1):
        assert poll(browser_client, login_request).status_code == HTTPStatus.NO_CONTENT
    key = status_mirror._status_key(login_request.id)
    assert redis_mirror.get(key) == b"pending"
    # It lives as long as the request does.
    lifetime = (login_request.expires_at - timezone.now()).total_seconds() * 1000
    assert lifetime - 5_000 < redis_mirror.pttl(key) <= lifetime + 1_000
    with django_assert_num_queries(0):
        assert poll(browser_client, login_request).status_code == HTTPStatus.NO_CONTENT


def test_the_mirror_never_goes_back_to_an_earlier_status(bot_api, redis_mirror, login_request):
    key = status_mirror._status_key(login_request.id)
    redis_mirror.delete(key)
    for status in ("claimed", "pending", "approved", "claimed"):
        status_mirror.mirror_write(statuses=[(login_request.id, status, login_request.expires_at)])
    assert redis_mirror.get(key) == b"approved"
    status_mirror.mirror_write(statuses=[(login_request.id, "completed", login_request.expires_at)])
    status_mirror.mirror_write(statuses=[(login_request.id, "denied", login_request.expires_at)])
    status_mirror.mirror_write(statuses=[(login_request.id, "pending", login_request.expires_at)])
    assert redis_mirror.get(key) == b"denied"


def test_a_mirror_that_missed_a_write_is_corrected_by_the_truth_check(
    browser_client, bot_api, redis_mirror, telegram_user, telegram_update, post_update, settings
):
    login_request, token, _ = start_sign_in(browser_client)
    post_update(telegram_update(message=(telegram_user(), f"/start {token}")))
    # As if Redis had been away for the claim's write: the entry still says pending.
    redis_mirror.set(status_mirror._status_key(login_request.id), "pending", px=60_000)

    answers = [poll(browser_client, login_request) for _ in range(status_mirror.TRUTH_CHECK_EVERY)]
    assert [a.status_code for a in answers[:-1]] == [204] * (status_mirror.TRUTH_CHECK_EVERY - 1)
    assert answers[-1].status_code == HTTPStatus.OK
    assert b'data-state="claimed"' in answers[-1].content
    assert redis_mirror.get(status_mirror._status_key(login_request.id)) == b"claimed"


@pytest.mark.parametrize("with_redis", [False, True], ids=["database", "redis"])
def test_another_browser_with_the_poll_url_and_its_mac_gets_nothing(
    request, browser_client, bot_api, telegram_user, telegram_update, post_update, with_redis
):
    if with_redis:
        request.getfixturevalue("redis_mirror")
    login_request, token, _ = start_sign_in(browser_client)
    stolen_url = poll_url(browser_client, login_request)
    eve = Client()
    eve.get("/accounts/login/")  # a session of her own
    with_her_cookie = eve.get(stolen_url, headers={"HX-Request": "true"})
    forged = Client()
    forged.cookies["sessionid"] = "x" * 32
    with_a_made_up_cookie = forged.get(stolen_url, headers={"HX-Request": "true"})
    for answer in (with_her_cookie, with_a_made_up_cookie):
        assert answer.status_code == 286
        assert b'data-state="unknown"' in answer.content

    person = telegram_user()
    post_update(telegram_update(message=(person, f"/start {token}")))
    login_request.refresh_from_db()
    LoginRequest.objects.filter(pk=login_request.pk).update(status="approved")
    status_mirror.mirror_write(statuses=[(login_request.id, "approved", login_request.expires_at)])
    claimed_url = poll_url(browser_client, login_request, shown="claimed")
    after = eve.get(claimed_url, headers={"HX-Request": "true"})
    assert after.status_code == 286
    assert b'data-state="unknown"' in after.content
    assert "_auth_user_id" not in eve.session
    # The browser that asked still completes.
    assert poll(browser_client, login_request, shown="claimed")["HX-Redirect"] == "/"


def test_a_poll_whose_mac_does_not_match_falls_back_to_the_session(
    browser_client, bot_api, settings
):
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.db"
    login_request, _, _ = start_sign_in(browser_client)
    url = poll_url(browser_client, login_request).replace("b=", "b=0")
    with CaptureQueriesContext(connection) as queries:
        response = browser_client.get(url, headers={"HX-Request": "true"})
    assert response.status_code == HTTPStatus.NO_CONTENT
    assert any("django_session" in q["sql"] for q in queries)


@pytest.mark.parametrize("with_redis", [False, True], ids=["database", "redis"])
def test_a_request_past_its_lifetime_expires_on_the_next_poll(
    request, browser_client, bot_api, settings, with_redis
):
    if with_redis:
        request.getfixturevalue("redis_mirror")
    settings.TELEGRAM_LOGIN_TTL = 1
    login_request, _, _ = start_sign_in(browser_client)
    assert poll(browser_client, login_request).status_code == HTTPStatus.NO_CONTENT
    time.sleep(1.1)
    expired = poll(browser_client, login_request)
    assert expired.status_code == 286
    assert b'data-state="expired"' in expired.content


@pytest.mark.parametrize("with_redis", [False, True], ids=["database", "redis"])
def test_polls_past_the_cap_stop_with_start_again(
    request, browser_client, bot_api, settings, with_redis
):
    if with_redis:
        request.getfixturevalue("redis_mirror")
    settings.TELEGRAM_LOGIN_POLLS_PER_REQUEST = 3
    login_request, _, _ = start_sign_in(browser_client)
    assert [poll(browser_client, login_request).status_code for _ in range(3)] == [
        HTTPStatus.NO_CONTENT
    ] * 3
    capped = poll(browser_client, login_request)
    assert capped.status_code == 286
    assert b"too many times" in capped.content
    assert b'data-testid="telegram-start"' in capped.content


def test_with_redis_away_polls_and_sign_ins_go_on_through_the_database(
    browser_client, bot_api, settings, telegram_user, telegram_update, post_update, caplog
):
    settings.TELEGRAM_LOGIN_REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens there
    login_request, token, _ = start_sign_in(browser_client)
    assert poll(browser_client, login_request).status_code == HTTPStatus.NO_CONTENT
    post_update(telegram_update(message=(telegram_user(), f"/start {token}")))
    claimed = poll(browser_client, login_request)
    assert b'data-state="claimed"' in claimed.content
    assert "status mirror" in caplog.text
