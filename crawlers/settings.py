"""Scrapy settings for ogi discovery — the one place for politeness and safety settings.

Production defaults are polite (robots.txt and its Crawl-delay, AutoThrottle, one request at a time
per host, ~1 s delay, retries with exponential backoff). Tests and benchmarks override them with `-s`, e.g.
`-s AUTOTHROTTLE_ENABLED=False -s DOWNLOAD_DELAY=0 -s OGI_RETRY_BACKOFF_BASE=0.05`
(`ogi crawl --fast` sets exactly the FAST_SETTINGS below).
"""
BOT_NAME = "ogi"
SPIDER_MODULES = ["crawlers.spiders"]
NEWSPIDER_MODULE = "crawlers.spiders"

USER_AGENT = "ogi-crawler/0.1 (+https://github.com/ogi-project/ogi)"
ROBOTSTXT_OBEY = True
ROBOTSTXT_USER_AGENT = "ogi-crawler"

# politeness: per host, not per crawl. The national nightly (3,213 portals; bench/bench_crawl_national.py,
# BENCHMARKS.md) is bounded by three numbers chosen together:
#   * per host: one request at a time, DOWNLOAD_DELAY (>= robots Crawl-delay, AutoThrottle may raise it);
#   * globally: CONCURRENT_REQUESTS in flight — at ~0.3-0.5 s per response that is 250-400 pages/s, about
#     what two cores parse (~4-7 ms CPU per page), and far above what any one host is asked for;
#   * per portal: OGI_MAX_PAGES_PER_PORTAL, so the slowest portal ends within budget x (latency + delay)
#     (2,000 x 1.3 s ~ 45 min) whatever it links to.
# Measured (bench/bench_crawl_national.py, 1,000 portals, two crawl processes side by side as the flows'
# shards run): ~3.4 ms CPU per page, 555-564 pages/s on a full crawl and 643-669 on an incremental one on 2 cores
# (servers included): a full first crawl of 3,213 portals x 300 pages ~ 0.5 h, the ceiling with every
# portal at the budget ~ 3 h; the incremental nightly (`-a known=`: listings only, ~20-40 pages per
# portal) ~ 5 min.
CONCURRENT_REQUESTS = 128
CONCURRENT_REQUESTS_PER_DOMAIN = 1
# thousands of hosts, each behind its own delay: hand the downloader requests for the hosts with the fewest
# in flight (the choice of Scrapy's broad-crawl DownloaderAwarePriorityQueue), so one portal's backlog never
# fills the global slots; crawlers.scheduling makes that choice without scanning every queued host per
# request
SCHEDULER_PRIORITY_QUEUE = "crawlers.scheduling.SlotOrderedPriorityQueue"
DOWNLOAD_DELAY = 1.0
DOWNLOAD_DELAY_JITTER = 0.5
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
DOWNLOAD_TIMEOUT = 30
# items/requests of one response are handled by this many asyncio tasks; our pipelines are synchronous,
# so Scrapy's default 100 only costs ~100 task creations per response (~15% of crawl CPU on loopback)
CONCURRENT_ITEMS = 8
DOWNLOAD_MAXSIZE = 64 * 1024 * 1024
DOWNLOAD_WARNSIZE = 16 * 1024 * 1024

# retries: 5xx and timeouts, exponential backoff (crawlers.middlewares.BackoffRetryMiddleware)
RETRY_ENABLED = True
RETRY_TIMES = 3
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
OGI_RETRY_BACKOFF_BASE = 2.0     # seconds; attempt n waits base * 2**(n-1)
OGI_RETRY_BACKOFF_MAX = 60.0

# caps against traps (crawlers.middlewares.SafetyMiddleware / the spider)
OGI_MAX_DEPTH = 10               # link hops from a start URL (pagination does not count)
OGI_MAX_PAGES_PER_PORTAL = 2000  # requests per portal (the national nightly's per-portal budget, above)
OGI_MAX_QUERY_VARIANTS = 25      # distinct query strings per path (calendars, endless ?page=)
OGI_MAX_URL_LENGTH = 512
OGI_DNS_TIMEOUT = 5.0            # seconds to resolve a host before refusing it (names resolving to
                                 # private/loopback addresses are refused: crawlers.urls.destination_problem)
