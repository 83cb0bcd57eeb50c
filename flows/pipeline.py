"""The steps shared by `nightly`, `backfill` and `reparse`, run inside a Prefect flow.

    parent: plan shards (flows.shards) -> run the unfinished ones (flows.runner: in-process, or
            flow runs of the `shard` deployment on the work pool) -> load what they wrote (one
            writer) -> full-text index once -> publish (atomic) -> run record, summary, artifact
    shard (flows.shard): crawl (subprocess, known items) -> per round: fetch interleaved across
            hosts -> parse each new blob (cached on sha256 + format + parser version) -> choose
            each report's best document -> write the round (flows.sinks)

Paths under the data directory:
    raw/                     the raw store (see flows.rawstore)
    cache/parsed/            parse results (key: parser version, sha256, format)
    known/<portal>.jsonl     the last complete crawl's items (the crawler skips their report pages)
    build/warehouse.duckdb   the writer's warehouse (kept between runs: loads are incremental)
    warehouse.duckdb         the published copy analysts open
    runs/<run_key>/          shards.json, summary.json, shards/<shard_id>/ (see flows.shard)
"""
from __future__ import annotations

import contextlib
import json
import logging
import os
import time
import uuid
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable, Iterator

import parsers
from parsers.model import ParsedReport

from . import progress
from .tasks import SEARCH_TOKENS
from .unchanged import entry_fingerprint, entry_status, input_digest, manifest_fields
from .rawstore import RawStore, _write_json, utc_now
from .registry import read_registry

log = logging.getLogger("ogi.flows")

STATUS_RANK = {"ok": 3, "partial": 2, "needs_ocr": 1, "failed": 0}


# -- pure helpers ----------------------------------------------------------------------------
def data_paths(data_dir: str | Path) -> dict[str, Path]:
    d = Path(data_dir).resolve()
    return {"data": d, "build": d / "build" / "warehouse.duckdb", "public": d / "warehouse.duckdb",
            "runs": d / "runs", "cache": d / "cache"}


def new_run_id(flow: str) -> str:
    return f"{flow}-{datetime.now(timezone.utc):%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:6]}"


def n_cells(report: dict) -> int:
    n = 0
    for table in ("active_disclosure", "applications", "review_litigation"):
        for row in (report.get(table) or {}).values():
            if isinstance(row, dict):
                n += sum(1 for v in row.values() if v is not None)
    return n


def report_score(report: dict, kind: str) -> tuple:
    """Higher is better: parse status, then filled cells, then the page over an attachment."""
    return (STATUS_RANK.get(report.get("status") or "failed", 0), n_cells(report), kind == "page")


def select_best(candidates: list[dict]) -> dict | None:
    """candidates: [{kind, url, sha256, report}] -> the one whose report is most complete."""
    if not candidates:
        return None
    return max(candidates, key=lambda c: report_score(c["report"], c["kind"]))


def documents_of(item: dict) -> list[tuple[str, str]]:
    docs: list[tuple[str, str]] = []
    seen: set[str] = set()
    if item.get("page_url"):
        docs.append(("page", item["page_url"]))
        seen.add(item["page_url"])
    for u in item.get("attachment_urls") or []:
        if u and u not in seen:
            seen.add(u)
            docs.append(("attachment", u))
    return docs


def merge_item_meta(report: dict, item: dict) -> dict:
    """Fill year/agency/title the parser could not find from what the crawler saw."""
    out = dict(report)
    for key in ("year", "agency", "title"):
        if out.get(key) in (None, "") and item.get(key) not in (None, ""):
            val = item[key]
            if key == "year":
                try:
                    val = int(val)
                except (TypeError, ValueError):
                    continue
            out[key] = val
    return out


def _year_of(item: dict) -> int | None:
    try:
        return int(item.get("year"))
    except (TypeError, ValueError):
        return None


