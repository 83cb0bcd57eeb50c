"""Running flows from the command line on Prefect's local ephemeral API (`ogi run`, `ogi demo`,
`ogi reparse`): quiet Prefect settings, rich progress bars, the closing summary.

`prepare_prefect()` must run before anything imports prefect: settings are read at import.
"""
from __future__ import annotations

import os
import threading
from contextlib import contextmanager
from typing import Any, Iterator

# Defaults for local runs; an explicit environment (PREFECT_API_URL, a profile …) wins.
LOCAL_PREFECT_ENV = {
    # a cold ephemeral server on 2 busy cores can need more than the default 20 s
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "180",
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    # the ephemeral SQLite server logs "database is locked" retries; they do not fail runs
    "PREFECT_SERVER_LOGGING_LEVEL": "CRITICAL",
    "PREFECT_LOGGING_LEVEL": "WARNING",
    "PREFECT_LOGGING_LOG_PRINTS": "false",
}


def prepare_prefect(verbose: int = 0) -> None:
    for key, value in LOCAL_PREFECT_ENV.items():
        if verbose and key in ("PREFECT_LOGGING_LEVEL", "PREFECT_SERVER_LOGGING_LEVEL"):
            value = "INFO" if verbose == 1 else "DEBUG"
        os.environ.setdefault(key, value)


STAGES = [("shards", "shards"), ("crawl", "crawl portals"), ("download", "download"), ("parse", "parse"), ("load", "load"),
          ("publish", "publish")]


@contextmanager
def progress_bars(enabled: bool = True) -> Iterator[None]:
    """Show one bar per pipeline stage while the flow runs (fed by flows.progress)."""
    if not enabled:
        yield
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from . import progress as events

    bars = Progress(SpinnerColumn(), TextColumn("{task.description:<14}"), BarColumn(), MofNCompleteColumn(),
                    TimeElapsedColumn(), transient=False)
    ids: dict[str, Any] = {}
    lock = threading.Lock()
    warmup = bars.add_task("start Prefect", total=None)

    def on_event(event: str, stage: str, n: int) -> None:
        with lock:
            if not bars.tasks[0].finished:
                bars.update(warmup, total=1, completed=1)
            if stage not in ids:
                label = dict(STAGES).get(stage, stage)
                ids[stage] = bars.add_task(label, total=None)
            tid = ids[stage]
            if event == "start":
                bars.update(tid, total=n, completed=0)
            elif event == "more":  # work added to a stage already under way (a shard's load)
                task = bars.tasks[[t.id for t in bars.tasks].index(tid)]
                bars.update(tid, total=(task.total or 0) + n)
            elif event == "advance":
                bars.advance(tid, n)
            elif event == "done":
                task = bars.tasks[[t.id for t in bars.tasks].index(tid)]
                bars.update(tid, total=task.total or n or 1, completed=task.total or n or 1)

    events.add_listener(on_event)
    bars.start()
    try:
        yield
    finally:
        events.remove_listener(on_event)
        with lock:
            for t in bars.tasks:
                if t.total is not None and t.completed < t.total and t.description.startswith("publish"):
                    bars.update(t.id, completed=t.total)
        bars.stop()


def print_summary(summary: dict[str, Any], *, title: str = "run summary") -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    stats = summary.get("stats") or {}
    console.print(f"[bold]{title}[/bold]: {summary.get('flow')} run {summary.get('run_id')} "
                  f"— {summary.get('status')}")
    if summary.get("error"):
        console.print(f"[red]error:[/red] {summary['error']}")
    portals = summary.get("portals") or {}
    if portals:
        t = Table("portal", "status", "found", "new", "changed", "unchanged", "failed", show_lines=False)
        for pid in sorted(portals):
            p = portals[pid]
            t.add_row(pid, str(p.get("status") or ""), str(p.get("reports_found") or 0), str(p.get("new") or 0),
                      str(p.get("changed") or 0), str(p.get("unchanged") or 0), str(p.get("failed") or 0))
        console.print(t)
    keys = [("reports", "reports"), ("reports_new", "new"), ("reports_changed", "changed"),
            ("reports_unchanged", "unchanged"), ("reports_failed", "failed"), ("documents", "documents"),
            ("downloaded", "downloaded (new/changed)"), ("bodies_received", "bodies received"),
            ("handed_over", "pages from the crawl"),
            ("not_modified", "not modified (304)"),
            ("documents_unchanged", "documents unchanged"), ("fetch_failed", "fetch failed"),
            ("fetch_skipped", "refused (hosts/robots)"), ("parsed", "parsed"), ("parse_cached", "parse cached"),
            ("reports_light", "unchanged inputs (not rebuilt)"),
            ("selected", "selected for reparse"), ("shards", "shards")]
    parts = [f"{label}={stats[k]}" for k, label in keys if k in stats]
    if parts:
        console.print(", ".join(parts))
    if stats.get("shards_failed"):
        console.print(f"[yellow]unfinished shards:[/yellow] {', '.join(stats['shards_failed'])} — "
                      f"`ogi run … --run-key {summary.get('run_id')}` runs only those")
    if summary.get("warehouse"):
        console.print(f"warehouse: {summary['warehouse']}")
