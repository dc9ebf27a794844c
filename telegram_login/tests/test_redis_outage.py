"""Redis stopped under people waiting and confirming, on a Redis of the test's own (the cache as
telegram_login.cache.TolerantRedisCache, sessions on cached_db, the waiting poll's mirror): every
start, poll, press and typed code goes on, no browser sees a 5xx, and nobody's confirmation is
lost. Run on PostgreSQL by `make test-pg`."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from http import HTTPStatus
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache
from django.core.cache.backends.redis import RedisCacheClient
from django.test import Client
from redis.exceptions import ConnectionError as RedisConnectionError

from telegram_login.messaging.callbacks import ACTION_CODE, callback_data
from telegram_login.models import LoginRequest
from telegram_login.poll import status_mirror
from telegram_login.tests.flows import confirm_in_telegram
from telegram_login.tests.helpers import (
    BROWSER_UA,
    START_URL,
    bot_reply,
    poll,
    start_sign_in,
    status_of,
)

pytestmark = pytest.mark.django_db

Status = LoginRequest.Status
HTMX = {"HX-Request": "true"}
AWAY = "Redis (Django's cache) unreachable"
BACK = "Redis (Django's cache) reachable again"


class Person:
    """Someone signing in: their browser and their Telegram account."""

    def __init__(self, telegram: dict[str, Any]) -> None:
        self.browser = Client(HTTP_USER_AGENT=BROWSER_UA)
        self.telegram = telegram
        self.login_request: LoginRequest | None = None
        self.token = ""

    def start(self) -> None:
        self.login_request, self.token, _ = start_sign_in(self.browser)

    def press_start(self, telegram_update: Any, post_update: Any) -> None:
        bot_reply(post_update(telegram_update(message=(self.telegram, f"/start {self.token}"))))

    def press_the_code(self, telegram_update: Any, post_update: Any) -> None:
        assert self.login_request is not None
        self.login_request.refresh_from_db()
        data = callback_data(self.login_request, ACTION_CODE, self.login_request.match_code)
        reply = bot_reply(post_update(telegram_update(callback=(self.telegram, data))))
        assert reply["text"] == "Confirmed. Return to your browser."

    def poll(self, shown: str) -> Any:
        assert self.login_request is not None
        response = poll(self.browser, self.login_request, shown=shown)
        assert response.status_code < HTTPStatus.INTERNAL_SERVER_ERROR
        return response

    def signed_in(self) -> bool:
        assert self.login_request is not None
        return (
            status_of(self.login_request) == Status.COMPLETED
            and self.browser.get("/").context["user"].is_authenticated
        )


def _messages(caplog: pytest.LogCaptureFixture, text: str) -> list[str]:
    return [record.getMessage() for record in caplog.records if text in record.getMessage()]


def test_people_waiting_and_confirming_while_redis_is_down_are_all_signed_in(
    site_on_redis, bot_api, telegram_user, telegram_update, post_update, caplog
):
    assert status_mirror.enabled()
    alice, bob, carol = (Person(telegram_user()) for _ in range(3))
    alice.start()
    alice.press_start(telegram_update, post_update)
    bob.start()

    site_on_redis.stop()
    # Starting, waiting, pressing Start and the code: all while Redis is down.
    carol.start()
    assert alice.poll("claimed").status_code == HTTPStatus.NO_CONTENT
    assert bob.poll("pending").status_code == HTTPStatus.NO_CONTENT
    assert carol.poll("pending").status_code == HTTPStatus.NO_CONTENT
    alice.press_the_code(telegram_update, post_update)
    assert alice.poll("claimed")["HX-Redirect"] == "/"
    bob.press_start(telegram_update, post_update)
    assert 'data-state="claimed"' in bob.poll("pending").content.decode()
    bob.press_the_code(telegram_update, post_update)
    assert bob.poll("claimed")["HX-Redirect"] == "/"
    assert alice.signed_in()
    assert bob.signed_in()

    site_on_redis.start()
    carol.press_start(telegram_update, post_update)
    carol.press_the_code(telegram_update, post_update)
    assert carol.poll("claimed")["HX-Redirect"] == "/"
    assert carol.signed_in()
    # Once when Redis went away, once when it was back; not once per call.
    assert len(_messages(caplog, AWAY)) == 1
    assert "ConnectionError: Error 111 connecting to 127.0.0.1" in _messages(caplog, AWAY)[0]
    assert len(_messages(caplog, BACK)) == 1
    assert len(_messages(caplog, "the status mirror (Redis) unreachable")) == 1


def test_a_code_typed_in_the_browser_while_redis_is_down_signs_in(
    settings, site_on_redis, bot_api, telegram_user, telegram_update, post_update
):
    settings.TELEGRAM_LOGIN_CONFIRM_MODE = "browser_code"
    person = Person(telegram_user())
    person.start()
    site_on_redis.stop()
    person.press_start(telegram_update, post_update)
    assert person.login_request is not None
    person.login_request.refresh_from_db()
    code = person.login_request.match_code

    typed = person.browser.post(
        f"{START_URL}{person.login_request.id}/code/", {"code": code}, headers=HTMX
    )

    assert typed["HX-Redirect"] == "/"
    assert person.signed_in()


def test_the_cache_answers_as_an_empty_one_while_redis_is_down(site_on_redis):
    cache.set("kept", 1)
    site_on_redis.stop()
    assert cache.get("kept", "missed") == "missed"
    assert cache.get_many(["kept"]) == {}
    assert "kept" not in cache
    assert cache.add("new", 1) is False
    assert cache.touch("kept") is False
    assert cache.delete("kept") is False
    cache.set("other", 2)
    cache.set_many({"a": 1})
    cache.delete_many(["a"])
    with pytest.raises(ValueError, match="Key not found"):
        cache.incr("kept")
    site_on_redis.start()
    assert cache.add("new", 1) is True
    assert cache.get("new") == 1


@contextmanager
def cut_off() -> Iterator[None]:
    """Redis unreachable from here while it keeps its data (paused, or the network cut), rather
    than restarted empty: every call to it fails."""

    def unreachable(*args: Any, **kwargs: Any) -> Any:
        raise RedisConnectionError("Error 113 connecting to 10.0.0.5:6379. No route to host.")

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(RedisCacheClient, "get_client", unreachable)
        yield


def test_a_sign_out_while_redis_was_cut_off_holds_once_it_answers_again(
    site_on_redis, bot_api, telegram_user, telegram_update, post_update
):
    """Redis kept the signed-in session while the sign-out could only delete it from the
    database: its process deletes it from Redis as soon as Redis answers again."""
    person = Person(telegram_user())
    confirm_in_telegram(person.browser, person.telegram, telegram_update, post_update)
    old_cookie = person.browser.cookies[django_settings.SESSION_COOKIE_NAME].value

    with cut_off():
        assert person.browser.post("/accounts/logout/").status_code == HTTPStatus.FOUND

    thief = Client(HTTP_USER_AGENT=BROWSER_UA)
    thief.cookies[django_settings.SESSION_COOKIE_NAME] = old_cookie
    assert thief.get("/").context["user"].is_anonymous


def test_a_sign_in_started_while_redis_was_cut_off_completes_once_it_answers_again(
    site_on_redis, bot_api, telegram_user, telegram_update, post_update, caplog
):
    """Redis kept the browser's session as it was before the start, which wrote the request to
    the database only: read from Redis, the poll would not know its request."""
    person = Person(telegram_user())
    start_sign_in(person.browser)
    with cut_off():
        person.start()
        assert person.poll("pending").status_code == HTTPStatus.NO_CONTENT
    assert len(_messages(caplog, AWAY)) == 1

    person.press_start(telegram_update, post_update)
    person.press_the_code(telegram_update, post_update)
    assert person.poll("claimed")["HX-Redirect"] == "/"
    assert person.signed_in()
    assert len(_messages(caplog, BACK)) == 1


def test_redis_still_loading_after_a_restart_counts_as_away(site_on_redis, monkeypatch, caplog):
    from redis.exceptions import BusyLoadingError

    def loading(*args: Any, **kwargs: Any) -> Any:
        raise BusyLoadingError("Redis is loading the dataset in memory")

    monkeypatch.setattr(RedisCacheClient, "get_client", loading)
    assert cache.get("anything") is None
    assert len(_messages(caplog, AWAY)) == 1
