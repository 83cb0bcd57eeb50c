"""Recognise 政府信息公开工作年度报告 from titles and page text — pure functions, no I/O.

`classify_title` sorts a title into REPORT (a disclosure annual report, with its year), NEGATIVE (look-alikes
that are never targets: 政府工作报告, 统计公报, 预决算, 法治政府建设年度报告, 政府网站工作年度报表,
公开指南/制度, notices about compiling reports, 图解/一图读懂 news …), AMBIGUOUS (says 年报 /
年度报告 but not what of, e.g. "档案馆2022年度报告", "2023年政府信息公开年报" — often a column name —
or has no year: decide by the page itself) or OTHER.
"""
from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import parse_qsl, urlsplit

REPORT = "report"
NEGATIVE = "negative"
AMBIGUOUS = "ambiguous"
OTHER = "other"

_SPACE = re.compile(r"[\s\u3000\u00a0]+")

# title phrasings of portal-structures.md §4 (after whitespace removal)
_POSITIVE = [
    re.compile(r"(政府|政务)信息公开(工作)?(开展)?(年度)?(工作)?(年度报告|年度工作报告)"),
    re.compile(r"\d{4}年度?.*(政府|政务)信息公开(工作)?(情况)?(的)?报告"),
    re.compile(r"(政府|政务)信息公开(工作)?(年度)?报告[（(]\d{4}年度?[)）]"),
    re.compile(r"关于\d{4}年度?.*信息公开工作(情况)?的报告"),
    re.compile(r"\d{4}年度?.*信息公开(工作)?年度报告"),
]
_YEAR_IN_TITLE = re.compile(r"(?:19|20)\d{2}")
_NEGATIVE = [
    "政府工作报告", "统计公报", "国民经济和社会发展", "三公", "法治政府",
    "法治建设", "依法行政", "网站工作年度报表", "网站年度报表", "工作年度报表", "年度报表", "公开指南",
    "公开制度", "报告制度", "编写", "报送", "做好", "通知", "图解", "一图", "读懂", "解读",
    "企业年度报告", "年报公示", "年度报告公示", "法人年度报告", "报告说明", "发布的第", "征求意见",
    "审计工作报告", "执行情况的报告", "述职", "评估报告", "社会责任",
]
# words that also occur in agency names (县委机构编制委员会办公室, 环境监测站, 预算评审中心 …):
# negative only after the title's year, where the subject of the document is named
_NEGATIVE_AFTER_YEAR = ["编制", "监测", "考核", "绩效", "预算", "决算"]
_AMBIGUOUS = re.compile(r"年报|年度报告|公开报告|工作报告")

SKELETON = [
    "总体情况", "主动公开政府信息情况", "收到和处理政府信息公开申请情况", "行政复议", "存在的主要问题",
    "其他需要报告的事项", "本年新收政府信息公开申请数量", "上年结转政府信息公开申请数量",
    "第二十条第(一)项", "本年制发件数", "本年新制作数量", "结转下年度继续办理",
]
SKELETON_THRESHOLD = 5

_YEAR = re.compile(r"((?:19|20)\d{2})\s*年")
_STAT_PERIOD = re.compile(
    r"(?:统计期限|统计时限|统计时间|统计期|时间范围|统计区间|数据统计)[^。]{0,30}?((?:19|20)\d{2})\s*年\s*1\s*月\s*1\s*日"
)
_AGENCY_META = re.compile(r"(?:发布机构|发文机关|信息来源|来源|发布单位)\s*[:：]\s*([^\s|｜:：<>]{2,40})([:：]?)")
# labels of the 信息公开 metadata block (索引号 | 发布机构 | 主题分类 | 成文日期 …): in a page's text the
# cells run together ("发布机构：示范县正阳街道主题分类：…"), so the next label follows the value
_FIELD_LABELS = ("主题分类", "体裁分类", "组配分类", "服务对象分类", "信息分类", "公文种类", "文种", "分类",
                 "发布日期", "成文日期", "生效日期", "废止日期", "印发日期", "发文日期", "公开日期", "日期",
                 "发布时间", "成文时间", "时间", "发文字号", "文号", "字号", "索引号", "编号", "有效性", "效力状态",
                 "公开方式", "公开范围", "公开时限", "公开形式", "关键词", "主题词", "标题", "名称", "文件名称",
                 "发文机关", "发布机构", "所属机构", "责任部门", "来源", "浏览次数", "访问量", "点击数", "作者")


def squash(text: str | None) -> str:
    """Remove all whitespace (titles break lines and pad with &nbsp;)."""
    return _SPACE.sub("", text or "")


def _unify(text: str) -> str:
    return squash(text).replace("（", "(").replace("）", ")")


