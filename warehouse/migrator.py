"""Numbered SQL migrations: `warehouse/migrations/NNN_name.sql`, applied in order, recorded in
`schema_migrations(version, name, checksum, applied_at)`.

Each migration runs in its own transaction together with its `schema_migrations` row, so a
failing migration leaves the database at the previous version. A migration that was already
applied is never run again; if its file changed afterwards, `migrate` refuses (write a new
migration instead of editing an applied one).
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from importlib import resources

import duckdb

from .load import rollback_quietly

_NAME = re.compile(r"^(\d{3})_([a-z0-9_]+)\.sql$")


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.sql.encode("utf-8")).hexdigest()


class MigrationError(RuntimeError):
    pass


def available() -> list[Migration]:
    """All migrations shipped with the package, in version order."""
    out = []
    for entry in resources.files("warehouse").joinpath("migrations").iterdir():
        m = _NAME.match(entry.name)
        if m:
            out.append(Migration(int(m.group(1)), m.group(2), entry.read_text("utf-8")))
    out.sort(key=lambda m: m.version)
    versions = [m.version for m in out]
    if len(set(versions)) != len(versions):
        raise MigrationError(f"duplicate migration numbers: {versions}")
    return out


def _ensure_table(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("""CREATE TABLE IF NOT EXISTS schema_migrations (
        version INTEGER NOT NULL, name VARCHAR NOT NULL, checksum VARCHAR NOT NULL,
        applied_at TIMESTAMP NOT NULL)""")


def applied(con: duckdb.DuckDBPyConnection) -> dict[int, tuple[str, str]]:
    exists = con.execute("SELECT count(*) FROM duckdb_tables() WHERE schema_name = 'main' "
                         "AND database_name = current_database() AND table_name = 'schema_migrations'").fetchone()[0]
    if not exists:
        return {}
    return {v: (n, c) for v, n, c in con.execute(
        "SELECT version, name, checksum FROM schema_migrations").fetchall()}


def current_version(con: duckdb.DuckDBPyConnection) -> int:
    done = applied(con)
    return max(done) if done else 0


def pending(con: duckdb.DuckDBPyConnection) -> list[Migration]:
    done = applied(con)
    out = []
    for m in available():
        if m.version in done:
            if done[m.version][1] != m.checksum:
                raise MigrationError(
                    f"migration {m.version:03d}_{m.name}.sql changed after it was applied; "
                    "add a new migration instead")
        else:
            out.append(m)
    return out


def migrate(con: duckdb.DuckDBPyConnection) -> list[int]:
    """Apply every pending migration; returns the versions applied (empty when up to date)."""
    _ensure_table(con)
    done = []
    for m in pending(con):
        con.begin()
        try:
            con.execute(m.sql)
            con.execute("INSERT INTO schema_migrations VALUES (?, ?, ?, ?)",
                        [m.version, m.name, m.checksum, datetime.now(timezone.utc).replace(tzinfo=None)])
            con.commit()
        except Exception as exc:
            rollback_quietly(con)
            raise MigrationError(f"migration {m.version:03d}_{m.name}.sql failed: {exc}") from exc
        done.append(m.version)
    return done
