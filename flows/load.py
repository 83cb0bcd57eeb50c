"""Apply one run's load plan to the build warehouse — the single writer of a run.

The plan is a JSON file written by the pipeline (paths and plain data only):

    {run_id, flow, started_at, registry,                 # registry: CSV path or null
     documents: [{url, sha256, http_status, content_type, bytes, fetched_at, error, kind,
                  portal_id, report_id, final_url}],
     reports:   [{report, report_id, portal_id, page_url, document_url, sha256, load_fingerprint,
                  keep_existing, search_tokens}          # keep_existing: a failure placeholder;
                                                         # search_tokens: {section: words} (optional)
                 | {report_id, portal_id, page_url, light: true, load_fingerprint, report_status}],
                                                         # light: unchanged inputs (flows.unchanged)
     data_dir,                                           # where light entries are rebuilt from, if needed
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


# what a plan's report entry hands to the warehouse (warehouse.load.load_reports, Lake.write_reports)
LOAD_KEYS = ("report", "report_id", "portal_id", "page_url", "document_url", "sha256", "load_fingerprint")


def write_plan(path: str | Path, plan: dict[str, Any]) -> str:
    """Write a round's plan atomically, as compact JSON (a plan holds hundreds of reports with their
    section texts and search words: indenting and sorting them cost more than the parse cache's read)."""
    from .rawstore import _atomic_write

    _atomic_write(Path(path), json.dumps(plan, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))
    return str(path)


def apply_plan(plan_path: str, build_path: str, *, registry: str | None = None, refresh_search: bool = True,
               record_run: bool = True, con: Any = None) -> dict[str, Any]:
    """Load one plan. A parent flow loading many shard rounds passes refresh_search=False and
    record_run=False (no run/portal records per round) and calls `finish_run` once at the end."""
    import warehouse
    from warehouse import queries
    from warehouse.fts import stage_tokens

    from .unchanged import light_ids, resolve_light

    from . import progress

    plan = json.loads(Path(plan_path).read_text("utf-8"))
    own = con is None
    if own:
        Path(build_path).parent.mkdir(parents=True, exist_ok=True)
        con = warehouse.open_warehouse(build_path)
    try:
        if registry or plan.get("registry"):
            warehouse.load_portals(con, registry or plan["registry"])
        docs = plan.get("documents", [])
        # load cost per change: an unchanged document whose row is already there and fine is not rewritten
        same = [d["url"] for d in docs if d.get("status") == "unchanged" and not d.get("error")]
        current = queries.current_documents(con, same) if same else {}
        todo_docs = [{"run_id": plan["run_id"], **{k: d.get(k) for k in (
            "url", "sha256", "http_status", "content_type", "bytes", "fetched_at", "error", "kind",
            "portal_id", "report_id", "final_url")}} for d in docs
            if not (d.get("status") == "unchanged" and not d.get("error") and current.get(d["url"]) == d.get("sha256"))]
        if hasattr(warehouse.load, "record_documents"):  # bulk: one transaction for the round
            warehouse.load.record_documents(con, todo_docs)
        else:
            for d in todo_docs:
                warehouse.record_document(con, **d)
        # light entries (flows.unchanged): unchanged when the warehouse holds their fingerprint, else rebuilt
        items, same = resolve_light(plan.get("reports", []),
                                    queries.load_fingerprints(con, light_ids(plan.get("reports", []))),
                                    plan.get("data_dir"))
        placeholders = [it["report_id"] for it in items if it.get("keep_existing")]
        existing = queries.existing_report_ids(con, placeholders)
        todo = [it for it in items if not (it.get("keep_existing") and it["report_id"] in existing)]
        outcomes: dict[str, str] = {rid: "kept" for rid in existing}
        outcomes.update({rid: "unchanged" for rid in same})
        chunk = 200
        for i in range(0, len(todo), chunk):
            part = todo[i:i + chunk]
            results = warehouse.load_reports(con, [{k: it.get(k) for k in LOAD_KEYS} for it in part])
            for it, res in zip(part, results):
                outcomes[it["report_id"]] = res
            # the search tokens made with the parse, for the sections just (re)written
            stage_tokens(con, {it["report_id"]: it["search_tokens"] for it, res in zip(part, results)
                                             if res in ("inserted", "replaced") and it.get("search_tokens")})
            progress.emit("advance", "load", len(part))
        if refresh_search and any(v in ("inserted", "replaced") for v in outcomes.values()):
            warehouse.refresh_search(con)
        per_portal: dict[str, dict[str, Any]] = {pid: dict(s) for pid, s in (plan.get("portals") or {}).items()}
        counts: dict[str, Counter] = {}
        for it in plan.get("reports", []):
            counts.setdefault(it.get("portal_id") or "?", Counter())[outcomes.get(it["report_id"], "unchanged")] += 1
        for pid, c in counts.items():
            s = per_portal.setdefault(pid, {})
            s["new"] = c["inserted"]
            s["changed"] = c["replaced"]
            s["unchanged"] = c["unchanged"] + c["kept"]
        for s in per_portal.values():
            s.setdefault("new", 0)
            s.setdefault("changed", 0)
        if record_run and per_portal and plan.get("record_portal_runs", True):
            warehouse.record_portal_runs(con, plan["run_id"], per_portal)
        totals = Counter(outcomes.values())
        stats = dict(plan.get("stats") or {})
        # cumulative over the rounds of one run: the plan carries the figures of earlier rounds
        stats["reports_new"] = int(stats.get("reports_new") or 0) + totals["inserted"]
        stats["reports_changed"] = int(stats.get("reports_changed") or 0) + totals["replaced"]
        stats["reports_unchanged"] = int(stats.get("reports_unchanged") or 0) + totals["unchanged"] + totals["kept"]
        if record_run:
            warehouse.record_run(con, plan["run_id"], plan.get("started_at"), utc_now(), stats,
                                 status=plan.get("status") or "ok", flow=plan.get("flow"))
    finally:
        if own:
            con.close()
    return {"outcomes": outcomes, "per_portal": per_portal, "stats": stats}


