"""The login request state machine: starting a request, and Telegram claiming it with the token."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta

import pytest
from django.contrib.sessions.backends.db import SessionStore

from telegram_login.models import LoginRequest
from telegram_login.poll.browser_session import SESSION_KEY
from telegram_login.poll.selectors import login_request_for_session
from telegram_login.signin import codes, machine, services
from telegram_login.signin.machine import ClaimOutcome
from telegram_login.signin.tokens import new_token
from telegram_login.tests.request_states import (
    claimed_with_token,
    expire_clock,
    start_request,
    telegram_person,
)

Status = LoginRequest.Status

TOKEN_SHAPE = re.compile(r"^[A-Za-z0-9_-]{43}$")


# -- start ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_start_hands_out_a_43_char_url_safe_token_and_stores_only_its_sha256():
    login_request, token = start_request()
    assert TOKEN_SHAPE.match(token)
    assert login_request.token_hash == hashlib.sha256(token.encode()).hexdigest()
    stored = LoginRequest.objects.filter(pk=login_request.pk).values().get()
    assert all(token not in str(value) for value in stored.values())
    assert login_request.status == Status.PENDING


@pytest.mark.django_db
def test_each_start_gets_a_different_token():
    tokens = {start_request()[1] for _ in range(20)}
    assert len(tokens) == 20


@pytest.mark.django_db
def test_request_lives_five_minutes_by_default(settings):
    del settings.TELEGRAM_LOGIN_TTL
    login_request, _ = start_request()
    assert login_request.expires_at - login_request.created_at == timedelta(minutes=5)


@pytest.mark.django_db
def test_request_lifetime_follows_the_ttl_setting(settings):
    settings.TELEGRAM_LOGIN_TTL = 90
    login_request, _ = start_request()
    assert login_request.expires_at - login_request.created_at == timedelta(seconds=90)


@pytest.mark.django_db
def test_start_offers_three_distinct_codes_with_the_match_code_among_them():
    for _ in range(30):
        login_request, _ = start_request()
        choices = login_request.code_choices
        assert len(choices) == 3
        assert len(set(choices)) == 3
        assert login_request.match_code in choices
        assert all(len(code) == 2 and code.isdigit() for code in choices)


def test_the_match_code_is_not_always_in_the_same_position():
    positions = set()
    for _ in range(200):
        match, choices = codes.new_codes()
        positions.add(choices.index(match))
    assert positions == {0, 1, 2}


@pytest.mark.django_db
def test_start_binds_the_request_to_the_session_with_its_state_id():
    session = SessionStore()
    login_request, _ = start_request(session)
    assert session[SESSION_KEY] == {str(login_request.id): "state-1"}
    found = login_request_for_session(session=session, request_id=login_request.id)
    assert found == (login_request, "state-1")
    assert login_request_for_session(session=SessionStore(), request_id=login_request.id) is None


@pytest.mark.django_db
def test_session_forgets_the_oldest_requests_beyond_five():
    session = SessionStore()
    started = [start_request(session)[0] for _ in range(7)]
    assert list(session[SESSION_KEY]) == [str(r.id) for r in started[-5:]]


@pytest.mark.django_db
def test_start_records_requester_details():
    login_request, _ = services.login_request_start(
        process=LoginRequest.Process.CONNECT,
        requester_ip="2001:db8::1",
        user_agent="Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0",
    )
    login_request.refresh_from_db()
    assert login_request.process == LoginRequest.Process.CONNECT
    assert login_request.requester_ip == "2001:db8::1"
    assert login_request.requester_browser == "Firefox 121"
    assert login_request.requester_os == "Linux"


# -- claim -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_first_telegram_user_to_send_the_token_claims_the_request():
    login_request, token = start_request()
    user = telegram_person(4242, last_name="Tester", username="tess")
    result = services.login_request_claim(token=token, telegram_user=user)
    assert result.outcome == ClaimOutcome.CLAIMED
    login_request.refresh_from_db()
    assert login_request.status == Status.CLAIMED
    assert login_request.telegram_user_id == 4242
    assert login_request.telegram_user["username"] == "tess"
    assert login_request.telegram_user["last_name"] == "Tester"
    assert login_request.claimed_at is not None
    assert result.login_request == login_request


@pytest.mark.django_db
def test_sending_the_token_again_keeps_your_claim():
    login_request, token = start_request()
    user = telegram_person()
    services.login_request_claim(token=token, telegram_user=user)
    login_request.refresh_from_db()
    claimed_at = login_request.claimed_at

    again = services.login_request_claim(token=token, telegram_user=user)
    assert again.outcome == ClaimOutcome.ALREADY_CLAIMED_BY_YOU
    login_request.refresh_from_db()
    assert login_request.status == Status.CLAIMED
    assert login_request.claimed_at == claimed_at


@pytest.mark.django_db
def test_token_claimed_by_someone_else_is_used_and_the_claim_stays():
    login_request, token = start_request()
    owner, other = telegram_person(1), telegram_person(2)
    services.login_request_claim(token=token, telegram_user=owner)
    result = services.login_request_claim(token=token, telegram_user=other)
    assert result.outcome == ClaimOutcome.USED
    login_request.refresh_from_db()
    assert login_request.telegram_user_id == owner.id


@pytest.mark.django_db
@pytest.mark.parametrize("decision", ["approve", "cancel"])
def test_token_of_a_decided_request_is_used_even_for_its_owner(decision):
    login_request, user, token = claimed_with_token()
    code = login_request.match_code if decision == "approve" else None
    services.login_request_decide(request_id=login_request.pk, telegram_user_id=user.id, code=code)
    result = services.login_request_claim(token=token, telegram_user=user)
    assert result.outcome == ClaimOutcome.USED


@pytest.mark.django_db
def test_well_formed_but_unknown_token_is_unknown():
    start_request()
    result = services.login_request_claim(token=new_token(), telegram_user=telegram_person())
    assert result == machine.ClaimResult(ClaimOutcome.UNKNOWN)
    assert not LoginRequest.objects.exclude(status=Status.PENDING).exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "token",
    ["", "short", "A" * 42, "A" * 44, "A" * 42 + "=", "A" * 42 + " ", "A" * 42 + "é"],
    ids=["empty", "short", "42", "44", "padding", "space", "non-ascii"],
)
def test_malformed_token_is_unknown_without_touching_requests(token):
    login_request, _ = start_request()
    # Even a malformed token whose hash matched a row must not claim it.
    LoginRequest.objects.filter(pk=login_request.pk).update(
        token_hash=hashlib.sha256(token.encode()).hexdigest()
    )
    result = services.login_request_claim(token=token, telegram_user=telegram_person())
    assert result.outcome == ClaimOutcome.UNKNOWN
    login_request.refresh_from_db()
    assert login_request.status == Status.PENDING


@pytest.mark.django_db
def test_claim_after_the_deadline_expires_the_request():
    login_request, token = start_request()
    expire_clock(login_request)
    result = services.login_request_claim(token=token, telegram_user=telegram_person())
    assert result.outcome == ClaimOutcome.EXPIRED
    login_request.refresh_from_db()
    assert login_request.status == Status.EXPIRED
    assert login_request.telegram_user_id is None
    assert login_request.decided_at is not None


@pytest.mark.django_db
def test_claim_of_an_already_expired_request_says_expired():
    login_request, token = start_request()
    LoginRequest.objects.filter(pk=login_request.pk).update(status=Status.EXPIRED)
    result = services.login_request_claim(token=token, telegram_user=telegram_person())
    assert result.outcome == ClaimOutcome.EXPIRED


@pytest.mark.django_db
def test_resending_the_token_after_the_deadline_expires_your_claim():
    login_request, token = start_request()
    user = telegram_person()
    services.login_request_claim(token=token, telegram_user=user)
    expire_clock(login_request)
    result = services.login_request_claim(token=token, telegram_user=user)
    assert result.outcome == ClaimOutcome.EXPIRED
    login_request.refresh_from_db()
    assert login_request.status == Status.EXPIRED
