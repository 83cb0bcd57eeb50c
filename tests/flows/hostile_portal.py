"""An imitation county portal whose report column mixes good reports with the hostile and broken
files of tests/hostile/generate.py, and with HTTP-level failures — for the pipeline-level test
(tests/flows/test_hostile_pipeline.py).

Every listing entry is a link the crawler must judge a report (its words say 政府信息公开工作年度报告),
each under its own agency so no two fold into one. A `Case` says how it is served —

    page        the report page itself is the hostile body (deep nesting, gzip without
                Content-Encoding, a bot challenge …)
    attachment  an ordinary page that says 详见附件 and links the hostile file
    direct      the listing links straight to the hostile file
    http        a page or an attachment that fails at the HTTP level (500, 404, timeout,
                redirect loop, empty body)

— and what must come of it: the source's cells (`seed`), or a failed report and document whose
error names the cause (`cause`). Sizes are the generator's, reduced where it offers a parameter,
so the whole portal is a few MB.
"""
from __future__ import annotations

import gzip
from dataclasses import dataclass, field
from functools import lru_cache

from ogi.demo.portals import new_portal, report
from ogi.demo.reports import load_source
from ogi.demo.site import Page, Site, chrome, esc, published_at, ul_list
from tests.hostile import generate as g

PORTAL_ID = "hostile-county"
COUNTY = "示范县"
COLUMN = "/zfxxgk/nb/"
SLOW_S = 8.0          # the slow attachment answers after this long …
TIMEOUT_S = 4.0       # … past the downloader's timeout in this test (politeness timeout_s)

# every case under its own agency (twin folding keys on title + agency)
AGENCIES = ["教育局", "财政局", "民政局", "公安局", "司法局", "人力资源和社会保障局", "自然资源局",
            "生态环境局", "住房和城乡建设局", "交通运输局", "水利局", "农业农村局", "商务局", "文化和旅游局",
            "卫生健康局", "退役军人事务局", "应急管理局", "审计局", "市场监督管理局", "统计局", "医疗保障局",
            "林业局", "信访局", "行政审批局", "城市管理局", "发展和改革局", "工业和信息化局", "科学技术局",
            "档案馆", "供销合作社", "地方金融监督管理局", "数据资源管理局"]

HTML = "text/html; charset=utf-8"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass
class Case:
    name: str
    how: str                          # page | attachment | direct | http-page | http-attachment
    make: object = None               # () -> bytes of the hostile document (None: an HTTP failure)
    ext: str = "html"                 # file extension of an attachment / direct link
    content_type: str = HTML
    seed: str | None = None           # readable: the truth its cells must match
    cause: tuple[str, ...] = ()       # unreadable: words its recorded error must contain
    status: int = 200
    delay: float = 0.0
    headers: dict = field(default_factory=dict)
    override: dict = field(default_factory=dict)   # {(row, col): value} changed in the applications table
    failed_check: str | None = None   # a check that must fail (scope)
    crawler_error: bool = False       # the crawler itself could not read the judged page (item `error`)
    # filled in by the builder
    agency: str = ""
    title: str = ""
    page_url: str = ""
    file_url: str | None = None       # the attachment or direct file

    @property
    def readable(self) -> bool:
        return self.seed is not None


@lru_cache(maxsize=None)
def seed_document(source_id: str) -> bytes:
    return load_source(source_id).document[1]


SEED_TITLE = f"{g.source().agency}{g.source().year}年政府信息公开工作年度报告"


def retitled(make, title: str, encoding: str = "utf-8"):
    """A generator's report-page builder with the seed's title replaced by the case's own (the
    generator's pages all carry the seed's title; the crawler would fold them into one report)."""
    def build() -> bytes:
        data = make()
        old, new = SEED_TITLE.encode(encoding), title.encode(encoding)
        assert old in data
        return data.replace(old, new)
    return build


def _gzip_page(title: str) -> bytes:
    return gzip.compress(g.report_html().replace(SEED_TITLE, title).encode(), 6)


def _utf16_page(title: str) -> bytes:
    return g.report_html(charset="utf-16").replace(SEED_TITLE, title).encode("utf-16")


