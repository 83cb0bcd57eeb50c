"""The portal registry: a CSV with `portal_id,name,province,level,division_code,start_urls,allowed_hosts`.

`start_urls` and `allowed_hosts` are space-separated; an empty `allowed_hosts` means the hosts of
the start URLs. A host is `name` or `name:port`; `*.example.gov.cn` allows sub-domains of a public
domain (never of a private or loopback address).
"""
from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

from crawlers.urls import host_of, is_private_host

HEADER = ["portal_id", "name", "province", "level", "division_code", "start_urls", "allowed_hosts"]
DEFAULT_REGISTRY = Path(__file__).resolve().parent / "data" / "registry.csv"


class RegistryError(ValueError):
    pass


@dataclass(frozen=True)
class Portal:
    portal_id: str
    name: str
    province: str = ""
    level: str = ""
    division_code: str = ""
    start_urls: tuple[str, ...] = ()
    allowed_hosts: frozenset[str] = field(default_factory=frozenset)

    def allows(self, url: str) -> bool:
        return host_allowed(host_of(url), self.allowed_hosts)


def host_allowed(host: str, allowed: frozenset[str] | set[str]) -> bool:
    """Exact `host[:port]` match; a port-less public entry also admits other ports; `*.` wildcards
    admit sub-domains of public names. Private/loopback hosts need the exact entry."""
    host = host.lower()
    if host in allowed:
        return True
    if is_private_host(host):
        return False
    name = host.rsplit(":", 1)[0] if ":" in host else host
    if name in allowed:
        return True
    return any(a.startswith("*.") and (name == a[2:] or name.endswith(a[1:])) for a in allowed)


def read_registry(path: str | Path | None = None, portals: list[str] | None = None) -> list[Portal]:
    path = Path(path) if path else DEFAULT_REGISTRY
    if not path.exists():
        raise RegistryError(f"registry not found: {path}")
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        missing = [h for h in HEADER if h not in (reader.fieldnames or [])]
        if missing:
            raise RegistryError(f"{path}: missing columns {missing}")
        rows = list(reader)
    out: list[Portal] = []
    seen: set[str] = set()
    for n, row in enumerate(rows, 2):
        pid = (row["portal_id"] or "").strip()
        if not pid:
            raise RegistryError(f"{path}:{n}: empty portal_id")
        if pid in seen:
            raise RegistryError(f"{path}:{n}: duplicate portal_id {pid}")
        seen.add(pid)
        starts = tuple(u for u in (row["start_urls"] or "").split() if u)
        if not starts:
            raise RegistryError(f"{path}:{n}: {pid} has no start_urls")
        for u in starts:
            if not u.startswith(("http://", "https://")):
                raise RegistryError(f"{path}:{n}: {pid}: not an http(s) URL: {u}")
        hosts = {h.strip().lower() for h in (row["allowed_hosts"] or "").split() if h.strip()}
        hosts |= {host_of(u) for u in starts}
        out.append(Portal(pid, row["name"].strip(), row["province"].strip(), row["level"].strip(),
                          row["division_code"].strip(), starts, frozenset(hosts)))
    if portals:
        wanted = set(portals)
        unknown = wanted - {p.portal_id for p in out}
        if unknown:
            raise RegistryError(f"unknown portal id(s) in {path}: {', '.join(sorted(unknown))}")
        out = [p for p in out if p.portal_id in wanted]
    return out
