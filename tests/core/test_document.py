"""The filing document: WeChat-shaped payloads parse; anything else becomes findings."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from beian.core.document import MATERIAL_FIELDS, FilingDocument, parse_document

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)


def codes(findings):
    return {(finding.errcode, finding.err_field) for finding in findings}


@pytest.mark.parametrize("name", ["education-enterprise", "individual"])
def test_examples_parse_and_round_trip(name):
    data = json.loads((EXAMPLES / f"{name}.json").read_text(encoding="utf-8"))
    doc, findings = parse_document(data)
    assert findings == []
    assert isinstance(doc, FilingDocument)
    assert doc.to_json_dict() == data


def test_a_full_wechat_payload_parses():
    principal = {
        "name": "张三",
        "mobile": "13012344321",
        "email": "zhangsan@example.com",
        "emergency_contact": "17743211234",
        "certificate_type": 2,
        "certificate_number": "110105199001011232",
        "certificate_validity_date_start": "20230815",
        "certificate_validity_date_end": "长期",
        "certificate_photo_front": "m1",
        "certificate_photo_back": "m2",
        "authorization_letter": "m3",
        "verify_task_id": "R5PqRPNb6GmG3i0rqd4pTg",
    }
    payload = {
        "icp_subject": {
            "base_info": {
                "type": 5,
                "name": "张三",
                "province": "110000",
                "city": "110100",
                "district": "110105",
                "address": "高碑店路181号1栋12345室",
                "comment": "",
                "record_number": "京ICP备2026059598号",
            },
            "personal_info": {"residence_permit": "m4"},
            "organize_info": {
                "certificate_type": 2,
                "certificate_number": "110105199001011232",
                "certificate_address": "北京市朝阳区高碑店路181号1栋12345室",
                "certificate_photo": "m5",
            },
            "principal_info": principal,
            "legal_person_info": {"name": "张三", "certificate_number": "110105199001011232"},
        },
        "icp_applets": {
            "base_info": {
                "appid": "wx1234",
                "name": "小程序",
                "service_content_types": [3, 4],
                "nrlx_details": [{"type": 2, "code": "粤-12345号", "media": "m6"}],
                "comment": "x" * 30,
            },
            "principal_info": principal,
        },
        "icp_materials": {name: [f"media-{name}"] for name in sorted(MATERIAL_FIELDS)},
    }
    doc, findings = parse_document(payload)
    assert findings == []
    assert doc is not None
    assert doc.icp_materials.promise_video == ["media-promise_video"]
    assert doc.icp_applets.base_info.nrlx_details[0].code == "粤-12345号"
    assert len(MATERIAL_FIELDS) == 10


def test_null_means_not_given():
    doc, findings = parse_document(
        {"icp_subject": {"legal_person_info": None, "base_info": {"type": 4, "name": None}}}
    )
    assert findings == []
    assert doc is not None and doc.icp_subject.base_info.name is None


def test_unknown_fields_are_refused_with_their_dotted_path():
    doc, findings = parse_document(
        {
            "icp_subject": {"base_info": {"zip_code": "100000"}},
            "icp_applets": {"base_info": {"nrlx_details": [{"type": 3, "cpde": "x"}]}},
            "icp_extra": {},
        }
    )
    assert doc is None
    assert codes(findings) == {
        (1001, "icp_subject.base_info.zip_code"),
        (1001, "icp_applets.base_info.nrlx_details.0.cpde"),
        (1001, "icp_extra"),
    }
    message = next(f for f in findings if f.err_field == "icp_subject.base_info.zip_code")
    assert message.errmsg == "不支持的字段 zip_code"
    assert "删除" in message.suggest


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"icp_subject": {"base_info": {"type": "4"}}}, "icp_subject.base_info.type"),
        ({"icp_subject": {"base_info": {"type": True}}}, "icp_subject.base_info.type"),
        ({"icp_subject": {"base_info": {"type": 4.0}}}, "icp_subject.base_info.type"),
        (
            {"icp_subject": {"principal_info": {"mobile": 13800138000}}},
            "icp_subject.principal_info.mobile",
        ),
        (
            {"icp_applets": {"base_info": {"service_content_types": 78}}},
            "icp_applets.base_info.service_content_types",
        ),
        (
            {"icp_applets": {"base_info": {"service_content_types": ["78"]}}},
            "icp_applets.base_info.service_content_types.0",
        ),
        ({"icp_subject": []}, "icp_subject"),
        ({"icp_materials": {"promise_video": "m1"}}, "icp_materials.promise_video"),
    ],
)
def test_wrong_types_name_the_field(data, field):
    doc, findings = parse_document(data)
    assert doc is None
    assert codes(findings) == {(1003, field)}
    assert "类型错误" in findings[0].errmsg


def test_a_pre_approval_item_without_type_is_missing_it():
    doc, findings = parse_document(
        {"icp_applets": {"base_info": {"nrlx_details": [{"code": "x"}]}}}
    )
    assert doc is None
    assert codes(findings) == {(1002, "icp_applets.base_info.nrlx_details.0.type")}


def test_lengths_are_limited():
    doc, findings = parse_document(
        {
            "icp_subject": {"principal_info": {"name": "张" * 65}},
            "icp_materials": {"subject_other_materials": ["m"] * 11},
        }
    )
    assert doc is None
    assert codes(findings) == {
        (1004, "icp_subject.principal_info.name"),
        (1004, "icp_materials.subject_other_materials"),
    }


@pytest.mark.parametrize("data", [None, [], "text", 3, 1.5, True])
def test_a_document_must_be_an_object(data):
    doc, findings = parse_document(data)
    assert doc is None
    assert codes(findings) == {(1006, "")}


@settings(derandomize=True, max_examples=150, deadline=None)
@given(JSON)
def test_arbitrary_json_never_raises(data):
    doc, findings = parse_document(data)
    assert (doc is None) == bool(findings)
    assert all(isinstance(finding.err_field, str) for finding in findings)


SECTIONS = st.fixed_dictionaries(
    {},
    optional={
        "icp_subject": st.fixed_dictionaries(
            {},
            optional={"base_info": st.dictionaries(st.sampled_from(["type", "name", "x"]), JSON)},
        ),
        "icp_applets": st.fixed_dictionaries(
            {},
            optional={
                "base_info": st.fixed_dictionaries(
                    {}, optional={"nrlx_details": JSON, "service_content_types": JSON}
                ),
                "principal_info": st.dictionaries(st.sampled_from(["mobile", "email", "y"]), JSON),
            },
        ),
        "icp_materials": st.dictionaries(st.sampled_from(sorted(MATERIAL_FIELDS)), JSON),
    },
)


@settings(derandomize=True, max_examples=150, deadline=None)
@given(SECTIONS)
def test_arbitrary_values_inside_the_document_never_raise(data):
    doc, findings = parse_document(data)
    assert (doc is None) == bool(findings)


def individual_payload(applet_principal):
    principal = {
        "name": "王小川",
        "mobile": "13500135003",
        "certificate_number": "440305199005200038",
    }
    return {
        "icp_subject": {"base_info": {"type": 5}, "principal_info": principal},
        "icp_applets": {"principal_info": applet_principal},
    }


def test_an_individual_applet_principal_defaults_to_the_subject_principal():
    doc, _ = parse_document(individual_payload({"verify_task_id": "face-1"}))
    filled = doc.with_individual_defaults()
    applet = filled.icp_applets.principal_info
    assert applet.name == "王小川" and applet.mobile == "13500135003"
    assert applet.verify_task_id == "face-1"
    assert filled.icp_subject.principal_info.verify_task_id is None


def test_defaults_never_overwrite_what_was_given():
    doc, _ = parse_document(individual_payload({"name": "别人"}))
    assert doc.with_individual_defaults() is doc
    organisation = individual_payload({})
    organisation["icp_subject"]["base_info"]["type"] = 4
    doc, _ = parse_document(organisation)
    assert doc.with_individual_defaults() is doc
