"""A waiting poll is the hot path: every waiting browser sends one every 2 seconds."""

from __future__ import annotations

from http import HTTPStatus

import pytest
from django.conf import settings

from .helpers import poll, start_sign_in

pytestmark = pytest.mark.django_db


def test_a_waiting_poll_costs_at_most_two_queries(
    browser_client, bot_api, django_assert_max_num_queries
):
    login_request, _, _ = start_sign_in(browser_client)
    with django_assert_max_num_queries(2 if settings.SESSION_ENGINE.endswith(".db") else 1):
        response = poll(browser_client, login_request)
    assert response.status_code == HTTPStatus.NO_CONTENT


def test_a_waiting_poll_with_cached_sessions_costs_one_query(
    browser_client, bot_api, settings, django_assert_num_queries
):
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
    login_request, _, _ = start_sign_in(browser_client)
    with django_assert_num_queries(1):
        response = poll(browser_client, login_request)
    assert response.status_code == HTTPStatus.NO_CONTENT


def test_polls_past_the_cap_stop_with_start_again(browser_client, bot_api, settings):
    settings.TELEGRAM_LOGIN_POLLS_PER_REQUEST = 3
    login_request, _, _ = start_sign_in(browser_client)
    assert [poll(browser_client, login_request).status_code for _ in range(3)] == [
        HTTPStatus.NO_CONTENT
    ] * 3
    capped = poll(browser_client, login_request)
    assert capped.status_code == 286
    assert b"too many times" in capped.content
    assert b'data-testid="telegram-start"' in capped.content
