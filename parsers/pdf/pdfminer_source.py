"""pdfminer.six back end: raw LTChar and ruling paths per page, no layout analysis."""
from __future__ import annotations

import io
from typing import Iterator

from .page import Char, PageContent, Seg, segs_from_box, segs_from_polyline


def open_pdf(data: bytes):
    """(document, pages) of pdfminer objects; raises on broken or encrypted files."""
    from pdfminer.pdfdocument import PDFDocument
    from pdfminer.pdfpage import PDFPage
    from pdfminer.pdfparser import PDFParser

    parser = PDFParser(io.BytesIO(data))
    doc = PDFDocument(parser)
    return doc, PDFPage.create_pages(doc)


def pdf_info(doc) -> dict[str, str]:
    """Document information dictionary (the standard entries: Title, Author, CreationDate …)
    decoded to str; empty entries left out."""
    from pdfminer.psparser import PSLiteral
    from pdfminer.pdftypes import resolve1

    out: dict[str, str] = {}
    for info in getattr(doc, "info", None) or []:
        for k, v in (info or {}).items():
            v = resolve1(v)
            if isinstance(v, bytes):
                if v.startswith(b"\xfe\xff"):
                    s = v[2:].decode("utf-16-be", "replace")
                elif v.startswith(b"\xff\xfe"):  # little-endian UTF-16 (WPS writes these)
                    s = v[2:].decode("utf-16-le", "replace")
                else:
                    try:
                        s = v.decode("utf-8")
                    except UnicodeDecodeError:
                        s = v.decode("latin-1")
            elif isinstance(v, PSLiteral):
                s = str(v.name)
            else:
                s = str(v)
            out[str(k)] = s.strip("\x00 ")
    return {k: v for k, v in out.items() if k in INFO_KEYS and v}


# the document information entries both back ends report (pypdfium2's get_metadata_dict)
INFO_KEYS = ("Title", "Author", "Subject", "Keywords", "Creator", "Producer", "CreationDate", "ModDate")


def iter_pages(data: bytes, *, max_pages: int | None = None,
               skip: set[int] | frozenset[int] = frozenset()) -> Iterator[PageContent]:
    """`skip`: 0-based pages not to interpret (over a limit); each stays an empty page."""
    from pdfminer.converter import PDFPageAggregator
    from pdfminer.pdfinterp import PDFPageInterpreter, PDFResourceManager

    _, pages = open_pdf(data)
    rsrc = PDFResourceManager(caching=True)
    dev = PDFPageAggregator(rsrc, laparams=None)
    interp = PDFPageInterpreter(rsrc, dev)
    for i, page in enumerate(pages):
        if max_pages is not None and i >= max_pages:
            break
        if i in skip:
            x0, y0, x1, y1 = page.mediabox
            yield PageContent(number=i + 1, width=x1 - x0, height=y1 - y0)
            continue
        interp.process_page(page)
        yield page_content(dev.get_result(), i + 1)


def page_content(lt, number: int) -> PageContent:
    from pdfminer.layout import LTChar, LTCurve, LTFigure, LTImage, LTLine, LTRect

    px0, py0, px1, py1 = lt.bbox
    pc = PageContent(number=number, width=px1 - px0, height=py1 - py0)
    chars, segs = pc.chars, pc.segs

    def walk(container) -> None:
        for o in container:
            if isinstance(o, LTChar):
                t = o.get_text()
                if t.startswith("(cid:"):
                    pc.unmapped_chars += 1
                    continue
                if not t or t.isspace():
                    continue
                a, b, c, d = o.matrix[:4]
                if abs(b) > 1e-3 and abs(a) > 1e-3:  # diagonal text: a watermark, not content
                    pc.skipped_chars += 1
                    continue
                x0, x1 = o.x0 - px0, o.x1 - px0
                top, bottom = py1 - o.y1, py1 - o.y0
                size = o.size if o.size and o.size > 0.5 else (bottom - top)
                # glyph boxes of some fonts are far taller than the text line; use the font size
                h = bottom - top
                if h > 1.6 * size:
                    mid = (top + bottom) / 2
                    top, bottom = mid - size / 2, mid + size / 2
                chars.append(Char(t, x0, top, x1, bottom, size))
            elif isinstance(o, LTFigure):
                walk(o)
            elif isinstance(o, LTImage):
                pc.image_area += max(0.0, o.width) * max(0.0, o.height)
            elif isinstance(o, (LTRect, LTLine, LTCurve)):
                stroke, fill = bool(o.stroke), bool(o.fill)
                if isinstance(o, LTRect):
                    segs.extend(segs_from_box(o.x0 - px0, py1 - o.y1, o.x1 - px0, py1 - o.y0,
                                              stroke=stroke, fill=fill))
                else:
                    pts = [(x - px0, py1 - y) for x, y in o.pts]
                    segs.extend(segs_from_polyline(pts, stroke=stroke or isinstance(o, LTLine), fill=fill,
                                                   closed=fill or (len(pts) > 2 and pts[0] == pts[-1])))

    walk(lt)
    return pc
