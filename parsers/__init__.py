"""Pure code from bytes to a `ParsedReport`.

    from parsers import parse_bytes
    report = parse_bytes(data, filename="report.pdf")

No network, no database, no files written. Format readers live in `parsers/formats/`; the
format-neutral assembly (sections, canonical cells, metadata, checks) in `parsers/assemble.py`.
"""
from __future__ import annotations

import os

# onnxruntime (OCR) builds since 1.29 send telemetry on session creation unless this is set before
# the library initialises; parsers is imported before any OCR code, so this is the one place.
os.environ["ORT_DISABLE_TELEMETRY"] = "1"

from .model import CheckResult, Document, Paragraph, ParsedReport, Table

# Bump when a change can alter any parsed value: the warehouse re-parses by this.
PARSER_VERSION = "0.6.1"

__all__ = ["PARSER_VERSION", "CheckResult", "Document", "Paragraph", "ParsedReport", "Table", "parse_bytes"]


def parse_bytes(data: bytes, filename: str | None = None, content_type: str | None = None,
                *, source: str | None = None, ocr: bool = True) -> ParsedReport:
    """Parse one document. Never raises for bad input: errors come back as a failed report."""
    from .assemble import assemble
    from .formats import read_document
    from .sniff import sniff_format

    fmt = sniff_format(data, filename, content_type)
    src = source or filename or "<bytes>"
    try:
        doc = read_document(data, fmt, ocr=ocr, content_type=content_type)
    except Exception as exc:  # a reader failing on one document must not stop a run
        return ParsedReport.failure(src, fmt, PARSER_VERSION, f"{type(exc).__name__}: {exc}")
    try:
        return assemble(doc, source=src)
    except Exception as exc:
        return ParsedReport.failure(src, fmt, PARSER_VERSION, f"{type(exc).__name__}: {exc}")
