"""Discovery: Scrapy spiders that find government information disclosure annual reports.

Spiders only discover (report page URLs, attachment URLs, title/agency/year guesses); flows
download and parse. URL canonicalisation lives in `crawlers.urls` (flows import it too).
"""
