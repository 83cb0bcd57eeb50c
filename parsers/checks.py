"""Consistency checks (勾稽关系) over the canonical cells. Checks never change a number: each
returns a CheckResult with the values that were compared.

- applications_balance (stated in the template): per applicant column,
  new_received + carried_over == total_processed + carried_forward
- row_total: per applications row, total == sum of the six applicant columns
- results_total: per column, total_processed == sum of the result rows
- review_total: per review/litigation group, total == upheld + corrected + other_result + pending
- count_valid: applications and review/litigation cells are whole numbers from 0 to MAX_COUNT; section 二
  decision counts from 0 to MAX_DECISIONS (changes 本年增/减 and money amounts are not counts)
  (a negative or absurd "count" is a misread or a typo, never a valid figure)

A check is only made when every value it needs is present (not null).
"""
from __future__ import annotations

import re
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


# ---------------------------------------------------------------- values that cannot be counts

# more applications or review cases than any one agency has in a year (the largest report a
# few ten thousand): a figure past it is a misread (glued digits, a date, a phone number)
MAX_COUNT = 1_000_000


def check_counts(table: str, cells: dict[str, dict[str, Any]], *, max_count: int = MAX_COUNT) -> list[CheckResult]:
    """count_valid: every value of a table of counts is a whole number from 0 to `max_count`.
    One failed result per offending cell (with the value), or one passed result for the table."""
    out: list[CheckResult] = []
    seen = 0
    for row, cols in cells.items():
        for col, v in (cols or {}).items():
            if not _num(v):
                continue
            seen += 1
            why = ("negative" if v < 0 else "not a whole number" if not float(v).is_integer()
                   else f"larger than {max_count}" if v > max_count else "")
            if why:
                out.append(CheckResult("count_valid", False, f"{table}.{row}.{col}",
                                       f"{table}.{row}.{col} = {v}: {why}, cannot be a count",
                                       {"value": v, "table": table, "row": row, "column": col, "max": max_count}))
    if seen and not out:
        out.append(CheckResult("count_valid", True, table, "", {"cells": seen, "max": max_count}))
    return out


# section 二 counts decisions (许可/处罚/强制): a large city reports millions of penalty decisions
# (traffic fines: 3,985,758 in one real report), so its ceiling is higher than for applications
MAX_DECISIONS = 100_000_000
# section 二 columns that are not counts: signed changes (本年增/减) and money amounts (元/万元, decimals)
_NOT_COUNT_COLUMNS = ("change",)


