"""pypdfium2 back end (fast path): characters with loose (font) boxes and ruling paths.

Produces the same `PageContent` as the pdfminer.six back end so the grid code is shared;
tests prove the two give identical cells on every fixture. Rotated pages fall back to
pdfminer.six (pdfium reports unrotated user space)."""
from __future__ import annotations

import ctypes

from .page import Char, PageContent, segs_from_box, segs_from_polyline

_MAX_DEPTH = 12
_BLANKS = frozenset((0xA0, 0x3000, 0xFEFF, 0xFFFE, 0xFFFF))


class NeedsPdfminer(Exception):
    """This document needs the reference back end (e.g. rotated pages)."""


def _mul(m1, m2):
    """Compose affine matrices (a, b, c, d, e, f): apply m1 then m2."""
    a1, b1, c1, d1, e1, f1 = m1
    a2, b2, c2, d2, e2, f2 = m2
    return (a1 * a2 + b1 * c2, a1 * b2 + b1 * d2, c1 * a2 + d1 * c2, c1 * b2 + d1 * d2,
            e1 * a2 + f1 * c2 + e2, e1 * b2 + f1 * d2 + f2)


def read(data: bytes, *, max_pages: int | None = None) -> tuple[list[PageContent], dict]:
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(data)
    except Exception as exc:
        from ..formats import UnreadableDocument
        raise UnreadableDocument(f"unreadable PDF: {type(exc).__name__}: {exc}") from exc
    try:
        info = {k: v for k, v in (pdf.get_metadata_dict(skip_empty=True) or {}).items()}
        pages: list[PageContent] = []
        for i in range(len(pdf)):
            if max_pages is not None and i >= max_pages:
                break
            page = pdf[i]
            try:
                if page.get_rotation() % 360:
                    raise NeedsPdfminer("rotated page")
                pages.append(_page(page, i + 1))
            finally:
                page.close()
    finally:
        pdf.close()
    return pages, info


