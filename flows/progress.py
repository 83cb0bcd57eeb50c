"""Progress events from the pipeline to whoever listens (the `ogi run` progress bars).

Tasks run in threads of the flow's process, so a module-level listener list is enough; with no
listener (deployments, tests) the calls cost nothing.
"""
from __future__ import annotations

import threading
from typing import Callable

Listener = Callable[[str, str, int], None]  # (event: start|advance|done, stage, n)
_listeners: list[Listener] = []
_lock = threading.Lock()


def add_listener(fn: Listener) -> None:
    with _lock:
        _listeners.append(fn)


def remove_listener(fn: Listener) -> None:
    with _lock:
        if fn in _listeners:
            _listeners.remove(fn)


def emit(event: str, stage: str, n: int = 1) -> None:
    with _lock:
        listeners = list(_listeners)
    for fn in listeners:
        try:
            fn(event, stage, n)
        except Exception:
            pass  # a broken progress bar must never break a run
