"""MHT / MHTML (a web page saved by IE or Word as one MIME file, often renamed `.doc`): the
first text/html part is read by the HTML reader with its declared charset."""
from __future__ import annotations

import email
import email.policy

from ..model import Document
from . import UnreadableDocument


def html_part(data: bytes) -> tuple[bytes, str | None]:
    """(the HTML part's decoded bytes, its charset) of a MIME multipart file."""
    msg = email.message_from_bytes(data, policy=email.policy.compat32)
    for part in msg.walk():
        if part.get_content_type() in ("text/html", "application/xhtml+xml") and not part.is_multipart():
            payload = part.get_payload(decode=True)
            if payload:
                return payload, part.get_content_charset()
    raise UnreadableDocument("MHT (web archive) file without an HTML part")


def read(data: bytes, *, ocr: bool = True, content_type: str | None = None) -> Document:
    from . import html

    body, charset = html_part(data)
    doc = html.read(body, ocr=ocr, content_type=f"text/html; charset={charset}" if charset else None)
    doc.warnings.insert(0, "MHT (web archive) file: read its HTML part")
    return doc
