"""Tables drawn without ruling lines: a grid from the positions of text alone.

- Rows: the text lines that hold numbers (or reach into the number columns: header and caption
  lines) anchor the rows.
- Number columns: the x-extents of numeric chunks, merged where they overlap.
- Label columns (everything left of the numbers): the left edges where label pieces start on
  several lines (a vertical group label, a sub-group label, the row label). Each column is read
  on its own, so a group label interleaving with the wrapped lines of row labels never mixes
  into them.
- In one label column, pieces at the wrapped-line pitch form a block (one cell). A block holding
  a row's line belongs to that row; a block holding lines of several rows, or standing beside
  nested labels, is a group label and is merged down the rows it heads; a block alone is a
  label-only row (a caption, the tail of a label continued from the previous page).
- Whether cells are top-aligned or centred is read from the row labels and decides which rows a
  group label covers.
"""
from __future__ import annotations

from dataclasses import dataclass

from .grid import GridTable
from .layout import TextLine
from .lines import Line, join_lines, line_text
from .page import Char
from .stitch import is_numeric

START_TOL = 3.0  # points: left edges this close start the same column


@dataclass
class _Piece:
    line: int  # index into the run
    col: int
    end: int  # last label column it reaches into
    x0: float
    x1: float
    cy: float
    text: str


@dataclass
class _Block:
    col: int
    pieces: list[_Piece]

    @property
    def top(self) -> float:
        return self.pieces[0].cy

    @property
    def bottom(self) -> float:
        return self.pieces[-1].cy