def _round_marker(plan: Path) -> Path:
    return plan.with_name(plan.name[:-len(".json")] + ".loaded.json")


def _plan_identity(plan: Path) -> list[int]:
    """Which write of a round file this is: a shard started again rewrites its rounds (new files)."""
    st = plan.stat()
    return [st.st_ino, st.st_mtime_ns, st.st_size]


def load_rounds(shard_dir: str | Path, con: Any, *, on_loaded: Any = None) -> dict[str, dict]:
    """Load the rounds of a shard (finished or still running) that are not loaded yet, in order,
    into the open build warehouse `con`. Each loaded round gets a marker beside it
    (`plan-NNNN.loaded.json`: its load figures and which write of the round file it loaded), so
    the rounds of a running shard are loaded as they appear and never twice; a round rewritten
    by a shard started again is loaded again (loads are idempotent by fingerprint either way).
    `on_loaded(n_reports)` is called after each round loaded now.
    Returns {plan file name: {per_portal, outcomes}} of every round, loaded now or before."""
    from .rawstore import _write_json
    from .sinks import round_plans

    figures: dict[str, dict] = {}
    for path in round_plans(Path(shard_dir)):
        marker = _round_marker(path)
        try:
            ident = _plan_identity(path)
        except FileNotFoundError:  # the shard started again and removed it: its new round comes later
            continue
        try:
            done = json.loads(marker.read_text("utf-8"))
        except (FileNotFoundError, ValueError):
            done = None
        if done is not None and done.get("plan") == ident:
            figures[path.name] = done
            continue
        try:
            res = apply_plan(str(path), "", refresh_search=False, record_run=False, con=con)
        except FileNotFoundError:
            continue
        done = {"plan": ident, "per_portal": {pid: {k: int(s.get(k) or 0) for k in ("new", "changed", "unchanged")}
                                              for pid, s in res["per_portal"].items()},
                "outcomes": dict(Counter(res["outcomes"].values()))}
        _write_json(marker, done)
        figures[path.name] = done
        if on_loaded is not None:
            on_loaded(len(res["outcomes"]))
    return figures


