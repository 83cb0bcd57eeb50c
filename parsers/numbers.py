"""Cell values: the one place where a table cell's text becomes a number (or a blank).

    parse_value("1,234") -> 1234          parse_value("22（其中修订16件）") -> 22
    parse_value("减4") -> -4              parse_value("-18") -> -18
    parse_value("—") -> None (blank)      parse_value("24252.311082") -> 24252.311082
    parse_value("251000元") -> 251000

Blank cells and blank markers (—, -, /, 无) are None, never 0. `classify` tells a value cell
from a label cell; `split_digit_run` enumerates the ways a run of digits (cells concatenated
without separators) can be cut into n numbers.
"""
from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterator
from typing import Literal, Union

from .labels import fold_chars

Number = Union[int, float]
CellKind = Literal["empty", "null", "number", "text"]

_NULL_MARKERS = {"-", "--", "---", "—", "——", "–", "―", "/", "//", "\\", "无", "空", "…", "...", "x", "X", "×", "*"}
_WS = re.compile(r"[\s\u00a0\u3000\u200b\ufeff]+")
_SIGN = r"(?P<sign>[+-]|减少|减|增加|增|下降|新增|上升)?"
_NUM = r"(?P<int>\d{1,3}(?:,\d{3})+|\d+)(?:\.(?P<dec>\d+))?"
_UNIT = r"(?P<unit>万元|亿元|千元|元|件次|件|个|项|条|次|人次|人|家|宗|份|%)?"
_NOTE = r"(?:[(\[][^)\]]*[)\]])?"
_VALUE = re.compile(rf"^{_SIGN}{_NUM}{_UNIT}{_NOTE}$")
_DIGIT_RUN = re.compile(r"^\d+$")


def _prep(text: str | None) -> str:
    if text is None:
        return ""
    t = fold_chars(text.replace("&nbsp;", " "))
    t = t.replace("（", "(").replace("）", ")").replace("，", ",").replace("－", "-").replace("—", "—")
    return _WS.sub("", t)


def classify(text: str | None) -> CellKind:
    """empty (no text), null (a blank marker like — or /), number, or text (a label)."""
    t = _prep(text)
    if not t:
        return "empty"
    if t in _NULL_MARKERS:
        return "null"
    if _VALUE.match(t):
        return "number"
    return "text"


def parse_value(text: str | None) -> Number | None:
    """The number in a value cell; None for blanks, blank markers and text."""
    t = _prep(text)
    if not t or t in _NULL_MARKERS:
        return None
    m = _VALUE.match(t)
    if not m:
        return None
    whole = m.group("int").replace(",", "")
    dec = m.group("dec")
    value: Number = float(f"{whole}.{dec}") if dec is not None else int(whole)
    sign = m.group("sign")
    if sign in ("-", "减", "减少", "下降"):
        value = -value
    return value


def is_digit_run(text: str | None) -> bool:
    return bool(_DIGIT_RUN.match(_prep(text)))


def split_digit_run(digits: str, n: int, accept: Callable[[list[int]], bool] | None = None,
                    limit: int = 300_000) -> Iterator[list[int]]:
    """Every way to cut `digits` into n integers without leading zeros ("0" itself is fine),
    filtered by `accept`. Stops after `limit` candidates have been generated."""
    digits = digits.strip()
    if n <= 0 or not digits.isdigit() or len(digits) < n:
        return
    if math.comb(len(digits) - 1, n - 1) > limit:
        return  # too many ways to cut: treat as undecidable
    count = 0

    def rec(pos: int, left: int, acc: list[int]) -> Iterator[list[int]]:
        nonlocal count
        if count >= limit:
            return
        rest = len(digits) - pos
        if left == 1:
            part = digits[pos:]
            if len(part) > 1 and part[0] == "0":
                return
            cand = acc + [int(part)]
            count += 1
            if accept is None or accept(cand):
                yield cand
            return
        max_len = 1 if digits[pos] == "0" else rest - (left - 1)
        for ln in range(1, max_len + 1):
            yield from rec(pos + ln, left - 1, acc + [int(digits[pos:pos + ln])])

    yield from rec(0, n, [])


def split_numeric_tokens(text: str) -> list[str]:
    """Whitespace-separated tokens of a cell or text run that holds several numbers ("0 1 1 0")."""
    return [t for t in re.split(r"[\s\u00a0\u3000]+", fold_chars(text).strip()) if t]
