"""The ogi warehouse: one DuckDB file with stable, documented tables and views.

Public API (stable; flows, commands and analysts' scripts use it):

    con = open_warehouse(path, read_only=False)   # migrates + views + comments when writable; loads fts
    load_report(con, report_dict, *, report_id, portal_id, page_url, document_url, sha256, loaded_at=None)
    load_reports(con, items)                      # bulk: many reports in one transaction
    record_document(con, *, url, sha256, http_status, content_type, bytes, fetched_at, error, ...)
    load_portals(con, registry_csv_path)
    record_run(con, run_id, started_at, finished_at, stats, *, status=None, flow=None, error=None)
    record_portal_runs(con, run_id, {portal_id: {pages, reports_found, new, changed, failed, status}})
    refresh_search(con)                           # after loads: refresh_trust + (re)build the full-text index
    refresh_trust(con)                            # agencies, report identity, cross-year checks
    publish(build_path, public_path, con=None)    # atomic replace of the analysts' file
    Warehouse(path)                               # the same as methods, plus context management

Writers own exactly one read-write connection to a *build* file (DuckDB allows one writer
process per file) and publish it; analysts open the *public* file with read_only=True.
Tables, views and columns are described in the database itself (COMMENT ON …); see
`ogi db describe` and docs/warehouse.md.
"""
from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import duckdb

from . import dictionary, regions, views
from .extensions import OFFLINE_CONFIG, load_extension
from .load import (rollback_quietly, delete_report, load_portals, load_report, load_reports, record_document,
                   record_portal_runs, record_run)
from .migrator import current_version, migrate
from .publish import Published, publish

__all__ = [
    "Warehouse", "open_warehouse", "load_report", "load_reports", "delete_report", "record_document",
    "load_portals", "record_run", "record_portal_runs", "publish", "Published", "refresh_search",
    "ensure_schema", "current_version", "refresh_trust",
]

TRUST_MIGRATION = 4  # 004_trust.sql: the first version with agencies and cross-year checks

_OBJECTS_KEY = "views_comments_sha"


def _objects_fingerprint(view_columns: bool = True) -> str:
    text = "\n;\n".join([views.cache_sql(w) for w in views.wides()] + views.view_sql()
                         + dictionary.comment_sql(view_columns))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def ensure_schema(con: duckdb.DuckDBPyConnection, *, view_column_comments: bool = True) -> dict[str, Any]:
    """Bring a writable database up to date: migrations, regions, views and comments.

    Views and comments are regenerated (in one transaction) only when their generated SQL
    changed, so opening an up-to-date warehouse writes nothing. Works on the current default
    database, so it also prepares an attached DuckLake after `USE lake`
    (with view_column_comments=False: DuckLake cannot store them)."""
    applied = migrate(con)
    n_regions = regions.ensure_regions(con)
    if TRUST_MIGRATION in applied and con.execute("SELECT count(*) FROM reports").fetchone()[0]:
        refresh_trust(con, full=True)  # an existing warehouse: identities and cross-year checks of it
    fp = _objects_fingerprint(view_column_comments)
    row = con.execute("SELECT value FROM warehouse_meta WHERE key = ?", [_OBJECTS_KEY]).fetchone()
    rebuilt = False
    if not row or row[0] != fp:
        con.begin()
        try:
            views.create_views(con)
            dictionary.apply_comments(con, view_column_comments)
            con.execute("DELETE FROM warehouse_meta WHERE key = ?", [_OBJECTS_KEY])
            con.execute("INSERT INTO warehouse_meta VALUES (?, ?)", [_OBJECTS_KEY, fp])
            con.commit()
        except Exception:
            rollback_quietly(con)
            raise
        rebuilt = True
    return {"migrations_applied": applied, "regions_loaded": n_regions, "views_rebuilt": rebuilt}


def open_warehouse(path: str | Path, read_only: bool = False, *, fts: bool = True) -> duckdb.DuckDBPyConnection:
    """Open (creating when writable) a warehouse file with offline extension settings.

    Writable: applies pending migrations, (re)loads regions, views and comments. Always loads
    the fts extension from its wheel unless fts=False. Read-only requires an existing file."""
    path = Path(path)
    if read_only:
        if not path.is_file():
            raise FileNotFoundError(f"warehouse {path} does not exist")
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path), read_only=read_only, config=dict(OFFLINE_CONFIG))
    try:
        con.execute("SET enable_progress_bar = false")
        if fts:
            load_extension(con, "fts")
        if not read_only:
            # Checkpoint when publishing/closing rather than every 16 MB of WAL: automatic
            # checkpoints in the middle of a bulk load cost more the larger the file grows.
            con.execute("SET checkpoint_threshold = '1GB'")
            ensure_schema(con)
    except Exception:
        con.close()
        raise
    return con


def refresh_search(con: duckdb.DuckDBPyConnection, **kwargs: Any) -> dict[str, int]:
    """Segment new/changed section texts and rebuild the full-text index (see warehouse.fts).

    This is the call every loading flow makes once its loads are done, so it also brings the
    cross-report tables up to date first (`refresh_trust`: agencies, report identity, the
    cross-year checks); returns the full-text figures only."""
    from .fts import refresh_index

    refresh_trust(con)
    return refresh_index(con, **kwargs)


def refresh_trust(con: duckdb.DuckDBPyConnection, *, full: bool = False) -> dict[str, int]:
    """Rebuild what is derived across reports, in one transaction, after loads: `agencies` and
    `report_identity` (warehouse.agencies), then the `cross_year` rows of `check_results`
    (warehouse.crossyear) of the agencies whose reports changed since the last refresh (every
    agency with full=True). Reads only the warehouse; re-running converges."""
    from .agencies import refresh_identity
    from .crossyear import refresh_cross_year
    from .load import utcnow

    now = utcnow()
    con.begin()
    try:
        out, changed = refresh_identity(con, now)
        out.update({f"cross_year_{k}": v for k, v in
                    refresh_cross_year(con, now, None if full else changed).items()})
        con.commit()
    except Exception:
        rollback_quietly(con)
        raise
    return out


class Warehouse:
    """Object form of the API: `with Warehouse(path) as wh: wh.load_report(...)`."""

    def __init__(self, path: str | Path, read_only: bool = False):
        self.path = Path(path)
        self.read_only = read_only
        self.con = open_warehouse(self.path, read_only=read_only)

    def __enter__(self) -> "Warehouse":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def close(self) -> None:
        self.con.close()

    def load_report(self, report: dict, **kw: Any) -> str:
        return load_report(self.con, report, **kw)

    def load_reports(self, items: list[dict]) -> list[str]:
        return load_reports(self.con, items)

    def record_document(self, **kw: Any) -> None:
        record_document(self.con, **kw)

    def load_portals(self, registry_csv_path: str | Path) -> int:
        return load_portals(self.con, registry_csv_path)

    def record_run(self, run_id: str, started_at: Any, finished_at: Any, stats: dict, **kw: Any) -> None:
        record_run(self.con, run_id, started_at, finished_at, stats, **kw)

    def record_portal_runs(self, run_id: str, per_portal: dict) -> int:
        return record_portal_runs(self.con, run_id, per_portal)

    def refresh_search(self, **kw: Any) -> dict[str, int]:
        return refresh_search(self.con, **kw)

    def refresh_trust(self) -> dict[str, int]:
        return refresh_trust(self.con)

    def publish(self, public_path: str | Path) -> Published:
        return publish(self.path, public_path, con=self.con)
