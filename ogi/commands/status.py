"""`ogi status` — the last runs, and per portal: reports found, new, changed, failed in its latest
run; portals that are stale (nothing found for --stale-days) or yield nothing.

    ogi status [--data-dir data] [--runs 5] [--stale-days 30] [--json]

Reads the published warehouse (`<data-dir>/warehouse.duckdb`) read-only, so it can run while a
pipeline is writing the build copy.
"""
from __future__ import annotations

import argparse
import json
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from warehouse import queries


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("status", help="last runs; per portal found/new/changed/failed; stale or empty portals",
                       description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data-dir", default="data")
    p.add_argument("--runs", type=int, default=5, help="how many recent runs to show (default 5)")
    p.add_argument("--stale-days", type=float, default=30.0,
                   help="a portal is stale when no run found a report in this many days (default 30)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=main)


from crawlers.registry import CRAWLED_STATUSES  # noqa: E402  (statuses with a portal of their own to crawl)


def collect(con: Any, *, runs: int = 5, stale_days: float = 30.0, now: datetime | None = None) -> dict[str, Any]:
    now = now or datetime.now(timezone.utc).replace(tzinfo=None)
    recent = []
    for r in queries.recent_runs(con, runs):
        s = r.pop("stats")
        recent.append({**r, "started_at": str(r["started_at"]), "finished_at": str(r["finished_at"]),
                       **{k: s.get(k) for k in ("reports", "reports_new", "reports_changed", "reports_failed",
                                                 "documents", "downloaded", "fetch_failed", "parsed")}})
    latest = queries.latest_portal_runs(con)
    last_found = queries.last_found_at(con)
    in_wh = queries.reports_per_portal(con)
    registered = queries.registered_portals(con)
    platforms = queries.portal_platforms(con)
    registry_status = queries.registry_statuses(con)
    refused = queries.blocked_documents(con)
    portal_ids = sorted(set(registered) | set(latest))
    cutoff = now - timedelta(days=stale_days)
    portals, stale, empty, never, blocked, uncovered = [], [], [], [], [], []
    for pid in portal_ids:
        row = latest.get(pid)
        found_at = last_found.get(pid)
        entry = {"portal_id": pid, "in_warehouse": in_wh.get(pid, (0, 0))[0],
                 "failed_in_warehouse": in_wh.get(pid, (0, 0))[1],
                 "last_found_at": str(found_at) if found_at else None, "platform": platforms.get(pid),
                 "blocked_documents": refused.get(pid, 0)}
        if row is None and registry_status.get(pid, "ok") not in CRAWLED_STATUSES:
            # the registry knows no portal to crawl for this government: coverage, not a failure
            uncovered.append(pid)
            entry.update(status=registry_status[pid])
        elif row is None:
            never.append(pid)
            entry.update(status="never run")
        else:
            _, run_id, found, new, changed, failed, status, error, _rec = row
            entry.update(run_id=run_id, found=found, new=new, changed=changed, failed=failed, status=status,
                         error=error)
            if status == "blocked":   # an anti-bot wall: not crawled, which is not yielding nothing
                blocked.append(pid)
            elif not found:
                empty.append(pid)
        entry["stale"] = found_at is None or found_at < cutoff
        if entry["stale"]:
            stale.append(pid)
        portals.append(entry)
    return {"runs": recent, "portals": portals, "stale": stale, "yielding_nothing": empty, "never_run": never,
            "blocked": blocked, "no_portal": uncovered,
            "stale_days": stale_days}


def main(args: argparse.Namespace) -> int:
    import warehouse

    data = Path(args.data_dir)
    path = data / "warehouse.duckdb"
    if not path.exists():
        path = data / "build" / "warehouse.duckdb"
    if not path.exists():
        print(f"ogi status: no warehouse under {data} yet — run `ogi run` or `ogi demo` first")
        return 1
    con = warehouse.open_warehouse(str(path), read_only=True)
    try:
        report = collect(con, runs=args.runs, stale_days=args.stale_days)
    finally:
        con.close()
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=1, default=str))
        return 0
    show(report, path)
    return 0


def show(report: dict[str, Any], path: Path) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    console.print(f"[bold]warehouse[/bold] {path}")
    runs = Table("run", "flow", "started (UTC)", "status", "reports", "new", "changed", "failed", "downloaded",
                 title="last runs")
    for r in report["runs"]:
        runs.add_row(r["run_id"], r["flow"] or "", r["started_at"][:19], r["status"] or "",
                     *[str(r.get(k) if r.get(k) is not None else "") for k in
                       ("reports", "reports_new", "reports_changed", "reports_failed", "downloaded")])
    console.print(runs)
    t = Table("portal", "platform", "last status", "found", "new", "changed", "failed", "blocked", "stale",
              "in warehouse", "last found (UTC)", title="portals (latest run each)")
    for p in report["portals"]:
        t.add_row(p["portal_id"], p.get("platform") or "", str(p.get("status") or ""),
                  *[str(p.get(k) if p.get(k) is not None else "")
                    for k in ("found", "new", "changed", "failed", "blocked_documents")],
                  "yes" if p.get("stale") else "", str(p.get("in_warehouse") or 0), (p["last_found_at"] or "never")[:19])
    console.print(t)
    if report["yielding_nothing"]:
        console.print(f"[yellow]yielding nothing in their latest run:[/yellow] {', '.join(report['yielding_nothing'])}")
    if report.get("blocked"):
        console.print(f"[red]blocked by an anti-bot wall in their latest run:[/red] {', '.join(report['blocked'])}")
    if report["stale"]:
        console.print(f"[yellow]stale (no report found in {report['stale_days']:g} days):[/yellow] "
                      f"{', '.join(report['stale'])}")
    if report.get("no_portal"):
        console.print(f"no portal to crawl (registry status no_portal / shared / out_of_scope): "
                      f"{len(report['no_portal'])} government(s) — `ogi registry stats` shows coverage")
    if report["never_run"]:
        console.print(f"never run: {len(report['never_run'])} registered portal(s)")
