import subprocess
import sys
from pathlib import Path

from ogi.cli import main
from ogi.demo.server import DemoPortals

ROOT = Path(__file__).resolve().parents[2]


def test_scrapy_list_from_repo_root():
    out = subprocess.run([sys.executable, "-m", "scrapy", "list"], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["portals"]


def test_zero_reports_is_a_failure(tmp_path, capsys):
    with DemoPortals(base_dir=tmp_path, portals=["demo-trs"], honeypot=False) as demo:
        base = demo.sites["demo-trs"].bases["www"]
        reg = tmp_path / "empty.csv"
        reg.write_text("portal_id,name,province,level,division_code,start_urls,allowed_hosts\n"
                       f"news-only,示范,福建,county,350128,{base}/xwzx/,\n", encoding="utf-8")
        rc = main(["crawl", "--registry", str(reg), "--fast", "--max-depth", "1", "-o", str(tmp_path / "o.jsonl")])
    out = capsys.readouterr().out
    assert rc == 1
    assert "news-only" in out and "empty" in out and "FAILED" in out


def test_mutate_changes_served_bytes():
    import urllib.request
    with DemoPortals(portals=["demo-hanweb"], honeypot=False) as demo:
        url = next(iter(demo.expected_attachments().values() and
                        [a for v in demo.expected_attachments().values() for a in v]))
        before = urllib.request.urlopen(url).read()
        new = demo.mutate(url)
        after = urllib.request.urlopen(url).read()
        assert before != after == new
        page = next(iter(demo.expected_reports()["demo-hanweb"]))
        before = urllib.request.urlopen(page).read()
        demo.mutate(page)
        assert urllib.request.urlopen(page).read() != before


def test_demo_server_by_hand():
    proc = subprocess.Popen([sys.executable, "-m", "ogi.demo.server", "--port", "0", "--first-octet", "200"],
                            cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        first = proc.stdout.readline()
        rows = [proc.stdout.readline() for _ in range(3)]
        assert first.startswith("registry: ") and first.strip().endswith("demo-registry.csv")
        assert "demo-trs" in rows[0] and "http://127.0.0.200:" in rows[0]
    finally:
        proc.terminate()
        proc.wait(timeout=10)
