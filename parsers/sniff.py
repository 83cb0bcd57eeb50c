"""Format sniffing: decide a document's format from its bytes first, then name and type."""
from __future__ import annotations

import io
import zipfile

_EXT = {
    ".html": "html", ".htm": "html", ".shtml": "html", ".jhtml": "html", ".xhtml": "html",
    ".txt": "text", ".md": "markdown", ".pdf": "pdf", ".docx": "docx", ".doc": "doc",
    ".wps": "wps", ".xls": "xls", ".xlsx": "xlsx", ".et": "xls",
    ".mht": "mht", ".mhtml": "mht", ".png": "image", ".jpg": "image", ".jpeg": "image", ".gif": "image", ".bmp": "image", ".tif": "image",
}
_CT = {
    "text/html": "html", "application/xhtml+xml": "html", "text/plain": "text", "text/markdown": "markdown",
    "application/pdf": "pdf", "application/msword": "doc", "application/vnd.ms-works": "wps",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
    "application/vnd.ms-excel": "xls",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
}


def _from_name(filename: str | None) -> str | None:
    if not filename:
        return None
    name = filename.lower().split("?", 1)[0].split("#", 1)[0]
    for ext, fmt in _EXT.items():
        if name.endswith(ext):
            return fmt
    return None


def _from_content_type(content_type: str | None) -> str | None:
    if not content_type:
        return None
    return _CT.get(content_type.split(";", 1)[0].strip().lower())


def _ole_kind(data: bytes) -> str | None:
    """'doc' (Word 97 / WPS), 'xls' (BIFF workbook) or None, from the OLE2 stream names."""
    try:
        import olefile

        ole = olefile.OleFileIO(io.BytesIO(data))
    except Exception:
        return None
    try:
        if ole.exists("WordDocument"):
            return "doc"
        if ole.exists("Workbook") or ole.exists("Book"):
            return "xls"
        return None
    finally:
        ole.close()


def _is_mht(head: bytes) -> bool:
    """A MIME web archive (.mht/.mhtml, or one renamed .doc): MIME headers, multipart/related."""
    low = head[:2048].lower()
    return (low.startswith((b"mime-version:", b"from:", b"content-type:", b"date:", b"subject:", b"x-"))
            and b"multipart/related" in low)


def sniff_format(data: bytes, filename: str | None = None, content_type: str | None = None) -> str:
    """Return one of html, text, markdown, pdf, docx, xlsx, doc, wps, xls, image, gzip, mht, unknown.

    Magic bytes win over the name and the Content-Type (portals serve PDFs as
    application/octet-stream and HTML error pages as .pdf)."""
    head = data[:2048]
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"%PDF") or b"%PDF-" in head[:1024]:
        return "pdf"
    if head.startswith(b"\x1f\x8b"):  # gzip body saved as the document
        return "gzip"
    if _is_mht(head):
        return "mht"
    if head.startswith(b"PK\x03\x04"):
        try:
            names = zipfile.ZipFile(io.BytesIO(data)).namelist()
        except zipfile.BadZipFile:
            # damaged central directory: the local file headers still name the parts
            if b"word/document" in data:
                return "docx"
            if b"xl/workbook" in data:
                return "xlsx"
            return _from_name(filename) or "unknown"
        if any(n.startswith("word/") for n in names):
            return "docx"
        if any(n.startswith("xl/") for n in names):
            return "xlsx"
        return "unknown"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):  # OLE2 compound file
        hint = _from_name(filename) or _from_content_type(content_type)
        kind = _ole_kind(data)
        if kind == "doc":
            return "wps" if hint == "wps" else "doc"
        if kind == "xls":
            return "xls"
        if hint in ("doc", "wps", "xls"):
            return hint
        return "doc"
    if head[:8] in (b"\x89PNG\r\n\x1a\n",) or head[:3] == b"\xff\xd8\xff" or head[:4] in (b"GIF8", b"II*\x00", b"MM\x00*"):
        return "image"
    low = stripped[:1024].lower()
    hint = _from_name(filename) or _from_content_type(content_type)
    if low.startswith((b"<!doctype html", b"<html", b"<?xml")) or b"<html" in low or b"<body" in low:
        return "html"
    if b"<table" in low:
        # an HTML fragment: a page without its <html>/<body> unless the name says text or
        # markdown (PDF-to-markdown converters write complex tables as HTML)
        return hint if hint in ("text", "markdown") else "html"
    if hint in ("text", "markdown", "html"):
        return hint
    if hint is None and b"\x00" not in head:
        return "text"
    return hint or "unknown"