CASES: list[Case] = [
    # good reports
    Case("good_html", "good", seed="seed_000"),
    Case("good_html_other_seed", "good", seed="seed_003"),
    Case("good_pdf_attachment", "attachment", lambda: seed_document("seed_001_pdf"), "pdf", "application/pdf",
         seed="seed_001"),
    Case("good_docx_direct", "direct", lambda: seed_document("seed_002_docx"), "docx", DOCX, seed="seed_002"),
    # hostile report pages (the crawler reads them, and so do the parsers)
    Case("deep_font_100k", "page", lambda: g.deep_font_html(100_000), seed="seed_000"),
    Case("deep_div_100k", "page", lambda: g.deep_div_html(100_000), seed="seed_000"),
    Case("span_bomb", "page", lambda: g.span_bomb_html(20_000), seed="seed_000"),
    Case("gbk_labelled_utf8", "page", g.gbk_labelled_utf8, seed="seed_000"),
    Case("utf16", "page", None, content_type="text/html", seed="seed_000"),
    Case("nul_bytes", "page", g.nul_bytes_html, seed="seed_000"),
    Case("gzip_body_no_encoding", "page", None, seed="seed_000"),
    Case("negative_count", "page", lambda: g.counts_html({("new_received", "natural_person"): -6}), seed="seed_000",
         override={("new_received", "natural_person"): -6},
         failed_check="applications.new_received.natural_person"),
    Case("bot_challenge", "page", g.bot_challenge_html, cause=("bot challenge",), crawler_error=True),
    # hostile attachments behind a 详见附件 page
    Case("mht_saved_as_doc", "attachment", g.mht_doc, "doc", "application/msword", seed="seed_000"),
    Case("docx_damaged_central_directory", "attachment",
         lambda: g.damaged_central_directory(seed_document("seed_002_docx")), "docx", DOCX, seed="seed_002"),
    Case("pdf_ftp_ascii", "attachment", lambda: g.ftp_ascii_pdf(seed_document("seed_001_pdf")), "pdf",
         "application/pdf", seed="seed_001"),
    Case("pdf_huge_content_stream", "attachment",
         lambda: g.insert_pages(seed_document("seed_001_pdf"), g.huge_page_pdf(72), at=1), "pdf",
         "application/pdf", seed="seed_001"),
    Case("pdf_300_blank_pages", "attachment", lambda: g.blank_pages_pdf(seed_document("seed_001_pdf"), 300), "pdf",
         "application/pdf", seed="seed_001"),
    Case("pdf_microprint", "attachment", lambda: g.microprint_pdf(seed_document("seed_001_pdf")), "pdf",
         "application/pdf", seed="seed_001"),
    Case("pdf_password", "attachment", g.password_pdf, "pdf", "application/pdf", cause=("password-protected PDF",)),
    Case("pdf_corrupt_streams", "attachment", lambda: g.corrupt_streams_pdf(seed_document("seed_001_pdf")), "pdf",
         "application/pdf", cause=("damaged PDF",)),
    Case("docx_zip_bomb", "attachment", g.zip_bomb_docx, "docx", DOCX, cause=("compression ratio",)),
    # hostile files linked straight from the listing
    Case("docx_entity_bomb", "direct", g.entity_bomb_docx, "docx", DOCX, cause=("entity",)),
    Case("xlsx_40k_rows", "direct", lambda: g.million_row_xlsx(40_000), "xlsx", XLSX, cause=("rows",)),
    Case("png_144_megapixels", "direct", lambda: g.png(12_000, 12_000, rows_to_write=4), "png", "image/png",
         cause=("144 megapixels",)),
    # HTTP-level failures
    Case("attachment_http_500", "http-attachment", ext="pdf", status=500, cause=("HTTP 500",)),
    Case("attachment_timeout", "http-attachment", ext="pdf", delay=SLOW_S, cause=("timeout",)),
    Case("attachment_redirect_loop", "http-attachment", ext="pdf", status=302, cause=("redirect loop",)),
    Case("attachment_empty_body", "http-attachment", ext="pdf", cause=("empty body",)),
    Case("page_http_500", "http-page", status=500, cause=("HTTP 500",), crawler_error=True),
    Case("page_http_404", "http-page", status=404, cause=("HTTP 404",), crawler_error=True),
    Case("page_redirect_loop", "http-page", status=302, cause=("redirect loop",), crawler_error=True),
]
assert len(CASES) <= len(AGENCIES) and len({c.name for c in CASES}) == len(CASES)


