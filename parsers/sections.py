"""Section headings 一 … 六 of a report, found in running text (also mid-line, as in text
dumps of HTML pages where the whole report is one line).

The patterns below recognise every heading label and variant listed in parsers/spec.py
(`sections`; a test holds them to it) and add the flexibility real reports need: any
whitespace between characters, 、/./， after the ordinal, optional words (的, 工作, 主要 …).
"""
from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from functools import lru_cache

# The ordinal, at the start of the text or after whitespace or punctuation. Written ordinal first,
# then "the character before it is not outside that set" (a look-behind over the ordinal), the
# same matches as `(?:^|(?<=[…]))[{o}]`, but a leading character class lets `re` jump from ordinal
# to ordinal instead of trying a look-behind at every offset: 10x faster on whole reports.
_ORD = r"[{o}](?<![^\s。；;:：>|\t*#【][{o}])\s*[、.．,，]?\s*"


def _spaced(body: str) -> str:
    """Allow whitespace after every CJK character of a regex body (keeping `X?` optional)."""
    return re.sub(r"([\u3400-\u9fff]\??)", r"\1\\s*", body)


_BODIES = {
    "overview": ("一", "总体情况|(?:工作)?概述|基本情况"),
    "active_disclosure": ("二一", "主动公开政府信息(?:的)?情况|主动公开情况"),
    "applications": ("三二", "收到和处理政府信息公开申请(?:的)?情况|依申请公开政府信息(?:的)?情况"),
    # pre-2019 reports: 五、因政府信息公开申请行政复议、提起行政诉讼的情况 / 六、…问题及改进措施 / 七、其他…
    "review_litigation": ("四三五", "(?:因)?政府信息公开(?:工作)?(?:被)?(?:申请)?行政(?:法)?复议(?:[、,]|和|及)?(?:提起)?行政诉讼(?:的)?情况"
                                  "|政府信息公开(?:工作)?(?:被申请)?行政(?:法)?复议(?:[、,]|和|及)?(?:提起)?行政诉讼"),
    "problems": ("五四六", "(?:[\u4e00-\u9fff]{0,10}?)存在的?(?:主要)?(?:问题|不足)(?:及|和)?(?:改进情况|改进措施|整改情况)?"),
    "other_matters": ("六五七", "其他(?:需要|需)?(?:报告|说明)?的?事项"),
}


@lru_cache(maxsize=1)
def _patterns() -> dict[str, re.Pattern[str]]:
    return {key: re.compile(_ORD.format(o=ords) + f"(?:{_spaced(body)})")
            for key, (ords, body) in _BODIES.items()}


SECTION_KEYS = tuple(_BODIES)


@dataclass(frozen=True)
class Heading:
    key: str
    start: int  # offset of the heading in the text
    end: int


# sections whose content is a State Council table
TABLE_SECTIONS = ("active_disclosure", "applications", "review_litigation")


def find_headings(text: str, table_offsets: list[int] | None = None) -> list[Heading]:
    """Headings in document order, each section key at most once and keys in their natural
    order. Among all chains of matches with increasing offsets, the longest wins; among equally
    long chains, the one whose table sections (二 三 四) hold tables (`table_offsets`: where
    table rows start in `text`), then the one whose sections hold the most text. So a table of
    contents, a stray phrase or a chapter of its own that repeats a heading's words (上海市科委
    2024: narrative chapters 二–六, then the tables under restarted numbering) does not take the
    place of the heading the tables belong to."""
    pats = _patterns()
    cands = [[(m.start(), m.end()) for m in pats[k].finditer(text)][:40] for k in SECTION_KEYS]
    n = len(text)
    tables = sorted(table_offsets or [])
    memo: dict[tuple[int, int], tuple[int, int, int, list[Heading]]] = {}

    def holds_table(s: int, e: int) -> int:
        i = bisect.bisect_left(tables, s)
        return 1 if i < len(tables) and tables[i] < e else 0

    def chain(i: int, pos: int) -> tuple[int, int, int, list[Heading]]:
        if i == len(SECTION_KEYS):
            return (0, 0, 0, [])
        key = (i, pos)
        if key in memo:
            return memo[key]
        best = chain(i + 1, pos)
        for s, e in cands[i]:
            if s < pos:
                continue
            cnt, with_tables, size, rest = chain(i + 1, e)
            end = rest[0].start if rest else n
            hit = holds_table(s, end) if SECTION_KEYS[i] in TABLE_SECTIONS else 0
            cand = (cnt + 1, with_tables + hit, size + min(end - s, 200), [Heading(SECTION_KEYS[i], s, e)] + rest)
            if cand[:3] > best[:3]:
                best = cand
        memo[key] = best
        return best

    return chain(0, 0)[3]


def split_sections(text: str, table_offsets: list[int] | None = None) -> dict[str, tuple[int, int]]:
    """Section key -> (start, end) character range in `text` (heading included)."""
    heads = find_headings(text, table_offsets)
    out: dict[str, tuple[int, int]] = {}
    for i, h in enumerate(heads):
        end = heads[i + 1].start if i + 1 < len(heads) else len(text)
        out[h.key] = (h.start, end)
    return out

