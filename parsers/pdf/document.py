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
        for idx, it in enumerate(items):
            if isinstance(it, GridTable):
                flush()
                prev_line = None
                last = out[-1] if out else None
                if idx == 0 and isinstance(last, GridTable) and last.page < it.page and continues(last, it):
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
        # collect the run: tabular lines, plus wrapped label lines between them
        j = i
        run: list[TextLine] = []
        pending: list[TextLine] = []
        while j < len(items) and isinstance(items[j], TextLine):
            ln = items[j]
            if _is_tabular(ln):
                run.extend(pending)
                pending = []
                run.append(ln)
            elif len(ln.chunks) <= 2 and len(ln.text) <= 40 and not is_numeric(ln.text) and len(pending) < 3:
                pending.append(ln)
            else:
                break
            j += 1
        if sum(1 for ln in run if _is_tabular(ln)) < 2:
            out.append(it)
            i += 1
            continue
        out.append(_positional_grid(run, page.number))
        out.extend(pending)
        i = j
    return out


def _positional_grid(run: list[TextLine], page: int) -> GridTable:
    spans = sorted((x0, x1) for ln in run if _is_tabular(ln) for x0, x1, _ in ln.chunks)
    cols: list[list[float]] = []
    for x0, x1 in spans:
        if cols and x0 <= cols[-1][1]:
            cols[-1][1] = max(cols[-1][1], x1)
        else:
            cols.append([x0, x1])
    xs = [cols[0][0]] + [(a[1] + b[0]) / 2 for a, b in zip(cols, cols[1:])] + [cols[-1][1]]
    rows: list[list[str]] = []
    pending: list[str] = []
    for ln in run:
        if not _is_tabular(ln):
            pending.append(ln.text)
            continue
        row = [""] * len(cols)
        for x0, x1, t in ln.chunks:
            cx = (x0 + x1) / 2
            k = max(0, min(len(cols) - 1, next((n for n in range(len(cols)) if cx <= xs[n + 1]), len(cols) - 1)))
            row[k] = (row[k] + " " + t).strip() if row[k] else t
        if pending:
            if not row[0] or not starts_item(row[0]):
                row[0] = join_lines(pending + [row[0]])
            elif rows:
                rows[-1][0] = join_lines([rows[-1][0]] + pending)
            pending = []
        rows.append(row)
    if pending and rows:
        rows[-1][0] = join_lines([rows[-1][0]] + pending)
    region = [[r * len(cols) + c for c in range(len(cols))] for r in range(len(rows))]
    ys = [run[0].top] + [ln.bottom for ln in run if _is_tabular(ln)]
    return GridTable(page, xs, ys, rows, region)
