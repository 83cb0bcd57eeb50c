"""The demo portals: one imitation site per platform family, with noise, traps and ground truth.

`BUILDERS` are served by `ogi demo` (and crawled by tests/crawlers/test_demo_crawl.py); the other
real-sample families (`FAMILY_BUILDERS`), the anti-bot walls (`WALL_BUILDERS`) and the bad-input
portals (`BAD_INPUT_BUILDERS`) are test-only: `DemoPortals(builders=…)`. `EXPECTED_PLATFORM` is the
platform the crawler must report for each family portal.

Each `build_*` function receives the base URL of every host label of its portal (known only once
the servers are bound) and returns a `Site`. Report pages carry real report texts
(`ogi/demo/reports.py`); every report is registered in `site.reports` (the ground truth).
"""
from __future__ import annotations

import json
import math
from urllib.parse import quote

from ogi.demo.reports import article_html, load_source, title_year
from ogi.demo.site import Page, Site, chrome, esc, links, published_at, request_key, table_list, ul_list

# --- shared pieces ---------------------------------------------------------------------------

SKELETON_NOTICE = ("年度报告内容应当包括：一、总体情况；二、主动公开政府信息情况；三、收到和处理政府信息公开申请情况；"
                   "四、政府信息公开行政复议、行政诉讼情况；五、存在的主要问题及改进情况；六、其他需要报告的事项。"
                   "请各单位对照本年新收政府信息公开申请数量、上年结转政府信息公开申请数量、结转下年度继续办理等"
                   "统计口径认真核对数据。")

NOISE_TEXT = {
    "gzbg": "一、2023年工作回顾 过去一年，全县地区生产总值增长5.2%，一般公共预算收入增长6.1%。二、2024年工作安排 ……",
    "tjgb": "初步核算，全年地区生产总值312.5亿元，按不变价格计算，比上年增长5.0%。全年粮食总产量……",
    "ys": "一、预算编制说明 二、收入预算情况 三、支出预算情况 四、“三公”经费预算情况 ……",
    "fzzf": "一、2023年度推进法治政府建设的主要举措和成效 二、存在的不足和原因 三、党政主要负责人履行推进法治建设第一责任人职责情况……",
    "wzbb": "政府网站工作年度报表 网站名称 首页网址 主办单位 独立用户访问总量 网站总访问量 信息发布总数 概况类信息更新量……",
    "gkzn": "为了更好地提供政府信息公开服务，根据《中华人民共和国政府信息公开条例》，编制本指南。一、主动公开 二、依申请公开 三、监督和救济……",
    "notice": SKELETON_NOTICE,
    "tujie": "一图读懂年度报告：一、总体情况 主动公开政府信息5847条；二、主动公开政府信息情况 ……（图片）",
    "news": "近日，县政务公开办召开专题会议，部署政府信息公开年度报告编制发布工作，要求各单位按时公开。",
    "media": "2022年，县融媒体中心围绕中心工作，共发布新闻稿件3200余篇，制作短视频600余条，融媒体矩阵粉丝总量达到45万。",
}


def noise(site: Site, label: str, path: str, title: str, kind: str, *, charset: str = "utf-8",
          header_charset: bool = True) -> None:
    body = (f'<h1 class="title">{esc(title)}</h1><div class="info">发布时间：2023-03-01</div>'
            f'<div class="TRS_Editor"><p>{esc(NOISE_TEXT[kind])}</p></div>')
    site.add_html(label, path, chrome(site.name, title, body, charset=charset), charset=charset,
                  header_charset=header_charset)


def report(site: Site, label: str, path: str, *, title: str, source: str, published: str, agency: str,
           column: str = "政府信息公开年报", attachments_html: str = "", attachments: tuple[str, ...] = (),
           charset: str = "utf-8", header_charset: bool = True, extra: str = "", trs_meta: bool = True) -> None:
    src = load_source(source)
    year = title_year(title) or src.year
    article = (article_html(src, year=year, agency=agency) if src.text
               else '<div class="TRS_Editor"><p>详见附件。</p></div>')
    head = ""
    if trs_meta:
        head = (f'<meta name="ArticleTitle" content="{esc(title)}"><meta name="PubDate" content="{published} 09:30">'
                f'<meta name="ColumnName" content="{esc(column)}"><meta name="ContentSource" content="{esc(agency)}">')
    info = (f'<table class="xxgk_info"><tr><td>索引号：</td><td>11{published.replace("-", "")}/2023-00012</td>'
            f'<td>发布机构：</td><td>{esc(agency)}</td></tr><tr><td>主题分类：</td><td>政府信息公开年报</td>'
            f'<td>发布日期：</td><td>{published}</td></tr></table>')
    body = (f'{info}<h1 class="title">{esc(title)}</h1><div class="info">发布时间：{published} 来源：{esc(agency)}'
            f' <a href="javascript:window.print()">【打印】</a> <a href="javascript:window.close()">【关闭】</a></div>'
            f'{article}{attachments_html}{extra}')
    page = site.add_html(label, path, chrome(site.name, title, body, charset=charset, head=head), charset=charset,
                         header_charset=header_charset)
    page.modified = published_at(published)
    site.add_report(label, path, title, source, attachments, agency=agency, year=year)


def attachment(site: Site, label: str, path: str, source: str) -> str:
    """Serve a source's rendered attachment (PDF, DOCX or DOC, scripts/render_demo_sources.py) at `path`."""
    src = load_source(source)
    assert src.document is not None, source
    site.add(label, path, Page(src.document[1], src.content_type))
    return site.url(label, path)


def robots(site: Site, label: str, disallow: list[str]) -> None:
    site.robots[label] = "User-agent: *\n" + "".join(f"Disallow: {d}\n" for d in disallow) + "Crawl-delay: 1\n"
    site.forbidden_paths += [(label, d) for d in disallow]


def news_column(site: Site, label: str, prefix: str, county: str) -> None:
    """A news column next to the disclosure tree: 图解 and news about reports (noise, rarely visited)."""
    items = [(f"{prefix}t20230301_1.html", f"一图读懂《{county}2022年政府信息公开工作年度报告》", "2023-03-01"),
             (f"{prefix}t20230115_2.html", "我县召开政府信息公开年度报告编制工作部署会", "2023-01-15")]
    site.add_html(label, prefix, chrome(site.name, "新闻中心", ul_list(items)))
    noise(site, label, items[0][0], items[0][1], "tujie")
    noise(site, label, items[1][0], items[1][1], "news")


def new_portal(bases: dict[str, str], pid: str, name: str, province: str, level: str, code: str, short: str, *,
               disallow: list[str], home: list[tuple[str, str]]) -> Site:
    """A portal's common frame: robots.txt, the home page (its links + 新闻中心) and a news column."""
    s = Site(pid, name, province, level, code, bases)
    robots(s, "www", disallow)
    s.start_urls = [s.url("www", "/")]
    s.add_html("www", "/", chrome(s.name, "首页", links(home + [("/xwzx/", "新闻中心")], "mainnav")))
    news_column(s, "www", "/xwzx/", short)
    return s


# --- 1. TRS WCM county portal: createPageHTML 4-arg (index_N), sub-columns, calendar trap -------

