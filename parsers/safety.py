"""Limits for reading untrusted documents — the one place they are defined.

Used by the OOXML readers (DOCX/XLSX: zip-bomb and entity-expansion defences) and by
`parsers.safe` (size cap, time and memory limits of the isolated parse).
"""
from __future__ import annotations

import io
import zipfile

MAX_DOCUMENT_BYTES = 200 * 1024 * 1024  # size cap of one downloaded document
DEFAULT_TIMEOUT_S = 120
DEFAULT_OCR_TIMEOUT_S = 600  # PDFs/images that may need OCR (seconds per scanned page)
DEFAULT_MEMORY_MB = 2048

# zip containers (DOCX, XLSX)
ZIP_MAX_MEMBERS = 2000
ZIP_MAX_TOTAL_UNCOMPRESSED = 300 * 1024 * 1024
ZIP_MAX_MEMBER_UNCOMPRESSED = 150 * 1024 * 1024
ZIP_MAX_RATIO = 200  # uncompressed / compressed, per member larger than 1 MiB

# PDF / images
MAX_PDF_PAGES = 500
MAX_IMAGE_PIXELS = 80_000_000


class UnsafeDocument(Exception):
    """The document exceeds a safety limit (zip bomb, entity expansion, too large …)."""


def open_zip_checked(data: bytes) -> zipfile.ZipFile:
    """Open a zip container after checking member count, sizes and compression ratios.

    Sizes come from the central directory; reads through `read_member` are capped again, so a
    lying directory cannot inflate past the limits."""
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise UnsafeDocument(f"not a valid zip container: {exc}") from exc
    infos = zf.infolist()
    if len(infos) > ZIP_MAX_MEMBERS:
        raise UnsafeDocument(f"zip has {len(infos)} members (limit {ZIP_MAX_MEMBERS})")
    total = 0
    for info in infos:
        total += info.file_size
        if info.file_size > ZIP_MAX_MEMBER_UNCOMPRESSED:
            raise UnsafeDocument(f"zip member {info.filename!r} inflates to {info.file_size} bytes")
        if info.file_size > 1024 * 1024 and info.file_size > ZIP_MAX_RATIO * max(info.compress_size, 1):
            raise UnsafeDocument(
                f"zip member {info.filename!r} has compression ratio "
                f"{info.file_size // max(info.compress_size, 1)} (limit {ZIP_MAX_RATIO}): zip bomb?")
    if total > ZIP_MAX_TOTAL_UNCOMPRESSED:
        raise UnsafeDocument(f"zip inflates to {total} bytes (limit {ZIP_MAX_TOTAL_UNCOMPRESSED})")
    return zf


def read_member(zf: zipfile.ZipFile, name: str) -> bytes:
    """Read one zip member, never more than the per-member limit."""
    with zf.open(name) as fh:
        out = fh.read(ZIP_MAX_MEMBER_UNCOMPRESSED + 1)
    if len(out) > ZIP_MAX_MEMBER_UNCOMPRESSED:
        raise UnsafeDocument(f"zip member {name!r} inflates past {ZIP_MAX_MEMBER_UNCOMPRESSED} bytes")
    return out


def parse_xml(data: bytes):
    """Parse untrusted XML into an lxml element: no entity expansion, no DTD, no network.

    A DOCTYPE with entity declarations is refused outright (billion laughs, XXE)."""
    from lxml import etree

    head = data[:4096]
    if b"<!ENTITY" in data or b"<!DOCTYPE" in head:
        raise UnsafeDocument("XML with a DOCTYPE/entity declarations is refused")
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                             dtd_validation=False, huge_tree=False, remove_comments=True)
    return etree.fromstring(data, parser=parser)
