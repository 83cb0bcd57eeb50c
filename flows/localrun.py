"""Running flows from the command line on Prefect's local ephemeral API (`ogi run`, `ogi demo`,
`ogi reparse`): quiet Prefect settings, rich progress bars, the closing summary.

`prepare_prefect()` must run before anything imports prefect: settings are read at import. It
starts Prefect's temporary local server at once (`LocalAPI`), so that the server comes up while
ogi imports and plans; `with api.serving():` around the flow call points Prefect at it.
"""
from __future__ import annotations

import atexit
import importlib.util
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path
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


def prepare_prefect(verbose: int = 0) -> "LocalAPI":
    """Quiet local defaults in the environment, then Prefect's local server started early (if this
    run will need one): call before anything imports prefect; run the flow `with api.serving():`."""
    for key, value in LOCAL_PREFECT_ENV.items():
        if verbose and key in ("PREFECT_LOGGING_LEVEL", "PREFECT_SERVER_LOGGING_LEVEL"):
            value = "INFO" if verbose == 1 else "DEBUG"
        os.environ.setdefault(key, value)
    return LocalAPI.start()


_DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class LocalAPI:
    """Prefect's temporary local server for one `ogi` command, started before ogi imports anything.

    With no API URL set, Prefect's client starts this same server itself on its first API call
    (prefect.server.api.server.SubprocessASGIServer: uvicorn in a subprocess, the SQLite database
    under PREFECT_HOME, stopped at exit) — that is, after ogi has imported its flows, and the server
    then needs ~3 s of imports of its own before it answers. Started here, with the same command
    line and environment, it comes up on the other core while ogi imports: an unchanged rerun of 50
    portals took 17.9 s instead of 20.4 s (A/B, 4 runs each, 2 cores).

    Not started (Prefect then does as it always does) when PREFECT_API_URL is set, when prefect is
    already imported in this process (its settings are read), or with OGI_EARLY_API=0; stopped again
    unused when a profile or prefect.toml names an API or forbids the temporary server.
    """

    def __init__(self, proc: subprocess.Popen | None = None, port: int = 0):
        self.proc, self.port = proc, port
        self.api_url = f"http://127.0.0.1:{port}/api" if proc is not None else None

    @classmethod
    def start(cls) -> "LocalAPI":
        if os.environ.get("PREFECT_API_URL") or "prefect" in sys.modules or os.environ.get("OGI_EARLY_API") == "0":
            return cls()
        spec = importlib.util.find_spec("prefect")
        if spec is None or not spec.submodule_search_locations:
            return cls()
        with socket.socket() as s:  # as SubprocessASGIServer.find_available_port
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        env = {**os.environ, "PREFECT_UI_ENABLED": "0", "PREFECT__SERVER_EPHEMERAL": "1", "PREFECT__SERVER_FINAL": "1"}
        app_dir = str(Path(list(spec.submodule_search_locations)[0]).parent)
        proc = subprocess.Popen([sys.executable, "-m", "uvicorn", "--app-dir", app_dir, "--factory",
                                 "prefect.server.api.server:create_app", "--host", "127.0.0.1", "--port", str(port),
                                 "--log-level", "error", "--lifespan", "on"], env=env, stdin=subprocess.DEVNULL)
        api = cls(proc, port)
        atexit.register(api.stop)  # registered before prefect's own exit handlers: runs after them
        return api

    def stop(self) -> None:
        proc, self.proc = self.proc, None
        if proc is None:
            return
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()

    def _adopt(self) -> bool:
        """Point this process's Prefect settings at the server, unless the settings name an API of
        their own (a profile, prefect.toml) or forbid a temporary server; then it is not needed."""
        import prefect.context
        from prefect.settings import get_current_settings

        settings = get_current_settings()
        if settings.api.url or not settings.server.ephemeral.enabled:
            self.stop()
            return False
        try:
            self._wait(float(settings.server.ephemeral.startup_timeout_seconds))
        except RuntimeError as exc:  # an early start only saves time: Prefect then starts its own
            print(f"ogi: {exc}; leaving the temporary server to Prefect", file=sys.stderr)
            self.stop()
            return False
        os.environ["PREFECT_API_URL"] = self.api_url
        prefect.context.refresh_global_settings_context()
        return True

    def _wait(self, timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        while True:
            if self.proc is None or self.proc.poll() is not None:
                raise RuntimeError(f"Prefect's local server exited before it answered (port {self.port})")
            try:  # loopback: never through a proxy from the environment
                with _DIRECT.open(self.api_url + "/health", timeout=2) as r:
                    if r.status == 200:
                        return
            except OSError:
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"Prefect's local server did not answer within {timeout_s:g} s "
                                   "(PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS)")
            time.sleep(0.05)

    @contextmanager
    def serving(self) -> Iterator[str | None]:
        """Prefect uses this server inside the block (yields its API URL, or None when not started);
        the server is stopped and the settings restored after it.

        Flow-run heartbeats are off inside the block. They let a server notice that a flow run's
        process died, and this server dies with the process; but every flow run's end waited up to
        1 s for its heartbeat thread (it sleeps in 1 s steps): a trivial flow took 1.13 s with
        them, 0.15 s without — once for the run and once per shard, on the critical path."""
        if self.proc is None:
            yield None
            return
        adopted = self._adopt()
        try:
            if adopted:
                from prefect.settings import temporary_settings

                with temporary_settings(updates={"flows.heartbeat_frequency": None}):
                    yield self.api_url
            else:
                yield None
        finally:
            if adopted:
                self.stop()
                os.environ.pop("PREFECT_API_URL", None)
                import prefect.context

                prefect.context.refresh_global_settings_context()


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
