"""Read queries other parts need (flows, `ogi status`, `ogi db stats`): the SQL stays in warehouse/."""
from __future__ import annotations

import json
from datetime import datetime
from typing import Any, Iterable

import duckdb


def among(values: Iterable[str]) -> tuple[str, list[str] | list[list[str]]]:
    """`IN {sql}` of these strings, and its parameters: one newline-joined string split in SQL.
    Binding a Python list of hundreds of strings costs DuckDB ~20–50 ms a query; one string, nothing.
    (A list is bound as such only if a value holds a newline, which ids and canonical URLs never do.)"""
    values = [str(v) for v in values]
    if not values:
        return "(SELECT NULL::VARCHAR WHERE false)", []
    if any("\n" in v for v in values):
        return "(SELECT unnest(?::VARCHAR[]))", [values]
    return "(SELECT unnest(string_split(?, chr(10))))", ["\n".join(values)]


def existing_report_ids(con: duckdb.DuckDBPyConnection, report_ids: list[str]) -> set[str]:
    """Which of these report ids already have a `reports` row."""
    if not report_ids:
        return set()
    sql, params = among(report_ids)
    return {r[0] for r in con.execute(f"SELECT DISTINCT report_id FROM reports WHERE report_id IN {sql}",
                                      params).fetchall()}


def load_fingerprints(con: duckdb.DuckDBPyConnection, report_ids: list[str]) -> dict[str, str]:
    """report_id -> load fingerprint, of those of these reports the warehouse holds."""
    if not report_ids:
        return {}
    sql, params = among(report_ids)
    return dict(con.execute(f"SELECT report_id, load_fingerprint FROM reports WHERE report_id IN {sql}",
                            params).fetchall())


def loaded_versions(con: duckdb.DuckDBPyConnection) -> dict[str, tuple[str | None, int | None]]:
    """report_id -> (parser_version, year) as currently loaded."""
    return {r[0]: (r[1], r[2]) for r in con.execute(
        "SELECT report_id, parser_version, year FROM reports").fetchall()}


def recent_runs(con: duckdb.DuckDBPyConnection, limit: int = 5) -> list[dict[str, Any]]:
    """The latest runs, newest first, with their stats decoded."""
    out = []
    for run_id, flow, started, finished, status, stats, error in con.execute(
            "SELECT run_id, flow, started_at, finished_at, status, stats, error FROM runs "
            "ORDER BY started_at DESC NULLS LAST, recorded_at DESC LIMIT ?", [limit]).fetchall():
        out.append({"run_id": run_id, "flow": flow, "started_at": started, "finished_at": finished,
                    "status": status, "error": error,
                    "stats": json.loads(stats) if isinstance(stats, str) else (stats or {})})
    return out


def latest_portal_runs(con: duckdb.DuckDBPyConnection) -> dict[str, tuple]:
    """portal_id -> (portal_id, run_id, reports_found, new, changed, failed, status, error, recorded_at)
    of its most recent run."""
    return {r[0]: r for r in con.execute(
        "SELECT portal_id, run_id, reports_found, new, changed, failed, status, error, recorded_at FROM ("
        "  SELECT *, row_number() OVER (PARTITION BY portal_id ORDER BY recorded_at DESC) AS n FROM portal_runs"
        ") WHERE n = 1").fetchall()}


def last_found_at(con: duckdb.DuckDBPyConnection) -> dict[str, datetime]:
    """portal_id -> when a run last found at least one report there."""
    return dict(con.execute(
        "SELECT portal_id, max(recorded_at) FROM portal_runs WHERE reports_found > 0 GROUP BY portal_id").fetchall())


def reports_per_portal(con: duckdb.DuckDBPyConnection) -> dict[str, tuple[int, int]]:
    """portal_id -> (reports in the warehouse, of which failed to parse)."""
    return {r[0]: (r[1], r[2]) for r in con.execute(
        "SELECT portal_id, count(*), count(*) FILTER (WHERE parse_status = 'failed') FROM reports GROUP BY portal_id"
    ).fetchall()}


def registered_portals(con: duckdb.DuckDBPyConnection) -> list[str]:
    return [r[0] for r in con.execute("SELECT portal_id FROM portals ORDER BY portal_id").fetchall()]


def registry_statuses(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """portal_id -> registry status (migration 007) for the portals whose registry gives one."""
    return dict(con.execute("SELECT portal_id, status FROM portals WHERE status IS NOT NULL").fetchall())


def portal_platforms(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """portal_id -> platform detected by its latest crawl (migration 005), for the portals that have one."""
    return dict(con.execute("SELECT portal_id, platform FROM portals WHERE platform IS NOT NULL").fetchall())


def table_counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Row count of every base table of the current database."""
    tables = [r[0] for r in con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main' AND NOT internal "
        "AND database_name = current_database() ORDER BY 1").fetchall()]
    return {t: con.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}


def blocked_documents(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """portal_id -> documents whose latest fetch was refused (host not allowed, robots.txt)."""
    return dict(con.execute(
        "SELECT portal_id, count(*) FROM documents WHERE error LIKE 'refused%' GROUP BY portal_id").fetchall())


def current_documents(con: duckdb.DuckDBPyConnection, urls: list[str]) -> dict[str, str]:
    """url -> sha256 of those URLs whose recorded document is fine (no error)."""
    if not urls:
        return {}
    sql, params = among(urls)
    return dict(con.execute("SELECT url, sha256 FROM documents WHERE error IS NULL AND sha256 IS NOT NULL "
                            f"AND url IN {sql}", params).fetchall())
