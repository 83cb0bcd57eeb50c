"""Limits for reading untrusted documents — the one place they are defined.

Used by the OOXML readers (DOCX/XLSX: zip-bomb and entity-expansion defences, central directory
repair), by every reader for the limits checked before an allocation (table spans, image pixels,
sheet rows, PDF page content streams, OCR render size, inflated containers) and by
`parsers.safe` (size cap, time and memory limits of the isolated parse). The hostile-input
suite proving them is tests/hostile/.
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
MAX_IMAGE_PIXELS = 80_000_000  # checked from the image header, before any pixel is decoded
# decoded content streams of one PDF page; a page over it is skipped (that page, not the
# document). OGI_MAX_PAGE_CONTENT_MB overrides it (read when a PDF is opened).
MAX_PAGE_CONTENT_BYTES = 64 * 1024 * 1024
MAX_RENDER_PIXELS = 60_000_000  # a PDF page rendered for OCR (page area x render scale^2)

# tables (HTML / Word / spreadsheets): checked while reading, before the grid is allocated
MAX_SPAN = 200  # rowspan / colspan of one cell
MAX_TABLE_COLUMNS = 256
MAX_TABLE_CELLS = 100_000  # rows x columns of one table grid (a report table has ~600)
MAX_SHEET_ROWS = 20_000  # rows of one spreadsheet sheet (a report table has < 200)
MAX_SHEET_CELLS = 400_000

# HTML: nesting of wrapper tags (<font>, <span>, <div> …) kept; deeper wrappers are flattened
MAX_HTML_NESTING = 64
# containers: a gzip body or an MHT part never inflates past the document size cap
MAX_INFLATED_BYTES = MAX_DOCUMENT_BYTES

MAX_TITLE_CHARS = 200  # a longer "title" is running text, not a title


class UnsafeDocument(Exception):
    """The document exceeds a safety limit (zip bomb, entity expansion, too large …)."""


def page_content_cap() -> int:
    """The per-page content stream cap in bytes (MAX_PAGE_CONTENT_BYTES or the environment's
    OGI_MAX_PAGE_CONTENT_MB, so a parse in a child process can be given another cap)."""
    import os

    env = os.environ.get("OGI_MAX_PAGE_CONTENT_MB", "").strip()
    if env:
        try:
            return max(1, int(float(env) * 1024 * 1024))
        except ValueError:
            pass
    return MAX_PAGE_CONTENT_BYTES


def check_image_pixels(width: int, height: int, what: str = "image") -> None:
    """Refuse an image by its header's dimensions, before its pixels are decoded."""
    if width <= 0 or height <= 0:
        raise UnsafeDocument(f"{what} has no size ({width}x{height})")
    if width * height > MAX_IMAGE_PIXELS:
        raise UnsafeDocument(f"{what} is {width}x{height} = {width * height / 1e6:.0f} megapixels "
                             f"(limit {MAX_IMAGE_PIXELS / 1e6:.0f}): decompression bomb?")


def render_dpi(width_pt: float, height_pt: float, dpi: float, min_dpi: float = 72.0) -> float:
    """The resolution to render a page of this size for OCR: `dpi`, lowered so the bitmap
    stays within MAX_RENDER_PIXELS; a page too large even at `min_dpi` is refused — checked
    from the page size, before anything is rendered."""
    area_in2 = max(width_pt, 1.0) * max(height_pt, 1.0) / (72.0 * 72.0)
    if area_in2 * dpi * dpi <= MAX_RENDER_PIXELS:
        return dpi
    fit = (MAX_RENDER_PIXELS / area_in2) ** 0.5
    if fit < min_dpi:
        raise UnsafeDocument(f"page is {width_pt:.0f}x{height_pt:.0f} pt: too large to render for OCR "
                             f"(over {MAX_RENDER_PIXELS / 1e6:.0f} megapixels even at {min_dpi:.0f} dpi)")
    return fit


