"""Compare a reader's table grids with a corpus truth.json without canonical key mapping.

The three State Council tables list their numbers in a fixed reading order, so a faithful grid
must contain, in order: the section 二 numbers (one per merged cell), the applications rows as
rows ending in 7 numbers, and the 15 review/litigation numbers in one row. Labels are checked
separately by the tests that need them.
"""
from __future__ import annotations

import re

from parsers.model import Document, Table

_NUM = re.compile(r"^-?\d+(?:\.\d+)?$")


def _num(text: str) -> str | None:
    t = re.sub(r"[\s,，]", "", text or "")
    return t if _NUM.match(t) else None


def _fmt(v) -> str:
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def _same(a: str, b: str) -> bool:
    if a == b:
        return True
    try:
        return float(a) == float(b)
    except ValueError:
        return False


def tables(doc: Document) -> list[Table]:
    return [b for b in doc.blocks if isinstance(b, Table)]


def numeric_rows(doc: Document, width: int) -> list[tuple[list[str], list[str]]]:
    """(label cells, last `width` values) of rows whose last `width` distinct cells are numbers
    or blanks with at least one number."""
    out = []
    for t in tables(doc):
        for r, row in enumerate(t.rows):
            cells = _distinct(t, r)
            if len(cells) < width:
                continue
            tail = cells[-width:]
            if all(_num(x) is not None or not x.strip() for x in tail) and any(_num(x) for x in tail):
                labels = [x for x in cells[:-width] if x.strip()]
                if not labels or all(_num(x) is None for x in labels):
                    out.append((labels, [_num(x) or "" for x in tail]))
    return out


def _distinct(t: Table, r: int) -> list[str]:
    row = t.rows[r]
    if not t.origins:
        return list(row)
    out, seen = [], set()
    for c, x in enumerate(row):
        o = t.origins[r][c]
        if o in seen:
            continue
        seen.add(o)
        out.append(x)
    return out


def mismatches(doc: Document, truth: dict) -> list[str]:
    errs: list[str] = []
    apps = truth["applications"]
    rows7 = [(lab, vals) for lab, vals in numeric_rows(doc, 7) if lab]
    if len(rows7) < len(apps):
        errs.append(f"only {len(rows7)} rows with 7 numbers, truth has {len(apps)}")
    for (key, cols), (lab, vals) in zip(apps.items(), rows7):
        want = [_fmt(cols[c]) for c in ("natural_person", "commercial_enterprise", "research_institution",
                                          "social_welfare_org", "legal_service_org", "other_org", "total")]
        if not all(_same(a, b) for a, b in zip(want, vals)):
            errs.append(f"applications.{key}: got {vals} (label {lab}), want {want}")
    rl = truth["review_litigation"]
    want15 = [_fmt(rl[g][c]) for g in ("review", "litigation_direct", "litigation_after_review")
              for c in ("upheld", "corrected", "other_result", "pending", "total")]
    rows15 = [vals for _lab, vals in numeric_rows(doc, 15)]
    if not any(all(_same(a, b) for a, b in zip(want15, v)) for v in rows15):
        errs.append(f"review_litigation: want {want15}, rows of 15: {rows15}")
    ad = truth["active_disclosure"]
    want_ad = [_fmt(v) for row in ad.values() for v in row.values()]
    got_ad = []
    for t in tables(doc):
        flat = []
        for r in range(len(t.rows)):
            flat += [_num(x) for x in _distinct(t, r) if _num(x) is not None]
        if len(flat) == len(want_ad) and not any(len(v) >= 7 for _l, v in numeric_rows(doc, 7) if False):
            got_ad.append(flat)
    if not any(all(_same(a, b) for a, b in zip(want_ad, g)) for g in got_ad):
        errs.append(f"active_disclosure: want {want_ad} as one table's numbers; tables: {got_ad}")
    return errs


def find_row(doc: Document, label_prefix: str) -> list[str] | None:
    """Distinct cells of the first row having a cell whose whitespace-free text starts with the prefix."""
    for t in tables(doc):
        for r, row in enumerate(t.rows):
            if any(re.sub(r"\s+", "", x).startswith(label_prefix) for x in row):
                return _distinct(t, r)
    return None
