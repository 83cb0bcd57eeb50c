"""Apply one run's load plan to the build warehouse — the single writer of a run.

The plan is a JSON file written by the pipeline (paths and plain data only):

    {run_id, flow, started_at, registry,                 # registry: CSV path or null
     documents: [{url, sha256, http_status, content_type, bytes, fetched_at, error, kind,
                  portal_id, report_id, final_url}],
     reports:   [{report, report_id, portal_id, page_url, document_url, sha256,
                  keep_existing}],                       # keep_existing: a failure placeholder
     portals:   {portal_id: {pages, reports_found, failed, status, error}},
     stats:     {...}}

Every warehouse call manages its own transaction, so a run killed midway leaves whole
reports only and the next run converges (loads are idempotent by fingerprint).
"""
from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

from .rawstore import utc_now


def write_plan(path: str | Path, plan: dict[str, Any]) -> str:
    from .rawstore import _write_json

    _write_json(Path(path), plan)
    return str(path)


def apply_plan(plan_path: str, build_path: str) -> dict[str, Any]:
    import warehouse
    from warehouse import queries

    from . import progress

    plan = json.loads(Path(plan_path).read_text("utf-8"))
    Path(build_path).parent.mkdir(parents=True, exist_ok=True)
    con = warehouse.open_warehouse(build_path)
    try:
        if plan.get("registry"):
            warehouse.load_portals(con, plan["registry"])
        for d in plan.get("documents", []):
            warehouse.record_document(con, run_id=plan["run_id"], **{k: d.get(k) for k in (
                "url", "sha256", "http_status", "content_type", "bytes", "fetched_at", "error", "kind",
                "portal_id", "report_id", "final_url")})
        items = plan.get("reports", [])
        placeholders = [it["report_id"] for it in items if it.get("keep_existing")]
        existing = queries.existing_report_ids(con, placeholders)
        todo = [it for it in items if not (it.get("keep_existing") and it["report_id"] in existing)]
        outcomes: dict[str, str] = {rid: "kept" for rid in existing}
        chunk = 200
        for i in range(0, len(todo), chunk):
            part = todo[i:i + chunk]
            results = warehouse.load_reports(con, [{k: it.get(k) for k in (
                "report", "report_id", "portal_id", "page_url", "document_url", "sha256")} for it in part])
            for it, res in zip(part, results):
                outcomes[it["report_id"]] = res
            progress.emit("advance", "load", len(part))
        if any(v in ("inserted", "replaced") for v in outcomes.values()) and hasattr(warehouse, "refresh_search"):
            warehouse.refresh_search(con)
        per_portal: dict[str, dict[str, Any]] = {pid: dict(s) for pid, s in (plan.get("portals") or {}).items()}
        counts: dict[str, Counter] = {}
        for it in items:
            counts.setdefault(it.get("portal_id") or "?", Counter())[outcomes.get(it["report_id"], "unchanged")] += 1
        for pid, c in counts.items():
            s = per_portal.setdefault(pid, {})
            s["new"] = c["inserted"]
            s["changed"] = c["replaced"]
            s["unchanged"] = c["unchanged"] + c["kept"]
        for s in per_portal.values():
            s.setdefault("new", 0)
            s.setdefault("changed", 0)
        if per_portal and plan.get("record_portal_runs", True):
            warehouse.record_portal_runs(con, plan["run_id"], per_portal)
        totals = Counter(outcomes.values())
        stats = dict(plan.get("stats") or {})
        # cumulative over the rounds of one run: the plan carries the figures of earlier rounds
        stats["reports_new"] = int(stats.get("reports_new") or 0) + totals["inserted"]
        stats["reports_changed"] = int(stats.get("reports_changed") or 0) + totals["replaced"]
        stats["reports_unchanged"] = int(stats.get("reports_unchanged") or 0) + totals["unchanged"] + totals["kept"]
        warehouse.record_run(con, plan["run_id"], plan.get("started_at"), utc_now(), stats,
                             status=plan.get("status") or "ok", flow=plan.get("flow"))
    finally:
        con.close()
    return {"outcomes": outcomes, "per_portal": per_portal, "stats": stats}