def _page(page, number: int) -> PageContent:
    import pypdfium2.raw as c

    l, b, r, t = page.get_mediabox()
    pc = PageContent(number=number, width=r - l, height=t - b)
    tp = page.get_textpage()
    try:
        raw = tp.raw
        n = c.FPDFText_CountChars(raw)
        rect = c.FS_RECTF()
        tl, tr, tb, tt = ctypes.c_double(), ctypes.c_double(), ctypes.c_double(), ctypes.c_double()
        mat = c.FS_MATRIX()
        get_unicode, map_error, is_generated = c.FPDFText_GetUnicode, c.FPDFText_HasUnicodeMapError, c.FPDFText_IsGenerated
        loose_box = c.FPDFText_GetLooseCharBox
        rect_ref = ctypes.byref(rect)
        chars = pc.chars
        for i in range(n):
            code = get_unicode(raw, i)
            if code <= 32 or code in _BLANKS:
                continue
            if map_error(raw, i):
                pc.unmapped_chars += 1
                continue
            if is_generated(raw, i):
                continue
            angle = c.FPDFText_GetCharAngle(raw, i)
            if angle > 0 and min(angle % 1.5707964, 1.5707964 - angle % 1.5707964) > 0.02:
                pc.skipped_chars += 1  # diagonal text: a watermark, not content
                continue
            if not loose_box(raw, i, rect_ref):
                continue
            # the loose box spans the font's ascent..descent, i.e. the rendered font size
            # (FPDFText_GetFontSize ignores the text matrix, so it is not usable here)
            x0, x1 = rect.left - l, rect.right - l
            top, bottom = t - rect.top, t - rect.bottom
            size = bottom - top
            # vertical-writing glyphs get absurd loose boxes: use the ink box, squared
            if x1 - x0 > 24 and x1 - x0 > 2.5 * _em(c, raw, i, mat) and c.FPDFText_GetCharBox(
                    raw, i, ctypes.byref(tl), ctypes.byref(tr), ctypes.byref(tb), ctypes.byref(tt)):
                tw, th = tr.value - tl.value, tt.value - tb.value
                if True:
                    side = max(tw, th, 1.0) * 1.1
                    cx, cy = (tl.value + tr.value) / 2 - l, t - (tb.value + tt.value) / 2
                    x0, x1, top, bottom = cx - side / 2, cx + side / 2, cy - side / 2, cy + side / 2
                    size = side
            chars.append(Char(chr(code), x0, top, x1, bottom, size))
    finally:
        tp.close()
    ident = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
    m = c.FS_MATRIX()
    fill = ctypes.c_int()
    stroke = ctypes.c_int()
    x = ctypes.c_float()
    y = ctypes.c_float()

    def walk(get_count, get_obj, ctm, depth):
        for k in range(get_count()):
            obj = get_obj(k)
            typ = c.FPDFPageObj_GetType(obj)
            if typ == c.FPDF_PAGEOBJ_FORM and depth < _MAX_DEPTH:
                c.FPDFPageObj_GetMatrix(obj, ctypes.byref(m))
                fm = _mul((m.a, m.b, m.c, m.d, m.e, m.f), ctm)
                walk(lambda o=obj: c.FPDFFormObj_CountObjects(o), lambda j, o=obj: c.FPDFFormObj_GetObject(o, j),
                     fm, depth + 1)
            elif typ == c.FPDF_PAGEOBJ_IMAGE:
                lb, bb, rb, tb = ctypes.c_float(), ctypes.c_float(), ctypes.c_float(), ctypes.c_float()
                if c.FPDFPageObj_GetBounds(obj, ctypes.byref(lb), ctypes.byref(bb), ctypes.byref(rb), ctypes.byref(tb)):
                    sx = (ctm[0] ** 2 + ctm[1] ** 2) ** 0.5
                    sy = (ctm[2] ** 2 + ctm[3] ** 2) ** 0.5
                    pc.image_area += max(0.0, rb.value - lb.value) * sx * max(0.0, tb.value - bb.value) * sy
            elif typ == c.FPDF_PAGEOBJ_PATH:
                c.FPDFPath_GetDrawMode(obj, ctypes.byref(fill), ctypes.byref(stroke))
                is_fill, is_stroke = fill.value != 0, bool(stroke.value)
                if not (is_fill or is_stroke):
                    continue
                c.FPDFPageObj_GetMatrix(obj, ctypes.byref(m))
                pm = _mul((m.a, m.b, m.c, m.d, m.e, m.f), ctm)
                subpaths: list[tuple[list[tuple[float, float]], bool]] = []
                for s in range(c.FPDFPath_CountSegments(obj)):
                    seg = c.FPDFPath_GetPathSegment(obj, s)
                    st = c.FPDFPathSegment_GetType(seg)
                    c.FPDFPathSegment_GetPoint(seg, ctypes.byref(x), ctypes.byref(y))
                    px = pm[0] * x.value + pm[2] * y.value + pm[4]
                    py = pm[1] * x.value + pm[3] * y.value + pm[5]
                    pt = (px - l, t - py)
                    if st == c.FPDF_SEGMENT_MOVETO or not subpaths:
                        subpaths.append(([pt], False))
                    else:
                        subpaths[-1][0].append(pt)
                    if c.FPDFPathSegment_GetClose(seg):
                        subpaths[-1] = (subpaths[-1][0], True)
                for pts, closed in subpaths:
                    if len(pts) < 2:
                        continue
                    if _is_axis_rect(pts):
                        xs = [p[0] for p in pts]
                        ys = [p[1] for p in pts]
                        pc.segs.extend(segs_from_box(min(xs), min(ys), max(xs), max(ys), stroke=is_stroke, fill=is_fill))
                    else:
                        pc.segs.extend(segs_from_polyline(pts, stroke=is_stroke, fill=is_fill,
                                                          closed=closed or is_fill))

    walk(lambda: c.FPDFPage_CountObjects(page.raw), lambda j: c.FPDFPage_GetObject(page.raw, j), ident, 0)
    return pc


def _em(c, raw, i: int, mat) -> float:
    """Rendered font size of char i: font size times the text matrix scale."""
    size = c.FPDFText_GetFontSize(raw, i)
    if c.FPDFText_GetMatrix(raw, i, ctypes.byref(mat)):
        size *= abs(mat.a * mat.d - mat.b * mat.c) ** 0.5
    return max(size, 1.0)


def _is_axis_rect(pts: list[tuple[float, float]]) -> bool:
    """A closed 4-corner axis-aligned rectangle (re operator or 4 lineto)."""
    q = pts[:-1] if len(pts) == 5 and pts[0] == pts[-1] else pts
    if len(q) != 4:
        return False
    for (ax, ay), (bx, by) in zip(q, q[1:] + q[:1]):
        if abs(ax - bx) > 0.5 and abs(ay - by) > 0.5:
            return False
    return True
