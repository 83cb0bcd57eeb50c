"""Scans: an image-only PDF (rasterised from a generated report) read through OCR cell by cell.
OCR is slow, so one two-page scan is OCRed once per session."""
from __future__ import annotations

import pytest

from parsers import ocr, parse_bytes
from parsers.formats import image, pdf

from .conftest import need, truth_for
from .e2e import cell_errors
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

    rep = assemble(d, source="scan.pdf")
    assert cell_errors(rep, truth) == []


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
