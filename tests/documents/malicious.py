"""Hostile and broken files for the upload gate, built in memory."""

from __future__ import annotations

import io
import struct
import zlib

from PIL import Image
from pypdf import PdfWriter
from pypdf.generic import ArrayObject, DictionaryObject, NameObject, TextStringObject


def _png_chunk(kind: bytes, body: bytes) -> bytes:
    return (
        struct.pack(">I", len(body))
        + kind
        + body
        + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
    )


def png_bomb(side: int = 20_000) -> bytes:
    """A valid grey PNG of side x side pixels that compresses to a few hundred kilobytes."""
    header = struct.pack(">IIBBBBB", side, side, 8, 0, 0, 0, 0)
    compressor = zlib.compressobj(9)
    row = bytes(side + 1)  # filter byte + black pixels
    body = b"".join(compressor.compress(row) for _ in range(side)) + compressor.flush()
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", body)
        + _png_chunk(b"IEND", b"")
    )


def pdf(pages: int = 1, *, javascript: bool = False, author: str | None = None) -> bytes:
    """A PDF of blank pages, optionally running a script on open or naming its author."""
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    if javascript:
        # A document-level script in the name tree, built by hand (version-independent).
        script = DictionaryObject(
            {
                NameObject("/S"): NameObject("/JavaScript"),
                NameObject("/JS"): TextStringObject("app.alert('hi');"),
            }
        )
        names = DictionaryObject(
            {
                NameObject("/JavaScript"): DictionaryObject(
                    {
                        NameObject("/Names"): ArrayObject(
                            [TextStringObject("x"), writer._add_object(script)]
                        )
                    }
                )
            }
        )
        writer._root_object[NameObject("/Names")] = writer._add_object(names)
    if author:
        writer.add_metadata({"/Author": author})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def pdf_with_launch_action() -> bytes:
    """A PDF whose open action launches a program."""
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    action = DictionaryObject(
        {NameObject("/S"): NameObject("/Launch"), NameObject("/F"): TextStringObject("cmd.exe")}
    )
    writer._root_object[NameObject("/OpenAction")] = writer._add_object(action)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _box(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", 8 + len(body)) + kind + body


def mp4(brand: bytes = b"isom", secret: bytes = b"GPS +39.9042+116.4074/") -> bytes:
    """A minimal MP4 layout (ftyp, moov with a user-data box, mdat)."""
    ftyp = _box(b"ftyp", brand + b"\x00\x00\x02\x00" + brand + b"mp41")
    mvhd = _box(b"mvhd", bytes(100))
    udta = _box(b"udta", _box(b"\xa9xyz", secret))
    moov = _box(b"moov", mvhd + _box(b"trak", _box(b"tkhd", bytes(84))) + udta)
    return ftyp + moov + _box(b"mdat", bytes(4096))


def jpeg_with_exif(image: Image.Image, camera: str = "SecretCam 3000") -> bytes:
    """A JPEG carrying EXIF (camera model, orientation 6 = rotated 90 degrees clockwise)."""
    exif = Image.Exif()
    exif[0x0110] = camera  # Model
    exif[0x0112] = 6  # Orientation
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif.tobytes(), quality=90)
    return out.getvalue()
