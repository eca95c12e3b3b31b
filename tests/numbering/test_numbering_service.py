"""Issuing filing numbers on both databases: sequences, ordinals, imports and refusals."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from beian.numbering.models import IssuedNumberRecord, ProvinceCounter
from beian.numbering.service import (
    NumberingError,
    assign_number,
    register_existing_subject,
    subject_number_of,
)

BEIJING = "110000"
GUANGDONG = "440000"


def issue(session: Session, subject: str, province: str = BEIJING, year: int = 2026, **kw):  # type: ignore[no-untyped-def]
    return assign_number(session, subject_key=subject, province_code=province, year=year, **kw)


def test_a_new_subject_gets_the_first_number_of_its_province_and_year(db: Session) -> None:
    issued = issue(db, "subject-a")
    assert issued.subject_number == "京ICP备2026000001号"
    assert issued.service_number == "京ICP备2026000001号-1X"
    assert issued.ordinal == 1
    ledger = db.scalars(select(IssuedNumberRecord.number).order_by(IssuedNumberRecord.id)).all()
    assert ledger == ["京ICP备2026000001号", "京ICP备2026000001号-1X"]


def test_the_same_subject_keeps_its_number_and_counts_its_services(db: Session) -> None:
    first = issue(db, "subject-a")
    second = issue(db, "subject-a")
    third = issue(db, "subject-a")
    assert {first.subject_number, second.subject_number, third.subject_number} == {
        "京ICP备2026000001号"
    }
    assert [first.service_number, second.service_number, third.service_number] == [
        "京ICP备2026000001号-1X",
        "京ICP备2026000001号-2X",
        "京ICP备2026000001号-3X",
    ]
    # Further services of a known subject do not consume province sequences.
    assert issue(db, "subject-b").subject_number == "京ICP备2026000002号"


def test_each_province_has_its_own_sequence(db: Session) -> None:
    assert issue(db, "beijing-1").subject_number == "京ICP备2026000001号"
    assert issue(db, "guangdong-1", GUANGDONG).subject_number == "粤ICP备2026000001号"
    assert issue(db, "sichuan-1", "510104").subject_number == "蜀ICP备2026000001号"
    assert issue(db, "beijing-2", "110105").subject_number == "京ICP备2026000002号"
    assert issue(db, "guangdong-2", "440300").subject_number == "粤ICP备2026000002号"


def test_a_new_year_restarts_the_sequence(db: Session) -> None:
    issue(db, "old-1", year=2026)
    issue(db, "old-2", year=2026)
    assert issue(db, "new-1", year=2027).subject_number == "京ICP备2027000001号"
    # A subject numbered last year keeps its number; its services keep counting.
    assert issue(db, "old-1", year=2027).service_number == "京ICP备2026000001号-2X"
    assert issue(db, "old-3", year=2026).subject_number == "京ICP备2026000003号"


def test_the_ordinal_counts_every_kind_of_service(db: Session) -> None:
    numbers = [
        issue(db, "subject-a", kind="applet").service_number,
        issue(db, "subject-a", kind="app").service_number,
        issue(db, "subject-a", kind="website").service_number,
    ]
    assert numbers == [
        "京ICP备2026000001号-1X",
        "京ICP备2026000001号-2A",
        "京ICP备2026000001号-3",
    ]


def test_a_licence_holder_uses_its_licence_number(db: Session) -> None:
    issued = issue(db, "tencent", GUANGDONG, licence_number="粤B2-20090059")
    assert (issued.subject_number, issued.service_number) == (
        "粤B2-20090059",
        "粤B2-20090059-1X",
    )
    assert issue(db, "tencent", GUANGDONG).service_number == "粤B2-20090059-2X"
    # The licence took no ICP sequence of the province.
    assert issue(db, "other", GUANGDONG).subject_number == "粤ICP备2026000001号"


def test_an_imported_licence_holder_continues_after_its_last_ordinal(db: Session) -> None:
    register_existing_subject(
        db, subject_key="tencent", subject_number="粤B2-20090059", last_ordinal=1625
    )
    assert issue(db, "tencent", GUANGDONG).service_number == "粤B2-20090059-1626X"


def test_an_imported_number_occupies_its_sequence(db: Session) -> None:
    issue(db, "first")  # sequence 1
    register_existing_subject(
        db, subject_key="migrated", subject_number="京ICP备2026000005号", last_ordinal=3
    )
    assert issue(db, "migrated").service_number == "京ICP备2026000005号-4X"
    assert subject_number_of(db, "migrated") == "京ICP备2026000005号"
    # Issuing continues after the imported number, never handing it out again.
    assert issue(db, "next").subject_number == "京ICP备2026000006号"


def test_an_imported_older_number_leaves_the_counter_alone(db: Session) -> None:
    register_existing_subject(
        db, subject_key="old", subject_number="京ICP备05012345号", last_ordinal=2
    )
    assert issue(db, "old").service_number == "京ICP备05012345号-3X"
    assert issue(db, "new").subject_number == "京ICP备2026000001号"


def test_importing_again_may_raise_but_never_lower_the_ordinal(db: Session) -> None:
    register_existing_subject(
        db, subject_key="s", subject_number="京ICP备2025000009号", last_ordinal=2
    )
    register_existing_subject(
        db, subject_key="s", subject_number="京ICP备2025000009号", last_ordinal=2
    )
    register_existing_subject(
        db, subject_key="s", subject_number="京ICP备2025000009号", last_ordinal=4
    )
    assert issue(db, "s").ordinal == 5
    with pytest.raises(NumberingError, match="last_ordinal.*不能调低"):
        register_existing_subject(
            db, subject_key="s", subject_number="京ICP备2025000009号", last_ordinal=4
        )


def test_rolled_back_issuance_leaves_no_gap(sessions: sessionmaker[Session]) -> None:
    with sessions() as session:
        assert issue(session, "rolled-back").subject_number == "京ICP备2026000001号"
        session.rollback()
    with sessions() as session:
        assert issue(session, "kept").subject_number == "京ICP备2026000001号"
        session.commit()
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(IssuedNumberRecord)) == 2
        assert subject_number_of(session, "rolled-back") is None


def test_a_stale_session_still_gets_the_next_ordinal(sessions: sessionmaker[Session]) -> None:
    stale = sessions()
    assert issue(stale, "shared").ordinal == 1
    stale.commit()  # expire_on_commit is off: `stale` keeps its copy of the subject row
    with sessions() as other:
        assert issue(other, "shared").ordinal == 2
        other.commit()
    assert issue(stale, "shared").ordinal == 3
    stale.commit()
    stale.close()


def test_the_last_sequence_of_a_year_is_issued_and_then_refused(db: Session) -> None:
    db.add(ProvinceCounter(province_prefix="11", year=2026, last_sequence=999_998))
    db.flush()
    assert issue(db, "last").subject_number == "京ICP备2026999999号"
    with pytest.raises(NumberingError, match="sequence.*已用尽"):
        issue(db, "one-too-many")
    assert db.get(ProvinceCounter, ("11", 2026)).last_sequence == 999_999  # type: ignore[union-attr]


def test_the_ledger_refuses_a_second_copy_of_a_number(db: Session) -> None:
    issued = issue(db, "subject-a")
    db.add(
        IssuedNumberRecord(
            number=issued.service_number,
            subject_key="intruder",
            kind="applet",
            province_prefix="11",
        )
    )
    with pytest.raises(IntegrityError):
        db.flush()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"province_code": "710000"}, "province_code.*不属于任何内地省份"),
        ({"province_code": "beijing"}, "province_code.*GB/T 2260"),
        ({"year": 26}, "year.*4 位年份"),
        ({"kind": "miniprogram"}, "kind.*未知"),
        ({"subject_key": ""}, "subject_key"),
        ({"subject_key": "x" * 121}, "subject_key"),
        ({"licence_number": "粤ICP备2026000001号"}, "licence_number.*不是经营许可证号"),
        ({"licence_number": "粤B2-20090059-1X"}, "licence_number.*不是经营许可证号"),
    ],
)
def test_bad_input_is_refused_naming_the_field(
    db: Session, kwargs: dict[str, object], message: str
) -> None:
    arguments: dict[str, object] = {
        "subject_key": "subject-a",
        "province_code": BEIJING,
        "year": 2026,
    } | kwargs
    with pytest.raises(NumberingError, match=message):
        assign_number(db, **arguments)  # type: ignore[arg-type]
    assert db.scalar(select(func.count()).select_from(IssuedNumberRecord)) == 0


def test_a_subject_stays_in_its_province(db: Session) -> None:
    issue(db, "subject-a", BEIJING)
    with pytest.raises(NumberingError, match="province_code.*备案省份为 京"):
        issue(db, "subject-a", GUANGDONG)


def test_a_numbered_subject_cannot_switch_to_a_licence_silently(db: Session) -> None:
    issue(db, "subject-a", GUANGDONG)
    with pytest.raises(NumberingError, match="licence_number.*不一致"):
        issue(db, "subject-a", GUANGDONG, licence_number="粤B2-20090059")
    # The same licence again is fine for a licence holder.
    issue(db, "holder", GUANGDONG, licence_number="粤B2-20090060")
    assert issue(db, "holder", GUANGDONG, licence_number="粤B2-20090060").ordinal == 2


def test_one_licence_belongs_to_one_subject(db: Session) -> None:
    issue(db, "holder", GUANGDONG, licence_number="粤B2-20090059")
    with pytest.raises(NumberingError, match="已属于主体 holder"):
        issue(db, "impostor", GUANGDONG, licence_number="粤B2-20090059")


@pytest.mark.parametrize(
    ("subject_number", "last_ordinal", "message"),
    [
        ("京ICP备2026000001号-1X", 1, "subject_number.*服务备案号"),
        ("京ICP备2026", 1, "subject_number"),
        ("京ICP备2026000001号", -1, "last_ordinal"),
        ("京ICP备2026000001号", "3", "last_ordinal"),
    ],
)
def test_import_refuses_bad_input(
    db: Session, subject_number: str, last_ordinal: int, message: str
) -> None:
    with pytest.raises(NumberingError, match=message):
        register_existing_subject(
            db, subject_key="s", subject_number=subject_number, last_ordinal=last_ordinal
        )


def test_import_refuses_a_number_of_another_subject_or_a_second_number(db: Session) -> None:
    issued = issue(db, "owner")
    with pytest.raises(NumberingError, match="已属于主体 owner"):
        register_existing_subject(
            db, subject_key="thief", subject_number=issued.subject_number, last_ordinal=0
        )
    with pytest.raises(NumberingError, match="已有备案号 京ICP备2026000001号"):
        register_existing_subject(
            db, subject_key="owner", subject_number="京ICP备2026000099号", last_ordinal=5
        )
