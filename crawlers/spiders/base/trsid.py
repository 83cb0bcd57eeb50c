"""TRS id listings (Guangxi, Haikou, Jiangxi clusters): articles `…/t<id>.shtml`; the listing
announces its size only by `var countPage = N` (the pager script lives in a shared file, so there
is no createPageHTML call in the page): `index.shtml`, then `index_1.shtml` … `index_{N-1}.shtml`."""
from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

from crawlers.pages import hrefs as page_hrefs

_COUNT_PAGE = re.compile(r"\bcountPage\s*=\s*(\d{1,4})")
_INDEX = re.compile(r"(?:^|/)(index)(?:_\d{1,4})?\.(s?html?)$")
_ARTICLE = re.compile(r"/t\d{5,}\.s?html?$")
MAX_PAGES = 500


class TRSIdBase:
    def detect_trsid(self, response) -> bool:
        text = response.text
        if "createPageHTML" in text or not _COUNT_PAGE.search(text):
            return False
        path = urlsplit(response.url).path
        return path.endswith("/") or bool(_INDEX.search(path))

    def paginate_trsid(self, response):
        count = min(int(_COUNT_PAGE.search(response.text).group(1)), MAX_PAGES)
        path = urlsplit(response.url).path
        m = _INDEX.search(path)
        if m:
            ext = m.group(2)
        else:   # a directory URL: the extension its article links use, else .shtml
            exts = [h.rsplit(".", 1)[-1] for h in page_hrefs(response) if _ARTICLE.search(h)]
            ext = exts[0] if exts else "shtml"
        folder = response.urljoin(path.rsplit("/", 1)[0] + "/")
        yield self.listing_request(urljoin(folder, f"index.{ext}"), response, pagination=True)
        for k in range(1, count):
            yield self.listing_request(urljoin(folder, f"index_{k}.{ext}"), response, pagination=True)
