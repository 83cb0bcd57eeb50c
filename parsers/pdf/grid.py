"""Ruled tables: a frame of rules -> atomic grid -> merged cells (union-find) -> cell texts."""
from __future__ import annotations

import bisect
from dataclasses import dataclass, field

from .lines import cell_text
from .page import Char
from .lines import group_lines
from .page import Seg
from .rules import SNAP, Frame, cluster_positions, covered

MIN_TRACK = 3.5  # points: an empty row/column thinner than this is a double rule, not a track


@dataclass
class GridTable:
    """A ruled table on one page. `cells[r][c]` is the text of the merged cell covering (r, c);
    `region[r][c]` identifies that merged cell (same id = same cell)."""
    page: int
    xs: list[float]
    ys: list[float]
    cells: list[list[str]]
    region: list[list[int]]
    numeric_rows: set[int] = field(default_factory=set)
    # rule-less tables only: {"label_starts": [x..], "num_cols": [(x0, x1)..]} (column geometry
    # handed to the continuation on the next page)
    positional: dict | None = None
    # page of every row (set when a continuation from the next page is merged in)
    row_pages: list[int] | None = None
    # how the cells were read when not from a text layer ("ocr")
    method: str | None = None

    def pages(self) -> list[int]:
        """1-based page of every row."""
        if self.row_pages is not None and len(self.row_pages) == len(self.cells):
            return list(self.row_pages)
        return [self.page] * len(self.cells)

    @property
    def x0(self) -> float:
        return self.xs[0]

    @property
    def x1(self) -> float:
        return self.xs[-1]

    @property
    def top(self) -> float:
        return self.ys[0]

    @property
    def bottom(self) -> float:
        return self.ys[-1]

    def origins(self) -> list[list[tuple[int, int]]]:
        first: dict[int, tuple[int, int]] = {}
        out = []
        for r, row in enumerate(self.region):
            orow = []
            for c, rid in enumerate(row):
                if rid not in first:
                    first[rid] = (r, c)
                orow.append(first[rid])
            out.append(orow)
        return out


def _with_extremes(positions: list[float], ends: list[float]) -> list[float]:
    """Add the outermost rule ends as grid lines when no rule lies there (open table sides,
    the rule-less top of a table continued after a page break)."""
    pos = list(positions)
    if ends:
        lo, hi = min(ends), max(ends)
        if not pos or lo < pos[0] - SNAP * 2:
            pos.insert(0, lo)
        if hi > pos[-1] + SNAP * 2:
            pos.append(hi)
    return pos


def _is_number(text: str) -> bool:
    t = text.replace(",", "").replace(" ", "")
    return bool(t) and t.replace(".", "", 1).lstrip("-").isdigit()


def _virtual_row_rules(xs: list[float], ys: list[float], chars: list[Char], skip) -> list[float]:
    """Row boundaries for a table drawn without rules between its rows: where one ruled band
    holds several text lines that each carry numbers in two or more columns, cut the band
    halfway between those lines (otherwise the numbers of different rows would be glued)."""
    out: list[float] = []
    x_lo, x_hi, y_lo, y_hi = xs[0], xs[-1], ys[0], ys[-1]
    inside = []
    for i, ch in enumerate(chars):
        cy = (ch.top + ch.bottom) / 2
        if y_lo < cy < y_hi and x_lo < (ch.x0 + ch.x1) / 2 < x_hi and i not in skip:
            inside.append((cy, i, ch))
    inside.sort(key=lambda t: t[0])
    cys = [t[0] for t in inside]
    for r in range(len(ys) - 1):
        top, bottom = ys[r], ys[r + 1]
        lo, hi = bisect.bisect_right(cys, top), bisect.bisect_left(cys, bottom)
        if hi - lo < 4:
            continue
        # two lines of numbers need digits on two lines: skip the band when its digits' centres
        # lie within the single-line tolerance (as in lines.cell_text)
        digits = [(cy, ch) for cy, _i, ch in inside[lo:hi] if ch.text.isdigit()]
        if len(digits) < 4:
            continue
        h = min(ch.bottom - ch.top for _cy, ch in digits)
        if digits[-1][0] - digits[0][0] <= max(1.0, 0.45 * h):
            continue
        band = [ch for _cy, _i, ch in sorted(inside[lo:hi], key=lambda t: t[1])]
        numeric_lines = []
        for ln in group_lines(band):
            cols: dict[int, str] = {}
            for ch in ln.chars:
                c = bisect.bisect_right(xs, ch.cx) - 1
                cols[c] = cols.get(c, "") + ch.text
            if sum(1 for t in cols.values() if _is_number(t)) >= 2:
                numeric_lines.append(ln)
        if len(numeric_lines) < 2:
            continue
        for a, b in zip(numeric_lines, numeric_lines[1:]):
            out.append((a.bottom + b.top) / 2)
    return out


