"""Prefect 3 flows joining crawlers, parsers and warehouse.

    nightly   crawl -> download (raw store) -> parse -> load -> publish -> run summary
    reparse   re-parse documents already in the raw store (no network)
    backfill  nightly restricted to portals x years

Modules: `rawstore` (content-addressed bytes + URL index + report manifests), `download`
(polite HTTP with conditional GET), `crawl` (Scrapy in a subprocess), `parsepool` (warm isolated
parser processes), `tasks` (the Prefect tasks), `pipeline` (the steps the flows share), `load`
(the single warehouse writer), `registry` (the registry as the flows need it), `progress` and
`localrun` (progress bars and summaries for `ogi run` / `ogi demo` / `ogi reparse`).
See docs/operations.md.
"""
