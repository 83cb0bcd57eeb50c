"""Data shapes shared by every parser and by everything downstream.

Two layers:
- `Document` — what a format reader (HTML, text, PDF, DOCX, …) extracts from bytes: blocks of
  paragraphs and table grids in reading order. No canonical keys yet.
- `ParsedReport` — the canonical result: metadata, the three State Council tables keyed exactly
  as `parsers/data/format-spec.yaml`, section texts, checks and warnings.

`ParsedReport.to_dict()` is the JSON contract of `ogi parse --json` and the input of the
warehouse loader.
"""
from __future__ import annotations

import copy
from dataclasses import asdict, dataclass, field, is_dataclass
from typing import Any, Literal, Union

Number = Union[int, float]
# row_key -> column_key -> value (None = blank in the source, never 0)
CellTable = dict[str, dict[str, Union[Number, None]]]
# How a cell was read: "grid" (ruled/HTML/Word table), "positional" (rule-less PDF columns by x),
# "stream" (whitespace-aligned text), "ocr" (image crop), "narrative" (settled by the report's own text)
CellMethod = Literal["grid", "positional", "stream", "ocr", "narrative"]
# table ("active_disclosure" | "applications" | "review_litigation") -> row -> column -> {"method", "page"}
Provenance = dict[str, dict[str, dict[str, dict[str, Any]]]]
# table -> row -> column -> why the cell is null although the source has something there
NullReasons = dict[str, dict[str, dict[str, str]]]

ParseStatus = Literal["ok", "partial", "failed", "needs_ocr"]
SourceFormat = Literal["html", "text", "markdown", "pdf", "docx", "doc", "wps", "xls", "xlsx", "image", "unknown"]


@dataclass
class Paragraph:
    text: str
    kind: Literal["paragraph"] = "paragraph"


@dataclass
class Table:
    """A table as a grid of cell texts, top to bottom, left to right.

    A merged cell (rowspan/colspan, or a merged PDF/Word cell) has its text repeated in every
    grid position it covers; `origins[r][c]` is the (row, col) of the cell that owns the
    position, so a consumer can tell a repeated copy from a real cell.
    """

    rows: list[list[str]]
    origins: list[list[tuple[int, int]]] | None = None
    page: int | None = None  # 1-based page of the first row, for paged formats
    # whitespace-aligned text only: per row, the character column where each cell's text
    # ends (None for rows that are not aligned). Lets a value be placed under its column
    # when blank cells left no trace in the line.
    ends: list[list[int] | None] | None = None
    # how the cells were read, when the reader knows better than "grid" (origins) / "stream"
    # (no origins): "positional" (rule-less PDF), "ocr" (image crop)
    method: str | None = None
    # paged formats: 1-based page of every row (a table continued over a page break)
    row_pages: list[int | None] | None = None
    kind: Literal["table"] = "table"


Block = Union[Paragraph, Table]


@dataclass
class Document:
    """Format-neutral content of one file."""

    blocks: list[Block]
    source_format: str
    title_hint: str | None = None  # e.g. HTML <title>/ArticleTitle meta, PDF Title
    meta: dict[str, Any] = field(default_factory=dict)  # e.g. published date, charset, pages
    warnings: list[str] = field(default_factory=list)
    needs_ocr: bool = False  # some pages could not be read (image-only or (cid:N) fonts)

    def text(self) -> str:
        """Reading-order text; table rows as tab-separated lines."""
        out: list[str] = []
        for b in self.blocks:
            if isinstance(b, Paragraph):
                out.append(b.text)
            else:
                out.extend("\t".join(r) for r in b.rows)
        return "\n".join(out)


_SCALARS = (str, int, float, bool, type(None))


def _plain(v: Any) -> Any:
    """A copy of JSON-like data as `dataclasses.asdict` makes it: dicts, lists and tuples copied,
    dataclasses turned into dicts, any other value deep-copied."""
    t = type(v)
    if t in _SCALARS:
        return v
    if t is dict:
        return {k if type(k) is str else _plain(k): _plain(x) for k, x in v.items()}
    if t is list:
        return [_plain(x) for x in v]
    if t is CheckResult:
        return {f: _plain(getattr(v, f)) for f in CheckResult.__dataclass_fields__}
    if t is tuple:
        return tuple(_plain(x) for x in v)
    if is_dataclass(v) and not isinstance(v, type):
        return asdict(v)
    return copy.deepcopy(v)  # what asdict does with any other value


@dataclass
class CheckResult:
    """One consistency check (勾稽关系). Checks never change a number."""

    rule: str  # applications_balance | row_total | results_total | review_total | ...
    passed: bool
    scope: str  # e.g. "natural_person", "partially_granted", "review"
    detail: str = ""  # human-readable, with the values that disagree
    values: dict[str, Any] = field(default_factory=dict)  # e.g. {"sum_of_parts": 11, "stated_total": 0}


@dataclass
class ParsedReport:
    source: str
    source_format: str
    parser_version: str
    status: ParseStatus = "ok"
    template: str | None = None  # "2019" | "2021" | "pre2019" | None when no tables
    templates: dict[str, str] = field(default_factory=dict)  # per table: active_disclosure/applications
    year: int | None = None
    agency: str | None = None
    title: str | None = None
    active_disclosure: CellTable = field(default_factory=dict)
    applications: CellTable = field(default_factory=dict)
    review_litigation: CellTable = field(default_factory=dict)
    sections: dict[str, str] = field(default_factory=dict)  # overview, active_disclosure, ..., other_matters
    checks: list[CheckResult] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    error: str | None = None
    # per cell: how it was read and on which page (cells without an entry: unknown, e.g. old JSON)
    provenance: Provenance = field(default_factory=dict)
    # per cell left null on purpose (uncertain): the reason; a warning names the same cell
    null_reasons: NullReasons = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """`dataclasses.asdict(self)`, the same value, in a fifth of the time (a report holds a
        few thousand small dicts; asdict's generic walk was ~9% of a parser worker's CPU)."""
        return {f: _plain(getattr(self, f)) for f in self.__dataclass_fields__}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "ParsedReport":
        d = dict(d)
        d["checks"] = [CheckResult(**c) for c in d.get("checks", [])]
        known = {f for f in cls.__dataclass_fields__}
        return cls(**{k: v for k, v in d.items() if k in known})

    @classmethod
    def failure(cls, source: str, source_format: str, parser_version: str, error: str,
                status: ParseStatus = "failed") -> "ParsedReport":
        return cls(source=source, source_format=source_format, parser_version=parser_version,
                   status=status, error=error)
