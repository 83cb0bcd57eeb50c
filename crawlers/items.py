"""ReportItem: one discovered report (see docs/architecture.md)."""
from __future__ import annotations

import hashlib

import scrapy

FIELDS = ["id", "portal_id", "page_url", "attachment_urls", "title", "agency", "year", "published",
          "listing_url", "discovered_at", "error"]
REQUIRED = ["id", "portal_id", "page_url", "attachment_urls", "title", "discovered_at"]


class ReportItem(scrapy.Item):
    id = scrapy.Field()              # sha1(portal_id + "\n" + canonical page URL)
    portal_id = scrapy.Field()
    page_url = scrapy.Field()        # canonical URL of the report page (or of the file, if no page)
    attachment_urls = scrapy.Field() # canonical URLs of PDF/DOC/XLS … attachments
    title = scrapy.Field()
    agency = scrapy.Field()          # guess: title prefix, 发布机构, or None
    year = scrapy.Field()            # guess: statistics year (int) or None
    published = scrapy.Field()       # YYYY-MM-DD or None
    listing_url = scrapy.Field()     # the listing page (or API) the report was found on
    discovered_at = scrapy.Field()   # ISO 8601 UTC
    # None for a report; else why a link the crawler judged a report gave none (HTTP 404, bot challenge,
    # not an HTML page, no report on the page …): the flows record a failed document for page_url
    error = scrapy.Field()
    # not exported (not in FIELDS): the Response a report came from, when the crawl hands report bodies
    # over to the flows' raw store (-s OGI_RAW_STORE=<data dir>); crawlers.pipelines.RawStoreHandoverPipeline
    # stores its bytes and removes it from the item before anything else keeps the item
    response = scrapy.Field()


def report_id(portal_id: str, canonical_url: str) -> str:
    return hashlib.sha1(f"{portal_id}\n{canonical_url}".encode("utf-8")).hexdigest()
