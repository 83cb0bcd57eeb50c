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


# ---------------------------------------------------------------- trust score (issue 10)

def trust_score(rep: dict[str, Any], truth: dict[str, Any]) -> dict[str, Any]:
    """Every truth cell scored against a parsed report (`ParsedReport.to_dict()`):
    right (same value, blanks included), wrong (a different number), invented (a number where
    the truth is blank, or a cell the truth does not have), explained_null (null where the truth
    has a number, with a null_reasons entry and a warning naming the row), unexplained_null
    (the same without them), missing (no such cell) and no_provenance (a cell without a
    read method). A trustworthy reading has wrong == invented == unexplained_null == 0."""
    got = report_cells(rep)
    want = truth_cells(truth)
    uncertain = set(truth.get("uncertain_cells", []))
    reasons = rep.get("null_reasons") or {}
    prov = rep.get("provenance") or {}
    warnings = "\n".join(rep.get("warnings") or [])
    out: dict[str, list[str]] = {k: [] for k in ("right", "wrong", "invented", "explained_null",
                                                  "unexplained_null", "missing", "no_provenance")}
    for key, v in want.items():
        if key in uncertain:
            continue
        t, row, col = key.split(".")
        if key not in got:
            out["missing"].append(key)
            continue
        g = got[key]
        if not (prov.get(t, {}).get(row, {}).get(col) or {}).get("method"):
            out["no_provenance"].append(key)
        if g is None and v is None:
            out["right"].append(key)
        elif g is None:
            why = reasons.get(t, {}).get(row, {}).get(col)
            named = f"{t}.{row}" in warnings
            out["explained_null" if why and named else "unexplained_null"].append(f"{key}: truth {v!r}")
        elif v is None:
            out["invented"].append(f"{key}: got {g!r}, truth blank")
        elif g == v and isinstance(g, (int, float)) and isinstance(v, (int, float)):
            out["right"].append(key)
        else:
            out["wrong"].append(f"{key}: got {g!r}, truth {v!r}")
    for key in sorted(set(got) - set(want)):
        if got[key] is not None:
            out["invented"].append(f"{key}: got {got[key]!r}, not a truth cell")
    return {**out, "counts": {k: len(v) for k, v in out.items()}}


def untrustworthy(score: dict[str, Any]) -> list[str]:
    """The cells that break the contract: wrong, invented, or null without a reason."""
    return score["wrong"] + score["invented"] + score["unexplained_null"] + score["no_provenance"]
