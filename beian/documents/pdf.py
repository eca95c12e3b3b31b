"""PDF letters: parse, refuse active content, rewrite without metadata."""

from __future__ import annotations

import io
import logging
import warnings
from typing import Any

from pypdf import PdfReader, PdfWriter
from pypdf.errors import PdfReadError
from pypdf.generic import DictionaryObject, IndirectObject, NameObject

from beian.documents.errors import Refusal

# Keys that make a PDF do something when opened or carry other files inside it.
_ACTIVE_KEYS = {"/JavaScript", "/JS", "/Launch", "/EmbeddedFiles", "/EmbeddedFile",
                "/RichMedia", "/XFA", "/SubmitForm", "/ImportData", "/GoToR"}
_MAX_NODES = 200_000


def clean(data: bytes, *, max_pages: int) -> tuple[bytes, int]:
    """Return the rewritten PDF and its page count, or raise Refusal."""
    broken = Refusal(6005, "PDF 文件已损坏或不完整，无法读取", "请重新导出 PDF 后上传")
    if b"%%EOF" not in data[-2048:]:
        raise broken
    # pypdf reports recoverable damage through logging and warnings; keep both quiet.
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            reader = PdfReader(io.BytesIO(data), strict=False)
            if reader.is_encrypted:
                raise Refusal(6007, "PDF 文件已加密", "请上传未加密、无需密码即可打开的 PDF")
            pages = len(reader.pages)
            if pages == 0:
                raise broken
            if pages > max_pages:
                raise Refusal(6008, f"PDF 共 {pages} 页，超过上限 {max_pages} 页",
                              "请只上传所需的页面")
            if _has_active_content(reader.trailer["/Root"]):
                raise Refusal(6009, "PDF 含有脚本、附件或自动动作，不予接收",
                              "请用“打印为 PDF”或扫描的方式重新生成文件后上传")
            writer = PdfWriter(clone_from=reader)
            root = writer._root_object
            for key in ("/Metadata", "/OpenAction", "/AA", "/Names", "/AcroForm"):
                root.pop(NameObject(key), None)
            writer._info = None
            out = io.BytesIO()
            writer.write(out)
        except Refusal:
            raise
        except (PdfReadError, KeyError, ValueError, TypeError, AttributeError,
                RecursionError, OSError) as error:
            raise broken from error
    return out.getvalue(), pages


def _has_active_content(root: Any) -> bool:
    """Walk the object graph from the catalogue looking for active keys."""
    seen: set[tuple[int, int]] = set()
    stack = [root]
    visited = 0
    while stack:
        node = stack.pop()
        visited += 1
        if visited > _MAX_NODES:
            # A graph this large is not a letter; treat it as hostile rather than slow down.
            return True
        if isinstance(node, IndirectObject):
            ref = (node.idnum, node.generation)
            if ref in seen:
                continue
            seen.add(ref)
            node = node.get_object()
        if isinstance(node, DictionaryObject):
            if any(key in _ACTIVE_KEYS for key in node):
                return True
            if node.get("/S") in ("/JavaScript", "/Launch", "/SubmitForm", "/ImportData"):
                return True
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return False