# -- fetch + parse ---------------------------------------------------------------------------
def fetch_and_parse(urls: dict[str, dict], data_dir: Path, politeness: dict | None,
                    fetch_stats: dict | None = None, defer: dict[str, str] | None = None,
                    fetcher: Any = None) -> tuple[dict[str, dict], dict, Counter]:
    """urls: url -> {allowed_hosts, allow_private}. Fetch every URL, interleaved across hosts
    (flows.hostqueue: per-host queues and politeness, all hosts busy at once); as soon as a usable
    blob is in the raw store, hand its parse to a thread of the parse batch (cached on sha256 +
    format + parser version, parsed in the warm isolated pool). One round is one batch: no Prefect
    task per document. `defer` (url -> SHA-256): a URL that comes back unchanged with that copy is
    not parsed here (its report may need no parse at all: flows.unchanged). Returns (url -> fetch
    result with `use_sha256`, {(sha, fmt): report dict}, parse counts). `fetcher`: the shard's
    flows.fetchproc.FetchProcess, if its downloads run in a process of their own."""
    from concurrent.futures import ThreadPoolExecutor

    from .fetchproc import fetch_here
    from .tasks import PARSE_WORKERS, parse_with_cache

    store = RawStore(data_dir)
    progress.emit("start", "download", len(urls))
    fetched: dict[str, dict] = {}
    parse_futs: dict[tuple[str, str | None], Any] = {}
    results = (fetcher.fetch(urls, fetch_stats) if fetcher is not None
               else fetch_here(urls, data_dir, politeness, fetch_stats))
    with ThreadPoolExecutor(PARSE_WORKERS, thread_name_prefix="ogi-parse") as parse_pool:
        for res in results:
            res = fetched[res["url"]] = with_usable_copy(res, store)
            key = (res.get("use_sha256"), res.get("format"))
            if defer and res.get("status") == "unchanged" and defer.get(res["url"]) == key[0]:
                continue
            if key[0] and key not in parse_futs:
                parse_futs[key] = parse_pool.submit(parse_with_cache, str(data_dir), key[0], key[1],
                                                    res.get("filename"), res.get("content_type"))
                progress.emit("start", "parse", len(parse_futs))
        parsed, counts = collect_parses(parse_futs)
    return fetched, parsed, counts


def with_usable_copy(res: dict, store: RawStore) -> dict:
    """A failed fetch may still have a good earlier copy in the raw store: parse that one."""
    res = dict(res)
    res["use_sha256"] = res.get("sha256") if store.has(res.get("sha256")) else None
    if not res["use_sha256"]:
        meta = store.lookup(res["url"]) or {}
        if store.has(meta.get("sha256")):
            res.update(use_sha256=meta["sha256"], format=res.get("format") or meta.get("format"),
                       filename=res.get("filename") or meta.get("filename"),
                       content_type=res.get("content_type") or meta.get("content_type"))
    return res


def parse_all(blobs: Iterable[tuple[str, str | None, str | None, str | None]], data_dir: Path) -> tuple[dict, Counter]:
    """blobs: (sha256, fmt, filename, content_type). Returns ({(sha, fmt): report dict}, counts)."""
    from concurrent.futures import ThreadPoolExecutor

    from .tasks import PARSE_WORKERS, parse_with_cache

    futs = {}
    with ThreadPoolExecutor(PARSE_WORKERS, thread_name_prefix="ogi-parse") as pool:
        for sha, fmt, filename, ctype in blobs:
            if (sha, fmt) not in futs:
                futs[(sha, fmt)] = pool.submit(parse_with_cache, str(data_dir), sha, fmt, filename, ctype)
        progress.emit("start", "parse", len(futs))
        return collect_parses(futs)


def collect_parses(futs: dict[tuple[str, str | None], Any]) -> tuple[dict, Counter]:
    """futures of `parse_with_cache` -> ({(sha, fmt): report dict}, {parsed, cached})."""
    out: dict[tuple[str, str | None], dict] = {}
    counts: Counter = Counter()
    for key, fut in futs.items():
        try:
            out[key], cached = fut.result()
            counts["cached" if cached else "parsed"] += 1
        except Exception as exc:
            out[key] = ParsedReport.failure(key[0], key[1] or "unknown", parsers.PARSER_VERSION,
                                            f"parse failed: {type(exc).__name__}: {exc}"[:500]).to_dict()
            counts["parsed"] += 1
    return out, counts


