"""Run the Scrapy crawl in a child process and read its items and stats.

The Twisted reactor cannot be restarted inside one process, and Scrapy installs signal
handlers that only work on the main thread, so every crawl is `python -m scrapy crawl portals`
in a subprocess (run from the project root, where `scrapy.cfg` lives). The items come back
as JSON Lines (`-O <output>`), the per-portal stats as `<output>.stats.json`. With
`handover_settings(data_dir)` the crawl also stores the report pages it fetched in the raw store.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]


class CrawlFailed(Exception):
    pass


@dataclass
class CrawlOutput:
    items_path: str
    stats_path: str
    returncode: int
    log_path: str
    timed_out: bool = False  # stopped at its time limit: the items found until then are kept


def crawl_command(registry: str, output: str, portals: list[str] | None = None,
                  settings: dict | None = None, known: str | None = None) -> list[str]:
    """`settings` become `-s KEY=VALUE` (e.g. `crawlers.settings.FAST_SETTINGS` on loopback);
    `known`: items of earlier runs (JSON Lines) — their report pages are not fetched again."""
    cmd = [sys.executable, "-m", "scrapy", "crawl", "portals", "-a", f"registry={registry}"]
    if portals:
        cmd += ["-a", "portals=" + ",".join(portals)]
    if known:
        cmd += ["-a", f"known={known}"]
    for key, value in (settings or {}).items():
        cmd += ["-s", f"{key}={value}"]
    return cmd + ["-O", output]


def handover_settings(data_dir: str | os.PathLike[str], max_bytes: int | None = None) -> dict[str, str]:
    """Crawl settings that make the crawler store every report page it fetched in the raw store of
    `data_dir` (crawlers.pipelines.RawStoreHandoverPipeline), bodies over `max_bytes` (the
    downloader's cap) left to the downloader: after the crawl, a download told
    `Politeness.fresh_since` (the crawl's start) does not ask for those pages again."""
    out = {"OGI_RAW_STORE": str(Path(data_dir).resolve())}
    if max_bytes:
        out["OGI_RAW_STORE_MAX_BYTES"] = str(int(max_bytes))
    return out


GRACE_S = 20.0  # after the time limit: SIGTERM (Scrapy closes cleanly, writes its stats), then SIGKILL


def run_crawl(registry: str | os.PathLike[str], out_dir: str | os.PathLike[str],
              portals: list[str] | None = None, *, timeout_s: float = 3600.0,
              settings: dict | None = None, known: str | None = None) -> CrawlOutput:
    """Crawl the registry's portals into `<out_dir>/items.jsonl`; raise CrawlFailed if Scrapy dies.

    At `timeout_s` the crawl is asked to stop (SIGTERM, then SIGKILL after GRACE_S): what it
    found until then is returned (`timed_out=True`); a crawl that found nothing at all fails."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    items = out / "items.jsonl"
    log = out / "crawl.log"
    cmd = crawl_command(str(Path(registry).resolve()), str(items), portals, settings, known)
    env = dict(os.environ)
    env["PYTHONPATH"] = str(PROJECT_ROOT) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env["OGI_PARENT_PID"] = str(os.getpid())  # the crawl ends if this process dies (crawlers/lifeline.py)
    with open(log, "wb") as fh:
        proc = subprocess.Popen(cmd, cwd=PROJECT_ROOT, stdout=fh, stderr=subprocess.STDOUT, env=env,
                                start_new_session=True)
        timed_out = False
        try:
            rc = proc.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            timed_out = True
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                rc = proc.wait(timeout=GRACE_S)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                rc = proc.wait()
            if not read_items(items):
                raise CrawlFailed(f"crawl timed out after {timeout_s:g} s with nothing found (log: {log})")
        except BaseException:
            os.killpg(proc.pid, signal.SIGKILL)  # our own child: do not leave it running
            proc.wait()
            raise
    if timed_out:
        return CrawlOutput(str(items), str(items) + ".stats.json", rc, str(log), timed_out=True)
    if rc != 0 or not items.exists():
        tail = log.read_text("utf-8", "replace").strip().splitlines()[-5:]
        raise CrawlFailed(f"scrapy exited with {rc}: " + " | ".join(tail)[-800:])
    return CrawlOutput(str(items), str(items) + ".stats.json", rc, str(log))


def read_items(path: str | os.PathLike[str]) -> list[dict]:
    items: list[dict] = []
    p = Path(path)
    if not p.exists():
        return items
    for line in p.read_text("utf-8").splitlines():
        line = line.strip()
        if not line:
            continue
        try:
            items.append(json.loads(line))
        except ValueError:
            continue  # a half-written last line of a killed crawl
    return items


def read_stats(path: str | os.PathLike[str]) -> dict:
    try:
        return json.loads(Path(path).read_text("utf-8"))
    except (FileNotFoundError, ValueError):
        return {}
