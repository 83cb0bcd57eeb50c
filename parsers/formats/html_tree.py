"""An HTML page parsed for the HTML reader: lxml's tree, read the way the reader has always read
pages (through BeautifulSoup on lxml) without building a Python object per tag and string.

- `parse_page(text)`: libxml2's HTML parser is fed the text (the push parser BeautifulSoup's lxml
  builder feeds, so the tree is the same one); the tags in `DROP` (scripts, styles, forms'
  widgets …) stay in the tree but are never visited; the first live <head> is visited for the
  title and metadata only (the reader removes it before reading text);
- strings as BeautifulSoup held them: a string of ASCII whitespace only is one " " (one "\\n" if
  it has a line break) outside <pre>/<textarea>; comments and processing instructions are not
  text (their tails are); strings inside <template>, <rt>, <rp> are left out of an element's
  text, as bs4's `get_text` leaves them out, but the reader's walk reads them; whitespace
  outside the <html> element (bs4 kept it, lxml does not) changes no length or heading count;
- an element's text from one pass over the page: `text(el)` is bs4's `el.get_text(" ")`,
  `text_len(el)` is `len(el.get_text(" ").strip())` and `stripped_len(el)` is
  `len(el.get_text(" ", strip=True))`, the lengths from prefix sums (O(1) per element), so the
  search for the content container stays linear in the page.

libxml2 caps the tree at 256 levels (no `huge_tree`), so the recursive walks here stay shallow.
"""
from __future__ import annotations

from itertools import accumulate
from typing import Iterator

from lxml import etree

# elements the reader never reads (the <head> is read for its title and metadata, then removed)
DROP = frozenset({"script", "style", "noscript", "iframe", "object", "embed", "select", "option", "button", "svg",
                  "head", "textarea"})
REMOVED = DROP - {"head"}
# strings inside these are not an element's text (BeautifulSoup's string containers)
STRING_CONTAINERS = frozenset({"template", "rt", "rp", "script", "style"})
PRESERVE_WHITESPACE = frozenset({"pre", "textarea"})
_ASCII_SPACE = " \n\t\x0c\r"


def collapse(s: str, pre: bool = False) -> str:
    """A string of ASCII whitespace only as BeautifulSoup keeps it: " " or "\\n"."""
    if pre or s.strip(_ASCII_SPACE):
        return s
    return "\n" if "\n" in s else " "


def is_element(node: etree._Element) -> bool:
    return node.tag.__class__ is str  # comments and processing instructions have a function as tag


class Document:
    """The document node: what lies at the top level (the <html> element, comments before it)."""

    tag = "[document]"
    text = None
    tail = None

    def __init__(self, tops: list[etree._Element]):
        self._tops = tops

    def __iter__(self) -> Iterator[etree._Element]:
        return iter(self._tops)


