"""Pages -> Document blocks: paragraphs from text lines, ruled tables stitched across pages,
and a positional table for rows of numbers drawn without rules."""
from __future__ import annotations

import re

from ..model import Block, Paragraph, Table
from .grid import GridTable
from .layout import PageLayout, TextLine
from .lines import join_lines
from .stitch import continues, is_numeric, merge_into, starts_item


def to_table(g: GridTable) -> Table:
    return Table(rows=[list(r) for r in g.cells], origins=g.origins(), page=g.page)


def build_blocks(pages: list[PageLayout]) -> list[Block]:
    out: list[Block | GridTable] = []
    para: list[str] = []
    prev_line: TextLine | None = None
    margins = (0.0, 0.0)

    def flush() -> None:
        nonlocal para
        if para:
            out.append(Paragraph(join_lines(para)))
            para = []

    for page in pages:
        margins = _margins([it for it in page.items if isinstance(it, TextLine)], page.width)
        items = _positional_tables(page)
        # running header lines in the top margin do not separate a table from its continuation
        first = next((k for k, it in enumerate(items)
                      if not (isinstance(it, TextLine) and it.bottom < 0.09 * page.height)), len(items))
        for idx, it in enumerate(items):
            if isinstance(it, GridTable):
                flush()
                prev_line = None
                last = out[-1] if out else None
                if idx == first and isinstance(last, GridTable) and last.page < it.page and continues(last, it):
                    merge_into(last, it)
                    last.page_last = it.page  # type: ignore[attr-defined]
                else:
                    out.append(it)
                continue
            if prev_line is None or _starts_paragraph(it, prev_line, margins, same_page=(idx > 0)):
                flush()
            para.append(it.text)
            prev_line = it
    flush()
    return [to_table(b) if isinstance(b, GridTable) else b for b in out]


