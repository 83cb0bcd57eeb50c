"""Build the national crawlers/data/registry.csv: one row per government in use (run by hand, never at
crawl time; the inputs are research files outside the project, the project commits what this writes):

    .venv/bin/python -m crawlers.tools.build_national_registry \\
        --areacodes RESEARCH/areacodes.csv --portals RESEARCH/gov-portals.csv   # the research inputs, wherever they are

* `areacodes.csv` (GB/T 2260 codes since 1980 with their status, from yescallop/areacodes, CC0) is the
  completeness key: every code with status 在用 gets exactly one government row (level province /
  prefecture / county). Abolished and renamed codes only help matching old names to today's code.
* `gov-portals.csv` (portal URL and an access probe of April 2026 per province / prefecture / county,
  flattened from anyi-econ/china-public-debt `data/website-gov.ts`) gives each government's portal,
  matched by province + prefecture + name to the division code (municipal districts listed as
  prefectures, 省直辖县级行政单位, renamed counties, suffix changes such as 县 -> 市).
* the registry already committed (default: the --out file) is merged in: a row whose host is a
  government's portal host — or a disclosure host (`xxgk.`, `zwgk.`, …) under the same registered
  `*.gov.cn` domain with the same division code — becomes that government's row and keeps its
  portal_id, start URLs (often the disclosure column itself) and allowed hosts; every other row
  (departments, development zones, hosts on IPs) is kept as it is, after the government rows.

Every row gets `status`:
  ok            portal answered the probe (directly, after switching http/https, or to a mobile UA)
  unreachable   the probe got no answer; the start URL is kept and crawled (probes go stale)
  shared        the listed portal is the parent government's portal (crawled under the parent's row)
  no_portal     no portal known (no start URL; skipped by the crawl, visible in `ogi registry stats`)
  out_of_scope  the unit is not covered by the PRC disclosure regulations (香港, 澳门, 台湾)
"""
from __future__ import annotations

import argparse
import csv
import re
import sys
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from crawlers.registry import DEFAULT_REGISTRY, HEADER, NATIONAL_COLUMNS, is_disclosure_sibling
from crawlers.registry_check import AREACODE_LEVELS
from crawlers.tools.build_registry import home_url, slug
from crawlers.urls import canonicalize, host_of

OUT_OF_SCOPE = {"710000", "810000", "820000"}      # 台湾, 香港, 澳门
# the research list gives the wrong portal for these units (checked by hand; the reason is in `note`)
CORRECTIONS = {
    "310107": ("http://www.shpt.gov.cn/", "www.putuo.gov.cn is 舟山市普陀区; 上海市普陀区 is www.shpt.gov.cn"),
}
_SUFFIX = re.compile(r"(特别行政区|维吾尔自治区|壮族自治区|回族自治区|自治区|自治州|自治县|自治旗|地区|林区|特区|示范区|新区"
                     r"|省|市|区|县|旗|盟)$")


@dataclass
class Division:
    code: str
    province: str          # full name, e.g. 河北省
    parent: str            # 二级行政区: prefecture name, 直辖, or ''
    name: str
    level: str             # province / prefecture / county

    @property
    def province_code(self) -> str:
        return self.code[:2] + "0000"

    @property
    def parent_code(self) -> str:
        if self.level == "province":
            return ""
        if self.level == "prefecture" or self.parent in ("直辖", ""):
            return self.province_code
        return self.code[:4] + "00"


def short_province(name: str) -> str:
    """河北省 -> 河北, 广西壮族自治区 -> 广西, 内蒙古自治区 -> 内蒙古 (the registry's province column)."""
    for suffix in ("特别行政区", "维吾尔自治区", "壮族自治区", "回族自治区", "自治区", "省", "市"):
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            return name[: -len(suffix)]
    return name


def stem(name: str) -> str:
    """The name without its unit suffix (`滦县` and `滦州市` differ; `通化县` -> `通化`)."""
    out = _SUFFIX.sub("", name)
    return out if len(out) >= 2 else name


