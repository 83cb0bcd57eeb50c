"""Offline DuckDB extensions: loaded from the pinned `duckdb-extension-*` wheels, never downloaded.

Every connection is opened with `autoinstall_known_extensions` and `autoload_known_extensions`
off, and extensions are LOADed by absolute path from the wheel, e.g.
`.../site-packages/duckdb_extension_fts/extensions/v1.5.5/fts.duckdb_extension`. The binary is
built for exactly one DuckDB version, so `duckdb` must stay pinned to the wheels' version.
"""
from __future__ import annotations

import importlib.util
import os
import tempfile
from pathlib import Path

import duckdb

# Settings every warehouse connection uses: nothing is fetched from the network.
OFFLINE_CONFIG = {
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
}


# Wheels whose file name differs from the extension's real name: DuckDB derives the entry point
# from the file name, so the file is loaded through a link carrying the real name.
REAL_NAMES = {"sqlite": "sqlite_scanner", "postgres": "postgres_scanner"}


class ExtensionUnavailable(RuntimeError):
    """The wheel carrying a DuckDB extension is missing or built for another DuckDB version."""


def extension_path(name: str) -> Path:
    """Path of `<name>.duckdb_extension` inside the `duckdb-extension-<name>` wheel."""
    package = f"duckdb_extension_{name}"
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise ExtensionUnavailable(f"package {package!r} is not installed (pip name duckdb-extension-{name})")
    root = Path(list(spec.submodule_search_locations)[0])
    path = root / "extensions" / f"v{duckdb.__version__}" / f"{name}.duckdb_extension"
    if not path.is_file():
        found = sorted(p.name for p in (root / "extensions").glob("v*"))
        raise ExtensionUnavailable(
            f"{package} has no build for DuckDB v{duckdb.__version__} (has {found}); pin duckdb to match")
    return path


def _loadable_path(name: str) -> Path:
    path = extension_path(name)
    real = REAL_NAMES.get(name)
    if not real:
        return path
    link_dir = Path(tempfile.gettempdir()) / f"ogi-duckdb-extensions-{os.getuid()}" / f"v{duckdb.__version__}"
    link_dir.mkdir(parents=True, exist_ok=True)
    link = link_dir / f"{real}.duckdb_extension"
    if not (link.is_symlink() and os.readlink(link) == str(path)):
        tmp = link_dir / f".{real}.{os.getpid()}"
        if tmp.is_symlink() or tmp.exists():
            tmp.unlink()
        tmp.symlink_to(path)
        os.replace(tmp, link)
    return link


def load_extension(con: duckdb.DuckDBPyConnection, name: str) -> None:
    """LOAD an extension from its wheel (idempotent; no INSTALL, no download).

    Names: fts, ducklake, sqlite (the DuckLake SQLite catalog; loaded as sqlite_scanner),
    postgres (the DuckLake PostgreSQL catalog; loaded as postgres_scanner)."""
    real = REAL_NAMES.get(name, name)
    loaded = con.execute(
        "SELECT loaded FROM duckdb_extensions() WHERE extension_name = ?", [real]).fetchone()
    if loaded and loaded[0]:
        return
    path = str(_loadable_path(name)).replace("'", "''")
    con.execute(f"LOAD '{path}'")


def loaded_extensions(con: duckdb.DuckDBPyConnection) -> list[str]:
    return [r[0] for r in con.execute(
        "SELECT extension_name FROM duckdb_extensions() WHERE loaded ORDER BY 1").fetchall()]