def load_shard(shard_dir: str | Path, con: Any, *, on_loaded: Any = None) -> dict[str, Any]:
    """Load a finished shard's rounds (flows.sinks.PlanFiles) into the open build warehouse `con`,
    once: the rounds loaded while it ran are not loaded again (`load_rounds`), and the shard's
    figures are kept in `loaded.json`, so a rerun of the parent does not load it again (loading
    again would change nothing either: loads are idempotent by fingerprint).
    Returns {portals: {pid: {new, changed, unchanged}}, reports_new, reports_changed, reports_unchanged}."""
    from .rawstore import _write_json

    shard_dir = Path(shard_dir)
    marker = shard_dir / "loaded.json"
    if marker.exists():
        return json.loads(marker.read_text("utf-8"))
    rounds = load_rounds(shard_dir, con, on_loaded=on_loaded)
    portals: dict[str, dict[str, int]] = {}
    totals: Counter = Counter()
    for done in rounds.values():
        portals.update(done["per_portal"])
        totals.update(done["outcomes"])
    figures = {"portals": portals, "reports_new": totals["inserted"], "reports_changed": totals["replaced"],
               "reports_unchanged": totals["unchanged"] + totals["kept"]}
    _write_json(marker, figures)
    return figures


def finish_run(build_path: str, run_id: str, flow: str, started_at: str, stats: dict[str, Any], status: str,
               per_portal: dict[str, dict], *, error: str | None = None) -> dict[str, Any]:
    """End of a run, on the build warehouse: the full-text index brought up to date once (only
    new/changed sections are segmented), the per-portal figures and the run record written."""
    import warehouse

    Path(build_path).parent.mkdir(parents=True, exist_ok=True)
    con = warehouse.open_warehouse(build_path)
    try:
        indexed = warehouse.refresh_search(con) if status != "failed" else {}
        if per_portal:
            warehouse.record_portal_runs(con, run_id, per_portal)
        warehouse.record_run(con, run_id, started_at, utc_now(), stats, status=status, flow=flow, error=error)
    finally:
        con.close()
    return indexed


def finish_lake_run(lake_url: str, registry: str, run_id: str, flow: str, started_at: str, stats: dict[str, Any],
                    status: str, per_portal: dict[str, dict], public_path: str, *,
                    error: str | None = None) -> dict[str, Any]:
    """End of a run whose shards wrote into the DuckLake: the registry's portals, the per-portal
    figures and the run record into the lake, then the analysts' file materialised from it
    (only changed reports copied, full-text index for new/changed sections) and published."""
    from warehouse.lake import Lake

    lake = Lake.from_url(lake_url)
    try:
        lake.init()
        if per_portal:
            lake.write_reports([], run_id=run_id, portal_runs=per_portal)
        lake.record_run(run_id, started_at, utc_now(), stats, status=status, flow=flow, error=error)
        if status == "failed":
            return {}
        out = lake.materialise(public_path)
        return {"search": out.get("search"), "published": {"path": out.get("public"), "bytes": out.get("bytes"),
                                                           "reports": out.get("reports")},
                "materialise_timings": out.get("timings")}
    finally:
        lake.close()


def prepare_lake(lake_url: str, registry: str) -> None:
    """Create/migrate the DuckLake and load the registry's portals — by the parent, once, before
    its shards write (concurrent first-time migrations would conflict)."""
    from warehouse.lake import Lake

    lake = Lake.from_url(lake_url)
    try:
        lake.init()
        lake.load_portals(registry)
    finally:
        lake.close()
