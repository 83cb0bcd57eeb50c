"""Warm, isolated parser processes for runs that parse many documents, on a kept library (pebble).

`parsers.safe.parse_isolated` starts a fresh interpreter per document: safe, but the start-up
(imports of the PDF/Word stacks) costs ~0.5–1 s per document, ten times the parse of a typical
report. This pool keeps a few warm workers (`pebble.ProcessPool`) and hands them one document
at a time. What pebble does for us: kill-and-replace a worker whose document passes the wall-clock
limit, notice a worker that died (crash, signal, out of memory), recycle workers after
`max_docs` documents. What this module adds, per document rather than per worker lifetime:

- **memory**: before each document the worker sets its soft RLIMIT_AS to *its current address
  space + the budget* (`memory_mb`), so a document gets the same budget whatever the worker parsed
  before (an OCR'd scan grows a worker by hundreds of MB of onnxruntime arenas; a fixed cap set at
  start-up then failed the next ordinary report). Results do not depend on parse order.
- **CPU**: the soft RLIMIT_CPU is set to the worker's CPU time so far + the document's CPU budget;
  SIGXCPU ends the worker and the document comes back failed with that reason.
- **recycling after a heavy document**: a worker reports how far it has grown since it started;
  past `recycle_mb` the pool is retired gracefully (documents already running on it finish) and
  the next documents go to fresh workers. Nothing is ever parsed twice. (A worker must never
  exit by itself between tasks: pebble can then lose track of a task it had just acknowledged.)
- **no hang**: every wait has a bound (the document's time limit plus a margin), even if pebble
  lost a worker's death.
- **no orphans**: workers exit within half a second of the process that started them (a watcher
  thread in each worker), so killing `ogi run` or a worker machine's flow process never leaves
  parsers running.

Limits (size cap, time, memory) are those of `parsers.safety`; the parse is `parsers.parse_bytes`.
If the pool cannot start a worker, callers fall back to `parse_isolated`.
"""
from __future__ import annotations

import concurrent.futures
from concurrent.futures.process import BrokenProcessPool
import os
import resource
import sys
import threading
from typing import Any

import pebble

from parsers.model import ParsedReport
from parsers.safe import exit_when_parent_dies, memory_error_text, vm_size_bytes
from parsers.safety import DEFAULT_MEMORY_MB, DEFAULT_OCR_TIMEOUT_S, DEFAULT_TIMEOUT_S, MAX_DOCUMENT_BYTES

DEFAULT_RECYCLE_MB = 1024  # retire the workers once one has grown this much since it started
_MAX_RESCHEDULES = 3       # new pools after pebble gave one up ("All workers expired"): document never started
_WAIT_MARGIN_S = 60        # beyond pebble's own kill-on-timeout, a backstop against a lost task

# worker-process state (set by _init_worker)
_BASE_VM = 0


def _version() -> str:
    import parsers

    return parsers.PARSER_VERSION


def _init_worker() -> None:
    """Runs once in every new worker: die with the parent, no core files, warm imports."""
    global _BASE_VM
    exit_when_parent_dies(os.getppid())
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    try:
        os.dup2(2, 1)  # library chatter goes to stderr; results travel on pebble's pipe
    except OSError:
        pass
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(var, "2")
    import parsers  # noqa: F401  (warm: the readers' imports are paid once per worker)
    import parsers.assemble  # noqa: F401
    import parsers.formats  # noqa: F401

    _BASE_VM = vm_size_bytes()


def _set_soft(which: int, soft: int) -> None:
    _, hard = resource.getrlimit(which)
    if hard != resource.RLIM_INFINITY and soft > hard:
        soft = hard
    resource.setrlimit(which, (soft, hard))


