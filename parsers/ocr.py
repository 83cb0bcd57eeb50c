"""OCR for image-only pages and scans (rapidocr_onnxruntime; its models ship in the wheel).

Pipeline per page image (grayscale numpy array):
1. ruling lines by morphology (adaptive threshold; opening with long horizontal / vertical
   kernels) -> segments in points -> the same grid code as text PDFs;
2. every table cell is read on its own: the crop is split into text lines by its ink profile
   and each line is recognised without detection (a number never leaks into the next cell);
3. text outside tables: detection + recognition on the page with the tables blanked out.
The result is a `PageContent` (one pseudo-character per recognised piece), so layout,
stitching and paragraphs are shared with text PDFs.

Off switches: `ocr=False` on the readers, or the environment variable OGI_OCR=0. A missing
dependency makes `available()` False and the readers report `needs_ocr`.
"""
from __future__ import annotations

import importlib.util
import os
from functools import lru_cache

from .pdf.grid import build_table
from .pdf.page import Char, PageContent, Seg
from .pdf.rules import frames, normalize

RENDER_DPI = 200


def enabled() -> bool:
    return os.environ.get("OGI_OCR", "1").strip().lower() not in ("0", "false", "no", "off")


@lru_cache(maxsize=1)
def _installed() -> bool:
    return all(importlib.util.find_spec(m) is not None for m in ("rapidocr_onnxruntime", "cv2", "numpy"))


def available() -> bool:
    return enabled() and _installed()


@lru_cache(maxsize=1)
def engine():
    from rapidocr_onnxruntime import RapidOCR

    return RapidOCR(print_verbose=False)


# ---------------------------------------------------------------- entry points
def ocr_pdf_page(data: bytes, index: int, dpi: int = RENDER_DPI) -> PageContent:
    """Render page `index` (0-based) of a PDF with pypdfium2 and OCR it."""
    import numpy as np
    import pypdfium2 as pdfium

    from .safety import render_dpi

    pdf = pdfium.PdfDocument(data)
    try:
        dpi = render_dpi(*pdf.get_page_size(index), dpi)  # size checked before rendering
        page = pdf[index]
        bitmap = page.render(scale=dpi / 72, grayscale=True)
        img = np.array(bitmap.to_pil().convert("L"))
        page.close()
    finally:
        pdf.close()
    return ocr_image(img, points_per_px=72 / dpi, number=index + 1)


def ocr_image(img, *, points_per_px: float, number: int = 1) -> PageContent:
    """OCR one grayscale page image into characters and rules in points."""
    img = deskew(img)
    h, w = img.shape[:2]
    s = points_per_px
    segs_px = find_rules(img, points_per_px)
    pc = PageContent(number=number, width=w * s, height=h * s)
    pc.segs = [Seg(g.horizontal, g.pos * s, g.a * s, g.b * s) for g in segs_px]
    mask = img.copy()
    cells: list[tuple[float, float, float, float]] = []  # cell boxes in points
    for fr in frames(normalize(pc.segs)):
        t, _ = build_table(fr, [], number)
        if t is None:
            continue
        done: set[int] = set()
        for r, row in enumerate(t.region):
            for c, rid in enumerate(row):
                if rid in done:
                    continue
                done.add(rid)
                rs = [i for i, rr in enumerate(t.region) if rid in rr]
                cs = [j for j, x in enumerate(row) if x == rid]
                cols = [j for rr in t.region for j, x in enumerate(rr) if x == rid]
                cells.append((t.xs[min(cols)], t.ys[min(rs)], t.xs[max(cols) + 1], t.ys[max(rs) + 1]))
        x0, y0 = int(t.x0 / s), int(t.top / s)
        x1, y1 = int(t.x1 / s) + 1, int(t.bottom / s) + 1
        mask[max(0, y0 - 2):y1 + 2, max(0, x0 - 2):x1 + 2] = 255
    chars: list[Char] = []
    chars.extend(_read_cells(img, cells, s))
    chars.extend(_read_free_text(mask, s))
    pc.chars = chars
    return pc


