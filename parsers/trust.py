"""Never a wrong number: cells read by a weak method are not published when the table's own
totals disprove them.

A failed stated total (勾稽关系) on cells read by OCR or by position (a rule-less PDF) means
one of those readings is wrong, or the source itself disagrees; either way the cells involved
cannot be told right from wrong, so they become null with a reason and a warning naming them.
Cells read from a grid, a text stream or the narrative keep their values: there a failed check
is the source's own inconsistency and is reported as such (parsers/checks.py).
"""
from __future__ import annotations

from typing import Any

from .checks import APPLICANT_KEYS, result_rows
from .model import CheckResult, ParsedReport

WEAK_METHODS = frozenset({"ocr", "positional"})
_REVIEW_COLS = ("upheld", "corrected", "other_result", "pending", "total")


def involved_cells(check: CheckResult, applications: dict[str, dict[str, Any]]) -> list[tuple[str, str, str]]:
    """(table, row, column) of every cell a total check compared."""
    if check.rule == "row_total":
        return [("applications", check.scope, c) for c in APPLICANT_KEYS]
    if check.rule == "results_total":
        rows = result_rows(applications) + ["total_processed"]
        return [("applications", r, check.scope) for r in rows]
    if check.rule == "applications_balance":
        return [("applications", r, check.scope)
                for r in ("new_received", "carried_over", "total_processed", "carried_forward")]
    if check.rule == "review_total":
        return [("review_litigation", check.scope, c) for c in _REVIEW_COLS]
    return []


def method_of(rep: ParsedReport, table: str, row: str, col: str) -> str | None:
    return ((rep.provenance.get(table) or {}).get(row) or {}).get(col, {}).get("method")


# most local first: a misread cell fails its row's total and its column's; nulling the row
# (then re-running the checks) keeps the rest of the column
RULE_ORDER = (("row_total", "review_total"), ("results_total", "applications_balance"))


def downgrade_failed_totals(rep: ParsedReport, rules: tuple[str, ...]) -> int:
    """Null the OCR'd / positional cells of every failed total among `rules`; returns how many
    were nulled. The caller re-runs the checks on what is left."""
    n = 0
    for chk in rep.checks:
        if chk.passed or chk.rule not in rules:
            continue
        cells = involved_cells(chk, rep.applications)
        weak = [(t, r, c) for t, r, c in cells
                if method_of(rep, t, r, c) in WEAK_METHODS and getattr(rep, t).get(r, {}).get(c) is not None]
        if not weak:
            continue
        reason = (f"read by {'/'.join(sorted({method_of(rep, *x) for x in weak}))} and the table's stated total "
                  f"disagrees ({chk.rule} {chk.scope}: {chk.detail})")
        for t, r, c in weak:
            getattr(rep, t)[r][c] = None
            rep.null_reasons.setdefault(t, {}).setdefault(r, {})[c] = reason
            n += 1
        names = ", ".join(f"{t}.{r}.{c}" for t, r, c in weak)
        rep.warnings.append(f"{names}: left null — {reason}")
    return n
