"""Re-parse reports from the raw store only — no network.

    from flows.reparse import reparse
    reparse(data_dir="data", portals=["demo-trs"])          # one portal
    reparse(data_dir="data", years=[2022])                  # one report year
    reparse(data_dir="data", parser_version="0.1.0")        # reports loaded by that parser version
    reparse(data_dir="data", stale_only=True)               # reports loaded by any other version

Reports come from the raw store's manifests (`raw/reports/*.json`, written by every crawl run);
their documents are parsed again (cached on sha256 + format + current PARSER_VERSION, so a
version bump re-parses and a repeat costs nothing), the best document is chosen as in the
nightly run and loaded; a report whose result is identical is left untouched.
"""
from __future__ import annotations

import os
from collections import Counter
from pathlib import Path
from typing import Any

from prefect import flow
from prefect.task_runners import ThreadPoolTaskRunner

import parsers

from flows import progress
from flows.load import write_plan
from flows.pipeline import CHUNK_ITEMS, data_paths, entries_from_manifests, new_run_id, portal_chunks
from flows.rawstore import RawStore, _write_json, utc_now
from flows.tasks import close_parse_pool, load_task, publish_task


def loaded_versions(build_path: Path) -> dict[str, tuple[str | None, int | None]]:
    """report_id -> (parser_version, year) as currently loaded (empty when no warehouse yet)."""
    if not build_path.exists():
        return {}
    import warehouse
    from warehouse import queries

    con = warehouse.open_warehouse(str(build_path), read_only=True)
    try:
        return queries.loaded_versions(con)
    finally:
        con.close()


def select_manifests(manifests: list[dict], loaded: dict[str, tuple[str | None, int | None]], *,
                     portals: list[str] | None, years: list[int] | None, parser_version: str | None,
                     stale_only: bool) -> list[dict]:
    out = []
    for m in manifests:
        rid = m["report_id"]
        version, wh_year = loaded.get(rid, (None, None))
        if portals and m.get("portal_id") not in portals:
            continue
        if years:
            item_year = (m.get("item") or {}).get("year")
            try:
                item_year = int(item_year)
            except (TypeError, ValueError):
                item_year = None
            if wh_year not in years and item_year not in years:
                continue
        if parser_version is not None and version != parser_version:
            continue
        if stale_only and version == parsers.PARSER_VERSION:
            continue
        out.append(m)
    return out


@flow(name="reparse", task_runner=ThreadPoolTaskRunner(max_workers=4), log_prints=True)
def reparse(data_dir: str = "data", portals: list[str] | None = None, years: list[int] | None = None,
            parser_version: str | None = None, stale_only: bool = False) -> dict[str, Any]:
    paths = data_paths(data_dir)
    store = RawStore(paths["data"])
    run_id = new_run_id("reparse")
    run_dir = paths["runs"] / run_id
    run_dir.mkdir(parents=True, exist_ok=True)
    started = utc_now()
    chosen = select_manifests(list(store.iter_reports()), loaded_versions(paths["build"]), portals=portals,
                              years=[int(y) for y in years] if years else None,
                              parser_version=parser_version, stale_only=stale_only)
    progress.emit("start", "load", len(chosen))
    outcomes: dict[str, str] = {}
    counts: Counter = Counter()
    loaded: dict[str, Any] = {"stats": {}}
    rounds = portal_chunks(chosen, int(os.environ.get("OGI_CHUNK_ITEMS") or CHUNK_ITEMS)) if chosen else [[]]
    try:
        for n, chunk in enumerate(rounds):
            entries, c, n_docs = entries_from_manifests(chunk, paths["data"])
            counts.update(c)
            stats = {"selected": len(chosen), "documents": counts["documents"] + n_docs,
                     "parsed": counts["parsed"], "parse_cached": counts["cached"],
                     "reports_new": loaded["stats"].get("reports_new", 0),
                     "reports_changed": loaded["stats"].get("reports_changed", 0),
                     "reports_unchanged": loaded["stats"].get("reports_unchanged", 0),
                     "parser_version": parsers.PARSER_VERSION, "rounds": len(rounds),
                     "filters": {"portals": portals, "years": years, "parser_version": parser_version,
                                 "stale_only": stale_only}}
            counts["documents"] += n_docs
            plan = {"run_id": run_id, "flow": "reparse", "started_at": started, "registry": None, "documents": [],
                    "reports": entries, "portals": {}, "stats": stats,
                    "status": "ok" if n == len(rounds) - 1 else "running", "record_portal_runs": False}
            loaded = load_task(write_plan(run_dir / "plan.json", plan), str(paths["build"]))
            outcomes.update(loaded["outcomes"])
    finally:
        close_parse_pool()
    published = publish_task(str(paths["build"]), str(paths["public"]))
    summary = {"run_id": run_id, "flow": "reparse", "status": "ok", "started_at": started,
               "finished_at": utc_now(), "data_dir": str(paths["data"]), "warehouse": str(paths["public"]),
               "stats": loaded["stats"], "outcomes": outcomes, "published": published}
    _write_json(run_dir / "summary.json", summary)
    (run_dir / "plan.json").unlink(missing_ok=True)
    return summary
