"""`ogi crawl`: discover report pages with the Scrapy `portals` spider (run in a subprocess).

    ogi crawl [--registry PATH] [--portal ID ...] [--output items.jsonl] [--no-robots] [--fast] [--known ITEMS]

Prints a summary per portal from `<output>.stats.json`; a portal with zero reports is a failure
(exit status 1), not silence.
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def build_command(registry: str | None, portals: list[str] | None, output: str, *, robots: bool = True,
                  fast: bool = False, max_depth: int | None = None, settings: list[str] | None = None,
                  log_level: str | None = None, known: str | None = None) -> list[str]:
    """The `python -m scrapy crawl portals …` command line (flows use it too)."""
    cmd = [sys.executable, "-m", "scrapy", "crawl", "portals", "-O", str(output)]
    if registry:
        cmd += ["-a", f"registry={Path(registry).resolve()}"]
    if portals:
        cmd += ["-a", "portals=" + ",".join(portals)]
    if max_depth is not None:
        cmd += ["-a", f"max_depth={max_depth}"]
    if known:
        cmd += ["-a", f"known={Path(known).resolve()}"]
    if fast:
        from crawlers.settings import FAST_SETTINGS
        for key, value in FAST_SETTINGS.items():
            cmd += ["-s", f"{key}={value}"]
    if not robots:
        cmd += ["-s", "ROBOTSTXT_OBEY=False"]
    if log_level:
        cmd += ["-s", f"LOG_LEVEL={log_level}"]
    for s in settings or []:
        cmd += ["-s", s]
    return cmd


def run_crawl(registry: str | None, portals: list[str] | None, output: str | Path, **kwargs) -> tuple[int, dict]:
    """Run the crawl; return (scrapy exit status, per-portal stats)."""
    output = Path(output).resolve()
    output.parent.mkdir(parents=True, exist_ok=True)
    stats_path = Path(str(output) + ".stats.json")
    if stats_path.exists():
        stats_path.unlink()
    cmd = build_command(registry, portals, str(output), **kwargs)
    proc = subprocess.run(cmd, cwd=PROJECT_ROOT)
    stats = json.loads(stats_path.read_text(encoding="utf-8")) if stats_path.exists() else {}
    return proc.returncode, stats


def summarize(stats: dict) -> tuple[str, bool]:
    lines = [f"{'portal':<28} {'status':<7} {'reports':>7} {'pages':>6} {'errors':>6}  platform"]
    ok = bool(stats)
    for pid in sorted(stats):
        s = stats[pid]
        lines.append(f"{pid:<28} {s['status']:<7} {s['reports']:>7} {s['pages']:>6} {s['errors']:>6}  "
                     f"{s.get('platform') or ''}")
        ok = ok and s["status"] == "ok"
    total = sum(s["reports"] for s in stats.values())
    blocked = [pid for pid, s in stats.items() if s["status"] == "blocked"]
    failed = [pid for pid, s in stats.items() if s["status"] not in ("ok", "blocked")]
    tail = []
    if failed:
        tail.append(f"FAILED (zero reports): {', '.join(sorted(failed))}")
    if blocked:   # an anti-bot wall answered: not crawled, which is not the same as empty
        tail.append(f"BLOCKED (anti-bot wall): {', '.join(sorted(blocked))}")
    lines.append(f"{len(stats)} portals, {total} reports; " + ("; ".join(tail) or "all portals found reports"))
    return "\n".join(lines), ok


def _run(args) -> int:
    rc, stats = run_crawl(args.registry, args.portal, args.output, robots=not args.no_robots, fast=args.fast,
                          max_depth=args.max_depth, settings=args.set, log_level=args.log_level, known=args.known)
    if not stats:
        print(f"crawl produced no stats (scrapy exit status {rc})", file=sys.stderr)
        return rc or 1
    text, ok = summarize(stats)
    print(text)
    print(f"items: {Path(args.output).resolve()}")
    return 0 if ok and rc == 0 else 1


def register(subparsers) -> None:
    p = subparsers.add_parser("crawl", help="discover annual reports on the registry's portals (Scrapy)",
                              description=__doc__, formatter_class=__import__("argparse").RawDescriptionHelpFormatter)
    p.add_argument("--registry", help="registry CSV (default: crawlers/data/registry.csv)")
    p.add_argument("--portal", action="append", metavar="ID", help="crawl only this portal (repeatable)")
    p.add_argument("--output", "-o", default="items.jsonl", help="JSON Lines of ReportItem (default items.jsonl)")
    p.add_argument("--no-robots", action="store_true", help="do not obey robots.txt (only for your own sites)")
    p.add_argument("--fast", action="store_true", help="politeness off: for loopback/demo portals only")
    p.add_argument("--max-depth", type=int, default=None, help="link hops from a start URL (default 10)")
    p.add_argument("--known", metavar="ITEMS", help="a previous items.jsonl: re-emit known reports without "
                                                   "fetching them again (incremental nightly crawl)")
    p.add_argument("--set", "-s", action="append", metavar="NAME=VALUE", help="extra Scrapy setting")
    p.add_argument("--log-level", default=None, help="Scrapy log level (default INFO; --fast: WARNING)")
    p.set_defaults(func=_run)
