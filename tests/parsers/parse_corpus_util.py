"""Compare a ParsedReport with a corpus truth.json (shared by the corpus tests and bench)."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

TABLES = ("active_disclosure", "applications", "review_litigation")
RULE_SCOPE = {"row_total": "row", "results_total": "column", "review_total": "group",
              "applications_balance": "column"}


def truth_cells(truth: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for t in TABLES:
        for row, cols in truth.get(t, {}).items():
            for col, v in cols.items():
                out[f"{t}.{row}.{col}"] = v
    return out


def report_cells(rep: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for t in TABLES:
        for row, cols in (rep.get(t) or {}).items():
            for col, v in cols.items():
                out[f"{t}.{row}.{col}"] = v
    return out


def cell_mismatches(rep: dict[str, Any], truth: dict[str, Any]) -> list[str]:
    got = report_cells(rep)
    uncertain = set(truth.get("uncertain_cells", []))
    bad = []
    for k, v in truth_cells(truth).items():
        if k in uncertain:
            continue
        if k not in got:
            bad.append(f"{k}: missing (truth {v!r})")
        elif got[k] != v or type(got[k]) is not type(v) and v is not None and not (
                isinstance(v, (int, float)) and isinstance(got[k], (int, float)) and got[k] == v):
            bad.append(f"{k}: got {got[k]!r}, truth {v!r}")
    return bad


def inconsistency_problems(rep: dict[str, Any], truth: dict[str, Any]) -> list[str]:
    """Recorded source inconsistencies that are not reported as failed checks, and failed
    checks that the truth does not record."""
    failed = [c for c in rep.get("checks", []) if not c["passed"]]
    problems = []
    expected = set()
    for inc in truth.get("source_inconsistencies", []):
        rule = inc.get("rule")
        if rule == "narrative_vs_table":  # truth records only a sentence: any such failed check
            hits = [c for c in failed if c["rule"] == rule]
            if not hits:
                problems.append(f"not reported: {inc}")
            expected.update((rule, c["scope"]) for c in hits)
            continue
        if rule not in RULE_SCOPE:
            continue
        scope = inc.get(RULE_SCOPE[rule])
        expected.add((rule, scope))
        match = [c for c in failed if c["rule"] == rule and c["scope"] == scope]
        if not match:
            problems.append(f"not reported: {inc}")
            continue
        vals = {k: v for k, v in inc.items() if k not in ("rule", RULE_SCOPE[rule])}
        if any(match[0]["values"].get(k) != v for k, v in vals.items()):
            problems.append(f"values differ: {inc} vs {match[0]['values']}")
    for c in failed:
        if (c["rule"], c["scope"]) not in expected:
            problems.append(f"unexpected failed check: {c['rule']} {c['scope']} {c['detail']}")
    return problems


def load_truth(folder: Path) -> dict[str, Any]:
    return json.loads((folder / "truth.json").read_text("utf-8"))