def build_report(item: dict, docs: list[tuple[str, str]], fetched: dict[str, dict], parsed: dict) -> tuple[dict, dict]:
    """One crawl item -> (plan entry for the warehouse, manifest for the raw store)."""
    candidates, errors, manifest_docs = [], [], []
    for kind, url in docs:
        res = fetched.get(url) or {"url": url, "status": "failed", "error": "not fetched"}
        sha = res.get("use_sha256")
        manifest_docs.append({"kind": kind, "url": url, "sha256": sha, "format": res.get("format"),
                              "filename": res.get("filename"), "content_type": res.get("content_type")})
        if res.get("error"):
            errors.append(f"{kind} {url}: {res['error']}")
        if sha:
            rep = dict(parsed[(sha, res.get("format"))])
            tokens = rep.pop(SEARCH_TOKENS, None)
            rep["source"] = url
            candidates.append({"kind": kind, "url": url, "sha256": sha, "report": rep, "tokens": tokens})
    best = select_best(candidates)
    candidates_failed = any(c["report"].get("status") == "failed" for c in candidates)
    entry = {"report_id": item["id"], "portal_id": item.get("portal_id"), "page_url": item.get("page_url")}
    if best is not None:
        report = best["report"]
        if report.get("status") == "failed":  # name every document's cause, not just the chosen one's
            report = {**report, "error": failure_causes(best, candidates, errors)}
        entry.update(report=merge_item_meta(report, item), document_url=best["url"],
                     sha256=best["sha256"], keep_existing=False)
        if best.get("tokens"):  # the search index's words, made by the parser worker
            entry["search_tokens"] = best["tokens"]
    else:
        fail = ParsedReport.failure(item.get("page_url") or item["id"], "unknown", parsers.PARSER_VERSION,
                                    "no document could be fetched: " + ("; ".join(errors) or "no documents")[:1500])
        entry.update(report=merge_item_meta(fail.to_dict(), item), document_url=None, sha256=None,
                     keep_existing=True)  # never overwrite a good earlier load with a fetch failure
    entry["load_fingerprint"] = entry_fingerprint(entry)  # the loader's; kept so the next night can skip it
    manifest = {"report_id": item["id"], "portal_id": item.get("portal_id"), "item": item,
                "documents": manifest_docs, "saved_at": utc_now(),
                **manifest_fields(entry, input_digest(item, docs, fetched), candidates_failed or bool(errors))}
    return entry, manifest


def fetched_from_manifest(manifest: dict, store: RawStore) -> dict[str, dict]:
    """The manifest's documents as fetch results of their stored copies."""
    out: dict[str, dict] = {}
    for d in manifest.get("documents") or []:
        if d.get("sha256") and store.has(d["sha256"]):
            out[d["url"]] = {"url": d["url"], "status": "unchanged", "use_sha256": d["sha256"],
                             "format": d.get("format"), "filename": d.get("filename"),
                             "content_type": d.get("content_type")}
        else:
            out[d["url"]] = {"url": d["url"], "status": "failed", "error": "not in the raw store"}
    return out


def entries_from_manifests(manifests: list[dict], data_dir: Path) -> tuple[list[dict], Counter, int]:
    """Plan entries of these reports built again from their manifests (raw store) and the parse
    cache, offline — `reparse`, and light entries the warehouse lacks (flows.unchanged).
    Returns (entries, parse counts, documents looked at)."""
    store = RawStore(data_dir)
    fetched: dict[str, dict] = {}
    for m in manifests:
        fetched.update(fetched_from_manifest(m, store))
    blobs = [(r["use_sha256"], r.get("format"), r.get("filename"), r.get("content_type"))
             for r in fetched.values() if r.get("use_sha256")]
    parsed, counts = parse_all(blobs, data_dir)
    entries = [build_report(m["item"], [(d["kind"], d["url"]) for d in m["documents"]], fetched, parsed)[0]
               for m in manifests]
    return entries, counts, len(fetched)


