"""The workflow table: allowed moves, refusals, and WeChat's status codes (SPEC §2)."""

import pytest

from beian.core.workflow import (
    EDITABLE,
    TRANSITIONS,
    Event,
    IllegalTransition,
    Status,
    allowed_events,
    sms_verify_status,
    status_code,
    transition,
)

S, E = Status, Event

# The lifecycle of SPEC §2, written out independently of the table.
EXPECTED_MOVES = {
    (E.SUBMIT, S.DRAFT): S.PLATFORM_REVIEW,
    (E.WITHDRAW, S.PLATFORM_REVIEW): S.DRAFT,
    (E.PLATFORM_APPROVE, S.PLATFORM_REVIEW): S.SMS_VERIFICATION,
    (E.PLATFORM_REJECT, S.PLATFORM_REVIEW): S.PLATFORM_REJECTED,
    (E.SMS_VERIFIED, S.SMS_VERIFICATION): S.BUREAU_REVIEW,
    (E.SMS_FAILED, S.SMS_VERIFICATION): S.SMS_FAILED,
    (E.RESUBMIT, S.PLATFORM_REJECTED): S.PLATFORM_REVIEW,
    (E.RESUBMIT, S.BUREAU_REJECTED): S.PLATFORM_REVIEW,
    (E.RESUBMIT, S.SMS_FAILED): S.PLATFORM_REVIEW,
    (E.RESUBMIT_UNCHANGED, S.SMS_FAILED): S.SMS_VERIFICATION,
    (E.BUREAU_APPROVE, S.BUREAU_REVIEW): S.FILED,
    (E.BUREAU_REJECT, S.BUREAU_REVIEW): S.BUREAU_REJECTED,
    (E.REQUEST_CANCELLATION, S.FILED): S.CANCEL_PENDING,
    (E.CONFIRM_CANCELLATION, S.CANCEL_PENDING): S.CANCELLED,
    (E.ABORT_CANCELLATION, S.CANCEL_PENDING): S.FILED,
    (E.SUPERSEDE, S.FILED): S.SUPERSEDED,
}


def test_the_table_allows_exactly_the_lifecycle_of_the_spec():
    assert TRANSITIONS == EXPECTED_MOVES


@pytest.mark.parametrize("event", list(Event))
@pytest.mark.parametrize("status", list(Status))
def test_every_pair_is_either_allowed_or_refused_clearly(event, status):
    if (event, status) in EXPECTED_MOVES:
        assert transition(status, event) == EXPECTED_MOVES[(event, status)]
        return
    with pytest.raises(IllegalTransition) as refused:
        transition(status, event)
    assert refused.value.event == event and refused.value.current == status
    assert event.value in str(refused.value) and status.value in str(refused.value)


def test_refusal_lists_what_is_allowed_now():
    with pytest.raises(IllegalTransition) as refused:
        transition(S.FILED, E.WITHDRAW)
    assert "申请注销" in str(refused.value)


def test_withdraw_only_in_platform_review():
    assert allowed_events(S.PLATFORM_REVIEW).count(E.WITHDRAW) == 1
    assert [s for s in Status if E.WITHDRAW in allowed_events(s)] == [S.PLATFORM_REVIEW]


@pytest.mark.parametrize(
    ("status", "code", "sms"),
    [
        (S.DRAFT, 1024, None),
        (S.PLATFORM_REVIEW, 2, None),
        (S.PLATFORM_REJECTED, 3, None),
        (S.SMS_VERIFICATION, 4, 1),
        (S.BUREAU_REVIEW, 4, 2),
        (S.SMS_FAILED, 4, 3),
        (S.BUREAU_REJECTED, 5, None),
        (S.FILED, 6, None),
        (S.CANCEL_PENDING, 6, None),
        (S.CANCELLED, 1024, None),
    ],
)
def test_status_codes_follow_wechat(status, code, sms):
    assert status_code(status) == code
    assert sms_verify_status(status) == sms


def test_only_drafts_and_returned_filings_are_editable():
    assert {S.DRAFT, S.PLATFORM_REJECTED, S.BUREAU_REJECTED, S.SMS_FAILED} == EDITABLE


def test_unknown_names_are_refused():
    with pytest.raises(ValueError):
        transition("nonsense", E.SUBMIT)
