"""Imitation government portals (TRS, Hanweb, gkmlpt, VSB, ?pageNo=, N.html, xxgk host) served on
127.0.0.x with real report pages, noise, traps and known ground truth. Tests and `ogi demo` share it.

    from ogi.demo import DemoPortals, registry_csv
"""
from __future__ import annotations


def __getattr__(name):  # lazy: importing ogi.demo must not start anything or pull in servers
    if name in {"DemoPortals", "registry_csv"}:
        from ogi.demo import server
        return getattr(server, name)
    raise AttributeError(name)
