"""Certificate photo checks: resolution, colour, sharpness, content."""

from __future__ import annotations

import numpy as np
import pytest

from beian.documents.checks import check_certificate_array, check_certificate_photo
from tests.documents import face_photos as faces
from tests.documents import paper_photos as papers


def tinted_grey(image: np.ndarray) -> np.ndarray:
    """A grey photocopy photographed under warm light: a colour cast, no colour."""
    shifted = faces.grey(image).astype(np.int16) + np.array([-12, 0, 14])
    return np.clip(shifted, 0, 255).astype(np.uint8)


@pytest.fixture(scope="module")
def front() -> np.ndarray:
    return papers.id_card_front()


@pytest.mark.parametrize(
    "make", [papers.id_card_front, papers.id_card_back, papers.business_licence]
)
def test_colour_documents_pass(make) -> None:
    report = check_certificate_photo(faces.encode(make()))
    assert report.verdict == "pass", report.to_dict()


def test_either_orientation_is_accepted(front: np.ndarray) -> None:
    turned = np.ascontiguousarray(np.rot90(front))
    assert check_certificate_array(turned).component("Resolution").result == "pass"


def test_small_photo_fails_resolution(front: np.ndarray) -> None:
    component = check_certificate_array(front[::2, ::2]).component("Resolution")
    assert (component.result, component.value) == ("fail", "640x404")


@pytest.mark.parametrize("copy", [faces.grey, tinted_grey])
def test_grey_photocopy_fails_colour(front: np.ndarray, copy) -> None:
    report = check_certificate_array(copy(front))
    assert report.component("Colour").result == "fail"
    assert report.component("Sharpness").result == "pass"


def test_blurred_photo_fails_sharpness(front: np.ndarray) -> None:
    report = check_certificate_array(faces.blurred(front, 3.0))
    assert report.component("Sharpness").result == "fail"
    assert report.component("Colour").result == "pass"


def test_slightly_soft_photo_still_passes(front: np.ndarray) -> None:
    assert check_certificate_array(faces.blurred(front, 1.0)).verdict == "pass"


def test_blank_page_fails_content() -> None:
    report = check_certificate_array(papers.blank_page())
    assert report.component("ContentPresent").result == "fail"
    assert "空白" in " ".join(report.hints)
