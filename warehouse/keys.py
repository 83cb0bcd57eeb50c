"""Canonical keys and labels the warehouse needs, derived from `parsers.spec` (never re-typed).

Applications rows are the union of the 2019 and 2021 templates (2019's single `other_handling`
row plus 2021's three `other_*` rows), in template order.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from parsers import spec


@dataclass(frozen=True)
class Cell:
    row: str
    column: str
    row_label: str
    column_label: str


def _union(seqs):
    out: dict[str, object] = {}
    for seq in seqs:
        for kl in seq:
            out.setdefault(kl.key, kl)
    return list(out.values())


@lru_cache(maxsize=1)
def application_rows():
    """KeyLabel of every applications row, 2019 order with 2021's `other_*` rows after `other_handling`."""
    t19, t21 = spec.template("2019"), spec.template("2021")
    rows19 = list(t19.application_rows)
    extra = [r for r in t21.application_rows if r.key not in {x.key for x in rows19}]
    i = [r.key for r in rows19].index(spec.OTHER_HANDLING_2019) + 1
    return tuple(rows19[:i] + extra + rows19[i:])


@lru_cache(maxsize=1)
def application_cells() -> tuple[Cell, ...]:
    return tuple(Cell(r.key, c.key, _full_row_label(r), c.label)
                 for r in application_rows() for c in spec.applicant_columns())


def _full_row_label(r) -> str:
    return f"{r.group}/{r.label}" if r.group and not r.label.startswith(("一", "二", "四")) else r.label


@lru_cache(maxsize=1)
def review_cells() -> tuple[Cell, ...]:
    groups = {g.key: g.label for g in spec.review_groups()}
    cols = {c.key: c.label for c in spec.review_columns()}
    return tuple(Cell(g, c, groups[g], cols[c]) for g, c in spec.review_cell_order())


@lru_cache(maxsize=1)
def active_disclosure_cells() -> tuple[tuple[str, Cell], ...]:
    """(table_key, Cell) for every active-disclosure cell of both templates, without duplicates."""
    seen: set[tuple[str, str]] = set()
    out = []
    for name in spec.TEMPLATES:
        for tb in spec.template(name).active_tables:
            for r in tb.rows:
                for c in tb.columns:
                    if (r.key, c.key) in seen:
                        continue
                    seen.add((r.key, c.key))
                    out.append((tb.key, Cell(r.key, c.key, f"{tb.caption}/{r.label}", c.label)))
    return tuple(out)


@lru_cache(maxsize=1)
def active_row_table() -> dict[str, str]:
    """row_key -> table key (art20_1 …) for the active-disclosure tables."""
    return {cell.row: tk for tk, cell in active_disclosure_cells()}


@lru_cache(maxsize=1)
def section_numbers() -> dict[str, int]:
    # (the YAML field `no` is read as boolean False by YAML 1.1, so use the listed order, 1-based)
    return {s.key: i + 1 for i, s in enumerate(spec.sections())}


@lru_cache(maxsize=1)
def section_labels() -> dict[str, str]:
    return {s.key: s.label for s in spec.sections()}
