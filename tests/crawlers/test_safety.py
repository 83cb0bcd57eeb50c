"""The allow-list, destination checks and trap caps, on requests built by hand (no network)."""
import asyncio
import socket

import pytest
from scrapy import Request
from scrapy.utils.test import get_crawler

from crawlers.middlewares import ForbiddenRequest, SafetyMiddleware
from crawlers.spiders.portals import PortalsSpider


# what the fake resolver answers: public names, a public-looking name that points inside, a mixed one
DNS = {"www.a.gov.cn": ["58.215.1.10"], "www.b.gov.cn": ["117.40.2.3"], "intranet.a.gov.cn": ["10.0.0.5"],
       "mixed.a.gov.cn": ["58.215.1.11", "192.168.3.4"], "mapped.a.gov.cn": ["::ffff:127.0.0.1"],
       "meta.a.gov.cn": ["169.254.169.254"]}


@pytest.fixture
def fake_dns(monkeypatch):
    """Replace the resolver at its seam (socket.getaddrinfo): no /etc/hosts, no network."""
    calls = []

    def getaddrinfo(host, port, family=0, type=0, proto=0, flags=0):
        calls.append(host)
        if host not in DNS:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return [(socket.AF_INET6 if ":" in a else socket.AF_INET, socket.SOCK_STREAM, 6, "",
                 (a, port or 0) if ":" not in a else (a, port or 0, 0, 0)) for a in DNS[host]]

    from crawlers import urls
    urls.clear_dns_cache()
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    yield calls
    urls.clear_dns_cache()


@pytest.fixture
def mw(tmp_path, fake_dns):
    reg = tmp_path / "r.csv"
    reg.write_text("portal_id,name,province,level,division_code,start_urls,allowed_hosts\n"
                   "p,示范,浙江,county,330212,http://127.0.0.9:8000/,127.0.0.9:8000 www.a.gov.cn *.a.gov.cn\n"
                   "q,示范2,浙江,county,330213,http://www.b.gov.cn/,\n", encoding="utf-8")
    crawler = get_crawler(PortalsSpider, {"OGI_MAX_QUERY_VARIANTS": 3, "OGI_MAX_PAGES_PER_PORTAL": 6})
    crawler.spider = PortalsSpider.from_crawler(crawler, registry=str(reg))
    return SafetyMiddleware.from_crawler(crawler)


def req(url, portal="p"):
    return Request(url, meta={"portal": portal})


def vet(mw, request):
    return asyncio.run(mw.process_request(request))


def test_registry_hosts_pass(mw):
    assert vet(mw, req("http://127.0.0.9:8000/x")) is None
    assert vet(mw, req("http://www.a.gov.cn/x")) is None


@pytest.mark.parametrize("url", ["http://127.0.0.1:8000/", "http://127.0.0.9:8001/", "http://10.0.0.8/zwgk/",
                                 "http://localhost:8000/", "http://192.168.0.1/", "http://www.b.gov.cn/",
                                 "http://evil.example.com/"])
def test_everything_else_is_refused(mw, url):
    with pytest.raises(ForbiddenRequest):
        vet(mw, req(url))


@pytest.mark.parametrize("host", ["intranet.a.gov.cn", "mixed.a.gov.cn", "mapped.a.gov.cn", "meta.a.gov.cn"])
def test_names_resolving_to_private_addresses_are_refused(mw, host):
    """Allowed by the registry (*.a.gov.cn), but the name leads inside: refused, robots.txt too."""
    with pytest.raises(ForbiddenRequest, match="private_address"):
        vet(mw, req(f"http://{host}/zwgk/"))
    with pytest.raises(ForbiddenRequest, match="private_address"):
        vet(mw, Request(f"http://{host}/robots.txt"))
    assert mw.crawler.stats.get_value("ogi/refused/private_address/p") >= 1


def test_registry_local_hosts_need_no_lookup_and_names_are_looked_up_once(mw, fake_dns):
    assert vet(mw, req("http://127.0.0.9:8000/a")) is None
    assert fake_dns == []                                   # a listed local literal: no DNS at all
    assert vet(mw, req("http://www.a.gov.cn/a")) is None
    assert vet(mw, req("http://www.a.gov.cn/b")) is None
    assert fake_dns == ["www.a.gov.cn"]                     # cached per host


