"""The login request state machine: every transition, handled update ids, and that racing callers
never both win."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection

from telegram_login import upkeep
from telegram_login.models import LoginRequest, ProcessedUpdate
from telegram_login.signin import machine, services
from telegram_login.signin.machine import ClaimOutcome, DecisionOutcome
from telegram_login.tests.request_states import (
    approved_request,
    claimed_request,
    expire_clock,
    start_request,
    telegram_person,
)

Status = LoginRequest.Status


# -- _transition -----------------------------------------------------------------------------

ILLEGAL_MOVES = [
    (old, new)
    for old in Status.values
    for new in Status.values
    if new not in machine.TRANSITIONS[old]
]


def test_every_status_has_its_moves_listed():
    assert set(machine.TRANSITIONS) == set(Status.values)


@pytest.mark.django_db
@pytest.mark.parametrize(("old", "new"), ILLEGAL_MOVES)
def test_transition_refuses_an_illegal_move(old, new):
    login_request, _ = start_request()
    LoginRequest.objects.filter(pk=login_request.pk).update(status=old)
    with pytest.raises(ValueError, match=f"cannot go from {old} to {new}"):
        machine.transition(request_id=login_request.pk, old={old}, new=new)
    login_request.refresh_from_db()
    assert login_request.status == old


@pytest.mark.django_db
def test_transition_refuses_when_any_of_the_old_states_cannot_make_the_move():
    login_request, _ = start_request()
    with pytest.raises(ValueError, match="approved"):
        machine.transition(
            request_id=login_request.pk, old={Status.PENDING, Status.APPROVED}, new=Status.DENIED
        )
    login_request.refresh_from_db()
    assert login_request.status == Status.PENDING


@pytest.mark.django_db
def test_transition_only_moves_a_request_that_is_in_the_old_state():
    login_request, _ = start_request()
    assert not machine.transition(
        request_id=login_request.pk, old={Status.CLAIMED}, new=Status.APPROVED
    )
    assert machine.transition(request_id=login_request.pk, old={Status.PENDING}, new=Status.CLAIMED)
    login_request.refresh_from_db()
    assert login_request.status == Status.CLAIMED


@pytest.mark.django_db
def test_live_only_transition_skips_a_request_past_its_deadline():
    login_request, _ = claimed_request()
    expire_clock(login_request)
    assert not machine.transition(
        request_id=login_request.pk, old={Status.CLAIMED}, new=Status.APPROVED, live_only=True
    )
    login_request.refresh_from_db()
    assert login_request.status == Status.CLAIMED


# -- processed updates -----------------------------------------------------------------------


@pytest.mark.django_db
def test_an_update_id_is_processed_only_once():
    assert upkeep.update_mark_processed(update_id=1001) is True
    assert upkeep.update_mark_processed(update_id=1001) is False
    assert upkeep.update_mark_processed(update_id=1002) is True
    assert ProcessedUpdate.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_a_duplicate_update_id_does_not_break_the_surrounding_transaction():
    from django.db import transaction

    with transaction.atomic():
        upkeep.update_mark_processed(update_id=5)
        assert upkeep.update_mark_processed(update_id=5) is False
        # The savepoint kept the outer transaction usable.
        assert ProcessedUpdate.objects.filter(update_id=5).exists()


# -- races on a real database ------------------------------------------------------------------


def _race(workers: int, action: Callable[[int], Any]) -> list[Any]:
    """Run `action(i)` in `workers` threads released together; return results in order."""
    barrier = threading.Barrier(workers)
    results: list[Any] = [None] * workers
    errors: list[BaseException] = []

    def run(index: int) -> None:
        try:
            barrier.wait(timeout=10)
            results[index] = action(index)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors, errors
    return results


@pytest.mark.django_db(transaction=True)
def test_ten_polls_racing_on_an_approved_request_complete_it_once():
    login_request = approved_request()

    def take(_: int) -> bool:
        copy = LoginRequest.objects.get(pk=login_request.pk)
        return services.login_request_take_for_completion(login_request=copy)

    results = _race(10, take)
    assert results.count(True) == 1
    assert results.count(False) == 9
    login_request.refresh_from_db()
    assert login_request.status == Status.COMPLETED


@pytest.mark.django_db(transaction=True)
def test_ten_telegram_users_racing_for_one_token_leave_one_owner():
    login_request, token = start_request()

    def claim(index: int) -> ClaimOutcome:
        user = telegram_person(800000 + index)
        return services.login_request_claim(token=token, telegram_user=user).outcome

    outcomes = _race(10, claim)
    assert outcomes.count(ClaimOutcome.CLAIMED) == 1
    assert outcomes.count(ClaimOutcome.USED) == 9
    winner = 800000 + outcomes.index(ClaimOutcome.CLAIMED)
    login_request.refresh_from_db()
    assert login_request.telegram_user_id == winner


@pytest.mark.django_db(transaction=True)
def test_code_and_cancel_pressed_at_once_decide_once():
    login_request, user = claimed_request()
    codes = [login_request.match_code if i % 2 else None for i in range(10)]

    def decide(index: int) -> DecisionOutcome:
        return services.login_request_decide(
            request_id=login_request.pk, telegram_user_id=user.id, code=codes[index]
        ).outcome

    outcomes = _race(10, decide)
    winners = [o for o in outcomes if o != DecisionOutcome.ALREADY_DECIDED]
    assert len(winners) == 1
    login_request.refresh_from_db()
    expected = Status.APPROVED if winners[0] == DecisionOutcome.APPROVED else Status.DENIED
    assert login_request.status == expected