def read_divisions(path: str | Path) -> tuple[dict[str, Division], dict[tuple[str, str], list[str]]]:
    """In-use divisions by code, and (province, historical name) -> codes in use today (renames)."""
    with open(path, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    in_use = {r["代码"]: Division(r["代码"], r["一级行政区"], r["二级行政区"], r["名称"], AREACODE_LEVELS[r["级别"]])
              for r in rows if r["状态"] == "在用"}
    successor = {r["代码"]: r["新代码"] for r in rows if r["状态"] != "在用" and r.get("新代码")}
    renamed: dict[tuple[str, str], list[str]] = defaultdict(list)
    for r in rows:
        if r["状态"] == "在用":
            continue
        code, seen = r["代码"], set()
        while code not in in_use and code in successor and code not in seen:
            seen.add(code)
            code = successor[code].split()[0] if successor[code] else ""
        if code in in_use and code not in renamed[(r["一级行政区"], r["名称"])]:
            renamed[(r["一级行政区"], r["名称"])].append(code)
    return in_use, renamed


class Matcher:
    """gov-portals row -> division code, by province + prefecture + name."""

    def __init__(self, divisions: dict[str, Division], renamed: dict[tuple[str, str], list[str]]):
        self.divisions = divisions
        self.renamed = renamed
        self.by_province: dict[str, list[Division]] = defaultdict(list)
        for d in divisions.values():
            self.by_province[d.province].append(d)

    def match(self, province: str, prefecture: str, county: str) -> str | None:
        units = self.by_province.get(province, [])
        if not prefecture and not county:
            return next((d.code for d in units if d.level == "province"), None)
        name, parent = (county, prefecture) if county else (prefecture, "")
        tests = [
            lambda d: d.name == name and d.parent == parent and d.level == "county",     # county of a prefecture
            lambda d: d.name == name and d.level == "prefecture" and not parent,
            lambda d: d.name == name and d.parent in ("直辖", "") and d.level == "county",  # municipal / 省直辖
            lambda d: d.name == name and d.level == "county",
            lambda d: stem(d.name) == stem(name) and d.parent == parent and d.level == "county",
            lambda d: stem(d.name) == stem(name) and not parent and (d.level == "prefecture" or d.parent == "直辖"),
        ]
        for test in tests:
            found = [d.code for d in units if test(d)]
            if len(found) == 1:
                return found[0]
        codes = [c for c in self.renamed.get((province, name), []) if c in self.divisions]
        if len(set(codes)) == 1:
            return codes[0]
        return None


def read_portals(path: str | Path, matcher: Matcher) -> tuple[dict[str, dict], list[dict]]:
    """code -> the gov-portals row for it (first one wins); rows that match no code in use."""
    with open(path, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    by_code: dict[str, dict] = {}
    unmatched = []
    for r in rows:
        code = matcher.match(r["province"].strip(), r["prefecture"].strip(), r["county"].strip())
        if code is None:
            unmatched.append(r)
        elif code not in by_code:
            by_code[code] = r
    return by_code, unmatched


def probe_status(row: dict | None) -> str:
    if not row or not (row.get("url") or "").startswith("http"):
        return "no_portal"
    return "unreachable" if row.get("access_method") == "none" else "ok"


def portal_start(row: dict) -> str:
    """The URL that answered the probe (scheme switched), else the listed one."""
    url = (row.get("final_url") if row.get("access_method") == "protocol-switch" else "") or row["url"]
    return canonicalize(home_url(url.strip()))


def _hosts(row: dict) -> list[str]:
    hosts = [h.lower() for h in (row.get("allowed_hosts") or "").split() if h]
    return hosts + [host_of(u) for u in (row.get("start_urls") or "").split() if host_of(u) not in hosts]


def _is_ancestor(a: str, b: str, divisions: dict[str, Division]) -> bool:
    parent = divisions[b].parent_code
    return parent == a or (bool(parent) and parent in divisions and _is_ancestor(a, parent, divisions))


def in_use_ancestor(code: str, divisions: dict[str, Division]) -> str:
    """`code` if in use, else the nearest enclosing code in use (500157 -> 500100 -> 500000), else ''."""
    for cand in (code, code[:4] + "00", code[:2] + "0000"):
        if len(cand) == 6 and cand in divisions:
            return cand
    return ""


def _same_site(a: str, b: str) -> bool:
    return a.removeprefix("www.") == b.removeprefix("www.")


def _unique_urls(urls: list[str]) -> list[str]:
    """First of each URL, http and https of the same host and path counting as one."""
    seen: dict[str, str] = {}
    for u in urls:
        seen.setdefault(u.split("://", 1)[-1], u)
    return list(seen.values())


def _join(*notes: str) -> str:
    return "; ".join(dict.fromkeys(n for n in notes if n))


def _merge_into(row: dict, k: dict, hosts: list[str], ids: bool = True) -> None:
    """Add a known row's start URLs and hosts to `row` (a second row for the same site: its id is noted)."""
    starts = (k.get("start_urls") or "").split()
    row["start_urls"] = " ".join(_unique_urls(starts + row["start_urls"].split()))
    row["allowed_hosts"] = " ".join(dict.fromkeys(hosts + row["allowed_hosts"].split()))
    row["note"] = _join(row["note"], k.get("note") or "")
    if ids and k.get("portal_id") and k["portal_id"] != row["portal_id"]:
        row["note"] = _join(row["note"], f"includes former portal {k['portal_id']}")


def build(divisions: dict[str, Division], portals: dict[str, dict], known: list[dict],
          unmatched: list[dict] = (), matcher: "Matcher | None" = None) -> tuple[list[dict], dict]:
    """The registry rows (government rows by division code, then the other known rows) and a report."""
    matcher = matcher or Matcher(divisions, {})
    gov: dict[str, dict] = {}
    for code in sorted(divisions):
        d = divisions[code]
        src = portals.get(code)
        status = "out_of_scope" if code in OUT_OF_SCOPE else probe_status(src)
        url = (src or {}).get("url", "").strip()
        note = ""
        if code in CORRECTIONS:
            url, note = CORRECTIONS[code]
            status = "ok"
        row = {"portal_id": "", "name": d.name, "province": short_province(d.province), "level": d.level,
               "division_code": code, "start_urls": "", "allowed_hosts": "", "status": status,
               "parent_code": d.parent_code, "portal_url": url,
               "probe": (src or {}).get("access_method", "") if code not in CORRECTIONS else "",
               "probed_at": (src or {}).get("checked_at", "") if code not in CORRECTIONS else "",
               "source": "gov-portals" if url else "", "note": note}
        if status in ("ok", "unreachable"):
            start = portal_start(src) if code not in CORRECTIONS else canonicalize(url)
            row["start_urls"], row["allowed_hosts"] = start, host_of(start)
        gov[code] = row

    # a portal listed for a unit that is its parent's portal: the parent's row crawls it
    owner: dict[str, str] = {}
    for code, row in gov.items():
        site = row["allowed_hosts"].removeprefix("www.")
        if not site:
            continue
        if site not in owner:
            owner[site] = code
            continue
        first = owner[site]
        if not _is_ancestor(first, code, divisions):
            raise SystemExit(f"{first} and {code} list the same portal {site}: add a CORRECTIONS entry")
        row.update(status="shared", start_urls="", allowed_hosts="",
                   note=f"listed portal is the portal of {gov[first]['name']} ({first})")

    # merge the rows the registry already knows
    extra: dict[str, dict] = {}          # site -> row of a body that is not a government in use
    merged: dict[str, str] = {}
    for k in known:
        hosts = _hosts(k)
        target = next((c for c, r in gov.items() if r["allowed_hosts"]
                       and any(_same_site(h, x) for h in hosts for x in r["allowed_hosts"].split())), None)
        if target is None and k.get("division_code") in gov:
            g = gov[k["division_code"]]
            if g["allowed_hosts"] and all(is_disclosure_sibling(h, g["allowed_hosts"].split()[0]) for h in hosts):
                target = k["division_code"]
            elif k.get("level") in ("province", "county") and g["status"] != "out_of_scope":
                target = k["division_code"]      # the government itself, on another host (an IP, a city platform)
        if target is None:
            row = _known_row(k)
            fixed = in_use_ancestor(row["division_code"], divisions) if row["division_code"] else ""
            if fixed != row["division_code"]:
                row["note"] = _join(row["note"], f"division code {row['division_code']} is not in use")
                row["division_code"] = row["parent_code"] = fixed
            site = hosts[0].removeprefix("www.")
            if site in extra:
                _merge_into(extra[site], k, hosts)
            else:
                extra[site] = row
            continue
        g = gov[target]
        if target in merged:
            _merge_into(g, k, hosts)
            continue
        merged[target] = k["portal_id"]
        if k.get("division_code") != target and not k.get("source"):
            g["note"] = _join(g["note"], f"the research sample named it {k['name']} ({k.get('division_code') or '-'})")
        g["portal_id"] = k["portal_id"]
        _merge_into(g, k, hosts, ids=False)
        g["status"] = "ok" if g["status"] in ("ok", "no_portal") or k.get("status", "ok") == "ok" else g["status"]
        if "sample" not in g["source"]:
            g["source"] = "+".join(p for p in (g["source"], "sample") if p)

    # portal rows that name no division in use (功能区, 兵团, 林区 districts): kept, under their parent
    for r in unmatched:
        url = (r.get("url") or "").strip()
        if not url.startswith("http"):
            continue
        site = host_of(url).removeprefix("www.")
        if site in extra or any(_same_site(site, h) for g in gov.values() for h in g["allowed_hosts"].split()):
            continue
        parent = matcher.match(r["province"], r["prefecture"], "") if r["county"] else None
        parent = parent or matcher.match(r["province"], "", "")
        start = portal_start(r)
        extra[site] = {
            "portal_id": "", "name": r["county"] or r["prefecture"], "province": short_province(r["province"]),
            "level": "other", "division_code": parent or "", "start_urls": start, "allowed_hosts": host_of(start),
            "status": probe_status(r), "parent_code": parent or "", "portal_url": url,
            "probe": r.get("access_method", ""), "probed_at": r.get("checked_at", ""), "source": "gov-portals",
            "note": "not a GB/T 2260 division in use"}
    extra_rows = list(extra.values())

    used = {r["portal_id"] for r in list(gov.values()) + extra_rows if r["portal_id"]}
    for row in list(gov.values()) + extra_rows:
        if row["portal_id"]:
            continue
        base = slug(row["allowed_hosts"].split()[0]) if row["allowed_hosts"] else f"cn{row['division_code']}"
        pid, n = base, 2
        while pid in used:
            pid, n = f"{base}-{n}", n + 1
        used.add(pid)
        row["portal_id"] = pid
    rows = [gov[c] for c in sorted(gov)] + sorted(extra_rows, key=lambda r: (r["division_code"] or "999999",
                                                                              r["portal_id"]))
    report = {"governments": len(gov), "merged": len(merged), "other_rows": len(extra_rows)}
    return rows, report


def _known_row(k: dict) -> dict:
    row = {h: (k.get(h) or "") for h in HEADER + NATIONAL_COLUMNS}
    row["status"] = row["status"] or "ok"
    row["source"] = row["source"] or "sample"
    if row["division_code"] and not row["parent_code"]:
        row["parent_code"] = row["division_code"]
    return row


def read_known(path: str | Path) -> list[dict]:
    """The registry rows the project already has (the 180-row research sample, or an earlier build):
    rows that came from gov-portals alone are rebuilt, not merged."""
    path = Path(path)
    if not path.exists():
        return []
    with path.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    return [r for r in rows if (r.get("start_urls") or "").strip() and "sample" in (r.get("source") or "sample")]


def write(rows: list[dict], path: str | Path) -> None:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=HEADER + NATIONAL_COLUMNS, lineterminator="\n")
        w.writeheader()
        w.writerows(rows)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--areacodes", required=True, help="areacodes.csv (GB/T 2260 with status 在用/弃用/变更)")
    ap.add_argument("--portals", required=True, help="gov-portals.csv (portal URL + access probe per unit)")
    ap.add_argument("--known", default=str(DEFAULT_REGISTRY),
                    help="registry whose rows are kept/merged (default: the current registry)")
    ap.add_argument("--out", default=str(DEFAULT_REGISTRY))
    args = ap.parse_args(argv)
    divisions, renamed = read_divisions(args.areacodes)
    matcher = Matcher(divisions, renamed)
    portals, unmatched = read_portals(args.portals, matcher)
    rows, report = build(divisions, portals, read_known(args.known), unmatched, matcher)
    write(rows, args.out)
    statuses = defaultdict(int)
    for r in rows[: report["governments"]]:
        statuses[r["status"]] += 1
    print(f"{len(rows)} rows -> {args.out}: {report['governments']} governments "
          f"({dict(sorted(statuses.items()))}), {report['merged']} merged from the known registry, "
          f"{report['other_rows']} other rows kept", file=sys.stderr)
    for r in unmatched:
        print(f"  unmatched portal row: {r['province']} {r['prefecture']} {r['county']} {r['url']}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
