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
}


def read_document(data: bytes, fmt: str, *, ocr: bool = True) -> Document:
    if fmt not in READERS:
        raise UnreadableDocument(f"unsupported format {fmt!r}")
    module = importlib.import_module(f"{__name__}.{READERS[fmt]}")
    doc: Document = module.read(data, ocr=ocr) if fmt != "markdown" else module.read(data, ocr=ocr, markdown=True)
    doc.source_format = fmt
    return doc
