"""The warm parse pool: per-document limits (results never depend on parse order), recycling after
heavy documents, and no parser left running when the process that started it is killed."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

import ogi.demo
from flows.parsepool import ParsePool
from parsers import ocr
from tests.formats.conftest import generated  # noqa: F401  (the session fixture that renders the scan)

ROOT = Path(__file__).resolve().parents[2]
SEED_TEXT = Path(ogi.demo.__file__).resolve().parent / "data" / "reports" / "seed_000" / "source.txt"


def _big_text() -> bytes:
    """An ordinary but long text report (~6 MB): a real seed repeated."""
    return (SEED_TEXT.read_text(encoding="utf-8") * 1000).encode("utf-8")


@pytest.fixture(scope="module")
def scan(generated) -> bytes:
    """A rasterised one-page report (the formats tests' generated scan)."""
    if not (ocr.enabled() and ocr.available()):
        pytest.skip("OCR (rapidocr_onnxruntime) is not installed")
    png = generated / "compact_scan.png"
    if not png.exists():
        pytest.skip("generated scan fixture missing")
    return png.read_bytes()


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def _children(pid: int) -> list[int]:
    out = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as fh:
                    if int(fh.read().rsplit(")", 1)[1].split()[1]) == pid:
                        out.append(int(entry))
            except (OSError, ValueError, IndexError):
                pass
    return out


def _wait(cond, timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if cond():
            return True
        time.sleep(0.05)
    return cond()


@pytest.mark.slow
@pytest.mark.timeout(900)  # one OCR'd page: ~15 s alone, minutes on a loaded machine
def test_results_do_not_depend_on_what_the_worker_parsed_before(scan):
    """After an OCR'd scan (which grows a worker by ~1 GB of onnxruntime arenas), an ordinary long
    text report still gets its full memory budget: same result as on a fresh worker."""
    big = _big_text()
    # 1400 MB per document: enough for the OCR; a cap fixed at worker start would leave the next
    # document only what the OCR left over (the bare MemoryError of issue 11)
    fresh = ParsePool(1, memory_mb=1400, recycle_mb=0)
    try:
        reference = fresh.parse(big, "big.txt").to_dict()
    finally:
        fresh.close()
    assert reference["status"] == "ok", reference["error"]

    pool = ParsePool(1, memory_mb=1400, recycle_mb=0)  # relative limits alone, no recycling
    try:
        scanned = pool.parse(scan, "scan.png")
        assert scanned.status in ("ok", "partial"), scanned.error
        assert pool.parse(big, "big.txt").to_dict() == reference
        assert pool.recycled == 0
    finally:
        pool.close()


def test_a_worker_grown_by_a_heavy_document_is_replaced_before_the_next():
    big, small = _big_text(), SEED_TEXT.read_bytes()
    with_recycling = ParsePool(1, recycle_mb=20)
    try:
        reference = with_recycling.parse(small, "seed.txt").to_dict()
        first = with_recycling.worker_pids()
        assert with_recycling.parse(big, "big.txt").status == "ok"  # grows the worker well past 20 MB
        assert with_recycling.recycled == 1  # that worker's pool is retired at once ...
        assert with_recycling.parse(small, "seed.txt").to_dict() == reference  # ... the next one is fresh
        assert with_recycling.worker_pids() and not set(with_recycling.worker_pids()) & set(first)
    finally:
        with_recycling.close()


def test_a_memory_hungry_document_fails_alone_with_a_clear_reason():
    pool = ParsePool(1, memory_mb=60, recycle_mb=0)
    try:
        starved = pool.parse(_big_text(), "big.txt")
        assert starved.status == "failed" and "memory" in starved.error and "60 MB" in starved.error
        # the next document on the same worker is unaffected
        small = SEED_TEXT.read_bytes()
        assert pool.parse(small, "seed.txt").status == "ok"
    finally:
        pool.close()


def test_pool_workers_die_with_the_process_that_started_them(tmp_path):
    script = textwrap.dedent(f"""
        import sys, threading, time
        sys.path.insert(0, {str(ROOT)!r})
        from flows.parsepool import ParsePool
        pool = ParsePool(1, recycle_mb=0)
        big = open({str(SEED_TEXT)!r}, encoding="utf-8").read().encode("utf-8") * 8000
        threading.Thread(target=pool.parse, args=(big, "big.txt"), kwargs={{"timeout_s": 300}}, daemon=True).start()
        time.sleep(600)
    """)
    proc = subprocess.Popen([sys.executable, "-c", script], cwd=ROOT)
    try:
        assert _wait(lambda: any(_alive(c) for c in _children(proc.pid)), 60), "no worker started"
        workers = [c for c in _children(proc.pid) if _alive(c)]
        time.sleep(2.0)  # the worker is now busy parsing a ~50 MB report (tens of seconds)
        proc.kill()
        proc.wait(10)
        assert _wait(lambda: not any(_alive(w) for w in workers), 5), "a parse worker outlived its parent"
    finally:
        if proc.poll() is None:
            proc.kill()


def test_killing_ogi_parse_leaves_no_parser_running(tmp_path):
    doc = tmp_path / "big.txt"
    doc.write_bytes(_big_text() * 8)  # ~50 MB of text: parses for tens of seconds in the child
    ogi_cmd = [sys.executable, "-m", "ogi.cli", "parse", str(doc), "--json"]
    proc = subprocess.Popen(ogi_cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        assert _wait(lambda: any(_alive(c) for c in _children(proc.pid)), 60), "no parser child started"
        children = [c for c in _children(proc.pid) if _alive(c)]
        time.sleep(1.0)
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        assert _wait(lambda: not any(_alive(c) for c in children), 5), "the parser child outlived ogi parse"
    finally:
        if proc.poll() is None:
            proc.kill()
