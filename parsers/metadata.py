"""Report metadata from text: title, issuing agency, statistics year.

The rules are parsers/titles.py's (shared with the crawler): the title is the hint (HTML <title>,
PDF Title) or the first line naming a report in any real wording; the year is the 统计期限 sentence
("统计期限自2022年1月1日起至2022年12月31日止") first, then the title's, then the year the overview names
most; the agency is the title's, else the text's (本报告由…, 请与…联系, the signature), never a verb
phrase or a year.
"""
from __future__ import annotations

from .titles import find_title, is_report_title, report_agency, report_year

__all__ = ["find_agency", "find_title", "find_year", "is_report_title"]


def find_year(text: str, title: str | None) -> int | None:
    return report_year(title, text, text_fallback=True)


def find_agency(title: str | None, text: str) -> str | None:
    return report_agency(title, text)
