"""Hunan intensive-platform numeric directories (湘阴, 南县, 岳阳 …): columns are nested numeric
directories `/<site>/<column>/<sub-column>/`, articles `…/content_<id>.html`. A column lists its
sub-columns as numeric child directories (named after the body: 县政府办, 某某镇 — followed here
whatever their names, being children of a column) and pages its own list as `index.html`,
`index_2.html` … with the count in `共N页` / `pageCount`."""
from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

from crawlers.pages import hrefs as page_hrefs
from crawlers.spiders.base.numbered import page_count

_NUMERIC_DIR = re.compile(r"^((?:/\d{3,7}){2,})/(?:index(?:_(\d{1,4}))?\.html?)?$")
_CONTENT = re.compile(r"/content_\d+\.html?$")
MAX_PAGES = 500
MAX_CHILDREN = 200


class HunanNumericBase:
    def detect_hunan(self, response) -> bool:
        if not _NUMERIC_DIR.match(urlsplit(response.url).path):
            return False
        hrefs = page_hrefs(response)
        return any(_CONTENT.search(h) or self._hunan_child(response, h) for h in hrefs)

    def _hunan_child(self, response, href: str) -> str | None:
        """The URL of a numeric child directory of this column, or None."""
        here = _NUMERIC_DIR.match(urlsplit(response.url).path).group(1)
        url = urljoin(response.url, href)
        m = _NUMERIC_DIR.match(urlsplit(url).path)
        if not m or not m.group(1).startswith(here + "/") or m.group(1).count("/") != here.count("/") + 1:
            return None
        return url

    def paginate_hunan(self, response):
        m = _NUMERIC_DIR.match(urlsplit(response.url).path)
        folder, ext = m.group(1) + "/", "html"
        for href in page_hrefs(response):
            if re.search(r"index_\d+\.htm$", href):
                ext = "htm"
        if response.meta.get("ogi_ctx") == "column":   # sub-columns of a report column
            children = []
            for a in response.xpath("//a[@href]"):
                child = self._hunan_child(response, a.attrib["href"])
                if child and child not in children:
                    children.append(child)
            for child in children[:MAX_CHILDREN]:
                yield self.listing_request(child, response)
        last = page_count(response.text) or 1
        for k in range(2, min(last, MAX_PAGES) + 1):
            yield self.listing_request(response.urljoin(f"{folder}index_{k}.{ext}"), response, pagination=True)
