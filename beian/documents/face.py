"""The face check of the mini-program principal's photo, component by component.

Component names follow ISO/IEC 29794-5 (OFIQ) where the standard has one; the values are
our own classical measurements (OpenCV Haar cascades, luminance and colour statistics),
not OFIQ's scores, so thresholds are ours too and are stated with every value.
What a classical method cannot decide (a mask, a hat, earphones, clothing, expression)
is never guessed: those components always go to a person, with the photo.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import cv2
import numpy as np

from beian.documents.errors import Refusal
from beian.documents.imaging import chroma, decode, fit, laplacian_variance
from beian.documents.report import (
    FAIL,
    PASS,
    REVIEW,
    Component,
    Report,
    at_least,
    at_most,
    banded,
)

# Detection runs on a copy no longer than this; measurements use the full image.
WORKING_SIDE = 640
# The face region is resampled to this square before sharpness is measured, so the
# threshold does not depend on the photo's resolution.
FACE_SIDE = 192


@dataclass(frozen=True)
class FaceThresholds:
    """The limits each decided component is held to."""

    min_face_share: float = 0.20      # face width / image width
    min_face_pixels: int = 120        # face width in pixels of the original photo
    max_centre_offset: float = 0.15   # |face centre - image centre| / image width
    min_margin_above: float = 0.30    # space above the face box / face height
    min_margin_below: float = 0.60    # space below the face box / face height
    max_background_spread: float = 18.0   # std of background luminance (0-255)
    min_background_luminance: float = 170.0
    luminance_range: tuple[float, float] = (70.0, 215.0)  # mean face luminance
    # Laplacian variance of the contrast-normalised face at FACE_SIDE px: below the first
    # the photo is plainly blurred; between the two a person judges it.
    sharpness: tuple[float, float] = (15.0, 25.0)
    min_skin_chroma: float = 6.0      # median CIELAB chroma of the face
    min_iris_height: float = 0.15     # iris height / eye box height, in both eyes


DEFAULT = FaceThresholds()

# Components a person decides, with what they look for.
HUMAN_COMPONENTS = (
    ("MouthOcclusionPrevention", "口罩或其他遮挡口鼻的物品"),
    ("FaceOcclusionPrevention", "其他遮挡面部的物品（墨镜、手、头发等）"),
    ("NoHeadCoverings", "帽子或头饰"),
    ("NoEarphones", "耳机"),
    ("UpperBodyClothed", "上身着装"),
    ("ExpressionNeutrality", "表情自然"),
)


@lru_cache(maxsize=1)
def _cascades() -> tuple[cv2.CascadeClassifier, cv2.CascadeClassifier]:
    """Face and eye detectors shipped inside opencv-python (< 5)."""
    root = cv2.data.haarcascades  # type: ignore[attr-defined]
    face = cv2.CascadeClassifier(root + "haarcascade_frontalface_default.xml")
    eye = cv2.CascadeClassifier(root + "haarcascade_eye.xml")
    if face.empty() or eye.empty():
        raise RuntimeError("OpenCV Haar cascades are missing: install opencv-python-headless<5")
    return face, eye


def check_face_photo(image: bytes, thresholds: FaceThresholds = DEFAULT) -> Report:
    """Check a face-check photo; the verdict is pass, fail or review (a person decides)."""
    try:
        photo = decode(image)
    except Refusal as refusal:
        return Report((Component("ImageReadable", 0, "readable JPEG/PNG", FAIL,
                                 refusal.errmsg + "，" + refusal.suggest),))
    return check_face_array(photo, thresholds)


def check_face_array(photo: np.ndarray, thresholds: FaceThresholds = DEFAULT) -> Report:
    """The face check of an already decoded BGR photo."""
    t = thresholds
    small, factor = fit(photo, WORKING_SIDE)
    grey_small = cv2.cvtColor(small, cv2.COLOR_BGR2GRAY)
    faces = detect_faces(grey_small)
    components = [_single_face(len(faces))]
    if len(faces) != 1:
        return Report(tuple(components))
    x, y, w, h = (round(v / factor) for v in faces[0])
    height, width = photo.shape[:2]
    components += _geometry(x, y, w, h, width, height, t)
    components += _background(photo, (x, y, w, h), t)
    face = photo[y + h // 8: y + h - h // 8, x + w // 8: x + w - w // 8]
    face_grey = cv2.cvtColor(face, cv2.COLOR_BGR2GRAY)
    components += _exposure_and_colour(face, face_grey, t)
    components.append(_eyes_open(photo, (x, y, w, h), t))
    if any(component.result == FAIL for component in components):
        # The applicant retakes the photo anyway; a person looks at the next one.
        return Report(tuple(components))
    components += [
        Component(name, None, "human", REVIEW, "照片将由审核人员人工确认：" + "、".join(
            label for _, label in HUMAN_COMPONENTS))
        for name, _ in HUMAN_COMPONENTS
    ]
    return Report(tuple(components))


def detect_faces(grey: np.ndarray) -> list[tuple[int, int, int, int]]:
    """Frontal faces at least a tenth of the shorter side wide (smaller ones are noise here)."""
    face_cascade, _ = _cascades()
    smallest = max(24, min(grey.shape) // 10)
    # No histogram equalisation: on a white background it washes the face out.
    found = face_cascade.detectMultiScale(
        grey, scaleFactor=1.1, minNeighbors=5, minSize=(smallest, smallest)
    )
    return [tuple(int(v) for v in box) for box in found]  # type: ignore[misc]


def _single_face(count: int) -> Component:
    if count == 1:
        return Component("SingleFacePresent", 1, "== 1", PASS)
    hint = ("未检测到正脸，请正对镜头、露出完整面部后重新拍摄" if count == 0
            else "照片中只能有一个人，请单独拍摄")
    return Component("SingleFacePresent", count, "== 1", FAIL, hint)


def _geometry(x: int, y: int, w: int, h: int, width: int, height: int,
              t: FaceThresholds) -> list[Component]:
    closer = "请靠近镜头，使面部占画面宽度的五分之一以上"
    return [
        at_least("HeadSize", w / width, t.min_face_share, closer),
        at_least("FaceWidthPixels", float(w), float(t.min_face_pixels), closer, digits=0),
        at_most("FaceCentring", abs(x + w / 2 - width / 2) / width, t.max_centre_offset,
                "请将面部置于画面中央"),
        at_least("MarginAboveOfTheFaceImage", y / h, t.min_margin_above,
                 "头顶上方请留出空间，不要裁掉头发"),
        at_least("MarginBelowOfTheFaceImage", (height - y - h) / h, t.min_margin_below,
                 "请拍到肩部，露出上半身"),
    ]


def _background(photo: np.ndarray, box: tuple[int, int, int, int],
                t: FaceThresholds) -> list[Component]:
    """Luminance of the areas above the head and beside it (hair margin left out)."""
    x, y, w, h = box
    height, width = photo.shape[:2]
    grey = cv2.GaussianBlur(cv2.cvtColor(photo, cv2.COLOR_BGR2GRAY), (0, 0), 2)
    top = max(0, y - h * 6 // 10)
    lower = min(height, y + h)
    regions = [
        grey[:top, :],
        grey[top:lower, : max(0, x - w // 2)],
        grey[top:lower, min(width, x + w + w // 2):],
    ]
    pixels = np.concatenate([r.ravel() for r in regions if r.size])
    if pixels.size < 0.02 * height * width:
        hint = "背景区域太小，无法判断，将由人工确认"
        return [Component("BackgroundUniformity", None, "visible background", REVIEW, hint),
                Component("BackgroundLuminance", None, "visible background", REVIEW, hint)]
    plain = "请在白色或浅色的纯色背景（如白墙）前拍摄"
    return [
        at_most("BackgroundUniformity", float(pixels.std()), t.max_background_spread, plain, 1),
        at_least("BackgroundLuminance", float(pixels.mean()), t.min_background_luminance,
                 plain, 1),
    ]


def _exposure_and_colour(face: np.ndarray, face_grey: np.ndarray,
                         t: FaceThresholds) -> list[Component]:
    low, high = t.luminance_range
    mean = float(face_grey.mean())
    exposure = Component(
        "LuminanceMean", mean, f"{low:.0f}..{high:.0f}", PASS if low <= mean <= high else FAIL,
        "面部过暗，请在光线充足处拍摄" if mean < low else "面部过亮，请避免强光直射")
    resized = cv2.resize(face_grey, (FACE_SIDE, FACE_SIDE), interpolation=cv2.INTER_AREA)
    # Contrast-normalised, so a dark photo fails exposure rather than sharpness.
    resized = (resized - resized.mean()) / max(float(resized.std()), 1.0) * 50.0
    return [
        exposure,
        banded("Sharpness", laplacian_variance(resized), t.sharpness,
               "照片模糊，请保持手机稳定、对焦后重新拍摄"),
        at_least("NaturalColour", float(np.median(chroma(face))), t.min_skin_chroma,
                 "请上传彩色照片，不要使用黑白或滤镜效果", 1),
    ]


def _eyes_open(photo: np.ndarray, box: tuple[int, int, int, int],
               t: FaceThresholds) -> Component:
    """Pass only when both eyes show a round dark iris; otherwise a person looks."""
    x, y, w, h = box
    _, eye_cascade = _cascades()
    # Eyes sit between a fifth and three fifths of the Haar face box's height.
    band = cv2.cvtColor(photo[y + h // 5: y + h * 3 // 5, x: x + w], cv2.COLOR_BGR2GRAY)
    scale = 160 / w  # eyes are searched at a fixed face width
    band = cv2.resize(band, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    eyes = eye_cascade.detectMultiScale(band, scaleFactor=1.1, minNeighbors=4,
                                        minSize=(18, 18), maxSize=(60, 60))
    openness: dict[str, float] = {}
    for ex, ey, ew, eh in eyes:
        side = "left" if ex + ew / 2 < band.shape[1] / 2 else "right"
        value = _iris_height(band[ey:ey + eh, ex:ex + ew])
        openness[side] = max(openness.get(side, 0.0), value)
    value = min(openness.get("left", 0.0), openness.get("right", 0.0))
    threshold = f">= {t.min_iris_height:.2f} in both eyes"
    if value >= t.min_iris_height:
        return Component("EyesOpen", value, threshold, PASS)
    # Closed eyes, sunglasses and a missed detection all look alike here: a person decides.
    return Component("EyesOpen", value, threshold, REVIEW,
                     "未能确认双眼睁开，将由人工确认；请睁眼、勿佩戴墨镜")


def _iris_height(eye: np.ndarray) -> float:
    """Tallest dark vertical run in the middle of the eye box, as a share of the box height.

    An open eye shows the iris as a dark disc about a third of the box tall; a closed lid
    shows at most a thin lash line. The box's top quarter (eyebrow) is left out.
    """
    eh, ew = eye.shape
    skin = float(np.percentile(eye, 75))
    middle = eye[eh // 4: eh * 17 // 20, ew // 4: ew * 3 // 4] < skin * 0.45
    runs = []
    for column in middle.T:
        longest = current = 0
        for dark in column:
            current = current + 1 if dark else 0
            longest = max(longest, current)
        runs.append(longest)
    # The third-tallest column, so one stray dark column does not count as an iris.
    tallest = sorted(runs, reverse=True)[:3]
    return tallest[-1] / eh if tallest else 0.0