def build_trs(bases: dict[str, str]) -> Site:
    county = "示范县"
    root = "/zwgk/zfxxgk/zfxxgknb/"
    s = new_portal(bases, "demo-trs", "示范县人民政府", "福建", "county", "350128", county,
                   disallow=["/search/", "/zwgk/zfxxgk/zfxxgknb/bak/"],
                   home=[("/zwgk/", "政务公开"), ("/zwgk/zfgzbg/", "政府工作报告")])
    s.add_html("www", "/zwgk/", chrome(s.name, "政务公开", links([
        ("/zwgk/zfxxgk/", "政府信息公开"), ("/zwgk/zfgzbg/", "政府工作报告"), ("/zwgk/tjxx/", "统计信息"),
        ("/zwgk/tzgg/", "通知公告")])))
    # a township filed its report under 通知公告 (kaiping 水口镇), on the second page of the list
    notices = [(f"./2023{m:02d}/t2023{m:02d}10_{m}.html", f"关于开展{m}月份安全生产检查的通知", f"2023-{m:02d}-10")
               for m in range(1, 8)]
    notices.insert(5, ("./202302/t20230215_6001.html", f"{county}水口镇2022年政府信息公开工作年度报告", "2023-02-15"))
    report(s, "www", "/zwgk/tzgg/202302/t20230215_6001.html", title=notices[5][1], source="seed_003",
           published="2023-02-15", agency=f"{county}水口镇人民政府", column="通知公告")
    for path, title, date in notices:
        if "通知" in title:
            noise(s, "www", "/zwgk/tzgg/" + path[2:], title, "news")
    _trs_paged(s, "www", "/zwgk/tzgg/", "通知公告", notices, per_page=4)
    s.add_html("www", "/zwgk/zfxxgk/", chrome(s.name, "政府信息公开", links([
        ("/zwgk/zfxxgk/gkzn/", "政府信息公开指南"), ("/zwgk/zfxxgk/gkzd/", "政府信息公开制度"),
        ("/zwgk/zfxxgk/fdzdgknr/", "法定主动公开内容"), (root, "政府信息公开年报"),
        ("/zwgk/zfxxgk/wzgzndbb/", "政府网站工作年度报表")])))
    noise(s, "www", "/zwgk/zfxxgk/gkzn/", f"{county}政府信息公开指南", "gkzn")
    s.add_html("www", "/zwgk/tjxx/", chrome(s.name, "统计信息", ul_list([
        ("./202303/t20230315_1.html", f"{county}2022年国民经济和社会发展统计公报", "2023-03-15")])))
    s.add_html("www", "/zwgk/zfxxgk/fdzdgknr/", chrome(s.name, "法定主动公开内容", links([
        ("/zwgk/zfxxgk/fdzdgknr/jgzn/", "机构职能"), ("/zwgk/zfxxgk/fdzdgknr/ghxx/", "规划信息")])))

    # main column: county-level reports + noise over three JS-paged pages
    items = []
    def add(path, title, date, source=None, kind=None, **kw):
        items.append((path, title, date))
        if source:
            report(s, "www", root + path.lstrip("./"), title=title, source=source, published=date,
                   agency=kw.pop("agency", f"{county}人民政府"), **kw)
        elif kind:
            noise(s, "www", root + path.lstrip("./"), title, kind)
    add("./202302/t20230220_80629.html", f"{county}人民政府2022年政府信息公开工作年度报告", "2023-02-20", "seed_000",
        extra=f'<p><a href="./t20230220_80629_wap.html">手机版</a> '
              f'<a href="./t20230220_80629.html?print=1">打印本页</a></p>')
    add("./202303/t20230301_80701.html", f"关于做好2022年度政府信息公开工作年度报告编制和发布工作的通知", "2023-01-05",
        kind="notice")
    add("./202303/t20230310_80702.html", f"{county}2023年政府工作报告", "2023-03-10", kind="gzbg")
    add("./202303/t20230315_80703.html", f"{county}2022年国民经济和社会发展统计公报", "2023-03-15", kind="tjgb")
    add("./202301/t20230120_80510.html", f"{county}人民政府办公室2022年度政府信息公开工作年度报告", "2023-01-20",
        "seed_001", agency=f"{county}人民政府办公室")
    add("./202302/t20230228_80650.html", f"一图读懂《{county}人民政府2022年政府信息公开工作年度报告》", "2023-02-28",
        kind="tujie")
    add("./202304/t20230401_80800.html", f"{county}2022年法治政府建设年度报告", "2023-04-01", kind="fzzf")
    add("./202201/t20220125_70001.html", f"{county}政府网站工作年度报表（2021年度）", "2022-01-25", kind="wzbb")
    add("./202203/t20220310_70100.html", f"{county}人民政府2021年政府信息公开工作年度报告", "2022-03-10", "seed_003",
        extra='<div class="sidebar"><h3>历年年报</h3>' + ul_list([
            ("../202302/t20230220_80629.html", f"{county}人民政府2022年政府信息公开工作年度报告", "2023-02-20"),
            ("../202301/t20230120_80510.html", f"{county}人民政府办公室2022年度政府信息公开工作年度报告", "2023-01-20"),
            ("/zwgk/zfxxgk/zfxxgknb/xzfnb/", "县政府年报", ""),
            ("../bak/201901/t20190110_100.html", f"{county}人民政府2018年政府信息公开工作年度报告", "2019-01-10")])
        + "</div>")
    add("./bak/201901/t20190110_100.html", f"{county}人民政府2018年政府信息公开工作年度报告", "2019-01-10")
    s.add_html("www", root + "bak/201901/t20190110_100.html", chrome(s.name, "2018", "<p>robots-disallowed copy</p>"))
    add("./202302/t20230201_80600.html", f"{county}2023年财政预算执行情况和2024年预算草案的报告", "2023-02-01", kind="ys")
    # revamp leftovers: a dead link (404) and an old URL that now redirects to the home page
    add("./201801/t20180125_1.html", f"{county}人民政府2017年政府信息公开工作年度报告", "2018-01-25")
    s.dead_links.append(root + "201801/t20180125_1.html")
    add("./201701/t20170125_1.html", f"{county}人民政府2016年政府信息公开工作年度报告", "2017-01-25")
    s.add("www", root + "201701/t20170125_1.html", Page(b"", status=302, headers={"Location": "/"}))
    sub = links([("./xzfnb/", "县政府"), ("./bmnb/", "部门"), ("./xznb/", "乡镇")], "subcol")
    _trs_paged(s, "www", root, "政府信息公开年报", items, per_page=4, before=sub)

    # departments: TRS 4-arg paging, an ambiguous title that is a report and one that is not
    dept = []
    def add_dept(path, title, date, source=None, kind=None, agency=""):
        dept.append((path, title, date))
        if source:
            report(s, "www", root + "bmnb/" + path.lstrip("./"), title=title, source=source, published=date,
                   agency=agency)
        elif kind:
            noise(s, "www", root + "bmnb/" + path.lstrip("./"), title, kind)
    add_dept("./202301/t20230118_9001.html", f"{county}财政局2022年政府信息公开工作年度报告", "2023-01-18", "seed_002",
             agency=f"{county}财政局")
    add_dept("./202301/t20230119_9002.html", f"{county}教育局2022年度政府信息公开工作年度报告", "2023-01-19", "seed_004",
             agency=f"{county}教育局")
    add_dept("./202301/t20230120_9003.html", f"{county}档案馆2022年度报告", "2023-01-20", "seed_002",
             agency=f"{county}档案馆")
    add_dept("./202301/t20230121_9004.html", f"{county}融媒体中心2022年报", "2023-01-21", kind="media")
    add_dept("./202302/t20230202_9005.html", f"{county}财政局2023年部门预算", "2023-02-02", kind="ys")
    _trs_paged(s, "www", root + "bmnb/", "部门年报", dept, per_page=3)

    # townships: year sub-columns with table listings (full title only in title=) and a calendar trap
    s.add_html("www", root + "xznb/", chrome(s.name, "乡镇年报", links([("./2022n/", "2022年"), ("./2023n/", "2023年")])))
    town22 = [("./202301/t20230112_9101.html", f"{county}河口镇人民政府2022年政府信息公开工作年度报告", "2023-01-12")]
    report(s, "www", root + "xznb/2022n/202301/t20230112_9101.html", title=town22[0][1], source="seed_001",
           published="2023-01-12", agency=f"{county}河口镇人民政府")
    # a publication calendar whose day links look like pager digits: an endless trap (capped by the crawler)
    cal = ('<div class="calendar">发布日历 ' + "".join(f'<a href="/calendar/?month=2023-01&day={d}">{d}</a> '
                                                   for d in range(1, 32)) + "</div>")
    s.add_html("www", root + "xznb/2022n/", chrome(s.name, "2022年", table_list(town22) + cal))
    town23 = [("./202402/t20240205_9201.html", f"{county}桥头乡人民政府政府信息公开工作年度报告（2023年度）", "2024-02-05")]
    report(s, "www", root + "xznb/2023n/202402/t20240205_9201.html", title=town23[0][1], source="seed_004",
           published="2024-02-05", agency=f"{county}桥头乡人民政府")
    s.add_html("www", root + "xznb/2023n/", chrome(s.name, "2023年", table_list(town23) + cal))
    s.handle("www", "/calendar/", _calendar(s.name))
    s.add_html("www", root + "xzfnb/", chrome(s.name, "县政府年报", ul_list([
        ("../202302/t20230220_80629.html", f"{county}人民政府2022年政府信息公开工作年度报告", "2023-02-20")])))
    return s


def _trs_paged(site: Site, label: str, column: str, name: str, items: list, *, per_page: int,
               before: str = "") -> None:
    """TRS static paging: index.html, index_1.html … written only by createPageHTML(count, cur, "index", "html")."""
    pages = max(1, math.ceil(len(items) / per_page))
    for k in range(pages):
        chunk = items[k * per_page:(k + 1) * per_page]
        script = (f'<div class="page"><script>var countPage = {pages};//共多少页\n'
                  f'createPageHTML(countPage, {k}, "index", "html");</script></div>')
        text = chrome(site.name, name, before + ul_list(chunk, truncate=24) + script)
        site.add_html(label, column + ("index.html" if k == 0 else f"index_{k}.html"), text)
        if k == 0:
            site.add_html(label, column, text)


def _calendar(site_name: str):
    """Endless calendar: every month links the next and previous month and 31 days."""
    def handler(method, query, body):
        month = query.get("month", "2023-01")
        year, mon = (int(x) for x in month.split("-")[:2]) if "-" in month else (2023, 1)
        nxt = f"{year + (mon // 12)}-{mon % 12 + 1:02d}"
        prv = f"{year - (1 if mon == 1 else 0)}-{(mon - 2) % 12 + 1:02d}"
        days = "".join(f'<a href="/calendar/?month={month}&day={d}">{d}</a> ' for d in range(1, 32))
        text = chrome(site_name, f"发布日历 {month}", f'<a href="/calendar/?month={prv}">上一月</a> {days}'
                                                   f'<a href="/calendar/?month={nxt}">下一月</a>')
        return Page(text.encode("utf-8"))
    return handler


# --- 2. Hanweb: jpage datastore + dataproxy.jsp POST; index_1 404; first-request 503 ----------

def _jpage(site: Site, label: str, col: int, name: str, records: list[tuple[str, str, str]], *,
           perpage: int = 5, fail_first: int = 0, before: str = "") -> None:
    def rec(href, title, date):
        return (f'<record><![CDATA[<li><a href="{esc(href)}" title="{esc(title)}" target="_blank">'
                f'{esc(title)}</a><span>{date}</span></li>]]></record>')
    first = "".join(rec(*r) for r in records[:perpage])
    datastore = (f'<script type="text/xml"><datastore><nextgroup><![CDATA[<a href="/module/web/jpage/dataproxy.jsp?'
                 f'page=1&appid=1&webid=1&path=/&columnid={col}&unitid=77{col}&webname=示范区&permissiontype=0">'
                 f'</a>]]></nextgroup><recordset>{first}</recordset></datastore></script>')
    # real Hanweb pages carry the POST fields only in the <nextgroup> link; the JS config has the counts
    params = (f'<script language="javascript" src="/module/jslib/jquery/jpage/dataproxy.js"></script>'
              f'<script>$(document).ready(function(){{$("#77{col}").jpage({{dataStore: "script", perPage: {perpage}, '
              f'totalRecord: {len(records)}, proxyUrl: "/module/web/jpage/dataproxy.jsp"}});}});</script>')
    text = chrome(site.name, name, before + f'<div id="{77}{col}">' + datastore + "</div>" + params)
    site.add_html(label, f"/col/col{col}/index.html", text, fail_first=fail_first)
    site.jpage = getattr(site, "jpage", {})
    site.jpage[str(col)] = records


def _dataproxy(site: Site):
    def handler(method, query, body):
        if method != "POST":
            return Page(b"method not allowed", "text/plain", status=405)
        from urllib.parse import parse_qsl
        form = dict(parse_qsl(body.decode("utf-8", "replace")))
        records = site.jpage.get(form.get("columnid", ""), [])
        start = int(query.get("startrecord", 1))
        end = int(query.get("endrecord", start + 44))
        perpage = int(query.get("perpage", 15))
        chunk = records[start - 1:end]
        recs = "".join(f'<record><![CDATA[<li><a href="{esc(h)}" title="{esc(t)}">{esc(t)}</a><span>{d}</span></li>]]>'
                       f'</record>' for h, t, d in chunk)
        xml = (f'<?xml version="1.0" encoding="UTF-8"?><datastore><totalrecord>{len(records)}</totalrecord>'
               f'<totalpage>{max(1, math.ceil(len(records) / perpage))}</totalpage><recordset>{recs}</recordset>'
               f'</datastore>')
        return Page(xml.encode("utf-8"), "text/xml; charset=utf-8")
    return handler