def build_table(frame: Frame, chars: list[Char], page: int,
                skip: set[int] | frozenset = frozenset()) -> tuple[GridTable | None, set[int]]:
    """Grid of one frame; returns the table (None if it is not a real table) and the indices
    of the characters it consumed."""
    xs = _with_extremes(cluster_positions([s.pos for s in frame.v]), [x for s in frame.h for x in (s.a, s.b)])
    ys = _with_extremes(cluster_positions([s.pos for s in frame.h]), [y for s in frame.v for y in (s.a, s.b)])
    if len(ys) >= 2 and len(xs) >= 3:
        extra = _virtual_row_rules(xs, ys, chars, skip)
        if extra:
            ys = sorted(ys + extra)
            frame = Frame(frame.h + [Seg(True, y, xs[0], xs[-1]) for y in extra], frame.v)
    R, C = len(ys) - 1, len(xs) - 1
    if R < 1 or C < 1:
        return None, set()
    # characters into atomic cells by centre
    atoms: dict[tuple[int, int], list[Char]] = {}
    used: set[int] = set()
    x_lo, x_hi, y_lo, y_hi = xs[0], xs[-1], ys[0], ys[-1]
    for i, ch in enumerate(chars):
        cx = (ch.x0 + ch.x1) / 2
        if not x_lo < cx < x_hi:
            continue
        cy = (ch.top + ch.bottom) / 2
        if not y_lo < cy < y_hi or i in skip:
            continue
        c = bisect.bisect_right(xs, cx) - 1
        r = bisect.bisect_right(ys, cy) - 1
        atoms.setdefault((r, c), []).append(ch)
        used.add(i)
    # merge atomic cells not separated by a rule
    parent = list(range(R * C))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def union(a: int, b: int) -> None:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)

    # rules lying at each grid line, found once (covered() only looks at those)
    v_at = [[s for s in frame.v if abs(s.pos - xs[c + 1]) <= SNAP] for c in range(C - 1)]
    h_at = [[s for s in frame.h if abs(s.pos - ys[r + 1]) <= SNAP] for r in range(R - 1)]
    for r in range(R):
        for c in range(C - 1):
            if not covered(v_at[c], xs[c + 1], ys[r], ys[r + 1]):
                union(r * C + c, r * C + c + 1)
    for r in range(R - 1):
        for c in range(C):
            if not covered(h_at[r], ys[r + 1], xs[c], xs[c + 1]):
                union(r * C + c, (r + 1) * C + c)
    # drop thin empty tracks (double rules)
    occupied_r = {r for (r, _c) in atoms}
    occupied_c = {c for (_r, c) in atoms}
    keep_r = [r for r in range(R) if ys[r + 1] - ys[r] >= MIN_TRACK or r in occupied_r]
    keep_c = [c for c in range(C) if xs[c + 1] - xs[c] >= MIN_TRACK or c in occupied_c]
    if not keep_r or not keep_c:
        return None, set()
    region_chars: dict[int, list[Char]] = {}
    for (r, c), chs in atoms.items():
        region_chars.setdefault(find(r * C + c), []).extend(chs)
    texts = {rid: cell_text(chs) for rid, chs in region_chars.items()}
    region = [[find(r * C + c) for c in keep_c] for r in keep_r]
    cells = [[texts.get(rid, "") for rid in row] for row in region]
    if len({rid for row in region for rid in row}) < 2:
        return None, set()  # a box around text, not a table
    new_xs = [xs[c] for c in keep_c] + [xs[keep_c[-1] + 1]]
    new_ys = [ys[r] for r in keep_r] + [ys[keep_r[-1] + 1]]
    return GridTable(page, new_xs, new_ys, cells, region), used
