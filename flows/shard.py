"""One shard of a night: crawl its portals, fetch and parse what changed, write its rounds.

    shard(flow="nightly", registry=..., data_dir="data", run_key="nightly-…", shard_id="p44-1",
          portals=["gz-…", …])

Run by the parent flow (flows.pipeline.run_pipeline) either in-process (`ogi run`, no server) or
as its own flow run of the `shard` deployment on the `ogi-process` work pool, so any number of
`prefect worker start` processes, on any machines sharing the data directory, take shards.

The crawl hands the report pages it fetched over to the raw store (`flows.crawl.handover_settings`);
the download after it answers those from their fresh URL records (`Politeness.fresh_since` = the
shard's start), so a report page is fetched once a night, not twice.

Everything a shard writes is under `<data_dir>/runs/<run_key>/shards/<shard_id>/`:
    items.jsonl (+ .stats.json), crawl.log, known.jsonl   the crawl
    plan-0000.json, plan-0001.json …                      its rounds (flows.sinks.PlanFiles),
                                                          loaded by the parent, the one writer
    done.json                                             written last: the shard is finished
A shard whose done.json exists is not run again by a rerun of the parent (same run key); a
shard killed midway starts again from its crawl (documents already in the raw store answer
304 / same hash and their parses are cached, so the repeat is cheap).
"""
from __future__ import annotations

import json
import os
import time
from collections import Counter
from pathlib import Path
from typing import Any, Callable

from prefect import flow

import parsers

# absolute imports: Prefect loads this file as a script (the deployment entrypoint), and spawned
# parser processes re-run it as `__mp_main__`, where relative imports would fail
from flows import progress
from flows.crawl import handover_settings, read_items, read_stats
from flows.download import Politeness
from flows.fetchproc import FetchProcess, wanted as fetch_in_process
from flows.pipeline import (CHUNK_ITEMS, _fetch_stats, _year_of, build_report, data_paths, document_rows, documents_of,
                            fetch_and_parse, parse_all, portal_chunks, portal_figures)
from flows.unchanged import deferrable_urls, input_digest, light_entry, may_go_light
from flows.rawstore import RawStore, _atomic_write, _write_json, utc_now
from flows.registry import read_registry
from flows.sinks import add_figures, sink_for

CRAWL_S_PER_PORTAL = float(os.environ.get("OGI_CRAWL_S_PER_PORTAL") or 120)  # crawl budget per portal
CRAWL_S_BASE = 300.0
LOCAL_PARENTS: set[int] = set()  # processes whose parent flow runs shards in-process (it cleans up)
# (run key, shard id) -> what the shard's body calls first: an in-process parent (flows.runner) asks
# for the next shard's flow run only then (why: flows.runner._in_process)
BEGUN: dict[tuple[str, str], Callable[[], None]] = {}


def shard_dir(data_dir: str | Path, run_key: str, shard_id: str) -> Path:
    return data_paths(data_dir)["runs"] / run_key / "shards" / shard_id


def crawl_budget(n_portals: int, crawl_timeout_s: float | None) -> float:
    """The shard's crawl time limit: given, or grown with its portals (never one global limit)."""
    if crawl_timeout_s:
        return float(crawl_timeout_s)
    return CRAWL_S_BASE + CRAWL_S_PER_PORTAL * max(1, n_portals)


# -- known items: the crawler re-emits these instead of fetching their report pages again --------
def known_path(data_dir: str | Path, portal_id: str) -> Path:
    return data_paths(data_dir)["data"] / "known" / f"{portal_id}.jsonl"


def gather_known(data_dir: str | Path, portals: list[str], out: Path) -> str | None:
    """Concatenate the known items of these portals into `out`; None when there are none."""
    parts = [known_path(data_dir, p) for p in portals]
    parts = [p for p in parts if p.exists()]
    if not parts:
        return None
    _atomic_write(out, b"".join(p.read_bytes() for p in parts))
    return str(out)


def remember_known(data_dir: str | Path, items: list[dict], portals: list[str], complete: set[str]) -> None:
    """Keep each fully crawled portal's readable items for the next crawl (items the crawler
    could not read — `error` — are left out, so their pages are tried again)."""
    by_portal: dict[str, list[dict]] = {p: [] for p in portals if p in complete}
    for it in items:
        if it.get("portal_id") in by_portal and not it.get("error") and it.get("page_url"):
            by_portal[it["portal_id"]].append(it)
    for pid, its in by_portal.items():
        if not its:  # nothing found this time (portal down?): keep what was known
            continue
        data = "".join(json.dumps(i, ensure_ascii=False, sort_keys=True) + "\n" for i in its)
        _atomic_write(known_path(data_dir, pid), data.encode("utf-8"))


