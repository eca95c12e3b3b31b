"""Certificate photo checks: size, colour, sharpness and content, each with its measure.

Measurements are taken on a copy whose longest side is 1280 pixels (the minimum the
rules ask for), so thresholds mean the same for every upload.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from beian.documents.errors import Refusal
from beian.documents.imaging import decode, fit
from beian.documents.report import FAIL, PASS, Component, Report, at_least

MEASURE_SIDE = 1280


@dataclass(frozen=True)
class DocumentThresholds:
    """The limits certificate photos are held to."""

    min_short_side: int = 720
    min_long_side: int = 1280
    # 99th percentile of colourfulness after removing the overall colour cast (CIELAB
    # chroma): a grey photocopy under warm light has a cast but no colour of its own.
    min_colour: float = 10.0
    # Laplacian variance of the sharpest tenth of the page's 8 x 8 tiles.
    min_sharpness: float = 50.0
    # Share of edge pixels (Canny): text and pictures make edges, an empty sheet does not.
    min_content: float = 0.005


DEFAULT = DocumentThresholds()


def check_certificate_photo(data: bytes, thresholds: DocumentThresholds = DEFAULT) -> Report:
    """Check a certificate photo (JPEG/PNG bytes); the verdict is pass or fail."""
    try:
        image = decode(data)
    except Refusal as refusal:
        return Report((Component("ImageReadable", 0, "readable JPEG/PNG", FAIL,
                                 refusal.errmsg + "，" + refusal.suggest),))
    return check_certificate_array(image, thresholds)


def check_certificate_array(image: np.ndarray, thresholds: DocumentThresholds = DEFAULT
                            ) -> Report:
    """The certificate checks of a decoded BGR image."""
    t = thresholds
    height, width = image.shape[:2]
    short, long = sorted((width, height))
    big_enough = short >= t.min_short_side and long >= t.min_long_side
    resolution = Component(
        "Resolution", f"{width}x{height}",
        f">= {t.min_short_side}x{t.min_long_side} (either orientation)",
        PASS if big_enough else FAIL,
        f"证件照片分辨率不足，须至少 {t.min_short_side}×{t.min_long_side} 像素，请用原图上传",
    )
    small, _ = fit(image, MEASURE_SIDE)
    grey = cv2.cvtColor(small, cv2.COLOR_BGR2GRAY)
    return Report((
        resolution,
        at_least("Colour", colour_spread(small), t.min_colour,
                 "请上传证件原件的彩色照片或彩色扫描件，不接受黑白复印件", 1),
        at_least("Sharpness", tile_sharpness(grey), t.min_sharpness,
                 "照片模糊，请对焦清晰、保持稳定后重新拍摄", 1),
        at_least("ContentPresent", edge_share(grey), t.min_content,
                 "照片几乎空白，请拍摄证件内容完整的一面", 4),
    ))


def colour_spread(image: np.ndarray) -> float:
    """99th percentile of chroma around the image's median colour (0 for grey + any tint)."""
    lab = cv2.cvtColor(image, cv2.COLOR_BGR2LAB).astype(np.float32)
    a, b = lab[..., 1], lab[..., 2]
    spread = np.hypot(a - np.median(a), b - np.median(b))
    return float(np.percentile(spread, 99))


def tile_sharpness(grey: np.ndarray, grid: int = 8) -> float:
    """Laplacian variance of the 90th-percentile tile: text areas decide, margins do not."""
    laplacian = cv2.Laplacian(grey, cv2.CV_64F)
    rows, cols = grey.shape[0] // grid, grey.shape[1] // grid
    if rows == 0 or cols == 0:
        return 0.0
    tiles = sorted(
        float(laplacian[i * rows:(i + 1) * rows, j * cols:(j + 1) * cols].var())
        for i in range(grid) for j in range(grid)
    )
    return tiles[int(0.9 * len(tiles))]


def edge_share(grey: np.ndarray) -> float:
    """Share of pixels on an edge."""
    return float((cv2.Canny(grey, 60, 160) > 0).mean())
