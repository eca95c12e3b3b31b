"""The upload gate decides by content, bounds size and pixels, and strips metadata."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image
from pypdf import PdfReader

from beian.documents import gate
from beian.documents.errors import Refusal
from tests.documents import face_photos, malicious


def _jpeg(size: tuple[int, int] = (64, 48)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, "JPEG")
    return out.getvalue()


def _png(size: tuple[int, int] = (64, 48)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (30, 30, 200)).save(out, "PNG")
    return out.getvalue()


def refusal(kind: str, data: bytes, limits: gate.Limits | None = None) -> Refusal:
    with pytest.raises(Refusal) as caught:
        gate.inspect(kind, data, limits)
    return caught.value


@pytest.mark.parametrize(
    ("field", "kind"),
    [
        ("icp_subject.organize_info.certificate_photo", "certificate"),
        ("icp_subject.principal_info.certificate_photo_front", "certificate"),
        ("icp_applets.principal_info.authorization_letter", "letter"),
        ("icp_materials.commitment_letter.0", "letter"),
        ("icp_materials.promise_video", "video"),
        ("icp_applets.base_info.nrlx_details.0.media", "document"),
        ("icp_applets.principal_info.face_photo", "photo"),
        ("icp_subject.base_info.name", None),
    ],
)
def test_field_kinds(field: str, kind: str | None) -> None:
    assert gate.kind_for_field(field) == kind


def test_type_comes_from_content_not_name() -> None:
    assert gate.sniff(_png()) == gate.PNG
    assert gate.sniff(_jpeg()) == gate.JPEG
    assert gate.sniff(malicious.pdf()) == gate.PDF
    assert gate.sniff(malicious.mp4()) == gate.MP4
    assert gate.sniff(b"<html><script>alert(1)</script>") is None
    assert gate.sniff(b"GIF89a" + bytes(20)) is None


def test_pdf_is_refused_for_a_photo_field() -> None:
    assert refusal("certificate", malicious.pdf()).errcode == 6002


def test_letter_fields_take_pdf_and_images() -> None:
    assert gate.inspect("letter", malicious.pdf()).content_type == gate.PDF
    assert gate.inspect("letter", _jpeg()).content_type == gate.JPEG


def test_video_field_refuses_images() -> None:
    assert refusal("video", _jpeg()).errcode == 6002


def test_empty_file_is_refused() -> None:
    assert refusal("certificate", b"").errcode == 6001


def test_image_over_2_mb_is_refused() -> None:
    noise = np.random.default_rng(1).integers(0, 255, (1100, 1100, 3), dtype=np.uint8)
    data = face_photos.encode(noise, "png")
    assert len(data) > 2 * 1024 * 1024
    assert refusal("certificate", data).errcode == 6003


def test_decompression_bomb_is_refused_before_decoding() -> None:
    bomb = malicious.png_bomb()
    assert len(bomb) < 2 * 1024 * 1024
    found = refusal("certificate", bomb)
    assert found.errcode == 6004


def test_pixel_limit_is_configurable() -> None:
    data = _png((300, 200))
    assert refusal("certificate", data, gate.Limits(max_pixels=50_000)).errcode == 6004
    assert gate.inspect("certificate", data, gate.Limits(max_pixels=60_000)).width == 300


def test_truncated_jpeg_is_refused(portrait: np.ndarray) -> None:
    data = face_photos.encode(portrait)
    assert refusal("certificate", data[: len(data) // 2]).errcode == 6005


def test_jpeg_header_with_png_body_is_refused() -> None:
    assert refusal("certificate", b"\xff\xd8\xff" + _png()[3:]).errcode == 6005


def test_exif_is_stripped_and_orientation_applied() -> None:
    upright = Image.new("RGB", (80, 40), (10, 120, 200))
    data = malicious.jpeg_with_exif(upright)
    assert b"SecretCam" in data
    cleaned = gate.inspect("certificate", data)
    assert b"SecretCam" not in cleaned.data
    stored = Image.open(io.BytesIO(cleaned.data))
    assert not stored.getexif()
    # Orientation 6 means "turn 90 degrees to view": the stored pixels are already turned.
    assert (cleaned.width, cleaned.height) == (40, 80) == stored.size


def test_png_text_chunks_are_stripped() -> None:
    from PIL import PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "home address here")
    out = io.BytesIO()
    Image.new("RGB", (32, 32), "red").save(out, "PNG", pnginfo=info)
    assert b"home address" in out.getvalue()
    assert b"home address" not in gate.inspect("certificate", out.getvalue()).data


def test_polyglot_payload_after_the_image_is_dropped() -> None:
    payload = b"PK\x03\x04" + b"<script>alert(document.cookie)</script>" * 20
    cleaned = gate.inspect("certificate", _jpeg() + payload)
    assert cleaned.content_type == gate.JPEG
    assert b"<script>" not in cleaned.data
    assert b"PK\x03\x04" not in cleaned.data


def test_png_named_jpg_is_stored_as_png() -> None:
    cleaned = gate.inspect("certificate", _png())
    assert (cleaned.content_type, cleaned.extension) == (gate.PNG, "png")


def test_transparent_png_is_flattened_on_white() -> None:
    out = io.BytesIO()
    Image.new("RGBA", (10, 10), (0, 0, 0, 0)).save(out, "PNG")
    stored = Image.open(io.BytesIO(gate.inspect("certificate", out.getvalue()).data))
    assert stored.mode == "RGB" and stored.getpixel((5, 5)) == (255, 255, 255)


def test_pdf_pages_are_counted_and_limited() -> None:
    assert gate.inspect("letter", malicious.pdf(3)).pages == 3
    assert refusal("letter", malicious.pdf(3), gate.Limits(pdf_pages=2)).errcode == 6008


def test_pdf_with_javascript_is_refused() -> None:
    assert refusal("letter", malicious.pdf(javascript=True)).errcode == 6009


def test_pdf_with_launch_action_is_refused() -> None:
    assert refusal("letter", malicious.pdf_with_launch_action()).errcode == 6009


def test_pdf_metadata_is_stripped() -> None:
    data = malicious.pdf(author="张三 13800138000")
    assert PdfReader(io.BytesIO(data)).metadata["/Author"]
    cleaned = gate.inspect("letter", data)
    metadata = PdfReader(io.BytesIO(cleaned.data)).metadata
    assert not metadata or "/Author" not in metadata


def test_truncated_pdf_is_refused() -> None:
    data = malicious.pdf(2)
    assert refusal("letter", data[: len(data) - 200]).errcode == 6005


def test_mp4_metadata_is_blanked_in_place() -> None:
    data = malicious.mp4()
    cleaned = gate.inspect("video", data)
    assert cleaned.content_type == gate.MP4
    assert len(cleaned.data) == len(data)  # offsets into mdat stay valid
    assert b"GPS" not in cleaned.data and b"udta" not in cleaned.data


def test_quicktime_and_truncated_videos_are_refused() -> None:
    assert refusal("video", malicious.mp4(brand=b"qt  ")).errcode == 6002
    assert refusal("video", malicious.mp4()[:-100]).errcode == 6005
