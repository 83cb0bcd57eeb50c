"""The canonical keys of the State Council templates — the one place they are read.

`parsers/data/format-spec.yaml` is a copy of the project's format spec (labels, variants, keys).
Everything that needs a row, column or section key asks this module.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml

TEMPLATES = ("2019", "2021")


@dataclass(frozen=True)
class KeyLabel:
    key: str
    label: str
    variants: tuple[str, ...] = ()
    group: str | None = None


@dataclass(frozen=True)
class DisclosureTable:
    key: str  # art20_1 ...
    caption: str
    columns: tuple[KeyLabel, ...]
    rows: tuple[KeyLabel, ...]


@dataclass(frozen=True)
class Template:
    name: str
    active_tables: tuple[DisclosureTable, ...]
    application_rows: tuple[KeyLabel, ...]
    detect_any_of: tuple[str, ...] = field(default=())


def _kl(d: dict[str, Any]) -> KeyLabel:
    return KeyLabel(d["key"], d["label"], tuple(d.get("variants", ())), d.get("group"))


@lru_cache(maxsize=1)
def raw() -> dict[str, Any]:
    text = resources.files("parsers").joinpath("data/format-spec.yaml").read_text("utf-8")
    return yaml.safe_load(text)


@lru_cache(maxsize=None)
def template(name: str) -> Template:
    spec = raw()
    t = spec["templates"][name]
    tables = tuple(
        DisclosureTable(
            key=tb["key"],
            caption=tb["caption"],
            columns=tuple(_kl(c) for c in tb["columns"]),
            rows=tuple(_kl(r) for r in tb["rows"]),
        )
        for tb in t["active_disclosure"]["tables"]
    )
    rows = tuple(_kl(r) for r in t["applications"]["rows"]) + tuple(
        _kl(r) for r in t["applications"]["rows_tail"]
    )
    detect = tuple(spec["template_detection"][name]["any_of"])
    return Template(name, tables, rows, detect)


@lru_cache(maxsize=1)
def applicant_columns() -> tuple[KeyLabel, ...]:
    return tuple(_kl(c) for c in raw()["applicant_columns"]["columns"])


@lru_cache(maxsize=1)
def review_groups() -> tuple[KeyLabel, ...]:
    return tuple(_kl(g) for g in raw()["review_litigation"]["groups"])


@lru_cache(maxsize=1)
def review_columns() -> tuple[KeyLabel, ...]:
    return tuple(_kl(c) for c in raw()["review_litigation"]["columns"])


@lru_cache(maxsize=1)
def review_cell_order() -> tuple[tuple[str, str], ...]:
    return tuple(tuple(c.split(".", 1)) for c in raw()["review_litigation"]["cell_order"])  # type: ignore[misc]


@lru_cache(maxsize=1)
def sections() -> tuple[KeyLabel, ...]:
    return tuple(_kl(s) for s in raw()["sections"])


OTHER_HANDLING_2019 = "other_handling"
OTHER_HANDLING_2021 = ("other_no_correction", "other_unpaid_fee", "other_other")
