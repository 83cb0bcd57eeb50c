"""pypdfium2 back end (fast path): characters with loose (font) boxes and ruling paths.

Produces the same `PageContent` as the pdfminer.six back end so the grid code is shared;
tests prove the two give identical cells on every fixture. Rotated pages fall back to
pdfminer.six (pdfium reports unrotated user space)."""
from __future__ import annotations

import ctypes
import functools
import re
import struct
import types

from .page import Char, PageContent, segs_from_box, segs_from_polyline

_MAX_DEPTH = 12
_SURROGATE = re.compile("[\ud800-\udfff]")
_RECT = struct.Struct("4f")  # FS_RECTF: left, top, right, bottom
_BLANKS = frozenset(map(chr, (0xA0, 0x3000, 0xFEFF, 0xFFFE, 0xFFFF)))


@functools.lru_cache(maxsize=1)
def _lean():
    """The per-character and per-path-segment pdfium calls with plain-address prototypes: the
    same library functions, minus the typed pointer objects pypdfium2's bindings build on every
    call (a third of the fast path's time). None when the library handle is not reachable; the
    standard bindings are used then."""
    try:
        from pypdfium2_raw.bindings import _libs

        lib = _libs["pdfium"]
    except Exception:
        return None
    P, I, F = ctypes.c_void_p, ctypes.c_int, ctypes.c_float

    def fn(name, argtypes, restype):
        f = lib[name]  # a new function object: pypdfium2's own prototypes stay untouched
        f.argtypes, f.restype = argtypes, restype
        return f

    return types.SimpleNamespace(
        FPDFText_HasUnicodeMapError=fn("FPDFText_HasUnicodeMapError", (P, I), I),
        FPDFText_GetLooseCharBox=fn("FPDFText_GetLooseCharBox", (P, I, P), I),
        FPDFText_GetCharAngle=fn("FPDFText_GetCharAngle", (P, I), F),
        FPDFPage_CountObjects=fn("FPDFPage_CountObjects", (P,), I),
        FPDFPage_GetObject=fn("FPDFPage_GetObject", (P, I), P),
        FPDFFormObj_CountObjects=fn("FPDFFormObj_CountObjects", (P,), I),
        FPDFFormObj_GetObject=fn("FPDFFormObj_GetObject", (P, ctypes.c_ulong), P),
        FPDFPageObj_GetType=fn("FPDFPageObj_GetType", (P,), I),
        FPDFPageObj_GetMatrix=fn("FPDFPageObj_GetMatrix", (P, P), I),
        FPDFPageObj_GetBounds=fn("FPDFPageObj_GetBounds", (P, P, P, P, P), I),
        FPDFPath_GetDrawMode=fn("FPDFPath_GetDrawMode", (P, P, P), I),
        FPDFPath_CountSegments=fn("FPDFPath_CountSegments", (P,), I),
        FPDFPath_GetPathSegment=fn("FPDFPath_GetPathSegment", (P, I), P),
        FPDFPathSegment_GetType=fn("FPDFPathSegment_GetType", (P,), I),
        FPDFPathSegment_GetPoint=fn("FPDFPathSegment_GetPoint", (P, P, P), I),
        FPDFPathSegment_GetClose=fn("FPDFPathSegment_GetClose", (P,), I),
    )


def _api(c, handle):
    """(functions, handle, ref): lean prototypes with the handle as an address and `ctypes.addressof`
    for out-parameters, or pypdfium2's bindings with the typed handle and `ctypes.byref`."""
    lean = _lean()
    if lean is None:
        return c, handle, ctypes.byref
    return lean, ctypes.cast(handle, ctypes.c_void_p).value, ctypes.addressof


class NeedsPdfminer(Exception):
    """This document needs the reference back end (e.g. rotated pages)."""


def _mul(m1, m2):
    """Compose affine matrices (a, b, c, d, e, f): apply m1 then m2."""
    a1, b1, c1, d1, e1, f1 = m1
    a2, b2, c2, d2, e2, f2 = m2
    return (a1 * a2 + b1 * c2, a1 * b2 + b1 * d2, c1 * a2 + d1 * c2, c1 * b2 + d1 * d2,
            e1 * a2 + f1 * c2 + e2, e1 * b2 + f1 * d2 + f2)


