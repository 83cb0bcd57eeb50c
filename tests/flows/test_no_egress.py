"""Nothing leaves the machine: a whole pipeline run — crawl, download, OCR of a scanned attachment,
Prefect's ephemeral API, load, publish — with every HTTP(S) client pointed at a recording proxy on
loopback. Every request the proxy sees must be for a registry host; a CONNECT (an HTTPS tunnel,
as onnxruntime's telemetry opens one) or any other host fails the test."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from parsers import ocr
from tests.formats.conftest import generated  # noqa: F401  (the session fixture that renders the scan)
from tests.recording_proxy import RecordingProxy

ROOT = Path(__file__).resolve().parents[2]
PORTAL = "demo-hanweb"  # its 2024 report is published as a PDF attachment


@pytest.mark.slow
@pytest.mark.timeout(900)  # OCR of a two-page scan: ~30 s alone, minutes on a loaded CI machine
def test_a_run_with_ocr_sends_nothing_outside_the_registry(tmp_path, generated):  # noqa: F811
    if not (ocr.enabled() and ocr.available()):
        pytest.skip("OCR (rapidocr_onnxruntime) is not installed")
    scan = generated / "compact_scan.pdf"
    if not scan.exists():
        pytest.skip("scan fixture not generated (LibreOffice/pdftoppm missing)")
    from ogi.demo.server import DemoPortals

    with DemoPortals() as demo, RecordingProxy() as proxy:
        registry = demo.write_registry(tmp_path / "registry.csv")
        pages = demo.expected_reports()[PORTAL]
        attachments = sorted(u for page, urls in demo.expected_attachments().items() if page in pages for u in urls)
        assert attachments, "the demo portal lost its PDF attachment"
        scan_url = attachments[0]
        demo.mutate(scan_url, scan.read_bytes())  # the attachment is now an image-only scan: OCR needed
        allowed = {row["allowed_hosts"].split()[0].split(":")[0] for row in demo.registry_rows()
                   if row["portal_id"] == PORTAL}

        env = dict(os.environ)
        # Prefect's own ephemeral API listens on 127.0.0.1 (not a registry host): let it bypass the
        # proxy; every other destination, loopback demo portals included, goes through it
        env.update(proxy.env(no_proxy="127.0.0.1,localhost"))
        env["PREFECT_HOME"] = str(tmp_path / "prefect")
        env.pop("ORT_DISABLE_TELEMETRY", None)  # the project must set it itself
        data = tmp_path / "data"
        proc = subprocess.run(
            [sys.executable, "-m", "ogi.cli", "run", "--registry", str(registry), "--data-dir", str(data),
             "--portal", PORTAL, "--fast", "--no-progress", "--json"],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
        assert proc.returncode in (0, 1), proc.stderr[-3000:]
        summary = json.loads(proc.stdout[proc.stdout.index("{"):])

    assert [s for s in proxy.seen if s.forwarded], "nothing went through the proxy: the test proves nothing"
    outside = proxy.outside(allowed)
    assert outside == [], f"requests left for hosts outside the registry: {outside[:5]}"
    assert summary.get("status") in ("ok", "partial", "failed") and summary

    public = next(p for p in (data / "warehouse.duckdb", data / "public" / "warehouse.duckdb") if p.exists())
    con = duckdb.connect(str(public), read_only=True)
    try:
        row = con.execute("SELECT report_id, parse_status, source_format FROM reports WHERE document_url = ?",
                          [scan_url]).fetchone()
        assert row is not None, "the scanned attachment left no report"
        ocr_cells = sum(con.execute(f"SELECT count(*) FROM {t} WHERE report_id = ? AND method = 'ocr' "
                                    f"AND value IS NOT NULL", [row[0]]).fetchone()[0]
                        for t in ("active_disclosure", "applications", "review_litigation"))
    finally:
        con.close()
    assert row[1:] in (("ok", "pdf"), ("partial", "pdf")), row
    assert ocr_cells >= 10, ocr_cells  # the numbers came through OCR, in this very run
