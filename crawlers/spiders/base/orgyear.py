"""Organisation × year platforms: no list of reports at all, one generated view per organisation
and year, chosen from a selector. Every organisation and every year the selector offers is
enumerated — bounded: years only from 2008 (the Regulations) to next year, each view requested
once, and at most `OGI_MAX_SELECTOR_VIEWS` views per portal (a selector reproduced on every view,
or offering one more organisation or year on each, cannot loop).

* Anhui 政务公开 platform (`Xxgknb`, `XxgkAnnualReport`, `OpennessAnnualReport`): an organisation
  `<select>` and a year `<select>`; the view URL is concatenated in script
  (`"/OpennessAnnualReport/year/show/" + organ + "/" + year + ".html"`) or is a GET `<form>`.
* Kaipu (开普云) public platform (Sichuan, Anhui): `/public/column/<col>?type=4&action=list&nav=…`,
  an organisation tree of such column links and a year bar; one organisation's report for a year is
  `…&timeFrame=YYYY&hasContent=true`.
"""
from __future__ import annotations

import re
from datetime import date
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

import scrapy

from crawlers.pages import anchor_text
from crawlers.recognition import squash
from crawlers.spiders.base.pageno import _with_param
from crawlers.urls import canonicalize

FIRST_YEAR = 2008
_YEAR = re.compile(r"^(?:19|20)\d{2}$")
_YEARISH = re.compile(r"^(?:19|20|21)\d{2}$")   # what a year drop-down holds (bounded by offered_years)
_ANHUI = re.compile(r"Xxgknb|XxgkAnnualReport|OpennessAnnualReport", re.IGNORECASE)
# "<literal>" + <expr> + "<literal>" + <expr> + "<literal>"
_CONCAT = (re.compile(r"""(["'])(/[^"'\s]*)\1\s*\+\s*([^+;]+?)\s*\+\s*(["'])([^"']*)\4\s*\+\s*([^+;]+?)"""
                      r"""\s*\+\s*(["'])([^"']*)\7"""),          # … + "suffix"
           re.compile(r"""(["'])(/[^"'\s]*)\1\s*\+\s*([^+;]+?)\s*\+\s*(["'])([^"']*)\4\s*\+\s*([^+;]+?)"""
                      r"""()()\s*[;\n]"""))
_KAIPU_YEAR = re.compile(r"""timeFrame=((?:19|20)\d{2})|data-year=["']((?:19|20)\d{2})|"""
                         r"""(?:changeYear|selectYear|setYear)\(\s*['"]?((?:19|20)\d{2})""")
_KAIPU_COLUMN = re.compile(r"^/public/column/\d+$")


def offered_years(values) -> list[int]:
    """The years a selector offers, bounded to the years reports can exist for, newest first."""
    last = date.today().year + 1
    years = {int(v) for v in values if _YEAR.match(str(v).strip()) and FIRST_YEAR <= int(v) <= last}
    return sorted(years, reverse=True)


def _select_options(select) -> list[tuple[str, str]]:
    out = []
    for opt in select.xpath(".//option"):
        value = (opt.attrib.get("value") or "").strip()
        if value:
            out.append((value, squash(" ".join(opt.xpath(".//text()").getall()))))
    return out


