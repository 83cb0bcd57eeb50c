"""Shandong (Jinan cluster) 政务公开 sites: `/gongkai/site_<org>/channel_<24 hex>/doc_<24 hex>.html`.
Every organisation has its own `site_<org>` with its own channels; `/gongkai/` lists the sites.
A channel lists its documents page by page as `?page=N` (1-based), the pager drawn by layui
`laypage.render({count: <records>, limit: <per page>, …})` — no page anchors in the HTML."""
from __future__ import annotations

import math
import re
from urllib.parse import urljoin, urlsplit

from crawlers.pages import hrefs as page_hrefs
from crawlers.spiders.base.pageno import _with_param

_LAYPAGE = re.compile(r"laypage\.render\s*\(\s*\{(.*?)\}\s*\)", re.DOTALL)
_KEY = r"\b{key}\s*:\s*['\"]?(\d+)"
_SITE = re.compile(r"^/gongkai/site_[\w-]+/$")
MAX_PAGES = 500
MAX_SITES = 300


class ShandongBase:
    def detect_shandong(self, response) -> bool:
        path = urlsplit(response.url).path
        return path.startswith("/gongkai/") and ("laypage" in response.text or "site_" in response.text)

    def paginate_shandong(self, response):
        path = urlsplit(response.url).path
        if path == "/gongkai/" or path == "/gongkai/index.html":
            # the list of organisation sites: each is an organisation, whatever its name
            sites = []
            for href in page_hrefs(response):
                url = urljoin(response.url, href)
                if _SITE.match(urlsplit(url).path) and url not in sites:
                    sites.append(url)
            for url in sites[:MAX_SITES]:
                req = self.listing_request(url, response)
                req.meta["ogi_ctx"] = ""   # an organisation's site: its own 年报 channel is found by name
                yield req
        m = _LAYPAGE.search(response.text)
        if not m:
            return
        count = re.search(_KEY.format(key="count"), m.group(1))
        limit = re.search(_KEY.format(key="limit"), m.group(1))
        if not count:
            return
        pages = math.ceil(int(count.group(1)) / max(1, int(limit.group(1)) if limit else 10))
        base = response.url.split("?", 1)[0]
        for n in range(1, min(pages, MAX_PAGES) + 1):
            yield self.listing_request(_with_param(base, "page", n), response, pagination=True)
