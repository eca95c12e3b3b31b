"""The review view's evidence: uploaded documents, their checks and OCR, the face check."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from sqlalchemy import delete, select

import beian.provinces.models  # noqa: F401  (the app reads it; beian.db.models does not list it yet)
from beian.audit.models import AuditEntry
from beian.db import transaction
from beian.documents.models import Media
from beian.documents.storage import LocalStorage, new_key, new_media_id
from beian.facecheck import service as facecheck
from beian.facecheck.models import FaceTaskStatus
from tests.journey import APPLICANT, submitted
from tests.web.test_review_pages import client_for, library_form, post
from tests.web.web_helpers import add_user, make_app

USCC = "91110108MA01BC2K31"
ID_NUMBER = "110105199207080022"
LICENCE_FIELD = "icp_subject.organize_info.certificate_photo"
ID_FRONT_FIELD = "icp_applets.principal_info.certificate_photo_front"


@pytest.fixture
def storage(tmp_path) -> LocalStorage:
    return LocalStorage(tmp_path / "storage")


@pytest.fixture
def app(sessions, clock, storage):
    add_user(sessions, clock, "reviewer", "platform_reviewer")
    add_user(sessions, clock, "gd.reviewer", "bureau_reviewer", province="440000")
    add_user(sessions, clock, "zhang.san", "applicant")
    app = make_app(sessions, clock)
    app.state.storage = storage
    return app


def png(colour: tuple[int, int, int]) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), colour).save(buffer, "PNG")
    return buffer.getvalue()


def stored(sessions, storage, clock, field: str, data: bytes, **extra) -> str:
    """An accepted upload as the documents service leaves it: bytes in storage, a row."""
    media_id = new_media_id()
    key = new_key(media_id, "png")
    storage.put(key, data)
    with transaction(sessions) as db:
        db.add(
            Media(
                id=media_id,
                owner_key=APPLICANT,
                field=field,
                kind="certificate",
                content_type="image/png",
                size=len(data),
                width=8,
                height=8,
                sha256="0" * 64,
                storage_key=key,
                created_at=clock.now(),
                **extra,
            )
        )
    return media_id


@pytest.fixture
def uploads(sessions, storage, clock, document):
    """A filing whose licence and applet principal's ID card front are stored uploads."""
    licence = stored(
        sessions,
        storage,
        clock,
        LICENCE_FIELD,
        png((200, 30, 30)),
        check_report={
            "verdict": "pass",
            "components": [
                {"name": "Sharpness", "value": 182.4, "threshold": ">= 60", "result": "pass"}
            ],
            "hints": [],
        },
        ocr_findings={"kind": "business_licence", "read": {}, "findings": []},
    )
    id_front = stored(
        sessions,
        storage,
        clock,
        ID_FRONT_FIELD,
        png((30, 30, 200)),
        ocr_findings={
            "kind": "id_card_front",
            "read": {"certificate_number": "110105199207080023"},
            "findings": [
                {
                    "errcode": 6202,
                    "err_field": ID_FRONT_FIELD,
                    "errmsg": "证件照片上识别的证件号码为「110105199207080023」，"
                    f"与填写的「{ID_NUMBER}」不一致",
                    "suggest": "请核对",
                    "severity": "warning",
                }
            ],
        },
    )
    document["icp_subject"]["organize_info"]["certificate_photo"] = licence
    document["icp_applets"]["principal_info"]["certificate_photo_front"] = id_front
    return licence, id_front


def audit_actions(sessions) -> list[str]:
    with sessions() as db:
        return list(db.scalars(select(AuditEntry.action).order_by(AuditEntry.seq)))


def test_documents_show_their_checks_and_personal_ones_wait_for_the_reveal(
    app, world, document, uploads, sessions
):
    licence, id_front = uploads
    filing_id = submitted(world, document)
    # A filing names only uploads at submission; one record gone since is pointed out.
    gone = document["icp_applets"]["principal_info"]["certificate_photo_back"]
    world.act(lambda s: s.execute(delete(Media).where(Media.id == gone)))
    client = client_for(app, "reviewer")
    page = client.get(f"/review/{filing_id}").text
    assert f'<img src="/review/{filing_id}/media/{licence}"' in page
    assert f'<img src="/review/{filing_id}/media/{id_front}"' not in page
    assert "含个人信息" in page
    assert "清晰度" in page and "检查通过" in page
    assert "OCR 核对：与填写内容一致" in page
    # The OCR warning is shown, with the ID numbers it quotes masked.
    assert "OCR 核对：证件照片上识别的证件号码为「110***********0023」" in page
    assert ID_NUMBER not in page and "110105199207080023" not in page
    assert "未找到上传记录" in page

    revealed = post(client, f"/review/{filing_id}/reveal", f"/review/{filing_id}").text
    assert f'<img src="/review/{filing_id}/media/{id_front}"' in revealed
    assert "110105199207080023" in revealed


