"""Prefect tasks of the pipeline. Every task takes paths, URLs and hashes — never a connection —
so inputs hash cleanly and results can be cached.

- `crawl_task`    Scrapy in a subprocess (retried once as a whole).
- `fetch_task`    one document into the raw store; network trouble is a recorded result, only
                  unexpected exceptions raise (and are retried).
- `parse_task`    one stored blob -> `ParsedReport.to_dict()`, in an isolated child process;
                  cached on (sha256, sniffed format, PARSER_VERSION) in `<data_dir>/cache`.
- `load_task`     the single warehouse writer: documents, reports, portals, run records.
- `publish_task`  atomic copy of the build warehouse to the public file.
"""
from __future__ import annotations

import json
import os
import threading
from pathlib import Path
from typing import Any

from prefect import task
from prefect.cache_policies import NO_CACHE

import parsers

from . import progress
from .crawl import run_crawl
from .download import Downloader, Politeness
from .rawstore import RawStore

# -- crawl -----------------------------------------------------------------------------------


@task(name="crawl", retries=1, retry_delay_seconds=3, cache_policy=NO_CACHE)
def crawl_task(registry: str, out_dir: str, portals: list[str] | None = None,
               timeout_s: float = 3600.0, settings: dict | None = None) -> dict[str, str]:
    out = run_crawl(registry, out_dir, portals, timeout_s=timeout_s, settings=settings)
    return {"items_path": out.items_path, "stats_path": out.stats_path, "log_path": out.log_path}


# -- fetch -----------------------------------------------------------------------------------
_downloaders: dict[tuple, Downloader] = {}
_dl_lock = threading.Lock()


def _downloader(data_dir: str, politeness: dict | None) -> Downloader:
    key = (str(Path(data_dir).resolve()), json.dumps(politeness or {}, sort_keys=True))
    with _dl_lock:
        dl = _downloaders.get(key)
        if dl is None:
            dl = _downloaders[key] = Downloader(RawStore(data_dir), Politeness.from_dict(politeness))
        return dl


def close_downloaders() -> None:
    with _dl_lock:
        for dl in _downloaders.values():
            dl.close()
        _downloaders.clear()


@task(name="fetch", retries=2, retry_delay_seconds=2, cache_policy=NO_CACHE)
def fetch_task(url: str, allowed_hosts: list[str], allow_private: bool, data_dir: str,
               politeness: dict | None = None) -> dict[str, Any]:
    try:
        return _downloader(data_dir, politeness).fetch(url, allowed_hosts=allowed_hosts,
                                                       allow_private=allow_private).to_dict()
    finally:
        progress.emit("advance", "download")


# -- parse -----------------------------------------------------------------------------------
PARSE_WORKERS = max(1, int(os.environ.get("OGI_PARSE_WORKERS", 0) or (os.cpu_count() or 2)))
_parse_slots = threading.BoundedSemaphore(PARSE_WORKERS)


def parse_cache_key(context: Any, parameters: dict[str, Any]) -> str:
    """Same bytes + same sniffed format + same parser version = same result."""
    return f"parse-{parameters['sha256']}-{parameters.get('fmt') or 'any'}-{parsers.PARSER_VERSION}"


_pool = None
_pool_lock = threading.Lock()


def _parse_pool():
    global _pool
    with _pool_lock:
        if _pool is None:
            from .parsepool import ParsePool

            _pool = ParsePool(PARSE_WORKERS)
        return _pool


def close_parse_pool() -> None:
    """Stop the warm parser processes (end of a run)."""
    global _pool
    with _pool_lock:
        pool, _pool = _pool, None
    if pool is not None:
        pool.close()


def parse_stored(data_dir: str, sha256: str, fmt: str | None, filename: str | None,
                 content_type: str | None, ocr: bool = True) -> dict[str, Any]:
    """Parse one raw-store blob in an isolated child process (no Prefect involved): a warm pooled
    child (flows.parsepool), or a fresh one (`parsers.safe.parse_isolated`) if the pool fails."""
    data = RawStore(data_dir).get(sha256)
    with _parse_slots:
        try:
            report = _parse_pool().parse(data, filename, content_type, source=filename, ocr=ocr)
        except (OSError, RuntimeError):
            from parsers.safe import parse_isolated

            report = parse_isolated(data, filename=filename, content_type=content_type, source=filename, ocr=ocr)
    return report.to_dict()


@task(name="parse", retries=1, retry_delay_seconds=1, cache_key_fn=parse_cache_key, persist_result=True)
def parse_task(data_dir: str, sha256: str, fmt: str | None, filename: str | None = None,
               content_type: str | None = None, ocr: bool = True) -> dict[str, Any]:
    try:
        return parse_stored(data_dir, sha256, fmt, filename, content_type, ocr)
    finally:
        progress.emit("advance", "parse")


def parse_task_for(data_dir: str | os.PathLike[str]):
    """`parse_task` with its cache/results kept under `<data_dir>/cache` (set per run)."""
    return parse_task.with_options(result_storage=Path(data_dir).resolve() / "cache")


# -- load + publish --------------------------------------------------------------------------


@task(name="load", retries=1, retry_delay_seconds=5, cache_policy=NO_CACHE)
def load_task(plan_path: str, build_path: str) -> dict[str, Any]:
    from .load import apply_plan

    return apply_plan(plan_path, build_path)


@task(name="publish", retries=2, retry_delay_seconds=2, cache_policy=NO_CACHE)
def publish_task(build_path: str, public_path: str) -> dict[str, Any]:
    from warehouse.publish import publish

    pub = publish(build_path, public_path)
    progress.emit("done", "publish")
    return {"path": str(pub.path) if hasattr(pub, "path") else str(public_path),
            "bytes": getattr(pub, "bytes", None) or getattr(pub, "size", None),
            "reports": getattr(pub, "reports", None)}
