"""Unchanged reports cost their conditional GETs, not a parse read, a plan entry and a reload.

A report's warehouse rows are a pure function of its inputs: the crawl item, the documents it
was chosen from (kind, URL, SHA-256, sniffed format) and the parser version. When a shard builds
a report it keeps, in the report's manifest (flows.rawstore `reports/<id>.json`):

    input_digest       SHA-256 of those inputs (`input_digest`)
    load_fingerprint   the warehouse load fingerprint of the entry built from them
                       (warehouse.load.fingerprint: what the loader compares)

The next night, when every document of the item answered "unchanged" (304, or the same bytes)
and the digest is the same, the shard writes a *light* entry — report id and load fingerprint,
no report — without reading the parse cache. The loader (flows.load.apply_plan, or the lake
sink) asks the warehouse for the fingerprints it holds: an equal one is "unchanged"; any other
(the earlier load never happened: a killed run; a rebuilt warehouse) is rebuilt from the
manifest and the parse cache (`rebuild_entries`) and loaded as usual. So a light entry can
never leave the warehouse behind its inputs; it only skips work when nothing changed.

Only reports whose documents were all read without error and parsed without failure go light:
their document rows and failure texts depend on nothing but those inputs.
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any, Iterable

import parsers

from .rawstore import RawStore

# bump when flows.pipeline.build_report changes how an entry is made from the same inputs
ENTRY_RULES = 1
META_KEYS = ("portal_id", "page_url", "document_url", "sha256")
# the crawl item's fields an entry is made from (flows.pipeline.build_report, merge_item_meta); not
# discovered_at / listing_url, which change every night without changing the report
ITEM_KEYS = ("id", "portal_id", "page_url", "year", "agency", "title", "error")


def input_digest(item: dict, docs: list[tuple[str, str]], fetched: dict[str, dict]) -> str | None:
    """SHA-256 of what the report is built from, or None when a document is not cleanly in hand
    (failed, refused, errored, no stored copy): such a report is always built in full."""
    parts = []
    for kind, url in docs:
        res = fetched.get(url)
        if not res or res.get("error") or res.get("status") not in ("new", "changed", "unchanged") \
                or not res.get("use_sha256"):
            return None
        parts.append([kind, url, res["use_sha256"], res.get("format")])
    inputs = [ENTRY_RULES, parsers.PARSER_VERSION, {k: item.get(k) for k in ITEM_KEYS}, parts]
    blob = json.dumps(inputs, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def entry_fingerprint(entry: dict) -> str:
    """The load fingerprint the warehouse will give this (full) entry."""
    from warehouse.load import fingerprint

    return fingerprint(entry["report"], {k: entry.get(k) for k in META_KEYS})


def clean_build(entry: dict, candidates_failed: bool) -> bool:
    """A full entry that may go light next time: a chosen document, no failed parse among its
    candidates, not a placeholder."""
    return bool(entry.get("sha256")) and not entry.get("keep_existing") and not candidates_failed \
        and (entry.get("report") or {}).get("status") != "failed"


def light_entry(item: dict, manifest: dict) -> dict:
    return {"report_id": item["id"], "portal_id": item.get("portal_id"), "page_url": item.get("page_url"),
            "light": True, "load_fingerprint": manifest["load_fingerprint"],
            "report_status": manifest.get("report_status") or "ok"}


def may_go_light(manifest: dict | None) -> bool:
    return bool(manifest and manifest.get("input_digest") and manifest.get("load_fingerprint")
                and manifest.get("parser_version") == parsers.PARSER_VERSION)


def deferrable_urls(manifests: Iterable[dict | None]) -> dict[str, str]:
    """url -> SHA-256 of the documents of reports that may go light: their parse is put off until
    the round knows whether it is needed (it is not when the report goes light)."""
    out: dict[str, str] = {}
    for m in manifests:
        if may_go_light(m):
            for d in m.get("documents") or []:
                if d.get("sha256"):
                    out[d["url"]] = d["sha256"]
    return out


def entry_status(entry: dict) -> str | None:
    """The parse status of a plan entry, light or full."""
    if entry.get("light"):
        return entry.get("report_status")
    return (entry.get("report") or {}).get("status")


# -- the loader's side ---------------------------------------------------------------------------
def rebuild_entries(data_dir: str | Path, light: list[dict]) -> list[dict]:
    """Full plan entries for light ones the warehouse does not hold: from each report's manifest
    and the parse cache (parsed again only if the cache lost it). A light entry whose manifest is
    gone (a damaged data directory) becomes a failure placeholder naming the cause: it never
    overwrites a loaded report, and the next run builds the report in full (no manifest, no light)."""
    from .pipeline import entries_from_manifests

    store = RawStore(data_dir)
    manifests, lost = [], []
    for it in light:
        m = store.load_report(it["report_id"])
        if m and m.get("item") and m.get("documents") is not None:
            manifests.append(m)
        else:
            lost.append(it)
    entries, _counts, _documents = entries_from_manifests(manifests, Path(data_dir))
    return [placeholder(it) for it in lost] + entries


def placeholder(light: dict) -> dict:
    from parsers.model import ParsedReport

    rid = light.get("report_id")
    fail = ParsedReport.failure(light.get("page_url") or rid, "unknown", parsers.PARSER_VERSION,
                                "unchanged since the last run, but its manifest is missing from the raw store: "
                                "built in full on the next run")
    return {"report_id": rid, "portal_id": light.get("portal_id"), "page_url": light.get("page_url"),
            "report": fail.to_dict(), "document_url": None, "sha256": None, "keep_existing": True}


def resolve_light(items: list[dict], held: dict[str, str], data_dir: str | Path | None) -> tuple[list[dict], list[str]]:
    """Split a round's entries: (entries to load — full ones, and light ones rebuilt because the
    warehouse holds another fingerprint or none —, ids of light entries the warehouse holds as they are)."""
    full = [it for it in items if not it.get("light")]
    light = [it for it in items if it.get("light")]
    same = [it["report_id"] for it in light if held.get(it["report_id"]) == it.get("load_fingerprint")]
    missing = [it for it in light if held.get(it["report_id"]) != it.get("load_fingerprint")]
    if missing:
        if data_dir is None:
            raise ValueError(f"{len(missing)} light plan entries not in the warehouse and no data_dir to rebuild them")
        full += rebuild_entries(data_dir, missing)
    return full, same


def light_ids(items: Iterable[dict]) -> list[str]:
    return [it["report_id"] for it in items if it.get("light")]


def manifest_fields(entry: dict, digest: str | None, candidates_failed: bool) -> dict[str, Any]:
    """What a full entry adds to its report's manifest so that it may go light next time."""
    if digest is None or not clean_build(entry, candidates_failed):
        return {}
    return {"input_digest": digest, "load_fingerprint": entry["load_fingerprint"],
            "parser_version": parsers.PARSER_VERSION, "report_status": entry["report"].get("status")}