# ---------------------------------------------------------------- skew
MAX_SKEW_DEG = 5.0


def skew_angle(img, max_deg: float = MAX_SKEW_DEG, step: float = 0.1) -> float:
    """Rotation (degrees, counter-clockwise) that makes text lines and rules horizontal:
    the angle whose row-projection of ink is sharpest, searched on a downscaled page."""
    import cv2
    import numpy as np

    h, w = img.shape[:2]
    scale = min(1.0, 800.0 / max(h, w))
    small = cv2.resize(img, (max(1, int(w * scale)), max(1, int(h * scale))), interpolation=cv2.INTER_AREA)
    ink = (small < 160).astype(np.float32)
    if ink.sum() < 100:
        return 0.0
    sh, sw = ink.shape
    centre = (sw / 2, sh / 2)

    def sharpness(angle: float) -> float:
        m = cv2.getRotationMatrix2D(centre, angle, 1.0)
        rot = cv2.warpAffine(ink, m, (sw, sh), flags=cv2.INTER_NEAREST, borderValue=0)
        prof = rot.sum(axis=1)
        return float((np.diff(prof) ** 2).sum())

    coarse = [a * 0.5 for a in range(int(-max_deg * 2), int(max_deg * 2) + 1)]
    best = max(coarse, key=sharpness)
    fine = [best + k * step for k in range(-5, 6)]
    return max(fine, key=sharpness)


def deskew(img, min_deg: float = 0.15):
    """The page rotated upright when it is skewed by more than `min_deg` degrees."""
    import cv2

    angle = skew_angle(img)
    if abs(angle) < min_deg:
        return img
    h, w = img.shape[:2]
    m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    return cv2.warpAffine(img, m, (w, h), flags=cv2.INTER_LINEAR, borderValue=255)


# ---------------------------------------------------------------- rules
MIN_RULE_PT = 14.0  # shorter straight strokes are parts of characters


