"""Parse one untrusted document in a child process under a time and memory limit.

    from parsers.safe import parse_isolated
    report = parse_isolated(data, filename="report.pdf")

The child is a fresh interpreter (`python -m parsers.safe`) that sets RLIMIT_AS/RLIMIT_CPU on
itself, reads the document from stdin and writes `ParsedReport.to_dict()` as JSON to a private
pipe (its stdout is redirected to stderr, so chatty libraries cannot corrupt the result).
A timeout, crash, out-of-memory or oversized input comes back as `ParsedReport.failure` with a
clear message; this function never raises for bad input. The child dies with its parent
(`die_with_parent`), so killing `ogi parse` never leaves a parser running.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

from . import PARSER_VERSION
from .model import ParsedReport
from .safety import DEFAULT_MEMORY_MB, DEFAULT_OCR_TIMEOUT_S, DEFAULT_TIMEOUT_S, MAX_DOCUMENT_BYTES

_PKG_PARENT = str(Path(__file__).resolve().parents[1])


def _fmt(data: bytes, filename: str | None, content_type: str | None) -> str:
    try:
        from .sniff import sniff_format
        return sniff_format(data, filename, content_type)
    except Exception:
        return "unknown"


def parse_isolated(data: bytes, filename: str | None = None, content_type: str | None = None, *,
                   source: str | None = None, ocr: bool = True, timeout_s: float | None = None,
                   memory_mb: int = DEFAULT_MEMORY_MB, max_bytes: int = MAX_DOCUMENT_BYTES) -> ParsedReport:
    """`parsers.parse_bytes` in a child process; failures become a failed ParsedReport.

    `timeout_s` defaults to DEFAULT_TIMEOUT_S (120 s), or DEFAULT_OCR_TIMEOUT_S (600 s) for PDFs
    and images when OCR is on (a scanned report takes seconds per page)."""
    src = source or filename or "<bytes>"
    fmt = _fmt(data, filename, content_type)
    if timeout_s is None:
        timeout_s = DEFAULT_OCR_TIMEOUT_S if ocr and fmt in ("pdf", "image") else DEFAULT_TIMEOUT_S
    if len(data) > max_bytes:
        return ParsedReport.failure(src, fmt, PARSER_VERSION,
                                    f"document is {len(data)} bytes, over the {max_bytes}-byte limit")
    if not data:
        return ParsedReport.failure(src, fmt, PARSER_VERSION, "empty document (0 bytes)")
    args = {"filename": filename, "content_type": content_type, "source": source, "ocr": bool(ocr),
            "memory_mb": int(memory_mb), "cpu_s": int(2 * timeout_s) + 10}  # CPU: a backstop (OCR uses 2 threads)
    env = dict(os.environ)
    env["PYTHONPATH"] = _PKG_PARENT + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    # keep native thread pools small: each thread reserves address space counted by RLIMIT_AS
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        env.setdefault(var, "2")
    r_fd, w_fd = os.pipe()
    try:
        proc = subprocess.Popen(
            [sys.executable, "-m", "parsers.safe", json.dumps(args), str(w_fd)],
            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            pass_fds=(w_fd,), env=env, start_new_session=True, close_fds=True)
    except OSError as exc:
        os.close(r_fd)
        os.close(w_fd)
        return ParsedReport.failure(src, fmt, PARSER_VERSION, f"could not start parser process: {exc}")
    os.close(w_fd)
    import threading

    result: dict[str, bytes] = {}

    def _drain() -> None:
        with os.fdopen(r_fd, "rb") as fh:
            result["out"] = fh.read()

    reader = threading.Thread(target=_drain, daemon=True)
    reader.start()
    try:
        _, stderr = proc.communicate(data, timeout=timeout_s)
    except subprocess.TimeoutExpired:
        _kill(proc)
        reader.join(5)
        return ParsedReport.failure(src, fmt, PARSER_VERSION,
                                    f"parse timed out after {timeout_s:g} s (document abandoned)")
    reader.join(10)
    out = result.get("out", b"")
    if proc.returncode == 0 and out:
        try:
            return ParsedReport.from_dict(json.loads(out))
        except Exception as exc:
            return ParsedReport.failure(src, fmt, PARSER_VERSION, f"unreadable result from parser process: {exc}")
    tail = (stderr or b"").decode("utf-8", "replace").strip().splitlines()[-3:]
    if proc.returncode is not None and proc.returncode < 0:
        sig = -proc.returncode
        name = signal.Signals(sig).name if sig in signal.Signals._value2member_map_ else str(sig)
        why = f"parser process killed by {name}"
        if sig in (signal.SIGXCPU, signal.SIGKILL):
            why += f" (CPU/memory limit: {memory_mb} MB, {int(2 * timeout_s) + 10} s CPU)"
    elif any(m in " ".join(tail) for m in _MEMORY_SIGNS):
        why = f"parser ran out of memory (limit {memory_mb} MB)"
    else:
        why = f"parser process failed (exit {proc.returncode})"
    if tail:
        why += ": " + " | ".join(tail)[-500:]
    return ParsedReport.failure(src, fmt, PARSER_VERSION, why)


def exit_when_parent_dies(parent: int, every_s: float = 0.5) -> None:
    """Start a daemon thread that ends this process (exit status 1) as soon as `parent` is no
    longer its parent (it died and the process was reparented). Not PR_SET_PDEATHSIG, which fires
    when the *thread* that started the child ends: parser pool workers are started from short-lived
    threads, and a Scrapy crawl from whichever flow thread ran its task."""
    import threading
    import time

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(every_s)
        os._exit(1)

    threading.Thread(target=watch, name="ogi-parent-watch", daemon=True).start()


def die_with_parent() -> None:
    """Ask the kernel to SIGKILL this process when its parent dies (Linux PR_SET_PDEATHSIG).

    Parser children run in their own session (so a terminal's Ctrl-C reaches the parent first);
    without this, killing `ogi parse` or a flow process would leave its parser child running."""
    if not sys.platform.startswith("linux"):
        return
    import ctypes

    parent = os.getppid()
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # 1 = PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return
    if os.getppid() != parent:  # the parent died before the request took effect
        os._exit(1)


def vm_size_bytes() -> int:
    """This process's address space now (what RLIMIT_AS counts); 0 where /proc is absent."""
    try:
        with open("/proc/self/statm", "rb") as fh:
            return int(fh.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def memory_error_text(text: str | None) -> bool:
    """Does an error message say the parse ran out of memory?"""
    return bool(text) and any(m in text for m in _MEMORY_SIGNS)


def _kill(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        proc.kill()
    try:
        proc.wait(5)
    except subprocess.TimeoutExpired:
        pass


_MEMORY_SIGNS = ("MemoryError", "failed to map segment", "Cannot allocate memory", "std::bad_alloc")


def _child(argv: list[str]) -> int:
    import resource

    die_with_parent()
    args = json.loads(argv[0])
    out_fd = int(argv[1])
    mem = args["memory_mb"] * 1024 * 1024
    if mem > 0:  # the budget on top of the bare interpreter, as in the warm pool (flows.parsepool)
        limit = vm_size_bytes() + mem
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    cpu = args["cpu_s"]
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 5))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    data = sys.stdin.buffer.read()
    os.dup2(2, 1)  # library chatter goes to stderr, the result to out_fd only
    from . import parse_bytes

    try:
        report = parse_bytes(data, args["filename"], args["content_type"], source=args["source"], ocr=args["ocr"])
    except MemoryError:
        report = None
    if report is None or memory_error_text(report.error):
        from .sniff import sniff_format

        why = f"out of memory (limit {args['memory_mb']} MB)"
        if report is not None:
            report.error = f"{why}: {report.error}"
        else:
            fmt = sniff_format(data, args["filename"], args["content_type"])
            report = ParsedReport.failure(args["source"] or args["filename"] or "<bytes>", fmt, PARSER_VERSION, why)
    payload = json.dumps(report.to_dict(), ensure_ascii=False, default=str).encode("utf-8")
    with os.fdopen(out_fd, "wb") as fh:
        fh.write(payload)
    return 0


if __name__ == "__main__":
    sys.exit(_child(sys.argv[1:]))