def forget_known(data_dir: str | Path, pages: dict[str, set[str]]) -> None:
    """Drop the known items whose report page the download found changed (portal -> page URLs):
    the next crawl reads those pages again — a PDF linked since, a new title — instead of
    re-emitting what they said before."""
    for pid, urls in pages.items():
        path = known_path(data_dir, pid)
        try:
            lines = path.read_text("utf-8").splitlines(keepends=True)
        except FileNotFoundError:
            continue
        keep = [line for line in lines if line.strip() and json.loads(line).get("page_url") not in urls]
        if len(keep) != len(lines):
            _atomic_write(path, "".join(keep).encode("utf-8"))


# -- the shard's work ------------------------------------------------------------------------------
def run_shard(flow_name: str, registry: str, data_dir: str, run_key: str, shard_id: str, portals: list[str], *,
              years: list[int] | None = None, politeness: dict | None = None, crawl_settings: dict | None = None,
              crawl_timeout_s: float | None = None, lake_url: str | None = None,
              chunk_items: int | None = None) -> dict[str, Any]:
    from flows.tasks import crawl_task

    sdir = shard_dir(data_dir, run_key, shard_id)
    done = sdir / "done.json"
    if done.exists():
        return json.loads(done.read_text("utf-8"))
    sdir.mkdir(parents=True, exist_ok=True)
    paths = data_paths(data_dir)
    sink = sink_for(sdir, lake_url)
    sink.reset()  # an earlier, unfinished attempt of this shard
    started = utc_now()
    timings: dict[str, float] = {"fetch_parse_s": 0.0}
    registry = str(Path(registry).resolve())
    reg = read_registry(registry)
    wanted = [p for p in portals if p in reg]

    # the crawler stores the report pages it fetches in the raw store; the download then takes those
    # (recorded since `started`) as they are instead of fetching them again (flows.fetched)
    crawl_settings = {**handover_settings(paths["data"], Politeness.from_dict(politeness).max_bytes),
                      **(crawl_settings or {})}
    if crawl_settings.get("OGI_RAW_STORE"):
        politeness = {**(politeness or {}), "fresh_since": started}
    progress.emit("start", "crawl", 1)
    t0 = time.monotonic()
    known = gather_known(data_dir, wanted, sdir / "known.jsonl")
    # the shard's downloads in a process of their own, started now so that it starts during the crawl
    known_reports = Path(known).read_bytes().count(b"\n") if known else 0
    fetcher = FetchProcess(paths["data"], politeness) if fetch_in_process(politeness, known_reports) else None
    try:
        try:
            crawl = crawl_task(registry, str(sdir), wanted, crawl_budget(len(wanted), crawl_timeout_s), crawl_settings,
                               known)
        except Exception as exc:
            raise RuntimeError(f"crawl failed: {exc}") from exc
        crawled, crawl_stats = read_items(crawl["items_path"]), read_stats(crawl["stats_path"])
        timings["crawl_s"] = round(time.monotonic() - t0, 2)
        progress.emit("done", "crawl", 1)
        complete = set(wanted) if not crawl.get("timed_out") else {
            p for p, s in crawl_stats.items() if (s or {}).get("status") in ("ok", "empty")}
        if crawl.get("timed_out"):
            for pid in wanted:
                if pid not in complete:
                    s = crawl_stats.setdefault(pid, {})
                    s.update(status="timeout", error=f"crawl stopped at its time limit "
                                                     f"({crawl_budget(len(wanted), crawl_timeout_s):g} s)")
        remember_known(data_dir, crawled, wanted, complete)

        store = RawStore(paths["data"])
        items_by_id: dict[str, dict] = {}
        for it in crawled:
            if it.get("id") and it.get("portal_id") in wanted and (not years or _year_of(it) in years):
                items_by_id[it["id"]] = it
        del crawled
        items = list(items_by_id.values())
        chunks = portal_chunks(items, chunk_items or int(os.environ.get("OGI_CHUNK_ITEMS") or CHUNK_ITEMS))
        totals: Counter = Counter()
        load: dict[str, Any] = {}
        figures: dict[str, dict] = {}
        fetch_info: dict[str, Any] = {}
        changed_pages: dict[str, set[str]] = {}  # known report pages found changed: read again next time
        for n, chunk in enumerate(chunks):
            urls: dict[str, dict] = {}
            owners: dict[str, tuple[str, str, str]] = {}
            crawler_errors: dict[str, str] = {}
            for it in chunk:
                portal = reg[it["portal_id"]]
                for kind, url in documents_of(it):
                    if url not in urls:
                        urls[url] = {"allowed_hosts": portal.hosts(), "allow_private": portal.is_local}
                        owners[url] = (kind, it["portal_id"], it["id"])
                if it.get("error") and it.get("page_url"):
                    crawler_errors[it["page_url"]] = str(it["error"])
            t0 = time.monotonic()
            # an unchanged report goes light (flows.unchanged): its documents' parses are put off, and
            # read only if the report turns out to need building after all
            manifests = {it["id"]: store.load_report(it["id"]) for it in chunk}
            fetched, parsed, parse_counts = fetch_and_parse(urls, paths["data"], politeness, fetch_info,
                                                            defer=deferrable_urls(manifests.values()), fetcher=fetcher)
            for it in chunk:
                page = fetched.get(it.get("page_url") or "") or {}
                if page.get("status") == "changed" and not page.get("handed_over"):
                    changed_pages.setdefault(it["portal_id"], set()).add(it["page_url"])
            entries_by_id: dict[str, dict] = {}
            to_build = []
            for it in chunk:
                docs = documents_of(it)
                old = manifests[it["id"]]
                if may_go_light(old) and input_digest(it, docs, fetched) == old["input_digest"]:
                    entries_by_id[it["id"]] = light_entry(it, old)
                else:
                    to_build.append((it, docs))
            put_off = {}  # the put-off parses these reports need after all (cache reads, as a rule)
            for _it, docs in to_build:
                for _kind, url in docs:
                    r = fetched.get(url) or {}
                    if r.get("use_sha256") and (r["use_sha256"], r.get("format")) not in parsed:
                        put_off[(r["use_sha256"], r.get("format"))] = (r.get("filename"), r.get("content_type"))
            if put_off:
                extra, extra_counts = parse_all([(*key, *rest) for key, rest in put_off.items()], paths["data"])
                parsed.update(extra)
                parse_counts.update(extra_counts)
            timings["fetch_parse_s"] = round(timings["fetch_parse_s"] + time.monotonic() - t0, 2)
            for it, docs in to_build:
                entries_by_id[it["id"]], manifest = build_report(it, docs, fetched, parsed)
                store.save_report(it["id"], manifest)
            entries = [entries_by_id[it["id"]] for it in chunk]
            documents = document_rows(fetched, owners, parsed, crawler_errors)
            del parsed
            in_chunk = sorted({it["portal_id"] for it in chunk})
            if n == 0:  # portals that yielded nothing are recorded with the first round
                in_chunk = sorted(set(in_chunk) | {p for p in wanted if p not in items_by_id_portals(items)})
            per_portal = portal_figures(in_chunk, [], chunk, entries, crawl_stats, documents)
            figures.update(per_portal)
            totals.update(_fetch_stats(fetched, parse_counts, entries))
            written = sink.write_round(n, {"run_id": run_key, "flow": flow_name, "shard_id": shard_id,
                                           "started_at": started, "data_dir": str(paths["data"]),
                                           "documents": documents, "reports": entries, "portals": per_portal})
            if written is not None:  # the lake: loaded already, these are the load outcomes
                load = add_figures(load, written)
        forget_known(data_dir, changed_pages)
        if not chunks or not items:
            figures.update(portal_figures(wanted, [], [], [], crawl_stats, []))
        result = {"shard_id": shard_id, "run_key": run_key, "flow": flow_name, "status": "ok",
                  "crawl_timed_out": bool(crawl.get("timed_out")), "started_at": started, "finished_at": utc_now(),
                  "portals": figures, "stats": dict(totals), "rounds": len(chunks), "timings": timings,
                  "parser_version": parsers.PARSER_VERSION, "sink": sink.kind,
                  "max_active_hosts": fetch_info.get("max_active_hosts", 0), "pid": os.getpid(),
                  # the process of its downloads (flows.fetchproc), if not this one and it lasted
                  "fetch_pid": fetcher.pid if fetcher is not None and fetcher.broken is None else None}
        if sink.kind == "lake":
            result["load"] = {"portals": {}, "reports_new": 0, "reports_changed": 0, "reports_unchanged": 0, **load}
        sink.close()
        _write_json(done, result)
        return result
    finally:
        if fetcher is not None:
            fetcher.close()


