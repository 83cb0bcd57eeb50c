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

from parsers.titles import (AMBIGUOUS, NEGATIVE, OTHER, REPORT, classify_title, fold, is_org_name, report_agency,
                            report_year, squash, title_in_text)

# the title rules live in parsers/titles.py (one place for crawler and parsers); re-exported here
__all__ = ["AMBIGUOUS", "NEGATIVE", "OTHER", "REPORT", "classify_title", "squash"]

SKELETON = [
    "总体情况", "主动公开政府信息情况", "收到和处理政府信息公开申请情况", "行政复议", "存在的主要问题",
    "其他需要报告的事项", "本年新收政府信息公开申请数量", "上年结转政府信息公开申请数量",
    "第二十条第(一)项", "本年制发件数", "本年新制作数量", "结转下年度继续办理",
]
SKELETON_THRESHOLD = 5

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
    t = fold(text)
    return sum(1 for mark in SKELETON if mark in t)


def is_report_text(text: str | None) -> bool:
    return skeleton_score(text) >= SKELETON_THRESHOLD


def guess_year(title: str | None, body: str | None = None) -> int | None:
    """Statistics year: the `统计期限…YYYY年1月1日` sentence first, then the title's year (parsers/titles.py)."""
    return report_year(title, body[:20000] if body else None)


def guess_agency(title: str | None, body: str | None = None) -> str | None:
    """Issuing organisation: the title's, else the body's (发布机构 cell, 本报告由…, signature) — parsers/titles.py."""
    return report_agency(title, body)


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
# penalty words that are also words of real organisation names (街道办事处, 政务服务管理局, 新闻出版局,
# 投诉受理中心): inside a report column an organisation's name is followed whatever words it contains
_ORG_NAME_WORDS = ("新闻", "办事", "服务", "投诉")
_YEAR_COLUMN = re.compile(r"^(?:19|20)\d{2}(年度?|n)?(年报|年度报告)?$")
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
    org = False
    if in_report_column:
        if _YEAR_COLUMN.match(t):
            score += 8
        elif is_org_name(t) or any(w in t for w in _CTX_WORDS):
            org = True
            score += 5
        elif _PAGER.match(t):
            score += 5
    if any(word in t for word in _NAV_PENALTY if not (org and word in _ORG_NAME_WORDS)):
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


def report_title_in_text(text: str | None) -> str | None:
    """The first report title written in a page's text (pages whose <title>/<h1> do not carry it)."""
    return title_in_text((text or "")[:5000])