def failure_causes(best: dict, candidates: list[dict], fetch_errors: list[str]) -> str:
    """The error of a report none of whose documents could be read: the other documents' causes
    (an attachment's "password-protected PDF", "HTTP 500" …) before the chosen one's own (often the
    page's generic "no State Council report tables found"), so the specific cause is never hidden."""
    own = str(best["report"].get("error") or "no report read")
    others = [f"{c['kind']} {c['url']}: {c['report'].get('error')}" for c in candidates
              if c is not best and c["report"].get("status") == "failed" and c["report"].get("error")]
    others += [e for e in fetch_errors if e not in others]
    if not others:
        return own
    return "; ".join([*others, f"{best['kind']} {best['url']}: {own}"])[:2000]


def document_rows(fetched: dict[str, dict], owners: dict[str, tuple[str, str, str]], parsed: dict,
                  crawler_errors: dict[str, str] | None = None) -> list[dict]:
    """One `documents` row per fetched URL; a page the crawler judged a report but could not read
    (item `error`) carries that error too when the download did not get a usable copy either."""
    crawler_errors = crawler_errors or {}
    rows = []
    for url, res in fetched.items():
        kind, portal_id, report_id = owners[url]
        error = res.get("error")
        sha = res.get("use_sha256")
        if sha and (sha, res.get("format")) in parsed:
            rep = parsed[(sha, res.get("format"))]
            if rep.get("status") == "failed" and rep.get("error"):
                error = (error + "; " if error else "") + f"parse failed: {rep['error']}"
        if url in crawler_errors and (error or not sha):
            error = (error + "; " if error else "") + f"crawler: {crawler_errors[url]}"
        rows.append({"url": url, "sha256": res.get("sha256") or sha, "http_status": res.get("http_status"),
                     "content_type": res.get("content_type"), "bytes": res.get("bytes"),
                     "fetched_at": res.get("fetched_at"), "error": error, "kind": kind,
                     "portal_id": portal_id, "report_id": report_id, "final_url": res.get("final_url"),
                     "status": res.get("status")})
    return rows


# -- rounds and figures ----------------------------------------------------------------------
CHUNK_ITEMS = 400  # reports per fetch/parse/load round: bounds memory; whole portals per round


def portal_chunks(items: list[dict], size: int = CHUNK_ITEMS) -> list[list[dict]]:
    """Split items into rounds of about `size`, never splitting one portal across rounds (its
    per-run figures are recorded with the round that holds it)."""
    by_portal: dict[str, list[dict]] = {}
    for it in items:
        by_portal.setdefault(it["portal_id"], []).append(it)
    chunks: list[list[dict]] = [[]]
    for pid in sorted(by_portal):
        if chunks[-1] and len(chunks[-1]) + len(by_portal[pid]) > size:
            chunks.append([])
        chunks[-1].extend(by_portal[pid])
    return chunks


def _fetch_stats(fetched: dict[str, dict], parse_counts: Counter, entries: list[dict]) -> Counter:
    doc_status = Counter(r.get("status") for r in fetched.values())
    return Counter({
        "reports": len(entries), "documents": len(fetched),
        "downloaded": sum(1 for r in fetched.values() if r.get("downloaded") and r.get("status") in ("new", "changed")),
        "bodies_received": sum(1 for r in fetched.values() if r.get("downloaded")),
        # no request: the crawler fetched the page during this run and stored it (flows.fetched)
        "handed_over": sum(1 for r in fetched.values() if r.get("handed_over")),
        "documents_new": doc_status["new"], "documents_changed": doc_status["changed"],
        "documents_unchanged": doc_status["unchanged"],
        "not_modified": sum(1 for r in fetched.values() if r.get("http_status") == 304),
        "fetch_failed": doc_status["failed"], "fetch_skipped": doc_status["skipped"],
        "parsed": parse_counts["parsed"], "parse_cached": parse_counts["cached"],
        "reports_failed": sum(1 for e in entries if entry_status(e) == "failed"),
        # inputs unchanged since the last build: no parse read, no reload (flows.unchanged)
        "reports_light": sum(1 for e in entries if e.get("light"))})