def build_hanweb(bases: dict[str, str]) -> Site:
    area = "示范区"
    s = new_portal(bases, "demo-hanweb", "示范市示范区人民政府", "浙江", "district", "330212", area,
                   disallow=["/module/search/", "/art/private/"], home=[("/col/col1001/index.html", "政务公开")])
    s.add_html("www", "/col/col1001/index.html", chrome(s.name, "政务公开", links([
        ("/col/col1002/index.html", "政府信息公开年报"), ("/col/col1003/index.html", "部门信息公开"),
        ("/col/col1004/index.html", "政府信息公开指南"), ("/col/col1005/index.html", "单位年报查询")])))
    noise(s, "www", "/col/col1004/index.html", f"{area}政府信息公开指南", "gkzn")
    pdf_url = attachment(s, "www", "/module/download/downfile.jsp?classid=0&filename=2402011530123456.pdf",
                  "seed_001_pdf")
    recs = []
    def add(art, title, date, source=None, kind=None, agency=f"{area}人民政府", **kw):
        recs.append((art, title, date))
        if source:
            report(s, "www", art, title=title, source=source, published=date, agency=agency, trs_meta=False, **kw)
        elif kind:
            noise(s, "www", art, title, kind)
    add("/art/2025/1/20/art_1002_5001.html", "淮安市洪泽区2024年政府信息公开工作年度报告", "2025-01-20",
        "seed_001_pdf", agency="淮安市洪泽区人民政府",
        attachments_html=f'<div class="fj">附件：<a href="{esc(pdf_url)}">洪泽区2024年政府信息公开工作年度报告.pdf</a></div>'
                         f'<div class="prevnext">上一篇：<a href="/art/2023/3/20/art_1002_5003.html">{area}人民政府2022年政府'
                         f'信息公开工作年度报告</a> 下一篇：<a href="/art/2022/3/1/art_1002_5006.html">{area}人民政府2021年'
                         f'政府信息公开工作年度报告</a></div>',
        attachments=(pdf_url,))
    add("/art/2024/3/5/art_1002_5002.html", f"{area}2023年政府工作报告", "2024-03-05", kind="gzbg")
    add("/art/2023/3/20/art_1002_5003.html", f"{area}人民政府2022年政府信息公开工作年度报告", "2023-03-20", "seed_004")
    add("/art/2023/2/1/art_1002_5004.html", f"{area}企业年度报告公示工作的提示", "2023-02-01", kind="news")
    add("/art/2023/1/10/art_1002_5005.html", f"{area}2022年法治政府建设年度报告", "2023-01-10", kind="fzzf")
    add("/art/2022/3/1/art_1002_5006.html", f"{area}人民政府2021年政府信息公开工作年度报告", "2022-03-01", "seed_002")
    add("/art/2022/2/1/art_1002_5007.html", f"{area}2021年国民经济和社会发展统计公报", "2022-02-01", kind="tjgb")
    add("/art/2022/1/25/art_1002_5008.html", f"《{area}人民政府2021年政府信息公开工作年度报告》解读", "2022-01-25",
        kind="tujie")
    add("/art/2021/1/28/art_1002_5009.html", f"{area}人民政府办公室2020年政务信息公开工作开展年度报告", "2021-01-28",
        "seed_000", agency=f"{area}人民政府办公室")
    add("/art/private/2020/art_1002_5010.html", f"{area}人民政府2019年政府信息公开工作年度报告", "2020-01-20")
    add("/art/2020/1/20/art_1002_5011.html", f"{area}财政局2020年部门预算公开", "2020-01-20", kind="ys")
    _jpage(s, "www", 1002, "政府信息公开年报", recs, perpage=4, fail_first=1)
    s.add_html("www", "/col/col1003/index.html", chrome(s.name, "部门信息公开", links([
        ("/col/col1010/index.html", "区住房和城乡建设局"), ("/col/col1020/index.html", "区民政局")])))
    for col, dept, source in ((1010, "区住房和城乡建设局", "seed_003"), (1020, "区民政局", "seed_002")):
        s.add_html("www", f"/col/col{col}/index.html", chrome(s.name, dept, links([
            (f"/col/col{col + 1}/index.html", "信息公开年报"), (f"/col/col{col + 2}/index.html", "部门动态")])))
        art = f"/art/2023/1/16/art_{col + 1}_{col * 10}.html"
        title = f"{area}{dept[1:]}2022年政府信息公开工作年度报告"
        report(s, "www", art, title=title, source=source, published="2023-01-16", agency=f"{area}{dept[1:]}",
               trs_meta=False)
        _jpage(s, "www", col + 1, "信息公开年报", [(art, title, "2023-01-16")], perpage=15)
    s.handle("www", "/module/web/jpage/dataproxy.jsp", _dataproxy(s))
    _annual_report_module(s, "www", area)
    return s


def _annual_report_module(site: Site, label: str, area: str) -> None:
    """Hanweb jcms generated reports: `/module/xxgk/xxgkAnnualReport.jsp?area=<统一社会信用代码>&fbtime=<year>`,
    one URL per agency × year, listed in a 单位 | 年度 | 查看 table (the link says only 查看); a year an
    agency has not filled in renders the module's empty template (not a report)."""
    module = "/module/xxgk/xxgkAnnualReport.jsp"
    units = [("11330212002543210A", f"{area}教育局", {2023: "seed_001", 2024: "seed_002"}),
             ("11330212002543227B", f"{area}卫生健康局", {2023: "seed_002", 2024: None})]
    rows = ['<tr><th>单位名称</th><th>年度</th><th>操作</th></tr>']
    for code, unit, years in units:
        for year, source in years.items():
            path = f"{module}?area={code}&fbtime={year}"
            rows.append(f'<tr><td>{esc(unit)}</td><td>{year}年度</td><td><a href="{esc(path)}" target="_blank">查看</a>'
                        f'</td></tr>')
            title = f"{unit}{year}年政府信息公开工作年度报告"
            if source is None:
                body = (f'<div class="nb_title">{esc(title)}</div><div class="nb_empty">该单位尚未填报{year}年度报告数据。'
                        f'</div>')
                site.add_html(label, path, chrome(site.name, "政府信息公开工作年度报告", body))
                continue
            body = (f'<div class="nb_title">{esc(title)}</div><div class="nb_info">发布日期：{year + 1}-01-2{year % 10}'
                    f' 发布机构：{esc(unit)}</div><div class="nb_body">'
                    f'{article_html(load_source(source), year=year, agency=unit)}</div>')
            site.add_html(label, path, chrome(site.name, "政府信息公开工作年度报告", body))
            site.add_report(label, path, title, source, agency=unit, year=year)
    site.add_html(label, "/col/col1005/index.html", chrome(site.name, "单位年报查询",
                                                          '<table class="nb_list">' + "".join(rows) + "</table>"))


# --- 3. Guangdong gkmlpt: SPA + JSON API, slow second page, pdf.js viewer ---------------------

def build_gkmlpt(bases: dict[str, str]) -> Site:
    area = "示范新区"
    sid = "755031"
    s = new_portal(bases, "demo-gkmlpt", "示范市示范新区管理委员会", "广东", "district", "440307", area,
                   disallow=["/gkmlpt/search", "/private/"], home=[("/zwgk/", "政务公开")])
    s.add_html("www", "/zwgk/", chrome(s.name, "政务公开", links([("/gkmlpt/index", "政府信息公开"),
                                                                  ("/zwgk/zfgzbg/", "政府工作报告")])))
    spa = (f'<div id="app"></div><ul class="tree"><li><a href="/gkmlpt/index#2811">政府信息公开年报</a></li>'
           f'<li><a href="/gkmlpt/index#2812">部门政府信息公开年报</a></li><li><a href="/gkmlpt/index#2820">通知公告</a>'
           f'</li><li><a href="/gkmlpt/index#2830">财政预决算</a></li></ul>'
           f"<script>window.GKMLPT = {{SID: '{sid}', BASE: '/gkmlpt/'}};</script>"
           f'<script src="/gkmlpt/static/js/app.js"></script>')
    s.add_html("www", "/gkmlpt/index", chrome(s.name, "政府信息公开", spa))
    viewer_pdf = "/attachment/0/811/811011/2024洪泽区政府信息公开年报.pdf"
    pdf_url = attachment(s, "www", quote(viewer_pdf), "seed_000_long_pdf")
    cats: dict[str, list[dict]] = {"2811": [], "2812": [], "2820": [], "2830": []}
    def add(cat, post, title, date, source=None, kind=None, agency=f"{area}管理委员会", **kw):
        path = f"/gkmlpt/content/0/{cat}/post_{post}.html"
        cats[cat].append({"title": title, "url": s.url("www", path), "post_url": path, "id": post,
                          "create_time": 1700000000 + post, "publisher": agency})
        if source:
            report(s, "www", path, title=title, source=source, published=date, agency=agency, **kw)
        elif kind:
            noise(s, "www", path, title, kind)
    add("2811", 1001, f"{area}2022年政府信息公开工作年度报告", "2023-03-01", "seed_003")
    add("2811", 1002, f"图解：{area}2022年政府信息公开工作年度报告", "2023-03-02", kind="tujie")
    add("2811", 1003, "淮安市洪泽区2023年政府信息公开工作年度报告", "2024-01-30", "seed_000_long_pdf",
        agency="淮安市洪泽区人民政府",
        attachments_html=f'<iframe src="/pdfjs/web/viewer.html?file={quote(quote(viewer_pdf, safe=""), safe="%")}" '
                         f'width="100%" height="800"></iframe>', attachments=(pdf_url,))
    add("2811", 1004, f"{area}2022年法治政府建设年度报告", "2023-03-20", kind="fzzf")
    add("2811", 1005, f"{area}2021年政府信息公开工作年度报告", "2022-03-01", "seed_001")
    add("2812", 2001, f"{area}发展和改革局2022年政府信息公开工作年度报告", "2023-01-30", "seed_000",
        agency=f"{area}发展和改革局")
    add("2812", 2002, f"{area}城市管理局政府信息公开工作年度报告（2022年度）", "2023-01-31", "seed_004",
        agency=f"{area}城市管理局")
    add("2820", 3001, f"{area}街道办事处2022年政府信息公开工作年度报告", "2023-02-10", "seed_004",
        agency=f"{area}街道办事处")
    add("2820", 3002, "关于报送2022年度政府信息公开工作年度报告的通知", "2023-01-05", kind="notice")
    add("2830", 4001, f"{area}2023年部门预算", "2023-02-01", kind="ys")
    per_page = 3

    for cat, arts in cats.items():
        def handler(method, query, body, cat=cat, arts=arts):
            if query.get("sid") != sid:
                return Page(b'{"error":"sid"}', "application/json", status=400)
            page = int(query.get("page", 1))
            chunk = arts[(page - 1) * per_page: page * per_page]
            data = {"total": len(arts), "page": page, "articles": chunk}
            return Page(json.dumps(data, ensure_ascii=False).encode("utf-8"), "application/json; charset=utf-8",
                        delay=1.2 if (cat == "2811" and page == 2) else 0.0)
        s.handle("www", f"/gkmlpt/api/all/{cat}", handler)
    s.add("www", "/pdfjs/web/viewer.html", Page(b"<html><body>pdf.js viewer</body></html>"))
    return s


# --- 4. VSB / 博达: GBK pages, descending N.htm, /info/<col>/<id>.htm, onclick download ---------

