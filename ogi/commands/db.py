"""`ogi db` — the DuckDB warehouse: dictionary, migrations, search index, export, publication.

    ogi db describe [--db data/warehouse.duckdb] [--table reports ...] [--markdown]
    ogi db migrate  [--db data/build/warehouse.duckdb]
    ogi db stats    [--db ...]                       row counts and schema version
    ogi db fts      [--db data/build/warehouse.duckdb]    rebuild the full-text index
    ogi db publish  --build data/build/warehouse.duckdb [--public data/warehouse.duckdb]
    ogi db export   [--db ...] --out data/parquet    Parquet partitioned by province and year
    ogi db lake     [--db ...] --catalog lake/catalog.sqlite --data-path lake/data/

`describe` prints the data dictionary stored in the file (COMMENT ON every table, view and
column, English | 中文); without an existing file it describes a fresh in-memory warehouse.
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

DEFAULT_PUBLIC = "data/warehouse.duckdb"
DEFAULT_BUILD = "data/build/warehouse.duckdb"


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("db", help="warehouse: describe, migrate, stats, fts, publish, export, lake",
                       description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    dbsub = p.add_subparsers(dest="db_command", metavar="ACTION", required=True)

    d = dbsub.add_parser("describe", help="print the data dictionary (every table, view and column)")
    d.add_argument("--db", default=DEFAULT_PUBLIC, help=f"warehouse file (default {DEFAULT_PUBLIC})")
    d.add_argument("--table", action="append", dest="tables", metavar="NAME", help="only this table/view")
    d.add_argument("--markdown", action="store_true", help="Markdown tables")
    d.set_defaults(func=cmd_describe)

    m = dbsub.add_parser("migrate", help="create/upgrade a warehouse file (applies pending migrations)")
    m.add_argument("--db", default=DEFAULT_BUILD, help=f"writable warehouse (default {DEFAULT_BUILD})")
    m.set_defaults(func=cmd_migrate)

    s = dbsub.add_parser("stats", help="row counts per table and schema version")
    s.add_argument("--db", default=DEFAULT_PUBLIC)
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_stats)

    f = dbsub.add_parser("fts", help="segment new section texts and rebuild the full-text index")
    f.add_argument("--db", default=DEFAULT_BUILD)
    f.add_argument("--force", action="store_true", help="rebuild even when nothing changed")
    f.set_defaults(func=cmd_fts)

    pb = dbsub.add_parser("publish", help="atomically replace the public file with the build file")
    pb.add_argument("--build", default=DEFAULT_BUILD)
    pb.add_argument("--public", default=DEFAULT_PUBLIC)
    pb.set_defaults(func=cmd_publish)

    e = dbsub.add_parser("export", help="export to Parquet partitioned by province and year")
    e.add_argument("--db", default=DEFAULT_PUBLIC)
    e.add_argument("--out", required=True, help="output directory (replaced as a whole)")
    e.set_defaults(func=cmd_export)

    lk = dbsub.add_parser("lake", help="mirror the warehouse into a DuckLake (SQLite or DuckDB catalog)")
    lk.add_argument("--db", default=DEFAULT_PUBLIC)
    lk.add_argument("--catalog", required=True, help="catalog file: *.sqlite (several writers) or *.ducklake")
    lk.add_argument("--data-path", required=True, help="directory of the lake's Parquet files")
    lk.set_defaults(func=cmd_lake)


def _open(path: str, read_only: bool):
    import warehouse

    return warehouse.open_warehouse(path, read_only=read_only)


def cmd_describe(args: argparse.Namespace) -> int:
    import duckdb

    import warehouse
    from warehouse.dictionary import describe, format_dictionary

    if Path(args.db).is_file():
        con = _open(args.db, read_only=True)
    else:
        con = duckdb.connect(":memory:")
        warehouse.ensure_schema(con)
    try:
        entries = describe(con, args.tables)
    finally:
        con.close()
    if args.tables and not entries:
        print(f"no such table or view: {', '.join(args.tables)}")
        return 1
    print(format_dictionary(entries, markdown=args.markdown), end="")
    return 0


def cmd_migrate(args: argparse.Namespace) -> int:
    import warehouse
    from warehouse.migrator import current_version

    con = _open(args.db, read_only=False)
    try:
        status = warehouse.ensure_schema(con)
        print(f"{args.db}: schema version {current_version(con)}; {status}")
    finally:
        con.close()
    return 0


def _stats(con) -> dict:
    from warehouse.migrator import current_version

    from warehouse.queries import table_counts

    return {"schema_version": current_version(con), "tables": table_counts(con)}


def cmd_stats(args: argparse.Namespace) -> int:
    con = _open(args.db, read_only=True)
    try:
        st = _stats(con)
    finally:
        con.close()
    if args.json:
        print(json.dumps(st, ensure_ascii=False))
    else:
        print(f"{args.db}: schema version {st['schema_version']}")
        for t, n in st["tables"].items():
            print(f"  {t:<24} {n:>10}")
    return 0


def cmd_fts(args: argparse.Namespace) -> int:
    import warehouse

    con = _open(args.db, read_only=False)
    try:
        print(json.dumps(warehouse.refresh_search(con, force=args.force)))
    finally:
        con.close()
    return 0


def cmd_publish(args: argparse.Namespace) -> int:
    import warehouse

    pub = warehouse.publish(args.build, args.public)
    print(f"published {pub.path} ({pub.bytes} bytes, schema version {pub.schema_version}, {pub.reports} reports)")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from warehouse.export import export_parquet

    con = _open(args.db, read_only=True)
    try:
        counts = export_parquet(con, args.out)
    finally:
        con.close()
    print(json.dumps({"out": args.out, "rows": counts}, ensure_ascii=False))
    return 0


def cmd_lake(args: argparse.Namespace) -> int:
    from warehouse.ducklake import sync_to_lake

    if not Path(args.db).is_file():
        print(f"no warehouse at {args.db}")
        return 1
    print(json.dumps(sync_to_lake(args.db, args.catalog, args.data_path)))
    return 0