def read(data: bytes, *, max_pages: int | None = None,
         skip: set[int] | frozenset[int] = frozenset()) -> tuple[list[PageContent], dict]:
    """`skip`: 0-based pages not to load (over a limit); each stays an empty page."""
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(data)
    except Exception as exc:
        from ..formats import UnreadableDocument
        if "password" in str(exc).lower():
            raise UnreadableDocument("password-protected PDF: it cannot be opened without its password") from exc
        raise UnreadableDocument(f"unreadable PDF: {type(exc).__name__}: {exc}") from exc
    try:
        info = {k: v for k, v in (pdf.get_metadata_dict(skip_empty=True) or {}).items()}
        pages: list[PageContent] = []
        for i in range(len(pdf)):
            if max_pages is not None and i >= max_pages:
                break
            if i in skip:  # sized from the page tree; its content is never parsed
                w, h = pdf.get_page_size(i)
                pages.append(PageContent(number=i + 1, width=w, height=h))
                continue
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
        _chars(c, tp.raw, pc, l, t)
    finally:
        tp.close()
    _walk_objects(c, page.raw, pc, l, t)
    return pc


def _walk_objects(c, raw_page, pc: PageContent, l: float, t: float) -> None:
    """Ruling paths and image areas of a page (form XObjects followed, their matrices applied)."""
    api, page_h, ref = _api(c, raw_page)
    m = c.FS_MATRIX()
    m_ref = ref(m)
    fill, stroke = ctypes.c_int(), ctypes.c_int()
    fill_ref, stroke_ref = ref(fill), ref(stroke)
    x, y = ctypes.c_float(), ctypes.c_float()
    x_ref, y_ref = ref(x), ref(y)
    bl, bb, br, bt = ctypes.c_float(), ctypes.c_float(), ctypes.c_float(), ctypes.c_float()
    bounds_refs = (ref(bl), ref(bb), ref(br), ref(bt))
    get_type, get_matrix = api.FPDFPageObj_GetType, api.FPDFPageObj_GetMatrix
    draw_mode, count_segs, get_seg = api.FPDFPath_GetDrawMode, api.FPDFPath_CountSegments, api.FPDFPath_GetPathSegment
    seg_type, seg_point, seg_close = api.FPDFPathSegment_GetType, api.FPDFPathSegment_GetPoint, api.FPDFPathSegment_GetClose
    FORM, IMAGE, PATH, MOVETO = c.FPDF_PAGEOBJ_FORM, c.FPDF_PAGEOBJ_IMAGE, c.FPDF_PAGEOBJ_PATH, c.FPDF_SEGMENT_MOVETO
    segs = pc.segs

    def walk(container, get_count, get_obj, ctm, depth):
        for k in range(get_count(container)):
            obj = get_obj(container, k)
            typ = get_type(obj)
            if typ == PATH:
                draw_mode(obj, fill_ref, stroke_ref)
                is_fill, is_stroke = fill.value != 0, bool(stroke.value)
                if not (is_fill or is_stroke):
                    continue
                get_matrix(obj, m_ref)
                a, b, cc, d, e, f = _mul((m.a, m.b, m.c, m.d, m.e, m.f), ctm)
                subpaths: list[tuple[list[tuple[float, float]], bool]] = []
                for s in range(count_segs(obj)):
                    seg = get_seg(obj, s)
                    st = seg_type(seg)
                    seg_point(seg, x_ref, y_ref)
                    xv, yv = x.value, y.value
                    pt = (a * xv + cc * yv + e - l, t - (b * xv + d * yv + f))
                    if st == MOVETO or not subpaths:
                        subpaths.append(([pt], False))
                    else:
                        subpaths[-1][0].append(pt)
                    if seg_close(seg):
                        subpaths[-1] = (subpaths[-1][0], True)
                for pts, closed in subpaths:
                    if len(pts) < 2:
                        continue
                    if _is_axis_rect(pts):
                        xs = [p[0] for p in pts]
                        ys = [p[1] for p in pts]
                        segs.extend(segs_from_box(min(xs), min(ys), max(xs), max(ys), stroke=is_stroke, fill=is_fill))
                    else:
                        segs.extend(segs_from_polyline(pts, stroke=is_stroke, fill=is_fill, closed=closed or is_fill))
            elif typ == FORM and depth < _MAX_DEPTH:
                get_matrix(obj, m_ref)
                fm = _mul((m.a, m.b, m.c, m.d, m.e, m.f), ctm)
                walk(obj, api.FPDFFormObj_CountObjects, api.FPDFFormObj_GetObject, fm, depth + 1)
            elif typ == IMAGE:
                if api.FPDFPageObj_GetBounds(obj, *bounds_refs):
                    sx = (ctm[0] ** 2 + ctm[1] ** 2) ** 0.5
                    sy = (ctm[2] ** 2 + ctm[3] ** 2) ** 0.5
                    pc.image_area += max(0.0, br.value - bl.value) * sx * max(0.0, bt.value - bb.value) * sy

    walk(page_h, api.FPDFPage_CountObjects, api.FPDFPage_GetObject, (1.0, 0.0, 0.0, 1.0, 0.0, 0.0), 0)


