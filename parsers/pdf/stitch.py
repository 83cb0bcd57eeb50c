"""Join a table continued on the next page to its first part.

Rules (geometry first, then content):
- the next page's first block is a table whose outer edges match the previous page's last table
  and whose column rules mostly coincide with it; nothing but page furniture lies between;
- header rows repeated at the top of the continuation are dropped;
- a row split by the page break (its label continues, its numbers sit on one side) is joined;
- a vertically merged label cell that crosses the break keeps one text on both pages.
"""
from __future__ import annotations

import re
from functools import lru_cache

from ..labels import normalize_label
from .grid import GridTable
from .lines import join_lines
from .rules import cluster_positions

EDGE_TOL = 4.0
COL_TOL = 3.0
_NUMERIC = re.compile(r"^[-+]?\d[\d,，]*(?:\.\d+)?%?$")
_NEW_ITEM = re.compile(r"^\s*(?:[一二三四五六七八九十]+\s*[、.．]|[（(]\s*[一二三四五六七八九十\d]+\s*[)）]|\d+\s*[、.．]|第[一二三四五六七八九十\d]+(?!方))")


def is_numeric(text: str) -> bool:
    return bool(_NUMERIC.match(re.sub(r"\s+", "", text)))


def starts_item(text: str) -> bool:
    return bool(_NEW_ITEM.match(text))


@lru_cache(maxsize=1)
def _known_labels() -> frozenset[str]:
    """Complete row labels of the State Council tables (numbering stripped), so a row that
    starts a page with such a label is never taken for the tail of a split row."""
    from .. import spec

    out: set[str] = set()
    for name in spec.TEMPLATES:
        t = spec.template(name)
        rows = list(t.application_rows) + [r for tb in t.active_tables for r in tb.rows]
        for r in rows:
            for text in (r.label, *r.variants, r.group or ""):
                if text:
                    out.add(_strip_numbering(normalize_label(text)))
    out.discard("")
    return frozenset(out)


_NUMBERING = re.compile(r"^(?:\([一二三四五六七八九十\d]{1,3}\)|[一二三四五六七八九十]{1,3}\.|\d{1,2}\.)")


def _strip_numbering(t: str) -> str:
    return _NUMBERING.sub("", t)


def is_known_label(text: str) -> bool:
    return _strip_numbering(normalize_label(text)) in _known_labels()


def is_bare_number(text: str) -> bool:
    """An item number with nothing after it ('（六）', '1.'): a label cut right after its
    number, whose words are still to come."""
    t = normalize_label(text)
    return bool(t) and not _strip_numbering(t)


def continues(prev: GridTable, nxt: GridTable) -> bool:
    if prev.positional is not None or nxt.positional is not None:
        return _same_positional(prev, nxt)
    if abs(prev.x0 - nxt.x0) > EDGE_TOL or abs(prev.x1 - nxt.x1) > EDGE_TOL:
        return False
    inner_p, inner_n = prev.xs[1:-1], nxt.xs[1:-1]
    small, big = (inner_n, inner_p) if len(inner_n) <= len(inner_p) else (inner_p, inner_n)
    if not small:
        return True
    hits = sum(1 for x in small if any(abs(x - y) <= COL_TOL for y in big))
    return hits >= 0.6 * len(small)


def _same_positional(prev: GridTable, nxt: GridTable) -> bool:
    """Rule-less tables: the same number columns, and label column starts of which one page's
    are a subset of the other's (a page may lack a nested label column); the continuation is
    laid out with the previous page's columns as hints."""
    a, b = prev.positional, nxt.positional
    if a is None or b is None or len(a["num_cols"]) != len(b["num_cols"]):
        return False
    small, big = sorted((a["label_starts"], b["label_starts"]), key=len)
    if not all(any(abs(x - y) <= 2 * EDGE_TOL for y in big) for x in small):
        return False
    return all(p0 - COL_TOL <= q1 and q0 <= p1 + COL_TOL for (p0, p1), (q0, q1) in zip(a["num_cols"], b["num_cols"]))


def _union_starts(a: list[float], b: list[float]) -> list[float]:
    out = sorted(a)
    for x in b:
        if not any(abs(x - y) <= 2 * EDGE_TOL for y in out):
            out.append(x)
    return sorted(out)


def _remap_positional(t: GridTable, starts: list[float]) -> None:
    """Re-express a rule-less table on more label columns: a new column repeats the cell of
    the column it was part of (that cell spans it)."""
    own = t.positional["label_starts"]
    L = len(own)
    cols = [max((j for j, s in enumerate(own) if s <= x + 2 * EDGE_TOL), default=0) for x in starts]
    cols += list(range(L, len(t.cells[0]) if t.cells else L))
    t.cells = [[row[k] for k in cols] for row in t.cells]
    t.region = [[row[k] for k in cols] for row in t.region]
    t.xs = list(starts) + t.xs[L:]
    t.positional = dict(t.positional, label_starts=list(starts))


