"""Hanweb (大汉) jpage: the first records sit inside `<script type="text/xml"><datastore>…` as
CDATA `<record>`s; later ones come from a POST to `/module/web/jpage/dataproxy.jsp?startrecord=&
endrecord=&perpage=` with the column's form fields, answering XML. Static `index_1.html` is a 404
on Hanweb, so it is never guessed."""
from __future__ import annotations

import html
import re
from urllib.parse import parse_qsl, urlsplit

import scrapy
from parsel import Selector

_RECORD = re.compile(r"<record>\s*<!\[CDATA\[(.*?)\]\]>\s*</record>", re.DOTALL)
_FIELD = re.compile(r"\b(col|appid|webid|path|columnid|sourceContentType|unitid|webname|permissiontype)\s*:\s*"
                    r"['\"]?([^,'\"}]*)['\"]?")
_TOTAL = re.compile(r"totalRecord\s*[:=]\s*['\"]?(\d+)|<totalrecord>(\d+)</totalrecord>", re.IGNORECASE)
_PERPAGE = re.compile(r"perPage\s*[:=]\s*['\"]?(\d+)", re.IGNORECASE)
_NEXTGROUP = re.compile(r"<nextgroup>\s*<!\[CDATA\[.*?href=['\"]([^'\"]*dataproxy\.jsp\?[^'\"]*)", re.DOTALL | re.IGNORECASE)
FORM_FIELDS = ("col", "appid", "webid", "path", "columnid", "sourceContentType", "unitid", "webname", "permissiontype")
DATAPROXY = "/module/web/jpage/dataproxy.jsp"


def records(text: str) -> list[Selector]:
    return [Selector(text=r) for r in _RECORD.findall(text)]


class HanwebBase:
    def detect_hanweb(self, response) -> bool:
        return "<datastore>" in response.text and "<record>" in response.text

    def hanweb_form(self, text: str) -> dict[str, str]:
        """The POST fields: from the `<nextgroup>` link's query (real Hanweb pages) or a JS object."""
        form = {k: v.strip() for k, v in _FIELD.findall(text)}
        m = _NEXTGROUP.search(text)
        if m:
            query = dict(parse_qsl(urlsplit(html.unescape(m.group(1))).query))
            form.update({k: v for k, v in query.items() if k in FORM_FIELDS})
        form.setdefault("col", "1")
        form.setdefault("appid", "1")
        form.setdefault("path", "/")
        form.setdefault("sourceContentType", "1")
        form.setdefault("permissiontype", "0")
        return form

    def paginate_hanweb(self, response):
        for rec in records(response.text):
            yield from self.follow_links(rec, response)
        form = self.hanweb_form(response.text)
        if "columnid" not in form:
            return
        shown = len(records(response.text))
        m = _TOTAL.search(response.text)
        total = int(m.group(1) or m.group(2)) if m else None
        perpage = int(_PERPAGE.search(response.text).group(1)) if _PERPAGE.search(response.text) else 15
        if total is not None and total <= shown:
            return
        yield from self.hanweb_requests(response, form, perpage, 1, total or perpage * 3)

    def hanweb_requests(self, response, form, perpage, start, total):
        step = perpage * 3
        for s in range(start, total + 1, step):
            url = response.urljoin(f"{DATAPROXY}?startrecord={s}&endrecord={min(s + step - 1, total)}&perpage={perpage}")
            req = scrapy.FormRequest(url, formdata=form, callback=self.parse_hanweb_xml,
                                     errback=self.on_error, meta=self.child_meta(response, pagination=True))
            req.meta.update(ogi_form=form, ogi_perpage=perpage, ogi_total_known=total is not None and start > 1)
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
                yield from self.hanweb_requests(response, response.meta["ogi_form"], perpage, perpage * 3 + 1, total)
