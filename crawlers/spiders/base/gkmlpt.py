"""Guangdong 集约化 gkmlpt: `/gkmlpt/index` is a JS app; the data come from
`GET /gkmlpt/api/all/<categoryId>?page=<n>&sid=<siteId>` -> `{"total":N,"articles":[{"title","url"|"post_url",…}]}`.
The site id is `SID: '755031'` in the page script, the categories are the `#<id>` links of the tree.
Every category is listed except finance/statistics ones (预决算, 统计 …): reports also get filed
under 通知公告, and the API only returns titles, so listing a category costs one small request."""
from __future__ import annotations

import json
import math
import re

import scrapy

from crawlers.recognition import squash
from crawlers.urls import canonicalize

_SKIP_CATEGORY = re.compile(r"预算|决算|三公|统计|招标|采购|人事|招聘|价格|征收")
_SID = re.compile(r"\bSID\s*[:=]\s*['\"]?(\d+)")


class GkmlptBase:
    def detect_gkmlpt(self, response) -> bool:
        return "/gkmlpt/" in response.url and bool(_SID.search(response.text))

    def paginate_gkmlpt(self, response):
        sid = _SID.search(response.text).group(1)
        seen = set()
        cat = response.meta.get("ogi_gkmlpt_cat")   # from a start URL or link like /gkmlpt/index#2811
        if cat:
            seen.add(cat)
            yield self.gkmlpt_request(response, cat, sid, 1)
        for a in response.xpath("//a[contains(@href,'#')]"):
            m = re.search(r"#(\d+)$", a.attrib.get("href", ""))
            name = squash(" ".join(a.xpath(".//text()").getall()))
            if not m or m.group(1) in seen or _SKIP_CATEGORY.search(name):
                continue
            seen.add(m.group(1))
            self.__dict__.setdefault("_gkmlpt_seen", set()).add((canonicalize(response.url), m.group(1)))
            yield self.gkmlpt_request(response, m.group(1), sid, 1)

    def gkmlpt_index_request(self, url: str, response=None, meta: dict | None = None):
        """A link to `/gkmlpt/index#<cat>`: the category lives in the fragment, which canonical URLs drop,
        so the index is fetched once per category (deduplicated here, not by Scrapy)."""
        m = re.search(r"/gkmlpt/[^#]*#(\d+)$", url)
        if not m:
            return None
        base = canonicalize(url.split("#", 1)[0])
        done = self.__dict__.setdefault("_gkmlpt_seen", set())
        if (base, m.group(1)) in done:
            return None
        done.add((base, m.group(1)))
        meta = dict(meta if meta is not None else self.child_meta(response, ctx="column"))
        meta["ogi_gkmlpt_cat"] = m.group(1)
        return scrapy.Request(base, callback=self.parse, errback=self.on_error, meta=meta,
                              dont_filter=True, priority=6)

    def gkmlpt_request(self, response, cat, sid, page):
        url = response.urljoin(f"/gkmlpt/api/all/{cat}?page={page}&sid={sid}")
        req = scrapy.Request(url, callback=self.parse_gkmlpt_api, errback=self.on_error,
                             meta=self.child_meta(response, pagination=True))
        req.meta.update(ogi_cat=cat, ogi_sid=sid, ogi_page=page)
        return req

    def parse_gkmlpt_api(self, response):
        self.count_page(response)
        try:
            data = json.loads(response.text)
        except ValueError:
            self.count_error(response, "bad gkmlpt JSON")
            return
        articles = data.get("articles") or data.get("data") or []
        for art in articles:
            url = art.get("url") or art.get("post_url")
            if url:
                yield from self.consider_link(response.urljoin(url), squash(art.get("title", "")), response)
        if response.meta["ogi_page"] == 1 and articles:
            pages = math.ceil(int(data.get("total", 0)) / len(articles))
            for page in range(2, min(pages, 500) + 1):
                yield self.gkmlpt_request(response, response.meta["ogi_cat"], response.meta["ogi_sid"], page)
