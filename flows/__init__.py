"""Prefect 3 flows joining crawlers, parsers and warehouse.

    nightly   plan shards -> run them -> load -> full-text index -> publish -> run summary + artifact
    shard     one shard: crawl -> download (interleaved across hosts) -> parse -> rounds
    reparse   re-parse documents already in the raw store (no network)
    backfill  nightly restricted to portals x years

Modules: `shards` (the shard plan), `runner` (shards in-process or as deployment runs on the work
pool), `shard` (the shard flow), `sinks` (where a shard's rounds go: plan files or the DuckLake),
`pipeline` (the parent and the steps shared by the flows), `hostqueue` (per-host download queues),
`fetchproc` (a shard's downloads in a process of their own),
`rawstore` (content-addressed bytes + URL index + report manifests), `download` (polite HTTP with
conditional GET), `crawl` (Scrapy in a subprocess), `parsepool` (warm isolated parser processes),
`tasks` (the Prefect tasks and the parse cache), `load` (the single warehouse writer; lake
bookkeeping), `artifacts` (Prefect table artifacts), `registry` (the registry as the flows need
it), `progress` and `localrun` (progress bars and summaries for `ogi run` / `ogi demo` /
`ogi reparse`). See docs/operations.md.
"""