def _parse_in_worker(data: bytes, header: dict) -> dict:
    """One document in a warm worker, under limits measured from this document's start."""
    from parsers import PARSER_VERSION, parse_bytes

    start_vm = vm_size_bytes()
    budget = header["memory_mb"] * 1024 * 1024
    usage = resource.getrusage(resource.RUSAGE_SELF)
    cpu_now = int(usage.ru_utime + usage.ru_stime) + 1
    try:
        if budget > 0:
            _set_soft(resource.RLIMIT_AS, start_vm + budget)
        _set_soft(resource.RLIMIT_CPU, cpu_now + header["cpu_s"])
        try:
            report = parse_bytes(data, header["filename"], header["content_type"], source=header["source"],
                                 ocr=header["ocr"])
        except MemoryError:
            report = None
        if report is None or (report.error and memory_error_text(report.error)):
            why = f"out of memory (limit {header['memory_mb']} MB for this document)"
            if report is None:
                from parsers.sniff import sniff_format

                fmt = sniff_format(data, header["filename"], header["content_type"])
                report = ParsedReport.failure(header["source"] or header["filename"] or "<bytes>", fmt,
                                              PARSER_VERSION, why)
            else:
                report.error = f"{why}: {report.error}"
        tokens = None
        if header.get("segment") and report.status != "failed" and report.sections:
            from warehouse.segment import section_tokens  # the search index's words, made here in parallel

            tokens = section_tokens(report.sections)
        return {"report": report.to_dict(), "tokens": tokens,
                "grown_mb": max(0, vm_size_bytes() - _BASE_VM) // (1024 * 1024)}
    finally:
        # the idle worker (and pebble's own loop) is not bound by the last document's budget
        _set_soft(resource.RLIMIT_AS, resource.RLIM_INFINITY)
        _set_soft(resource.RLIMIT_CPU, resource.RLIM_INFINITY)


class ParsePool:
    """`size` warm workers; `parse(...)` is thread-safe and never raises for bad input."""

    def __init__(self, size: int | None = None, *, memory_mb: int = DEFAULT_MEMORY_MB, max_docs: int = 1000,
                 recycle_mb: int = DEFAULT_RECYCLE_MB):
        self.size = max(1, size or os.cpu_count() or 2)
        self.memory_mb = memory_mb
        self.max_docs = max_docs
        self.recycle_mb = recycle_mb
        self._lock = threading.Lock()
        self._pool: pebble.ProcessPool | None = None
        self._closed = False
        self.recycled = 0  # pools retired after a heavy document

    def _executor(self) -> pebble.ProcessPool:
        with self._lock:
            if self._closed:
                raise RuntimeError("parse pool is closed")
            if self._pool is None or not self._pool.active:
                import multiprocessing

                # fork after the parent's imports would share its threads' locks: spawn a clean child
                self._pool = pebble.ProcessPool(max_workers=self.size, max_tasks=self.max_docs,
                                                initializer=_init_worker,
                                                context=multiprocessing.get_context("spawn"))
            return self._pool

    def parse(self, data: bytes, filename: str | None = None, content_type: str | None = None, *,
              source: str | None = None, ocr: bool = True, timeout_s: float | None = None) -> ParsedReport:
        return self.parse_for_search(data, filename, content_type, source=source, ocr=ocr, timeout_s=timeout_s,
                                     segment=False)[0]

    def parse_for_search(self, data: bytes, filename: str | None = None, content_type: str | None = None, *,
                         source: str | None = None, ocr: bool = True, timeout_s: float | None = None,
                         segment: bool = True, as_dict: bool = False) -> tuple[Any, dict[str, str] | None]:
        """(report, {section key: search tokens} or None): with `segment`, the worker also makes
        the full-text index's tokens of the report's sections (warehouse.segment), in parallel.
        `as_dict`: the report as `ParsedReport.to_dict()` (what the flows keep), not rebuilt."""
        report, tokens = self._schedule(data, filename, content_type, source=source, ocr=ocr, timeout_s=timeout_s,
                                        segment=segment)
        if as_dict:
            return (report if isinstance(report, dict) else report.to_dict()), tokens
        return (ParsedReport.from_dict(report) if isinstance(report, dict) else report), tokens

    def _schedule(self, data: bytes, filename: str | None, content_type: str | None, *, source: str | None,
                  ocr: bool, timeout_s: float | None, segment: bool) -> tuple[ParsedReport | dict, dict | None]:
        """One document on a worker: (the worker's report dict, tokens), or (a failure, None)."""
        from parsers.sniff import sniff_format

        src = source or filename or "<bytes>"
        try:
            fmt = sniff_format(data, filename, content_type)
        except Exception:
            fmt = "unknown"
        if timeout_s is None:
            timeout_s = DEFAULT_OCR_TIMEOUT_S if ocr and fmt in ("pdf", "image") else DEFAULT_TIMEOUT_S
        if not data:
            return _failed(src, fmt, _version(), "empty document (0 bytes)")
        if len(data) > MAX_DOCUMENT_BYTES:
            return _failed(src, fmt, _version(),
                                        f"document is {len(data)} bytes, over the {MAX_DOCUMENT_BYTES}-byte limit")
        if timeout_s <= 0:
            return _failed(src, fmt, _version(), f"parse timed out after {timeout_s:g} s (no time given)")
        cpu_s = int(2 * timeout_s) + 10  # a backstop behind the wall clock (OCR uses 2 threads)
        header = {"filename": filename, "content_type": content_type, "source": source, "ocr": bool(ocr),
                  "memory_mb": int(self.memory_mb), "cpu_s": cpu_s, "segment": bool(segment)}
        for _ in range(_MAX_RESCHEDULES + 1):
            pool = self._executor()
            future = pool.schedule(_parse_in_worker, args=(data, header), timeout=timeout_s)
            try:
                out = future.result(timeout=timeout_s + _WAIT_MARGIN_S)
                if self.recycle_mb and out["grown_mb"] > self.recycle_mb:
                    self._retire(pool)
                return out["report"], out.get("tokens")
            except concurrent.futures.TimeoutError:
                future.cancel()
                return _failed(src, fmt, _version(),
                                            f"parse timed out after {timeout_s:g} s (document abandoned)")
            except pebble.ProcessExpired as exc:
                return _failed(src, fmt, _version(), _death_reason(exc.exitcode, self.memory_mb, cpu_s))
            except BrokenProcessPool:
                # a worker died while no document was running on it (killed from outside): pebble
                # then gives up the whole pool. The document never started, so start a new pool.
                self._discard_broken_pool()
                continue
            except concurrent.futures.CancelledError:
                return _failed(src, fmt, _version(), "parse cancelled (pool closing)")
            except Exception as exc:  # pickling/pool errors: the document fails, the run goes on
                return _failed(src, fmt, _version(), f"parser pool error: {type(exc).__name__}: {exc}"[:500])
        return _failed(src, fmt, _version(), "parser workers kept retiring; document not parsed")

    def _retire(self, pool: pebble.ProcessPool) -> None:
        """Stop handing documents to `pool`; its running documents finish, then its workers exit."""
        with self._lock:
            if self._pool is not pool:
                return  # another thread retired it already
            self._pool = None
            self.recycled += 1
        pool.close()
        threading.Thread(target=pool.join, daemon=True, name="ogi-parsepool-retire").start()

    def _discard_broken_pool(self) -> None:
        with self._lock:
            pool = self._pool
            if pool is not None and not pool.active:
                self._pool = None
            else:
                pool = None
        if pool is not None:
            pool.stop()
            pool.join(timeout=10)

    def worker_pids(self) -> list[int]:
        """PIDs of the live workers (for tests and `ogi status`-style diagnostics)."""
        pool = self._pool
        if pool is None:
            return []
        workers = pool._pool_manager.worker_manager.workers  # pebble keeps them by pid
        return [pid for pid, proc in list(workers.items()) if proc.is_alive()]

    def close(self) -> None:
        with self._lock:
            self._closed = True
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.stop()
            pool.join(timeout=10)


def _failed(*args: Any) -> tuple[ParsedReport, None]:
    """A failure of `parse_for_search`: ParsedReport.failure(*args), no tokens."""
    return ParsedReport.failure(*args), None


def _death_reason(exitcode: int | None, memory_mb: int, cpu_s: int) -> str:
    import signal

    if exitcode is not None and exitcode < 0:
        sig = -exitcode
        name = signal.Signals(sig).name if sig in signal.Signals._value2member_map_ else str(sig)
        if sig == signal.SIGXCPU:
            return f"parser process killed by SIGXCPU (CPU limit {cpu_s} s for this document)"
        return f"parser process killed by {name} (memory limit {memory_mb} MB for this document)"
    return f"parser process died (exit {exitcode}; memory limit {memory_mb} MB for this document)"


if __name__ == "__main__":  # pragma: no cover - kept so old `python -m flows.parsepool` calls fail clearly
    sys.exit("flows.parsepool is a library (pebble workers); use ParsePool from Python")