def portal_figures(wanted: list[str], unknown: list[str], items: list[dict], entries: list[dict],
                   crawl_stats: dict, documents: list[dict] | None = None) -> dict[str, dict]:
    """Per portal of one round: pages, reports found, failed reports, documents new/changed,
    blocked (refused: hosts/robots.txt), fetch failures, crawl status."""
    found = Counter(it["portal_id"] for it in items)
    failed = Counter(e["portal_id"] for e in entries if entry_status(e) == "failed")
    docs: dict[str, Counter] = {}
    for d in documents or []:
        docs.setdefault(d.get("portal_id") or "?", Counter())[d.get("status")] += 1
    out: dict[str, dict] = {}
    for pid in wanted:
        cs = crawl_stats.get(pid) or {}
        status = cs.get("status") or ("ok" if found[pid] else "empty")
        error = cs.get("error")
        if status == "ok" and failed[pid]:  # reports found, some of them unreadable: say so
            status = "partial"
            error = error or (f"{failed[pid]} of {found[pid]} reports failed "
                              "(causes in reports.error and documents.error)")
        dc = docs.get(pid, Counter())
        out[pid] = {"pages": cs.get("pages"), "reports_found": found[pid], "failed": failed[pid],
                    "status": status, "error": error, "documents_new": dc["new"],
                    "documents_changed": dc["changed"], "blocked": dc["skipped"], "fetch_failed": dc["failed"],
                    "platform": cs.get("platform")}   # crawl status `blocked`: an anti-bot wall (error names it)
    for pid in unknown:
        out[pid] = {"pages": 0, "reports_found": 0, "failed": 0, "status": "error",
                    "error": "portal_id not in the registry"}
    return out


# -- the whole run: the parent of the shards ---------------------------------------------------
DEFAULT_SHARD_PORTALS = int(os.environ.get("OGI_SHARD_PORTALS") or 100)
SUM_KEYS = ("reports", "documents", "downloaded", "bodies_received", "handed_over", "documents_new", "documents_changed",
            "documents_unchanged", "not_modified", "fetch_failed", "fetch_skipped", "parsed", "parse_cached",
            "reports_failed", "reports_light")


def default_run_key(flow: str) -> str:
    """The flow run's own key: a retry of the same Prefect flow run gets the same key (and so
    reruns only its unfinished shards); outside a flow run, a new key."""
    try:
        from prefect.runtime import flow_run

        fr_id = flow_run.get_id()
        when = flow_run.get_scheduled_start_time()
        if fr_id:
            return f"{flow}-{when:%Y%m%dT%H%M%SZ}-{str(fr_id)[:8]}"
    except Exception:
        pass
    return new_run_id(flow)


def plan_for_run(run_dir: Path, portals: list, shard_portals: int) -> list:
    """The run's shards: planned once and kept in `shards.json`, so a rerun has the same shards."""
    from .shards import Shard, plan_shards

    path = run_dir / "shards.json"
    if path.exists():
        return [Shard.from_dict(d) for d in json.loads(path.read_text("utf-8"))["shards"]]
    shards = plan_shards(portals, shard_portals)
    _write_json(path, {"shards": [s.to_dict() for s in shards], "shard_portals": shard_portals})
    return shards


