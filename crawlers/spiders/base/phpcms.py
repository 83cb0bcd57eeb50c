"""Dynamic PHP CMS (PHPCMS and look-alikes): lists `list.php?catid=<c>&page=N` or
`index.php?m=content&c=index&a=lists&catid=<c>&page=N`, articles `show.php?id=`,
`index.php?c=show&id=` / `a=show`. The pager (`<div id="pages">`) shows `N条` and only the
nearest page numbers, so the last page is computed from the record count and the page size."""
from __future__ import annotations

import math
import re
from urllib.parse import parse_qsl, urlsplit

from crawlers.pages import hrefs as page_hrefs
from crawlers.spiders.base.numbered import page_count
from crawlers.spiders.base.pageno import _with_param

_RECORDS = re.compile(r"(\d{1,6})\s*条")
_SHOW = re.compile(r"(?:show\.php\?|[?&](?:c|a)=show\b)")
MAX_PAGES = 500


def _is_list_url(url: str) -> bool:
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query))
    if "catid" not in query:
        return False
    return parts.path.endswith("/list.php") or (parts.path.endswith("/index.php") and query.get("a") == "lists")


class PhpCmsBase:
    def detect_phpcms(self, response) -> bool:
        return _is_list_url(response.url)

    def paginate_phpcms(self, response):
        hrefs = page_hrefs(response)
        shown = sum(1 for h in dict.fromkeys(hrefs) if _SHOW.search(h))
        last = page_count(response.text) or 1
        pager = " ".join(response.xpath("//div[@id='pages']//text()").getall())
        m = _RECORDS.search(pager)
        first = dict(parse_qsl(urlsplit(response.url).query)).get("page", "1") in ("", "0", "1")
        if m and shown and first:   # the page size is read off a full (first) page
            last = max(last, math.ceil(int(m.group(1)) / shown))
        for href in hrefs:
            query = dict(parse_qsl(urlsplit(href).query))
            if query.get("page", "").isdigit():
                last = max(last, int(query["page"]))
        base = response.url
        for n in range(1, min(last, MAX_PAGES) + 1):
            yield self.listing_request(_with_param(base, "page", n), response, pagination=True)
