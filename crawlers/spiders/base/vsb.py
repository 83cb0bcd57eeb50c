"""VSB / 博达: column page `<col>.htm`, older pages `<col>/<N>.htm` with N DESCENDING (the highest
number is the second page, `1.htm` the last). Articles at `/info/<col>/<id>.htm`."""
from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

from crawlers.pages import hrefs as page_hrefs

_NUM = re.compile(r"/(\d{1,4})\.htm$")


class VSBBase:
    def _vsb_prefix(self, url: str) -> str | None:
        path = urlsplit(url).path
        if _NUM.search(path):
            return path.rsplit("/", 1)[0] + "/"
        if path.endswith(".htm"):
            return path[:-4] + "/"
        return None

    def detect_vsb(self, response) -> bool:
        prefix = self._vsb_prefix(response.url)
        if not prefix:
            return False
        return any(urlsplit(urljoin(response.url, h)).path.startswith(prefix) and _NUM.search(h)
                   for h in page_hrefs(response))

    def paginate_vsb(self, response):
        prefix = self._vsb_prefix(response.url)
        highest = 0
        for href in page_hrefs(response):
            path = urlsplit(urljoin(response.url, href)).path
            m = _NUM.search(path)
            if m and path.startswith(prefix):
                highest = max(highest, int(m.group(1)))
        base = response.urljoin(prefix)
        for n in range(min(highest, 500), 0, -1):
            yield self.listing_request(urljoin(base, f"{n}.htm"), response, pagination=True)
