"""The steps shared by `nightly`, `backfill` and `reparse`, run inside a Prefect flow.

    crawl (subprocess) -> fetch each document (raw store) -> parse each new blob (cached on
    sha256 + parser version) -> choose each report's best document -> load (one writer) ->
    publish (atomic) -> run summary

Paths under the data directory:
    raw/                     the raw store (see flows.rawstore)
    cache/                   Prefect results of parse tasks
    build/warehouse.duckdb   the writer's warehouse (kept between runs: loads are incremental)
    warehouse.duckdb         the published copy analysts open
    runs/<run_id>/           items.jsonl (+ .stats.json), crawl.log, plan.json, summary.json
"""
from __future__ import annotations

import json
import logging
import os
import time
import uuid
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable

from prefect.futures import as_completed

import parsers
from parsers.model import ParsedReport

from . import progress
from .crawl import read_items, read_stats
from .load import write_plan
from .rawstore import RawStore, _write_json, utc_now
from .registry import read_registry
from .download import reset_politeness_state
from .tasks import close_downloaders, close_parse_pool, crawl_task, fetch_task, load_task, parse_task_for, publish_task

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
def fetch_and_parse(urls: dict[str, dict], data_dir: Path, politeness: dict | None
                    ) -> tuple[dict[str, dict], dict, Counter]:
    """urls: url -> {allowed_hosts, allow_private}. Fetch each URL; as soon as a usable blob is in
    the raw store, submit its parse (cached on sha256 + format + parser version).
    Returns (url -> fetch result with `use_sha256`, {(sha, fmt): report dict}, parse counts)."""
    store = RawStore(data_dir)
    parse = parse_task_for(data_dir)
    progress.emit("start", "download", len(urls))
    futs = {fetch_task.submit(u, spec["allowed_hosts"], spec["allow_private"], str(data_dir), politeness): u
            for u, spec in urls.items()}
    fetched: dict[str, dict] = {}
    parse_futs: dict[tuple[str, str | None], Any] = {}
    for fut in as_completed(list(futs)):
        url = futs[fut]
        try:
            res = fut.result()
        except Exception as exc:  # the task itself crashed after its retries
            res = {"url": url, "status": "failed", "error": f"fetch task failed: {type(exc).__name__}: {exc}"[:500]}
        res = fetched[url] = with_usable_copy(res, store)
        key = (res.get("use_sha256"), res.get("format"))
        if key[0] and key not in parse_futs:
            parse_futs[key] = parse.submit(str(data_dir), key[0], key[1], res.get("filename"), res.get("content_type"))
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
    parse = parse_task_for(data_dir)
    futs = {}
    for sha, fmt, filename, ctype in blobs:
        if (sha, fmt) not in futs:
            futs[(sha, fmt)] = parse.submit(str(data_dir), sha, fmt, filename, ctype)
    progress.emit("start", "parse", len(futs))
    return collect_parses(futs)


def collect_parses(futs: dict[tuple[str, str | None], Any]) -> tuple[dict, Counter]:
    out: dict[tuple[str, str | None], dict] = {}
    counts: Counter = Counter()
    for key, fut in futs.items():
        try:
            out[key] = fut.result()
            state = fut.state
            counts["cached" if state is not None and state.name == "Cached" else "parsed"] += 1
        except Exception as exc:
            out[key] = ParsedReport.failure(key[0], key[1] or "unknown", parsers.PARSER_VERSION,
                                            f"parse task failed: {type(exc).__name__}: {exc}"[:500]).to_dict()
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
            rep["source"] = url
            candidates.append({"kind": kind, "url": url, "sha256": sha, "report": rep})
    best = select_best(candidates)
    entry = {"report_id": item["id"], "portal_id": item.get("portal_id"), "page_url": item.get("page_url")}
    if best is not None:
        entry.update(report=merge_item_meta(best["report"], item), document_url=best["url"],
                     sha256=best["sha256"], keep_existing=False)
    else:
        fail = ParsedReport.failure(item.get("page_url") or item["id"], "unknown", parsers.PARSER_VERSION,
                                    "no document could be fetched: " + ("; ".join(errors) or "no documents")[:1500])
        entry.update(report=merge_item_meta(fail.to_dict(), item), document_url=None, sha256=None,
                     keep_existing=True)  # never overwrite a good earlier load with a fetch failure
    manifest = {"report_id": item["id"], "portal_id": item.get("portal_id"), "item": item,
                "documents": manifest_docs, "saved_at": utc_now()}
    return entry, manifest


