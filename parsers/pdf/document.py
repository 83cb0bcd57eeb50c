"""Pages -> Document blocks: paragraphs from text lines, ruled tables stitched across pages,
and a positional table for rows of numbers drawn without rules."""
from __future__ import annotations

from ..model import Block, Paragraph, Table
from .grid import GridTable
from .layout import PageLayout, TextLine
from .lines import join_lines
from .positional import positional_grid
from .stitch import continues, is_numeric, merge_into, starts_item


def to_table(g: GridTable) -> Table:
    return Table(rows=[list(r) for r in g.cells], origins=g.origins(), page=g.page,
                 method=g.method or ("positional" if g.positional is not None else "grid"), row_pages=g.pages())


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
        last = out[-1] if out and not para else None
        hint = last.positional if isinstance(last, GridTable) and last.page < page.number else None
        items = _positional_tables(page, hint)
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
# label-only lines one row's label may wrap over: between two rows of numbers, or opening the
# next page (the tail of the label of a row cut by the page break)
WRAPPED_LABEL_LINES = 20


def _is_tabular(ln: TextLine) -> bool:
    nums = sum(1 for _, _, t in ln.chunks if is_numeric(t))
    return len(ln.chunks) >= 3 and nums >= 1 or (len(ln.chunks) >= 2 and nums >= 2) \
        or (nums >= 1 and len(ln.chunks) >= 2 and is_numeric(ln.chunks[-1][2]))


def _positional_tables(page: PageLayout, hint: dict | None = None) -> list[GridTable | TextLine]:
    """Turn runs of text lines that hold columns of numbers into tables (no rules drawn).
    `hint`: the column geometry of a rule-less table ending the previous page; label-only
    lines opening this page (the tail of a row cut by the page break) then join the table."""
    items = page.items
    out: list[GridTable | TextLine] = []
    lead: list[TextLine] = []
    if hint:
        first_tab = next((k for k, it in enumerate(items) if not isinstance(it, TextLine) or _is_tabular(it)), None)
        if first_tab is not None and isinstance(items[first_tab], TextLine):
            num_x0 = hint["num_cols"][0][0]
            k = first_tab
            while k > 0 and isinstance(items[k - 1], TextLine) and items[k - 1].x1 <= num_x0 \
                    and not any(is_numeric(t) for _, _, t in items[k - 1].chunks) and first_tab - k < WRAPPED_LABEL_LINES:
                k -= 1
            if all(isinstance(it, TextLine) and it.bottom < 0.09 * page.height for it in items[:k]):
                lead = list(items[k:first_tab])
                out.extend(items[:k])
                items = items[k:]
    i = len(lead)
    while i < len(items):
        it = items[i]
        if not (isinstance(it, TextLine) and _is_tabular(it)):
            out.append(it)
            i += 1
            continue
        # collect the run: tabular lines, plus wrapped label lines before, between and after them
        j = i
        run: list[TextLine] = list(lead) if i == len(lead) and lead else []
        if not run:
            run = _label_lines_above(out, it)
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
                    (ln.x1 <= num_x0 + 2 and len(pending) < WRAPPED_LABEL_LINES)
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
        use_hint = bool(lead) and run[:len(lead)] == lead
        if len(tab) < 2 and not (tab and sum(1 for _, _, t in tab[0].chunks if is_numeric(t)) >= 5) and not use_hint:
            if lead and i == len(lead):
                out.extend(lead)
            out.append(it)
            i += 1
            continue
        at_top = all(isinstance(x, TextLine) and x.bottom < 0.09 * page.height for x in out)
        out.append(positional_grid(run, page.number, hint if use_hint or (at_top and _same_columns(run, hint)) else None))
        out.extend(pending)
        i = j
    return out


def _label_lines_above(out: list, first: TextLine) -> list[TextLine]:
    """Label-only lines just above a table's first line of numbers (a label centred on its row
    starts above the numbers), taken off `out`."""
    num_x0 = min(x0 for x0, _, t in first.chunks if is_numeric(t)) if any(is_numeric(t) for _, _, t in first.chunks) \
        else first.x1
    taken: list[TextLine] = []
    nxt = first
    while out and isinstance(out[-1], TextLine) and len(taken) < 4:
        ln = out[-1]
        size = max(ln.size, 1.0)
        if ln.x1 > num_x0 - 2 or any(is_numeric(t) for _, _, t in ln.chunks) \
                or (nxt.top + nxt.bottom) / 2 - (ln.top + ln.bottom) / 2 > 1.2 * size:
            break
        taken.insert(0, out.pop())
        nxt = ln
    return taken


def _same_columns(run: list[TextLine], hint: dict | None) -> bool:
    """Does a rule-less table opening the page have the number columns of the previous page's?"""
    if not hint:
        return False
    spans = [(x0, x1) for ln in run for x0, x1, t in ln.chunks if is_numeric(t)]
    cols = hint["num_cols"]
    return bool(spans) and all(any(a - 3.0 <= (x0 + x1) / 2 <= b + 3.0 for a, b in cols) for x0, x1 in spans)