def find_rules(img, points_per_px: float = 72 / RENDER_DPI) -> list[Seg]:
    """Horizontal and vertical ruling segments (pixels) by morphological opening."""
    import cv2

    h, w = img.shape[:2]
    min_px = int(MIN_RULE_PT / points_per_px)
    bw = cv2.adaptiveThreshold(img, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, 15, 10)
    segs: list[Seg] = []
    for horizontal in (True, False):
        size = max(10, min_px, (w // 40) if horizontal else (h // 60))
        kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (size, 1) if horizontal else (1, size))
        lines = cv2.morphologyEx(bw, cv2.MORPH_OPEN, kernel)
        lines = cv2.dilate(lines, cv2.getStructuringElement(cv2.MORPH_RECT, (3, 1) if horizontal else (1, 3)))
        n, _labels, stats, _ = cv2.connectedComponentsWithStats(lines, connectivity=8)
        for i in range(1, n):
            x, y, bw_, bh, _area = stats[i]
            if horizontal and bw_ >= size and bh <= max(8, h // 150):
                segs.append(Seg(True, y + bh / 2, float(x), float(x + bw_)))
            elif not horizontal and bh >= size and bw_ <= max(8, w // 150):
                segs.append(Seg(False, x + bw_ / 2, float(y), float(y + bh)))
    return segs


# ---------------------------------------------------------------- cells
def _line_strips(crop, min_gap: int = 2, min_h: int = 5) -> list[tuple[int, int]]:
    """Rows of ink in a cell crop: (top, bottom) of each text line."""
    import numpy as np

    ink = (crop < 160).sum(axis=1)
    rows = np.where(ink > 0)[0]
    if rows.size == 0:
        return []
    strips: list[list[int]] = [[int(rows[0]), int(rows[0])]]
    for y in rows[1:]:
        if y - strips[-1][1] <= min_gap:
            strips[-1][1] = int(y)
        else:
            strips.append([int(y), int(y)])
    # tiny strips (dots, stray marks) join their neighbour
    out: list[list[int]] = []
    for st in strips:
        if out and (st[1] - st[0] + 1 < min_h or out[-1][1] - out[-1][0] + 1 < min_h) and st[0] - out[-1][1] <= 3 * min_gap:
            out[-1][1] = st[1]
        else:
            out.append(st)
    return [(a, b) for a, b in out if b - a + 1 >= 3]


RULE_FILL = 0.9  # share of a crop's height (width) a rule remnant covers
RULE_EDGE_PX = 6  # rule remnants lie this close to a crop's sides


def clear_rule_pixels(crop):
    """A cell crop with the remnants of its ruling lines whitened: columns (rows) near the
    crop's sides inked over almost its whole height (width). A thick or slightly skewed rule
    that survives the inset would otherwise be read as a digit 1 or a dash."""
    import numpy as np

    h, w = crop.shape[:2]
    if h < 8 or w < 8:
        return crop
    ink = crop < 160
    out = None
    cols = np.where(ink.sum(axis=0) >= RULE_FILL * h)[0]
    cols = cols[(cols < RULE_EDGE_PX) | (cols >= w - RULE_EDGE_PX)]
    rows = np.where(ink.sum(axis=1) >= RULE_FILL * w)[0]
    rows = rows[(rows < RULE_EDGE_PX) | (rows >= h - RULE_EDGE_PX)]
    if cols.size or rows.size:
        out = crop.copy()
        out[:, cols] = 255
        out[rows, :] = 255
    return crop if out is None else out


def _read_cells(img, cells, s: float) -> list[Char]:
    import numpy as np

    pieces = []  # (crop, box in points)
    h, w = img.shape[:2]
    for x0, y0, x1, y1 in cells:
        px0, py0 = int(x0 / s) + 3, int(y0 / s) + 3
        px1, py1 = int(x1 / s) - 2, int(y1 / s) - 2
        if px1 - px0 < 4 or py1 - py0 < 4:
            continue
        crop = clear_rule_pixels(img[max(0, py0):min(h, py1), max(0, px0):min(w, px1)])
        for a, b in _line_strips(crop):
            cols = np.where((crop[a:b + 1] < 160).sum(axis=0) > 0)[0]
            if cols.size == 0:
                continue
            ca, cb = int(cols[0]), int(cols[-1])
            pad = 4
            line = crop[max(0, a - pad):b + 1 + pad, max(0, ca - pad):cb + 1 + pad]
            line = np.pad(line, ((6, 6), (8, 8)), constant_values=255)
            box = ((px0 + ca) * s, (py0 + a) * s, (px0 + cb + 1) * s, (py0 + b + 1) * s)
            pieces.append((line, box))
    if not pieces:
        return []
    import cv2

    imgs = [cv2.cvtColor(p[0], cv2.COLOR_GRAY2BGR) for p in pieces]
    res, _ = engine().text_rec(imgs)
    out: list[Char] = []
    for (_, (x0, y0, x1, y1)), (text, score) in zip(pieces, res):
        text = (text or "").strip()
        if not text:
            continue
        out.append(Char(text, x0, y0, x1, y1, max(1.0, y1 - y0)))
    return out


def _read_free_text(img, s: float) -> list[Char]:
    import numpy as np

    if (img < 160).sum() < 50:
        return []
    result, _ = engine()(img, use_cls=False)
    out: list[Char] = []
    for box, text, score in result or []:
        text = (text or "").strip()
        if not text:
            continue
        xs = [p[0] for p in box]
        ys = [p[1] for p in box]
        x0, x1, y0, y1 = min(xs) * s, max(xs) * s, min(ys) * s, max(ys) * s
        out.append(Char(text, x0, y0, x1, y1, max(1.0, y1 - y0)))
    return out
