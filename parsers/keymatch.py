"""Label text -> canonical key. Labels and keys come from `parsers/spec.py` only; comparison
uses `parsers/labels.normalize_label` only.

A row label in a real report may be: the official label, a listed variant, the label without
or with other numbering ("1、" / "1." / "（一）"), a label cut short by a wrapped line or page
break ("2.没有现成信息需要"), or a label plus its group label in the same text.
"""
from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from functools import lru_cache

from . import spec
from .labels import normalize_label

# numbering at the start of a normalised label: (一) 一. 1. (1) 1)
_NUMBERING = re.compile(r"^(?:\([一二三四五六七八九十\d]{1,3}\)|[一二三四五六七八九十]{1,3}\.|\d{1,2}\.|\d{1,2}\))")
_TRAILING_NOTE = re.compile(r"\([^()]*\)$")


def norm(text: str | None) -> str:
    """Normalised label without quote marks (quotes are often dropped or doubled)."""
    return normalize_label(text).replace('"', "")


def strip_numbering(t: str) -> str:
    prev = None
    while prev != t:
        prev = t
        t = _NUMBERING.sub("", t)
    return t


def numbering(t: str) -> str:
    m = _NUMBERING.match(t)
    return m.group(0) if m else ""


@dataclass(frozen=True)
class KeyForms:
    key: str
    cores: tuple[str, ...]  # normalised, numbering stripped, longest first


def _forms(label: str, variants: tuple[str, ...]) -> tuple[str, ...]:
    out: set[str] = set()
    for raw in (label, *variants):
        t = strip_numbering(norm(raw))
        if t:
            out.add(t)
        short = _TRAILING_NOTE.sub("", t)
        if short and len(short) >= 2:
            out.add(short)
    return tuple(sorted(out, key=len, reverse=True))


# rows whose label alone is too generic to be matched by containment
_GENERIC_APP_KEYS = {"other_other", "total_processed"}


@lru_cache(maxsize=1)
def application_forms() -> tuple[KeyForms, ...]:
    seen: dict[str, KeyForms] = {}
    for name in spec.TEMPLATES:
        for kl in spec.template(name).application_rows:
            if kl.key in _GENERIC_APP_KEYS or kl.key in seen:
                continue
            seen[kl.key] = KeyForms(kl.key, _forms(kl.label, kl.variants))
    return tuple(seen.values())


def match_application_row(text: str, *, after_unpaid_fee: bool = False) -> str | None:
    """Canonical applications row key for a label text, or None."""
    t = norm(text)
    if not t:
        return None
    s = strip_numbering(t)
    # generic labels first: they are whole-label matches
    if t.endswith("3.其他") or (s == "其他" and after_unpaid_fee):
        return "other_other"
    if t in ("(六)其他", "六.其他"):  # the group label variant of （六）其他处理 used as a single row
        return "other_handling"
    if re.search(r"(?:\(七\)|七\.)?(?:总计|合计)$", t) and len(s) <= 4:
        return "total_processed"
    best: tuple[float, str] | None = None
    tie = False
    for kf in application_forms():
        for core in kf.cores:
            score: float | None = None
            if core in t:
                score = len(core)
            elif len(s) >= 4 and core.startswith(s):
                score = len(s) - 0.5
            if score is not None:
                if best is None or score > best[0]:
                    best, tie = (score, kf.key), False
                elif score == best[0] and kf.key != best[1]:
                    tie = True
                break
    if best is not None and not tie:
        return best[1]
    if len(s) >= 6:  # OCR / typo tolerance
        scored = []
        for kf in application_forms():
            r = max(difflib.SequenceMatcher(None, s, c).ratio() for c in kf.cores if len(c) >= 4) \
                if any(len(c) >= 4 for c in kf.cores) else 0.0
            scored.append((r, kf.key))
        scored.sort(reverse=True)
        if scored and scored[0][0] >= 0.8 and (len(scored) == 1 or scored[0][0] - scored[1][0] >= 0.1):
            return scored[0][1]
    return None


# ---------------------------------------------------------------- active disclosure (section 二)

