"""`ogi db` — the DuckDB warehouse: dictionary, migrations, search index, export, publication.

    ogi db describe [--db data/warehouse.duckdb] [--table reports ...] [--markdown]
    ogi db migrate  [--db data/build/warehouse.duckdb]
    ogi db stats    [--db ...]                       row counts and schema version
    ogi db fts      [--db data/build/warehouse.duckdb]    rebuild the full-text index
    ogi db publish  --build data/build/warehouse.duckdb [--public data/warehouse.duckdb]
    ogi db export   [--db ...] --out data/parquet    Parquet partitioned by province and year
    ogi db lake [sync] [--db ...] --catalog lake/catalog.sqlite --data-path lake/data/
                                                     mirror a warehouse file into a DuckLake
    ogi db lake init|status|cleanup --catalog URL    the shared lake of sharded runs
    ogi db lake materialise --catalog URL [--public data/warehouse.duckdb] [--export data/parquet]

A lake catalog is PostgreSQL for many writers on many machines
(`postgres://user@host:5432/db?data_path=/shared/lake`; passwords from PGPASSWORD or ~/.pgpass),
SQLite (`*.sqlite`, several local processes) or a DuckDB file (`*.ducklake`, one process);
`--catalog` defaults to $OGI_LAKE_URL. `materialise` builds the analysts' single file from the
lake (kept build file, only changed reports copied, search index, atomic publish).

`describe` prints the data dictionary stored in the file (COMMENT ON every table, view and
column, English | 中文); without an existing file it describes a fresh in-memory warehouse.
"""
from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

DEFAULT_PUBLIC = "data/warehouse.duckdb"
LAKE_ACTIONS = ("sync", "init", "status", "materialise", "cleanup")
LAKE_HELP = """DuckLake: the warehouse tables as Parquet files plus a catalog database.

  ogi db lake --catalog lake/catalog.sqlite --data-path lake/data/        mirror data/warehouse.duckdb
  ogi db lake init --catalog 'postgres://ogi@db:5432/ogi_lake?data_path=/shared/lake'
  ogi db lake status --catalog "$OGI_LAKE_URL"
  ogi db lake materialise --catalog "$OGI_LAKE_URL" --public data/warehouse.duckdb --export data/parquet
  ogi db lake cleanup --catalog "$OGI_LAKE_URL"

Sharded runs write into a lake with a PostgreSQL catalog (warehouse.lake.Lake.write_reports);
materialise then builds the analysts' single file from it and publishes it atomically.
"""
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

    lk = dbsub.add_parser("lake", help="DuckLake: mirror a warehouse, or init/status/materialise a shared lake",
                          description=LAKE_HELP, formatter_class=argparse.RawDescriptionHelpFormatter)
    lk.add_argument("action", nargs="?", default="sync", choices=LAKE_ACTIONS,
                    help="sync (default): mirror --db into the lake; init: create/migrate; status: snapshot, "
                         "rows, files; materialise: build + publish the single file; cleanup: delete "
                         "unreferenced Parquet files")
    lk.add_argument("--catalog", default=os.environ.get("OGI_LAKE_URL"),
                    help="postgres://user@host:port/db[?data_path=DIR], *.sqlite or *.ducklake "
                         "(default $OGI_LAKE_URL)")
    lk.add_argument("--data-path", help="directory of the lake's Parquet files (shared by every writer); "
                                        "may instead be given as ?data_path= in the catalog URL")
    lk.add_argument("--db", default=DEFAULT_PUBLIC, help=f"sync: the warehouse to mirror (default {DEFAULT_PUBLIC})")
    lk.add_argument("--public", default=DEFAULT_PUBLIC,
                    help=f"materialise: the analysts' file to replace (default {DEFAULT_PUBLIC})")
    lk.add_argument("--build", help="materialise: kept build file (default <public dir>/build/lake-<name>)")
    lk.add_argument("--export", metavar="DIR", help="materialise: also write the Parquet export from the lake")
    lk.add_argument("--no-search", action="store_true", help="materialise: skip the full-text index")
    lk.add_argument("--older-than-hours", type=float, default=24.0,
                    help="cleanup: only files older than this (default 24; running writers stay safe)")
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
    from warehouse.lake import Lake, LakeError, parse_url

    if not args.catalog:
        print("ogi db lake: give --catalog (or set OGI_LAKE_URL)")
        return 2
    try:
        catalog, data_path = parse_url(args.catalog, args.data_path)
    except LakeError as exc:
        print(f"ogi db lake: {exc}")
        return 2
    if args.action == "sync":
        from warehouse.ducklake import sync_to_lake

        if not Path(args.db).is_file():
            print(f"no warehouse at {args.db}")
            return 1
        print(json.dumps(sync_to_lake(args.db, catalog, data_path)))
        return 0
    lake = Lake(catalog, data_path, read_only=args.action in ("status", "materialise"))
    try:
        if args.action == "init":
            out = lake.init()
        elif args.action == "status":
            out = lake.status()
        elif args.action == "cleanup":
            out = lake.cleanup(older_than_hours=args.older_than_hours)
        else:
            print(f"materialising {lake!r} into {args.public} …", flush=True)
            out = lake.materialise(args.public, build_path=args.build, export_dir=args.export,
                                   search=not args.no_search)
    except LakeError as exc:
        print(f"ogi db lake {args.action}: {exc}")
        return 1
    finally:
        lake.close()
    print(json.dumps(out, ensure_ascii=False, default=str))
    return 0
