"""DuckDB extensions come from the pinned wheels, offline; nothing is ever downloaded."""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import duckdb
import pytest

import warehouse
from warehouse import extensions


@pytest.mark.parametrize("name,real", [("fts", "fts"), ("ducklake", "ducklake"), ("sqlite", "sqlite_scanner")])
def test_extension_loads_from_wheel(name, real):
    path = extensions.extension_path(name)
    assert f"v{duckdb.__version__}" in str(path) and path.is_file()
    con = duckdb.connect(config=dict(extensions.OFFLINE_CONFIG))
    assert real not in extensions.loaded_extensions(con)
    extensions.load_extension(con, name)
    extensions.load_extension(con, name)  # idempotent
    assert real in extensions.loaded_extensions(con)
    con.close()


def test_offline_settings_and_no_autoinstall(tmp_path):
    con = warehouse.open_warehouse(tmp_path / "w.duckdb")
    settings = dict(con.execute("SELECT name, value FROM duckdb_settings() WHERE name IN "
                                "('autoinstall_known_extensions', 'autoload_known_extensions')").fetchall())
    assert settings == {"autoinstall_known_extensions": "false", "autoload_known_extensions": "false"}
    assert "fts" in extensions.loaded_extensions(con)
    # an extension that is not shipped as a wheel is NOT fetched: it fails instead
    with pytest.raises(duckdb.Error):
        con.execute("LOAD spatial")
    con.close()


def test_read_only_reader_loads_fts_in_a_fresh_process_without_network(tmp_path):
    db = tmp_path / "w.duckdb"
    con = warehouse.open_warehouse(db)
    con.close()
    code = textwrap.dedent(f"""
        import warehouse, warehouse.extensions as e
        con = warehouse.open_warehouse({str(db)!r}, read_only=True)
        print(",".join(e.loaded_extensions(con)))
    """)
    env = dict(os.environ, HTTP_PROXY="http://127.0.0.1:9", HTTPS_PROXY="http://127.0.0.1:9",
               http_proxy="http://127.0.0.1:9", https_proxy="http://127.0.0.1:9", HOME=str(tmp_path))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60,
                         cwd=os.path.dirname(os.path.dirname(warehouse.__file__)))
    assert out.returncode == 0, out.stderr
    assert "fts" in out.stdout.split(",")
    assert not (tmp_path / ".duckdb").exists()  # nothing installed into ~/.duckdb


def test_wrong_duckdb_version_is_a_clear_error(monkeypatch):
    monkeypatch.setattr(duckdb, "__version__", "9.9.9")
    with pytest.raises(extensions.ExtensionUnavailable, match="no build for DuckDB v9.9.9"):
        extensions.extension_path("fts")
