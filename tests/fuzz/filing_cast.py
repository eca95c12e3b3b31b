"""Filings of several applicants, provinces and states, put in place through the services.

Both the API fuzzing and the authorization matrix need real objects to aim at: filings
of two applicants, in Beijing and in Guangdong, in every status an operation expects.
Each document is the example filing with its own applet (appid, name) and its own
principal phones, so no two filings share an SMS challenge or trip a cross-filing rule.
"""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Callable
from typing import Any

from stdnum.cn import ric, uscc

from beian.core.workflow import Status
from beian.facecheck import service as facecheck
from beian.filings import review
from beian.testing.media import with_media_ids
from tests.journey import EXAMPLE, World, verify_all

BEIJING = "110000"
GUANGDONG = "440000"
# Reviewers (usernames as in tests/web/api_support.py).
PLATFORM = "platform-reviewer"
BUREAUS = {BEIJING: "bureau-reviewer", GUANGDONG: "gd-reviewer"}
# A Guangzhou enterprise: its own subject, so the subject-consistency rule holds.
GUANGDONG_SUBJECT = {
    "base_info": {
        "province": GUANGDONG,
        "city": "440100",
        "district": "440106",
        "name": "广州启明星教育科技有限公司",
        "address": "体育西路1号",
    },
    "organize_info": {"certificate_address": "广州市天河区体育西路1号"},
}
NAME_SUFFIXES = "甲乙丙丁戊己庚辛壬癸子丑寅卯辰巳午未申酉戌亥"


def document_for(
    world: World, *, applicant: str, tag: int, province: str = BEIJING
) -> dict[str, Any]:
    """The example filing as applet number `tag` of `applicant`, with a passed face check."""
    data = copy.deepcopy(json.loads(EXAMPLE.read_text(encoding="utf-8")))
    subject, applet = data["icp_subject"], data["icp_applets"]
    if province == GUANGDONG:
        for block, fields in GUANGDONG_SUBJECT.items():
            subject[block].update(fields)
    elif province != BEIJING:
        raise ValueError(f"no example subject in province {province}")
    # A subject of its own: one subject may have only one filing with the bureau at a time.
    base = subject["base_info"]
    base["name"] = base["name"].replace("启明星", "启明星" + _suffix(tag))
    number = f"91{base['district']}MA{tag:07d}"
    subject["organize_info"]["certificate_number"] = number + uscc.calc_check_digit(number)
    applet["base_info"]["appid"] = f"wx{tag + 1:016x}"
    applet["base_info"]["name"] = "启明星学堂" + _suffix(tag)
    # Distinct phones per filing: a challenge is found by mobile + certificate number.
    subject["principal_info"]["mobile"] = f"1380013{tag:04d}"
    subject["principal_info"]["emergency_contact"] = f"1390013{tag:04d}"
    applet["principal_info"]["mobile"] = f"1370013{tag:04d}"
    applet["principal_info"]["emergency_contact"] = f"1360013{tag:04d}"
    # Distinct ID numbers too, so a leak can be traced to the filing it came from.
    subject_id = _resident_id("11010819850315", tag)
    subject["principal_info"]["certificate_number"] = subject_id
    subject["legal_person_info"]["certificate_number"] = subject_id  # the same person
    applet["principal_info"]["certificate_number"] = _resident_id("11010519920708", tag)
    principal_name = applet["principal_info"]["name"]
    task = world.act(
        lambda s: facecheck.create_task(
            s, applicant_key=applicant, principal_name=principal_name, now=world.clock.now()
        )
    )
    world.act(
        lambda s: facecheck.record_result(
            s, task_id=task.id, now=world.clock.now(), verdict="pass", report={}
        )
    )
    applet["principal_info"]["verify_task_id"] = task.id
    # An upload belongs to one applicant: each names files of their own, uploaded.
    data = with_media_ids(data, lambda media_id: _owned_id(applicant, media_id))
    world.upload_media(data, applicant)
    return data


def _owned_id(applicant: str, media_id: str) -> str:
    """A media id of this applicant's own, of the upload endpoint's form (32 hex)."""
    return hashlib.sha256(f"{applicant}/{media_id}".encode()).hexdigest()[:32]


