"""Each face-check component reacts to the one property that was changed."""

from __future__ import annotations

import numpy as np
import pytest

from beian.documents.face import HUMAN_COMPONENTS, check_face_array, check_face_photo
from tests.documents import face_photos as faces


def results(photo: np.ndarray) -> dict[str, str]:
    report = check_face_photo(faces.encode(photo))
    return {component.name: component.result for component in report.components}


def test_compliant_photo_passes_every_decided_component(portrait: np.ndarray) -> None:
    report = check_face_photo(faces.encode(portrait))
    decided = [c for c in report.components if c.threshold != "human"]
    assert {c.name: c.result for c in decided if c.result != "pass"} == {}
    assert {c.name for c in decided} >= {
        "SingleFacePresent",
        "HeadSize",
        "FaceCentring",
        "BackgroundUniformity",
        "BackgroundLuminance",
        "LuminanceMean",
        "Sharpness",
        "NaturalColour",
        "EyesOpen",
    }


def test_what_no_classical_check_decides_goes_to_a_person(portrait: np.ndarray) -> None:
    report = check_face_photo(faces.encode(portrait))
    human = {c.name: c.result for c in report.components if c.threshold == "human"}
    assert human == {name: "review" for name, _ in HUMAN_COMPONENTS}
    assert report.verdict == "review"
    assert any("人工确认" in hint for hint in report.hints)


def test_every_component_reports_value_and_threshold(portrait: np.ndarray) -> None:
    for component in check_face_array(portrait).components:
        data = component.to_dict()
        assert set(data) == {"name", "value", "threshold", "result"}
        assert data["threshold"]
        assert (data["value"] is None) == (component.threshold == "human")


@pytest.mark.parametrize(
    ("change", "component"),
    [
        (faces.grey, "NaturalColour"),
        (lambda p: faces.blurred(p, 4.0), "Sharpness"),
        (faces.darkened, "LuminanceMean"),
        (lambda p: faces.shrunk(p, 0.5), "HeadSize"),
        (faces.off_centre, "FaceCentring"),
        (faces.two_faces, "SingleFacePresent"),
    ],
)
def test_a_spoilt_photo_fails_on_its_component(portrait: np.ndarray, change, component) -> None:
    report = check_face_photo(faces.encode(change(portrait)))
    assert report.component(component).result == "fail"
    assert report.verdict == "fail"
    assert report.component(component).hint in report.hints
    # A photo that fails is retaken; it is not queued for a person.
    assert all(c.threshold != "human" for c in report.components)


def test_busy_background_fails_uniformity() -> None:
    found = results(faces.busy_background())
    assert found["BackgroundUniformity"] == "fail"


def test_dark_plain_background_fails_luminance_only(portrait: np.ndarray) -> None:
    found = results(faces.portrait(background=(150, 60, 20)))
    assert found["BackgroundUniformity"] == "pass"
    assert found["BackgroundLuminance"] == "fail"


def test_light_coloured_background_is_accepted() -> None:
    found = results(faces.portrait(background=(240, 222, 205)))
    assert found["BackgroundLuminance"] == found["BackgroundUniformity"] == "pass"


def test_original_backdrop_with_flag_fails() -> None:
    assert results(faces.original_background())["BackgroundUniformity"] == "fail"


def test_slight_blur_goes_to_a_person_not_to_a_verdict(portrait: np.ndarray) -> None:
    component = check_face_array(faces.blurred(portrait, 1.2)).component("Sharpness")
    assert component.result == "review"


def test_closed_eyes_are_never_passed(portrait: np.ndarray) -> None:
    report = check_face_array(faces.eyes_closed(portrait))
    assert report.component("EyesOpen").result == "review"
    assert report.verdict == "review"


def test_no_face_fails() -> None:
    blank = np.full((800, 600, 3), 250, np.uint8)
    report = check_face_array(blank)
    assert report.component("SingleFacePresent").value == 0
    assert report.verdict == "fail"


def test_unreadable_bytes_fail_with_a_reason() -> None:
    report = check_face_photo(b"not an image")
    assert report.verdict == "fail"
    assert report.components[0].name == "ImageReadable"