def build_hostile_portal(bases: dict[str, str]) -> Site:
    """The portal: home -> 政府信息公开年报 column listing every case (fills in each case's URLs)."""
    s = new_portal(bases, PORTAL_ID, f"{COUNTY}人民政府", "江苏", "county", "320829", COUNTY,
                   disallow=["/search/"], home=[(COLUMN, "政府信息公开年报")])
    items = []
    for n, (case, agency) in enumerate(zip(CASES, AGENCIES), 1):
        case.agency = f"{COUNTY}{agency}"
        case.title = f"{case.agency}2024年政府信息公开工作年度报告"
        date = f"2025-01-{n:02d}"
        path = f"{COLUMN}t202501{n:02d}_{n}.html"
        case.page_url = s.url("www", path)
        _serve(s, case, path, date)
        link = case.file_url if case.how == "direct" else path
        items.append((link, case.title, date))
    s.add_html("www", COLUMN, chrome(s.name, "政府信息公开年报", ul_list(items)))
    return s


def _attachment_page(s: Site, case: Case, path: str, date: str, file_path: str) -> None:
    report(s, "www", path, title=case.title, source="seed_001_pdf", published=date, agency=case.agency,
           attachments_html=f'<p>附件：<a href="{esc(file_path)}">{esc(case.title)}.{case.ext}</a></p>',
           attachments=(s.url("www", file_path),))


def _serve(s: Site, case: Case, path: str, date: str) -> None:
    file_path = f"/attach/{case.name}.{case.ext}"
    if case.how == "good":
        report(s, "www", path, title=case.title, source=case.seed, published=date, agency=case.agency)
    elif case.how == "page":
        if case.name == "gzip_body_no_encoding":
            body = _gzip_page(case.title)
        elif case.name == "utf16":
            body = _utf16_page(case.title)
        elif case.cause:   # not a report page at all (a bot challenge): served as is
            body = case.make()
        else:
            body = retitled(case.make, case.title, "gb18030" if case.name == "gbk_labelled_utf8" else "utf-8")()
        s.add("www", path, Page(body, case.content_type, modified=published_at(date)))
        s.add_report("www", path, case.title, case.seed or "", agency=case.agency, year=2024)
    elif case.how == "attachment":
        s.add("www", file_path, Page(case.make(), case.content_type))
        _attachment_page(s, case, path, date, file_path)
        case.file_url = s.url("www", file_path)
    elif case.how == "direct":
        s.add("www", file_path, Page(case.make(), case.content_type))
        case.file_url = s.url("www", file_path)
        case.page_url = case.file_url
        s.add_report("www", file_path, case.title, case.seed or "", agency=case.agency, year=2024)
    elif case.how == "http-attachment":
        if case.status == 302:   # a -> b -> a
            other = f"/attach/{case.name}-b.{case.ext}"
            s.add("www", file_path, Page(b"", status=302, headers={"Location": other}))
            s.add("www", other, Page(b"", status=302, headers={"Location": file_path}))
        elif case.delay:
            s.add("www", file_path, Page(b"%PDF-1.4\n", "application/pdf", delay=case.delay))
        elif case.status == 200:   # an empty body
            s.add("www", file_path, Page(b"", "application/pdf"))
        else:
            s.add("www", file_path, Page(b"<html><body>500 Internal Server Error</body></html>", HTML,
                                         status=case.status))
        _attachment_page(s, case, path, date, file_path)
        case.file_url = s.url("www", file_path)
    elif case.how == "http-page":
        if case.status == 302:   # a -> b -> a
            other = path.replace(".html", "_b.html")
            s.add("www", path, Page(b"", status=302, headers={"Location": other}))
            s.add("www", other, Page(b"", status=302, headers={"Location": path}))
        elif case.status != 404:   # a 404 is simply a page that is not there
            s.add("www", path, Page(b"<html><body>Internal Server Error</body></html>", HTML, status=case.status))
        s.add_report("www", path, case.title, "", agency=case.agency, year=2024)
    else:
        raise ValueError(case.how)
