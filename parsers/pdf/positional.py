"""Tables drawn without ruling lines: a grid from the positions of text alone.

- Rows: the text lines that hold numbers (or reach into the number columns: header and caption
  lines) anchor the rows.
- Number columns: the x-extents of numeric chunks, merged where they overlap.
- Label cells: label text (left of the numbers) split at visible gaps into pieces; pieces on
  neighbouring lines at the wrapped-line pitch that overlap horizontally form one cell (works
  for left-aligned and centred text alike).
- Label columns: left edges shared by several cells (or of a cell right of another on its
  line), kept only where some cell lies wholly in the column before (centred labels of one
  column do not make columns). Each column is read on its own, so a vertical group label
  interleaving with the wrapped lines of the row labels beside it never mixes into them.
- A cell holding a row's number line belongs to that row (several: a group label merged over
  them); a cell beside deeper labels is a group label; any other cell is a label-only row (a
  caption, the tail of a label cut by a page break).
- Group labels cover the rows nested under them: a top-aligned one (its first line starts its
  first row) down to the next group label, a centred one as far above as below its centre;
  rows before any group label on the page share one empty cell for the stitcher to fill.
- A table continued on the next page is laid out with the previous page's columns as hints
  (`GridTable.positional`), so stitch.py can join the two and a row cut by the break.
"""
from __future__ import annotations

from dataclasses import dataclass

from .grid import GridTable
from .layout import TextLine
from .lines import Line, join_lines, line_text
from .page import Char
from .stitch import is_numeric

START_TOL = 3.0  # points: left edges this close start the same column (at least)


@dataclass
class _Piece:
    line: int  # index into the run
    x0: float
    x1: float
    cy: float
    text: str


@dataclass
class _Block:
    col: int
    pieces: list[_Piece]
    end: int = 0  # last label column it reaches into

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


