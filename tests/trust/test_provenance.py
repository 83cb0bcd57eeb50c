"""Cell provenance (method, page) and null reasons in every reader path, and the rule that a
failed stated total un-publishes the OCR'd / positional cells it involves."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from parsers import ParsedReport, parse_bytes
from parsers.assemble import assemble
from parsers.formats import html
from parsers.model import Table
from parsers.ocr import clear_rule_pixels

HELDOUT = Path(__file__).resolve().parents[1] / "fixtures" / "heldout_like"
NAME = "ucap_2021_corner_row_radicals"


def _methods(rep: dict) -> set[str]:
    return {m["method"] for t in rep["provenance"].values() for r in t.values() for m in r.values()}


def _every_cell_has_provenance(rep: dict) -> None:
    for t in ("active_disclosure", "applications", "review_litigation"):
        for r, cols in rep[t].items():
            assert set(rep["provenance"][t][r]) == set(cols), (t, r)


def test_html_cells_are_grid_read_and_json_round_trips():
    rep = parse_bytes((HELDOUT / f"{NAME}.html").read_bytes(), filename="a.html")
    d = rep.to_dict()
    _every_cell_has_provenance(d)
    assert _methods(d) == {"grid"}
    assert d["null_reasons"] == {}
    back = ParsedReport.from_dict(json.loads(json.dumps(d)))
    assert back.provenance == rep.provenance and back.null_reasons == rep.null_reasons


def test_text_cells_are_stream_read():
    exp = json.loads((HELDOUT / "text_2019_whitespace_aligned.expected.json").read_text("utf-8"))
    d = parse_bytes((HELDOUT / exp["file"]).read_bytes(), filename=exp["file"]).to_dict()
    _every_cell_has_provenance(d)
    assert _methods(d) == {"stream"}
    assert all(m["page"] is None for t in d["provenance"].values() for r in t.values() for m in r.values())


def _doc_with_a_misread_cell(method: str | None):
    doc = html.read((HELDOUT / f"{NAME}.html").read_bytes())
    for b in doc.blocks:
        if isinstance(b, Table):
            b.method, b.page = method, 2
            for row in b.rows:
                if any("予以公开" in c for c in row[:3]) and not any("部分" in c for c in row[:3]):
                    # the granted row's first applicant cell misread: 1012 -> 1017
                    k = row.index("1012")
                    row[k] = "1017"
    return doc


@pytest.mark.parametrize("method", ["positional", "ocr"])
def test_failed_total_unpublishes_weakly_read_cells(method):
    rep = assemble(_doc_with_a_misread_cell(method), source="x").to_dict()
    assert rep["applications"]["granted"] == dict.fromkeys(rep["applications"]["granted"])
    reasons = rep["null_reasons"]["applications"]["granted"]
    assert len(reasons) == 7 and all("stated total disagrees" in r and method in r for r in reasons.values())
    assert any(w.startswith("applications.granted.natural_person") for w in rep["warnings"])
    # the row is nulled first, so the column totals that involved it are not run on a bad number
    assert not [c for c in rep["checks"] if not c["passed"]]
    assert rep["applications"]["partially_granted"]["natural_person"] is not None  # the rest stays
    assert rep["provenance"]["applications"]["granted"]["total"] == {"method": method, "page": 2}


def test_grid_read_cells_keep_their_numbers_and_the_failed_check():
    rep = assemble(_doc_with_a_misread_cell(None), source="x").to_dict()
    assert rep["applications"]["granted"]["natural_person"] == 1017  # the source as printed
    assert ["row_total", "granted"] in [[c["rule"], c["scope"]] for c in rep["checks"] if not c["passed"]]
    assert "granted" not in rep["null_reasons"].get("applications", {})


def test_rule_remnants_are_cleared_from_cell_crops():
    crop = np.full((30, 60), 255, np.uint8)
    crop[:, 57:59] = 0  # a vertical rule that survived the inset
    crop[0, :] = 0  # and a horizontal one
    crop[8:22, 20:23] = 0  # a digit 1: a stroke of half the crop's height
    out = clear_rule_pixels(crop)
    assert (out[:, 57:59] == 255).all() and (out[0, :] == 255).all()
    assert (out[8:22, 20:23] == 0).all()
    tall = np.full((30, 60), 255, np.uint8)
    tall[:, 30:32] = 0  # a full-height stroke in the middle is content, not a rule remnant
    assert (clear_rule_pixels(tall)[:, 30:32] == 0).all()
