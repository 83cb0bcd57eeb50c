"""Hanweb (大汉) jpage: the first records sit inside `<script type="text/xml"><datastore>…` as
CDATA `<record>`s; later ones come from a POST to `/module/web/jpage/dataproxy.jsp?startrecord=&
endrecord=&perpage=` with the column's form fields, answering XML. Static `index_1.html` is a 404
on Hanweb, so it is never guessed.

Intensive-platform columns (Zhejiang, Hubei …) carry no records at all: the jpage call names its
`proxyUrl` (often `/module/jpage/dataproxy.jsp`) and the form fields in a `param: {…}` object, and
every record comes from that endpoint. Newer columns render their records server-side and page by
`index.html?uid=<list id>&pageNum=N` (the pager is drawn by script from `totalPage`/`共N页`)."""
from __future__ import annotations

import html
import re
from urllib.parse import parse_qsl, urlsplit

import scrapy
from parsel import Selector

from crawlers.spiders.base.numbered import page_count
from crawlers.spiders.base.pageno import _with_param

_RECORD = re.compile(r"<record>\s*<!\[CDATA\[(.*?)\]\]>\s*</record>", re.DOTALL)
_FIELD = re.compile(r"\b(col|appid|webid|path|columnid|sourceContentType|unitid|webname|permissiontype)\s*:\s*"
                    r"['\"]?([^,'\"}]*)['\"]?")
_TOTAL = re.compile(r"totalRecord\s*[:=]\s*['\"]?(\d+)|<totalrecord>(\d+)</totalrecord>", re.IGNORECASE)
_PERPAGE = re.compile(r"perPage\s*[:=]\s*['\"]?(\d+)", re.IGNORECASE)
_NEXTGROUP = re.compile(r"<nextgroup>\s*<!\[CDATA\[.*?href=['\"]([^'\"]*dataproxy\.jsp\?[^'\"]*)", re.DOTALL | re.IGNORECASE)
FORM_FIELDS = ("col", "appid", "webid", "path", "columnid", "sourceContentType", "unitid", "webname", "permissiontype")
DATAPROXY = "/module/web/jpage/dataproxy.jsp"
_PROXY_URL = re.compile(r"""proxyUrl\s*:\s*['"]([^'"]*dataproxy\.jsp)['"]""", re.IGNORECASE)
_COLUMN_PATH = re.compile(r"/col/col(\d+)/")
_UID = re.compile(r"""[?&]uid=(\d+)|\buid\s*[:=]\s*['"]?(\d+)""")
MAX_PAGES = 500


def records(text: str) -> list[Selector]:
    return [Selector(text=r) for r in _RECORD.findall(text)]


class HanwebBase:
    def detect_hanweb(self, response) -> bool:
        text = response.text
        if "<datastore>" in text and "<record>" in text:
            return True
        # an intensive-platform column: no records in the page, only the jpage call and its proxy
        return "dataproxy.jsp" in text and "jpage" in text

    def detect_hanwebpagenum(self, response) -> bool:
        """`/col/col<id>/index.html?uid=&pageNum=N` columns (records in the HTML, pager by script)."""
        text = response.text
        return bool(_COLUMN_PATH.search(response.url)) and "pageNum" in text and bool(_UID.search(text)) \
            and page_count(text) is not None

    def paginate_hanwebpagenum(self, response):
        m = _UID.search(response.text)
        uid = m.group(1) or m.group(2)
        base = _with_param(response.url.split("?", 1)[0], "uid", uid)
        for n in range(1, min(page_count(response.text) or 1, MAX_PAGES) + 1):
            yield self.listing_request(_with_param(base, "pageNum", n), response, pagination=True)

    def hanweb_form(self, text: str, url: str = "") -> dict[str, str]:
        """The POST fields: from the `<nextgroup>` link's query (real Hanweb pages) or a JS object;
        the column id from the `/col/col<id>/` URL when the page names none."""
        form = {k: v.strip() for k, v in _FIELD.findall(text)}
        m = _NEXTGROUP.search(text)
        if m:
            query = dict(parse_qsl(urlsplit(html.unescape(m.group(1))).query))
            form.update({k: v for k, v in query.items() if k in FORM_FIELDS})
        if "columnid" not in form:
            m = _COLUMN_PATH.search(url)
            if m:
                form["columnid"] = m.group(1)
        form.setdefault("col", "1")
        form.setdefault("appid", "1")
        form.setdefault("path", "/")
        form.setdefault("sourceContentType", "1")
        form.setdefault("permissiontype", "0")
        return form

    def paginate_hanweb(self, response):
        for rec in records(response.text):
            yield from self.follow_links(rec, response)
        form = self.hanweb_form(response.text, response.url)
        if "columnid" not in form:
            return
        shown = len(records(response.text))
        m = _TOTAL.search(response.text)
        total = int(m.group(1) or m.group(2)) if m else None
        perpage = int(_PERPAGE.search(response.text).group(1)) if _PERPAGE.search(response.text) else 15
        if total is not None and total <= shown:
            return
        m = _PROXY_URL.search(response.text)
        proxy = m.group(1) if m else DATAPROXY
        yield from self.hanweb_requests(response, form, perpage, 1, total or perpage * 3, proxy=proxy)

    def hanweb_requests(self, response, form, perpage, start, total, *, proxy: str = DATAPROXY):
        step = perpage * 3
        total = min(total, perpage * MAX_PAGES)   # a bogus totalrecord must not flood the portal
        for s in range(start, total + 1, step):
            url = response.urljoin(f"{proxy}?startrecord={s}&endrecord={min(s + step - 1, total)}&perpage={perpage}")
            req = scrapy.FormRequest(url, formdata=form, callback=self.parse_hanweb_xml,
                                     errback=self.on_error, meta=self.child_meta(response, pagination=True))
            req.meta.update(ogi_form=form, ogi_perpage=perpage, ogi_total_known=total is not None and start > 1,
                            ogi_proxy=proxy)
            yield req

    def parse_hanweb_xml(self, response):
        self.count_page(response)
        for rec in records(response.text):
            yield from self.follow_links(rec, response)
        m = _TOTAL.search(response.text)
        if m and not response.meta.get("ogi_total_known"):
            total = int(m.group(1) or m.group(2))
            perpage = response.meta["ogi_perpage"]
            if total > perpage * 3:
                yield from self.hanweb_requests(response, response.meta["ogi_form"], perpage, perpage * 3 + 1, total,
                                                proxy=response.meta.get("ogi_proxy", DATAPROXY))
