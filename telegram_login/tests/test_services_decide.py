"""The login request state machine: deciding in Telegram, expiring, completing and failing."""

from __future__ import annotations

import uuid

import pytest

from telegram_login.models import LoginRequest
from telegram_login.signin import machine, services
from telegram_login.signin.machine import DecisionOutcome
from telegram_login.tests.request_states import (
    approved_request,
    claimed_request,
    expire_clock,
    start_request,
    telegram_person,
    wrong_code,
)

Status = LoginRequest.Status


# -- decide ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_picking_the_match_code_approves():
    login_request, user = claimed_request()
    result = services.login_request_decide(
        request_id=login_request.pk, telegram_user_id=user.id, code=login_request.match_code
    )
    assert result.outcome == DecisionOutcome.APPROVED
    assert result.login_request.status == Status.APPROVED
    assert result.login_request.decided_at is not None
    assert result.login_request.deny_reason == ""


@pytest.mark.django_db
def test_picking_a_wrong_code_denies():
    login_request, user = claimed_request()
    result = services.login_request_decide(
        request_id=login_request.pk, telegram_user_id=user.id, code=wrong_code(login_request)
    )
    assert result.outcome == DecisionOutcome.WRONG_CODE
    assert result.login_request.status == Status.DENIED
    assert result.login_request.deny_reason == LoginRequest.DenyReason.WRONG_CODE


@pytest.mark.django_db
def test_a_code_that_was_never_offered_denies():
    login_request, user = claimed_request()
    result = services.login_request_decide(
        request_id=login_request.pk, telegram_user_id=user.id, code="9999"
    )
    assert result.outcome == DecisionOutcome.WRONG_CODE
    assert result.login_request.status == Status.DENIED


@pytest.mark.django_db
def test_cancel_denies():
    login_request, user = claimed_request()
    result = services.login_request_decide(
        request_id=login_request.pk, telegram_user_id=user.id, code=None
    )
    assert result.outcome == DecisionOutcome.CANCELLED
    assert result.login_request.status == Status.DENIED
    assert result.login_request.deny_reason == LoginRequest.DenyReason.CANCELLED


@pytest.mark.django_db
@pytest.mark.parametrize("code", ["match", None], ids=["match-code", "cancel"])
def test_another_telegram_user_cannot_decide(code):
    login_request, _ = claimed_request(telegram_person(1))
    result = services.login_request_decide(
        request_id=login_request.pk,
        telegram_user_id=2,
        code=login_request.match_code if code else None,
    )
    assert result.outcome == DecisionOutcome.NOT_YOURS
    login_request.refresh_from_db()
    assert login_request.status == Status.CLAIMED


@pytest.mark.django_db
def test_nobody_can_decide_a_request_that_was_never_claimed():
    login_request, _ = start_request()
    result = services.login_request_decide(
        request_id=login_request.pk, telegram_user_id=1, code=login_request.match_code
    )
    assert result.outcome == DecisionOutcome.NOT_YOURS
    login_request.refresh_from_db()
    assert login_request.status == Status.PENDING


@pytest.mark.django_db
def test_deciding_an_unknown_request_says_unknown():
    result = services.login_request_decide(request_id=uuid.uuid4(), telegram_user_id=1, code="12")
    assert result == machine.DecisionResult(DecisionOutcome.UNKNOWN)


@pytest.mark.django_db
def test_approving_after_the_deadline_expires_instead():
    login_request, user = claimed_request()
    expire_clock(login_request)
    result = services.login_request_decide(
        request_id=login_request.pk, telegram_user_id=user.id, code=login_request.match_code
    )
    assert result.outcome == DecisionOutcome.EXPIRED
    login_request.refresh_from_db()
    assert login_request.status == Status.EXPIRED


@pytest.mark.django_db
def test_pressing_a_button_of_an_expired_request_says_expired():
    login_request, user = claimed_request()
    LoginRequest.objects.filter(pk=login_request.pk).update(status=Status.EXPIRED)
    result = services.login_request_decide(
        request_id=login_request.pk, telegram_user_id=user.id, code=login_request.match_code
    )
    assert result.outcome == DecisionOutcome.EXPIRED


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("first", "second"),
    [("match", "match"), ("match", None), ("match", "wrong"), (None, "match"), ("wrong", "match")],
)
def test_a_decided_request_cannot_be_decided_again(first, second):
    login_request, user = claimed_request()
    codes = {"match": login_request.match_code, "wrong": wrong_code(login_request), None: None}
    services.login_request_decide(
        request_id=login_request.pk, telegram_user_id=user.id, code=codes[first]
    )
    login_request.refresh_from_db()
    before = (login_request.status, login_request.deny_reason, login_request.decided_at)

    result = services.login_request_decide(
        request_id=login_request.pk, telegram_user_id=user.id, code=codes[second]
    )
    assert result.outcome == DecisionOutcome.ALREADY_DECIDED
    login_request.refresh_from_db()
    assert (login_request.status, login_request.deny_reason, login_request.decided_at) == before


# -- expire, complete, fail ------------------------------------------------------------------


@pytest.mark.django_db
def test_expire_if_due_leaves_a_request_with_time_left_alone():
    login_request, _ = start_request()
    assert services.login_request_expire_if_due(login_request=login_request) is False
    login_request.refresh_from_db()
    assert login_request.status == Status.PENDING


@pytest.mark.django_db
def test_expire_if_due_expires_once():
    login_request, _ = start_request()
    expire_clock(login_request)
    login_request.refresh_from_db()
    stale_copy = LoginRequest.objects.get(pk=login_request.pk)
    assert services.login_request_expire_if_due(login_request=login_request) is True
    assert login_request.status == Status.EXPIRED
    assert services.login_request_expire_if_due(login_request=stale_copy) is False


@pytest.mark.django_db
def test_expire_if_due_never_expires_an_approved_request():
    login_request = approved_request()
    expire_clock(login_request)
    login_request.refresh_from_db()
    assert services.login_request_expire_if_due(login_request=login_request) is False
    login_request.refresh_from_db()
    assert login_request.status == Status.APPROVED


@pytest.mark.django_db
def test_an_approved_request_is_taken_for_completion_only_once():
    login_request = approved_request()
    other_copy = LoginRequest.objects.get(pk=login_request.pk)
    assert services.login_request_take_for_completion(login_request=login_request) is True
    assert login_request.status == Status.COMPLETED
    assert services.login_request_take_for_completion(login_request=other_copy) is False
    assert other_copy.status == Status.APPROVED  # the loser's copy is not touched
    login_request.refresh_from_db()
    assert login_request.status == Status.COMPLETED
    assert login_request.completed_at is not None


@pytest.mark.django_db
def test_a_request_that_is_not_approved_cannot_be_taken_for_completion():
    login_request, _ = claimed_request()
    assert services.login_request_take_for_completion(login_request=login_request) is False
    login_request.refresh_from_db()
    assert login_request.status == Status.CLAIMED


@pytest.mark.django_db
def test_failed_completion_records_the_request_as_denied():
    login_request = approved_request()
    services.login_request_take_for_completion(login_request=login_request)
    services.login_request_fail(login_request=login_request)
    assert login_request.status == Status.DENIED
    login_request.refresh_from_db()
    assert login_request.status == Status.DENIED
    assert login_request.deny_reason == LoginRequest.DenyReason.FAILED


@pytest.mark.django_db
def test_fail_does_nothing_to_a_request_that_was_not_taken():
    login_request = approved_request()
    services.login_request_fail(login_request=login_request)
    login_request.refresh_from_db()
    assert login_request.status == Status.APPROVED
    assert login_request.deny_reason == ""