class Page:
    def __init__(self, doc: Document):
        self.doc = doc
        self.elements: list[etree._Element] = []  # every live element in document order (<head> too)
        self.head: etree._Element | None = None   # the first live <head>
        self.body: etree._Element | None = None   # the first live <body>
        self.pieces: list[str] = []                # strings outside the <head>, in document order
        self.kinds: list[str | None] = []          # innermost string container of each, if any
        self.span: dict[object, tuple[int, int]] = {}  # element -> its pieces (head: not here)
        self.tables: dict[object, int] = {}        # element -> <table>s inside it (not itself)
        self._index(doc)
        self._sums()
        self._headings: dict[tuple[int, int, str | None], int] = {}

    # -- the one pass -------------------------------------------------------------------------
    def _index(self, doc: Document) -> None:
        pieces, kinds, elements = self.pieces, self.kinds, self.elements
        span, tables = self.span, self.tables

        def visit(el, pre: bool, kind: str | None, in_head: bool) -> int:
            """Index `el` (live); returns how many tables it is or holds."""
            tag = el.tag
            if tag == "head" and self.head is None and not in_head:
                self.head = el
                in_head = True
            elif tag == "body" and self.body is None and not in_head:
                self.body = el
            elements.append(el)
            pre = pre or tag in PRESERVE_WHITESPACE
            if tag in STRING_CONTAINERS:
                kind = tag
            start = len(pieces)
            n = 0
            if el.text and not in_head:
                pieces.append(collapse(el.text, pre))
                kinds.append(kind)
            for ch in el:
                if ch.tag.__class__ is str and ch.tag not in REMOVED:
                    n += visit(ch, pre, kind, in_head)
                if ch.tail and not in_head:
                    pieces.append(collapse(ch.tail, pre))
                    kinds.append(kind)
            if in_head:  # removed before the text is read: neither text nor tables
                return 0
            span[el] = (start, len(pieces))
            tables[el] = n
            return n + (tag == "table")

        n = 0
        for top in doc:
            if is_element(top) and top.tag not in REMOVED:
                n += visit(top, False, None, False)
        span[doc] = (0, len(pieces))
        tables[doc] = n

    def _sums(self) -> None:
        pieces, kinds = self.pieces, self.kinds
        self.special = any(k is not None for k in kinds)
        main = [k is None for k in kinds]
        stripped = [p.strip() for p in pieces]
        nonblank = [m and bool(s) for m, s in zip(main, stripped)]
        self._stripped = stripped
        self._len = list(accumulate((len(p) if m else 0 for p, m in zip(pieces, main)), initial=0))
        self._count = list(accumulate(main, initial=0))
        self._stripped_len = list(accumulate((len(s) if nb else 0 for s, nb in zip(stripped, nonblank)), initial=0))
        self._nonblank = list(accumulate(nonblank, initial=0))
        n = len(pieces)
        self._next_nb = nxt = [n] * (n + 1)
        j = n
        for i in range(n - 1, -1, -1):
            if nonblank[i]:
                j = i
            nxt[i] = j
        self._prev_nb = prv = [-1] * (n + 1)
        j = -1
        for i in range(n):
            prv[i] = j
            if nonblank[i]:
                j = i
        prv[n] = j

    # -- an element's text, as bs4's get_text gives it ------------------------------------------
    def live(self, el) -> bool:
        return el in self.span

    def children(self, el) -> Iterator[etree._Element]:
        """The live element children of `el` (bs4's `find_all(True, recursive=False)`)."""
        span = self.span
        return (ch for ch in el if ch in span)

    def strings(self, el) -> list[str]:
        """The strings of `el`'s text (bs4's `_all_strings`): a <template>, <rt> or <rp> reads its
        own kind of string, any other element the plain ones."""
        s, e = self.span[el]
        if not self.special:
            return self.pieces[s:e]
        want = el.tag if el.tag in STRING_CONTAINERS else None
        return [p for p, k in zip(self.pieces[s:e], self.kinds[s:e]) if k == want]

    def text(self, el) -> str:
        """bs4's `el.get_text(" ")`."""
        return " ".join(self.strings(el))

    def stripped_text(self, el) -> str:
        """bs4's `el.get_text(" ", strip=True)`."""
        if not self.special:
            s, e = self.span[el]
            return " ".join(t for t in self._stripped[s:e] if t)
        return " ".join(t for t in (p.strip() for p in self.strings(el)) if t)

    def text_len(self, el) -> int:
        """len(el.get_text(" ").strip())."""
        if el.tag in STRING_CONTAINERS:
            return len(self.text(el).strip())
        s, e = self.span[el]
        a, b = self._next_nb[s], self._prev_nb[e]
        if a >= e or b < s:
            return 0
        pa, pb = self.pieces[a], self.pieces[b]
        return (self._len[b + 1] - self._len[a] + self._count[b + 1] - self._count[a] - 1
                - (len(pa) - len(pa.lstrip())) - (len(pb) - len(pb.rstrip())))

    def stripped_len(self, el) -> int:
        """len(el.get_text(" ", strip=True))."""
        if el.tag in STRING_CONTAINERS:
            return len(self.stripped_text(el))
        s, e = self.span[el]
        k = self._nonblank[e] - self._nonblank[s]
        return self._stripped_len[e] - self._stripped_len[s] + max(0, k - 1)

    def heading_count(self, el, find_headings) -> int:
        """len(find_headings(self.text(el))), once per distinct text."""
        key = (*self.span[el], el.tag if el.tag in STRING_CONTAINERS else None)
        if key not in self._headings:
            self._headings[key] = len(find_headings(self.text(el)))
        return self._headings[key]


def parse_page(text: str) -> Page:
    """The page's tree and its text index (see the module docstring)."""
    if text.startswith("\ufeff"):  # bs4 drops a leading BOM before feeding lxml
        text = text[1:]
    parser = etree.HTMLParser(recover=True, huge_tree=False, no_network=True)
    parser.feed(text)
    root = parser.close()
    tops: list[etree._Element] = []
    if root is not None:
        tops = [*reversed(list(root.itersiblings(preceding=True))), root, *root.itersiblings()]
    return Page(Document(tops))


def element_strings(el, pre: bool = False, kind: str | None = None) -> Iterator[tuple[str, str | None]]:
    """(string, its kind) of a live subtree in document order, without the page index (an
    element inside the <head>: the title lookup runs before the head is removed)."""
    pre = pre or el.tag in PRESERVE_WHITESPACE
    if el.tag in STRING_CONTAINERS:
        kind = el.tag
    if el.text:
        yield collapse(el.text, pre), kind
    for ch in el:
        if is_element(ch) and ch.tag not in REMOVED:
            yield from element_strings(ch, pre, kind)
        if ch.tail:
            yield collapse(ch.tail, pre), kind


def context(el) -> tuple[bool, str | None]:
    """(inside <pre>/<textarea>, innermost string container) of what encloses `el`."""
    pre, kind = False, None
    for a in el.iterancestors():
        pre = pre or a.tag in PRESERVE_WHITESPACE
        if kind is None and a.tag in STRING_CONTAINERS:
            kind = a.tag
    return pre, kind