def items_by_id_portals(items: list[dict]) -> set[str]:
    return {i["portal_id"] for i in items}


@flow(name="shard", log_prints=True, persist_result=False)
def shard(flow: str, registry: str, data_dir: str, run_key: str, shard_id: str, portals: list[str],
          years: list[int] | None = None, politeness: dict[str, Any] | None = None,
          crawl_settings: dict[str, Any] | None = None, crawl_timeout_s: float | None = None,
          lake_url: str | None = None) -> dict[str, Any]:
    """Crawl, fetch and parse one shard's portals; write its rounds for the parent to load
    (or into the lake at `lake_url`); publish a Prefect table artifact of its portals."""
    from flows.artifacts import publish_shard_artifact
    from flows.download import reset_politeness_state

    begun = BEGUN.pop((run_key, shard_id), None)
    if begun is not None:
        begun()
    in_worker = os.getpid() not in LOCAL_PARENTS
    try:
        result = run_shard(flow, registry, data_dir, run_key, shard_id, portals, years=years, politeness=politeness,
                           crawl_settings=crawl_settings, crawl_timeout_s=crawl_timeout_s, lake_url=lake_url)
    finally:
        if in_worker:  # a worker's own process: leave nothing running (in-process: the parent cleans up)
            from flows.tasks import close_parse_pool

            close_parse_pool()
            reset_politeness_state()
    publish_shard_artifact(result)
    return result
