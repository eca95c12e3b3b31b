"""Which document fields take uploads, of which kind, and which file types each kind accepts.

Pure data shared by the upload gate (beian.documents.gate), which decides what an upload
is, and the pre-check (rules.uploads), which checks that a document names fitting uploads.
"""

from __future__ import annotations

import re

JPEG, PNG, PDF, MP4 = "image/jpeg", "image/png", "application/pdf", "video/mp4"

# What each kind of field accepts. Letters may be scanned (PDF) or photographed.
ACCEPTED: dict[str, tuple[str, ...]] = {
    "certificate": (JPEG, PNG),
    "photo": (JPEG, PNG),
    "letter": (PDF, JPEG, PNG),
    "document": (PDF, JPEG, PNG),
    "video": (MP4,),
}

# Field name (last segment of the dotted path, list indices dropped) -> kind.
_FIELD_RULES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"video"), "video"),
    (re.compile(r"face|verify_photo"), "photo"),
    (re.compile(r"certificate_photo|holding_certificate|residence_permit"), "certificate"),
    (re.compile(r"letter|proposal"), "letter"),
    (re.compile(r"media|materials?$"), "document"),
)


def kind_for_field(field: str) -> str | None:
    """The kind of document a filing field holds, or None for a field that takes no upload."""
    segments = [part for part in field.split(".") if part and not part.isdigit()]
    if not segments:
        return None
    name = segments[-1]
    for pattern, kind in _FIELD_RULES:
        if pattern.search(name):
            return kind
    return None
