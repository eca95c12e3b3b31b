"""Face photos made from the public-domain astronaut portrait shipped with scikit-image.

The portrait (NASA, Eileen Collins) has a mottled studio backdrop, a flag and a shuttle
model; `portrait()` cuts the head and shoulders out and puts them on a chosen background,
then each helper changes one property so that one face-check component should react.
"""

from __future__ import annotations

from functools import lru_cache

import cv2
import numpy as np
from skimage import data

# Head and shoulders, clear of the flag (left) and the shuttle (right).
_CROP = (slice(0, 340), slice(96, 356))
# Everything above this row (in the crop) outside the person becomes background.
_SHOULDER_ROW = 165


@lru_cache(maxsize=1)
def _person() -> tuple[np.ndarray, np.ndarray]:
    """The cropped portrait (BGR) and a mask of the person, computed once."""
    bgr = cv2.cvtColor(data.astronaut(), cv2.COLOR_RGB2BGR)[_CROP].copy()
    mask = np.zeros(bgr.shape[:2], np.uint8)
    background_model = np.zeros((1, 65), np.float64)
    foreground_model = np.zeros((1, 65), np.float64)
    cv2.setRNGSeed(7)  # GrabCut seeds k-means from OpenCV's generator: keep it repeatable.
    cv2.grabCut(bgr, mask, (40, 5, 190, 330), background_model, foreground_model, 4,
                cv2.GC_INIT_WITH_RECT)
    person = ((mask == cv2.GC_FGD) | (mask == cv2.GC_PR_FGD)).astype(np.uint8)
    # GrabCut loses the dark collar under the chin: keep the middle below the shoulders.
    person[_SHOULDER_ROW:, 30:230] = 1
    person = cv2.morphologyEx(person, cv2.MORPH_OPEN, np.ones((5, 5), np.uint8))
    return bgr, person


def portrait(scale: float = 3.0, background: tuple[int, int, int] | np.ndarray = (255, 255, 255)
             ) -> np.ndarray:
    """A head-and-shoulders photo on a plain background (BGR colour or a BGR image)."""
    bgr, person = _person()
    if isinstance(background, np.ndarray):
        backdrop = cv2.resize(background, (bgr.shape[1], bgr.shape[0]))
    else:
        backdrop = np.empty_like(bgr)
        backdrop[:] = background
    # Soft edge so the cut-out does not leave a hard outline in the background.
    alpha = cv2.GaussianBlur(person.astype(np.float32), (5, 5), 0)[..., None]
    composed = (bgr * alpha + backdrop * (1 - alpha)).astype(np.uint8)
    size = (round(composed.shape[1] * scale), round(composed.shape[0] * scale))
    return cv2.resize(composed, size, interpolation=cv2.INTER_CUBIC)


def original_background(scale: float = 3.0) -> np.ndarray:
    """The portrait with its own backdrop and the flag: not plain."""
    bgr = cv2.cvtColor(data.astronaut(), cv2.COLOR_RGB2BGR)[0:340, 0:300]
    return cv2.resize(bgr, None, fx=scale, fy=scale, interpolation=cv2.INTER_CUBIC)


def busy_background(scale: float = 3.0) -> np.ndarray:
    """The cut-out person in front of a striped, colourful wall."""
    rows, cols = 340, 260
    stripes = np.zeros((rows, cols, 3), np.uint8)
    for index in range(0, cols, 20):
        stripes[:, index:index + 10] = (40, 40, 200)
        stripes[:, index + 10:index + 20] = (230, 230, 230)
    return portrait(scale, stripes)


def grey(image: np.ndarray) -> np.ndarray:
    """Black and white."""
    return cv2.cvtColor(cv2.cvtColor(image, cv2.COLOR_BGR2GRAY), cv2.COLOR_GRAY2BGR)


def blurred(image: np.ndarray, sigma: float = 4.0) -> np.ndarray:
    """Out of focus."""
    return cv2.GaussianBlur(image, (0, 0), sigma)


def darkened(image: np.ndarray, factor: float = 0.3) -> np.ndarray:
    """Under-exposed."""
    return (image.astype(np.float32) * factor).astype(np.uint8)


def shrunk(image: np.ndarray, factor: float = 0.3) -> np.ndarray:
    """The same photo small in the middle of a white canvas of the original size."""
    small = cv2.resize(image, None, fx=factor, fy=factor, interpolation=cv2.INTER_AREA)
    canvas = np.full_like(image, 255)
    top = (image.shape[0] - small.shape[0]) // 2
    left = (image.shape[1] - small.shape[1]) // 2
    canvas[top:top + small.shape[0], left:left + small.shape[1]] = small
    return canvas


def two_faces(image: np.ndarray) -> np.ndarray:
    """Two people side by side."""
    return np.hstack([image, image])


def off_centre(image: np.ndarray) -> np.ndarray:
    """The person pushed to the left edge (white fills the right)."""
    shift = image.shape[1] // 3
    moved = np.full_like(image, 255)
    moved[:, : image.shape[1] - shift] = image[:, shift:]
    return moved


def eyes_closed(image: np.ndarray, scale: float = 3.0) -> np.ndarray:
    """Eyelids painted over both eyes: skin colour with a dark lash line."""
    closed = image.copy()
    skin = tuple(int(v) for v in image[round(118 * scale), round(128 * scale)])
    # Eye centres in the crop, measured on the portrait.
    for cx, cy in ((105, 101), (151, 103)):
        centre = (round(cx * scale), round(cy * scale))
        axes = (round(12 * scale), round(6 * scale))
        cv2.ellipse(closed, centre, axes, 0, 0, 360, skin, -1)
        cv2.ellipse(closed, centre, axes, 0, 0, 180, (60, 50, 50), max(1, round(scale)))
    return closed


def encode(image: np.ndarray, kind: str = "jpg", quality: int = 92) -> bytes:
    """The image as file bytes."""
    params = [cv2.IMWRITE_JPEG_QUALITY, quality] if kind == "jpg" else []
    ok, buffer = cv2.imencode(f".{kind}", image, params)
    assert ok
    return buffer.tobytes()