def inflate_capped(data: bytes, *, limit: int | None = None, wbits: int = 47) -> bytes:
    """gzip/zlib data inflated chunk by chunk, never past `limit` (default MAX_INFLATED_BYTES).
    wbits 47 accepts gzip and zlib headers."""
    import zlib

    limit = MAX_INFLATED_BYTES if limit is None else limit
    d = zlib.decompressobj(wbits)
    out = bytearray()
    buf = data
    while buf:
        out += d.decompress(buf, 1024 * 1024)
        if len(out) > limit:
            raise UnsafeDocument(f"compressed data inflates past {limit} bytes")
        buf = d.unconsumed_tail
        if d.eof:
            break
    return bytes(out)


def open_zip_checked(data: bytes) -> zipfile.ZipFile:
    """Open a zip container after checking member count, sizes and compression ratios.

    Sizes come from the central directory; reads through `read_member` are capped again, so a
    lying directory cannot inflate past the limits."""
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        zf.repaired = 0  # type: ignore[attr-defined]
    except zipfile.BadZipFile as exc:
        # a damaged or missing central directory: rebuild it from the local file headers
        members = recover_zip_members(data)
        if not members:
            raise UnsafeDocument(f"not a valid zip container: {exc}") from exc
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as out:
            for name, content in dict(members).items():  # a name written twice: its last copy
                out.writestr(name, content)
        zf = zipfile.ZipFile(io.BytesIO(buf.getvalue()))
        zf.repaired = len(members)  # type: ignore[attr-defined]
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


def recover_zip_members(data: bytes) -> list[tuple[str, bytes]]:
    """(name, content) of every member whose local file header and data are intact, read in
    file order without the central directory; the zip limits apply while inflating. Members
    whose data is cut off or corrupt are left out."""
    import struct
    import zlib

    out: list[tuple[str, bytes]] = []
    total = 0
    pos = 0
    while len(out) <= ZIP_MAX_MEMBERS:
        i = data.find(b"PK\x03\x04", pos)
        if i < 0 or i + 30 > len(data):
            break
        _, _, flag, method, _, _, _, csize, _, nlen, xlen = struct.unpack_from("<IHHHHHIIIHH", data, i)
        start = i + 30 + nlen + xlen
        try:
            name = data[i + 30:i + 30 + nlen].decode("utf-8" if flag & 0x800 else "cp437")
        except UnicodeDecodeError:
            pos = i + 4
            continue
        pos = i + 4
        if flag & 1 or name.endswith("/"):
            continue  # encrypted member or a directory
        if method == 0 and not flag & 8:
            content, used = data[start:start + csize], csize
        elif method == 8:
            d = zlib.decompressobj(-15)
            parts: list[bytes] = []
            size, off = 0, start
            end = min(start + csize if csize and not flag & 8 else len(data), len(data))
            try:
                while off < end and not d.eof:
                    chunk = data[off:min(end, off + 65536)]  # never empty: off < end <= len(data)
                    piece = d.decompress(chunk, ZIP_MAX_MEMBER_UNCOMPRESSED + 1 - size)
                    size += len(piece)
                    parts.append(piece)
                    if size > ZIP_MAX_MEMBER_UNCOMPRESSED or d.unconsumed_tail:
                        raise UnsafeDocument(f"zip member {name!r} inflates past {ZIP_MAX_MEMBER_UNCOMPRESSED} bytes")
                    off += len(chunk) - len(d.unused_data)
            except zlib.error:
                continue
            if not d.eof:
                continue  # cut off
            content, used = b"".join(parts), off - start
            if len(content) > 1024 * 1024 and len(content) > ZIP_MAX_RATIO * max(used, 1):
                raise UnsafeDocument(f"zip member {name!r} has compression ratio "
                                     f"{len(content) // max(used, 1)} (limit {ZIP_MAX_RATIO}): zip bomb?")
        else:
            continue
        total += len(content)
        if total > ZIP_MAX_TOTAL_UNCOMPRESSED:
            raise UnsafeDocument(f"zip inflates to more than {ZIP_MAX_TOTAL_UNCOMPRESSED} bytes")
        out.append((name, content))
        pos = max(pos, start + used)
    return out


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
