"""Optional DuckLake target: the same tables as Parquet files plus a catalog, for several writers.

DuckLake (`duckdb-extension-ducklake`, loaded from its wheel) keeps data as Parquet under
`data_path` and metadata in a catalog database, with snapshots and time travel:

- PostgreSQL catalog (`postgres://user@host:port/dbname` or `postgres:dbname=… host=…`, needs
  `duckdb-extension-postgres`): many writer processes on many machines (see `warehouse.lake`,
  the sharded-writer API built on this module);
- SQLite catalog (`*.sqlite`, needs `duckdb-extension-sqlite`): several local processes may
  write at the same time (each opens its own connection with `open_lake`);
- DuckDB-file catalog (`*.ducklake` / `*.duckdb`): one process at a time.

Two ways to use it:

    con = open_lake("lake/catalog.sqlite", "lake/data/")   # the lake is the default database:
    load_report(con, report, report_id=..., ...)            # every warehouse.load function works

    sync_to_lake(warehouse_con, "lake/catalog.sqlite", "lake/data/")  # mirror a DuckDB warehouse

The lake is migrated with the same numbered migrations and gets the same views; table
comments are stored, view-column comments are not (DuckLake cannot hold them).
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb

from .extensions import OFFLINE_CONFIG, load_extension
from .load import REPORT_TABLES, rollback_quietly
from .views import cache_tables

FLAT_TABLES = ("documents", "portals", "runs", "portal_runs", "regions")


def _lit(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


POSTGRES_PREFIXES = ("postgres://", "postgresql://", "postgres:")


def catalog_kind(catalog_path: str | Path) -> str:
    """"postgres" (a libpq URI or `postgres:<conninfo>`), "sqlite" (*.sqlite/*.sqlite3/*.db) or "duckdb"."""
    text = str(catalog_path)
    if isinstance(catalog_path, str) and text.startswith(POSTGRES_PREFIXES):
        return "postgres"
    return "sqlite" if text.endswith((".sqlite", ".sqlite3", ".db")) else "duckdb"


def postgres_conninfo(catalog: str) -> str:
    """The libpq connection string of a PostgreSQL catalog (`postgres:` prefix removed; URIs kept)."""
    if catalog.startswith(("postgres://", "postgresql://")):
        return catalog
    return catalog[len("postgres:"):]


def attach_lake(con: duckdb.DuckDBPyConnection, catalog_path: str | Path, data_path: str | Path, *,
                alias: str = "lake", read_only: bool = False) -> str:
    """ATTACH a DuckLake (created when missing) as `alias`; returns the catalog kind."""
    kind = catalog_kind(catalog_path)
    if kind in ("sqlite", "postgres"):
        load_extension(con, kind)
    load_extension(con, "ducklake")
    Path(data_path).mkdir(parents=True, exist_ok=True)
    if kind == "postgres":
        target = f"ducklake:postgres:{postgres_conninfo(str(catalog_path))}"
    else:
        Path(catalog_path).parent.mkdir(parents=True, exist_ok=True)
        target = f"ducklake:sqlite:{catalog_path}" if kind == "sqlite" else f"ducklake:{catalog_path}"
    opts = [f"DATA_PATH {_lit(str(data_path))}"] + (["READ_ONLY"] if read_only else [])
    con.execute(f"ATTACH {_lit(target)} AS {alias} ({', '.join(opts)})")
    return kind


def open_lake(catalog_path: str | Path, data_path: str | Path, *, read_only: bool = False,
              alias: str = "lake") -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB connection whose default database is the (migrated) lake."""
    from . import ensure_schema

    con = duckdb.connect(config=dict(OFFLINE_CONFIG))
    try:
        con.execute("SET enable_progress_bar = false")
        load_extension(con, "fts")
        attach_lake(con, catalog_path, data_path, alias=alias, read_only=read_only)
        con.execute(f"USE {alias}")
        if not read_only:
            ensure_schema(con, view_column_comments=False)
    except Exception:
        con.close()
        raise
    return con


def sync_to_lake(source: duckdb.DuckDBPyConnection | str | Path, catalog_path: str | Path,
                 data_path: str | Path, *, alias: str = "lake") -> dict[str, Any]:
    """Mirror a warehouse into a DuckLake, in ONE lake transaction (one snapshot).

    `source` is a writable warehouse connection or the path of a warehouse file (attached
    read-only, so the published file can be mirrored while analysts read it). Only reports whose
    load fingerprint changed are rewritten; reports gone from the warehouse are removed; the
    small tables (documents, portals, runs, portal_runs, regions) are replaced when different."""
    if not isinstance(source, duckdb.DuckDBPyConnection):
        con = duckdb.connect(config=dict(OFFLINE_CONFIG))
        try:
            con.execute(f"ATTACH {_lit(str(source))} AS wh (READ_ONLY)")
            con.execute("USE wh")
            return _sync(con, catalog_path, data_path, alias)
        finally:
            con.close()
    return _sync(source, catalog_path, data_path, alias)


def _columns(con: duckdb.DuckDBPyConnection, database: str, table: str) -> list[str]:
    return [r[0] for r in con.execute(
        "SELECT column_name FROM duckdb_columns() WHERE database_name = ? AND schema_name = 'main' "
        "AND table_name = ? ORDER BY column_index", [database, table]).fetchall()]


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def mirror_tables(con: duckdb.DuckDBPyConnection, src_db: str, dst_db: str, *,
                  cache: bool = True) -> tuple[int, int]:
    """Make the warehouse tables of attached database `dst_db` (e.g. "lake") equal those of
    `src_db`, inside the caller's transaction; returns (reports changed, small tables replaced).

    Report rows move per report: only reports whose load fingerprint differs (or that exist on
    one side only) are deleted and copied, with their wide-cache rows when `cache`. The small
    tables (FLAT_TABLES) are replaced whole when their contents differ. Columns are matched by
    name (both sides come from the same migrations; a column `src` lacks stays NULL)."""
    src, dst = f"{_ident(src_db)}.main", f"{_ident(dst_db)}.main"
    con.execute(f"""CREATE OR REPLACE TEMP TABLE _lake_changed AS
        SELECT report_id FROM (SELECT report_id, load_fingerprint FROM {src}.reports
                               EXCEPT SELECT report_id, load_fingerprint FROM {dst}.reports)
        UNION SELECT report_id FROM (SELECT report_id FROM {dst}.reports
                                     EXCEPT SELECT report_id FROM {src}.reports)""")
    changed = con.execute("SELECT count(*) FROM _lake_changed").fetchone()[0]

    def shared(t: str) -> str:  # columns on both sides (a lake one migration behind reads as NULL)
        theirs = set(_columns(con, src_db, t))
        return ", ".join(_ident(c) for c in _columns(con, dst_db, t) if c in theirs)

    def copy(t: str, where: str = "") -> None:
        cols = shared(t)
        con.execute(f"INSERT INTO {dst}.{t} ({cols}) SELECT {cols} FROM {src}.{t} {where}")

    if changed:
        for t in REPORT_TABLES + (cache_tables() if cache else ()):
            con.execute(f"DELETE FROM {dst}.{t} WHERE report_id IN (SELECT report_id FROM _lake_changed)")
            copy(t, "WHERE report_id IN (SELECT report_id FROM _lake_changed)")
    replaced = 0
    for t in FLAT_TABLES:
        cols = shared(t)
        differs = con.execute(f"SELECT EXISTS (SELECT {cols} FROM {src}.{t} EXCEPT ALL SELECT {cols} FROM {dst}.{t}) "
                              f"OR EXISTS (SELECT {cols} FROM {dst}.{t} EXCEPT ALL SELECT {cols} FROM {src}.{t})"
                              ).fetchone()[0]
        if differs:
            con.execute(f"DELETE FROM {dst}.{t}")
            copy(t)
            replaced += 1
    con.execute("DROP TABLE _lake_changed")
    return int(changed), replaced


def _sync(con: duckdb.DuckDBPyConnection, catalog_path: str | Path, data_path: str | Path,
          alias: str) -> dict[str, Any]:
    from . import ensure_schema

    home = con.execute("SELECT current_database()").fetchone()[0]
    attach_lake(con, catalog_path, data_path, alias=alias)
    try:
        con.execute(f"USE {alias}")
        try:
            ensure_schema(con, view_column_comments=False)
        finally:
            con.execute(f"USE {home}")
        con.begin()
        try:
            changed, replaced = mirror_tables(con, home, alias)
            con.commit()
        except Exception:
            rollback_quietly(con)
            raise
        snapshot = con.execute(f"SELECT max(snapshot_id) FROM {alias}.snapshots()").fetchone()[0]
        reports = con.execute(f"SELECT count(*) FROM {alias}.main.reports").fetchone()[0]
    finally:
        con.execute(f"USE {home}")
        con.execute(f"DETACH {alias}")
    return {"reports_changed": int(changed), "tables_replaced": replaced, "reports": int(reports),
            "snapshot_id": int(snapshot)}


RETRYABLE = ("database is locked", "conflict", "Failed to commit DuckLake transaction")


def with_retries(fn, *args: Any, attempts: int = 30, delay: float = 0.05, **kwargs: Any) -> Any:
    """Call a warehouse write (e.g. `load_report`) on a lake connection, retrying when another
    writer holds the SQLite catalog or committed a conflicting snapshot. Each attempt is one
    whole transaction, so a retry never duplicates rows."""
    import random
    import time

    for attempt in range(1, attempts + 1):
        try:
            return fn(*args, **kwargs)
        except duckdb.Error as exc:
            if attempt == attempts or not any(s in str(exc) for s in RETRYABLE):
                raise
            time.sleep(delay * attempt * (0.5 + random.random()))
    raise AssertionError("unreachable")
