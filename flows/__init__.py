"""Prefect 3 flows joining crawlers, parsers and warehouse.

    nightly   crawl -> download (raw store) -> parse -> load -> publish -> run summary
    reparse   re-parse documents already in the raw store (no network)
    backfill  nightly restricted to portals x years

Modules: `rawstore` (content-addressed bytes + URL index), `download` (polite HTTP with
conditional GET), `crawl` (Scrapy in a subprocess), `tasks` (Prefect tasks), `pipeline` (the
shared steps), `registry` (the portal registry as the flows need it).
"""
