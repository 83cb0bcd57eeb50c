"""Query-parameter paging: `?pageNo=N` (0- or 1-based), `page`, `cur_page`, `PageIndex`, `curPage`.

The page count comes from `totalPage = K` / `共K页`; the base (0 or 1) from the entry URL (the
link that opened the listing) or a `pageNo=0` anywhere on the page.
"""
from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from crawlers.spiders.base.numbered import page_count

PARAMS = ("pageNo", "pageno", "page", "cur_page", "curPage", "PageIndex", "pageIndex", "currentPage")


def _with_param(url: str, name: str, value: int) -> str:
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != name]
    query.append((name, str(value)))
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), ""))


class QueryPagingBase:
    def _paging_param(self, response) -> str | None:
        query = dict(parse_qsl(urlsplit(response.url).query))
        for name in PARAMS:
            if name in query and query[name].isdigit():
                return name
        return None

    def detect_pageno(self, response) -> bool:
        return self._paging_param(response) is not None and page_count(response.text) is not None

    def paginate_pageno(self, response):
        name = self._paging_param(response)
        count = min(page_count(response.text) or 1, 500)
        current = int(dict(parse_qsl(urlsplit(response.url).query))[name])
        base = response.meta.get("ogi_page_base")
        if base is None:
            base = 0 if (current == 0 or re.search(rf"{name}=0\b", response.text)) else 1
        for k in range(base, base + count):
            req = self.listing_request(_with_param(response.url, name, k), response, pagination=True)
            req.meta["ogi_page_base"] = base
            yield req