def build_vsb(bases: dict[str, str]) -> Site:
    s = Site("demo-vsb", "示范县人民政府", "甘肃", "county", "620523", bases)
    county = "示范县"
    gbk = "gbk"
    robots(s, "www", ["/system/resource/", "/info/9999/"])
    s.start_urls = [s.url("www", "/index.htm")]
    page = lambda title, body: chrome(s.name, title, body, charset=gbk)  # noqa: E731
    s.add("www", "/", Page(b"", status=302, headers={"Location": "/index.htm"}))
    s.add_html("www", "/index.htm", page("首页", links([("xxgk.htm", "信息公开"), ("xwzx.htm", "新闻中心")], "mainnav")),
               charset=gbk)
    s.add_html("www", "/xxgk.htm", page("信息公开", links([
        ("xxgk/xxgknb.htm", "政府信息公开年报"), ("xxgk/gkzn.htm", "政府信息公开指南"),
        ("xxgk/wzbb.htm", "政府网站工作年度报表")])), charset=gbk, header_charset=False)
    noise(s, "www", "/xxgk/gkzn.htm", f"{county}政府信息公开指南", "gkzn", charset=gbk)
    dl = "/system/_content/download.jsp?urltype=news.DownloadAttachUrl&owner=1426451402&wbfileid=11223344"
    pdf_url = attachment(s, "www", dl, "seed_004_pdf")
    items = []
    def add(info, title, date, source=None, kind=None, agency=f"{county}人民政府", **kw):
        items.append(("../" + info.lstrip("/"), title, date))
        if source:
            report(s, "www", info, title=title, source=source, published=date, agency=agency, charset=gbk,
                   header_charset=len(items) % 2 == 0, trs_meta=False, **kw)
        elif kind:
            noise(s, "www", info, title, kind, charset=gbk)
    doc_url = attachment(s, "www", "/system/_content/download.jsp?urltype=news.DownloadAttachUrl&owner=1426451402&wbfileid=11223355",
                         "seed_003_doc")
    add("/info/1308/19387.htm", f"{county}人民政府2022年政府信息公开工作年度报告", "2023-02-14", "seed_003_doc",
        attachments_html=f'<ul class="fj"><li>附件：<a href="{esc(doc_url)}">{county}人民政府2022年政府信息公开工作年度报告.doc</a></li></ul>',
        attachments=(doc_url,))
    add("/info/1308/19388.htm", f"{county}2023年政府工作报告", "2023-02-20", kind="gzbg")
    add("/info/1308/19201.htm", "淮安市人民政府2024年政府信息公开工作年度报告", "2025-01-30", "seed_004_pdf",
        agency="淮安市人民政府",
        attachments_html=f'<p>【<a href="javascript:void(0)" onclick="window.open(\'{dl}\')">下载PDF</a>】</p>',
        attachments=(pdf_url,))
    add("/info/1308/19100.htm", f"{county}政府网站工作年度报表", "2022-01-20", kind="wzbb")
    add("/info/1308/19050.htm", f"{county}2021年国民经济和社会发展统计公报", "2022-03-05", kind="tjgb")
    add("/info/1308/18800.htm", f"{county}人民政府2021年度政府信息公开年度报告", "2022-01-28", "seed_001")
    add("/info/1308/18700.htm", f"{county}城关镇2021年政府信息公开工作年度报告", "2022-01-20", "seed_002",
        agency=f"{county}城关镇人民政府")
    add("/info/9999/100.htm", f"{county}人民政府2020年政府信息公开工作年度报告", "2021-01-20")
    add("/info/1308/18600.htm", f"关于{county}2021年度政府信息公开工作情况的报告", "2022-01-15", "seed_004")
    s.pages[("www", request_key("/info/1308/18600.htm"))].content_type = "text/html; charset=utf-8"  # mis-declared
    # VSB: first page xxgknb.htm, then xxgknb/3.htm, xxgknb/2.htm, xxgknb/1.htm (descending)
    per, pages = 3, math.ceil(len(items) / 3)
    for k in range(pages):
        chunk = items[k * per:(k + 1) * per]
        if k == 0:
            path = "/xxgk/xxgknb.htm"
            chunk = [(h[3:], t, d) for h, t, d in chunk]   # one level up: links relative to /xxgk/
            chunk = [("../" + h, t, d) for h, t, d in chunk]
            pager = (f'<span class="p_t">共{len(items)}条 1/{pages}</span><span class="p_next"><a href="xxgknb/'
                     f'{pages - 1}.htm">下页</a></span><span class="p_last"><a href="xxgknb/1.htm">尾页</a></span>')
        else:
            n = pages - k
            path = f"/xxgk/xxgknb/{n}.htm"
            chunk = [("../" + h, t, d) for h, t, d in chunk]
            prev = "../xxgknb.htm" if k == 1 else f"{n + 1}.htm"
            pager = (f'<span class="p_t">共{len(items)}条 {k + 1}/{pages}</span><a href="../xxgknb.htm">首页</a>'
                     f'<a href="{prev}">上页</a>' + (f'<a href="{n - 1}.htm">下页</a>' if n > 1 else ""))
        s.add_html("www", path, page("政府信息公开年报", ul_list(chunk) + f'<div class="pb_sys_common">{pager}</div>'),
                   charset=gbk)
    return s


# --- 5. JSP portal: ?pageNo= 0-based and 1-based, query-string ids, endless-query trap --------

def build_pageno(bases: dict[str, str]) -> Site:
    city = "示范市"
    s = new_portal(bases, "demo-pageno", "示范市人民政府", "湖南", "city", "430500", city,
                   disallow=["/search/", "/zwgk/detail.jsp?id=9"], home=[("/zwgk/index.jsp", "政务公开")])
    s.add_html("www", "/zwgk/index.jsp", chrome(s.name, "政务公开", links([
        ("/zwgk/list.jsp?catid=12&pageNo=0", "政府信息公开年报"), ("/zwgk/list.jsp?catid=13&pageNo=1", "部门信息公开年报"),
        ("/zwgk/list.jsp?catid=14&pageNo=0", "财政预决算")])))
    cats: dict[str, tuple[int, list]] = {"12": (0, []), "13": (1, []), "14": (0, [])}
    counter = [3100]
    def add(cat, title, date, source=None, kind=None, agency=f"{city}人民政府"):
        counter[0] += 1
        path = f"/zwgk/detail.jsp?id={counter[0]}"
        cats[cat][1].append((path, title, date))
        if source:
            report(s, "www", path, title=title, source=source, published=date, agency=agency,
                   extra=f'<p><a href="{path}&print=1">打印</a></p>')
        elif kind:
            noise(s, "www", path, title, kind)
    add("12", f"{city}人民政府2023年政府信息公开工作年度报告", "2024-03-20", "seed_003")
    add("12", f"{city}2024年政府工作报告", "2024-03-10", kind="gzbg")
    add("12", f"{city}人民政府2022年政府信息公开工作年度报告", "2023-03-20", "seed_000")
    add("12", f"{city}2022年法治政府建设年度报告", "2023-03-25", kind="fzzf")
    add("12", f"{city}人民政府政府信息公开工作年度报告制度", "2019-05-01", kind="gkzn")
    add("12", f"2021年{city}人民政府政府信息公开年度报告", "2022-03-20", "seed_004")
    add("13", f"{city}人力资源和社会保障局2023年政府信息公开工作年度报告", "2024-01-25", "seed_001",
        agency=f"{city}人力资源和社会保障局")
    add("13", f"{city}自然资源局2023年政府信息公开工作年度报告", "2024-01-26", "seed_002", agency=f"{city}自然资源局")
    add("13", f"{city}自然资源局2023年政府信息公开工作年度报告图解", "2024-01-27", kind="tujie")
    add("13", f"{city}卫生健康委员会2023年度政府信息公开工作报告", "2024-01-28", "seed_002",
        agency=f"{city}卫生健康委员会")
    add("14", f"{city}2023年财政决算", "2024-06-01", kind="ys")
    per_page = 2

    def listing(method, query, body):
        cat = query.get("catid", "12")
        if cat not in cats:
            return Page(b"not found", "text/plain", status=404)
        base, arts = cats[cat]
        pages = max(1, math.ceil(len(arts) / per_page))
        try:
            no = int(query.get("pageNo", base))
        except ValueError:
            no = base
        chunk = arts[(no - base) * per_page:(no - base + 1) * per_page]
        script = (f'<div class="pager">共{len(arts)}条 共{pages}页 <span id="pg"></span></div><script>'
                  f'var totalPage = {pages}; var pageNo = {no}; function goPage(n){{ location.href = '
                  f'"list.jsp?catid={cat}&pageNo=" + n; }}</script>')
        archive = '<p><a href="archive.jsp?catid=%s&page=1">历年年报</a></p>' % cat if cat == "12" else ""
        text = chrome(s.name, "信息公开年报", table_list(chunk, truncate=16, detail_links=cat == "13") + script + archive)
        return Page(text.encode("utf-8"))
    s.handle("www", "/zwgk/list.jsp", listing)

    def archive(method, query, body):
        """Endless query strings: always one more page, always the same two links."""
        n = int(query.get("page", 1)) if query.get("page", "1").isdigit() else 1
        body_html = (ul_list(cats["12"][1][:2]) + f'<a href="archive.jsp?catid=12&page={n + 1}&_={n * 7919}">下一页</a>')
        return Page(chrome(s.name, "历年年报", body_html).encode("utf-8"))
    s.handle("www", "/zwgk/archive.jsp", archive)
    return s


# --- 6. N.html portal: type-then-year columns, township mini-sites -----------------------------

def build_nhtml(bases: dict[str, str]) -> Site:
    county = "示范县"
    root = "/zfxxgk/zfxxgknb/"
    s = new_portal(bases, "demo-nhtml", "示范县人民政府", "陕西", "county", "610624", county,
                   disallow=["/search/", "/zfxxgk/zfxxgknb/szfnb/2020n/"],
                   home=[("/zfxxgk/", "政府信息公开"), ("/xzjd/", "乡镇街道")])
    s.add_html("www", "/zfxxgk/", chrome(s.name, "政府信息公开", links([
        (root, "政府信息公开年报"), ("/zfxxgk/wzgzndbb/", "政府网站工作年度报表"), ("/zfxxgk/gkzn/", "政府信息公开指南")])))
    s.add_html("www", root, chrome(s.name, "政府信息公开年报", links([
        ("szfnb/2023n/1.html", "县政府"), ("bmnb/2023n/1.html", "部门"), ("szfnb/2020n/1.html", "2020年")])))
    s.add_html("www", root + "szfnb/2023n/1.html", chrome(s.name, "县政府年报", links([
        ("../2022n/1.html", "2022年"), ("../2023n/1.html", "2023年")], "years") + ul_list([
            ("1752504210521403394.html", f"{county}人民政府2023年政府信息公开工作年度报告", "2024-01-31")])
        + '<script>var pageCount = 1;</script>'))
    report(s, "www", root + "szfnb/2023n/1752504210521403394.html", title=f"{county}人民政府2023年政府信息公开工作年度报告",
           source="seed_002", published="2024-01-31", agency=f"{county}人民政府")
    y22 = [("1610000000000000001.html", f"{county}人民政府2022年政府信息公开工作年度报告", "2023-01-31"),
           ("1610000000000000002.html", f"{county}2022年国民经济和社会发展统计公报", "2023-03-01"),
           ("1610000000000000003.html", f"{county}2023年政府工作报告", "2023-02-01"),
           ("1610000000000000004.html", f"{county}人民政府办公室2022年政府信息公开工作年度报告", "2023-01-20")]
    for n, chunk in ((1, y22[:2]), (2, y22[2:])):
        s.add_html("www", root + f"szfnb/2022n/{n}.html", chrome(s.name, "2022年", ul_list(chunk)
                   + f'<div class="page">共2页 <script>var pageCount = 2; var pageIndex = {n};'
                     f'document.write(\'<a href="\' + (pageIndex + 1) + \'.html">下一页</a>\');</script></div>'))
    report(s, "www", root + "szfnb/2022n/" + y22[0][0], title=y22[0][1], source="seed_003", published=y22[0][2],
           agency=f"{county}人民政府")
    noise(s, "www", root + "szfnb/2022n/" + y22[1][0], y22[1][1], "tjgb")
    noise(s, "www", root + "szfnb/2022n/" + y22[2][0], y22[2][1], "gzbg")
    report(s, "www", root + "szfnb/2022n/" + y22[3][0], title=y22[3][1], source="seed_004", published=y22[3][2],
           agency=f"{county}人民政府办公室")
    s.add_html("www", root + "szfnb/2020n/1.html", chrome(s.name, "2020", "<p>robots-disallowed</p>"))
    s.add_html("www", root + "bmnb/2023n/1.html", chrome(s.name, "部门年报", ul_list([
        ("1752504210521409999.html", f"{county}水利局2023年政府信息公开工作年度报告", "2024-01-25")])))
    report(s, "www", root + "bmnb/2023n/1752504210521409999.html", title=f"{county}水利局2023年政府信息公开工作年度报告",
           source="seed_000", published="2024-01-25", agency=f"{county}水利局")
    # township mini-sites, each with its own 政务公开 > 政府信息公开年报
    towns = [("hbz", "河包镇", "seed_002"), ("zyjd", "正阳街道", "seed_004")]
    s.add_html("www", "/xzjd/", chrome(s.name, "乡镇街道", links([(f"/xzjd/{c}/", n) for c, n, _ in towns])))
    for code, town, source in towns:
        base = f"/xzjd/{code}/"
        s.add_html("www", base, chrome(f"{county}{town}", "首页", links([
            (base + "zwgk/", "政务公开"), (base + "xwdt/", "工作动态")]), home=base))
        s.add_html("www", base + "zwgk/", chrome(f"{county}{town}", "政务公开", links([
            (base + "zwgk/zfxxgknb/1.html", "政府信息公开年报"), (base + "zwgk/tzgg/", "通知公告")]), home=base))
        s.add_html("www", base + "zwgk/tzgg/", chrome(f"{county}{town}", "通知公告", ul_list(
            [(base + "zwgk/tzgg/1.html", f"{town}关于做好2023年度政府信息公开工作年度报告编制工作的通知", "2024-01-02")]),
            home=base))
        noise(s, "www", base + "zwgk/tzgg/1.html", f"{town}关于做好2023年度政府信息公开工作年度报告编制工作的通知", "notice")
        art = base + "zwgk/zfxxgknb/1753000000000000001.html"
        title = "2023年政府信息公开工作年度报告"   # no agency in the title: the breadcrumb names it
        s.add_html("www", base + "zwgk/zfxxgknb/1.html", chrome(f"{county}{town}", "政府信息公开年报", ul_list(
            [(art, title, "2024-01-15")]), crumbs=[(base, town), (base + "zwgk/", "政务公开")], home=base))
        report(s, "www", art, title=title, source=source, published="2024-01-15", agency=f"{county}{town}")
    return s