@lru_cache(maxsize=16384)   # pure; the same chrome and listing titles recur on every page
def classify_title(title: str | None) -> str:
    t = _unify(title)
    if not t:
        return OTHER
    if any(word in t for word in _NEGATIVE):
        return NEGATIVE
    year = _YEAR_IN_TITLE.search(t)
    subject = t[year.end():] if year else t
    if any(word in subject for word in _NEGATIVE_AFTER_YEAR):
        return NEGATIVE
    if _YEAR_IN_TITLE.search(t) and any(p.search(t) for p in _POSITIVE):
        return REPORT   # without a year it is a column name ("政府信息公开工作年度报告"), not one report
    if _AMBIGUOUS.search(t):
        return AMBIGUOUS
    return OTHER


_LIST_NAMES = re.compile(r"通知公告|公示公告|通知通告|公告公示")


@lru_cache(maxsize=16384)
def link_kind(text: str | None) -> str:
    """classify_title for a link: the name of a list such as 通知公告 is not a notice."""
    return classify_title(_LIST_NAMES.sub("", squash(text)))


TRUNCATED_HINT = re.compile(r"信息公开|公开工作|政府信|政务信|年度报|年报")


def is_truncated(text: str | None) -> bool:
    return squash(text).endswith(("…", "...", "..", "……"))


def skeleton_score(text: str | None) -> int:
    """How many of the fixed section headings / table labels the text contains."""
    t = _unify(text)
    return sum(1 for mark in SKELETON if mark in t)


def is_report_text(text: str | None) -> bool:
    return skeleton_score(text) >= SKELETON_THRESHOLD


def guess_year(title: str | None, body: str | None = None) -> int | None:
    """Statistics year: the `统计期限…YYYY年1月1日` sentence first, then the title's year."""
    if body:
        m = _STAT_PERIOD.search(squash(body[:20000]))
        if m:
            return int(m.group(1))
    m = _YEAR.search(squash(title))
    if m:
        return int(m.group(1))
    m = re.search(r"((?:19|20)\d{2})", squash(title))
    return int(m.group(1)) if m else None


_AGENCY_CUT = re.compile(r"(关于)?((?:19|20)\d{2}年度?|(政府|政务)信息公开|信息公开)")


def guess_agency(title: str | None, body: str | None = None) -> str | None:
    """Issuing organisation: the title prefix, else `(year)…{agency}政府信息公开…`, else `发布机构：`."""
    t = re.sub(r"^关于", "", squash(title))
    m = _AGENCY_CUT.search(t)
    if m and m.start() > 1:
        return t[: m.start()].strip("《》“”\"-_ ")
    m = re.match(r"(?:19|20)\d{2}年度?(.{2,40}?)(?:政府|政务)?信息公开", t)
    if m and m.group(1) not in {"度", "政府", "政务"}:
        return m.group(1)
    if body:
        m = _AGENCY_META.search(body[:5000])
        if m:
            return _strip_next_label(m.group(1)) if m.group(2) else m.group(1)
    return None


def _strip_next_label(value: str) -> str | None:
    """`发布机构：X局主题分类：…` captured "X局主题分类": drop the next field's label (a known one,
    else what follows the last organisation suffix); None when no agency is left."""
    for label in sorted(_FIELD_LABELS, key=len, reverse=True):
        if value.endswith(label) and len(value) - len(label) >= 2:
            return value[: -len(label)]
    for end in range(len(value) - 2, 1, -1):   # the label is at least two characters
        if _ORG_SUFFIX.search(value[:end]) and len(value) - end <= 6:
            return value[:end]
    return None


# --- navigation: which links lead toward report columns -------------------------------------

_NAV_WORDS = [
    ("信息公开年报", 10), ("公开年报", 9), ("年度报告", 7), ("年报", 7), ("政府信息公开", 6), ("政务公开", 6),
    ("信息公开", 5), ("公开目录", 3), ("部门信息公开", 5), ("乡镇信息公开", 5), ("部门公开", 4),
    ("通知公告", 5), ("最新公开", 5), ("最新文件", 5), ("乡镇", 4), ("街道", 4), ("部门", 2), ("镇办", 3), ("县政府", 2), ("区政府", 2), ("本级", 2),
]
# inside a report column (or a list of organisations) these lead to sub-columns
_CTX_WORDS = ["部门", "乡镇", "街道", "镇办", "县政府", "区政府", "市政府", "本级", "单位", "直属", "汇总"]
_NAV_SLUGS = [
    ("zfxxgknb", 10), ("xxgknb", 10), ("gknb", 9), ("ndbg", 8), ("xxgkndbg", 10), ("nb", 3),
    ("zfxxgk", 6), ("xxgk", 5), ("zwgk", 5), ("gkml", 3), ("gkmlpt", 5), ("xzjd", 4), ("bmxx", 4),
]
_NAV_PENALTY = [
    "新闻", "动态", "要闻", "招聘", "互动", "信箱", "办事", "服务", "留言", "投诉", "专题", "视频",
    "图片", "English", "登录", "注册", "无障碍", "长者", "搜索", "日历", "上一月", "下一月", "邮箱",
    "网站地图", "关于我们", "联系我们", "RSS", "打印", "关闭", "收藏", "分享",
]
_YEAR_COLUMN = re.compile(r"^(?:19|20)\d{2}(年度?|n)?(年报|年度报告)?$")
_ORG_SUFFIX = re.compile(r"(镇|乡|街道|街道办事处|苏木|局|委|办|办公室|中心|管委会|委员会|区|站|所|队|府|院|会)$")
_PAGER = re.compile(r"^(下一?页|上一?页|尾页|末页|首页|前页|后页|[>»›]+|\d{1,3})$")


