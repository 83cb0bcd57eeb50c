"""Guangdong intensive-platform column listings (集约化, outside gkmlpt): articles at
`…/<column>/content/post_<id>.html`; the column is `index.html`, then `index_2.html`, `index_3.html` …
(1-based: unlike TRS, `index_1` does not exist). The pager shows only 下一页/尾页 anchors and
`共N页`, so every page up to the last is computed."""
from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

from crawlers.pages import hrefs as page_hrefs
from crawlers.spiders.base.numbered import page_count

_POST = re.compile(r"(?:^|/)content/post_\d+\.html")
_INDEX = re.compile(r"(?:^|/)index(?:_(\d{1,4}))?\.html$")
MAX_PAGES = 500


def _column_dir(url: str) -> str | None:
    path = urlsplit(url).path
    if path.endswith("/"):
        return path
    if _INDEX.search(path):
        return path.rsplit("/", 1)[0] + "/"
    return None


class GuangdongColumnBase:
    def detect_gdcolumn(self, response) -> bool:
        if _column_dir(response.url) is None or "post_" not in response.text or "createPageHTML" in response.text:
            return False
        return any(_POST.search(h) for h in page_hrefs(response))

    def paginate_gdcolumn(self, response):
        folder = _column_dir(response.url)
        last = page_count(response.text) or 1
        for href in page_hrefs(response):
            path = urlsplit(urljoin(response.url, href)).path
            m = _INDEX.search(path)
            if m and m.group(1) and path.rsplit("/", 1)[0] + "/" == folder:
                last = max(last, int(m.group(1)))
        base = response.urljoin(folder)
        for k in range(2, min(last, MAX_PAGES) + 1):
            yield self.listing_request(urljoin(base, f"index_{k}.html"), response, pagination=True)