# --- 7. City portal with a separate xxgk host: createPageHTML 6-arg list_N.shtml ---------------

def build_xxgk(bases: dict[str, str], honeypot: str | None = None) -> Site:
    s = Site("demo-xxgk", "示范州人民政府", "四川", "city", "513400", bases)
    city = "示范州"
    xx = s.bases["xxgk"]
    robots(s, "www", ["/search/"])
    robots(s, "xxgk", ["/xxgk/search/", "/xxgk/zfxxgknb/preview/"])
    s.start_urls = [s.url("www", "/")]
    friends = [(f"{honeypot}/", "友情链接：示范网")] if honeypot else []
    friends.append(("http://10.0.0.8/zwgk/", "内网政务公开"))
    # a registry-host page that redirects off the registry (to the honeypot): must not be followed
    if honeypot:
        s.add("xxgk", "/xxgk/zfxxgknb/jump.shtml", Page(b"", status=302, headers={"Location": f"{honeypot}/nb/"}))
    s.add_html("www", "/", chrome(s.name, "首页", links([(xx + "/", "政府信息公开"), ("/xwzx/", "新闻中心")] + friends,
                                                          "mainnav")))
    news_column(s, "www", "/xwzx/", city)
    s.add_html("xxgk", "/", chrome(s.name, "政府信息公开平台", links([
        ("/xxgk/zfxxgknb/list.shtml", "政府信息公开年报"), ("/xxgk/bmxxgk/", "部门信息公开"),
        ("/xxgk/gkzn/", "政府信息公开指南"), ("/xxgk/zfxxgknb/preview/list.shtml", "年报预览")])))
    items = []
    def add(path, title, date, source=None, kind=None, agency=f"{city}人民政府", **kw):
        items.append((path, title, date))
        if source:
            report(s, "xxgk", "/xxgk/zfxxgknb/" + path.lstrip("./"), title=title, source=source, published=date,
                   agency=agency, **kw)
        elif kind:
            noise(s, "xxgk", "/xxgk/zfxxgknb/" + path.lstrip("./"), title, kind)
    if honeypot:
        items.append(("./jump.shtml", f"{city}人民政府2020年政府信息公开工作年度报告", "2021-02-01"))
    add("./202402/t20240201_1001.shtml", f"{city}人民政府2023年政府信息公开工作年度报告", "2024-02-01", "seed_001",
        extra='<p><a href="./t20240201_1001_wap.shtml">移动版</a></p>')
    add("./202402/t20240202_1002.shtml", f"{city}2023年政府网站工作年度报表", "2024-02-02", kind="wzbb")
    add("./202302/t20230203_1003.shtml", f"{city}人民政府2022年度政府信息公开工作报告", "2023-02-03", "seed_002")
    add("./202302/t20230204_1004.shtml", f"{city}2022年政府信息公开工作年度报告报告说明", "2023-02-04", kind="news")
    add("./202202/t20220205_1005.shtml", f"{city}人民政府2021年政府信息公开工作年度报告（文字版）", "2022-02-05", "seed_003")
    per = 3
    pages = math.ceil(len(items) / per)
    for k in range(pages):
        chunk = items[k * per:(k + 1) * per]
        script = (f"<div id='page_div'></div><script>createPageHTML('page_div', {pages}, {k + 1}, 'list', 'shtml', "
                  f"{len(items)});</script>")
        name = "list.shtml" if k == 0 else f"list_{k + 1}.shtml"
        s.add_html("xxgk", "/xxgk/zfxxgknb/" + name, chrome(s.name, "政府信息公开年报", ul_list(chunk) + script))
    s.add_html("xxgk", "/xxgk/zfxxgknb/preview/list.shtml", chrome(s.name, "预览", ul_list([
        ("./t1.shtml", f"{city}人民政府2024年政府信息公开工作年度报告（预览）", "2025-01-01")])))
    s.add_html("xxgk", "/xxgk/bmxxgk/", chrome(s.name, "部门信息公开", links([
        ("/xxgk/bmxxgk/sfgw/", "州发展和改革委员会"), ("/xxgk/bmxxgk/sjyj/", "州教育局")])))
    for code, dept, source in (("sfgw", "州发展和改革委员会", "seed_004"), ("sjyj", "州教育局", "seed_000")):
        base = f"/xxgk/bmxxgk/{code}/"
        s.add_html("xxgk", base, chrome(s.name, dept, links([(base + "zfxxgknb/list.shtml", "信息公开年报"),
                                                             (base + "tzgg/list.shtml", "通知公告")])))
        s.add_html("xxgk", base + "tzgg/list.shtml", chrome(s.name, "通知公告", ul_list([
            ("./202403/t20240301_1.shtml", f"{dept}2024年部门预算公开", "2024-03-01")])
            + "<script>createPageHTML('page_div', 1, 1, 'list', 'shtml', 1);</script>"))
        noise(s, "xxgk", base + "tzgg/202403/t20240301_1.shtml", f"{dept}2024年部门预算公开", "ys")
        art = base + "zfxxgknb/202401/t20240120_2001.shtml"
        title = f"示范{dept}2023年政府信息公开工作年度报告"
        s.add_html("xxgk", base + "zfxxgknb/list.shtml", chrome(s.name, "信息公开年报", ul_list(
            [("./202401/t20240120_2001.shtml", title, "2024-01-20")])
            + "<script>createPageHTML('page_div', 1, 1, 'list', 'shtml', 1);</script>"))
        report(s, "xxgk", art, title=title, source=source, published="2024-01-20", agency=f"示范{dept}")
    return s


# --- 8. a small-site CMS (ASP.NET ?id=): dropdowns, an iframe listing, 详情 links, <base href> -----

def build_aspnet(bases: dict[str, str]) -> Site:
    s = Site("demo-aspnet", "示范镇人民政府", "河南", "township", "411526", bases)
    town = "示范镇"
    robots(s, "www", ["/admin/"])
    s.start_urls = [s.url("www", "/")]
    depts = [("/Dept.aspx?id=11", "示范镇财政所"), ("/Dept.aspx?id=12", "示范镇社会事务办")]
    dropdown = ('<select onchange="window.open(this.value)"><option value="">--部门信息公开--</option>'
                + "".join(f'<option value="{h}">{t}</option>' for h, t in depts) + "</select>")
    s.add_html("www", "/", "<html><head><title>示范镇人民政府</title><script>window.location.href = "
                           "'/Default.aspx';</script></head><body></body></html>")   # an entry page forwarding by script
    s.add_html("www", "/Default.aspx", chrome(s.name, "首页", links([("/Column.aspx?cid=5", "信息公开")]) + dropdown))
    s.add_html("www", "/Column.aspx?cid=5", chrome(s.name, "信息公开", links([
        ("/Column.aspx?cid=7", "年度报告"), ("/Column.aspx?cid=8", "工作动态")])))
    # the 年度报告 column embeds its list in an iframe; the list uses <base href> and ?page=N anchors
    s.add_html("www", "/Column.aspx?cid=7", chrome(s.name, "年度报告", '<iframe src="/List.aspx?cid=7&page=1" '
                                                                     'width="100%" height="600"></iframe>'))
    arts = [(f"/Article.aspx?id={n}", t, d) for n, t, d in (
        (701, f"{town}2023年政府信息公开工作年度报告", "2024-01-18"),
        (702, f"{town}2023年度法治政府建设情况报告", "2024-01-19"),
        (703, f"{town}2022年政府信息公开工作年度报告", "2023-01-16"),
        (704, f"{town}2022年度政府网站工作年度报表", "2023-01-17"))]
    for page in (1, 2):
        chunk = arts[(page - 1) * 2: page * 2]
        rows = "".join(f'<li><a href="{h[1:]}">{esc(t[:10])}…</a><span>{d}</span></li>' for h, t, d in chunk)
        pager = (f'<a href="List.aspx?cid=7&page={page + 1}">下一页</a>' if page == 1 else
                 '<a href="List.aspx?cid=7&page=1">上一页</a>')
        s.add_html("www", f"/List.aspx?cid=7&page={page}",
                   f'<html><head><base href="{s.url("www", "/")}"><meta charset="utf-8"><title>年度报告</title></head>'
                   f'<body><ul>{rows}</ul>{pager}</body></html>')
    report(s, "www", arts[0][0], title=arts[0][1], source="seed_004", published=arts[0][2], agency=f"{town}人民政府",
           trs_meta=False, extra='<p>上一篇：<a href="/Article.aspx?id=703">' + arts[2][1] + '</a></p>')
    noise(s, "www", arts[1][0], arts[1][1], "fzzf")
    report(s, "www", arts[2][0], title=arts[2][1], source="seed_001", published=arts[2][2], agency=f"{town}人民政府",
           trs_meta=False, extra='<p>下一篇：<a href="/Article.aspx?id=701">' + arts[0][1] + '</a></p>')
    noise(s, "www", arts[3][0], arts[3][1], "wzbb")
    for n, (href, dept) in enumerate(depts):
        rows = [(f"/Article.aspx?id={800 + n}", f"{dept}2023年政府信息公开工作年度报告", "2024-01-10"),
                (f"/Article.aspx?id={810 + n}", f"{dept}2023年工作总结", "2024-01-05")]
        s.add_html("www", href, chrome(s.name, dept, table_list(rows, detail_links=True)))
        report(s, "www", rows[0][0], title=rows[0][1], source=["seed_000", "seed_002"][n], published=rows[0][2],
               agency=dept, trs_meta=False)
        s.add_html("www", rows[1][0], chrome(s.name, rows[1][1], f"<h1>{esc(rows[1][1])}</h1><p>全年工作稳步推进。</p>"))
    return s


BUILDERS = {
    "demo-trs": (build_trs, ["www"]),
    "demo-hanweb": (build_hanweb, ["www"]),
    "demo-gkmlpt": (build_gkmlpt, ["www"]),
    "demo-vsb": (build_vsb, ["www"]),
    "demo-pageno": (build_pageno, ["www"]),
    "demo-nhtml": (build_nhtml, ["www"]),
    "demo-xxgk": (build_xxgk, ["www", "xxgk"]),
    "demo-aspnet": (build_aspnet, ["www"]),
}


# --- 9. Hanweb intensive platform: dataproxy-only columns, uid/pageNum columns -------------------