def _page_text(c, raw, n: int) -> str | None:
    """The Unicode of all n characters in one call; None when the text cannot be lined up with
    character indices (characters outside the BMP, characters without text)."""
    buf = ctypes.create_string_buffer(2 * (n + 1))
    c.FPDFText_GetText(raw, 0, n, ctypes.cast(buf, ctypes.POINTER(ctypes.c_ushort)))
    text = buf.raw[:2 * n].decode("utf-16-le", "surrogatepass")
    if len(text) != n or (text and max(text) >= "\ud800" and _SURROGATE.search(text)):
        return None
    return text


def _chars(c, raw, pc: PageContent, l: float, t: float) -> None:
    """Characters of one page: code, loose box, and the two checks that drop a glyph (no
    Unicode mapping, diagonal). The angle is asked only when a glyph's box does not continue
    the previous glyph's line: a horizontal run shares its verdict."""
    n = c.FPDFText_CountChars(raw)
    text = _page_text(c, raw, n)
    rect = c.FS_RECTF()
    tl, tr, tb, tt = ctypes.c_double(), ctypes.c_double(), ctypes.c_double(), ctypes.c_double()
    mat = c.FS_MATRIX()
    get_unicode = c.FPDFText_GetUnicode
    api, h, ref = _api(c, raw)
    rect_ref = ref(rect)
    map_error, loose_box, get_angle = api.FPDFText_HasUnicodeMapError, api.FPDFText_GetLooseCharBox, api.FPDFText_GetCharAngle
    append = pc.chars.append
    unpack = _RECT.unpack_from
    new_char = Char
    blanks = _BLANKS
    half_pi = 1.5707964
    prev_top = prev_bottom = None
    prev_diag = False
    codes = text if text is not None else "".join(chr(max(get_unicode(raw, i), 0)) for i in range(n))
    for i, ch in enumerate(codes):
        if ch <= " " or ch in blanks:
            continue
        if map_error(h, i):
            pc.unmapped_chars += 1
            continue
        if not loose_box(h, i, rect_ref):
            continue
        rleft, rtop, rright, rbottom = unpack(rect)
        if rtop != prev_top or rbottom != prev_bottom:
            angle = get_angle(h, i)
            prev_diag = angle > 0 and min(angle % half_pi, half_pi - angle % half_pi) > 0.02
            prev_top, prev_bottom = rtop, rbottom
        if prev_diag:
            pc.skipped_chars += 1  # diagonal text: a watermark, not content
            continue
        # the loose box spans the font's ascent..descent, i.e. the rendered font size
        # (FPDFText_GetFontSize ignores the text matrix, so it is not usable here)
        x0, x1 = rleft - l, rright - l
        top, bottom = t - rtop, t - rbottom
        # vertical-writing glyphs get absurd loose boxes: use the ink box, squared
        if x1 - x0 > 24 and x1 - x0 > 2.5 * _em(c, raw, i, mat) and c.FPDFText_GetCharBox(
                raw, i, ctypes.byref(tl), ctypes.byref(tr), ctypes.byref(tb), ctypes.byref(tt)):
            side = max(tr.value - tl.value, tt.value - tb.value, 1.0) * 1.1
            cx, cy = (tl.value + tr.value) / 2 - l, t - (tb.value + tt.value) / 2
            append(new_char(ch, cx - side / 2, cy - side / 2, cx + side / 2, cy + side / 2, side))
            continue
        append(new_char(ch, x0, top, x1, bottom, bottom - top))


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