def _own_slug(url: str) -> str:
    """The link's own column: its last directory and file stem (not the ancestors every page shares)."""
    path = urlsplit(url).path.lower()
    segs = [p for p in path.split("/") if p]
    if segs and "." in segs[-1]:
        stem = segs[-1].rsplit(".", 1)[0]
        segs = segs[:-1] + ([] if re.fullmatch(r"index|default|list|\d+|index_\d+|list_\d+", stem) else [stem])
    return "/" + "/".join(segs[-1:]) + "/"


@lru_cache(maxsize=16384)
def nav_score(text: str | None, url: str, *, in_report_column: bool = False) -> int:
    """Score a link toward report columns by anchor text and URL slug (>= 5: follow)."""
    t = squash(text)
    kind = link_kind(t)
    if kind == NEGATIVE:
        return -10
    score = 0
    for word, weight in _NAV_WORDS:
        if word in t:
            score = max(score, weight)
    slug = _own_slug(url)
    slug_score = 0
    for word, weight in _NAV_SLUGS:
        if re.search(rf"[/_.]{word}(?:[_\d]*[/._]|$)", slug):
            slug_score = max(slug_score, weight)
    score += slug_score // 2 if score else slug_score
    if in_report_column:
        if _YEAR_COLUMN.match(t):
            score += 8
        elif (_ORG_SUFFIX.search(t) and len(t) <= 16) or any(w in t for w in _CTX_WORDS):
            score += 5
        elif _PAGER.match(t):
            score += 5
    if any(word in t for word in _NAV_PENALTY):
        score -= 8
    return score


def column_context(text: str | None, url: str) -> str:
    """'column' for a report column, 'orgs' for a list of departments/towns, '' otherwise."""
    t = squash(text)
    if re.search(r"年报|年度报告|公开报告", t) or re.search(r"/(\w*nb|\w*ndbg)(?:_\d+)?/", url.lower()):
        return "column"
    if any(w in t for w in ("乡镇", "街道", "部门", "镇办", "单位", "机构")):
        return "orgs"
    return ""


def is_pager_text(text: str | None) -> bool:
    return bool(_PAGER.match(squash(text)))


# --- generated report modules ----------------------------------------------------------------

_GENERATED_PATHS = ("/xxgkannualreport.jsp",)   # Hanweb jcms: /module/xxgk/xxgkAnnualReport.jsp
_FOUR_DIGIT_YEAR = re.compile(r"(?:19|20)\d{2}")


def generated_report_year(url: str) -> int | None:
    """The year of a report generated by a CMS module (one URL per agency × year), else None.

    Hanweb jcms `xxgkAnnualReport.jsp?area=<统一社会信用代码>&fbtime=<year>` renders the report's
    tables from structured input; its links say only 查看 or the agency, never the report title."""
    parts = urlsplit(url)
    if not parts.path.lower().endswith(_GENERATED_PATHS):
        return None
    query = {k.lower(): v.strip() for k, v in parse_qsl(parts.query)}
    if query.get("area") and _FOUR_DIGIT_YEAR.fullmatch(query.get("fbtime", "")):
        return int(query["fbtime"])
    return None


_TITLE_IN_TEXT = re.compile(r"[^\s，。：:；;、|｜>》]{2,40}?(?:19|20)\d{2}年度?(?:政府|政务)信息公开(?:工作)?年度报告")


def report_title_in_text(text: str | None) -> str | None:
    """The first report title written in a page's text (pages whose <title>/<h1> do not carry it)."""
    for m in _TITLE_IN_TEXT.finditer((text or "")[:5000]):
        title = m.group(0).strip("“”\"《》【】[]")
        if classify_title(title) == REPORT:
            return title
    return None
