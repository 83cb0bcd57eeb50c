"""The HTML reader's page index (parsers.formats.html_tree) reads every element's text as
BeautifulSoup did when the reader was built on it: same tree, same strings (whitespace-only
strings collapsed, comments left out, <template>/<rt>/<rp> text apart), same lengths."""
from __future__ import annotations

from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from parsers.formats.html import decode_html, flatten_nesting
from parsers.formats.html_tree import DROP, parse_page

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
PAGES = sorted([*FIXTURES.glob("html/*.html"), *FIXTURES.glob("heldout_like/*.html")])

ODD = ("<!DOCTYPE html>\n<html> <head> <title> 年报 </title><meta name=ArticleTitle content=x></head>\n"
       "<body>\n <div class=main>\t<p>一、总体情况<!-- a comment -->全年</p>  \n\n"
       "<pre>  \n  </pre><pre> 甲  乙 </pre>\x0c<template><p>模板 二、主动公开政府信息情况</p></template>"
       "<ruby>汉<rp>(</rp><rt>han</rt><rp>)</rp></ruby><noscript><p>开启脚本</p></noscript>  "
       "<table><tr><td> 1 </td><td>\r\n</td><td><table><tr><td>内</td></tr></table></td></tr></table>"
       "<script>var x = 1;</script>尾<br>  <span> </span><textarea> t </textarea></div>\n</body>\n</html>\n")


def _bs4_tags(text: str) -> list:
    """Every tag bs4 reads after the reader's removals (the DROP tags, then the first <head>)."""
    soup = BeautifulSoup(text, "lxml")
    for el in soup.find_all(list(DROP)):
        if el.name != "head":
            el.decompose()
    if soup.head:
        soup.head.decompose()
    return soup.find_all(True)


def _cases() -> list[tuple[str, str]]:
    out = [("odd", ODD)]
    for p in PAGES:
        text, _ = decode_html(p.read_bytes())
        out.append((p.name, flatten_nesting(text)))
    return out


@pytest.mark.parametrize("name,text", _cases(), ids=[n for n, _ in _cases()])
def test_every_element_reads_as_bs4_get_text(name: str, text: str) -> None:
    page = parse_page(text)
    ours = [el for el in page.elements if page.live(el)]
    theirs = _bs4_tags(text)
    assert [el.tag for el in ours] == [t.name for t in theirs]
    for el, tag in zip(ours, theirs):
        plain, stripped = tag.get_text(" "), tag.get_text(" ", strip=True)
        assert page.text(el) == plain, el.tag
        assert page.stripped_text(el) == stripped, el.tag
        assert page.text_len(el) == len(plain.strip()), el.tag
        assert page.stripped_len(el) == len(stripped), el.tag
        assert page.tables[el] == len(tag.find_all("table")), el.tag


def test_strings_outside_the_text() -> None:
    page = parse_page(ODD)
    body = page.body
    text = page.text(body)
    assert "一、总体情况 全年" in text  # a comment splits a string, it is not text
    assert "模板" not in text and "han" not in text  # <template>, <rt>: not the element's text
    template = next(el for el in page.elements if el.tag == "template")
    assert "模板" in page.text(template)  # … but a <template> reads its own
    assert "开启脚本" not in text and "var x" not in text and " t " not in text  # dropped
    assert "年报" not in page.text(page.doc)  # the <head> is not indexed
    assert page.head is not None and page.head.tag == "head"


def test_empty_and_headless_markup() -> None:
    empty = parse_page("<!-- nothing -->")
    assert empty.text(empty.doc) == "" and empty.body is None and empty.elements == []
    page = parse_page("\ufeff<p>一</p>")
    assert page.text(page.doc) == "一" and page.body is not None
