"""Opt-in: fetch a page of a walled portal with a real headless browser (Debian's `chromium`).

Off by default. `-s OGI_BROWSER=chromium` (or a path; `ogi crawl -s OGI_BROWSER=chromium`) makes
the crawler, after a portal answered with an anti-bot wall (`middlewares.wall_of`), read that
host's GET pages with `chromium --headless --dump-dom`: the browser runs the challenge script,
stores its cookie in a profile kept for the whole crawl, reloads, and the crawler reads the DOM it
ends on. One browser at a time (a page costs seconds), at most `OGI_BROWSER_MAX_PAGES` per portal;
POST endpoints and file downloads stay blocked. The browser sends the crawler's own User-Agent.

Measured on loopback (Chromium 156, Debian 12): both imitation walls (412 瑞数-style, 521
加速乐-style) are passed in 3.7–4.8 s per page. Real 瑞数 challenges fingerprint the browser and
may still refuse a headless one; that cannot be tested offline.
"""
from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
import threading
from html import unescape
from pathlib import Path

_PRE = re.compile(r"<pre[^>]*>(.*?)</pre>", re.DOTALL | re.IGNORECASE)


class BrowserUnavailable(RuntimeError):
    pass


class HeadlessBrowser:
    """`chromium --headless --dump-dom` in a subprocess, one page at a time, one profile per crawl."""

    def __init__(self, binary: str, *, user_agent: str, timeout: float = 30.0, budget_ms: int = 3000):
        path = shutil.which(binary) or (binary if Path(binary).is_file() else None)
        if not path:
            raise BrowserUnavailable(f"OGI_BROWSER={binary!r}: no such executable (apt-get install chromium)")
        self.binary, self.user_agent, self.timeout, self.budget_ms = path, user_agent, timeout, budget_ms
        self._profile = tempfile.TemporaryDirectory(prefix="ogi-browser-")
        self._lock = threading.Lock()

    def dump_dom(self, url: str) -> str:
        """The DOM the page ends on (after its scripts ran), as HTML; raises on failure."""
        cmd = [self.binary, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
               "--disable-extensions", "--disable-background-networking", "--disable-sync",
               f"--user-data-dir={self._profile.name}", f"--user-agent={self.user_agent}",
               f"--virtual-time-budget={self.budget_ms}", "--dump-dom", url]
        with self._lock:
            proc = subprocess.run(cmd, capture_output=True, timeout=self.timeout, check=False)
        if proc.returncode != 0 or not proc.stdout.strip():
            raise RuntimeError(f"browser exit {proc.returncode}: {proc.stderr.decode('utf-8', 'replace')[-200:]}")
        return proc.stdout.decode("utf-8", "replace")

    def close(self) -> None:
        self._profile.cleanup()


def plain_text_of(dom: str) -> str:
    """A text file (robots.txt) as the browser shows it: `<pre>` inside a generated page."""
    m = _PRE.search(dom)
    return unescape(m.group(1)) if m else dom