class ShardLoader:
    """The one writer of the build warehouse, on its own thread. It loads each running shard's
    rounds as they appear (`watch`: the shard directories are looked at every WATCH_S seconds),
    so loading overlaps the shards' fetching and parsing instead of following each shard; then
    `submit(shard_id, result)` as a shard ends loads what is left of it and records its figures
    (flows.load.load_shard: once per shard, idempotent). `wait()` returns {shard_id: load
    figures} of the finished shards or raises the first load error. The registry's portals are
    loaded with the first load."""

    WATCH_S = 0.5
    REOPEN_REPORTS = 500

    def __init__(self, run_dir: Path, build_path: str, registry: str):
        import threading
        from concurrent.futures import ThreadPoolExecutor

        self.run_dir, self.build_path, self.registry = run_dir, build_path, registry
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="ogi-load")
        self._futs: dict[str, Any] = {}
        self._first = True
        self._con: Any = None
        self._con_reports = 0
        self._watched: set[str] = set()
        self._queued: set[str] = set()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._watcher: threading.Thread | None = None
        self.busy_s = 0.0

    def _shard_dir(self, shard_id: str) -> Path:
        return self.run_dir / "shards" / shard_id

    @contextlib.contextmanager
    def _connection(self) -> Iterator[Any]:
        """The load thread's connection. It is closed (and DuckDB's buffer cache with it) after
        the job that has loaded REOPEN_REPORTS reports through it, so the flow process's memory
        follows the rounds, not the run; opening one per round cost ~2 ms per report."""
        import warehouse

        if self._con is None:
            Path(self.build_path).parent.mkdir(parents=True, exist_ok=True)
            self._con, self._con_reports = warehouse.open_warehouse(self.build_path), 0
        try:
            if self._first:
                warehouse.load_portals(self._con, self.registry)
                self._first = False
            yield self._con
        except BaseException:
            self._close_connection()
            raise
        if self._con_reports >= self.REOPEN_REPORTS:
            self._close_connection()

    def _close_connection(self) -> None:
        if self._con is not None:
            con, self._con = self._con, None
            con.close()

    def _loaded(self, n: int) -> None:
        self._con_reports += n
        progress.emit("more", "load", n)

    def watch(self, shard_ids: list[str]) -> None:
        """Load the rounds of these shards while they run."""
        import threading

        with self._lock:
            self._watched.update(shard_ids)
        if self._watcher is None:
            self._watcher = threading.Thread(target=self._watch_loop, name="ogi-load-watch", daemon=True)
            self._watcher.start()

    def _watch_loop(self) -> None:
        from .load import _round_marker
        from .sinks import round_plans

        while not self._stop.wait(self.WATCH_S):
            with self._lock:
                watched = sorted(self._watched - self._queued)
            for sid in watched:
                d = self._shard_dir(sid)
                try:
                    if not d.is_dir() or (d / "loaded.json").exists():
                        continue
                    new_round = any(not _round_marker(p).exists() for p in round_plans(d))
                except OSError as exc:  # looked at again in WATCH_S; the shard's end loads it anyway
                    log.debug("watching shard %s: %s", sid, exc)
                    continue
                if new_round:
                    with self._lock:
                        if sid not in self._watched or sid in self._queued:
                            continue
                        self._queued.add(sid)
                    self._pool.submit(self._load_rounds, sid)

    def _load_rounds(self, shard_id: str) -> None:
        from .load import load_rounds

        t0 = time.monotonic()
        try:
            with self._lock:
                if shard_id not in self._watched:  # it ended meanwhile: its submit loads the rest
                    return
            with self._connection() as con:
                load_rounds(self._shard_dir(shard_id), con, on_loaded=self._loaded)
        except Exception as exc:  # the shard's own load at its end tries again and reports the error
            log.warning("loading the rounds of running shard %s: %s", shard_id, exc)
        finally:
            with self._lock:
                self._queued.discard(shard_id)
            self.busy_s += time.monotonic() - t0

    def submit(self, shard_id: str, result: dict) -> None:
        with self._lock:
            self._watched.discard(shard_id)
        if result.get("status") != "ok" or shard_id in self._futs:
            return
        self._futs[shard_id] = self._pool.submit(self._load, shard_id)

    def _load(self, shard_id: str) -> dict:
        from .load import load_shard

        t0 = time.monotonic()
        try:
            with self._connection() as con:
                return load_shard(self._shard_dir(shard_id), con, on_loaded=self._loaded)
        finally:
            self.busy_s += time.monotonic() - t0

    def wait(self) -> dict[str, dict]:
        return {sid: fut.result() for sid, fut in self._futs.items()}

    def close(self) -> None:
        self._stop.set()
        if self._watcher is not None:
            self._watcher.join()
        self._pool.shutdown(wait=True, cancel_futures=True)
        self._close_connection()


