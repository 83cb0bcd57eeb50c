"""The portal registry: a CSV with `portal_id,name,province,level,division_code,start_urls,allowed_hosts`
and, in the national registry, `status,parent_code,portal_url,probe,probed_at,source,note` after them
(readers need only the first seven; `crawlers/tools/build_national_registry.py` writes the file).

`start_urls` and `allowed_hosts` are space-separated; an empty `allowed_hosts` means the hosts of
the start URLs. A host is `name` or `name:port`; `*.example.gov.cn` allows sub-domains of a public
domain (never of a private or loopback address).

Sibling hosts (the one allow-list rule is `host_admission`/`host_allowed`, used by the crawler's
SafetyMiddleware and the downloader in flows/): a portal that owns a registered `*.gov.cn` domain
(it lists `x.gov.cn` or `www.x.gov.cn`) may also follow other hosts under it — `xxgk.x.gov.cn`,
`zwgk.x.gov.cn`, `info.x.gov.cn` … — unless another portal of the registry lists that host.
`read_registry` adds these as `~x.gov.cn` (owned domain) and `!host` (another portal's host) entries
to each portal's allowed set; admissions through them are "sibling" (the crawl counts them). Any other
host, every IP and every non-`gov.cn` host must be listed: copies of reports on other domains are
never taken.

`status` (missing = ok): ok, unreachable (probe failed; still crawled), shared (the listed portal is
the parent's), no_portal, out_of_scope. Rows without a start URL (no_portal, shared, out_of_scope)
are not crawled; `read_registry` skips them unless asked for them by id (then it says why).
"""
from __future__ import annotations

import csv
from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from crawlers.urls import host_of, is_private_host

HEADER = ["portal_id", "name", "province", "level", "division_code", "start_urls", "allowed_hosts"]
NATIONAL_COLUMNS = ["status", "parent_code", "portal_url", "probe", "probed_at", "source", "note"]
STATUSES = ("ok", "unreachable", "shared", "no_portal", "out_of_scope")
CRAWLED_STATUSES = ("ok", "unreachable")
DEFAULT_REGISTRY = Path(__file__).resolve().parent / "data" / "registry.csv"
DISCLOSURE_PREFIXES = ("xxgk", "zwgk", "gk", "info", "gb", "zfxxgk", "xxgkml", "gkml", "zfgb")


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
    status: str = "ok"

    def allows(self, url: str) -> bool:
        return _admitted(host_of(url), self.allowed_hosts)

    @property
    def listed_hosts(self) -> frozenset[str]:
        """The hosts the registry lists (without the derived `~domain`/`!host` entries)."""
        return frozenset(h for h in self.allowed_hosts if not h.startswith(("~", "!")))


def _name(host: str) -> str:
    return host.rsplit(":", 1)[0] if ":" in host and not host.startswith("[") else host


def registered_domain(host: str) -> str | None:
    """`x.gov.cn` for any `…x.gov.cn` host (gov.cn is a public suffix: one label under it is the
    registered domain); None for other hosts, IPs and ports (`www.x.gov.cn:8080` is not a sibling)."""
    name = host.lower()
    if ":" in name or not name.endswith(".gov.cn"):
        return None
    labels = name.split(".")
    return ".".join(labels[-3:]) if len(labels) >= 3 and all(labels) else None


def owned_domain(host: str) -> str | None:
    """The registered domain a listed host owns: `x.gov.cn` for `x.gov.cn` and `www.x.gov.cn`."""
    dom = registered_domain(host)
    return dom if dom and host.lower() in (dom, "www." + dom) else None


def is_disclosure_sibling(host: str, of: str) -> bool:
    """`xxgk.x.gov.cn` next to `www.x.gov.cn`: a disclosure host (xxgk./zwgk./info./…) under the same
    registered domain (used by the registry builder to merge such rows into the government's row)."""
    dom = registered_domain(host)
    if not dom or dom != registered_domain(of) or host == of:
        return False
    first = host.lower().split(".")[0]
    return any(first == p or first.endswith(p) or first.startswith(p) for p in DISCLOSURE_PREFIXES)