def build_hanwebjy(bases: dict[str, str]) -> Site:
    area = "示范县"
    s = new_portal(bases, "demo-hanwebjy", "示范县人民政府", "湖北", "county", "420222", area,
                   disallow=["/module/search/"], home=[("/col/col2001/index.html", "政务公开")])
    s.add_html("www", "/col/col2001/index.html", chrome(s.name, "政务公开", links([
        ("/col/col2002/index.html", "政府信息公开年报"), ("/col/col2003/index.html", "部门政府信息公开年报"),
        ("/col/col2004/index.html", "政策解读")])))
    recs = []
    def add(col, n, title, date, source=None, kind=None, agency=f"{area}人民政府"):
        y, m, d = (int(x) for x in date.split("-"))
        art = f"/art/{y}/{m}/{d}/art_{col}_{n}.html"
        recs.append((art, title, date))
        if source:
            report(s, "www", art, title=title, source=source, published=date, agency=agency, trs_meta=False)
        elif kind:
            noise(s, "www", art, title, kind)
    add(2002, 7001, f"{area}人民政府2024年政府信息公开工作年度报告", "2025-01-22", "seed_001")
    add(2002, 7002, f"{area}2025年政府工作报告", "2025-01-10", kind="gzbg")
    add(2002, 7003, f"{area}人民政府2023年政府信息公开工作年度报告", "2024-01-25", "seed_004")
    add(2002, 7004, f"{area}2023年法治政府建设年度报告", "2024-02-01", kind="fzzf")
    add(2002, 7005, f"{area}政府网站工作年度报表（2023年度）", "2024-01-15", kind="wzbb")
    add(2002, 7006, f"{area}人民政府2022年政府信息公开工作年度报告", "2023-01-28", "seed_000")
    add(2002, 7007, f"{area}2022年国民经济和社会发展统计公报", "2023-03-10", kind="tjgb")
    # an intensive-platform column: no <datastore> in the page, every record from /module/jpage/dataproxy.jsp
    jpage = ('<div id="div2002"></div><script language="javascript" src="/module/jslib/jquery/jpage/dataproxy.js">'
             '</script><script>$(document).ready(function(){$("#div2002").jpage({dataStore: "url", perPage: 2, '
             'proxyUrl: "/module/jpage/dataproxy.jsp", param: {col: 1, appid: 1, webid: 3, path: "/", '
             'columnid: 2002, sourceContentType: 1, unitid: 9002, webname: "示范县", permissiontype: 0}});});'
             '</script>')
    s.add_html("www", "/col/col2002/index.html", chrome(s.name, "政府信息公开年报", jpage))
    s.jpage = {"2002": recs}
    s.handle("www", "/module/jpage/dataproxy.jsp", _dataproxy(s))
    # a newer column: records in the HTML, pages index.html?uid=3003&pageNum=N drawn by script
    dept = []
    for n, (unit, source, date) in enumerate([("县发展和改革局", "seed_002", "2025-01-15"),
                                               ("县教育局", "seed_002", "2025-01-16"),
                                               ("县财政局2025年部门预算", None, "2025-02-01"),
                                               ("县卫生健康局", "seed_003", "2025-01-18"),
                                               ("县自然资源和规划局", "seed_004", "2025-01-19")]):
        art = f"/art/2025/{int(date[5:7])}/{int(date[8:])}/art_2003_{8000 + n}.html"
        if source:
            title = f"{area}{unit[1:]}2024年政府信息公开工作年度报告"
            report(s, "www", art, title=title, source=source, published=date, agency=f"{area}{unit[1:]}",
                   trs_meta=False)
        else:
            title = f"{area}{unit[1:]}"
            noise(s, "www", art, title, "ys")
        dept.append((art, title, date))
    per = 2
    pages = math.ceil(len(dept) / per)

    def dept_column(method, query, body):
        try:
            page = max(1, int(query.get("pageNum", 1)))
        except ValueError:
            page = 1
        chunk = dept[(page - 1) * per: page * per]
        pager = (f'<div class="default_pgContainer">{ul_list(chunk)}</div><div id="pager">共{pages}页</div><script>'
                 f'var uid = "3003"; var totalPage = {pages}; var pageNum = {page};'
                 f'for (var i = 1; i <= totalPage; i++) {{ document.write(\'<a href="index.html?uid=\' + uid + '
                 f'\'&pageNum=\' + i + \'">\' + i + \'</a>\'); }}</script>')
        return Page(chrome(s.name, "部门政府信息公开年报", pager).encode("utf-8"))
    s.handle("www", "/col/col2003/index.html", dept_column)
    s.add_html("www", "/col/col2004/index.html", chrome(s.name, "政策解读", ul_list([
        ("/art/2024/1/26/art_2004_1.html", f"《{area}人民政府2023年政府信息公开工作年度报告》解读", "2024-01-26")])))
    noise(s, "www", "/art/2024/1/26/art_2004_1.html", f"《{area}人民政府2023年政府信息公开工作年度报告》解读", "tujie")
    return s


# --- 10. Guangdong column listings: index_N.html (1-based), content/post_<id>.html --------------

def build_gdcolumn(bases: dict[str, str]) -> Site:
    county = "示范县"
    root = "/zwgk/zfxxgkgzndbg/"
    s = new_portal(bases, "demo-gdcolumn", "示范县人民政府", "广东", "county", "441423", county,
                   disallow=["/search/", "/zwgk/zfxxgkgzndbg/content/post_9.html"], home=[("/zwgk/", "政务公开")])
    s.add_html("www", "/zwgk/", chrome(s.name, "政务公开", links([
        (root, "政府信息公开工作年度报告"), ("/zwgk/zcwj/", "政策文件"), ("/zwgk/tzgg/", "通知公告")])))
    for path, name, post, title in (("/zwgk/zcwj/", "政策文件", 1900001, f"{county}关于印发2025年政务公开工作要点的通知"),
                                    ("/zwgk/tzgg/", "通知公告", 1900002, f"{county}关于报送2024年度政府信息公开工作年度报告的通知")):
        s.add_html("www", path, chrome(s.name, name, ul_list([(f"{path}content/post_{post}.html", title, "2025-01-05")])))
        noise(s, "www", f"{path}content/post_{post}.html", title, "notice" if "年度报告" in title else "news")
    items = []
    def add(post, title, date, source=None, kind=None, agency=f"{county}人民政府", **kw):
        path = f"{root}content/post_{post}.html"
        items.append((path, title, date))
        if source:
            report(s, "www", path, title=title, source=source, published=date, agency=agency, **kw)
        elif kind:
            noise(s, "www", path, title, kind)
    add(1887001, f"{county}人民政府2024年政府信息公开工作年度报告", "2025-01-20", "seed_003")
    add(1887002, f"{county}2024年国民经济和社会发展统计公报", "2025-03-01", kind="tjgb")
    add(1887003, f"{county}城市管理和综合执法局2024年政府信息公开工作年度报告", "2025-01-21", "seed_000",
        agency=f"{county}城市管理和综合执法局")
    docx_url = attachment(s, "www", "/attachment/0/176/176500/1765004.docx", "seed_002_docx")
    add(1765004, f"{county}人民政府2023年政府信息公开工作年度报告", "2024-01-22", "seed_002_docx",
        attachments_html=f'<p>附件：<a href="{esc(docx_url)}">{county}人民政府2023年政府信息公开工作年度报告.docx</a></p>',
        attachments=(docx_url,))
    add(1765005, f"{county}2023年法治政府建设年度报告", "2024-02-10", kind="fzzf")
    add(1765006, f"{county}人民政府办公室2023年政府信息公开工作年度报告", "2024-01-18", "seed_001",
        agency=f"{county}人民政府办公室")
    add(1654007, f"{county}2023年部门预算", "2023-02-01", kind="ys")
    add(1654008, f"{county}人民政府2022年政府信息公开工作年度报告", "2023-01-30", "seed_002")
    items.append((f"{root}content/post_9.html", f"{county}人民政府2021年政府信息公开工作年度报告", "2022-01-30"))
    per = 2
    pages = math.ceil(len(items) / per)
    for k in range(pages):
        chunk = items[k * per:(k + 1) * per]
        # the pager: 共N页 and the last page only; the pages between are never linked
        pager = (f'<div class="page">共{pages}页 当前第{k + 1}页 <a href="index.html">首页</a>'
                 f'<a href="index_{pages}.html">尾页</a></div>')
        name = "index.html" if k == 0 else f"index_{k + 1}.html"
        text = chrome(s.name, "政府信息公开工作年度报告", ul_list(chunk, truncate=20) + pager)
        s.add_html("www", root + name, text)
        if k == 0:
            s.add_html("www", root, text)
    return s


# --- 11. Anhui 政务公开 platform: organisation × year selector, no list -----------------------------

ANHUI_SELECTOR_SCRIPT = ('<script>function showReport(){ var organ = document.getElementById("organ").value; '
                         'var year = document.getElementById("year").value; '
                         'window.location.href = "/OpennessAnnualReport/year/show/" + organ + "/" + year + ".html"; }'
                         '</script>')


def build_anhui(bases: dict[str, str]) -> Site:
    county = "示范县"
    s = new_portal(bases, "demo-anhui", "示范县人民政府", "安徽", "county", "341721", county,
                   disallow=["/site/search/"], home=[("/OpennessAnnualReport/index.html", "政府信息公开年报"),
                                                     ("/OpennessContent/list.html", "法定主动公开内容")])
    orgs = [("11341721003000001X", f"{county}人民政府办公室"), ("11341721003000002Y", f"{county}发展和改革委员会"),
            ("11341721003000003Z", f"{county}东流镇人民政府"), ("11341721003000004W", f"{county}政务服务管理局")]
    years = [2024, 2023, 2022, 2021]
    filled = {(0, 2024): "seed_004", (0, 2023): "seed_000", (1, 2024): "seed_002", (2, 2023): "seed_001",
              (3, 2024): "seed_004", (3, 2022): "seed_002"}
    selector = ('<div class="nb_select"><select id="organ" name="organ">' +
                "".join(f'<option value="{c}">{esc(n)}</option>' for c, n in orgs) +
                '</select><select id="year" name="year">' + "".join(f'<option value="{y}">{y}年</option>' for y in years) +
                '</select><a href="javascript:void(0)" onclick="showReport()">查询</a></div>' + ANHUI_SELECTOR_SCRIPT)
    s.add_html("www", "/OpennessAnnualReport/index.html", chrome(s.name, "政府信息公开年报", selector))
    s.add_html("www", "/OpennessContent/list.html", chrome(s.name, "法定主动公开内容", ul_list([
        ("/OpennessContent/show/1.html", f"{county}2024年政府工作报告", "2024-03-01")])))
    noise(s, "www", "/OpennessContent/show/1.html", f"{county}2024年政府工作报告", "gzbg")
    for i, (code, org) in enumerate(orgs):
        for year in years:
            path = f"/OpennessAnnualReport/year/show/{code}/{year}.html"
            source = filled.get((i, year))
            title = f"{org}{year}年政府信息公开工作年度报告"
            if source:   # every view carries the selector again (the platform's page frame)
                report(s, "www", path, title=title, source=source, published=f"{year + 1}-01-2{i}", agency=org,
                       column="政府信息公开年报", extra=selector)
            else:
                s.add_html("www", path, chrome(s.name, "政府信息公开年报", selector + (
                    f'<div class="nb_title">{esc(title)}</div><div class="nb_empty">该单位暂未发布本年度报告。</div>')))
    return s


# --- 12. Kaipu (开普云) public platform: organisation tree × timeFrame year ------------------------

