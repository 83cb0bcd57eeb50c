from crawlers.urls import canonicalize, host_of, is_private_host


def test_query_string_is_kept_and_sorted():
    assert canonicalize("http://a.gov.cn/zwinfo.jsp?id=15652&b=1") == "http://a.gov.cn/zwinfo.jsp?b=1&id=15652"
    assert canonicalize("http://a.gov.cn/module/xxgk/xxgkAnnualReport.jsp?area=X&fbtime=2023").endswith("fbtime=2023")


def test_scheme_host_port_fragment():
    assert canonicalize("HTTP://WWW.A.gov.cn:80/x/index.html#top") == "http://www.a.gov.cn/x/index.html"
    assert canonicalize("https://a.gov.cn:443/") == "https://a.gov.cn/"
    assert canonicalize("http://1.25.240.11:8082/sites/zwinfo.jsp?id=1") == "http://1.25.240.11:8082/sites/zwinfo.jsp?id=1"


def test_twins_fold():
    page = "http://a.gov.cn/zfxxgknb/202301/t20230118_11520599.html"
    assert canonicalize(page.replace(".html", "_wap.html")) == page
    assert canonicalize(page + "?print=1") == page
    assert canonicalize(page + "?lang=big5") == page
    # a query parameter that merely looks like a presentation switch is an id: kept
    assert canonicalize("http://a.gov.cn/detail.jsp?id=3&view=12") == "http://a.gov.cn/detail.jsp?id=3&view=12"


def test_percent_encoding_is_stable():
    raw = "http://a.gov.cn/附件/2023年度报告.pdf"
    once = canonicalize(raw)
    assert "%E5" in once and canonicalize(once) == once


def test_hosts():
    assert host_of("http://127.0.0.10:8080/x") == "127.0.0.10:8080"
    assert host_of("https://www.a.gov.cn:443/x") == "www.a.gov.cn"
    for h in ("127.0.0.1", "10.0.0.8", "192.168.1.1:80", "localhost", "169.254.1.1", "0.0.0.0"):
        assert is_private_host(h), h
    for h in ("www.a.gov.cn", "1.25.240.11:8082", "180.76.149.248:88"):
        assert not is_private_host(h), h