def run_pipeline(flow: str, registry: str, data_dir: str, *, portals: list[str] | None = None,
                 years: list[int] | None = None, politeness: dict | None = None,
                 crawl_settings: dict | None = None, crawl_timeout_s: float | None = None,
                 run_key: str | None = None, shard_portals: int | None = None,
                 shard_deployment: str | None = None, shard_timeout_s: float | None = None,
                 parallel_shards: int = 1, lake_url: str | None = None) -> dict[str, Any]:
    """Plan shards, run the unfinished ones (in-process, or as flow runs of `shard_deployment` on
    the work pool), load what they wrote (one writer), index once, publish, record, summarise."""
    from .runner import run_shards

    paths = data_paths(data_dir)
    paths["data"].mkdir(parents=True, exist_ok=True)
    run_key = run_key or default_run_key(flow)
    run_dir = paths["runs"] / run_key
    run_dir.mkdir(parents=True, exist_ok=True)
    started_file = run_dir / "started_at"
    if not started_file.exists():
        started_file.write_text(utc_now(), "utf-8")
    started = started_file.read_text("utf-8").strip()
    registry = str(Path(registry).resolve())
    reg = read_registry(registry)
    wanted = list(portals) if portals else list(reg)
    unknown = [p for p in wanted if p not in reg]
    wanted = [p for p in wanted if p in reg]
    if portals and not wanted:
        error = f"no such portal(s) in the registry: {', '.join(unknown)}"
        _finish(flow, run_key, started, registry, paths, run_dir, status="failed", error=error, stats={},
                per_portal=portal_figures([], unknown, [], [], {}), timings={}, shards=[], load_figures={})
        raise ValueError(error)

    if lake_url:  # create/migrate the lake once, before shards write into it side by side
        from .load import prepare_lake

        prepare_lake(lake_url, registry)
    shards = plan_for_run(run_dir, [reg[p] for p in wanted], shard_portals or DEFAULT_SHARD_PORTALS)
    progress.emit("start", "shards", len(shards))
    # the one writer of the build warehouse loads the shards' rounds as they appear, while the shards
    # still run (single-file mode; in the lake the shards have loaded themselves)
    loader = None if lake_url else ShardLoader(run_dir, str(paths["build"]), registry)
    if loader is not None:
        loader.watch([sh.shard_id for sh in shards])
    t0 = time.monotonic()
    try:
        results = run_shards(flow, registry, str(paths["data"]), run_key, shards, years=years,
                             politeness=politeness, crawl_settings=crawl_settings,
                             crawl_timeout_s=crawl_timeout_s, deployment=shard_deployment,
                             timeout_s=shard_timeout_s, parallel=parallel_shards, lake_url=lake_url,
                             on_done=loader.submit if loader else None)
        timings = {"shards_s": round(time.monotonic() - t0, 2)}
        for r in results.values():  # summed over the shards run now (side by side they overlap in time)
            for k, v in ((r.get("timings") or {}) if not r.get("reused") else {}).items():
                timings[k] = round(timings.get(k, 0.0) + float(v), 2)
        t0 = time.monotonic()
        load_figures: dict[str, dict] = {}
        if loader is not None:
            loaded = loader.wait()  # raises the first load error
        for sh in shards:
            res = results.get(sh.shard_id) or {}
            if res.get("status") != "ok":
                continue
            load_figures[sh.shard_id] = (res.get("load") or {}) if lake_url else loaded[sh.shard_id]
    finally:
        if loader is not None:
            loader.close()
    # load time: the writer's busy time; what it added after the last shard ended is in wall time
    timings["load_s"] = round(loader.busy_s if loader else 0.0, 2)
    timings["load_tail_s"] = round(time.monotonic() - t0, 2)

    failed = [sh for sh in shards if (results.get(sh.shard_id) or {}).get("status") != "ok"]
    per_portal: dict[str, dict] = portal_figures([], unknown, [], [], {})
    for sh in shards:
        res = results.get(sh.shard_id) or {}
        if res.get("status") == "ok":
            for pid, fig in (res.get("portals") or {}).items():
                per_portal[pid] = {**fig, **(load_figures.get(sh.shard_id, {}).get("portals", {}).get(pid) or {})}
        else:
            for pid in sh.portals:
                per_portal[pid] = {"reports_found": 0, "failed": 0, "new": 0, "changed": 0, "status": "error",
                                   "error": f"shard {sh.shard_id}: {res.get('error') or 'did not finish'}"[:1000]}
    stats: dict[str, Any] = {k: 0 for k in SUM_KEYS}
    for r in results.values():
        for k in SUM_KEYS:
            stats[k] += int((r.get("stats") or {}).get(k) or 0)
    for k in ("reports_new", "reports_changed", "reports_unchanged"):
        stats[k] = sum(int(f.get(k) or 0) for f in load_figures.values())
    stats.update(portals=len(wanted), parser_version=parsers.PARSER_VERSION, unknown_portals=unknown,
                 rounds=sum(int(r.get("rounds") or 0) for r in results.values()), shards=len(shards),
                 shards_failed=[sh.shard_id for sh in failed],
                 max_active_hosts=max([int(r.get("max_active_hosts") or 0) for r in results.values()] or [0]))
    if failed and len(failed) == len(shards):
        error = "; ".join(f"{sh.shard_id}: {(results.get(sh.shard_id) or {}).get('error') or 'did not finish'}"
                          for sh in failed)[:2000]
        _finish(flow, run_key, started, registry, paths, run_dir, status="failed", error=error, stats=stats,
                per_portal=per_portal, timings=timings, shards=shards, load_figures=load_figures,
                lake_url=lake_url)
        raise RuntimeError(f"every shard failed: {error}")
    status = "partial" if failed else "ok"
    error = (f"{len(failed)} of {len(shards)} shard(s) did not finish: "
             + ", ".join(sh.shard_id for sh in failed) + " — run again with this run key to finish them"
             ) if failed else None
    return _finish(flow, run_key, started, registry, paths, run_dir, status=status, error=error, stats=stats,
                   per_portal=per_portal, timings=timings, shards=shards, load_figures=load_figures,
                   lake_url=lake_url)


