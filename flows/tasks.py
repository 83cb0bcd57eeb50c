"""Prefect tasks of the pipeline. Every task takes paths, URLs and hashes — never a connection —
so inputs hash cleanly and results can be cached.

- `crawl_task`    Scrapy in a subprocess (retried once as a whole).
- `parse_with_cache` (not a task: a round's documents are a batch in threads, see
                  flows.pipeline.fetch_and_parse) one stored blob -> `ParsedReport.to_dict()`, in
                  a warm isolated child process; cached on (PARSER_VERSION, sha256, sniffed format)
                  in `<data_dir>/cache/parsed`.
- `load_task`     the single warehouse writer: documents, reports, portals, run records.
- `publish_task`  atomic copy of the build warehouse to the public file.
"""
from __future__ import annotations

import functools
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
from .rawstore import RawStore

# -- crawl -----------------------------------------------------------------------------------


@task(name="crawl", retries=1, retry_delay_seconds=3, cache_policy=NO_CACHE)
def crawl_task(registry: str, out_dir: str, portals: list[str] | None = None,
               timeout_s: float = 3600.0, settings: dict | None = None, known: str | None = None) -> dict[str, Any]:
    out = run_crawl(registry, out_dir, portals, timeout_s=timeout_s, settings=settings, known=known)
    return {"items_path": out.items_path, "stats_path": out.stats_path, "log_path": out.log_path,
            "timed_out": out.timed_out}


# -- parse -----------------------------------------------------------------------------------
PARSE_WORKERS = max(1, int(os.environ.get("OGI_PARSE_WORKERS", 0) or (os.cpu_count() or 2)))
_parse_slots = threading.BoundedSemaphore(PARSE_WORKERS)


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
                 content_type: str | None, ocr: bool = True) -> tuple[dict[str, Any], dict[str, str] | None]:
    """Parse one raw-store blob in an isolated child process (no Prefect involved): a warm pooled
    child (flows.parsepool), or a fresh one (`parsers.safe.parse_isolated`) if the pool fails.
    Returns (report dict, the sections' search tokens made by the pooled worker, or None)."""
    data = RawStore(data_dir).get(sha256)
    with _parse_slots:
        try:
            return _parse_pool().parse_for_search(data, filename, content_type, source=filename, ocr=ocr,
                                                  as_dict=True)
        except (OSError, RuntimeError):
            from parsers.safe import parse_isolated

            report = parse_isolated(data, filename=filename, content_type=content_type, source=filename, ocr=ocr)
            return report.to_dict(), None


@functools.lru_cache(maxsize=64)
def _parse_cache_root(data_dir: str, version: str) -> Path:
    return Path(data_dir).resolve() / "cache" / "parsed" / version.replace("/", "_")


def parse_cache_path(data_dir: str | os.PathLike[str], sha256: str, fmt: str | None) -> Path:
    """Where the parse of (sha256, fmt) by the current PARSER_VERSION is kept (JSON); a relative
    data directory is taken from the current directory, as it is now."""
    root = _parse_cache_root(os.path.abspath(data_dir), str(parsers.PARSER_VERSION))
    return root / sha256[:2] / f"{sha256}-{fmt or 'any'}.json"


def tokens_cache_path(data_dir: str | os.PathLike[str], sha256: str, fmt: str | None) -> Path:
    """Where the search tokens of that parse are kept, beside it (keyed by the segmenter too)."""
    from warehouse.segment import SEGMENTER

    p = parse_cache_path(data_dir, sha256, fmt)
    return p.with_name(p.name[:-len(".json")] + f".{SEGMENTER}.tokens.json")


# the key under which `parse_with_cache` hands a report's search tokens to flows.pipeline.build_report
# (which takes them off the report: they are never part of the report itself)
SEARCH_TOKENS = "_search_tokens"


TRANSIENT_PARSE_ERRORS = ("parser process killed", "parser process died", "parser pool error", "parse cancelled",
                          "parser workers kept retiring")


def is_transient_failure(report: dict[str, Any]) -> bool:
    """A failure that may be the process's, not the document's (killed from outside, pool trouble):
    worth one more try on a fresh worker. A timeout is the document's (it is not tried twice)."""
    return report.get("status") == "failed" and str(report.get("error") or "").startswith(TRANSIENT_PARSE_ERRORS)


def parse_with_cache(data_dir: str, sha256: str, fmt: str | None, filename: str | None = None,
                     content_type: str | None = None) -> tuple[dict[str, Any], bool]:
    """(report dict, came from the cache). Same bytes + sniffed format + parser version = same
    result, so a document parsed once is never parsed again; one file per result, written
    atomically (many processes may share the data directory); a worker that died is given one
    more try before its failure is kept. The search tokens the worker made are kept beside the
    result and handed over under SEARCH_TOKENS. No Prefect task per document:
    the round's batch runs in threads of the flow process (see flows.pipeline.fetch_and_parse)."""
    from .rawstore import _atomic_write

    path = parse_cache_path(data_dir, sha256, fmt)
    tpath = tokens_cache_path(data_dir, sha256, fmt)
    try:
        try:
            report = json.loads(path.read_text("utf-8"))
            try:
                report[SEARCH_TOKENS] = json.loads(tpath.read_text("utf-8"))
            except (FileNotFoundError, ValueError):
                pass
            return report, True
        except (FileNotFoundError, ValueError):
            pass
        report, tokens = parse_stored(data_dir, sha256, fmt, filename, content_type)
        if is_transient_failure(report):  # the machine, not the document? once more, on a fresh worker
            report, tokens = parse_stored(data_dir, sha256, fmt, filename, content_type)
        if tokens:
            _atomic_write(tpath, json.dumps(tokens, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))
        _atomic_write(path, json.dumps(report, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))
        if tokens:
            report[SEARCH_TOKENS] = tokens
        return report, False
    finally:
        progress.emit("advance", "parse")


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
