"""The nightly flow: plan shards -> run them (crawl -> download -> parse) -> load -> index -> publish.

    from flows.nightly import nightly
    summary = nightly(registry="crawlers/data/registry.csv", data_dir="data")

Deployed by `prefect.yaml` (cron 0 2 * * *, Asia/Shanghai) with `shard_deployment: shard/shard`, so
each shard is its own flow run on the `ogi-process` work pool; run locally by `ogi run` (the same
code, shards in-process on the ephemeral API). See flows/pipeline.py and docs/operations.md.
"""
from __future__ import annotations

from typing import Any

from prefect import flow

from flows.pipeline import run_pipeline

DEFAULT_REGISTRY = "crawlers/data/registry.csv"


@flow(name="nightly", log_prints=True, persist_result=False)
def nightly(registry: str = DEFAULT_REGISTRY, data_dir: str = "data", portals: list[str] | None = None,
            politeness: dict[str, Any] | None = None, crawl_settings: dict[str, Any] | None = None,
            crawl_timeout_s: float | None = None, run_key: str | None = None, shard_portals: int | None = None,
            shard_deployment: str | None = None, shard_timeout_s: float | None = None,
            parallel_shards: int = 1, lake_url: str | None = None) -> dict[str, Any]:
    """Crawl the registry's portals (all, or `portals`), fetch what changed, parse, load, publish.

    `politeness`: overrides of flows.download.Politeness (delay_s, per_host, timeout_s …);
    `crawl_settings`: Scrapy `-s` overrides (e.g. crawlers.settings.FAST_SETTINGS on loopback);
    `crawl_timeout_s`: a shard's crawl limit (default: grows with its portals, flows.shard);
    `run_key`: resume that run (only its unfinished shards run; default: this flow run's key);
    `shard_portals`: most portals per shard (default 100, OGI_SHARD_PORTALS);
    `shard_deployment`: run shards as flow runs of this deployment (e.g. "shard/shard") instead of
    in this process; `shard_timeout_s`: how long the parent waits for them;
    `parallel_shards`: in-process shards side by side; `lake_url`: shards write into that DuckLake."""
    return run_pipeline("nightly", registry, data_dir, portals=portals, politeness=politeness,
                        crawl_settings=crawl_settings, crawl_timeout_s=crawl_timeout_s, run_key=run_key,
                        shard_portals=shard_portals, shard_deployment=shard_deployment,
                        shard_timeout_s=shard_timeout_s, parallel_shards=parallel_shards, lake_url=lake_url)
