from parsel import Selector

from crawlers.pages import extract_attachments, extract_links, is_attachment_url, page_title, published_date

BASE = "http://a.gov.cn/zfxxgknb/202401/t20240120_1.html"


def test_links_prefer_full_title_attribute():
    sel = Selector(text='<a href="./t1.html" title="示范县财政局2023年政府信息公开工作年度报告">示范县财政局2023年政府…</a>'
                        '<a href="javascript:void(0)" onclick="x()">空</a><a href="#top">顶部</a>')
    links = extract_links(sel, BASE)
    assert [(l.url, l.text) for l in links] == [
        ("http://a.gov.cn/zfxxgknb/202401/t1.html", "示范县财政局2023年政府信息公开工作年度报告")]


def test_attachments_every_way():
    html = """
    <a href="./P020240120123456789012.pdf">报告.pdf</a>
    <iframe src="/attach/2024/report.pdf"></iframe>
    <embed src="/attach/embed.pdf"><object data="/attach/object.pdf"></object>
    <a href="/pdfjs/web/viewer.html?file=%2Fattach%2F%E5%B9%B4%E6%8A%A5.pdf">在线阅读</a>
    <iframe src="/pdfjs/web/viewer.html?file=/attach/viewer2.pdf"></iframe>
    <span onclick="window.open('/attach/onclick.docx')">下载Word</span>
    <a href="javascript:void(0)" onclick="window.open('/system/_content/download.jsp?urltype=news.DownloadAttachUrl&owner=1&wbfileid=2')">下载</a>
    <a href="/module/download/downfile.jsp?classid=0&filename=abc.xls">统计表</a>
    <a href="/other/page.html">其他</a><img src="/logo.png">
    """
    got = extract_attachments(Selector(text=html), BASE)
    assert got == [   # document order of a/iframe/embed/object
        "http://a.gov.cn/zfxxgknb/202401/P020240120123456789012.pdf",
        "http://a.gov.cn/attach/2024/report.pdf",
        "http://a.gov.cn/attach/embed.pdf",
        "http://a.gov.cn/attach/object.pdf",
        "http://a.gov.cn/attach/年报.pdf",
        "http://a.gov.cn/attach/viewer2.pdf",
        "http://a.gov.cn/system/_content/download.jsp?urltype=news.DownloadAttachUrl&owner=1&wbfileid=2",
        "http://a.gov.cn/module/download/downfile.jsp?classid=0&filename=abc.xls",
        "http://a.gov.cn/attach/onclick.docx",    # other elements with onclick come last
    ]


def test_attachment_urls():
    assert is_attachment_url("http://a/x/%E5%B9%B4%E6%8A%A5.PDF")
    assert is_attachment_url("http://a/module/download/downfile.jsp?classid=0&filename=1.pdf")
    assert not is_attachment_url("http://a/zwgk/detail.jsp?id=3")
    assert not is_attachment_url("http://a/x/t2023_1.html")


def test_title_and_date():
    sel = Selector(text='<html><head><title>列表_示范县</title><meta name="ArticleTitle" content="A 2023年报">'
                        '<meta name="PubDate" content="2024-01-31 09:30"></head><body><h1>B</h1></body></html>')
    assert page_title(sel) == "A2023年报"
    assert published_date(sel, "", BASE) == "2024-01-31"
    sel = Selector(text="<html><head><title>示范县2023年政府信息公开工作年度报告_示范县人民政府</title></head><body>x</body></html>")
    assert page_title(sel) == "示范县2023年政府信息公开工作年度报告"
    assert published_date(sel, "发布日期：2024年2月3日", BASE) == "2024-02-03"
    assert published_date(sel, "", BASE) == "2024-01-20"


def test_breadcrumb_agency():
    from crawlers.pages import breadcrumb_agency
    sel = Selector(text='<div class="position"><a href="/">首页</a> &gt; <a href="/jz/">河包镇</a> &gt; '
                        '<a href="/jz/zwgk/">政务公开</a> &gt; <a>政府信息公开年报</a></div>')
    assert breadcrumb_agency(sel) == "河包镇"
    assert breadcrumb_agency(Selector(text="<p>x</p>")) is None


def test_script_redirects():
    from crawlers.pages import script_redirects
    html = "<script>if (mobile) { window.location.href = '/m/index.html'; } location.replace('/index.shtml')</script>"
    assert script_redirects(html, "http://a.gov.cn/") == ["http://a.gov.cn/m/index.html", "http://a.gov.cn/index.shtml"]
