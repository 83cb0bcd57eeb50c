"""Publication: the writer works on a build file; analysts read the public file.

DuckDB allows one read-write process per file, and while a writer holds a file nobody else can
open it (not even read-only). So the nightly job never writes the public file. It writes
`build_path`, then `publish(build_path, public_path)`:

1. CHECKPOINT the build database (through the caller's open connection `con`, or by opening
   it), so the main file holds everything and the WAL is empty;
2. copy the file to `<public>.publishing-<pid>` next to the public file and fsync it;
3. open the copy read-only and check it (schema version and row counts), so a broken copy is
   never published;
4. `os.replace` the copy onto the public path (atomic rename on POSIX) and fsync the directory.

An analyst connection opened read-only before step 4 keeps reading the old file (its inode
stays alive until closed); connections opened after it see the new one. Nobody ever sees a
half-written file and no reader blocks the writer.
"""
from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import duckdb

from .extensions import OFFLINE_CONFIG, load_extension


@dataclass(frozen=True)
class Published:
    path: Path
    bytes: int
    schema_version: int
    reports: int


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _verify(path: Path) -> tuple[int, int]:
    con = duckdb.connect(str(path), read_only=True, config=OFFLINE_CONFIG)
    try:
        version = con.execute("SELECT coalesce(max(version), 0) FROM schema_migrations").fetchone()[0]
        reports = con.execute("SELECT count(*) FROM reports").fetchone()[0]
    finally:
        con.close()
    return int(version), int(reports)


def publish(build_path: str | Path, public_path: str | Path,
            con: duckdb.DuckDBPyConnection | None = None) -> Published:
    """Atomically replace `public_path` with a checkpointed copy of `build_path`.

    Pass the writer's open connection as `con` (it is checkpointed and stays open; do not write
    through it from another thread meanwhile). Without `con`, the build file is opened here,
    which fails if another process holds it."""
    build, public = Path(build_path), Path(public_path)
    if build.resolve() == public.resolve():
        raise ValueError("build_path and public_path must differ")
    if con is not None:
        con.execute("CHECKPOINT")
        version, reports = _copy_and_replace(build, public)
    else:
        own = duckdb.connect(str(build), config=OFFLINE_CONFIG)
        try:
            load_extension(own, "fts")  # a WAL may hold full-text index objects
            own.execute("CHECKPOINT")
            version, reports = _copy_and_replace(build, public)
        finally:
            own.close()
    return Published(public, public.stat().st_size, version, reports)


def _copy_and_replace(build: Path, public: Path) -> tuple[int, int]:
    wal = build.with_name(build.name + ".wal")
    if wal.exists() and wal.stat().st_size > 0:
        raise RuntimeError(f"{wal} is not empty after CHECKPOINT; another connection is writing")
    public.parent.mkdir(parents=True, exist_ok=True)
    tmp = public.with_name(f"{public.name}.publishing-{os.getpid()}")
    try:
        with build.open("rb") as src, tmp.open("wb") as dst:
            shutil.copyfileobj(src, dst, length=8 << 20)
            dst.flush()
            os.fsync(dst.fileno())
        checked = _verify(tmp)
        os.replace(tmp, public)
    finally:
        if tmp.exists():
            tmp.unlink()
        stale = tmp.with_name(tmp.name + ".wal")
        if stale.exists():
            stale.unlink()
    _fsync_dir(public.parent)
    return checked
