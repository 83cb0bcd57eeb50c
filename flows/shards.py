"""Split the registry into shards: whole provinces, large ones split, small ones packed together.

A shard is the unit one flow run (one worker process) crawls, fetches and parses. Rules:
- portals that share a host stay in one shard (a province platform serving many counties), so
  per-host politeness is kept by one process — no two shards ask the same host;
- a province is one shard when its portals fit `max_portals`; a larger one is split into near
  equal parts (ids `<province>-1`, `<province>-2` …) in registry order of its portals;
- provinces smaller than `max_portals` are packed together (first fit, largest first) so a
  national run does not start 30 tiny flow runs;
- the plan depends only on the registry rows and `max_portals`: a rerun plans the same shards.

Sizes come from the registry's portal counts (`province` column of crawlers/registry.py).
"""
from __future__ import annotations

import hashlib
import math
import re
from dataclasses import asdict, dataclass
from typing import Iterable

DEFAULT_MAX_PORTALS = 100


@dataclass(frozen=True)
class Shard:
    shard_id: str
    provinces: tuple[str, ...]
    portals: tuple[str, ...]

    def to_dict(self) -> dict:
        return {**asdict(self), "provinces": list(self.provinces), "portals": list(self.portals)}

    @classmethod
    def from_dict(cls, d: dict) -> "Shard":
        return cls(d["shard_id"], tuple(d["provinces"]), tuple(d["portals"]))


def province_key(province: str, division_code: str = "") -> str:
    """A short ASCII id for a province: its two-digit division code when known, else a hash."""
    code = (division_code or "").strip()
    if len(code) >= 2 and code[:2].isdigit():
        return f"p{code[:2]}"
    name = (province or "").strip()
    if re.fullmatch(r"[A-Za-z0-9_-]+", name):
        return name.lower()
    return "p" + hashlib.sha1(name.encode("utf-8")).hexdigest()[:6] if name else "p-none"


def host_groups(portals: Iterable) -> dict[str, str]:
    """portal_id -> the id of its group (portals transitively sharing an allowed host)."""
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    owner: dict[str, str] = {}
    for p in portals:
        parent.setdefault(p.portal_id, p.portal_id)
        for h in sorted(p.allowed_hosts):
            if h in owner:
                a, b = find(owner[h]), find(p.portal_id)
                if a != b:
                    parent[max(a, b)] = min(a, b)
            else:
                owner[h] = p.portal_id
    return {pid: find(pid) for pid in parent}


def plan_shards(portals: list, max_portals: int = DEFAULT_MAX_PORTALS) -> list[Shard]:
    """portals: crawlers.registry.Portal-like (portal_id, province, division_code, allowed_hosts),
    in registry order. Returns shards in a stable order."""
    max_portals = max(1, int(max_portals))
    groups = host_groups(portals)
    # a host group lives in the province of its first portal
    prov_of_group: dict[str, str] = {}
    members: dict[str, list[str]] = {}
    for p in portals:
        g = groups[p.portal_id]
        prov_of_group.setdefault(g, province_key(getattr(p, "province", ""), getattr(p, "division_code", "")))
        members.setdefault(g, []).append(p.portal_id)
    by_prov: dict[str, list[list[str]]] = {}
    for g, pids in members.items():
        by_prov.setdefault(prov_of_group[g], []).append(pids)

    shards: list[Shard] = []
    small: list[tuple[str, list[str]]] = []
    for prov in sorted(by_prov):
        units = by_prov[prov]
        size = sum(len(u) for u in units)
        if size <= max_portals:
            small.append((prov, [pid for u in units for pid in u]))
            continue
        parts = math.ceil(size / max_portals)
        target = math.ceil(size / parts)
        bins: list[list[str]] = [[]]
        for unit in units:  # registry order; a host group is never split
            if bins[-1] and len(bins[-1]) + len(unit) > target:
                bins.append([])
            bins[-1].extend(unit)
        shards += [Shard(f"{prov}-{i}", (prov,), tuple(b)) for i, b in enumerate(bins, 1)]
    # first-fit decreasing packing of the small provinces
    packed: list[tuple[list[str], list[str]]] = []
    for prov, pids in sorted(small, key=lambda x: (-len(x[1]), x[0])):
        for provs, bin_pids in packed:
            if len(bin_pids) + len(pids) <= max_portals:
                provs.append(prov)
                bin_pids.extend(pids)
                break
        else:
            packed.append(([prov], list(pids)))
    for provs, pids in packed:
        provs = sorted(provs)
        sid = provs[0] if len(provs) == 1 else f"{provs[0]}+{len(provs) - 1}"
        shards.append(Shard(sid, tuple(provs), tuple(pids)))
    shards.sort(key=lambda s: s.shard_id)
    ids = [s.shard_id for s in shards]
    assert len(ids) == len(set(ids)), ids
    return shards