def _median(vals: list[float], default: float) -> float:
    if not vals:
        return default
    v = sorted(vals)
    return v[len(v) // 2]


def _merge_spans(spans: list[tuple[float, float]]) -> list[list[float]]:
    cols: list[list[float]] = []
    for x0, x1 in sorted(spans):
        if cols and x0 <= cols[-1][1] + 1.0:
            cols[-1][1] = max(cols[-1][1], x1)
        else:
            cols.append([x0, x1])
    return cols


def _split_pieces(chars: list[Char], em: float) -> list[list[Char]]:
    """Label characters of one line split at visible gaps (cells side by side)."""
    out: list[list[Char]] = []
    for c in sorted(chars, key=lambda c: c.x0):
        if out and c.x0 - out[-1][-1].x1 <= 0.8 * em:
            out[-1].append(c)
        else:
            out.append([c])
    return out


def _label_starts(x0s: list[float], hint: list[float]) -> list[float]:
    """Left edges shared by two or more label pieces (plus the hint's), and the leftmost edge."""
    groups: list[list[float]] = []
    for x in sorted(x0s):
        if groups and x - groups[-1][-1] <= START_TOL:
            groups[-1].append(x)
        else:
            groups.append([x])
    starts = [g[0] for g in groups if len(g) >= 2]
    for h in hint:
        if not any(abs(h - s) <= START_TOL for s in starts):
            starts.append(h)
    starts.sort()
    if x0s and (not starts or min(x0s) < starts[0] - START_TOL):
        starts.insert(0, min(x0s))
    return starts or [0.0]


def positional_grid(run: list[TextLine], page: int, hint: dict | None = None) -> GridTable:
    em = _median([ln.size for ln in run], 10.0)
    spans = [(x0, x1) for ln in run for x0, x1, t in ln.chunks if is_numeric(t)]
    if hint:
        spans += [tuple(c) for c in hint["num_cols"]]
    cols = _merge_spans(spans)
    label_end = cols[0][0] - 1.0
    C = len(cols)

    # split every line into label pieces and value chunks
    raw_pieces: list[tuple[int, list[Char]]] = []
    values: list[list[tuple[float, float, str]]] = [[] for _ in run]
    for i, ln in enumerate(run):
        lab: list[Char] = []
        parts = ln.chunk_chars or [[] for _ in ln.chunks]
        for (x0, x1, t), chs in zip(ln.chunks, parts):
            if x1 <= label_end + 1.0 or (not is_numeric(t) and x0 < label_end):
                lab.extend(chs)
            else:
                values[i].append((x0, x1, t))
        for chs in _split_pieces(lab, ln.size or em):
            raw_pieces.append((i, chs))
    starts = _label_starts([chs[0].x0 for _, chs in raw_pieces], list(hint["label_starts"]) if hint else [])
    L = len(starts)

    def col_of(x: float) -> int:
        return max((j for j, s in enumerate(starts) if s <= x + START_TOL), default=0)

    pieces: list[_Piece] = []
    for i, chs in raw_pieces:
        ln = Line(chs, min(c.top for c in chs), max(c.bottom for c in chs))
        x0, x1 = chs[0].x0, max(c.x1 for c in chs)
        k = col_of(x0)
        end = max(k, max((j for j, s in enumerate(starts) if s < x1 - START_TOL), default=0))
        pieces.append(_Piece(i, k, end, x0, x1, (run[i].top + run[i].bottom) / 2, line_text(ln)))
    cy = [(ln.top + ln.bottom) / 2 for ln in run]
    anchors = {i for i in range(len(run)) if values[i]}
    deepest: dict[int, int] = {}  # line -> rightmost label column with a piece on it
    for p in pieces:
        deepest[p.line] = max(deepest.get(p.line, -1), p.col)

    # pitch of wrapped lines inside one cell (same in both back ends: distances of line centres)
    steps = []
    for k in range(L):
        seq = [p for p in pieces if p.col == k]
        steps += [b.cy - a.cy for a, b in zip(seq, seq[1:]) if 0.8 * em <= b.cy - a.cy <= 2.0 * em]
    pitch = _median(steps, 1.6 * em)
    near = 1.3 * pitch

    # blocks: one label column's pieces at the wrapped-line pitch
    blocks: list[_Block] = []
    for k in range(L):
        cur: _Block | None = None
        for p in (p for p in pieces if p.col == k):
            inner_anchor = p.line in anchors and deepest.get(p.line) == k
            if cur is not None and p.cy - cur.bottom <= near and not (
                    inner_anchor and any(q.line in anchors and deepest.get(q.line) == k for q in cur.pieces)):
                cur.pieces.append(p)
            else:
                cur = _Block(k, [p])
                blocks.append(cur)

    # each block to its row(s)
    row_lines = set(anchors)
    home: dict[int, int] = {}  # block index -> row line
    span_to: dict[int, int] = {}  # block index -> last row line it covers (group labels)
    top_votes = centre_votes = 0
    for b, blk in enumerate(blocks):
        lines = [p.line for p in blk.pieces if p.line in anchors]
        if lines:
            home[b] = lines[0]
            span_to[b] = lines[-1]
            inner = all(deepest.get(p.line) == blk.col for p in blk.pieces if p.line in anchors)
            if inner and len(blk.pieces) > 1:
                if blk.pieces[0].line in anchors:
                    top_votes += 1
                else:
                    centre_votes += 1
            continue
        beside = any(p.col > blk.col and blk.top - near <= p.cy <= blk.bottom + near for p in pieces)
        if beside and anchors:
            mid = (blk.top + blk.bottom) / 2
            a = min(anchors, key=lambda i: (abs(cy[i] - mid), i))
            home[b] = span_to[b] = a
        else:
            home[b] = span_to[b] = blk.pieces[0].line  # a row of its own
            row_lines.add(blk.pieces[0].line)
    top_mode = top_votes >= centre_votes
    rows = sorted(row_lines)
    ridx = {line: r for r, line in enumerate(rows)}
    R = len(rows)

    # label cells
    text: dict[tuple[int, int], list[str]] = {}
    reach: dict[tuple[int, int], int] = {}
    vspan: dict[tuple[int, int], int] = {}
    for b, blk in enumerate(blocks):
        r = ridx[home[b]]
        key = (r, blk.col)
        text.setdefault(key, []).append(join_lines([p.text for p in blk.pieces]))
        reach[key] = max(reach.get(key, blk.col), max(p.end for p in blk.pieces))
        vspan[key] = max(vspan.get(key, r), ridx[span_to[b]])
    region = [[-1] * (L + C) for _ in range(R)]
    cells = [[""] * (L + C) for _ in range(R)]
    next_id = 0

    def put(r0: int, r1: int, c0: int, c1: int, txt: str, rid: int | None = None) -> int:
        nonlocal next_id
        if rid is None:
            rid, next_id = next_id, next_id + 1
        for r in range(r0, r1 + 1):
            for c in range(c0, c1 + 1):
                if region[r][c] == -1:
                    region[r][c] = rid
                    cells[r][c] = txt
        return rid

    for (r, k) in sorted(text):
        row_cols = [c for (rr, c) in text if rr == r]
        nxt = min((c for c in row_cols if c > k), default=L)
        c1 = min(max(reach[(r, k)], k), nxt - 1)
        if nxt == L:
            c1 = L - 1  # the row's innermost label runs up to the numbers
        put(r, vspan[(r, k)], k, c1, join_lines(text[(r, k)]))

    # group labels cover the rows nested under them (rows with deeper labels)
    for k in range(L):
        r = 0
        while r < R:
            if region[r][k] != -1:
                r += 1
                continue
            # a run of uncovered rows in column k, all nested deeper
            s = r
            while r < R and region[r][k] == -1 and any(region[r][c] != -1 and cells[r][c] for c in range(k + 1, L)):
                r += 1
            e = r - 1
            if e < s:
                r += 1
                continue
            above = region[s - 1][k] if s > 0 and cells[s - 1][k] and _owns_col(region, s - 1, k) else None
            below = region[e + 1][k] if e + 1 < R and cells[e + 1][k] and _owns_col(region, e + 1, k) else None
            if above is None and (top_mode or below is None):
                # rows under a group label not on this page (a continued table): one shared
                # empty cell, so the stitcher can carry the label over
                put(s, e, k, k, "")
                continue
            for rr in range(s, e + 1):
                if above is not None and (top_mode or below is None or
                                          cy[rows[rr]] - cy[rows[s - 1]] <= cy[rows[e + 1]] - cy[rows[rr]]):
                    src = s - 1
                else:
                    src = e + 1
                put(rr, rr, k, k, cells[src][k], region[src][k])
    # remaining blanks: cells of their own
    for r in range(R):
        for c in range(L):
            if region[r][c] == -1:
                put(r, r, c, c, "")

    # value cells
    for r, line in enumerate(rows):
        for x0, x1, t in values[line]:
            cx = (x0 + x1) / 2
            if is_numeric(t):
                k = min(range(C), key=lambda n: 0 if cols[n][0] <= cx <= cols[n][1] else
                        min(abs(cx - cols[n][0]), abs(cx - cols[n][1])))
                c = L + k
                cells[r][c] = (cells[r][c] + t) if cells[r][c] else t
                if region[r][c] == -1:
                    put(r, r, c, c, cells[r][c])
                continue
            cover = [n for n in range(C) if cols[n][0] < x1 and x0 < cols[n][1]]
            if not cover:
                cover = [min(range(C), key=lambda n: min(abs(x0 - cols[n][0]), abs(x0 - cols[n][1])))]
            free = [n for n in range(cover[0], cover[-1] + 1) if region[r][L + n] == -1]
            if free:
                put(r, r, L + free[0], L + free[-1], t)
            else:
                c = L + cover[0]
                cells[r][c] = join_lines([cells[r][c], t])
        for c in range(L, L + C):
            if region[r][c] == -1:
                put(r, r, c, c, "")

    xs = list(starts) + [cols[0][0]] + [(a[1] + b[0]) / 2 for a, b in zip(cols, cols[1:])] + [cols[-1][1]]
    ys = [run[0].top]
    for line in rows:
        ys.append(max(ys[-1], run[line].bottom))
    t = GridTable(page, xs, ys, cells, region)
    t.positional = {"label_starts": list(starts), "num_cols": [tuple(c) for c in cols]}
    return t


def _owns_col(region: list[list[int]], r: int, k: int) -> bool:
    """Row r's cell in column k is not a spill-over of a label from a column left of k."""
    return k == 0 or region[r][k - 1] != region[r][k]
