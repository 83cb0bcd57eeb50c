"""Scans: an image-only PDF (rasterised from a generated report) read through OCR cell by cell.
OCR is slow, so one two-page scan is OCRed once per session."""
from __future__ import annotations

import pytest

from parsers import ocr, parse_bytes
from parsers.formats import image, pdf

from .conftest import need, truth_for
from tests.parsers.parse_corpus_util import trust_score, untrustworthy
from .truthgrid import mismatches


@pytest.fixture(scope="module")
def scan(generated):
    return need(generated / "compact_scan.pdf")


def test_image_only_pdf_without_ocr_is_needs_ocr(scan):
    d = pdf.read(scan.read_bytes(), ocr=False)
    assert d.needs_ocr and d.warnings
    rep = parse_bytes(scan.read_bytes(), filename="scan.pdf", ocr=False)
    assert rep.status == "needs_ocr"


def test_ocr_env_switch_turns_it_off(scan, monkeypatch):
    monkeypatch.setenv("OGI_OCR", "0")
    assert not ocr.available()
    assert pdf.read(scan.read_bytes()).needs_ocr
    png = scan.with_suffix(".png")
    if png.exists():
        assert image.read(png.read_bytes()).needs_ocr


def test_scan_ocr_matches_truth(scan):
    if not ocr.available():
        pytest.skip("rapidocr_onnxruntime not installed")
    data = scan.read_bytes()
    d = pdf.read(data)
    assert not d.needs_ocr and d.meta["ocr_pages"] == [1, 2]
    truth = truth_for(scan)
    assert mismatches(d, truth) == []
    # end to end through assembly, from the Document already read (OCR once)
    from parsers.assemble import assemble

    rep = assemble(d, source="scan.pdf").to_dict()
    # the scan's `distinct` values break every stated total on purpose: OCR'd cells are then
    # not published (null with a reason), and nothing published is wrong
    score = trust_score(rep, truth)
    assert untrustworthy(score) == []
    assert all(m["method"] == "ocr" and m["page"] in (1, 2)
               for t in rep["provenance"].values() for r in t.values() for m in r.values())
    assert score["explained_null"] and all(
        "stated total disagrees" in rep["null_reasons"][t][r][c]
        for t, r, c in (k.split(":")[0].split(".") for k in score["explained_null"]))


def test_missing_ocr_dependency_degrades(scan, monkeypatch):
    ocr._installed.cache_clear()
    monkeypatch.setattr(ocr.importlib.util, "find_spec", lambda name: None)
    try:
        assert not ocr.available()
        d = pdf.read(scan.read_bytes())
        assert d.needs_ocr and any("unavailable" in w for w in d.warnings)
    finally:
        ocr._installed.cache_clear()


def test_skewed_scan_is_straightened_before_rules_are_found(scan):
    cv2 = pytest.importorskip("cv2")
    png = need(scan.with_suffix(".png"))
    img = cv2.imread(str(png), cv2.IMREAD_GRAYSCALE)
    h, w = img.shape
    straight = len(ocr.find_rules(img, 72 / 150))
    for angle in (1.5, -2.5):
        rot = cv2.warpAffine(img, cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0), (w, h), borderValue=255)
        assert abs(ocr.skew_angle(rot) + angle) <= 0.2
        assert len(ocr.find_rules(rot, 72 / 150)) < straight / 2  # skew breaks the rules apart
        assert len(ocr.find_rules(ocr.deskew(rot), 72 / 150)) == straight
