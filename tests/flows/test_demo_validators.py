"""The demo server answers conditional GETs like a real CMS: strong ETag + Last-Modified, 304 when
unchanged, and `mutate` changes both validators."""
from __future__ import annotations

from email.utils import parsedate_to_datetime

import httpx
import pytest

from ogi.demo.server import DemoPortals
from ogi.demo.site import body_etag


@pytest.fixture(scope="module")
def trs():
    with DemoPortals(portals=["demo-trs"], honeypot=False) as demo:
        yield demo


def test_validators_and_304(trs):
    url = sorted(trs.report_sources())[0]
    with httpx.Client() as client:   # one keep-alive connection across 200s and 304s
        first = client.get(url)
        assert first.status_code == 200
        etag, modified = first.headers["etag"], first.headers["last-modified"]
        assert etag == body_etag(first.content) and not etag.startswith("W/")
        assert parsedate_to_datetime(modified).year >= 2019
        for headers in ({"If-None-Match": etag}, {"If-Modified-Since": modified},
                        {"If-None-Match": f'"other", {etag}'}, {"If-None-Match": "*"}):
            again = client.get(url, headers=headers)
            assert again.status_code == 304 and again.content == b"", headers
            assert again.headers["etag"] == etag
        # If-None-Match decides when both are sent (RFC 9110 13.2.2)
        assert client.get(url, headers={"If-None-Match": '"other"', "If-Modified-Since": modified}).status_code == 200
        assert client.head(url, headers={"If-None-Match": etag}).status_code == 304
        assert client.get(url).content == first.content

        new_body = trs.mutate(url)
        changed = client.get(url, headers={"If-None-Match": etag, "If-Modified-Since": modified})
        assert changed.status_code == 200 and changed.content == new_body
        assert changed.headers["etag"] != etag
        assert parsedate_to_datetime(changed.headers["last-modified"]) > parsedate_to_datetime(modified)
        assert client.get(url, headers={"If-Modified-Since": modified}).status_code == 200
        assert client.get(url, headers={"If-None-Match": changed.headers["etag"]}).status_code == 304


def test_errors_carry_no_validators(trs):
    base = trs.sites["demo-trs"].bases["www"]
    missing = httpx.get(base + "/no/such/page.html")
    assert missing.status_code == 404 and "etag" not in missing.headers
