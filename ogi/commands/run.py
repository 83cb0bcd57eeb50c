"""`ogi run` — the whole pipeline (crawl -> download -> parse -> load -> publish) on Prefect's
local ephemeral API, with progress bars and a closing summary.

    ogi run --registry crawlers/data/registry.csv --data-dir data [--portal ID ...] [--year 2022 ...]
"""
from __future__ import annotations

import argparse
import json
import sys


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("run", help="run the whole pipeline once (local Prefect, progress bars, summary)",
                       description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--registry", required=True, help="portal registry CSV")
    p.add_argument("--data-dir", default="data", help="raw store, build and published warehouse (default: data)")
    p.add_argument("--portal", action="append", dest="portals", metavar="ID", help="only this portal (repeatable)")
    p.add_argument("--year", action="append", dest="years", type=int, metavar="YEAR",
                   help="only reports of this year (repeatable; runs the backfill flow)")
    add_politeness_args(p)
    p.add_argument("--no-progress", action="store_true", help="no progress bars")
    p.add_argument("--json", action="store_true", help="print the run summary as JSON")
    p.set_defaults(func=main)


def add_politeness_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--delay", type=float, default=None, help="seconds between requests to one host (default 0.5)")
    p.add_argument("--per-host", type=int, default=None, help="concurrent requests per host (default 2)")
    p.add_argument("--timeout", type=float, default=None, help="seconds per request (default 30)")
    p.add_argument("--fast", action="store_true",
                   help="loopback/test speed: no delays (crawler FAST_SETTINGS); never for real portals")


def politeness_of(args: argparse.Namespace) -> dict:
    pol = {}
    if args.delay is not None:
        pol["delay_s"] = args.delay
    if args.per_host is not None:
        pol["per_host"] = args.per_host
    if args.timeout is not None:
        pol["timeout_s"] = args.timeout
    if getattr(args, "fast", False):
        pol.update(delay_s=0.0, per_host=4, honor_crawl_delay=False, backoff_s=0.2)
    return pol


def run_flow(registry: str, data_dir: str, *, portals=None, years=None, politeness=None,
             crawl_settings=None, progress: bool = True, verbose: int = 0) -> dict:
    from flows.localrun import prepare_prefect, progress_bars

    prepare_prefect(verbose)
    if years:
        from flows.backfill import backfill as flow_fn
        kwargs = {"years": years}
    else:
        from flows.nightly import nightly as flow_fn
        kwargs = {}
    with progress_bars(bool(progress) and sys.stderr.isatty()):
        return flow_fn(registry=registry, data_dir=data_dir, portals=portals or None,
                       politeness=politeness or None, crawl_settings=crawl_settings or None, **kwargs)


def main(args: argparse.Namespace) -> int:
    from flows.localrun import print_summary

    crawl_settings = None
    if args.fast:
        from crawlers.settings import FAST_SETTINGS
        from flows.registry import read_registry

        public = [p.portal_id for p in read_registry(args.registry).values()
                  if not p.is_local and (not args.portals or p.portal_id in args.portals)]
        if public:
            print(f"ogi run: --fast is for loopback portals only; not local: {', '.join(public[:5])}"
                  f"{' …' if len(public) > 5 else ''}", file=sys.stderr)
            return 2
        crawl_settings = dict(FAST_SETTINGS)
    try:
        summary = run_flow(args.registry, args.data_dir, portals=args.portals, years=args.years,
                           politeness=politeness_of(args), crawl_settings=crawl_settings,
                           progress=not args.no_progress, verbose=getattr(args, "verbose", 0))
    except Exception as exc:  # the run itself failed (crawl died, warehouse unwritable …)
        print(f"ogi run: the run failed: {type(exc).__name__}: {exc}", file=sys.stderr)
        print("(recorded in the warehouse's runs table when possible; see `ogi status`)", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(summary, ensure_ascii=False, indent=1, default=str))
    else:
        print_summary(summary)
    return 0 if summary.get("status") == "ok" else 1