def build_kaipu(bases: dict[str, str]) -> Site:
    county = "示范县"
    s = new_portal(bases, "demo-kaipu", "示范县人民政府", "四川", "county", "510727", county,
                   disallow=["/public/search/"], home=[("/public/column/6591?type=4&action=list&nav=3", "政府信息公开年报")])
    orgs = [(6591, f"{county}人民政府"), (6601, f"{county}发展和改革局"), (6602, f"{county}平通镇人民政府"),
            (6603, f"{county}行政审批和营商环境建设局")]
    years = [2024, 2023, 2022]
    filled = {(6591, 2024): "seed_003", (6591, 2023): "seed_001", (6601, 2024): "seed_000",
              (6602, 2023): "seed_002", (6603, 2024): "seed_004"}
    tree = '<ul class="ztree">' + "".join(f'<li><a href="/public/column/{c}?type=4&action=list&nav=3">{esc(n)}</a></li>'
                                          for c, n in orgs) + "</ul>"
    bar = ('<div class="year-bar">' + "".join(f'<a href="javascript:;" onclick="changeYear({y})">{y}年</a>' for y in years)
           + '</div><script>function changeYear(y){ location.href = location.pathname + "?type=4&action=list&nav=3&timeFrame="'
             ' + y + "&hasContent=true"; }</script>')
    for col, org in orgs:
        s.add_html("www", f"/public/column/{col}?type=4&action=list&nav=3", chrome(
            s.name, "政府信息公开年报", tree + bar + f"<p>{esc(org)}：请选择年度。</p>"))
        for year in years:
            path = f"/public/column/{col}?type=4&action=list&nav=3&timeFrame={year}&hasContent=true"
            source = filled.get((col, year))
            title = f"{org}{year}年政府信息公开工作年度报告"
            if source:
                report(s, "www", path, title=title, source=source, published=f"{year + 1}-02-0{years.index(year) + 1}",
                       agency=org, extra=tree + bar)
            else:
                s.add_html("www", path, chrome(s.name, "政府信息公开年报", tree + bar + '<div class="empty">暂无信息</div>'))
    return s


# --- 13. TRS id listings: `var countPage = N` only, /t<id>.shtml ---------------------------------

def build_trsid(bases: dict[str, str]) -> Site:
    city = "示范市"
    root = "/zfxxgk/zfxxgkgzndbg/"
    s = new_portal(bases, "demo-trsid", "示范市人民政府", "广西", "city", "450300", city,
                   disallow=["/search/"], home=[("/zfxxgk/", "政府信息公开")])
    s.add_html("www", "/zfxxgk/", chrome(s.name, "政府信息公开", links([(root, "政府信息公开工作年度报告"),
                                                                     ("/zfxxgk/gkzn/", "政府信息公开指南")])))
    noise(s, "www", "/zfxxgk/gkzn/", f"{city}政府信息公开指南", "gkzn")
    items = []
    def add(tid, title, date, source=None, kind=None, agency=f"{city}人民政府"):
        items.append((f"./t{tid}.shtml", title, date))
        if source:
            report(s, "www", f"{root}t{tid}.shtml", title=title, source=source, published=date, agency=agency)
        elif kind:
            noise(s, "www", f"{root}t{tid}.shtml", title, kind)
    add(19950001, f"{city}人民政府2024年政府信息公开工作年度报告", "2025-01-26", "seed_002")
    add(19950002, f"{city}2024年政府网站工作年度报表", "2025-01-20", kind="wzbb")
    add(17850003, f"{city}人民政府2023年政府信息公开工作年度报告", "2024-01-26", "seed_003")
    add(17850004, f"{city}北部湾办公室2023年政府信息公开工作年度报告", "2024-01-24", "seed_000",
        agency=f"{city}北部湾办公室")
    add(15690005, f"{city}2022年政府工作报告", "2023-01-10", kind="gzbg")
    add(15690006, f"{city}人民政府2022年政府信息公开工作年度报告", "2023-01-29", "seed_004")
    per = 2
    pages = math.ceil(len(items) / per)
    for k in range(pages):
        chunk = items[k * per:(k + 1) * per]
        script = (f'<div id="pageBar"></div><script>var countPage = {pages}; var currentPage = {k};</script>'
                  f'<script src="/js/pagebar.js"></script>')
        text = chrome(s.name, "政府信息公开工作年度报告", ul_list(chunk) + script)
        s.add_html("www", root + ("index.shtml" if k == 0 else f"index_{k}.shtml"), text)
        if k == 0:
            s.add_html("www", root, text)
    return s


# --- 14. Hunan numeric directories: /<site>/<col>/<sub>/content_<id>.html -----------------------

def build_hunan(bases: dict[str, str]) -> Site:
    county = "示范县"
    s = new_portal(bases, "demo-hunan", "示范县人民政府", "湖南", "county", "430624", county,
                   disallow=["/search/"], home=[("/31185/32016/index.html", "政府信息公开年报")])
    subs = [(41380, "县本级"), (41381, "乡镇（街道）"), (41382, "县直单位")]
    s.add_html("www", "/31185/32016/index.html", chrome(s.name, "政府信息公开年报", links(
        [(f"/31185/32016/{c}/index.html", n) for c, n in subs], "subcol")))
    content = {41380: [(2150541, f"{county}人民政府2024年政府信息公开工作年度报告", "2025-01-25", "seed_004", f"{county}人民政府"),
                       (2150542, f"{county}2024年政府工作报告", "2025-01-08", None, "gzbg"),
                       (1899915, f"{county}人民政府2023年政府信息公开工作年度报告", "2024-01-25", "seed_001", f"{county}人民政府")],
               41381: [(2150601, f"{county}文星镇2024年政府信息公开工作年度报告", "2025-01-20", "seed_002", f"{county}文星镇人民政府"),
                       (2150602, f"{county}文星镇2024年财政预算执行情况", "2025-01-21", None, "ys")],
               41382: [(2150701, f"{county}住房和城乡建设局2024年政府信息公开工作年度报告", "2025-01-22", "seed_002",
                        f"{county}住房和城乡建设局")]}
    for col, rows in content.items():
        items = []
        for cid, title, date, source, extra in rows:
            path = f"/31185/32016/{col}/content_{cid}.html"
            items.append((path, title, date))
            if source:
                report(s, "www", path, title=title, source=source, published=date, agency=extra)
            else:
                noise(s, "www", path, title, extra)
        per = 2
        pages = math.ceil(len(items) / per)
        for k in range(pages):
            pager = f'<div class="pagination">共{pages}页</div><script src="/js/page.js"></script>'
            name = "index.html" if k == 0 else f"index_{k + 1}.html"
            s.add_html("www", f"/31185/32016/{col}/{name}", chrome(s.name, dict(subs)[col], ul_list(
                items[k * per:(k + 1) * per]) + pager))
    return s


# --- 15. Shandong gongkai: per-organisation sites, channels paged ?page=N by layui --------------

def build_shandong(bases: dict[str, str]) -> Site:
    district = "示范区"
    s = new_portal(bases, "demo-shandong", "示范市示范区人民政府", "山东", "district", "370103", district,
                   disallow=["/gongkai/search/"], home=[("/gongkai/", "政务公开")])
    sites = [("shifanquqzfbgs", f"{district}人民政府办公室", "6389a3c83759918282638268",
              [("65d1556e7da0f04961a5e2c4", f"{district}人民政府2024年政府信息公开工作年度报告", "2025-01-20", "seed_000"),
               ("65d1556e7da0f04961a5e2c5", f"{district}2024年政府工作报告", "2025-01-05", None),
               ("55d1556e7da0f04961a5e2c6", f"{district}人民政府2023年政府信息公开工作年度报告", "2024-01-20", "seed_003"),
               ("55d1556e7da0f04961a5e2c7", f"{district}2023年国民经济和社会发展统计公报", "2024-03-01", None),
               ("45d1556e7da0f04961a5e2c8", f"{district}人民政府2022年政府信息公开工作年度报告", "2023-01-20", "seed_004")]),
             ("sfqqyjdbsc", f"{district}泉源街道办事处", "6389a3c83759918282638999",
              [("65d1556e7da0f04961a5e3d1", f"{district}泉源街道办事处2024年政府信息公开工作年度报告", "2025-01-18",
                "seed_002")])]
    s.add_html("www", "/gongkai/", chrome(s.name, "政务公开", links([(f"/gongkai/site_{c}/", n) for c, n, *_ in sites],
                                                                   "sitelist")))
    for code, org, channel, docs in sites:
        base = f"/gongkai/site_{code}/"
        s.add_html("www", base, chrome(org, "政务公开", links([
            (f"{base}channel_{channel}/", "政府信息公开年报"), (f"{base}channel_5f00000000000000000000aa/", "政策解读")])))
        items = []
        for doc, title, date, source in docs:
            path = f"{base}channel_{channel}/doc_{doc}.html"
            items.append((path, title, date))
            if source:
                report(s, "www", path, title=title, source=source, published=date, agency=org if "街道" in org
                       else f"{district}人民政府")
            else:
                noise(s, "www", path, title, "gzbg" if "工作报告" in title else "tjgb")
        limit = 2

        def channel_page(method, query, body, items=items, org=org):
            try:
                page = max(1, int(query.get("page", 1)))
            except ValueError:
                page = 1
            chunk = items[(page - 1) * limit: page * limit]
            pager = (f'<div id="page"></div><script src="/layui/layui.js"></script><script>layui.use("laypage", '
                     f'function(){{ var laypage = layui.laypage; laypage.render({{elem: "page", count: {len(items)}, '
                     f'limit: {limit}, curr: {page}, jump: function(obj, first){{ if(!first){{ location.href = '
                     f'"?page=" + obj.curr; }} }} }}); }});</script>')
            return Page(chrome(org, "政府信息公开年报", ul_list(chunk) + pager).encode("utf-8"))
        s.handle("www", f"{base}channel_{channel}/", channel_page)
    return s


# --- 16. Inner Mongolia: article_<timestamp>.html, ?page=N from the bare column URL -----------

def build_nmarticle(bases: dict[str, str]) -> Site:
    league = "示范盟"
    s = new_portal(bases, "demo-nmarticle", "示范盟行政公署", "内蒙古", "city", "152200", league,
                   disallow=["/search/"], home=[("/wsb/zwgk/xxgknb/", "政府信息公开年报")])
    items = []
    def add(stamp, title, source=None, kind=None, agency=f"{league}行政公署"):
        date = f"{stamp[:4]}-{stamp[4:6]}-{stamp[6:8]}"
        path = f"/wsb/{date[:7]}/{date[8:]}/article_{stamp}.html"
        items.append((path, title, date))
        if source:
            report(s, "www", path, title=title, source=source, published=date, agency=agency)
        else:
            noise(s, "www", path, title, kind)
    add("2026012017235865780", f"{league}行政公署外事办公室2025年政府信息公开工作年度报告", "seed_001",
        agency=f"{league}行政公署外事办公室")
    add("2026011509000000001", f"{league}2025年政府工作报告", kind="gzbg")
    add("2025012010000000002", f"{league}行政公署2024年政府信息公开工作年度报告", "seed_002")
    add("2025011010000000003", f"{league}2024年法治政府建设年度报告", kind="fzzf")
    add("2024012210000000004", f"{league}行政公署2023年政府信息公开工作年度报告", "seed_000")
    per = 2
    pages = math.ceil(len(items) / per)

    def column(method, query, body):
        try:
            page = max(1, int(query.get("page", 1)))
        except ValueError:
            page = 1
        # the pager's links are script calls: only 共N页 says how far the column goes
        nxt = f'<a href="javascript:void(0)" onclick="goPage({page + 1})">下一页</a>' if page < pages else ""
        text = chrome(s.name, "政府信息公开年报", ul_list(items[(page - 1) * per: page * per])
                      + f'<div class="page">共{pages}页 {nxt}</div><script>function goPage(n){{ location.href = '
                        f'"?page=" + n; }}</script>')
        return Page(text.encode("utf-8"))
    s.handle("www", "/wsb/zwgk/xxgknb/", column)
    return s


