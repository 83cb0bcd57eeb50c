"""Where a shard's rounds go.

- `PlanFiles` (default, one machine or a shared data directory): each round is a load plan
  (JSON, the format of flows.load) in the shard's directory; the parent flow — the single writer
  of the single-file DuckDB build warehouse — loads them as they appear (flows.load.load_rounds),
  then publishes.
- `LakeRounds` (when a lake URL is configured): each round goes straight into the DuckLake
  (`warehouse.lake.Lake`, PostgreSQL catalog) in its own transaction, so shards write at the
  same time; the parent then materialises the analysts' file from the lake.

A round is {run_id, flow, shard_id, started_at, documents: [...], reports: [...], portals: {...}}.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Iterator

from .load import LOAD_KEYS, write_plan


class PlanFiles:
    kind = "plans"

    def __init__(self, shard_dir: Path):
        self.dir = Path(shard_dir)

    def reset(self) -> None:
        """Remove an earlier attempt's rounds and their load markers (flows.load.load_rounds)."""
        for p in self.dir.glob("plan-*.json"):
            p.unlink(missing_ok=True)

    def write_round(self, n: int, plan: dict[str, Any]) -> None:
        write_plan(self.dir / f"plan-{n:04d}.json", plan)

    def close(self) -> None:
        pass


def round_plans(shard_dir: Path) -> list[Path]:
    """The shard's round files in order (plan-0000.json, …; not their plan-NNNN.loaded.json markers)."""
    return sorted(p for p in Path(shard_dir).glob("plan-*.json") if p.name[5:-5].isdigit())


def read_round(path: Path) -> dict[str, Any]:
    return json.loads(Path(path).read_text("utf-8"))


ITEM_KEYS = LOAD_KEYS + ("keep_existing",)  # the lake keeps a loaded report itself when this is set


def round_figures(reports: list[dict], outcomes: list[str]) -> dict[str, Any]:
    """Load outcomes of one round -> {portals: {pid: {new, changed, unchanged}}, reports_new, …}."""
    portals: dict[str, dict[str, int]] = {}
    for it, res in zip(reports, outcomes):
        p = portals.setdefault(it.get("portal_id") or "?", {"new": 0, "changed": 0, "unchanged": 0})
        p[{"inserted": "new", "replaced": "changed"}.get(res, "unchanged")] += 1
    return {"portals": portals, "reports_new": sum(p["new"] for p in portals.values()),
            "reports_changed": sum(p["changed"] for p in portals.values()),
            "reports_unchanged": sum(p["unchanged"] for p in portals.values())}


def add_figures(total: dict[str, Any], part: dict[str, Any]) -> dict[str, Any]:
    out = {"portals": dict(total.get("portals") or {})}
    for pid, f in (part.get("portals") or {}).items():
        out["portals"][pid] = {k: out["portals"].get(pid, {}).get(k, 0) + v for k, v in f.items()}
    for k in ("reports_new", "reports_changed", "reports_unchanged"):
        out[k] = int(total.get(k) or 0) + int(part.get(k) or 0)
    return out


class LakeRounds:
    """Rounds straight into the DuckLake (warehouse.lake.Lake): one lake transaction per round,
    shards writing side by side; the parent only records the run and materialises."""
    kind = "lake"

    def __init__(self, shard_dir: Path, lake_url: str):
        from warehouse.lake import Lake

        self.dir = Path(shard_dir)
        self.lake = Lake.from_url(lake_url)
        self.lake.init()  # create/migrate: safe from every shard

    def reset(self) -> None:
        pass  # lake writes are per round and idempotent by fingerprint: a repeat converges

    def write_round(self, n: int, plan: dict[str, Any]) -> dict[str, Any]:
        from .unchanged import light_ids, resolve_light

        # light entries (flows.unchanged) the lake holds as they are are not written at all
        full, same = resolve_light(plan["reports"], self.lake.load_fingerprints(light_ids(plan["reports"])),
                                   plan.get("data_dir"))
        items = [{k: e.get(k) for k in ITEM_KEYS} for e in full]
        res = self.lake.write_reports(items, documents=plan["documents"], run_id=plan["run_id"])
        outcome = dict(zip((e["report_id"] for e in full), res["outcomes"]))
        return round_figures(plan["reports"], [outcome.get(e["report_id"], "unchanged") for e in plan["reports"]])

    def close(self) -> None:
        self.lake.close()


def sink_for(shard_dir: Path, lake_url: str | None):
    return LakeRounds(shard_dir, lake_url) if lake_url else PlanFiles(shard_dir)


def iter_rounds(shard_dir: Path) -> Iterator[dict[str, Any]]:
    for p in round_plans(shard_dir):
        yield read_round(p)
