"""`ogi demo` — serve the bundled demo portals on loopback and run the whole pipeline into
`<data-dir>/warehouse.duckdb`, then print a summary.

    ogi demo [--data-dir ./data]
"""
from __future__ import annotations

import argparse
import json
import time

# the demo portals are on loopback: be quick but still polite (robots.txt, per-host limit)
DEMO_POLITENESS = {"delay_s": 0.0, "per_host": 4, "timeout_s": 10.0, "retries": 2, "backoff_s": 0.2,
                   "honor_crawl_delay": False}


def demo_crawl_settings() -> dict:
    from crawlers.settings import FAST_SETTINGS  # the crawler's own loopback settings

    return dict(FAST_SETTINGS)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("demo", help="serve the bundled demo portals and build ./data/warehouse.duckdb",
                       description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data-dir", default="data", help="where the warehouse is built (default: ./data)")
    p.add_argument("--port", type=int, default=8080,
                   help="port of every demo host (127.0.0.10, .11 …; default 8080: stable URLs across runs)")
    p.add_argument("--portal", action="append", dest="portals", metavar="ID", help="only this demo portal")
    p.add_argument("--no-progress", action="store_true", help="no progress bars")
    p.add_argument("--json", action="store_true", help="print the run summary as JSON")
    p.set_defaults(func=main)


def main(args: argparse.Namespace) -> int:
    from flows.localrun import print_summary
    from ogi.commands.run import run_flow
    from ogi.demo.server import DemoPortals

    t0 = time.monotonic()
    demo = DemoPortals(port=args.port)
    try:
        demo.start()
    except OSError as exc:  # the port is taken: any free port (URLs then differ from earlier runs)
        demo.stop()
        print(f"ogi demo: port {args.port} unavailable ({exc}); using free ports")
        demo = DemoPortals(port=0)
        demo.start()
    try:
        summary = run_flow(str(demo.registry_path), args.data_dir, portals=args.portals,
                           politeness=DEMO_POLITENESS, crawl_settings=demo_crawl_settings(), progress=not args.no_progress,
                           verbose=getattr(args, "verbose", 0))
    finally:
        demo.stop()
    summary["wall_s"] = round(time.monotonic() - t0, 2)
    if args.json:
        print(json.dumps(summary, ensure_ascii=False, indent=1, default=str))
    else:
        print_summary(summary, title="ogi demo")
        print(f"done in {summary['wall_s']} s. Next: `ogi status --data-dir {args.data_dir}`, "
              f"`ogi db describe --db {summary.get('warehouse')}`, or open it read-only with DuckDB.")
    return 0 if summary.get("status") == "ok" else 1
