"""PDF reader: ruled tables rebuilt from characters and ruling lines (pdfminer.six), text
lines to paragraphs, image-only / unmapped-font pages through OCR.

Back ends: pypdfium2 (fast path, the default) or pdfminer.six (the reference), chosen by
`OGI_PDF_BACKEND=pdfium|pdfminer`. Both feed the same layout code; tests prove them
cell-identical on every corpus PDF and generated fixture. The fast path hands a document to
pdfminer.six when pdfium cannot take it (rotated pages, a file pdfium fails to open or read).
"""
from __future__ import annotations

import os

from ..model import Document
from ..pdf.document import build_blocks
from ..pdf.layout import page_layout
from ..pdf.page import PageContent
from ..safety import MAX_PDF_PAGES
from . import UnreadableDocument


DEFAULT_BACKEND = "pdfium"


def _backend() -> str:
    return os.environ.get("OGI_PDF_BACKEND", DEFAULT_BACKEND).strip().lower() or DEFAULT_BACKEND


def read_pages(data: bytes, backend: str | None = None) -> tuple[list[PageContent], dict]:
    """Characters and rules of every page, plus the document info dictionary."""
    backend = backend or _backend()
    if backend in ("pdfium", "pypdfium2"):
        from ..pdf import pdfium_source
        try:
            return pdfium_source.read(data, max_pages=MAX_PDF_PAGES)
        except Exception:  # rotated pages, or a file pdfium cannot open: the reference reads it
            pass
    from ..pdf import pdfminer_source
    try:
        doc, _ = pdfminer_source.open_pdf(data)
        info = pdfminer_source.pdf_info(doc)
        pages = list(pdfminer_source.iter_pages(data, max_pages=MAX_PDF_PAGES))
    except Exception as exc:
        raise UnreadableDocument(f"unreadable PDF: {type(exc).__name__}: {exc}") from exc
    return pages, info


def read(data: bytes, *, ocr: bool = True, backend: str | None = None) -> Document:
    pages, info = read_pages(data, backend)
    if not pages:
        raise UnreadableDocument("PDF has no pages")
    warnings: list[str] = []
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
    if title and (len(title) < 4 or title.lower().endswith((".doc", ".docx", ".wps")) or title.startswith("Microsoft")):
        title = None
    meta = {"pages": len(pages), "ocr_pages": ocr_pages, "pdf_info": info}
    return Document(blocks=blocks, source_format="pdf", title_hint=title, meta=meta,
                    warnings=warnings, needs_ocr=needs_ocr)
