"""Report metadata from text: title, issuing agency, statistics year.

Year: the 统计期限 sentence ("统计期限自2022年1月1日起至2022年12月31日止") first, then the title
("…2022年度政府信息公开工作年度报告"), then the first year named in the overview.
"""
from __future__ import annotations

import re
from collections import Counter

_TITLE = re.compile(
    r"([^\s。；;，,：:]{0,60}?(?:19|20)\d{2}\s*年\s*度?[^\s。；;，,]{0,30}?政府信息公开(?:工作)?(?:年度)?报告"
    # the year after the name: "…政府信息公开工作年度报告（2022年度）"
    r"|[^\s。；;，,：:]{2,60}?政府信息公开(?:工作)?(?:年度)?报告\s*[（(]\s*(?:19|20)\d{2}\s*年\s*度?\s*[）)])")
# "标题：…", and the "Page 4 - …" of flip-book page titles
_TITLE_PREFIX = re.compile(r"^(?:(?:标题|题目|title)\s*[:：]\s*|page\s*\d+\s*[-–—:|]\s*)", re.I)
_PERIOD = re.compile(
    r"(?:统计|数据)[^。；;]{0,30}?((?:19|20)\d{2})\s*年\s*1\s*月\s*1\s*日[^。；;]{0,8}?"
    r"(?:至|到|—|-|~|－)\s*(?:((?:19|20)\d{2})\s*年\s*)?12\s*月\s*31\s*日")
_PERIOD_LOOSE = re.compile(r"((?:19|20)\d{2})\s*年\s*1\s*月\s*1\s*日[^。；;]{0,8}?(?:至|到|—|-|~|－)\s*((?:19|20)\d{2})\s*年\s*12\s*月\s*31\s*日")
_YEAR_IN_TITLE = re.compile(r"((?:19|20)\d{2})\s*年")
_REPORT_WORDS = re.compile(r"(?:(?:19|20)\d{2}\s*年\s*度?|关于)")


def is_report_title(text: str | None) -> bool:
    """Does the text name an annual report (…YYYY年…政府信息公开…报告)?"""
    if not text:
        return False
    c = re.sub(r"\s+", "", _TITLE_PREFIX.sub("", text.strip()))
    return len(c) <= 120 and bool(_TITLE.search(c))


def find_title(lines: list[str], hint: str | None = None) -> str | None:
    """The report title: the hint (HTML <title>, PDF Title) when it names a report, else the
    first line that does; an agency name on the line above a title starting with the year
    is joined to it (titles are often set on two lines)."""
    cands = ([hint] if hint else []) + lines[:60]
    for i, cand in enumerate(cands):
        if not cand:
            continue
        c = re.sub(r"\s+", "", _TITLE_PREFIX.sub("", cand.strip())).lstrip("#*")
        if len(c) > 120:
            continue
        m = _TITLE.search(c)
        if not m:
            continue
        title = m.group(1)
        if re.match(r"^(?:19|20)\d{2}", title) and i > 0 and (hint is None or i > 1):
            prev = re.sub(r"\s+", "", cands[i - 1] or "").lstrip("#*")
            if 2 <= len(prev) <= 30 and not re.search(r"[\d。，,：:；;、]", prev):
                title = prev + title
        return title
    if hint and hint.strip():
        return _without_site_suffix(hint.strip())
    return None


# "<article title>_<column>_<site name>" (also "|", "｜", " - "): CMS <title> elements
_SITE_SUFFIX = re.compile(r"^(.{4,}?报告[^_|｜]{0,20}?)\s*(?:[_|｜]|\s-{1,2}\s)\s*\S.{0,60}$")


def _without_site_suffix(hint: str) -> str:
    """A page <title> that names a report in words the title pattern does not know keeps only its
    article part: the column and site names CMSs append after "_" are not the report's title."""
    m = _SITE_SUFFIX.match(hint)
    return m.group(1).strip() if m else hint


def find_year(text: str, title: str | None) -> int | None:
    for pat in (_PERIOD, _PERIOD_LOOSE):
        m = pat.search(text)
        if m and m.group(2) in (None, m.group(1)):
            return int(m.group(1))
    if title:
        m = _YEAR_IN_TITLE.search(title)
        if m:
            return int(m.group(1))
    years = [int(y) for y in re.findall(r"((?:19|20)\d{2})\s*年", text[:3000])]
    if years:
        return Counter(years).most_common(1)[0][0]
    return None


def find_agency(title: str | None, text: str) -> str | None:
    if title:
        title = re.sub(r"\s*[（(]\s*(?:19|20)\d{2}\s*年\s*度?\s*[）)]\s*$", "", title)
        m = _REPORT_WORDS.search(title)
        if m and m.start() > 1:
            agency = title[:m.start()].strip(" 《》“”\"")
            if agency:
                return agency
        m = re.match(r"^(?:(?:19|20)\d{2}\s*年\s*度?\s*)?(.{2,30}?)政府信息公开", title)
        if m and not re.search(r"\d", m.group(1)):
            return m.group(1)
    m = re.search(r"本报告(?:是)?由\s*([^\s，,。；（(]{2,40}?)(?:根据|依据|按照|编制)", text)
    if m:
        return m.group(1)
    m = re.search(r"请与\s*([^\s，,。；（(]{2,40}?)(?:联系|咨询)", text)
    if m:
        return m.group(1)
    m = re.search(r"在\s*[“\"]([^”\"]{2,30})[”\"]\s*(?:门户)?网站", text)
    if m:
        return m.group(1)
    return None
