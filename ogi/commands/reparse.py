"""`ogi reparse` — parse again what is already in the raw store (no network) and reload.

    ogi reparse --data-dir data [--portal ID ...] [--year 2022 ...] [--parser-version 0.1.0 | --stale]
"""
from __future__ import annotations

import argparse
import json
import sys


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("reparse", help="re-parse documents from the raw store and reload (no network)",
                       description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data-dir", default="data")
    p.add_argument("--portal", action="append", dest="portals", metavar="ID")
    p.add_argument("--year", action="append", dest="years", type=int, metavar="YEAR")
    g = p.add_mutually_exclusive_group()
    g.add_argument("--parser-version", help="only reports currently loaded by this parser version")
    g.add_argument("--stale", action="store_true", help="only reports loaded by another parser version")
    p.add_argument("--no-progress", action="store_true")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    from flows.localrun import prepare_prefect, print_summary, progress_bars

    api = prepare_prefect(getattr(args, "verbose", 0))  # Prefect's server starts while flows import
    from flows.reparse import reparse

    with progress_bars(not args.no_progress and sys.stderr.isatty()), api.serving():
        summary = reparse(data_dir=args.data_dir, portals=args.portals, years=args.years,
                          parser_version=args.parser_version, stale_only=args.stale)
    if args.json:
        print(json.dumps(summary, ensure_ascii=False, indent=1, default=str))
    else:
        print_summary(summary, title="reparse")
    return 0
