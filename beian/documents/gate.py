"""The upload gate: what a file is, decided from its bytes, and a cleaned copy to store.

Nothing here trusts the file name. Images are decoded under a pixel limit and written
anew from their pixels, which drops EXIF, ICC profiles, comments and anything appended
after the image (polyglots). PDFs are parsed, refused when they carry scripts or
attachments, and rewritten without their metadata. MP4 files are walked box by box; their
metadata boxes are blanked in place so that sample offsets stay valid.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageOps

# The field kinds and what each accepts are pure data, shared with the pre-check;
# re-exported here, where the upload code has always found them.
from beian.core.media import ACCEPTED as ACCEPTED
from beian.core.media import JPEG as JPEG
from beian.core.media import MP4 as MP4
from beian.core.media import PDF as PDF
from beian.core.media import PNG as PNG
from beian.core.media import kind_for_field as kind_for_field
from beian.documents import mp4, pdf
from beian.documents.errors import Refusal

EXTENSIONS = {JPEG: "jpg", PNG: "png", PDF: "pdf", MP4: "mp4"}
NAMES = {JPEG: "JPEG", PNG: "PNG", PDF: "PDF", MP4: "MP4"}


@dataclass(frozen=True)
class Limits:
    """Upload limits; the sizes of letters and videos are our inference, keep them configurable."""

    image_bytes: int = 2 * 1024 * 1024
    pdf_bytes: int = 5 * 1024 * 1024
    video_bytes: int = 50 * 1024 * 1024
    # A 2 MB PNG can declare a 100 000 x 100 000 canvas; refuse before decoding.
    max_pixels: int = 40_000_000
    max_side: int = 12_000
    pdf_pages: int = 20


@dataclass(frozen=True)
class Cleaned:
    """An accepted file: its identified type and the bytes to store."""

    content_type: str
    data: bytes
    width: int | None = None
    height: int | None = None
    pages: int | None = None

    @property
    def extension(self) -> str:
        """The extension of the stored name, from the content type."""
        return EXTENSIONS[self.content_type]


def sniff(data: bytes) -> str | None:
    """The content type announced by the file's first bytes, or None if not one we take."""
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if data.startswith(b"%PDF-"):
        return PDF
    if len(data) >= 12 and data[4:8] == b"ftyp":
        return MP4
    return None


def inspect(kind: str, data: bytes, limits: Limits | None = None) -> Cleaned:
    """Identify, bound and clean an upload for a field of `kind`; raise Refusal otherwise."""
    limits = limits or Limits()
    accepted = ACCEPTED[kind]
    names = "、".join(NAMES[t] for t in accepted)
    if not data:
        raise Refusal(6001, "文件为空", f"请上传 {names} 格式的文件")
    content_type = sniff(data)
    if content_type not in accepted:
        raise Refusal(
            6002, "文件内容不是允许的格式（按文件内容判断，与扩展名无关）",
            f"此处只接受 {names} 格式的文件，请转换格式后重新上传",
        )
    if content_type in (JPEG, PNG):
        return clean_image(content_type, data, limits)
    if content_type == PDF:
        _check_size(data, limits.pdf_bytes)
        pdf_data, pages = pdf.clean(data, max_pages=limits.pdf_pages)
        return Cleaned(PDF, pdf_data, pages=pages)
    _check_size(data, limits.video_bytes)
    return Cleaned(MP4, mp4.clean(data))


def _check_size(data: bytes, maximum: int) -> None:
    if len(data) > maximum:
        raise Refusal(
            6003, f"文件大小 {len(data) / 1048576:.1f} MB 超过上限 {maximum / 1048576:.0f} MB",
            "请压缩或降低分辨率后重新上传",
        )


def clean_image(content_type: str, data: bytes, limits: Limits) -> Cleaned:
    """Decode a JPEG or PNG under the pixel limit and re-encode it without metadata."""
    _check_size(data, limits.image_bytes)
    unreadable = Refusal(6005, "图片文件已损坏或不完整，无法读取", "请重新拍摄或导出图片后上传")
    expected_format = "JPEG" if content_type == JPEG else "PNG"
    with warnings.catch_warnings():
        # Pillow warns on large canvases; our own limit below is stricter, so treat as refusal.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data))
            width, height = image.size
            if image.format != expected_format:
                raise unreadable
            _check_pixels(width, height, limits)
            if getattr(image, "n_frames", 1) > 1:
                raise Refusal(6006, "不接受动图", "请上传单张静态图片")
            image.load()
        except Refusal:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise _pixel_refusal(limits) from None
        except (OSError, SyntaxError, ValueError) as error:
            raise unreadable from error
    upright = _normalise_mode(ImageOps.exif_transpose(image))
    out = io.BytesIO()
    if content_type == JPEG:
        # High quality, no chroma subsampling: the checks and OCR read what is stored.
        upright.save(out, "JPEG", quality=95, subsampling=0)
    else:
        upright.save(out, "PNG", compress_level=6)
    return Cleaned(content_type, out.getvalue(), width=upright.width, height=upright.height)


def _check_pixels(width: int, height: int, limits: Limits) -> None:
    if width <= 0 or height <= 0 or width * height > limits.max_pixels or max(
        width, height
    ) > limits.max_side:
        raise _pixel_refusal(limits)


def _pixel_refusal(limits: Limits) -> Refusal:
    return Refusal(
        6004, f"图片像素过多（上限 {limits.max_pixels // 1_000_000} 百万像素，"
        f"单边不超过 {limits.max_side} 像素）",
        "请缩小图片尺寸后重新上传",
    )


def _normalise_mode(image: Image.Image) -> Image.Image:
    """Grey stays grey (the colour check must see it); everything else becomes RGB."""
    if image.mode in ("L", "RGB"):
        return image
    if image.mode in ("RGBA", "LA", "P", "PA") or "transparency" in image.info:
        rgba = image.convert("RGBA")
        # Transparent areas become white, as they would look on paper.
        flat = Image.new("RGB", rgba.size, (255, 255, 255))
        flat.paste(rgba, mask=rgba.getchannel("A"))
        return flat
    if image.mode.startswith("I"):
        # 16-bit grey: keep the high byte.
        values = np.asarray(image, dtype=np.uint32) >> 8
        return Image.fromarray(np.clip(values, 0, 255).astype(np.uint8), "L")
    return image.convert("RGB")
