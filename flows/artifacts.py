"""Prefect table artifacts: the night at a glance in the Prefect UI.

Each shard publishes `ogi-shard-<shard>` and the parent `ogi-<flow>`: one row per portal —
found / new / changed / failed / blocked / stale — and a totals row. `ogi status` reads the same
figures from the warehouse (portal_runs + documents), `portal_rows` is the one definition.
An artifact that cannot be written (no API) never fails a run.
"""
from __future__ import annotations

import logging
import re
from typing import Any

log = logging.getLogger("ogi.flows")
COLUMNS = ("portal", "status", "found", "new", "changed", "failed", "blocked", "stale")


def portal_rows(portals: dict[str, dict]) -> list[dict[str, Any]]:
    """Per portal figures (of a shard result or a run summary) -> artifact rows + a totals row.
    `new`/`changed` are reports once loaded, else documents; `stale`: the portal yielded nothing."""
    rows = []
    for pid in sorted(portals):
        p = portals[pid] or {}
        found = int(p.get("reports_found") or 0)
        rows.append({"portal": pid, "status": p.get("status") or "",
                     "found": found,
                     "new": int(p.get("new", p.get("documents_new")) or 0),
                     "changed": int(p.get("changed", p.get("documents_changed")) or 0),
                     "failed": int(p.get("failed") or 0),
                     "blocked": int(p.get("blocked") or 0),
                     "stale": "yes" if not found else ""})
    totals = {"portal": f"TOTAL ({len(rows)} portals)", "status": "",
              **{k: sum(r[k] for r in rows) for k in ("found", "new", "changed", "failed", "blocked")},
              "stale": str(sum(1 for r in rows if r["stale"]))}
    return rows + [totals]


def _key(text: str) -> str:
    return re.sub(r"[^a-z0-9-]+", "-", text.lower()).strip("-")[:100] or "x"


def _publish(key: str, rows: list[dict], description: str) -> str | None:
    try:
        from prefect.artifacts import create_table_artifact

        return str(create_table_artifact(table=rows, key=key, description=description))
    except Exception as exc:  # no API, no flow context …: a missing artifact is not a failed run
        log.info("artifact %s not published: %s", key, exc)
        return None


def publish_shard_artifact(result: dict[str, Any]) -> str | None:
    st = result.get("stats") or {}
    desc = (f"**shard {result.get('shard_id')}** of run `{result.get('run_key')}` — {len(result.get('portals') or {})} "
            f"portals, {st.get('reports', 0)} reports, {st.get('documents', 0)} documents "
            f"({st.get('documents_new', 0)} new, {st.get('documents_changed', 0)} changed, "
            f"{st.get('not_modified', 0)} not modified, {st.get('fetch_failed', 0)} failed, "
            f"{st.get('fetch_skipped', 0)} blocked); parsed {st.get('parsed', 0)}, cached {st.get('parse_cached', 0)}"
            + (" — crawl stopped at its time limit" if result.get("crawl_timed_out") else ""))
    return _publish(f"ogi-shard-{_key(str(result.get('shard_id')))}", portal_rows(result.get("portals") or {}), desc)


def publish_run_artifact(summary: dict[str, Any]) -> str | None:
    st = summary.get("stats") or {}
    desc = (f"**{summary.get('flow')} {summary.get('run_id')}** — {summary.get('status')}; "
            f"{st.get('shards', 0)} shard(s)" + (f", unfinished: {', '.join(st['shards_failed'])}"
                                                  if st.get("shards_failed") else "")
            + f"; reports {st.get('reports', 0)}: new {st.get('reports_new', 0)}, changed "
            f"{st.get('reports_changed', 0)}, unchanged {st.get('reports_unchanged', 0)}, failed "
            f"{st.get('reports_failed', 0)}" + (f"\n\nerror: {summary['error']}" if summary.get("error") else ""))
    return _publish(f"ogi-{_key(str(summary.get('flow')))}", portal_rows(summary.get("portals") or {}), desc)
