"""`ogi` — one command-line tool for the whole pipeline.

Each subcommand lives in `ogi/commands/<name>.py` and exposes `register(subparsers)`; the
module sets `func` on its parser. Modules are imported only when listed here.
"""
from __future__ import annotations

import argparse
import importlib
import logging
import sys

COMMANDS = ["parse", "crawl", "run", "demo", "status", "reparse", "db", "search", "registry"]

EPILOG = """\
pipeline: registry -> crawl (find) -> download (raw store) -> parse -> load -> publish (DuckDB)
examples:
  ogi demo                               serve the bundled demo portals and build ./data/warehouse.duckdb
  ogi parse report.pdf page.html --json  parse files, one JSON object per line
  ogi db describe                        print the data dictionary of the warehouse
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ogi",
        description="ogi: find, download, parse and publish China's government information "
        "disclosure annual reports (政府信息公开工作年度报告).",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("-v", "--verbose", action="count", default=0, help="more logging (-vv for debug)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMANDS:
        try:
            module = importlib.import_module(f"ogi.commands.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"ogi.commands.{name}":
                continue  # not built yet
            raise
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    level = logging.WARNING - 10 * min(args.verbose, 2)
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    rc = args.func(args)
    return int(rc or 0)


if __name__ == "__main__":
    sys.exit(main())