def _finish(flow: str, run_key: str, started: str, registry: str, paths: dict[str, Path], run_dir: Path, *,
            status: str, error: str | None, stats: dict, per_portal: dict, timings: dict, shards: list,
            load_figures: dict, lake_url: str | None = None) -> dict[str, Any]:
    """Index once, record the run and its portals, publish (unless nothing could be done), summarise."""
    from .artifacts import publish_run_artifact
    from .load import finish_run

    stats = {**stats, "timings": timings}
    if error:
        stats["error"] = error
    t0 = time.monotonic()
    record_error = None
    try:
        if lake_url:
            from .load import finish_lake_run

            indexed = finish_lake_run(lake_url, registry, run_key, flow, started, stats, status, per_portal,
                                      str(paths["public"]), error=error)
        else:
            indexed = finish_run(str(paths["build"]), run_key, flow, started, stats, status, per_portal,
                                 error=error)
    except Exception as exc:  # the warehouse may be the thing that is broken
        indexed, record_error = {}, f"{type(exc).__name__}: {exc}"
        if status != "failed":
            raise
    timings["index_s"] = round(time.monotonic() - t0, 2)
    summary: dict[str, Any] = {"run_id": run_key, "flow": flow, "status": status, "started_at": started,
                               "finished_at": utc_now(), "data_dir": str(paths["data"]),
                               "stats": stats, "portals": per_portal, "search_index": indexed,
                               "shards": {sh.shard_id: list(sh.portals) for sh in shards}}
    if error:
        summary["error"] = error
    if record_error:
        summary["record_error"] = record_error
    if status != "failed" and lake_url:  # materialised and published from the lake by finish_lake_run
        summary["published"] = indexed.get("published")
        summary["warehouse"] = str(paths["public"])
    elif status != "failed":
        from .tasks import publish_task

        progress.emit("start", "publish", 1)
        t0 = time.monotonic()
        summary["published"] = publish_task(str(paths["build"]), str(paths["public"]))
        timings["publish_s"] = round(time.monotonic() - t0, 2)
        summary["warehouse"] = str(paths["public"])
    if status != "failed":  # loaded and published: the warehouse has it all
        for plan in run_dir.glob("shards/*/plan-*.json"):
            if (plan.parent / "loaded.json").exists():
                plan.unlink(missing_ok=True)
    _write_json(run_dir / "summary.json", summary)
    publish_run_artifact(summary)
    return summary


def read_summary(path: str | Path) -> dict:
    return json.loads(Path(path).read_text("utf-8"))
