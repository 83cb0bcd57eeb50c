import csv

import pytest

from crawlers.registry import DEFAULT_REGISTRY, HEADER, NATIONAL_COLUMNS, RegistryError, host_allowed, read_registry
from crawlers.tools.build_registry import column_url


def test_bundled_registry():
    with DEFAULT_REGISTRY.open(encoding="utf-8") as fh:
        reader = csv.reader(fh)
        assert next(reader) == HEADER + NATIONAL_COLUMNS    # readers need only the first seven
    portals = read_registry()
    assert len(portals) >= 3000
    assert len({p.portal_id for p in portals}) == len(portals)
    hosts = [h for p in portals for h in p.listed_hosts]
    assert len(hosts) == len(set(hosts))           # one row per real host
    coded = [p for p in portals if len(p.division_code) == 6 and p.division_code.isdigit()]
    assert len(coded) >= 0.9 * len(portals)
    assert all(p.start_urls for p in portals)


def test_subset_and_unknown(tmp_path):
    assert [p.portal_id for p in read_registry(None, ["szpinglu"])] == ["szpinglu"]
    with pytest.raises(RegistryError):
        read_registry(None, ["no-such-portal"])
    bad = tmp_path / "bad.csv"
    bad.write_text("portal_id,name\nx,y\n", encoding="utf-8")
    with pytest.raises(RegistryError):
        read_registry(bad)


def test_empty_allowed_hosts_means_start_hosts(tmp_path):
    reg = tmp_path / "r.csv"
    reg.write_text(",".join(HEADER) + "\np,n,s,county,1,http://127.0.0.9:8000/ http://a.gov.cn/x/,\n", encoding="utf-8")
    (p,) = read_registry(reg)
    assert p.listed_hosts == {"127.0.0.9:8000", "a.gov.cn"}
    assert p.allowed_hosts == {"127.0.0.9:8000", "a.gov.cn", "~a.gov.cn"}   # owns a.gov.cn: siblings follow
    assert p.allows("http://127.0.0.9:8000/y") and not p.allows("http://127.0.0.9:8001/y")
    assert p.allows("http://a.gov.cn:8080/") and not p.allows("http://b.gov.cn/")


def test_private_hosts_need_the_exact_entry():
    assert not host_allowed("10.0.0.8", frozenset({"*.gov.cn"}))
    assert not host_allowed("127.0.0.1:80", frozenset({"127.0.0.1"}))
    assert host_allowed("127.0.0.1:80", frozenset({"127.0.0.1:80"}))
    assert host_allowed("xxgk.a.gov.cn", frozenset({"*.a.gov.cn"}))
    assert not host_allowed("xxgk.a.gov.cn.evil.com", frozenset({"*.a.gov.cn"}))


def test_column_urls():
    assert column_url("http://www.x.gov.cn/xxgk/plzfxxgk/zfxxgknb/202212/t20221222_421185.html") == \
        "http://www.x.gov.cn/xxgk/plzfxxgk/zfxxgknb/"
    assert column_url("https://www.x.gov.cn/bmxz/qxqrmzfbgs/zfxxgkgzndbg/content/post_1665156.html") == \
        "https://www.x.gov.cn/bmxz/qxqrmzfbgs/zfxxgkgzndbg/"
    assert column_url("http://www.x.gov.cn/info/2381/644672.htm") is None
