"""Every text and markdown report of ../shared/corpus gives every truth cell and reports its
recorded source inconsistencies as failed checks (and no others). The pdftotext -layout
extractions beside the corpus PDFs are used as extra whitespace-aligned text input."""
from __future__ import annotations

from pathlib import Path

import pytest

from parsers import parse_bytes

from .parse_corpus_util import cell_mismatches, inconsistency_problems, load_truth

TEXT_SOURCES = ["seed_000/source.txt", "seed_001/source.txt", "seed_002/source.txt", "seed_003/source.txt",
                "seed_004/source.txt", "pingtan_2022/source.txt", "shuyang_county_2025/source.md"]
LAYOUT_SOURCES = ["hongze_district_2023/extracted_pdftotext_layout.txt",
                  "hongze_district_2024/extracted_pdftotext_layout.txt",
                  "huaian_city_2024/extracted_pdftotext_layout.txt"]


def _parse(corpus_dir: Path, rel: str) -> tuple[dict, dict]:
    path = corpus_dir / rel
    if not path.exists():
        pytest.skip(f"{rel} not in the corpus")
    rep = parse_bytes(path.read_bytes(), filename=path.name).to_dict()
    return rep, load_truth(path.parent)


@pytest.mark.parametrize("rel", TEXT_SOURCES + LAYOUT_SOURCES)
def test_truth_cells(corpus_dir: Path, rel: str) -> None:
    rep, truth = _parse(corpus_dir, rel)
    assert rep["error"] is None
    assert cell_mismatches(rep, truth) == []
    assert rep["status"] == "ok"


@pytest.mark.parametrize("rel", TEXT_SOURCES + LAYOUT_SOURCES)
def test_source_inconsistencies_are_failed_checks(corpus_dir: Path, rel: str) -> None:
    rep, truth = _parse(corpus_dir, rel)
    assert inconsistency_problems(rep, truth) == []
    assert any(c["passed"] for c in rep["checks"])


@pytest.mark.parametrize("rel", TEXT_SOURCES)
def test_metadata(corpus_dir: Path, rel: str) -> None:
    rep, truth = _parse(corpus_dir, rel)
    import json
    meta = json.loads((corpus_dir / rel).parent.joinpath("meta.json").read_text("utf-8"))
    assert rep["year"] == meta["year"]
    assert rep["template"] == truth["template"]
    assert set(rep["sections"]) >= {"overview", "active_disclosure", "applications", "review_litigation",
                                    "problems", "other_matters"}


def test_single_other_handling_row_in_2021_report(corpus_dir: Path) -> None:
    rep, truth = _parse(corpus_dir, LAYOUT_SOURCES[0])
    assert "other_handling" in rep["applications"]
    assert not set(rep["applications"]) & {"other_no_correction", "other_unpaid_fee", "other_other"}
    assert rep["template"] == "2021"