class OrgYearBase:
    def view_request(self, url: str, org: str, year: int, response) -> scrapy.Request | None:
        """A generated view, fetched as a report candidate (a view nobody filled in is judged and
        dropped); None when already requested or when the portal's view budget is spent."""
        pid = response.meta["portal"]
        seen = self.__dict__.setdefault("_selector_views", {}).setdefault(pid, set())
        url = canonicalize(url)
        if url in seen:
            return None
        if len(seen) >= self.crawler.settings.getint("OGI_MAX_SELECTOR_VIEWS", 1500):
            self.crawler.stats.inc_value(f"ogi/selector_capped/{pid}")
            return None
        seen.add(url)
        self.crawler.stats.inc_value(f"ogi/selector_views/{pid}")
        return scrapy.Request(url, callback=self.parse, errback=self.on_error, priority=20,
                              meta=self.child_meta(response, ctx="column", ogi_candidate=True,
                                                   ogi_listing=canonicalize(response.url), ogi_org=org,
                                                   ogi_view_year=year))

    def _views(self, response, orgs, years, build):
        for org, name in orgs:
            for year in years:
                req = self.view_request(urljoin(response.url, build(org, year)), name, year, response)
                if req is not None:
                    yield req

    # -- Anhui ----------------------------------------------------------------------------------
    def _anhui_selects(self, response):
        years, orgs = None, None
        for sel in response.xpath("//select"):
            options = _select_options(sel)
            if not options:
                continue
            if sum(1 for v, _ in options if _YEARISH.match(v)) >= 0.8 * len(options):
                years = (sel, options)
            elif orgs is None:
                orgs = (sel, options)
        return years, orgs

    def detect_anhui(self, response) -> bool:
        if not (_ANHUI.search(response.url) or _ANHUI.search(response.text)):
            return False
        years, orgs = self._anhui_selects(response)
        return years is not None and orgs is not None

    def paginate_anhui(self, response):
        (ysel, yopts), (osel, oopts) = self._anhui_selects(response)
        names = lambda sel: {n for n in (sel.attrib.get("id"), sel.attrib.get("name")) if n}  # noqa: E731
        years = offered_years(v for v, _ in yopts)
        build = None
        for m in (m for pattern in _CONCAT for m in pattern.finditer(response.text)):
            prefix, a, mid, b, suffix = m.group(2), m.group(3), m.group(5), m.group(6), m.group(8) or ""
            refers = lambda expr, sel: any(re.search(rf"\b{re.escape(n)}\b", expr) for n in names(sel))  # noqa: E731
            if refers(a, osel) and refers(b, ysel):
                build = lambda org, year, p=prefix, mi=mid, s=suffix: f"{p}{org}{mi}{year}{s}"  # noqa: E731
            elif refers(a, ysel) and refers(b, osel):
                build = lambda org, year, p=prefix, mi=mid, s=suffix: f"{p}{year}{mi}{org}{s}"  # noqa: E731
            if build:
                break
        if build is None:   # a GET form holding both selects
            form = osel.xpath("ancestor::form[1]")
            if not form or not osel.attrib.get("name") or not ysel.attrib.get("name"):
                return
            action = form[0].attrib.get("action") or response.url
            def build(org, year, action=action, on=osel.attrib["name"], yn=ysel.attrib["name"]):
                return f"{action.split('?', 1)[0]}?{urlencode({on: org, yn: year})}"
        yield from self._views(response, oopts, years, build)

    # -- Kaipu ----------------------------------------------------------------------------------
    def detect_kaipu(self, response) -> bool:
        return urlsplit(response.url).path.startswith("/public/column/") and "timeFrame" in response.text

    def paginate_kaipu(self, response):
        years = offered_years(next(g for g in m.groups() if g) for m in _KAIPU_YEAR.finditer(response.text))
        here = urlsplit(response.url)
        query = {k: v for k, v in parse_qsl(here.query) if k not in ("timeFrame", "hasContent")}
        orgs: dict[str, str] = {}
        tree = response.xpath("//*[contains(@class,'tree') or contains(@id,'tree') or contains(@class,'organ')]//a[@href]")
        for a in tree or response.xpath("//a[@href]"):
            url = urljoin(response.url, a.attrib["href"])
            if _KAIPU_COLUMN.match(urlsplit(url).path):
                orgs.setdefault(urlsplit(url).path, anchor_text(a))
        orgs.setdefault(here.path, "")
        def build(path, year):
            url = response.urljoin(path) + "?" + urlencode(query)
            return _with_param(_with_param(url, "timeFrame", year), "hasContent", "true")
        yield from self._views(response, list(orgs.items()), years, build)