def test_unresolvable_names_are_left_to_the_vetted_resolver(mw):
    """Not a refusal (that would hide a DNS outage): the connection's resolver fails it, retried as an error."""
    assert vet(mw, req("http://nowhere.a.gov.cn/")) is None
    assert mw.crawler.stats.get_value("ogi/dns_unresolved") == 1


def test_destination_rule_shared_with_flows(fake_dns):
    from crawlers.urls import destination_problem, is_forbidden_destination
    local = frozenset({"127.0.0.9:8000", "localhost:8080", "intranet.a.gov.cn"})
    assert not is_forbidden_destination("http://127.0.0.9:8000/x.pdf", local)
    assert is_forbidden_destination("http://127.0.0.9:8001/x.pdf", local)       # exact host:port only
    assert not is_forbidden_destination("http://localhost:8080/", local)
    assert is_forbidden_destination("http://intranet.a.gov.cn/x.pdf", local)   # listed, but not a local host
    assert not is_forbidden_destination("https://www.a.gov.cn/x.pdf", local)
    assert not is_forbidden_destination("http://58.215.1.10/x.pdf")               # public literal
    assert destination_problem("http://[::1]:8000/") == "private_host"
    assert destination_problem("http://0.0.0.0/") == "private_host"
    assert destination_problem("http://224.0.0.251/") == "private_host"
    assert destination_problem("ftp://www.a.gov.cn/x") == "scheme"
    assert destination_problem("http://mixed.a.gov.cn/") == "private_address"


def test_report_candidates_are_not_query_capped(mw):
    for n in range(4):   # more than OGI_MAX_QUERY_VARIANTS (3): reports at detail.jsp?id=N are not a trap
        assert vet(mw, Request(f"http://www.a.gov.cn/detail.jsp?id={n}",
                               meta={"portal": "p", "ogi_candidate": True})) is None
    for n in range(2):
        assert vet(mw, req(f"http://www.a.gov.cn/list.jsp?page={n}")) is None
    with pytest.raises(ForbiddenRequest, match="page_cap"):   # the page cap (6) still holds
        vet(mw, Request("http://www.a.gov.cn/detail.jsp?id=99", meta={"portal": "p", "ogi_candidate": True}))


def test_robots_requests_only_for_registry_hosts(mw):
    assert vet(mw, Request("http://www.b.gov.cn/robots.txt")) is None
    with pytest.raises(ForbiddenRequest):
        vet(mw, Request("http://10.1.1.1/robots.txt"))


def test_query_variant_and_page_caps(mw):
    for n in range(3):
        assert vet(mw, req(f"http://www.a.gov.cn/cal?d={n}")) is None
    with pytest.raises(ForbiddenRequest):
        vet(mw, req("http://www.a.gov.cn/cal?d=99"))
    assert vet(mw, req("http://www.a.gov.cn/cal?d=1")) is None   # seen variant: not new
    for n in range(2):
        vet(mw, req(f"http://www.a.gov.cn/p{n}"))
    with pytest.raises(ForbiddenRequest):
        vet(mw, req("http://www.a.gov.cn/p-over-cap"))


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


def test_connections_use_the_vetted_resolution(fake_dns):
    """Scrapy's resolver answers from the same cache and refuses what the middleware refuses."""
    from twisted.internet.error import DNSLookupError

    from crawlers.resolver import vetted_address
    from crawlers.settings import TWISTED_DNS_RESOLVER
    assert TWISTED_DNS_RESOLVER == "crawlers.resolver.VettedResolver"
    assert vetted_address("www.a.gov.cn", 1.0) == "58.215.1.10"
    assert vetted_address("www.a.gov.cn", 1.0) == "58.215.1.10" and fake_dns.count("www.a.gov.cn") == 1
    for name in ("intranet.a.gov.cn", "mixed.a.gov.cn", "mapped.a.gov.cn", "nowhere.a.gov.cn"):
        with pytest.raises(DNSLookupError):
            vetted_address(name, 1.0)
