"""A gzip body saved as the document (a portal serving `.html` gzip-compressed without a
`Content-Encoding` header): inflated under the document size cap, then read as what it holds."""
from __future__ import annotations

import zlib

from ..model import Document
from ..safety import UnsafeDocument, inflate_capped
from . import UnreadableDocument


def read(data: bytes, *, ocr: bool = True, content_type: str | None = None) -> Document:
    from ..sniff import sniff_format
    from . import read_document

    try:
        inner = inflate_capped(data)
    except UnsafeDocument as exc:
        raise UnreadableDocument(f"gzip-compressed body: {exc}") from exc
    except zlib.error as exc:
        raise UnreadableDocument(f"damaged gzip-compressed body: {exc}") from exc
    fmt = sniff_format(inner, None, content_type)
    if fmt in ("gzip", "unknown"):
        raise UnreadableDocument(f"gzip-compressed body holds {'another gzip stream' if fmt == 'gzip' else 'an unknown format'}")
    doc = read_document(inner, fmt, ocr=ocr, content_type=content_type)
    doc.warnings.insert(0, f"gzip-compressed body ({len(data)} bytes, served without Content-Encoding): "
                           f"inflated to {len(inner)} bytes of {fmt}")
    return doc
