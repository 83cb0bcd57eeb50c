"""Inner Mongolia cluster (兴安盟 …): articles `/<site>/YYYY-MM/DD/article_<timestamp id>.html`;
a column is paged `?page=N` (1-based) from its bare URL, the count in `共N页` / `pageCount` and a
下一页 anchor — so the first page carries no `page` parameter to start from."""
from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlsplit

from crawlers.pages import hrefs as page_hrefs
from crawlers.spiders.base.numbered import page_count
from crawlers.spiders.base.pageno import _with_param

_ARTICLE = re.compile(r"/\d{4}-\d{2}/\d{2}/article_\d{10,}\.html$")
MAX_PAGES = 500


class InnerMongoliaArticleBase:
    def detect_nmarticle(self, response) -> bool:
        if "article_" not in response.text:   # cheap gate: detection runs on every page
            return False
        hrefs = page_hrefs(response)
        return any(_ARTICLE.search(h) for h in hrefs) and (
            page_count(response.text) is not None or any("?page=" in h for h in hrefs))

    def paginate_nmarticle(self, response):
        last = page_count(response.text) or 1
        for href in page_hrefs(response):
            query = dict(parse_qsl(urlsplit(href).query))
            if query.get("page", "").isdigit():
                last = max(last, int(query["page"]))
        base = response.url
        for n in range(2, min(last, MAX_PAGES) + 1):
            yield self.listing_request(_with_param(base, "page", n), response, pagination=True)