# --- 17. dynamic PHP CMS: list.php?catid=&page=, index.php?c=show&id= / show.php?id= ------------

def build_phpcms(bases: dict[str, str]) -> Site:
    county = "示范县"
    s = new_portal(bases, "demo-phpcms", "示范县人民政府", "江西", "county", "360423", county,
                   disallow=["/search/", "/api.php"], home=[("/list.php?catid=12", "政府信息公开年报")])
    items = []
    def add(n, title, date, source=None, kind=None, agency=f"{county}人民政府"):
        path = f"/index.php?m=content&c=index&a=show&catid=12&id={n}" if n % 2 else f"/show.php?id={n}"
        items.append((path, title, date))
        if source:
            report(s, "www", path, title=title, source=source, published=date, agency=agency)
        else:
            noise(s, "www", path, title, kind)
    add(301, f"{county}人民政府2024年政府信息公开工作年度报告", "2025-01-21", "seed_003")
    add(302, f"{county}2024年国民经济和社会发展统计公报", "2025-03-02", kind="tjgb")
    add(303, f"{county}人民政府2023年政府信息公开工作年度报告", "2024-01-21", "seed_004")
    add(306, f"{county}人民政府2022年政府信息公开工作年度报告", "2023-01-21", "seed_000")
    add(304, f"{county}市场监督管理局2023年政府信息公开工作年度报告", "2024-01-19", "seed_002",
        agency=f"{county}市场监督管理局")
    add(305, f"{county}2023年政府网站工作年度报表", "2024-01-15", kind="wzbb")
    add(307, f"{county}2022年部门预算", "2022-02-01", kind="ys")
    # a long category: more pages than link hops are allowed (OGI_MAX_DEPTH), the oldest report last
    for n in range(308, 340):
        add(n, f"{county}关于开展{n - 300}号专项检查工作的通知", "2022-01-10", kind="news")
    add(340, f"{county}人民政府2021年政府信息公开工作年度报告", "2022-01-21", "seed_001")
    per = 1   # 40 pages: more than link hops allow, and more than the per-path query-string cap
    pages = math.ceil(len(items) / per)

    def listing(method, query, body):
        if query.get("catid") != "12":
            return Page(b"<html><body>no such category</body></html>", status=404)
        try:
            page = max(1, int(query.get("page", 1)))
        except ValueError:
            page = 1
        # PHPCMS shows the record count and only the next page number
        nxt = (f'<a href="list.php?catid=12&page={page + 1}">{page + 1}</a> '
               f'<a href="list.php?catid=12&page={page + 1}" class="a1">下一页</a>') if page < pages else ""
        pager = f'<div id="pages" class="text-c"><a class="a1">{len(items)}条</a> <span>{page}</span> {nxt}</div>'
        return Page(chrome(s.name, "政府信息公开年报", ul_list(items[(page - 1) * per: page * per]) + pager).encode("utf-8"))
    s.handle("www", "/list.php", listing)
    return s


# --- walls and bad input (test-only portals) ----------------------------------------------------

RUISHU_412 = (b'<!DOCTYPE html><html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8">'
              b'<script type="text/javascript" r="m">$_ts=window[\'$_ts\'];if(!$_ts){$_ts={};window[\'$_ts\']=$_ts;}'
              b'$_ts.nsd=51204;$_ts.cd="qnrSrrAlrGVcDqAtcsAlrrQrDqAsDaQtqGl";</script>'
              b'<script type="text/javascript">document.cookie = "ogi_clearance=7f3a; path=/"; '
              b'setTimeout(function(){ location.reload(); }, 50);</script></head><body></body></html>')
YUNAQ_468 = (b'<html><head><title>\xe5\xae\x89\xe5\x85\xa8\xe9\xaa\x8c\xe8\xaf\x81</title></head><body>'
             b'<noscript>Please enable JavaScript.</noscript><script>(function(){var t="9e2c";'
             b'document.cookie="ogi_clearance="+t+"; path=/";window.location.reload();})();</script></body></html>')
JIASULE_521 = (b'<html><body><script>document.cookie=("__jsl_clearance_s=1733560000.123|0|"+'
               b'(function(){return "ogi_clearance=9b1d"})())+";max-age=3600;path=/";'
               b'document.cookie="ogi_clearance=9b1d; path=/";location.href=location.pathname+location.search'
               b'</script></body></html>')


def build_wall(pid: str, status: int, body: bytes, province: str, code: str):
    """A portal behind an anti-bot wall: every path (robots.txt too) answers `status` with a script
    challenge, unless the request carries the cookie the script would set (what a browser does)."""
    def build(bases: dict[str, str]) -> Site:
        s = Site(pid, "示范市人民政府", province, "city", code, bases)
        s.start_urls = [s.url("www", "/")]
        s.add_html("www", "/", chrome(s.name, "首页", links([("/zwgk/zfxxgknb/", "政府信息公开年报")])))
        s.add_html("www", "/zwgk/zfxxgknb/", chrome(s.name, "政府信息公开年报", ul_list([
            ("/zwgk/zfxxgknb/t20250120_1.html", "示范市人民政府2024年政府信息公开工作年度报告", "2025-01-20")])))
        report(s, "www", "/zwgk/zfxxgknb/t20250120_1.html", title="示范市人民政府2024年政府信息公开工作年度报告",
               source="seed_000", published="2025-01-20", agency="示范市人民政府")
        s.wall = Page(body, "text/html; charset=utf-8", status=status)
        s.wall_cookie = "ogi_clearance="
        return s
    return build


def build_broken(bases: dict[str, str]) -> Site:
    """Broken listings: garbage bytes, a truncated page, an absurd page count; no report anywhere."""
    s = new_portal(bases, "demo-broken", "示范县人民政府", "河北", "county", "130521", "示范县",
                   disallow=["/search/"], home=[("/zfxxgk/zfxxgknb/", "政府信息公开年报"),
                                                ("/zfxxgk/bmnb/", "部门政府信息公开年报")])
    s.add("www", "/zfxxgk/zfxxgknb/", Page(b"\x00\xff\xfe<html><body><ul><li><a href=\"./t1.html\" title=\"\xb2\xe9"
                                           b"\x00\x00" + bytes(range(256)) * 8, "text/html; charset=utf-8"))
    s.add_html("www", "/zfxxgk/bmnb/", '<html><head><title>部门年报</title></head><body><script>var countPage = '
                                       '99999999; createPageHTML(countPage, 0, "index", "html");</script><ul><li>'
                                       '<a href="./t2.html')   # truncated mid-tag
    s.add_html("www", "/zfxxgk/bmnb/index_1.html", chrome(s.name, "部门年报", "<p>暂无信息</p>"))
    return s


def build_endless_selector(bases: dict[str, str]) -> Site:
    """An organisation × year selector that never ends: years 1900–2100, and every view offers one more
    organisation than the last. One view holds a real report."""
    county = "示范县"
    s = new_portal(bases, "demo-endless", "示范县人民政府", "安徽", "county", "341722", county,
                   disallow=["/site/search/"], home=[("/XxgkAnnualReport/index.html", "政府信息公开年报")])
    years = "".join(f'<option value="{y}">{y}年</option>' for y in range(2100, 1899, -1))

    def selector(n: int) -> str:
        orgs = "".join(f'<option value="{k}">{county}第{k}单位</option>' for k in range(1, n + 1))
        return (f'<form action="/XxgkAnnualReport/show" method="get"><select name="organ">{orgs}</select>'
                f'<select name="year">{years}</select><input type="submit" value="查询"></form>')
    s.add_html("www", "/XxgkAnnualReport/index.html", chrome(s.name, "政府信息公开年报", selector(3)))
    title = f"{county}人民政府2024年政府信息公开工作年度报告"
    report(s, "www", "/XxgkAnnualReport/show?organ=1&year=2024", title=title, source="seed_002",
           published="2025-01-20", agency=f"{county}人民政府")
    real = s.pages[("www", request_key("/XxgkAnnualReport/show?organ=1&year=2024"))]

    def view(method, query, body):
        if query.get("organ") == "1" and query.get("year") == "2024":
            return real
        try:
            n = int(query.get("organ", 1))
        except ValueError:
            n = 1
        return Page(chrome(s.name, "政府信息公开年报", selector(n + 3) + "<p>暂无数据</p>").encode("utf-8"))
    s.handle("www", "/XxgkAnnualReport/show", view)
    return s


def build_slow(bases: dict[str, str]) -> Site:
    """A portal that never answers in time (every page, robots.txt aside, takes 4 s)."""
    s = new_portal(bases, "demo-slow", "示范县人民政府", "贵州", "county", "520425", "示范县",
                   disallow=["/search/"], home=[("/zwgk/", "政务公开")])
    for page in s.pages.values():
        page.delay = 4.0
    return s


# `ogi demo` serves BUILDERS (kept quick: the flows tests and the demo run all of them); the other
# family portals, the walls and the bad-input portals are test-only (tests/crawlers/test_families.py,
# test_walls.py): pass them as `DemoPortals(builders=…)`.
BUILDERS.update({
    "demo-hanwebjy": (build_hanwebjy, ["www"]),
    "demo-gdcolumn": (build_gdcolumn, ["www"]),
    "demo-anhui": (build_anhui, ["www"]),
})
FAMILY_BUILDERS = {
    "demo-kaipu": (build_kaipu, ["www"]),
    "demo-trsid": (build_trsid, ["www"]),
    "demo-hunan": (build_hunan, ["www"]),
    "demo-shandong": (build_shandong, ["www"]),
    "demo-nmarticle": (build_nmarticle, ["www"]),
    "demo-phpcms": (build_phpcms, ["www"]),
}
WALL_BUILDERS = {
    "demo-wall412": (build_wall("demo-wall412", 412, RUISHU_412, "四川", "510100"), ["www"]),
    "demo-wall521": (build_wall("demo-wall521", 521, JIASULE_521, "湖南", "431000"), ["www"]),
    "demo-wall468": (build_wall("demo-wall468", 468, YUNAQ_468, "青海", "632600"), ["www"]),
}
BAD_INPUT_BUILDERS = {
    "demo-broken": (build_broken, ["www"]),
    "demo-endless": (build_endless_selector, ["www"]),
    "demo-slow": (build_slow, ["www"]),
}
# the platform each family portal must be recognised as (its `platform` in the crawl stats)
EXPECTED_PLATFORM = {
    "demo-trs": "trs", "demo-hanweb": "hanweb", "demo-gkmlpt": "gkmlpt", "demo-vsb": "vsb", "demo-pageno": "pageno",
    "demo-nhtml": "numbered", "demo-xxgk": "trs", "demo-aspnet": "generic", "demo-hanwebjy": "hanweb", "demo-gdcolumn": "gdcolumn",
    "demo-anhui": "anhui", "demo-kaipu": "kaipu", "demo-trsid": "trsid", "demo-hunan": "hunan",
    "demo-shandong": "shandong", "demo-nmarticle": "nmarticle", "demo-phpcms": "phpcms",
}