def host_admission(host: str, allowed: frozenset[str] | set[str]) -> str | None:
    """How `host` is admitted by an allowed set: "listed" (exact `host[:port]`; a port-less public entry
    also admits other ports; `*.` wildcards admit sub-domains of public names), "sibling" (an unlisted
    host under a `~x.gov.cn` domain the portal owns, not `!`-excluded), or None (refused).
    Private/loopback hosts need the exact entry."""
    host = host.lower()
    if host in allowed:
        return "listed"
    if is_private_host(host):
        return None
    name = _name(host)
    if name in allowed:
        return "listed"
    if any(a.startswith("*.") and (name == a[2:] or name.endswith(a[1:])) for a in allowed):
        return "listed"
    if "!" + host in allowed or "!" + name in allowed:
        return None
    dom = registered_domain(host)
    if dom and "~" + dom in allowed:
        return "sibling"
    return None


def host_allowed(host: str, allowed: frozenset[str] | set[str]) -> bool:
    """The allow-list rule (see `host_admission`)."""
    return host_admission(host, allowed) is not None


@lru_cache(maxsize=1 << 15)   # every link of every page is judged by its portal's (frozen) allow-list
def _admitted(host: str, allowed: frozenset[str]) -> bool:
    return host_admission(host, allowed) is not None


def read_rows(path: str | Path | None = None) -> list[dict]:
    """The registry's rows as dicts (every column, every status), for tools and `ogi registry`."""
    path = Path(path) if path else DEFAULT_REGISTRY
    if not path.exists():
        raise RegistryError(f"registry not found: {path}")
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        missing = [h for h in HEADER if h not in (reader.fieldnames or [])]
        if missing:
            raise RegistryError(f"{path}: missing columns {missing}")
        return [{k: (v or "").strip() for k, v in row.items() if k is not None} for row in reader]


def row_status(row: dict) -> str:
    return (row.get("status") or "").strip() or "ok"


def sibling_entries(portals_hosts: dict[str, set[str]]) -> dict[str, set[str]]:
    """portal_id -> the derived `~domain` / `!host` entries (see the module docstring)."""
    by_domain: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for pid, hosts in portals_hosts.items():
        for h in hosts:
            dom = registered_domain(h)
            if dom:
                by_domain[dom].add((pid, h))
    out: dict[str, set[str]] = defaultdict(set)
    for pid, hosts in portals_hosts.items():
        for h in hosts:
            dom = owned_domain(h)
            if not dom:
                continue
            owners = {p for p, x in by_domain[dom] if owned_domain(x) == dom}
            if len(owners) > 1:
                continue     # two portals claim the domain: no automatic siblings (`ogi registry check`)
            out[pid].add("~" + dom)
            out[pid] |= {"!" + x for p, x in by_domain[dom] if p != pid}
    return out


def read_registry(path: str | Path | None = None, portals: list[str] | None = None) -> list[Portal]:
    """The portals to crawl: rows with start URLs (status ok/unreachable), or the ones named."""
    path = Path(path) if path else DEFAULT_REGISTRY
    rows = read_rows(path)
    out: list[Portal] = []
    idle: dict[str, str] = {}
    seen: set[str] = set()
    for n, row in enumerate(rows, 2):
        pid = row["portal_id"]
        if not pid:
            raise RegistryError(f"{path}:{n}: empty portal_id")
        if pid in seen:
            raise RegistryError(f"{path}:{n}: duplicate portal_id {pid}")
        seen.add(pid)
        status = row_status(row)
        starts = tuple(u for u in row["start_urls"].split() if u)
        if status not in CRAWLED_STATUSES and not starts:
            idle[pid] = status
            continue
        if not starts:
            raise RegistryError(f"{path}:{n}: {pid} has no start_urls")
        for u in starts:
            if not u.startswith(("http://", "https://")):
                raise RegistryError(f"{path}:{n}: {pid}: not an http(s) URL: {u}")
        hosts = {h.lower() for h in row["allowed_hosts"].split() if h}
        hosts |= {host_of(u) for u in starts}
        out.append(Portal(pid, row["name"], row["province"], row["level"], row["division_code"], starts,
                          frozenset(hosts), status))
    derived = sibling_entries({p.portal_id: set(p.allowed_hosts) for p in out})
    out = [Portal(p.portal_id, p.name, p.province, p.level, p.division_code, p.start_urls,
                  p.allowed_hosts | derived.get(p.portal_id, set()), p.status) for p in out]
    if portals:
        wanted = set(portals)
        if wanted & idle.keys():
            raise RegistryError("nothing to crawl for " + ", ".join(
                f"{pid} (status {idle[pid]})" for pid in sorted(wanted & idle.keys())))
        unknown = wanted - {p.portal_id for p in out}
        if unknown:
            raise RegistryError(f"unknown portal id(s) in {path}: {', '.join(sorted(unknown))}")
        out = [p for p in out if p.portal_id in wanted]
    return out
