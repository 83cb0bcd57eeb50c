"""Platform bases on saved pages (no network)."""
from scrapy.http import HtmlResponse, Request
from scrapy.utils.test import get_crawler

from crawlers.spiders.base.hanweb import records
from crawlers.spiders.base.numbered import page_count
from crawlers.spiders.base.trs import trs_page_names
from crawlers.spiders.portals import PortalsSpider


def test_trs_four_argument_form_zero_based():
    script = 'var countPage = 4;//共多少页\ncreatePageHTML(countPage, 0, "index", "html");'
    assert trs_page_names(script) == ["index.html", "index_1.html", "index_2.html", "index_3.html"]


def test_trs_six_argument_form_one_based():
    script = "createPageHTML('page_div', 3, 1, 'list', 'shtml', 27);"
    assert trs_page_names(script) == ["list.shtml", "list_1.shtml", "list_2.shtml", "list_3.shtml"]


def test_trs_single_page():
    assert trs_page_names('createPageHTML(1, 0, "index", "shtml");') == ["index.shtml"]


def test_page_counts():
    assert page_count("var pageCount = 7;") == 7
    assert page_count("<div>共 12 页</div>") == 12
    assert page_count("no pager") is None


def test_hanweb_records():
    xml = ('<datastore><recordset><record><![CDATA[<li><a href="/art/2023/1/1/art_1_2.html" title="T">T</a></li>]]>'
           '</record><record><![CDATA[<li><a href="/art/2023/1/2/art_1_3.html">U</a></li>]]></record></recordset></datastore>')
    got = [r.xpath("//a/@href").get() for r in records(xml)]
    assert got == ["/art/2023/1/1/art_1_2.html", "/art/2023/1/2/art_1_3.html"]


def _spider(tmp_path):
    reg = tmp_path / "r.csv"
    reg.write_text("portal_id,name,province,level,division_code,start_urls,allowed_hosts\n"
                   "p,示范,浙江,county,330212,http://a.gov.cn/,\n", encoding="utf-8")
    crawler = get_crawler(PortalsSpider)
    return PortalsSpider.from_crawler(crawler, registry=str(reg))


def _response(url, body, **meta):
    req = Request(url, meta={"portal": "p", "ogi_depth": 1, "ogi_ctx": "column", **meta})
    return HtmlResponse(url, body=body.encode("utf-8"), encoding="utf-8", request=req)


def test_vsb_descending_pages(tmp_path):
    spider = _spider(tmp_path)
    body = '<a href="xxgknb/5.htm">下页</a><a href="xxgknb/1.htm">尾页</a>'
    resp = _response("http://a.gov.cn/xxgk/xxgknb.htm", body)
    assert spider.detect_vsb(resp)
    urls = [r.url for r in spider.paginate_vsb(resp)]
    assert urls == [f"http://a.gov.cn/xxgk/xxgknb/{n}.htm" for n in range(5, 0, -1)]


def test_query_paging_zero_based(tmp_path):
    spider = _spider(tmp_path)
    resp = _response("http://a.gov.cn/list.jsp?catid=1&pageNo=0", "<script>var totalPage = 3;</script>")
    assert spider.detect_pageno(resp)
    urls = [r.url for r in spider.paginate_pageno(resp)]
    assert urls == [f"http://a.gov.cn/list.jsp?catid=1&pageNo={n}" for n in range(3)]


def test_query_paging_one_based(tmp_path):
    spider = _spider(tmp_path)
    resp = _response("http://a.gov.cn/list.jsp?pageNo=1&catid=1", "<div>共2页</div>")
    urls = [r.url for r in spider.paginate_pageno(resp)]
    assert urls == [f"http://a.gov.cn/list.jsp?catid=1&pageNo={n}" for n in (1, 2)]


def test_gkmlpt_lists_categories_but_not_finance(tmp_path):
    spider = _spider(tmp_path)
    body = ("<script>var x = {SID: '755031'};</script><a href='/gkmlpt/index#2811'>政府信息公开年报</a>"
            "<a href='/gkmlpt/index#2820'>通知公告</a><a href='/gkmlpt/index#2830'>财政预决算</a>")
    resp = _response("http://a.gov.cn/gkmlpt/index", body)
    assert spider.detect_gkmlpt(resp)
    urls = [r.url for r in spider.paginate_gkmlpt(resp)]
    assert urls == ["http://a.gov.cn/gkmlpt/api/all/2811?page=1&sid=755031",
                    "http://a.gov.cn/gkmlpt/api/all/2820?page=1&sid=755031"]


def test_report_link_to_a_file_becomes_an_item_without_a_fetch(tmp_path):
    spider = _spider(tmp_path)
    resp = _response("http://a.gov.cn/nb/", '<a href="/f/2023.pdf">示范县2023年政府信息公开工作年度报告</a>'
                                             '<a href="/f/x.pdf">政府信息公开指南</a>')
    out = list(spider.follow_links(resp.selector, resp))
    assert len(out) == 1 and out[0]["page_url"] == "http://a.gov.cn/f/2023.pdf"
    assert out[0]["attachment_urls"] == ["http://a.gov.cn/f/2023.pdf"] and out[0]["year"] == 2023


def test_offsite_and_negative_links_are_not_requested(tmp_path):
    spider = _spider(tmp_path)
    resp = _response("http://a.gov.cn/nb/", '<a href="http://mirror.example.com/r.html">示范县2023年政府信息公开工作年度报告</a>'
                                             '<a href="/gzbg.html">示范县2024年政府工作报告</a>'
                                             '<a href="/r.html">示范县2023年政府信息公开工作年度报告</a>')
    out = list(spider.follow_links(resp.selector, resp))
    assert [r.url for r in out] == ["http://a.gov.cn/r.html"]


def test_gkmlpt_category_from_a_start_url_fragment(tmp_path):
    reg = tmp_path / "r.csv"
    reg.write_text("portal_id,name,province,level,division_code,start_urls,allowed_hosts\n"
                   "p,示范,广东,county,440303,http://a.gov.cn/gkmlpt/index#2811,\n", encoding="utf-8")
    crawler = get_crawler(PortalsSpider)
    spider = PortalsSpider.from_crawler(crawler, registry=str(reg))
    import asyncio

    async def first():
        return [r async for r in spider.start()]
    (start,) = asyncio.run(first())
    assert start.url == "http://a.gov.cn/gkmlpt/index" and start.meta["ogi_gkmlpt_cat"] == "2811"
    resp = HtmlResponse(start.url, body=b"<script>SID: '9'</script>", encoding="utf-8", request=start)
    assert [r.url for r in spider.paginate_gkmlpt(resp)] == ["http://a.gov.cn/gkmlpt/api/all/2811?page=1&sid=9"]