def document_rows(fetched: dict[str, dict], owners: dict[str, tuple[str, str, str]], parsed: dict) -> list[dict]:
    rows = []
    for url, res in fetched.items():
        kind, portal_id, report_id = owners[url]
        error = res.get("error")
        sha = res.get("use_sha256")
        if sha and (sha, res.get("format")) in parsed:
            rep = parsed[(sha, res.get("format"))]
            if rep.get("status") == "failed" and rep.get("error"):
                error = (error + "; " if error else "") + f"parse failed: {rep['error']}"
        rows.append({"url": url, "sha256": res.get("sha256") or sha, "http_status": res.get("http_status"),
                     "content_type": res.get("content_type"), "bytes": res.get("bytes"),
                     "fetched_at": res.get("fetched_at"), "error": error, "kind": kind,
                     "portal_id": portal_id, "report_id": report_id, "final_url": res.get("final_url")})
    return rows


# -- the whole run ---------------------------------------------------------------------------
def run_pipeline(flow: str, registry: str, data_dir: str, *, portals: list[str] | None = None,
                 years: list[int] | None = None, politeness: dict | None = None,
                 crawl_settings: dict | None = None, crawl_timeout_s: float = 3600.0) -> dict[str, Any]:
    paths = data_paths(data_dir)
    paths["data"].mkdir(parents=True, exist_ok=True)
    run_id = new_run_id(flow)
    run_dir = paths["runs"] / run_id
    run_dir.mkdir(parents=True, exist_ok=True)
    started = utc_now()
    registry = str(Path(registry).resolve())
    reg = read_registry(registry)
    wanted = list(portals) if portals else sorted(reg)
    unknown = [p for p in wanted if p not in reg]
    wanted = [p for p in wanted if p in reg]

    if portals and not wanted:
        summary = _finish_failed(flow, run_id, started, registry, unknown, paths, run_dir,
                                 f"no such portal(s) in the registry: {', '.join(unknown)}")
        raise ValueError(summary["error"])

    # 1. crawl
    progress.emit("start", "crawl", 1)
    t0 = time.monotonic()
    try:
        crawl = crawl_task(registry, str(run_dir), wanted if portals else None, crawl_timeout_s, crawl_settings)
    except Exception as exc:
        summary = _finish_failed(flow, run_id, started, registry, wanted, paths, run_dir, f"crawl failed: {exc}")
        raise RuntimeError(summary["error"]) from exc
    progress.emit("done", "crawl", 1)
    return process_items(flow, registry, paths, run_id, run_dir, started, read_items(crawl["items_path"]),
                         read_stats(crawl["stats_path"]), wanted=wanted, unknown=unknown, years=years,
                         politeness=politeness, timings={"crawl_s": round(time.monotonic() - t0, 2)})


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
        "documents_new": doc_status["new"], "documents_changed": doc_status["changed"],
        "documents_unchanged": doc_status["unchanged"],
        "not_modified": sum(1 for r in fetched.values() if r.get("http_status") == 304),
        "fetch_failed": doc_status["failed"], "fetch_skipped": doc_status["skipped"],
        "parsed": parse_counts["parsed"], "parse_cached": parse_counts["cached"],
        "reports_failed": sum(1 for e in entries if e["report"].get("status") == "failed")})


