"""The allow-list and trap caps, on requests built by hand (no network)."""
import pytest
from scrapy import Request
from scrapy.utils.test import get_crawler

from crawlers.middlewares import ForbiddenRequest, SafetyMiddleware
from crawlers.spiders.portals import PortalsSpider


@pytest.fixture
def mw(tmp_path):
    reg = tmp_path / "r.csv"
    reg.write_text("portal_id,name,province,level,division_code,start_urls,allowed_hosts\n"
                   "p,示范,浙江,county,330212,http://127.0.0.9:8000/,127.0.0.9:8000 www.a.gov.cn\n"
                   "q,示范2,浙江,county,330213,http://www.b.gov.cn/,\n", encoding="utf-8")
    crawler = get_crawler(PortalsSpider, {"OGI_MAX_QUERY_VARIANTS": 3, "OGI_MAX_PAGES_PER_PORTAL": 6})
    crawler.spider = PortalsSpider.from_crawler(crawler, registry=str(reg))
    return SafetyMiddleware.from_crawler(crawler)


def req(url, portal="p"):
    return Request(url, meta={"portal": portal})


def test_registry_hosts_pass(mw):
    assert mw.process_request(req("http://127.0.0.9:8000/x")) is None
    assert mw.process_request(req("http://www.a.gov.cn/x")) is None


@pytest.mark.parametrize("url", ["http://127.0.0.1:8000/", "http://127.0.0.9:8001/", "http://10.0.0.8/zwgk/",
                                 "http://localhost:8000/", "http://192.168.0.1/", "http://www.b.gov.cn/",
                                 "http://evil.example.com/"])
def test_everything_else_is_refused(mw, url):
    with pytest.raises(ForbiddenRequest):
        mw.process_request(req(url))


def test_robots_requests_only_for_registry_hosts(mw):
    assert mw.process_request(Request("http://www.b.gov.cn/robots.txt")) is None
    with pytest.raises(ForbiddenRequest):
        mw.process_request(Request("http://10.1.1.1/robots.txt"))


def test_query_variant_and_page_caps(mw):
    for n in range(3):
        assert mw.process_request(req(f"http://www.a.gov.cn/cal?d={n}")) is None
    with pytest.raises(ForbiddenRequest):
        mw.process_request(req("http://www.a.gov.cn/cal?d=99"))
    assert mw.process_request(req("http://www.a.gov.cn/cal?d=1")) is None   # seen variant: not new
    for n in range(2):
        mw.process_request(req(f"http://www.a.gov.cn/p{n}"))
    with pytest.raises(ForbiddenRequest):
        mw.process_request(req("http://www.a.gov.cn/p-over-cap"))


def test_mis_declared_charsets():
    from crawlers.middlewares import sniff_encoding
    gbk = '<html><head><meta charset="gb2312"></head><body>政府信息公开工作年度报告</body></html>'.encode("gbk")
    utf = "<html><body>政府信息公开工作年度报告</body></html>".encode("utf-8")
    assert sniff_encoding(gbk, "utf-8") == "gb18030"        # utf-8 header over a GBK body
    assert sniff_encoding(gbk, "iso-8859-1") == "gb18030"   # latin-1 error-page header
    assert sniff_encoding(utf, "utf-8") is None              # header right: keep it
    assert sniff_encoding(utf, "iso-8859-1") == "utf-8"
    assert sniff_encoding(gbk, "gbk") is None


def test_retry_with_backoff_on_5xx():
    import asyncio
    import time

    from scrapy.http import Response

    from crawlers.middlewares import BackoffRetryMiddleware
    crawler = get_crawler(PortalsSpider, {"OGI_RETRY_BACKOFF_BASE": 0.05, "RETRY_TIMES": 2})
    crawler.spider = PortalsSpider.from_crawler(crawler, registry=None)
    mw = BackoffRetryMiddleware.from_crawler(crawler)
    request = Request("http://www.a.gov.cn/x")
    t0 = time.monotonic()
    retry = asyncio.run(mw.process_response(request, Response(request.url, status=503, request=request)))
    first = time.monotonic() - t0
    assert isinstance(retry, Request) and retry.meta["retry_times"] == 1 and first >= 0.05
    t0 = time.monotonic()
    again = asyncio.run(mw.process_response(retry, Response(retry.url, status=503, request=retry)))
    assert again.meta["retry_times"] == 2 and time.monotonic() - t0 >= 0.1        # doubled
    final = asyncio.run(mw.process_response(again, Response(again.url, status=503, request=again)))
    assert final.status == 503                                                      # gave up
    ok = Response(request.url, status=200, request=request)
    assert asyncio.run(mw.process_response(request, ok)) is ok