@dataclass(frozen=True)
class ActiveRow:
    key: str
    table: str  # art20_1 ...
    cores: tuple[str, ...]


@lru_cache(maxsize=1)
def active_rows() -> tuple[ActiveRow, ...]:
    rows: dict[str, ActiveRow] = {}
    for name in spec.TEMPLATES:
        for tb in spec.template(name).active_tables:
            for r in tb.rows:
                cores = set(_forms(r.label, r.variants))
                if r.key in rows:
                    cores |= set(rows[r.key].cores)
                rows[r.key] = ActiveRow(r.key, tb.key, tuple(sorted(cores, key=len, reverse=True)))
    return tuple(rows.values())


def match_active_row(text: str) -> ActiveRow | None:
    """Section-二 row for a label cell. The label must start the cell text (a short note may
    follow, as in 规章（设区的市…应提供相关数据）)."""
    t = strip_numbering(norm(text))
    if not t or len(t) > 40:
        return None
    best: tuple[int, ActiveRow] | None = None
    for ar in active_rows():
        for core in ar.cores:
            if t == core or (t.startswith(core) and (len(t) - len(core) <= 30) and t[len(core)] in "(:数"):
                if best is None or len(core) > best[0]:
                    best = (len(core), ar)
    return best[1] if best else None


@dataclass(frozen=True)
class ActiveColumn:
    template: str
    table: str
    key: str
    core: str


@lru_cache(maxsize=1)
def active_columns() -> tuple[ActiveColumn, ...]:
    out = []
    for name in spec.TEMPLATES:
        for tb in spec.template(name).active_tables:
            for c in tb.columns:
                for core in _forms(c.label, c.variants):
                    if len(core) >= 4:
                        out.append(ActiveColumn(name, tb.key, c.key, core))
    return tuple(sorted(out, key=lambda c: len(c.core), reverse=True))


def match_active_columns(text: str) -> list[ActiveColumn]:
    """All (template, table, column) readings of a section-二 header cell."""
    t = norm(text)
    if not t or len(t) > 40:
        return []
    hits = [c for c in active_columns() if t == c.core or t.startswith(c.core)]
    if not hits:
        return []
    longest = len(hits[0].core)
    return [c for c in hits if len(c.core) == longest]


# ---------------------------------------------------------------- applicant columns (section 三)

@lru_cache(maxsize=1)
def applicant_forms() -> tuple[KeyForms, ...]:
    return tuple(KeyForms(c.key, _forms(c.label, c.variants)) for c in spec.applicant_columns())


def match_applicant_column(text: str) -> str | None:
    t = norm(text)
    if not t:
        return None
    for kf in applicant_forms():
        if t in kf.cores:
            return kf.key
    for kf in applicant_forms():
        if any(len(c) >= 3 and c in t for c in kf.cores) and len(t) <= 8:
            return kf.key
    return None


# ---------------------------------------------------------------- review / litigation (section 四)

def match_review_group(text: str) -> str | None:
    t = norm(text)
    if "复议后" in t:
        return "litigation_after_review"
    if "直接起诉" in t or "未经复议" in t:
        return "litigation_direct"
    if t in ("行政复议",) or (t.startswith("行政复议") and len(t) <= 6):
        return "review"
    return None


def match_review_group_in(text: str) -> str | None:
    """The review/litigation group a caption or header text names (the LAST group word wins:
    a segment may still hold the section heading '…行政复议、行政诉讼情况')."""
    t = norm(text)
    hits = [(t.rfind(w), g) for w, g in (("复议后", "litigation_after_review"), ("直接起诉", "litigation_direct"),
                                         ("未经复议", "litigation_direct"), ("行政复议", "review"))]
    hits = [h for h in hits if h[0] >= 0]
    if not hits:
        return None
    return max(hits)[1]


def match_review_column(text: str) -> str | None:
    t = norm(text)
    for kl in spec.review_columns():
        forms = {norm(kl.label), *(norm(v) for v in kl.variants)}
        if t in forms:
            return kl.key
    return None
