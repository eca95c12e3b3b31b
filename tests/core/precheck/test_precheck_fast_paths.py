"""The short ways rules take for the usual case agree with their detailed ways."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from beian.core.document import parse_document
from beian.core.precheck import InMemoryRegistry, engine
from beian.core.precheck.context import Context, filled
from beian.core.precheck.rules import contacts, required, uploads

from .conftest import load_example

NOW = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
PRINCIPALS = ("icp_subject", "icp_applets")
# Text that is blank in one way or another, or nearly so.
BLANKISH = st.sampled_from(["", " ", "\u3000", "\x85", "\t\n", " x", "x ", "\u00a0a", "a"])
MOBILES = st.sampled_from(
    ["13800138000", "13900139000", "13400134003", "13500135003", "12800138000", "1380013800",
     "138001380000", "1380013800,", ",1380013800", "13800138000,13900139000",
     "１３８００１３８０００", "", " ", "13800 138000"]
)


def _context(doc: Any, registry: InMemoryRegistry | None) -> Context:
    return engine._context(doc, NOW, registry, None, None, "owner")


def _parsed(data: dict[str, Any]) -> Any:
    doc, findings = parse_document(data)
    assert doc is not None, findings
    return doc


@settings(derandomize=True, max_examples=400, deadline=None)
@given(
    name=st.sampled_from(["education-enterprise", "individual"]),
    changes=st.lists(
        st.tuples(st.integers(min_value=0, max_value=len(required.REQUIRED_FIELDS) - 1),
                  st.none() | BLANKISH),
        max_size=3,
    ),
)
def test_all_given_agrees_with_every_field_filled(name, changes):
    data = load_example(name)
    for index, value in changes:
        path = required.REQUIRED_FIELDS[index].split(".")
        if path[-1] in ("type", "certificate_type"):
            value = None if value is None else 1  # numbers: given or not
        elif path[-1] in ("service_content_types", "nrlx_details"):
            value = None if value is None else []
        node = data
        for part in path[:-1]:
            node = node.setdefault(part, {})
        node[path[-1]] = value
    doc = _parsed(data)
    detailed = all(filled(value) for value in required._read_required(doc))
    ctx = _context(doc, None)
    assert required._all_given(doc, ctx) == detailed
    # And the rule finds what its detailed way finds, field by field.
    assert list(required.required_fields(doc, ctx)) == list(
        required._missing_fields(doc, ctx, all_given=False)
    )


@settings(derandomize=True, max_examples=600, deadline=None)
@given(
    numbers=st.tuples(MOBILES | st.none(), MOBILES | st.none(), MOBILES | st.none(),
                      MOBILES | st.none()),
    online=st.booleans(),
    same_person=st.booleans(),
)
def test_the_usual_mobiles_verdict_agrees_with_the_detailed_checks(numbers, online, same_person):
    data = load_example("education-enterprise")
    subject, applet = (data[part]["principal_info"] for part in PRINCIPALS)
    subject["mobile"], subject["emergency_contact"], applet["mobile"], applet[
        "emergency_contact"] = numbers
    if same_person:
        applet["certificate_number"] = subject["certificate_number"]
    registry = None
    if online:
        registry = InMemoryRegistry()
        other = load_example("education-enterprise")
        other["icp_subject"]["principal_info"]["mobile"] = "13900139000"
        registry.add_filing("other", _parsed(other))
    doc = _parsed(data)
    ctx = _context(doc, registry)
    # The short way may only say "nothing to report" when the detailed way agrees.
    assert list(contacts.mobiles(doc, ctx)) == contacts._mobile_problems(ctx)


# Uploads of every kind and file type, the owner's and another's, and ids nobody uploaded.
UPLOADS = {
    "cert-jpeg": ("owner", "image/jpeg", "certificate"),
    "cert-pdf": ("owner", "application/pdf", "certificate"),
    "letter-pdf": ("owner", "application/pdf", "letter"),
    "letter-png": ("owner", "image/png", "letter"),
    "video-mp4": ("owner", "video/mp4", "video"),
    "photo-jpeg": ("owner", "image/jpeg", "photo"),
    "theirs": ("someone-else", "image/jpeg", "certificate"),
}
MEDIA_IDS = st.sampled_from([*UPLOADS, "nobody", "", " "]) | st.none()
SINGLE_MEDIA = [
    ("icp_subject", "personal_info", "residence_permit"),
    ("icp_subject", "organize_info", "certificate_photo"),
    *[(part, "principal_info", name) for part in PRINCIPALS
      for name in ("certificate_photo_front", "certificate_photo_back", "authorization_letter")],
]
MATERIALS = ("commitment_letter", "promise_video", "holding_certificate_photo",
             "subject_other_materials")


@settings(derandomize=True, max_examples=600, deadline=None)
@given(
    name=st.sampled_from(["education-enterprise", "individual"]),
    singles=st.lists(MEDIA_IDS, min_size=len(SINGLE_MEDIA), max_size=len(SINGLE_MEDIA)),
    nrlx=st.lists(MEDIA_IDS, max_size=2),
    materials=st.lists(st.lists(st.sampled_from([*UPLOADS, "nobody", "", " "]), max_size=2)
                       | st.none(), min_size=len(MATERIALS), max_size=len(MATERIALS)),
)
def test_the_usual_uploads_verdict_agrees_with_the_detailed_checks(
    name, singles, nrlx, materials
):
    data = load_example(name)
    for (part, section, field), media_id in zip(SINGLE_MEDIA, singles, strict=True):
        data[part].setdefault(section, {})[field] = media_id
    data["icp_applets"]["base_info"]["nrlx_details"] = [
        {"type": 1 + index, "code": "x", "media": media_id} for index, media_id in enumerate(nrlx)
    ]
    data["icp_materials"] = dict(zip(MATERIALS, materials, strict=True))
    registry = InMemoryRegistry()
    for media_id, (owner, content_type, kind) in UPLOADS.items():
        registry.add_upload(media_id, owner=owner, content_type=content_type, kind=kind)
    doc = _parsed(data)
    named = uploads.named_media(doc)
    detailed = uploads._problems(named, registry.uploads({i for _, i in named}, owner="owner"))
    assert list(uploads.uploaded_media(doc, _context(doc, registry))) == detailed


EXAMPLES = ("education-enterprise", "individual", "bad-enterprise", "bad-individual")


def test_rules_left_out_for_a_kind_of_subject_find_nothing_for_it():
    for name in EXAMPLES:
        doc = _parsed(load_example(name))
        ctx = _context(doc, None)
        for kind, left_out in (
            (True, engine._ORGANISATION_ONLY),
            (False, engine._INDIVIDUAL_ONLY),
            (None, engine._INDIVIDUAL_ONLY | engine._ORGANISATION_ONLY),
        ):
            ctx.individual = kind
            assert set(engine.RULES) - set(engine._RULES_BY_KIND[kind]) == left_out
            for rule in left_out:
                assert not list(rule(doc, ctx)), (name, kind, rule.__name__)


def test_the_narrowed_rule_lists_find_what_every_rule_finds(monkeypatch):
    def every_rule_run(data: dict[str, Any]) -> list[Any]:
        with monkeypatch.context() as patch:
            patch.setattr(engine, "RULES", tuple(list(engine.RULES)))  # not the shipped tuple
            assert engine.RULES is not engine._SHIPPED_RULES
            return engine.precheck(data, now=NOW)

    for name in EXAMPLES:
        for subject_type in (None, 1, 5, 999):  # unknown, organisation, individual, no such
            data = load_example(name)
            data["icp_subject"]["base_info"]["type"] = subject_type
            assert engine.precheck(data, now=NOW) == every_rule_run(data), (name, subject_type)