def _suffix(tag: int) -> str:
    """A short Chinese tag (甲, 乙, …, 甲乙, …): names may not carry arbitrary digits."""
    size = len(NAME_SUFFIXES)
    head = NAME_SUFFIXES[tag // size - 1] if tag >= size else ""
    return head + NAME_SUFFIXES[tag % size]


def _resident_id(region_and_birth: str, tag: int) -> str:
    """A well-formed resident ID number: region, birth date, sequence, check digit."""
    body = f"{region_and_birth}{tag % 1000:03d}"
    return body + ric.calc_check_digit(body + "0")  # expects a placeholder check digit


def _province(document: dict[str, Any]) -> str:
    return str(document["icp_subject"]["base_info"]["province"])


def _claim(world: World, filing_id: str, stage: str, province: str) -> None:
    reviewer = PLATFORM if stage == "platform" else BUREAUS[province]
    where = province if stage == "bureau" else None
    world.act(
        lambda s: review.claim(
            s,
            filing_id=filing_id,
            reviewer=reviewer,
            stage=stage,
            province=where,
            now=world.clock.now(),
        )
    )


def _approve(world: World, filing_id: str, stage: str, province: str) -> None:
    now = world.clock.now()
    if stage == "platform":
        world.act(
            lambda s: review.approve_platform(s, filing_id=filing_id, reviewer=PLATFORM, now=now)
        )
    else:
        world.act(
            lambda s: review.approve_bureau(
                s, filing_id=filing_id, reviewer=BUREAUS[province], province=province, now=now
            )
        )


def _reject(world: World, filing_id: str, stage: str, province: str) -> None:
    entries = [
        {
            "field": "icp_applets.base_info.comment",
            "error": "描述过于简略",
            "suggest": "请写明小程序提供的服务",
        }
    ]
    now = world.clock.now()
    if stage == "platform":
        world.act(
            lambda s: review.reject_platform(
                s, filing_id=filing_id, reviewer=PLATFORM, audit_data=entries, now=now
            )
        )
    else:
        world.act(
            lambda s: review.reject_bureau(
                s,
                filing_id=filing_id,
                reviewer=BUREAUS[province],
                province=province,
                audit_data=entries,
                now=now,
            )
        )


# What "put the filing in this state" means, step by step from a saved draft. Claimed
# states are held by the platform reviewer / the bureau reviewer of the filing's province.
STEPS: dict[str, tuple[str, ...]] = {
    "draft": (),
    "platform_review": ("submit",),
    "platform_claimed": ("submit", "claim_platform"),
    "platform_rejected": ("submit", "claim_platform", "reject_platform"),
    "sms_verification": ("submit", "claim_platform", "approve_platform"),
    "bureau_review": ("submit", "claim_platform", "approve_platform", "verify"),
    "bureau_claimed": ("submit", "claim_platform", "approve_platform", "verify", "claim_bureau"),
    "bureau_rejected": (
        "submit",
        "claim_platform",
        "approve_platform",
        "verify",
        "claim_bureau",
        "reject_bureau",
    ),
    "filed": (
        "submit",
        "claim_platform",
        "approve_platform",
        "verify",
        "claim_bureau",
        "approve_bureau",
    ),
    "cancel_pending": (
        "submit",
        "claim_platform",
        "approve_platform",
        "verify",
        "claim_bureau",
        "approve_bureau",
        "cancel",
    ),
}


def put_in_state(world: World, document: dict[str, Any], *, applicant: str, state: str) -> str:
    """Save `document` as `applicant` and drive it to `state` (a key of STEPS)."""
    filing, _ = world.save(document, applicant=applicant)
    province = _province(document)
    actions: dict[str, Callable[[], Any]] = {
        "submit": lambda: world.applicant_does("submit", filing.id, applicant),
        "cancel": lambda: world.applicant_does("request_cancellation", filing.id, applicant),
        "claim_platform": lambda: _claim(world, filing.id, "platform", province),
        "claim_bureau": lambda: _claim(world, filing.id, "bureau", province),
        "approve_platform": lambda: _approve(world, filing.id, "platform", province),
        "approve_bureau": lambda: _approve(world, filing.id, "bureau", province),
        "reject_platform": lambda: _reject(world, filing.id, "platform", province),
        "reject_bureau": lambda: _reject(world, filing.id, "bureau", province),
        "verify": lambda: verify_all(world, document, filing.id),
    }
    for step in STEPS[state]:
        actions[step]()
    expected = {"platform_claimed": "platform_review", "bureau_claimed": "bureau_review"}
    status = world.filing(filing.id).status
    assert status == Status(expected.get(state, state)), (state, status)
    return filing.id