def _remap(t: GridTable, xs: list[float]) -> None:
    """Re-express `t` on the column boundaries `xs` (a superset of its own)."""
    cols = []
    for j in range(len(xs) - 1):
        cx = (xs[j] + xs[j + 1]) / 2
        k = 0
        while k < len(t.xs) - 2 and cx > t.xs[k + 1]:
            k += 1
        cols.append(k)
    t.cells = [[row[k] for k in cols] for row in t.cells]
    t.region = [[row[k] for k in cols] for row in t.region]
    t.xs = list(xs)


def merge_into(prev: GridTable, nxt: GridTable) -> None:
    """Append `nxt` (the continuation) to `prev` in place."""
    if prev.positional is not None and nxt.positional is not None:
        starts = _union_starts(prev.positional["label_starts"], nxt.positional["label_starts"])
        _remap_positional(prev, starts)
        _remap_positional(nxt, starts)
    else:
        xs = cluster_positions(prev.xs + nxt.xs, COL_TOL)
        xs[0], xs[-1] = min(prev.x0, nxt.x0), max(prev.x1, nxt.x1)
        _remap(prev, xs)
        _remap(nxt, xs)
    offset = 1 + max((rid for row in prev.region for rid in row), default=0)
    cells = [list(r) for r in nxt.cells]
    region = [[rid + offset for rid in r] for r in nxt.region]
    # repeated header rows
    k = 0
    while k < len(cells) and k < len(prev.cells) and cells[k] == prev.cells[k] and any(cells[k]) \
            and not any(is_numeric(x) for x in cells[k]):
        k += 1
    cells, region = cells[k:], region[k:]
    prev_pages, nxt_pages = prev.pages(), nxt.pages()[k:]
    if cells and prev.cells:
        first, before = list(cells[0]), len(cells)
        _join_boundary(prev, cells, region)
        if len(cells) < before:  # the first continuation row was folded into the last row
            if any(x and is_numeric(x) for x in first):
                prev_pages[-1] = nxt_pages[0]  # the row's values are on the next page
            nxt_pages = nxt_pages[1:]
    prev.cells.extend(cells)
    prev.region.extend(region)
    prev.row_pages = prev_pages + nxt_pages


def _set_region_text(cells, region, rid, text) -> None:
    for r, row in enumerate(region):
        for c, x in enumerate(row):
            if x == rid:
                cells[r][c] = text


def _region_rows(region, rid) -> int:
    return sum(1 for row in region if rid in row)


def _join_boundary(prev: GridTable, cells: list[list[str]], region: list[list[int]]) -> None:
    L, Lr = prev.cells[-1], prev.region[-1]
    F, Fr = cells[0], region[0]
    n = len(F)
    label_cols = [c for c in range(n) if not is_numeric(F[c]) and not is_numeric(L[c])]
    # a label repeated from the last row (a vertically merged group label) starts nothing
    fresh = [c for c in label_cols if F[c] != L[c]]
    new_item = any(F[c] and starts_item(F[c]) for c in fresh)
    f_nums = [c for c in range(n) if F[c] and is_numeric(F[c])]
    l_nums = [c for c in range(n) if L[c] and is_numeric(L[c])]
    fills_gap = any(F[c] and not L[c] for c in range(n)) and not (f_nums and l_nums)
    only_label_left = not f_nums and l_nums and sum(1 for x in F if x) < sum(1 for x in L if x)
    # a complete label starts a new row, unless it is the words of a label cut after its number
    new_item = new_item or any(F[c] and is_known_label(F[c]) and not is_bare_number(L[c]) for c in fresh)
    if not new_item and (fills_gap or only_label_left):
        # one row split by the page break: fold the first continuation row into the last row
        done: set[int] = set()
        for c in range(n):
            lid, fid = Lr[c], Fr[c]
            if (lid, fid) in done:
                continue
            done.add((lid, fid))
            if F[c] and L[c] and F[c] != L[c]:
                text = join_lines([L[c], F[c]])
            else:
                text = L[c] or F[c]
            _set_region_text(prev.cells, prev.region, lid, text)
            _set_region_text(cells, region, fid, text)
            for row in region:  # the continuation's cell becomes the same cell
                for j, x in enumerate(row):
                    if x == fid:
                        row[j] = lid
        del cells[0]
        del region[0]
        return
    # a vertically merged label cell crossing the break
    seen: set[int] = set()
    for c in label_cols:
        lid, fid = Lr[c], Fr[c]
        if fid in seen or not L[c]:
            continue
        seen.add(fid)
        if not F[c]:
            text = L[c]
        elif not starts_item(F[c]) and F[c] != L[c] and (_region_rows(region, fid) > 1 or _region_rows(prev.region, lid) > 1) \
                and not any(F[j] and starts_item(F[j]) for j in range(c + 1) if Fr[j] == fid):
            text = join_lines([L[c], F[c]])
        else:
            continue
        _set_region_text(prev.cells, prev.region, lid, text)
        _set_region_text(cells, region, fid, text)
        for row in region:
            for j, x in enumerate(row):
                if x == fid:
                    row[j] = lid