def _active_counts(active: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {row: {c: v for c, v in (cols or {}).items() if c not in _NOT_COUNT_COLUMNS and "amount" not in c}
            for row, cols in active.items()}


def run_checks(applications: dict[str, dict[str, Any]], review: dict[str, dict[str, Any]],
               active: dict[str, dict[str, Any]] | None = None) -> list[CheckResult]:
    return (check_applications(applications) + check_review(review)
            + check_counts("active_disclosure", _active_counts(active or {}), max_count=MAX_DECISIONS)
            + check_counts("applications", applications) + check_counts("review_litigation", review))


# ---------------------------------------------------------------- narrative vs table (soft)

_NUM_SEP = r"(?:案件|申请)?(?:共计|共|合计|累计|总计|均为|为|数量为?|数)?"
# (scope, what the sentence states, pattern); the number is group 1 (None: the sentence says "none")
_NARRATIVE = (
    ("review_litigation", "review_and_litigation",
     re.compile(rf"行政复议(?:和|及|与|、|或|,)?(?:提起)?行政诉讼{_NUM_SEP}(\d+)件")),
    ("review_litigation", "review_and_litigation",
     re.compile(r"(?:未发生|没有发生|未出现|未有|未收到|无)[^。;；，,]{0,20}?行政复议(?:和|及|与|、|或|,)?(?:提起)?行政诉讼"
                r"(?![^。;；]{0,6}?\d)")),
    ("review_litigation", "review",
     re.compile(rf"(?:被申请|发生|收到|引起|涉及|提起|政府信息公开)?行政复议{_NUM_SEP}(\d+)件")),
    ("review_litigation", "litigation",
     re.compile(rf"(?:被提起|被起诉|发生|引起|涉及|提起|政府信息公开)?行政诉讼{_NUM_SEP}(\d+)件")),
    ("applications", "applications",
     re.compile(r"(?:收到|受理|接收|新收|接到)(?:各类|[^。;；，,]{0,8}?)?(?:政府)?信息公开申请(?:件)?"
                r"(?:共计|共|合计|累计|总计)?(\d+)件")),
    ("applications", "applications",
     re.compile(r"(?:未收到|没有收到|未接到|未受理)(?:[^。;；，,]{0,6}?)(?:政府)?信息公开申请(?![^。;；]{0,4}?\d)")),
)


# An office or department named as the subject of the clause ("区政府办代表区政府受理", "办公室共受理"):
# its figure covers only part of what the report's tables count.
_SUB_UNIT = re.compile(r"(?:政府办|办公室|办公厅|[局委厅处科室所站队])(?:代表[^。;；，,]{0,8})?(?:共计|共|累计|全年|依法)?$")


def _by_sub_unit(text: str, start: int) -> bool:
    clause = re.split(r"[。;；，,:：]", text[max(0, start - 30):start])[-1]
    clause = re.sub(r"\d{4}年(?:度)?", "", clause)
    m = _SUB_UNIT.search(clause)
    return bool(m) and not re.search(r"(?:我|本)(?:单位|机关)?.?$", clause[:m.start() + 1])


def _total(table: dict[str, dict[str, Any]], row: str, col: str = "total") -> Any:
    v = (table.get(row) or {}).get(col)
    return v if _num(v) else None


def _table_figures(stated: str, app: dict[str, dict[str, Any]], review: dict[str, dict[str, Any]]) -> list[Any]:
    """The table values a narrative statement may legitimately repeat (any one agreeing passes)."""
    if stated == "applications":
        nr, co, tp = _total(app, "new_received"), _total(app, "carried_over"), _total(app, "total_processed")
        out = [nr, tp]
        if nr is not None and co is not None:
            out.append(nr + co)
        return [v for v in out if v is not None]
    groups = {"review": ["review"], "litigation": ["litigation_direct", "litigation_after_review"],
              "review_and_litigation": ["review", "litigation_direct", "litigation_after_review"]}[stated]
    vals = [_total(review, g) for g in groups]
    if all(v is None for v in vals):
        return []
    return [sum(v for v in vals if v is not None)]


def check_narrative(overview: str, applications: dict[str, dict[str, Any]],
                    review: dict[str, dict[str, Any]]) -> list[CheckResult]:
    """narrative_vs_table (soft): figures the 总体情况 text states for applications received and
    for 行政复议/行政诉讼 cases, compared with the tables. A disagreement is a failed check with
    both values; the tables stay as they are (they are the authority)."""
    text = re.sub(r"\s+", "", overview or "")
    out: list[CheckResult] = []
    taken: list[tuple[int, int]] = []
    for scope, stated, pat in _NARRATIVE:
        for m in pat.finditer(text):
            if any(s < m.end() and m.start() < e for s, e in taken):
                continue  # already read as part of a longer statement
            if _by_sub_unit(text, m.start()):
                continue  # "区政府办代表区政府受理…": a part of the reporting body, not the whole table
            figures = _table_figures(stated, applications, review)
            if not figures:
                continue
            taken.append((m.start(), m.end()))
            said = int(m.group(1)) if pat.groups and m.group(1) is not None else 0
            ok = said in figures
            out.append(CheckResult(
                "narrative_vs_table", ok, scope,
                "" if ok else f"总体情况 says {m.group(0)!r} ({said}) but the table gives {figures[0]}",
                {"narrative": said, "table": figures[0], "stated": stated, "text": m.group(0)}))
            break  # one statement per kind
    return out
