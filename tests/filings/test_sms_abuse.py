"""SMS codes resist guessing: caps per code and per phone, a resend cool-down, one answer
for every kind of miss, and 10,000 guesses that never succeed."""

from __future__ import annotations

import inspect
import secrets

import pytest

from beian.core.workflow import Status
from beian.filings import verification
from beian.filings.errors import CodeRejected, Conflict
from tests.journey import platform_approved, principal


def wrong_code_for(world, mobile: str) -> str:
    right = world.latest_code(mobile)
    return f"{(int(right) + 1) % 1_000_000:06d}"


def test_a_resend_within_a_minute_of_the_text_is_refused(world, document):
    platform_approved(world, document)
    mobile, number = principal(document)
    world.clock.advance(seconds=59)
    with pytest.raises(Conflict) as refused:
        world.resend(mobile, number)
    assert "秒后再重发" in str(refused.value)
    world.clock.advance(seconds=1)
    world.resend(mobile, number)


def test_unknown_phone_certificate_and_code_misses_read_the_same(world, document):
    platform_approved(world, document)
    mobile, number = principal(document)
    misses = []
    for phone, cert in (("13900000000", number), (mobile, "110105199001011234"),
                        ("13900000000", "110105199001011234")):
        with pytest.raises(CodeRejected) as refused:
            world.enter_code(phone, cert, "123456")
        misses.append(str(refused.value))
    assert len(set(misses)) == 1


def test_codes_are_compared_in_constant_time():
    source = inspect.getsource(verification.enter_code)
    assert "hmac.compare_digest" in source


def test_fresh_codes_do_not_buy_more_than_the_daily_cap_of_guesses(world, document):
    filing_id = platform_approved(world, document)
    mobile, number = principal(document)
    guesses = 0
    for _round in range(2):  # five wrong entries fail a code; resubmitting texts a new one
        for _ in range(verification.MAX_WRONG):
            with pytest.raises(CodeRejected):
                world.enter_code(mobile, number, wrong_code_for(world, mobile))
            guesses += 1
        assert world.filing(filing_id).status == Status.SMS_FAILED
        world.applicant_does("resubmit", filing_id)
    assert guesses == verification.MAX_WRONG_PER_PHONE
    right = world.latest_code(mobile)
    with pytest.raises(CodeRejected) as refused:
        world.enter_code(mobile, number, right)  # even the right code waits out the day
    assert "错误次数过多" in str(refused.value)


@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
def test_ten_thousand_guesses_never_succeed(world, document):
    filing_id = platform_approved(world, document)
    mobile, number = principal(document)
    right = world.latest_code(mobile)
    accepted = 0
    for _ in range(10_000):
        guess = f"{secrets.randbelow(1_000_000):06d}"
        if guess == right:
            continue  # a lucky draw of the right code proves nothing about guessing
        try:
            world.enter_code(mobile, number, guess)
            accepted += 1
        except CodeRejected:
            pass
    assert accepted == 0
    assert world.filing(filing_id).status == Status.SMS_FAILED