def test_files_are_served_to_reviewers_and_personal_ones_are_audited(
    app, world, document, uploads, sessions
):
    licence, id_front = uploads
    filing_id = submitted(world, document)
    client = client_for(app, "reviewer")
    response = client.get(f"/review/{filing_id}/media/{licence}")
    assert response.status_code == 200
    assert response.content == png((200, 30, 30))
    assert response.headers["content-type"] == "image/png"
    assert response.headers["cache-control"] == "no-store"
    assert "filing.view_personal_media" not in audit_actions(sessions)

    card = client.get(f"/review/{filing_id}/media/{id_front}")
    assert card.status_code == 200 and card.content == png((30, 30, 200))
    assert audit_actions(sessions).count("filing.view_personal_media") == 1


def test_files_are_served_only_through_the_filing_that_names_them(
    app, world, document, uploads, sessions, storage, clock
):
    licence, _ = uploads
    filing_id = submitted(world, document)
    other_id = stored(sessions, storage, clock, LICENCE_FIELD, png((0, 200, 0)))
    reviewer = client_for(app, "reviewer")
    assert reviewer.get(f"/review/{filing_id}/media/{other_id}").status_code == 404
    assert reviewer.get(f"/review/{filing_id}/media/media-id-back-0002").status_code == 404
    assert (
        client_for(app, "gd.reviewer").get(f"/review/{filing_id}/media/{licence}").status_code
        == 404
    )
    assert (
        client_for(app, "zhang.san").get(f"/review/{filing_id}/media/{licence}").status_code == 403
    )


def face_in_review(world, photo_id: str | None = None) -> str:
    """A face task whose photo the checks left to a person."""
    clock = world.clock
    task = world.act(
        lambda s: facecheck.create_task(
            s, applicant_key=APPLICANT, principal_name="李雨桐", now=clock.now()
        )
    )
    report = {
        "verdict": "review",
        "components": [
            {"name": "SingleFacePresent", "value": 1, "threshold": "== 1", "result": "pass"},
            {"name": "NoEarphones", "value": None, "threshold": "human", "result": "review"},
        ],
        "hints": ["照片将由审核人员人工确认：耳机"],
        **({"media_id": photo_id} if photo_id else {}),
    }
    world.act(
        lambda s: facecheck.record_result(
            s, task_id=task.id, now=clock.now(), verdict="review", report=report
        )
    )
    return task.id


def test_a_face_photo_left_to_a_person_is_approved_with_the_filing(app, world, document):
    task_id = face_in_review(world)
    document["icp_applets"]["principal_info"]["verify_task_id"] = task_id
    filing_id = submitted(world, document)
    client = client_for(app, "reviewer")
    post(client, f"/review/{filing_id}/claim", f"/review/{filing_id}")
    page = client.get(f"/review/{filing_id}").text
    assert "待人工复核" in page and "通过初审即认可该照片" in page
    assert "未戴耳机" in page and "人工确认" in page
    assert 'value="人脸核身照片不符合要求"' in page  # offered as the first rejection reason

    assert post(client, f"/review/{filing_id}/approve", f"/review/{filing_id}").status_code == 303
    task = world.read(lambda s: facecheck.get_task(s, task_id))
    assert task.status == FaceTaskStatus.PASSED and task.reviewer == "reviewer"


def test_a_face_photo_left_to_a_person_is_failed_by_the_face_reason(app, world, document):
    task_id = face_in_review(world)
    document["icp_applets"]["principal_info"]["verify_task_id"] = task_id
    filing_id = submitted(world, document)
    client = client_for(app, "reviewer")
    post(client, f"/review/{filing_id}/claim", f"/review/{filing_id}")
    form = library_form({})
    # The page puts the face reason first when a photo waits for a person.
    form["field"].insert(0, "icp_applets.principal_info.verify_task_id")
    form["error"].insert(0, "照片中戴着耳机")
    form["suggest"].insert(0, "请摘下耳机重新拍摄")
    form["pick"] = ["0"]
    assert (
        post(client, f"/review/{filing_id}/reject", f"/review/{filing_id}", form).status_code == 303
    )
    task = world.read(lambda s: facecheck.get_task(s, task_id))
    assert task.status == FaceTaskStatus.FAILED and task.reason == "照片中戴着耳机"


def test_the_face_photo_is_shown_after_the_reveal_and_its_reads_are_audited(
    app, world, document, sessions, storage, clock
):
    photo = stored(
        sessions, storage, clock, "icp_applets.principal_info.face_photo", png((1, 2, 3))
    )
    document["icp_applets"]["principal_info"]["verify_task_id"] = face_in_review(world, photo)
    filing_id = submitted(world, document)
    client = client_for(app, "reviewer")
    url = f"/review/{filing_id}/media/{photo}"
    page = client.get(f"/review/{filing_id}").text
    assert f'<img src="{url}"' not in page and "人脸照片<br>显示完整信息后查看" in page
    revealed = post(client, f"/review/{filing_id}/reveal", f"/review/{filing_id}").text
    assert f'<img src="{url}"' in revealed
    response = client.get(url)
    assert response.status_code == 200 and response.content == png((1, 2, 3))
    with sessions() as db:
        reads = db.scalars(
            select(AuditEntry).where(AuditEntry.action == "filing.view_personal_media")
        ).all()
    assert [(e.detail["media_id"], e.detail["field"]) for e in reads] == [
        (photo, "icp_applets.principal_info.verify_task_id")
    ]
