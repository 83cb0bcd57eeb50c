"""`ogi parse`: JSON Lines, one object per file, errors as objects, exit status 0."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "tests" / "fixtures" / "html" / "gkmlpt_2021_rowspan.html"
KEYS = {"source", "source_format", "template", "year", "agency", "title", "active_disclosure",
        "applications", "review_litigation", "checks", "warnings", "error"}


def _ogi(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "ogi.cli", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)


def test_parse_json_lines_with_a_bad_file(tmp_path: Path) -> None:
    bad = tmp_path / "broken.pdf"
    bad.write_bytes(b"%PDF-1.4 this is not really a pdf")
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    res = _ogi("parse", str(FIXTURE), str(bad), str(empty), str(tmp_path / "missing.html"), "--json", "--no-ocr")
    assert res.returncode == 0, res.stderr
    lines = [json.loads(x) for x in res.stdout.splitlines() if x.strip()]
    assert len(lines) == 4
    good, *bads = lines
    assert KEYS <= set(good)
    assert good["error"] is None and good["template"] == "2021" and good["year"] == 2021
    assert good["applications"]["granted"]["total"] == 71
    assert good["review_litigation"]["review"]["total"] == 4
    assert any(not c["passed"] and c["rule"] == "row_total" for c in good["checks"])
    for b in bads:
        assert KEYS <= set(b)
        assert b["error"], b


def test_parse_summary_shows_checks() -> None:
    res = _ogi("parse", str(FIXTURE))
    assert res.returncode == 0, res.stderr
    assert "row_total" in res.stdout and "failed" in res.stdout and "2021" in res.stdout


def test_help() -> None:
    res = _ogi("parse", "--help")
    assert res.returncode == 0 and "--json" in res.stdout and "--no-ocr" in res.stdout
