"""No request, however malformed, gets a 500: every operation is sent junk by every role."""

from __future__ import annotations

import json

import pytest

from tests.journey import submitted
from tests.web.api_support import APPLICANT, BUREAU, OPERATOR, PLATFORM, Api
from tests.web.web_helpers import assert_findings

USERS = (None, APPLICANT, PLATFORM, BUREAU, OPERATOR)
JSON = {"Content-Type": "application/json"}
DEEP = 900
# Bodies for operations that take one: broken JSON, odd encodings, values a database chokes on.
BODIES: tuple[tuple[bytes, dict[str, str]], ...] = (
    (b"", {}),
    (b"{", JSON),
    (b"\xff\xfe\x00{", JSON),
    (b"[" * 5000, JSON),
    (("[" * DEEP + "]" * DEEP).encode(), JSON),
    (('{"a":' * DEEP + "1" + "}" * DEEP).encode(), JSON),
    (b'{"document": {"a": 1e999}, "reason": "\\u0000", "code": "\\ud800"}', JSON),
    (b'{"a": ' + b"9" * 5000 + b"}", JSON),
    (b"null", JSON),
    (b"field=\x00&task_id=%00", {"Content-Type": "application/x-www-form-urlencoded"}),
    (
        b'--x\r\nContent-Disposition: form-data; name="file"; filename="a"\r\n\r\n\x00\r\n'
        b'--x\r\nContent-Disposition: form-data; name="field"\r\n\r\n\x00\r\n--x--\r\n',
        {"Content-Type": "multipart/form-data; boundary=x"},
    ),
    (b"{}", {"Content-Type": "text/plain; charset=gb2312"}),
)
PATH_VALUES = ("%00", "..%2F..", "x" * 300, "%E4%B8%AD", "-1")
# Documents that are JSON objects but hold values of every wrong kind.
ODD_DOCUMENTS = (
    {"icp_subject": {"organize_info": {"certificate_type": 10**30}}},
    # Fits I-JSON but makes a subject key longer than its column: PostgreSQL refuses it.
    {"icp_subject": {"organize_info": {"certificate_type": 10**15, "certificate_number": "x"}}},
    {"icp_subject": {"organize_info": {"certificate_type": 10**12,
                                       "certificate_number": "9" * 500}}},
    {"icp_subject": {"base_info": {"type": -1, "province": "省" * 1000, "name": ["a"]}}},
    {"icp_subject": {"base_info": {"type": 1.5, "city": {"a": 1}, "district": True}}},
    {"icp_applets": {"base_info": {"appid": "x" * 500, "name": "名" * 5000,
                                   "service_content_types": [10**40, "a", None]}}},
    {"icp_applets": {"principal_info": {"mobile": "1" * 300, "certificate_number": 12345,
                                        "verify_task_id": "\u202e" * 100}}},
    {"icp_materials": {"other": [[[[[[[[[[["deep"]]]]]]]]]]]}, "icp_subject": "string"},
    {"icp_subject": None, "icp_applets": [], "": {"": ""}},
)


@pytest.fixture
def api(sessions, clock, tmp_path):
    return Api(sessions, clock, tmp_path / "storage")


def operations(api):
    spec = api.client.get("/openapi.json").json()
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            yield method.upper(), path.removeprefix("/api/v1"), operation["operationId"]


def fill(path, value):
    for name in ("filing_id", "task_id", "message_id", "appid"):
        path = path.replace("{" + name + "}", value)
    return path


def test_every_operation_answers_junk_with_findings_never_a_500(api, world, document):
    real = submitted(world, document)

    def send(method, path, user, content=b"", headers=None):
        response = api.call(method, path, user, content=content, headers=headers or {})
        assert response.status_code < 500, (method, path, user, content[:40])
        if response.status_code >= 400:
            assert_findings(response, response.status_code)
        return response

    for method, template, _operation_id in operations(api):
        path = fill(template, real)
        # Every role once; junk only from the roles the operation admits.
        admitted = [
            user for user in USERS if send(method, path, user).status_code not in (401, 403)
        ]
        user = admitted[0] if admitted else APPLICANT
        if method in ("POST", "PUT"):
            for content, headers in BODIES:
                send(method, path, user, content, headers)
        if "{" in template:
            for value in PATH_VALUES:
                send(method, fill(template, value), user)


@pytest.mark.parametrize("odd", ODD_DOCUMENTS)
def test_documents_of_every_wrong_shape_are_saved_as_drafts_or_refused_cleanly(api, odd):
    created = api.call("POST", "/filings", APPLICANT, json=odd)
    assert created.status_code in (201, 422), created.text
    checked = api.call("POST", "/precheck", APPLICANT, json={"document": odd})
    assert checked.status_code in (200, 422), checked.text
    if created.status_code == 201:
        filing_id = created.json()["id"]
        errors = [f for f in created.json()["findings"] if f["severity"] == "error"]
        assert errors, "a broken document must have pre-check errors"
        assert api.call("PUT", f"/filings/{filing_id}", APPLICANT, json=odd).status_code == 200
        assert api.call("POST", f"/filings/{filing_id}/submit", APPLICANT).status_code == 422
        assert json.dumps(api.ok("GET", f"/filings/{filing_id}", APPLICANT)["document"])
