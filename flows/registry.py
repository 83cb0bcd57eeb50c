"""The portal registry as the flows need it: a thin view over `crawlers.registry` (the one
reader of the registry CSV and the one host allow-list rule) plus "is this entry local?".
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from crawlers import registry as _registry
from crawlers.urls import host_of, is_private_host


@dataclass(frozen=True)
class Portal:
    portal_id: str
    name: str
    start_urls: tuple[str, ...]
    allowed_hosts: frozenset[str]
    province: str = ""
    division_code: str = ""

    @property
    def is_local(self) -> bool:
        """The registry entry itself points at loopback/private hosts (tests, demo): only then may
        documents be fetched from such addresses."""
        hosts = [host_of(u) for u in self.start_urls] + list(self.allowed_hosts)
        return bool(hosts) and all(is_private_host(h) for h in hosts)

    def hosts(self) -> list[str]:
        return sorted(self.allowed_hosts)


def read_registry(path: str | Path) -> dict[str, Portal]:
    return {p.portal_id: Portal(p.portal_id, p.name, tuple(p.start_urls), frozenset(p.allowed_hosts),
                                getattr(p, "province", "") or "", getattr(p, "division_code", "") or "")
            for p in _registry.read_registry(path)}
