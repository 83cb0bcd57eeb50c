"""Shards writing into one DuckLake (PostgreSQL catalog, throwaway server) side by side: the
published file materialised from the lake equals a single-file, single-shard run cell for cell,
and a rerun of a finished run converges (nothing new)."""
from __future__ import annotations

import pytest

from tests.pgserver import pg_server  # noqa: F401  (session fixture; skips without PostgreSQL)

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]


def test_two_shards_at_once_into_the_lake_equal_one_process_single_file(prefect_api, demo, pg_server,  # noqa: F811
                                                                        tmp_path, fast_options, cells):
    from flows.nightly import nightly

    single = tmp_path / "single"
    s1 = nightly(registry=str(demo.registry_path), data_dir=str(single), shard_portals=1000, **fast_options)
    assert s1["status"] == "ok" and s1["stats"]["shards"] == 1

    lake_url = pg_server.create_database("flows_lake") + f"?data_path={tmp_path / 'lake-files'}"
    d = tmp_path / "lake"
    s2 = nightly(registry=str(demo.registry_path), data_dir=str(d), shard_portals=3, parallel_shards=2,
                 lake_url=lake_url, **fast_options)
    assert s2["status"] == "ok" and s2["stats"]["shards"] >= 3
    assert s2["stats"]["reports_new"] == s1["stats"]["reports_new"] > 0
    assert not list((d / "runs").glob("*/shards/*/plan-*.json"))  # rounds went into the lake, not files
    got, want = cells(d / "warehouse.duckdb"), cells(single / "warehouse.duckdb")
    for table in want:
        assert got[table] == want[table], table

    again = nightly(registry=str(demo.registry_path), data_dir=str(d), shard_portals=3, parallel_shards=2,
                    lake_url=lake_url, **fast_options)
    assert again["status"] == "ok" and again["stats"]["reports_new"] == 0 and again["stats"]["reports_changed"] == 0
    assert cells(d / "warehouse.duckdb") == want
