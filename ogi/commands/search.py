"""`ogi search "…"` — full-text search over report section texts (segmented with jieba's dictionary, BM25).

    ogi search "行政复议" [--db data/warehouse.duckdb] [--limit 10] [--year 2023]
               [--section problems] [--any] [--json]

Every word of the query must match unless --any is given. The index is built by the pipeline
(or `ogi db fts --db <build file>`) before publication.
"""
from __future__ import annotations

import argparse
import json
from dataclasses import asdict

from ogi.commands.db import DEFAULT_PUBLIC


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("search", help="full-text search of report sections (Chinese segmented with jieba's dictionary)",
                       description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("query", help="words to look for, e.g. 政府信息公开 行政复议")
    p.add_argument("--db", default=DEFAULT_PUBLIC, help=f"warehouse file (default {DEFAULT_PUBLIC})")
    p.add_argument("--limit", type=int, default=10)
    p.add_argument("--year", type=int, help="only reports of this year")
    p.add_argument("--section", help="only this section key (overview, problems, …)")
    p.add_argument("--any", action="store_true", help="match any word instead of all")
    p.add_argument("--json", action="store_true", help="one JSON object per hit")
    p.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    import warehouse
    from warehouse.fts import search

    try:
        con = warehouse.open_warehouse(args.db, read_only=True)
    except FileNotFoundError as exc:
        print(f"ogi search: {exc}")
        return 2
    try:
        hits = search(con, args.query, limit=args.limit, year=args.year, section=args.section,
                      match_all=not args.any)
    except RuntimeError as exc:  # no index yet
        print(f"ogi search: {exc}")
        return 2
    finally:
        con.close()
    for h in hits:
        if args.json:
            print(json.dumps(asdict(h), ensure_ascii=False))
        else:
            print(f"{h.score:6.2f}  {h.report_id}  {h.year or '????'}  {h.agency or ''}  [{h.section_key}]")
            print(f"        {h.snippet}")
    if not hits and not args.json:
        print("no matches")
    return 0 if hits else 1
