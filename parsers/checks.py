"""Consistency checks (勾稽关系) over the canonical cells. Checks never change a number: each
returns a CheckResult with the values that were compared.

- applications_balance (stated in the template): per applicant column,
  new_received + carried_over == total_processed + carried_forward
- row_total: per applications row, total == sum of the six applicant columns
- results_total: per column, total_processed == sum of the result rows
- review_total: per review/litigation group, total == upheld + corrected + other_result + pending

A check is only made when every value it needs is present (not null).
"""
from __future__ import annotations

from typing import Any

from . import spec
from .model import CheckResult

APPLICANT_KEYS = tuple(c.key for c in spec.applicant_columns())
_NON_RESULT = {"new_received", "carried_over", "total_processed", "carried_forward"}


def _num(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _eq(a: float, b: float) -> bool:
    return abs(a - b) < 1e-6


def result_rows(applications: dict[str, dict[str, Any]]) -> list[str]:
    keys = []
    for name in spec.TEMPLATES:
        for kl in spec.template(name).application_rows:
            if kl.key not in _NON_RESULT and kl.key in applications and kl.key not in keys:
                keys.append(kl.key)
    return keys


def check_applications(app: dict[str, dict[str, Any]]) -> list[CheckResult]:
    out: list[CheckResult] = []
    need = ("new_received", "carried_over", "total_processed", "carried_forward")
    if all(k in app for k in need):
        for col in APPLICANT_KEYS:
            v = {k: app[k].get(col) for k in need}
            if not all(_num(x) for x in v.values()):
                continue
            lhs = v["new_received"] + v["carried_over"]
            rhs = v["total_processed"] + v["carried_forward"]
            ok = _eq(lhs, rhs)
            out.append(CheckResult(
                "applications_balance", ok, col,
                "" if ok else f"{col}: 新收 {v['new_received']} + 上年结转 {v['carried_over']} = {lhs} "
                              f"≠ 总计 {v['total_processed']} + 结转下年度 {v['carried_forward']} = {rhs}",
                {**v, "received_side": lhs, "processed_side": rhs}))
    for row, cells in app.items():
        parts = [cells.get(c) for c in APPLICANT_KEYS[:-1]]
        total = cells.get("total")
        if not all(_num(x) for x in parts) or not _num(total):
            continue
        s = sum(parts)  # type: ignore[arg-type]
        ok = _eq(s, total)  # type: ignore[arg-type]
        out.append(CheckResult("row_total", ok, row,
                               "" if ok else f"{row}: columns add up to {s}, stated total {total}",
                               {"sum_of_columns": s, "stated_total": total}))
    results = result_rows(app)
    if "total_processed" in app and results:
        for col in APPLICANT_KEYS:
            vals = [app[r].get(col) for r in results]
            stated = app["total_processed"].get(col)
            if not all(_num(x) for x in vals) or not _num(stated):
                continue
            s = sum(vals)  # type: ignore[arg-type]
            ok = _eq(s, stated)  # type: ignore[arg-type]
            out.append(CheckResult("results_total", ok, col,
                                   "" if ok else f"{col}: result rows add up to {s}, stated （七）总计 {stated}",
                                   {"sum_of_results": s, "stated_total_processed": stated}))
    return out


def check_review(review: dict[str, dict[str, Any]]) -> list[CheckResult]:
    out: list[CheckResult] = []
    for g in spec.review_groups():
        cells = review.get(g.key)
        if not cells:
            continue
        parts = [cells.get(c) for c in ("upheld", "corrected", "other_result", "pending")]
        total = cells.get("total")
        if not all(_num(x) for x in parts) or not _num(total):
            continue
        s = sum(parts)  # type: ignore[arg-type]
        ok = _eq(s, total)  # type: ignore[arg-type]
        out.append(CheckResult("review_total", ok, g.key,
                               "" if ok else f"{g.key}: parts add up to {s}, stated total {total}",
                               {"sum_of_parts": s, "stated_total": total}))
    return out


def run_checks(applications: dict[str, dict[str, Any]], review: dict[str, dict[str, Any]]) -> list[CheckResult]:
    return check_applications(applications) + check_review(review)
