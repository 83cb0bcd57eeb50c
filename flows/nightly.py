"""The nightly flow: crawl -> download -> parse -> load -> publish -> run summary.

    from flows.nightly import nightly
    summary = nightly(registry="crawlers/data/registry.csv", data_dir="data")

Deployed by `prefect.yaml` (cron 0 2 * * *, Asia/Shanghai); run locally by `ogi run`.
"""
from __future__ import annotations

from typing import Any

from prefect import flow
from prefect.task_runners import ThreadPoolTaskRunner

from .pipeline import run_pipeline

DEFAULT_REGISTRY = "crawlers/data/registry.csv"


@flow(name="nightly", task_runner=ThreadPoolTaskRunner(max_workers=8), log_prints=True)
def nightly(registry: str = DEFAULT_REGISTRY, data_dir: str = "data", portals: list[str] | None = None,
            politeness: dict[str, Any] | None = None, crawl_settings: dict[str, Any] | None = None,
            crawl_timeout_s: float = 3600.0) -> dict[str, Any]:
    """Crawl the registry's portals (all, or `portals`), fetch what changed, parse, load, publish.

    `politeness`: overrides of flows.download.Politeness (delay_s, per_host, timeout_s …);
    `crawl_settings`: Scrapy `-s` overrides (e.g. crawlers.settings.FAST_SETTINGS on loopback)."""
    return run_pipeline("nightly", registry, data_dir, portals=portals, politeness=politeness,
                        crawl_settings=crawl_settings, crawl_timeout_s=crawl_timeout_s)
