"""A pool of warm, isolated parser processes for runs that parse many documents.

`parsers.safe.parse_isolated` starts a fresh interpreter per document: safe, but the start-up
(imports of the PDF/Word stacks) costs ~0.5–1 s per document, ten times the parse of a typical
report. This pool keeps a few children alive, each under the same memory limit
(RLIMIT_AS, `parsers.safety`), and hands them one document at a time:

- a document that exceeds the wall-clock limit gets its child killed (and replaced) and comes
  back as a failed report; so does one whose child dies (crash, out of memory);
- each child is recycled after `max_docs` documents, so no state can build up;
- results come back on a private pipe, so library chatter on stdout cannot corrupt them.

Limits (size cap, time, memory) are those of `parsers.safety`; the parse is `parsers.parse_bytes`.
If the pool cannot start a child, callers fall back to `parse_isolated`.
"""
from __future__ import annotations

import json
import os
import queue
import select
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from parsers.model import ParsedReport
from parsers.safety import DEFAULT_MEMORY_MB, DEFAULT_TIMEOUT_S, MAX_DOCUMENT_BYTES

try:
    from parsers.safety import DEFAULT_OCR_TIMEOUT_S
except ImportError:  # older parsers.safety
    DEFAULT_OCR_TIMEOUT_S = DEFAULT_TIMEOUT_S

_PKG_PARENT = str(Path(__file__).resolve().parents[1])


def _version() -> str:
    import parsers

    return parsers.PARSER_VERSION


class _Worker:
    def __init__(self, memory_mb: int):
        r_fd, w_fd = os.pipe()
        env = dict(os.environ)
        env["PYTHONPATH"] = _PKG_PARENT + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
        for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
            env.setdefault(var, "2")
        try:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "flows.parsepool", str(int(memory_mb)), str(w_fd)],
                stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                pass_fds=(w_fd,), env=env, start_new_session=True, close_fds=True)
        finally:
            os.close(w_fd)
        self.out = os.fdopen(r_fd, "rb", buffering=0)
        self.docs = 0
        self.buf = b""

    def alive(self) -> bool:
        return self.proc.poll() is None

    def kill(self) -> None:
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            pass
        for fh in (self.proc.stdin, self.out):
            try:
                fh.close()
            except Exception:
                pass

    def parse(self, data: bytes, header: dict, timeout_s: float) -> dict:
        """Send one document; return the report dict. Raises TimeoutError / EOFError."""
        head = json.dumps({**header, "n": len(data)}).encode() + b"\n"
        self.proc.stdin.write(head)
        self.proc.stdin.write(data)
        self.proc.stdin.flush()
        self.docs += 1
        deadline = time.monotonic() + timeout_s
        while b"\n" not in self.buf:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError
            ready, _, _ = select.select([self.out], [], [], min(left, 1.0))
            if ready:
                chunk = self.out.read(1 << 20)
                if not chunk:
                    raise EOFError
                self.buf += chunk
        line, _, self.buf = self.buf.partition(b"\n")
        return json.loads(line)


class ParsePool:
    def __init__(self, size: int | None = None, *, memory_mb: int = DEFAULT_MEMORY_MB, max_docs: int = 200):
        self.size = max(1, size or os.cpu_count() or 2)
        self.memory_mb = memory_mb
        self.max_docs = max_docs
        self._idle: queue.Queue[_Worker | None] = queue.Queue()
        for _ in range(self.size):
            self._idle.put(None)  # started lazily
        self._closed = False
        self._all: set[_Worker] = set()
        self._lock = threading.Lock()

    def _take(self) -> _Worker:
        w = self._idle.get()
        if w is None or not w.alive() or w.docs >= self.max_docs:
            if w is not None:
                self._retire(w)
            w = _Worker(self.memory_mb)
            with self._lock:
                self._all.add(w)
        return w

    def _retire(self, w: _Worker) -> None:
        w.kill()
        with self._lock:
            self._all.discard(w)

    def parse(self, data: bytes, filename: str | None = None, content_type: str | None = None, *,
              source: str | None = None, ocr: bool = True, timeout_s: float | None = None) -> ParsedReport:
        from parsers.sniff import sniff_format

        src = source or filename or "<bytes>"
        try:
            fmt = sniff_format(data, filename, content_type)
        except Exception:
            fmt = "unknown"
        if timeout_s is None:
            timeout_s = DEFAULT_OCR_TIMEOUT_S if ocr and fmt in ("pdf", "image") else DEFAULT_TIMEOUT_S
        if not data:
            return ParsedReport.failure(src, fmt, _version(), "empty document (0 bytes)")
        if len(data) > MAX_DOCUMENT_BYTES:
            return ParsedReport.failure(src, fmt, _version(),
                                        f"document is {len(data)} bytes, over the {MAX_DOCUMENT_BYTES}-byte limit")
        if self._closed:
            raise RuntimeError("parse pool is closed")
        w = self._take()
        try:
            result = w.parse(data, {"filename": filename, "content_type": content_type, "source": source,
                                    "ocr": bool(ocr)}, timeout_s)
        except TimeoutError:
            self._retire(w)
            w = None
            return ParsedReport.failure(src, fmt, _version(), f"parse timed out after {timeout_s:g} s (document abandoned)")
        except (EOFError, BrokenPipeError, OSError, ValueError) as exc:
            code = w.proc.poll()
            self._retire(w)
            w = None
            why = f"parser process died ({type(exc).__name__}"
            if code is not None and code < 0:
                why += f", signal {-code}"
            return ParsedReport.failure(src, fmt, _version(), why + f"; memory limit {self.memory_mb} MB)")
        finally:
            self._idle.put(w)
        return ParsedReport.from_dict(result)

    def close(self) -> None:
        self._closed = True
        with self._lock:
            workers = list(self._all)
            self._all.clear()
        for w in workers:
            w.kill()


def _child(argv: list[str]) -> int:
    """Worker loop: header line + bytes in on stdin, one JSON line out on the private fd."""
    import resource

    mem = int(argv[0]) * 1024 * 1024
    if mem > 0:
        resource.setrlimit(resource.RLIMIT_AS, (mem, mem))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    out = os.fdopen(int(argv[1]), "wb", buffering=0)
    os.dup2(2, 1)  # library chatter goes to stderr, results to `out` only
    from parsers import PARSER_VERSION, parse_bytes
    from parsers.model import ParsedReport as _PR

    stdin = sys.stdin.buffer
    while True:
        head = stdin.readline()
        if not head:
            return 0
        h = json.loads(head)
        data = stdin.read(h["n"])
        try:
            report = parse_bytes(data, h.get("filename"), h.get("content_type"), source=h.get("source"),
                                 ocr=h.get("ocr", True))
            payload = report.to_dict()
        except BaseException as exc:  # MemoryError and friends: report it, then die if we must
            payload = _PR.failure(h.get("source") or "<bytes>", "unknown", PARSER_VERSION,
                                  f"{type(exc).__name__}: {exc}"[:500]).to_dict()
        out.write(json.dumps(payload, ensure_ascii=False, default=str).encode("utf-8") + b"\n")


if __name__ == "__main__":
    sys.exit(_child(sys.argv[1:]))
