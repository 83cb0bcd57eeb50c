"""Plain numbered listing pages `…/1.html`, `2.html` … (Yan'an cluster, Chengdu `column-index-N`).

The page count comes from `pageCount = K` / `totalPage = K` in the script or `共K页` in the text.
"""
from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

_NUMBERED = re.compile(r"^(.*?)(\d{1,3})\.(s?html?)$")
_COUNT = re.compile(r"(?:pageCount|totalPage|countPage|pageTotal|totalpage)\s*[=:]\s*(\d{1,4})|共\s*(\d{1,4})\s*页")


def page_count(text: str) -> int | None:
    for m in _COUNT.finditer(text):
        return int(m.group(1) or m.group(2))
    return None


class NumberedPagesBase:
    def detect_numbered(self, response) -> bool:
        name = urlsplit(response.url).path.rsplit("/", 1)[-1]
        m = _NUMBERED.match(name)
        # `1.html` or `column-index-1.shtml`; not TRS `index_1.html` (that is createPageHTML's)
        return bool(m) and m.group(1)[-1:] in ("", "-") and page_count(response.text) is not None

    def paginate_numbered(self, response):
        name = urlsplit(response.url).path.rsplit("/", 1)[-1]
        m = _NUMBERED.match(name)
        count = page_count(response.text) or 1
        prefix, ext = m.group(1), m.group(3)
        for k in range(1, min(count, 500) + 1):
            yield self.listing_request(urljoin(response.url, f"{prefix}{k}.{ext}"), response, pagination=True)