def _label_starts(extents: list[tuple[float, float]], hint: list[float], beside: list[float],
                  tol: float = START_TOL) -> list[float]:
    """Left edges shared by two or more label cells or of a cell right of another on its line
    (`beside`), plus the hint's, and the leftmost edge.
    An edge is a column start only if some cell lies wholly in the column before it (centred
    labels of one column share left edges too, but every one of them crosses such an edge)."""
    x0s = [a for a, _ in extents]
    groups: list[list[float]] = []
    for x in sorted(x0s):
        if groups and x - groups[-1][-1] <= tol:
            groups[-1].append(x)
        else:
            groups.append([x])
    starts = [g[0] for g in groups if len(g) >= 2 or any(abs(g[0] - x) <= tol for x in beside)]
    starts = [x for x in starts if not any(abs(h - x) <= tol for h in hint)] + list(hint)
    starts.sort()
    if x0s and (not starts or min(x0s) < starts[0] - tol):
        starts.insert(0, min(x0s))
    if not starts:
        return [0.0]
    kept = [starts[0]]
    for x in starts[1:]:
        if x in hint or any(kept[-1] - tol <= a < x - tol and b <= x + tol for a, b in extents):
            kept.append(x)
    return kept


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
    pieces: list[_Piece] = []
    for i, chs in raw_pieces:
        ln = Line(chs, min(c.top for c in chs), max(c.bottom for c in chs))
        pieces.append(_Piece(i, chs[0].x0, max(c.x1 for c in chs), (run[i].top + run[i].bottom) / 2,
                             line_text(ln)))
    cy = [(ln.top + ln.bottom) / 2 for ln in run]
    anchors = sorted(i for i in range(len(run)) if values[i])

    # pitch of wrapped lines inside one cell (distances of line centres: the same in both back
    # ends whatever their glyph boxes)
    steps = []
    by_cy = sorted(range(len(pieces)), key=lambda a: pieces[a].cy)
    for n, a in enumerate(by_cy):
        p = pieces[a]
        for q in (pieces[b] for b in by_cy[n + 1:]):
            d = q.cy - p.cy
            if d > 2.0 * em:
                break
            if 0.8 * em <= d and q.x0 < p.x1 and p.x0 < q.x1:
                steps.append(d)
    pitch = _median(steps, 1.6 * em)
    near = 1.3 * pitch

    # blocks (cells): pieces on neighbouring lines that overlap horizontally
    parent = list(range(len(pieces)))

    def find(a: int) -> int:
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    for n, a in enumerate(by_cy):
        p = pieces[a]
        for b in by_cy[n + 1:]:
            q = pieces[b]
            if q.cy - p.cy > near:
                break
            if q.line != p.line and 0 < q.cy - p.cy and q.x0 < p.x1 and p.x0 < q.x1:
                ra, rb = find(a), find(b)
                if ra != rb:
                    parent[rb] = ra
    groups: dict[int, list[_Piece]] = {}
    for a, p in enumerate(pieces):
        groups.setdefault(find(a), []).append(p)
    blocks = [_Block(0, sorted(g, key=lambda p: (p.cy, p.x0))) for g in groups.values()]
    # label columns: left edges shared by two or more cells
    beside = [b.pieces[0].x0 for b in blocks
              if any(q.line == b.pieces[0].line and q.x1 < b.pieces[0].x0 for q in pieces)]
    tol = max(START_TOL, 0.8 * em)  # centred labels of one column start up to ~1 em apart
    starts = _label_starts([(min(p.x0 for p in b.pieces), max(p.x1 for p in b.pieces)) for b in blocks],
                           list(hint["label_starts"]) if hint else [], beside, tol)
    L = len(starts)

    def col_of(x: float) -> int:
        return max((j for j, s in enumerate(starts) if s <= x + tol), default=0)

    for b in blocks:
        b.col = col_of(min(p.x0 for p in b.pieces))
        b.end = max(b.col, max((j for j, s in enumerate(starts) if s < max(p.x1 for p in b.pieces) - tol),
                               default=0))
    blocks.sort(key=lambda b: (b.top, b.col))

    def deeper_beside(b: _Block) -> bool:
        return any(o.col > b.end and b.top - near <= o.bottom and o.top <= b.bottom + near for o in blocks)

    # a row label block running over several rows' number lines (rows set tight, no padding
    # between them): one cell per number line, each wrapped line to the nearer one
    split: list[_Block] = []
    for b in blocks:
        seeds = [p for p in b.pieces if p.line in anchors]
        if len({p.line for p in seeds}) < 2 or deeper_beside(b):
            split.append(b)
            continue
        parts: dict[int, list[_Piece]] = {}
        for p in b.pieces:
            s0 = min(seeds, key=lambda q: (abs(q.cy - p.cy), q.cy))  # a tie goes to the row above
            parts.setdefault(s0.line, []).append(p)
        for line in sorted(parts):
            split.append(_Block(b.col, parts[line], b.end))
    blocks = sorted(split, key=lambda b: (b.top, b.col))

    # each block to its row(s)
    row_lines = set(anchors)
    home: dict[int, int] = {}
    span_to: dict[int, int] = {}
    for k, b in enumerate(blocks):
        lo, hi = run[b.pieces[0].line].top, run[b.pieces[-1].line].bottom
        inside = [i for i in anchors if lo - 0.5 <= cy[i] <= hi + 0.5]
        if inside:
            home[k], span_to[k] = inside[0], inside[-1]
        elif deeper_beside(b) and anchors:
            mid = (b.top + b.bottom) / 2
            home[k] = span_to[k] = min(anchors, key=lambda i: (abs(cy[i] - mid), i))
        else:
            home[k] = span_to[k] = b.pieces[0].line  # a row of its own (caption, label cut by a page break)
            row_lines.add(b.pieces[0].line)
    rows = sorted(row_lines)
    ridx = {line: r for r, line in enumerate(rows)}
    R = len(rows)

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

    # label cells; a group label (deeper labels beside it) is top-aligned when its first line
    # starts its first row's cell, otherwise centred on the rows it heads
    texts: dict[tuple[int, int], list[str]] = {}
    reach: dict[tuple[int, int], int] = {}
    vspan: dict[tuple[int, int], int] = {}
    for k, b in enumerate(blocks):
        r = ridx[home[k]]
        key = (r, b.col)
        texts.setdefault(key, []).append(join_lines([p.text for p in b.pieces]))
        reach[key] = max(reach.get(key, b.col), b.end)
        vspan[key] = max(vspan.get(key, r), ridx[span_to[k]])
    top_aligned: dict[tuple[int, int], bool] = {}
    row_of = [ridx[home[k]] for k in range(len(blocks))]
    for k, b in enumerate(blocks):
        r = row_of[k]
        deeper = [o.top for j, o in enumerate(blocks) if o.col > b.end and row_of[j] == r]
        top_aligned[(r, b.col)] = bool(deeper) and abs(min(deeper) - b.top) <= 0.25 * pitch
    group_src: dict[int, tuple[int, int]] = {}  # region id -> (row, col) of a group label
    for (r, k) in sorted(texts):
        row_cols = [c for (rr, c) in texts if rr == r]
        nxt = min((c for c in row_cols if c > k), default=L)
        c1 = L - 1 if nxt == L else min(reach[(r, k)], nxt - 1)
        rid = put(r, vspan[(r, k)], k, c1, join_lines(texts[(r, k)]))
        if nxt < L:
            group_src[rid] = (r, k)

    # group labels cover the rows nested under them (rows with deeper labels): a top-aligned
    # label down to the next group label; a centred one as far below as above its centre
    row_top = {r: run[line].top for r, line in enumerate(rows)}
    row_bot = {r: run[line].bottom for r, line in enumerate(rows)}
    innermost = {}
    for (r, c) in texts:
        innermost[r] = max(innermost.get(r, c), c)
    for k, b in enumerate(blocks):
        r = ridx[home[k]]
        if b.col == innermost.get(r):
            row_top[r] = min(row_top[r], run[b.pieces[0].line].top)
            row_bot[r] = max(row_bot[r], run[b.pieces[-1].line].bottom)
    centre_of = {(ridx[home[k]], b.col): (b.top + b.bottom) / 2 for k, b in enumerate(blocks)}
    for k in range(L):
        free = [region[r][k] == -1 and any(region[r][c] != -1 and cells[r][c] for c in range(k + 1, L))
                for r in range(R)]
        heads = [r for r in range(R) if region[r][k] in group_src and group_src[region[r][k]] == (r, k)]

        def reach_down(h: int) -> int:
            e = h
            while e + 1 < R and (free[e + 1] or region[e + 1][k] == region[h][k]):
                e += 1
            return e

        def reach_up(h: int) -> int:
            s = h
            while s - 1 >= 0 and free[s - 1]:
                s -= 1
            return s

        shared: int | None = None
        for r in range(R):
            if not free[r]:
                shared = None
                continue
            a = max((h for h in heads if h < r and all(free[x] or region[x][k] == region[h][k]
                                                       for x in range(h + 1, r))), default=None)
            b = min((h for h in heads if h > r and all(free[x] for x in range(r + 1, h))), default=None)
            src = None
            if b is not None and not top_aligned.get((b, k)):
                start_y = 2 * centre_of[(b, k)] - row_bot[reach_down(b)]
                if (row_top[r] + row_bot[r]) / 2 >= start_y - 0.5 * pitch:
                    src = b
            if src is None and a is not None:
                if top_aligned.get((a, k)) or b is None:
                    src = a
                else:
                    end_y = 2 * centre_of[(a, k)] - row_top[reach_up(a)]
                    src = a if (row_top[r] + row_bot[r]) / 2 <= end_y + 0.5 * pitch else b
            if src is None:
                # rows under a group label not on this page (a continued table): one shared
                # empty cell, so the stitcher can carry the label over
                shared = put(r, r, k, k, "", shared)
                continue
            shared = None
            put(r, r, k, k, cells[src][k], region[src][k])
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
