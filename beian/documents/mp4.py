"""MP4 promise videos: check the box structure and blank the metadata boxes."""

from __future__ import annotations

import struct

from beian.documents.errors import Refusal

# ISO base media brands of MP4 files (QuickTime "qt  " is not MP4).
_MP4_BRANDS = {b"isom", b"iso2", b"iso4", b"iso5", b"iso6", b"mp41", b"mp42", b"avc1",
               b"M4V ", b"MSNV", b"dash"}
# Boxes that hold user data (camera model, GPS position, titles); replaced by "free".
_METADATA = {b"udta", b"meta"}
# Containers whose children may hold metadata boxes.
_CONTAINERS = {b"moov", b"trak"}


def clean(data: bytes) -> bytes:
    """Return the video with its metadata boxes blanked, or raise Refusal."""
    if data[8:12] not in _MP4_BRANDS:
        raise Refusal(6002, "视频不是 MP4 格式", "请将视频导出为 MP4（H.264）格式后上传")
    boxes = _boxes(data, 0, len(data))
    types = [kind for kind, _, _ in boxes]
    if types[0] != b"ftyp" or b"moov" not in types or b"mdat" not in types:
        raise _broken()
    out = bytearray(data)
    _blank_metadata(out, boxes)
    return bytes(out)


def _broken() -> Refusal:
    return Refusal(6005, "视频文件已损坏或不完整，无法读取", "请重新导出视频后上传")


def _boxes(data: bytes, start: int, end: int) -> list[tuple[bytes, int, int]]:
    """(type, offset, size) of each box in data[start:end]; the boxes must tile it exactly."""
    boxes = []
    offset = start
    while offset < end:
        if end - offset < 8:
            raise _broken()
        size, kind = struct.unpack(">I4s", data[offset:offset + 8])
        header = 8
        if size == 1:
            if end - offset < 16:
                raise _broken()
            size = struct.unpack(">Q", data[offset + 8:offset + 16])[0]
            header = 16
        elif size == 0:
            size = end - offset
        if size < header or offset + size > end:
            # A box running past the end is what a truncated upload looks like.
            raise _broken()
        boxes.append((kind, offset, size))
        offset += size
    return boxes


def _blank_metadata(out: bytearray, boxes: list[tuple[bytes, int, int]]) -> None:
    for kind, offset, size in boxes:
        if kind in _METADATA:
            # Same size, so every offset in the file stays right.
            out[offset + 4:offset + 8] = b"free"
            header = 16 if struct.unpack(">I", out[offset:offset + 4])[0] == 1 else 8
            out[offset + header:offset + size] = bytes(size - header)
        elif kind in _CONTAINERS:
            header = 16 if struct.unpack(">I", out[offset:offset + 4])[0] == 1 else 8
            _blank_metadata(out, _boxes(bytes(out), offset + header, offset + size))