def process_items(flow: str, registry: str, paths: dict[str, Path], run_id: str, run_dir: Path, started: str,
                  crawled: list[dict], crawl_stats: dict, *, wanted: list[str], unknown: list[str],
                  years: list[int] | None, politeness: dict | None,
                  timings: dict[str, float] | None = None, chunk_items: int | None = None) -> dict[str, Any]:
    """Everything after the crawl: fetch, parse, choose, load (round by round), publish, summary."""
    timings = dict(timings or {})
    timings.setdefault("fetch_parse_s", 0.0)
    timings.setdefault("load_s", 0.0)
    reg = read_registry(registry)
    store = RawStore(paths["data"])
    items_by_id: dict[str, dict] = {}
    for it in crawled:
        if it.get("id") and it.get("portal_id") in wanted and (not years or _year_of(it) in years):
            items_by_id[it["id"]] = it
    items = list(items_by_id.values())
    chunks = portal_chunks(items, chunk_items or int(os.environ.get("OGI_CHUNK_ITEMS") or CHUNK_ITEMS))
    progress.emit("start", "load", len(items))
    totals: Counter = Counter()
    per_portal_all: dict[str, dict] = {}
    loaded: dict[str, Any] = {"stats": {}}
    try:
        for n, chunk in enumerate(chunks):
            # 2. fetch every document once (a URL shared by reports is fetched once)
            urls: dict[str, dict] = {}
            owners: dict[str, tuple[str, str, str]] = {}
            for it in chunk:
                portal = reg[it["portal_id"]]
                for kind, url in documents_of(it):
                    if url not in urls:
                        urls[url] = {"allowed_hosts": portal.hosts(), "allow_private": portal.is_local}
                        owners[url] = (kind, it["portal_id"], it["id"])
            # 3. parse each usable blob as soon as it is stored (cached on sha256 + format + parser version)
            t0 = time.monotonic()
            fetched, parsed, parse_counts = fetch_and_parse(urls, paths["data"], politeness)
            timings["fetch_parse_s"] = round(timings["fetch_parse_s"] + time.monotonic() - t0, 2)

            # 4. one report per item, manifests into the raw store
            entries = []
            for it in chunk:
                entry, manifest = build_report(it, documents_of(it), fetched, parsed)
                store.save_report(it["id"], manifest)
                entries.append(entry)
            documents = document_rows(fetched, owners, parsed)
            del parsed

            # 5. load this round (the single writer); the run record is cumulative
            last = n == len(chunks) - 1
            in_chunk = sorted({it["portal_id"] for it in chunk})
            if n == 0:  # portals that yielded nothing are recorded with the first round
                in_chunk = sorted(set(in_chunk) | {p for p in wanted if p not in {i["portal_id"] for i in items}})
            per_portal = portal_figures(in_chunk, unknown if n == 0 else [], chunk, entries, crawl_stats)
            totals.update(_fetch_stats(fetched, parse_counts, entries))
            stats = {**{k: totals[k] for k in totals if not k.startswith("reports_") or k == "reports_failed"},
                     "reports_new": loaded["stats"].get("reports_new", 0),
                     "reports_changed": loaded["stats"].get("reports_changed", 0),
                     "reports_unchanged": loaded["stats"].get("reports_unchanged", 0),
                     "portals": len(wanted), "parser_version": parsers.PARSER_VERSION, "unknown_portals": unknown,
                     "rounds": len(chunks), "timings": dict(timings)}
            stats["reports_failed"] = totals["reports_failed"]
            plan = {"run_id": run_id, "flow": flow, "started_at": started, "registry": registry if n == 0 else None,
                    "documents": documents, "reports": entries,
                    "portals": per_portal, "stats": stats, "status": "ok" if last else "running"}
            t0 = time.monotonic()
            loaded = load_task(write_plan(run_dir / "plan.json", plan), str(paths["build"]))
            timings["load_s"] = round(timings["load_s"] + time.monotonic() - t0, 2)
            per_portal_all.update(loaded["per_portal"])
    finally:
        close_downloaders()  # per-run HTTP clients; robots.txt is read afresh next run
        reset_politeness_state()
        close_parse_pool()

    # 6. publish the build copy atomically
    progress.emit("start", "publish", 1)
    t0 = time.monotonic()
    published = publish_task(str(paths["build"]), str(paths["public"]))
    timings["publish_s"] = round(time.monotonic() - t0, 2)
    summary = {"run_id": run_id, "flow": flow, "status": "ok", "started_at": started, "finished_at": utc_now(),
               "data_dir": str(paths["data"]), "warehouse": str(paths["public"]),
               "stats": {**loaded["stats"], "timings": timings}, "portals": per_portal_all,
               "published": published}
    _write_json(run_dir / "summary.json", summary)
    (run_dir / "plan.json").unlink(missing_ok=True)  # loaded and published: the warehouse has it all
    return summary


def portal_figures(wanted: list[str], unknown: list[str], items: list[dict], entries: list[dict],
                   crawl_stats: dict) -> dict[str, dict]:
    found = Counter(it["portal_id"] for it in items)
    failed = Counter(e["portal_id"] for e in entries if e["report"].get("status") == "failed")
    out: dict[str, dict] = {}
    for pid in wanted:
        cs = crawl_stats.get(pid) or {}
        status = cs.get("status") or ("ok" if found[pid] else "empty")
        out[pid] = {"pages": cs.get("pages"), "reports_found": found[pid], "failed": failed[pid],
                    "status": status, "error": cs.get("error")}
    for pid in unknown:
        out[pid] = {"pages": 0, "reports_found": 0, "failed": 0, "status": "error",
                    "error": "portal_id not in the registry"}
    return out


def _finish_failed(flow: str, run_id: str, started: str, registry: str, wanted: list[str],
                   paths: dict[str, Path], run_dir: Path, error: str) -> dict:
    """Record a run that could not get past the crawl, so `ogi status` shows it."""
    plan = {"run_id": run_id, "flow": flow, "started_at": started, "registry": registry, "documents": [],
            "reports": [], "status": "failed", "stats": {"error": error},
            "portals": {p: {"reports_found": 0, "failed": 0, "status": "error", "error": error} for p in wanted}}
    summary = {"run_id": run_id, "flow": flow, "status": "failed", "error": error, "started_at": started,
               "finished_at": utc_now(), "data_dir": str(paths["data"])}
    try:
        from .load import apply_plan

        apply_plan(write_plan(run_dir / "plan.json", plan), str(paths["build"]))
    except Exception as exc:  # the warehouse may be the thing that is broken
        summary["record_error"] = f"{type(exc).__name__}: {exc}"
    _write_json(run_dir / "summary.json", summary)
    return summary


def read_summary(path: str | Path) -> dict:
    return json.loads(Path(path).read_text("utf-8"))
