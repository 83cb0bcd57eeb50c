"""Format-neutral content of one PDF page: characters and ruling segments in top-down points.

Both PDF back ends (pdfminer.six and pypdfium2) produce `PageContent`; everything after that
(grids, text lines, stitching) is shared, so the two paths can be compared cell for cell.
"""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(slots=True)
class Char:
    text: str
    x0: float
    top: float
    x1: float
    bottom: float
    size: float  # glyph height used for line clustering and gap thresholds

    @property
    def cx(self) -> float:
        return (self.x0 + self.x1) / 2

    @property
    def cy(self) -> float:
        return (self.top + self.bottom) / 2


@dataclass(slots=True)
class Seg:
    """An axis-aligned ruling segment. Horizontal: pos = y, a..b = x range.
    Vertical: pos = x, a..b = y range (top-down)."""
    horizontal: bool
    pos: float
    a: float
    b: float


@dataclass
class PageContent:
    number: int  # 1-based
    width: float
    height: float
    chars: list[Char] = field(default_factory=list)
    segs: list[Seg] = field(default_factory=list)
    image_area: float = 0.0  # total area of images drawn on the page (points^2)
    unmapped_chars: int = 0  # glyphs without a Unicode mapping ((cid:N) in pdfminer)
    skipped_chars: int = 0  # diagonal (watermark) glyphs left out

    @property
    def needs_ocr(self) -> bool:
        """Image-only page, or too many glyphs without a Unicode mapping to trust the text."""
        total = len(self.chars) + self.unmapped_chars
        page_area = self.width * self.height
        if total == 0:
            return self.image_area > 0.2 * page_area
        if self.unmapped_chars > max(2, 0.01 * total):
            return True
        # a table pasted as a picture with only a heading or two as text ("图片版" pages)
        return self.image_area > 0.35 * page_area and len(self.chars) < 150


def segs_from_box(x0: float, top: float, x1: float, bottom: float, *, stroke: bool, fill: bool,
                  thin: float = 3.0) -> list[Seg]:
    """Ruling segments from a rectangle: a thin filled/stroked rect is one rule; a stroked
    rect is its four edges; a large fill-only rect is a background and gives nothing."""
    w, h = x1 - x0, bottom - top
    if w <= thin and h > w:
        return [Seg(False, (x0 + x1) / 2, top, bottom)]
    if h <= thin and w >= h:
        return [Seg(True, (top + bottom) / 2, x0, x1)]
    if not stroke:
        return []
    return [Seg(True, top, x0, x1), Seg(True, bottom, x0, x1), Seg(False, x0, top, bottom), Seg(False, x1, top, bottom)]


def segs_from_polyline(pts: list[tuple[float, float]], *, stroke: bool, fill: bool, closed: bool,
                       tol: float = 1.0) -> list[Seg]:
    """Axis-aligned pieces of a path given in top-down coordinates."""
    if len(pts) < 2:
        return []
    xs = [p[0] for p in pts]
    ys = [p[1] for p in pts]
    x0, x1, y0, y1 = min(xs), max(xs), min(ys), max(ys)
    if (x1 - x0 <= 3.0 or y1 - y0 <= 3.0) and (fill or stroke):
        return segs_from_box(x0, y0, x1, y1, stroke=True, fill=fill)
    if not stroke:
        if fill and len(pts) in (4, 5) and _is_rect(pts, tol):
            return []  # background fill
        return []
    out: list[Seg] = []
    seq = list(pts) + ([pts[0]] if closed and pts[0] != pts[-1] else [])
    for (ax, ay), (bx, by) in zip(seq, seq[1:]):
        if abs(ay - by) <= tol and abs(ax - bx) > tol:
            out.append(Seg(True, (ay + by) / 2, min(ax, bx), max(ax, bx)))
        elif abs(ax - bx) <= tol and abs(ay - by) > tol:
            out.append(Seg(False, (ax + bx) / 2, min(ay, by), max(ay, by)))
    return out


def _is_rect(pts, tol):
    xs = sorted({round(p[0] / tol) for p in pts})
    ys = sorted({round(p[1] / tol) for p in pts})
    return len(xs) <= 2 and len(ys) <= 2
