"""crawlers.dedup: Scrapy's fingerprints, memoised; a request already yielded is dropped where it is made."""
from types import SimpleNamespace

from scrapy import Request
from scrapy.utils.request import fingerprint

from crawlers.dedup import CachedRequestFingerprinter, EmittedRequestFilter, url_fingerprint


def test_fingerprints_are_scrapys():
    fp = CachedRequestFingerprinter()
    for url in ("http://a.gov.cn/x?b=1&a=2#frag", "http://127.0.0.1:8080/zwgk/%E5%B9%B4%E6%8A%A5.html",
                "http://a.gov.cn/a b/年报.html?q=中"):
        for req in (Request(url), Request(url, method="POST", body=b"page=2"),
                    Request(url, meta={"verbatim_url": True})):
            assert fp.fingerprint(req) == fingerprint(req)
    assert url_fingerprint("GET", "http://a.gov.cn/x?a=2&b=1") == fingerprint(Request("http://a.gov.cn/x?b=1&a=2"))


def _filter():
    spider = SimpleNamespace(already_emitted=lambda url: False)
    crawler = SimpleNamespace(signals=SimpleNamespace(connect=lambda *a, **k: None), spider=spider,
                              request_fingerprinter=CachedRequestFingerprinter(),
                              stats=SimpleNamespace(set_value=lambda *a, **k: None))
    mw = EmittedRequestFilter(crawler)
    mw.spider_opened()
    return mw, spider


def test_a_request_already_yielded_is_dropped_unless_dont_filter():
    mw, spider = _filter()
    first = Request("http://a.gov.cn/zwgk/")
    assert mw.get_processed_request(first, None) is first
    assert not spider.already_emitted("http://a.gov.cn/other/")
    assert spider.already_emitted("http://a.gov.cn/zwgk/")          # the spider does not even build it again
    assert mw.get_processed_request(Request("http://a.gov.cn/zwgk/#x", meta={"ogi_hint": "年报"}), None) is None
    again = Request("http://a.gov.cn/zwgk/", dont_filter=True)
    assert mw.get_processed_request(again, None) is again
    post = Request("http://a.gov.cn/zwgk/", method="POST", body=b"p=2")   # another fingerprint
    assert mw.get_processed_request(post, None) is post
    assert mw.dropped == 2
