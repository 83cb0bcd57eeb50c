"""PDF reader: ruled tables rebuilt from characters and ruling lines (pdfminer.six), text
lines to paragraphs, image-only / unmapped-font pages through OCR.

Back ends: pypdfium2 (fast path, the default) or pdfminer.six (the reference), chosen by
`OGI_PDF_BACKEND=pdfium|pdfminer`. Both feed the same layout code; tests prove them
cell-identical on every corpus PDF and generated fixture. The fast path hands a document to
pdfminer.six when pdfium cannot take it (rotated pages, a file pdfium fails to open or read).

Before any page is interpreted (`_guard`, parsers/pdf/streams.py): a file whose every LF became
CRLF (FTP ASCII mode) is reverted; each page's content streams are sized by inflating them under
the cap (`safety.page_content_cap`), and a page over it is skipped with a warning — that page, not
the document; a password-protected file says so. A file with no readable page whose compressed
streams do not inflate is a "damaged PDF".
"""
from __future__ import annotations

import os

from ..model import Document
from ..pdf.document import build_blocks
from ..pdf.layout import page_layout
from ..pdf.page import PageContent
from ..safety import MAX_PDF_PAGES, MAX_TITLE_CHARS, page_content_cap
from . import UnreadableDocument


DEFAULT_BACKEND = "pdfium"


def _backend() -> str:
    return os.environ.get("OGI_PDF_BACKEND", DEFAULT_BACKEND).strip().lower() or DEFAULT_BACKEND


PASSWORD = "password-protected PDF: it cannot be opened without its password"


def read_pages(data: bytes, backend: str | None = None,
               skip: set[int] | frozenset[int] = frozenset()) -> tuple[list[PageContent], dict]:
    """Characters and rules of every page, plus the document info dictionary. `skip`: 0-based
    pages left empty (over a limit), never interpreted."""
    backend = backend or _backend()
    if backend in ("pdfium", "pypdfium2"):
        from ..pdf import pdfium_source
        try:
            return pdfium_source.read(data, max_pages=MAX_PDF_PAGES, skip=skip)
        except UnreadableDocument as exc:
            if str(exc) == PASSWORD:
                raise
        except Exception:  # rotated pages, or a file pdfium cannot open: the reference reads it
            pass
    from ..pdf import pdfminer_source
    try:
        doc, _ = pdfminer_source.open_pdf(data)
        info = pdfminer_source.pdf_info(doc)
        pages = list(pdfminer_source.iter_pages(data, max_pages=MAX_PDF_PAGES, skip=skip))
    except Exception as exc:
        if "password" in f"{type(exc).__name__} {exc}".lower():
            raise UnreadableDocument(PASSWORD) from exc
        raise UnreadableDocument(f"damaged PDF: it cannot be opened ({type(exc).__name__}: {exc})") from exc
    return pages, info


def _guard(data: bytes) -> tuple[bytes, dict[int, int], list[str]]:
    """(data to read, {page index: content bytes} of pages over the size cap, warnings): the
    checks made before any page is interpreted."""
    from ..pdf import streams

    warnings: list[str] = []
    fixed = streams.crlf_mangled(data)
    if fixed is not None:
        data = fixed
        warnings.append("damaged PDF: every line ending had been converted to CRLF (an FTP ASCII-mode "
                        "transfer), which corrupts its binary streams; the conversion was reverted")
    cap = page_content_cap()
    try:
        over = streams.oversized_pages(data, cap, MAX_PDF_PAGES)
    except streams.PasswordProtected as exc:
        raise UnreadableDocument(PASSWORD) from exc
    for i, size in sorted(over.items()):
        warnings.append(f"page {i + 1}: content streams decode to more than {cap} bytes "
                        f"(limit {cap}); page skipped, the rest of the document read")
    return data, over, warnings


def read(data: bytes, *, ocr: bool = True, backend: str | None = None) -> Document:
    data, over, warnings = _guard(data)
    pages, info = read_pages(data, backend, skip=frozenset(over))
    if not pages:
        raise UnreadableDocument("PDF has no pages")
    if not any(pc.chars or pc.image_area or pc.unmapped_chars for pc in pages):
        from ..pdf.streams import corrupt_streams
        bad, checked = corrupt_streams(data)
        if bad:
            raise UnreadableDocument(f"damaged PDF: {bad} of the first {checked} compressed streams are corrupt "
                                     f"and no page has readable content")
    needs_ocr = False
    ocr_pages: list[int] = []
    final: list[PageContent] = []
    for pc in pages:
        if pc.needs_ocr:
            from .. import ocr as ocr_mod
            why = f"{pc.unmapped_chars} glyphs without Unicode mapping" if pc.unmapped_chars else "image-only"
            if ocr and ocr_mod.available():
                try:
                    final.append(ocr_mod.ocr_pdf_page(data, pc.number - 1))
                    ocr_pages.append(pc.number)
                    continue
                except Exception as exc:  # OCR failing on one page leaves that page unread
                    warnings.append(f"page {pc.number}: OCR failed ({type(exc).__name__}: {exc})")
            else:
                warnings.append(f"page {pc.number}: {why}; OCR {'disabled' if not ocr else 'unavailable'}")
            needs_ocr = True
            if pc.chars:
                final.append(pc)  # keep what can be read
            continue
        final.append(pc)
    blocks = build_blocks([page_layout(pc) for pc in final])
    title = info.get("Title") or None
    if title and (len(title) < 4 or len(title) > MAX_TITLE_CHARS or title.lower().endswith((".doc", ".docx", ".wps")) or title.startswith("Microsoft")):
        title = None
    meta = {"pages": len(pages), "ocr_pages": ocr_pages, "pdf_info": info}
    return Document(blocks=blocks, source_format="pdf", title_hint=title, meta=meta,
                    warnings=warnings, needs_ocr=needs_ocr)
