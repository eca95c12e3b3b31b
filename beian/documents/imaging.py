"""Image helpers shared by the document and face checks: decoding and measurements."""

from __future__ import annotations

import io
import warnings

import cv2
import numpy as np
from PIL import Image

from beian.documents.errors import Refusal
from beian.documents.gate import Limits


def decode(data: bytes, limits: Limits | None = None) -> np.ndarray:
    """Decode JPEG or PNG bytes to a BGR array, refusing pixel floods before decoding."""
    limits = limits or Limits()
    unreadable = Refusal(6005, "图片文件已损坏或不完整，无法读取", "请重新拍摄或导出图片后上传")
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            header = Image.open(io.BytesIO(data))
            width, height = header.size
            fmt = header.format
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise Refusal(6004, "图片像素过多", "请缩小图片尺寸后重新上传") from None
        except (OSError, SyntaxError, ValueError):
            raise unreadable from None
    if fmt not in ("JPEG", "PNG"):
        raise Refusal(6002, "图片格式须为 JPEG 或 PNG", "请转换为 JPG 或 PNG 后重新上传")
    if width * height > limits.max_pixels or max(width, height) > limits.max_side:
        raise Refusal(6004, "图片像素过多", "请缩小图片尺寸后重新上传")
    # OpenCV applies the EXIF orientation, as a person viewing the photo would see it.
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    if image is None:
        raise unreadable
    return image


def fit(image: np.ndarray, longest: int) -> tuple[np.ndarray, float]:
    """Shrink so the longest side is at most `longest`; return the image and the factor."""
    side = max(image.shape[:2])
    if side <= longest:
        return image, 1.0
    factor = longest / side
    size = (round(image.shape[1] * factor), round(image.shape[0] * factor))
    return cv2.resize(image, size, interpolation=cv2.INTER_AREA), factor


def chroma(image: np.ndarray) -> np.ndarray:
    """Per-pixel colourfulness: distance from grey in CIELAB (0 for a grey pixel)."""
    lab = cv2.cvtColor(image, cv2.COLOR_BGR2LAB).astype(np.float32)
    return np.hypot(lab[..., 1] - 128.0, lab[..., 2] - 128.0)


def laplacian_variance(grey: np.ndarray) -> float:
    """Variance of the Laplacian: high for sharp edges, low when blurred."""
    return float(cv2.Laplacian(grey, cv2.CV_64F).var())