def _margins(lines: list[TextLine], width: float) -> tuple[float, float]:
    if not lines:
        return (0.0, width)
    x0s = sorted(round(ln.x0) for ln in lines)
    x1s = sorted(round(ln.x1) for ln in lines)
    left = x0s[len(x0s) // 10]
    right = x1s[-1 - len(x1s) // 10]
    return (left, right)


def _starts_paragraph(ln: TextLine, prev: TextLine, margins: tuple[float, float], *, same_page: bool) -> bool:
    left, right = margins
    size = ln.size or 10.0
    if ln.x0 - left > 0.8 * size:  # indented first line, centred title
        return True
    if prev.x1 < right - 2.5 * size:  # previous line ended short (CJK lines end up to ~2 chars early)
        return True
    if same_page and ln.top - prev.bottom > 1.2 * max(ln.bottom - ln.top, size):
        return True
    if starts_item(ln.text) and len(ln.text) < 40:
        return True
    return False


# ---------------------------------------------------------------- rule-less tables
def _is_tabular(ln: TextLine) -> bool:
    nums = sum(1 for _, _, t in ln.chunks if is_numeric(t))
    return len(ln.chunks) >= 3 and nums >= 1 or (len(ln.chunks) >= 2 and nums >= 2) \
        or (nums >= 1 and len(ln.chunks) >= 2 and is_numeric(ln.chunks[-1][2]))


def _positional_tables(page: PageLayout) -> list[GridTable | TextLine]:
    """Turn runs of text lines that hold columns of numbers into tables (no rules drawn)."""
    items = page.items
    out: list[GridTable | TextLine] = []
    i = 0
    while i < len(items):
        it = items[i]
        if not (isinstance(it, TextLine) and _is_tabular(it)):
            out.append(it)
            i += 1
            continue
        # collect the run: tabular lines, plus wrapped label lines between and after them
        j = i
        run: list[TextLine] = []
        pending: list[TextLine] = []
        num_x0 = float("inf")
        while j < len(items) and isinstance(items[j], TextLine):
            ln = items[j]
            texts = [t for _, _, t in ln.chunks]
            if _is_tabular(ln):
                run.extend(pending)
                pending = []
                run.append(ln)
                num_x0 = min([num_x0] + [x0 for x0, _, t in ln.chunks if is_numeric(t)])
            elif not any(is_numeric(t) for t in texts) and (
                    (ln.x1 <= num_x0 + 2 and len(pending) < 20)
                    or (all(len(t) <= 24 for t in texts) and len(pending) < 6)):
                pending.append(ln)
            else:
                break
            j += 1
        # trailing wrapped label lines (label area only, close below the last row) stay in the table
        keep = 0
        prev = run[-1] if run else None
        for ln in pending:
            if prev is None or ln.x1 > num_x0 + 2 or ln.top - prev.bottom > 1.5 * max(ln.bottom - ln.top, 1.0):
                break
            keep += 1
            prev = ln
        run.extend(pending[:keep])
        pending = pending[keep:]
        tab = [ln for ln in run if _is_tabular(ln)]
        if len(tab) < 2 and not (tab and sum(1 for _, _, t in tab[0].chunks if is_numeric(t)) >= 5):
            out.append(it)
            i += 1
            continue
        out.append(_positional_grid(run, page.number))
        out.extend(pending)
        i = j
    return out


def _positional_grid(run: list[TextLine], page: int) -> GridTable:
    """Rule-less table: number columns from the x-extent of numeric chunks, one label column
    for everything left of them; a row per line holding numbers; a wrapped label line joins
    the neighbouring line it sits closer to (cell padding makes gaps between rows larger than
    gaps between the lines of one cell, whatever the vertical alignment)."""
    anchors = [i for i, ln in enumerate(run) if any(is_numeric(t) for _, _, t in ln.chunks)]
    spans = sorted((x0, x1) for i in anchors for x0, x1, t in run[i].chunks if is_numeric(t))
    cols: list[list[float]] = []
    for x0, x1 in spans:
        if cols and x0 <= cols[-1][1] + 1.0:
            cols[-1][1] = max(cols[-1][1], x1)
        else:
            cols.append([x0, x1])
    label_end = cols[0][0] - 1.0
    # lines reaching into the number columns (captions, header rows) are rows of their own
    anchors = sorted(set(anchors) | {i for i, ln in enumerate(run) if ln.x1 > label_end + 2.0})
    # distances between line centres: the same in both PDF back ends whatever their glyph boxes
    cy = [(ln.top + ln.bottom) / 2 for ln in run]
    gaps = sorted(b - a for a, b in zip(cy, cy[1:]))
    line_gap = max(gaps[len(gaps) // 5], 0.5) if gaps else 0.5  # pitch of wrapped lines in one cell
    owner = list(range(len(run)))  # line index -> anchor line index
    for i, ln in enumerate(run):
        if i in anchors:
            continue
        up = cy[i] - cy[i - 1] if i > 0 else float("inf")
        down = cy[i + 1] - cy[i] if i + 1 < len(run) else float("inf")
        if up != float("inf") and down != float("inf") and abs(up - down) <= 0.2 * max(up, down) \
                and min(up, down) > 1.15 * line_gap:
            owner[i] = i  # as far from both neighbours: a row of its own (caption, label-only row)
            anchors.append(i)
        else:
            owner[i] = i - 1 if up <= down else i + 1
    anchors.sort()
    for _ in range(len(run)):  # resolve chains to an anchor line
        changed = False
        for i in range(len(run)):
            if owner[owner[i]] != owner[i]:
                owner[i] = owner[owner[i]]
                changed = True
        if not changed:
            break
    rows: list[list[str]] = []
    for a in anchors:
        labels: list[str] = []
        nums = [""] * len(cols)
        for i, ln in enumerate(run):
            if owner[i] != a:
                continue
            parts = []
            for x0, x1, t in ln.chunks:
                cx = (x0 + x1) / 2
                if x1 <= label_end + 1.0 or (not is_numeric(t) and x0 < label_end):
                    parts.append(t)
                    continue
                k = min(range(len(cols)), key=lambda n: 0 if cols[n][0] <= cx <= cols[n][1] else
                        min(abs(cx - cols[n][0]), abs(cx - cols[n][1])))
                nums[k] = (nums[k] + t) if nums[k] else t
            if parts:
                labels.append("".join(parts))
        rows.append([join_lines(labels)] + nums)
    xs = [min(ln.x0 for ln in run), label_end] + [(a[1] + b[0]) / 2 for a, b in zip(cols, cols[1:])] + [cols[-1][1]]
    region = [[r * (len(cols) + 1) + c for c in range(len(cols) + 1)] for r in range(len(rows))]
    ys = [run[0].top] + [run[a].bottom for a in anchors]
    return GridTable(page, xs, ys, rows, region)