OGI_MAX_PAGES_OUTSIDE_COLUMN = 10  # listing pages read from a list that is not a report column (通知公告)
OGI_STATS_PATH = None            # default: <first feed URI>.stats.json
# hand-over to the flows (flows.shard sets these): the report pages the crawl fetched are stored in the
# raw store of this data directory (flows.rawstore), so the download after the crawl does not fetch them again
OGI_RAW_STORE = None             # a data directory, or None: nothing is stored
OGI_RAW_STORE_MAX_BYTES = None   # the downloader's size cap (default parsers.safety.MAX_DOCUMENT_BYTES)

# robots.txt Crawl-delay is a per-host minimum delay (crawlers.politeness), when politeness is on
OGI_OBEY_CRAWL_DELAY = True
OGI_MAX_CRAWL_DELAY = 60.0       # seconds: a larger Crawl-delay is capped to this

DOWNLOADER_MIDDLEWARES = {
    "crawlers.middlewares.SafetyMiddleware": 50,  # before robots.txt: never even ask a forbidden host
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "crawlers.politeness.CrawlDelayRobotsTxtMiddleware": 100,
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "crawlers.middlewares.BackoffRetryMiddleware": 550,
    "crawlers.middlewares.EncodingFixMiddleware": 560,
    "scrapy.downloadermiddlewares.offsite.OffsiteMiddleware": None,
}
EXTENSIONS = {
    "scrapy.extensions.throttle.AutoThrottle": None,
    "crawlers.politeness.CrawlDelayAutoThrottle": 0,
    "crawlers.lifeline.ParentLifeline": 0,   # a crawl started by a flow ends with it
}
SPIDER_MIDDLEWARES = {
    "scrapy.spidermiddlewares.depth.DepthMiddleware": None,   # depth is ours: pagination is free
    # a development aid (warns once about meta copied from a response): one more async-generator layer
    # around every request and item of every page
    "scrapy.spidermiddlewares.metacopy.MetaCopyDetectionMiddleware": None,
    # nearest the spider: a request already yielded is dropped before Scrapy carries it to the duplicate
    # filter (~80% of the links of a page were seen on another page)
    "crawlers.dedup.EmittedRequestFilter": 1100,
}
ITEM_PIPELINES = {
    "crawlers.pipelines.ValidationPipeline": 100,
    "crawlers.pipelines.TwinFoldingPipeline": 200,
    "crawlers.pipelines.RawStoreHandoverPipeline": 300,   # after twin folding: only the reports kept
    "crawlers.pipelines.PortalStatsPipeline": 900,
}

HTTPERROR_ALLOWED_CODES = []
REDIRECT_ENABLED = True
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False
LOG_LEVEL = "INFO"
FEED_EXPORT_ENCODING = "utf-8"
REQUEST_FINGERPRINTER_IMPLEMENTATION = "2.7"
# the same fingerprints, memoised by URL instead of per Request object (crawlers.dedup)
REQUEST_FINGERPRINTER_CLASS = "crawlers.dedup.CachedRequestFingerprinter"
DNS_TIMEOUT = 20
# connections use the resolution the SafetyMiddleware vetted (no second, re-bindable lookup)
TWISTED_DNS_RESOLVER = "crawlers.resolver.VettedResolver"

# what `ogi crawl --fast`, the tests and the benchmark use on loopback
FAST_SETTINGS = {
    "AUTOTHROTTLE_ENABLED": "False",
    "DOWNLOAD_DELAY": "0",
    "OGI_OBEY_CRAWL_DELAY": "False",
    "CONCURRENT_REQUESTS_PER_DOMAIN": "16",
    "OGI_RETRY_BACKOFF_BASE": "0.05",
    "DOWNLOAD_TIMEOUT": "10",
    "LOG_LEVEL": "WARNING",
}

# Scrapy re-parses the source of every bound-method callback to warn about `return value` in
# generators (its cache is keyed by the bound method, so it never hits): ~3 ms per response.
WARN_ON_GENERATOR_RETURN_VALUE = False
