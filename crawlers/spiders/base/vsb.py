"""VSB / 博达: column page `<col>.htm`, older pages `<col>/<N>.htm` with N DESCENDING (the highest
number is the second page, `1.htm` the last). Articles at `/info/<col>/<id>.htm`."""
from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

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
                   for h in response.xpath("//a/@href").getall())

    def paginate_vsb(self, response):
        prefix = self._vsb_prefix(response.url)
        highest = 0
        for href in response.xpath("//a/@href").getall():
            path = urlsplit(urljoin(response.url, href)).path
            m = _NUM.search(path)
            if m and path.startswith(prefix):
                highest = max(highest, int(m.group(1)))
        base = response.urljoin(prefix)
        for n in range(min(highest, 500), 0, -1):
            yield self.listing_request(urljoin(base, f"{n}.htm"), response, pagination=True)
