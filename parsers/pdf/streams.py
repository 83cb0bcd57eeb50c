"""Checks on a PDF's raw streams, made before a PDF library interprets any page:

- `oversized_pages`: the decoded size of each page's content streams (and the form XObjects
  it draws), inflated chunk by chunk and never past the cap, so a page with a 1 GiB content
  stream is skipped — that page, not the document — before pdfium or pdfminer allocates it;
- `crlf_mangled`: a binary file whose every LF became CRLF (an FTP ASCII-mode transfer),
  recognised by compressed streams that only inflate once the conversion is reverted;
- `corrupt_streams`: how many compressed streams fail to inflate ("damaged PDF").
"""
from __future__ import annotations

import io
import re
import zlib

_STREAM = re.compile(rb"(?<!end)stream\r?\n")
_CHUNK = 1024 * 1024


class PasswordProtected(Exception):
    """The PDF needs a user password to be opened."""


def _inflated_size(raw: bytes, cap: int) -> int:
    """Bytes a FlateDecode stream inflates to, counting at most cap + 1 (nothing is kept)."""
    d = zlib.decompressobj()
    total = 0
    buf = raw
    try:
        while buf and total <= cap:
            total += len(d.decompress(buf, _CHUNK))
            buf = d.unconsumed_tail
            if d.eof:
                break
    except zlib.error:
        pass  # a corrupt stream: what inflated so far
    return total


def _stream_size(stream, cap: int) -> int:
    from pdfminer.psparser import LIT

    raw = stream.rawdata if stream.rawdata is not None else (stream.data or b"")
    if stream.rawdata is not None and getattr(stream, "decipher", None):
        try:  # an encrypted file opened with the empty user password (owner-only restrictions)
            raw = stream.decipher(stream.objid, stream.genno, raw, stream.attrs)
        except Exception:
            pass
    filters = [f for f, _ in stream.get_filters()]
    if not filters:
        return len(raw)
    if len(filters) == 1 and filters[0] in (LIT("FlateDecode"), LIT("Fl")):
        return _inflated_size(raw, cap)
    if len(raw) <= 1024 * 1024:  # other filters: small enough to decode whole
        try:
            return len(stream.get_data())
        except Exception:
            return len(raw)
    return len(raw) * 4  # a large stream under a rare filter: a conservative estimate


def oversized_pages(data: bytes, cap: int, max_pages: int | None = None) -> dict[int, int]:
    """{0-based page index: decoded content bytes (at least cap + 1)} of the pages over `cap`.
    Raises PasswordProtected for a PDF that needs a password; other opening errors are left
    to the PDF readers (which repair broken cross-reference tables)."""
    from pdfminer.pdfdocument import PDFDocument, PDFPasswordIncorrect
    from pdfminer.pdfpage import PDFPage
    from pdfminer.pdfparser import PDFParser
    from pdfminer.pdftypes import PDFStream, resolve1
    from pdfminer.psparser import LIT

    try:
        doc = PDFDocument(PDFParser(io.BytesIO(data)))
    except PDFPasswordIncorrect as exc:
        raise PasswordProtected(str(exc)) from exc
    except Exception:
        return {}
    out: dict[int, int] = {}
    try:
        for i, page in enumerate(PDFPage.create_pages(doc)):
            if max_pages is not None and i >= max_pages:
                break
            total = 0
            streams = [s for s in (page.contents or []) if isinstance(s, PDFStream)]
            xobjects = resolve1((page.resources or {}).get("XObject")) or {}
            if isinstance(xobjects, dict):
                for ref in xobjects.values():
                    x = resolve1(ref)
                    if isinstance(x, PDFStream) and x.get("Subtype") == LIT("Form"):
                        streams.append(x)
            for s in streams:
                total += _stream_size(s, cap - total)
                if total > cap:
                    out[i] = total
                    break
    except Exception:
        pass  # a broken page tree: the readers report it
    return out


def _flate_bodies(data: bytes, limit: int = 8):
    """Raw bodies of the first `limit` FlateDecode streams (looked up by their dictionaries)."""
    found = 0
    for m in _STREAM.finditer(data):
        head = data[max(0, m.start() - 400):m.start()]
        if b"FlateDecode" not in head[head.rfind(b" obj"):]:  # rfind -1: the whole window
            continue
        end = data.find(b"endstream", m.end())
        if end < 0:
            break
        yield data[m.end():end]
        found += 1
        if found >= limit:
            break


def corrupt_streams(data: bytes, limit: int = 8) -> tuple[int, int]:
    """(corrupt, checked) among the first `limit` FlateDecode streams."""
    bad = checked = 0
    for body in _flate_bodies(data, limit):
        checked += 1
        try:
            zlib.decompressobj().decompress(body, 65536)
        except zlib.error:
            bad += 1
    return bad, checked


def crlf_mangled(data: bytes) -> bytes | None:
    """The file with CRLF turned back into LF when every LF in it was made CRLF (FTP ASCII
    mode) and that repairs its compressed streams; else None."""
    crlf = data.count(b"\r\n")
    if not crlf or data.count(b"\n") != crlf:
        return None
    bad, checked = corrupt_streams(data)
    if not checked or not bad:
        return None
    fixed = data.replace(b"\r\n", b"\n")
    bad2, checked2 = corrupt_streams(fixed)
    return fixed if checked2 and bad2 < bad else None
