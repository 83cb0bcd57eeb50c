"""`ogi run` — the whole pipeline (crawl -> download -> parse -> load -> publish) on Prefect's
local ephemeral API, with progress bars and a closing summary.

    ogi run --registry crawlers/data/registry.csv --data-dir data [--portal ID ...] [--year 2022 ...]

The registry is split into shards (by province; large provinces split, small ones packed — at
most --shard-portals portals each). Here they run in this process (--parallel-shards side by
side); with a Prefect server and workers the nightly deployment runs each shard on the work pool
(docs/operations.md). A run that did not finish every shard says so; run it again with
--run-key <its run id> to run only the unfinished shards, then load and publish.
"""
from __future__ import annotations

import argparse
import json
import os
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
    p.add_argument("--run-key", default=None, metavar="RUN_ID",
                   help="resume this run: only its unfinished shards run (default: a new run)")
    p.add_argument("--shard-portals", type=int, default=None, metavar="N",
                   help="at most N portals per shard (default 100)")
    p.add_argument("--parallel-shards", type=int, default=None, metavar="N",
                   help="shards run side by side in this process (each crawls in its own process; "
                        "default: 2 on a machine with 2 or more CPUs)")
    p.add_argument("--lake", default=None, metavar="URL",
                   help="shards write into this DuckLake (postgres://…?data_path=DIR, see warehouse/lake.py) and "
                        "the published file is materialised from it (default: the single-file warehouse)")
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
    """The run's politeness: `--fast`'s loopback values, then what was given explicitly."""
    pol = {}
    if getattr(args, "fast", False):
        # no delays; 2 requests per host, as by default: on loopback the downloads are CPU-bound, and
        # more threads only add switching (an unchanged rerun's shards: 11.6 s with 4, 10.5 s with 2;
        # the full run the same within noise)
        pol.update(delay_s=0.0, per_host=2, honor_crawl_delay=False, backoff_s=0.2)
    if args.delay is not None:
        pol["delay_s"] = args.delay
    if args.per_host is not None:
        pol["per_host"] = args.per_host
    if args.timeout is not None:
        pol["timeout_s"] = args.timeout
    return pol


def run_flow(registry: str, data_dir: str, *, portals=None, years=None, politeness=None,
             crawl_settings=None, progress: bool = True, verbose: int = 0, run_key=None, shard_portals=None,
             parallel_shards: int = 1, lake_url=None) -> dict:
    from flows.localrun import prepare_prefect, progress_bars

    api = prepare_prefect(verbose)  # before the flows' imports: Prefect's server starts meanwhile
    if years:
        from flows.backfill import backfill as flow_fn
        kwargs = {"years": years}
    else:
        from flows.nightly import nightly as flow_fn
        kwargs = {}
    with progress_bars(bool(progress) and sys.stderr.isatty()), api.serving():
        return flow_fn(registry=registry, data_dir=data_dir, portals=portals or None,
                       politeness=politeness or None, crawl_settings=crawl_settings or None, run_key=run_key,
                       shard_portals=shard_portals, parallel_shards=parallel_shards, lake_url=lake_url, **kwargs)


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
                           progress=not args.no_progress, verbose=getattr(args, "verbose", 0),
                           run_key=args.run_key, shard_portals=args.shard_portals,
                           parallel_shards=max(1, args.parallel_shards or min(2, os.cpu_count() or 1)),
                           lake_url=args.lake)
    except Exception as exc:  # the run itself failed (crawl died, warehouse unwritable …)
        print(f"ogi run: the run failed: {type(exc).__name__}: {exc}", file=sys.stderr)
        print("(recorded in the warehouse's runs table when possible; see `ogi status`)", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(summary, ensure_ascii=False, indent=1, default=str))
    else:
        print_summary(summary)
    return 0 if summary.get("status") == "ok" else 1
