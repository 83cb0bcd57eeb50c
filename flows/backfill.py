"""Backfill: the nightly pipeline restricted to some portals and report years.

    from flows.backfill import backfill
    backfill(registry="crawlers/data/registry.csv", portals=["shanghai"], years=[2020, 2021])

The crawl still walks each portal's listings (that is how reports are found); only reports
of the given years are fetched, parsed and loaded.
"""
from __future__ import annotations

from typing import Any

from prefect import flow
from prefect.task_runners import ThreadPoolTaskRunner

from .nightly import DEFAULT_REGISTRY
from .pipeline import run_pipeline


@flow(name="backfill", task_runner=ThreadPoolTaskRunner(max_workers=8), log_prints=True)
def backfill(registry: str = DEFAULT_REGISTRY, data_dir: str = "data", portals: list[str] | None = None,
             years: list[int] | None = None, politeness: dict[str, Any] | None = None,
             crawl_settings: dict[str, Any] | None = None, crawl_timeout_s: float = 3600.0) -> dict[str, Any]:
    """portals x years: `portals` None = every portal, `years` None = every year."""
    return run_pipeline("backfill", registry, data_dir, portals=portals,
                        years=[int(y) for y in years] if years else None, politeness=politeness,
                        crawl_settings=crawl_settings, crawl_timeout_s=crawl_timeout_s)
