"""Format readers: bytes of one format -> `Document`. One module per format family.

A reader has the signature `read(data: bytes, *, ocr: bool = True) -> Document` and raises
`UnreadableDocument` (or any exception) with a clear message on input it cannot read.
"""
from __future__ import annotations

import importlib

from ..model import Document


class UnreadableDocument(Exception):
    """The bytes cannot be read as the sniffed format (broken file, encrypted, empty …)."""


# format -> module in this package that reads it (module defines `read`)
READERS = {
    "html": "html",
    "text": "text",
    "markdown": "text",
    "pdf": "pdf",
    "docx": "docx",
    "doc": "doc",
    "wps": "doc",
    "xls": "xls",
    "xlsx": "xls",
    "image": "image",
    "gzip": "gzipped",  # containers: read what they hold
    "mht": "mht",
}
CONTAINERS = ("gzip", "mht")


def read_document(data: bytes, fmt: str, *, ocr: bool = True, content_type: str | None = None) -> Document:
    """`content_type` (the HTTP header, for its charset) is passed to the HTML reader only."""
    if fmt not in READERS:
        raise UnreadableDocument(f"unsupported format {fmt!r}")
    module = importlib.import_module(f"{__name__}.{READERS[fmt]}")
    if fmt == "markdown":
        doc: Document = module.read(data, ocr=ocr, markdown=True)
    elif fmt in ("html", *CONTAINERS):
        doc = module.read(data, ocr=ocr, content_type=content_type)
    else:
        doc = module.read(data, ocr=ocr)
    if fmt not in CONTAINERS:  # a container's document keeps the format it holds
        doc.source_format = fmt
    return doc
