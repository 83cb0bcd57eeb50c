"""Backfill: the nightly pipeline restricted to some portals and report years, sharded the same way.

    from flows.backfill import backfill
    backfill(registry="crawlers/data/registry.csv", portals=["shanghai"], years=[2020, 2021])

The crawl still walks each portal's listings (that is how reports are found); only reports
of the given years are fetched, parsed and loaded.
"""
from __future__ import annotations

from typing import Any

from prefect import flow

from flows.nightly import DEFAULT_REGISTRY
from flows.pipeline import run_pipeline


@flow(name="backfill", log_prints=True, persist_result=False)
def backfill(registry: str = DEFAULT_REGISTRY, data_dir: str = "data", portals: list[str] | None = None,
             years: list[int] | None = None, politeness: dict[str, Any] | None = None,
             crawl_settings: dict[str, Any] | None = None, crawl_timeout_s: float | None = None,
             run_key: str | None = None, shard_portals: int | None = None, shard_deployment: str | None = None,
             shard_timeout_s: float | None = None, parallel_shards: int = 1,
             lake_url: str | None = None) -> dict[str, Any]:
    """portals x years: `portals` None = every portal, `years` None = every year (other
    parameters: see flows.nightly.nightly)."""
    return run_pipeline("backfill", registry, data_dir, portals=portals,
                        years=[int(y) for y in years] if years else None, politeness=politeness,
                        crawl_settings=crawl_settings, crawl_timeout_s=crawl_timeout_s, run_key=run_key,
                        shard_portals=shard_portals, shard_deployment=shard_deployment,
                        shard_timeout_s=shard_timeout_s, parallel_shards=parallel_shards, lake_url=lake_url)
