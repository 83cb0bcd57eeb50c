"""The DNS resolver Scrapy connects with: the SAME vetted resolution the SafetyMiddleware judged.

Without it Scrapy would resolve each name a second time, and a name could answer a public address
to the middleware and a private one to the connection (DNS rebinding). `VettedResolver` answers
from `crawlers.urls.resolve` (cached per host for the process) and refuses a name with any
forbidden address. IP literals never reach a resolver; `localhost` names are let through here
because the middleware already required the registry to list that exact local host.
"""
from __future__ import annotations


from scrapy.resolver import CachingThreadedResolver
from twisted.internet import threads
from twisted.internet.error import DNSLookupError
from twisted.internet.interfaces import IResolverSimple
from zope.interface import implementer

from crawlers.urls import ResolutionError, is_forbidden_address, is_private_host, resolve


def vetted_address(name: str, timeout: float) -> str:
    """One address to connect to for `name` (IPv4 first); DNSLookupError if it is forbidden."""
    try:
        addrs = resolve(name, timeout)
    except ResolutionError as exc:
        raise DNSLookupError(str(exc)) from exc
    if not is_private_host(name) and any(is_forbidden_address(a) for a in addrs):
        raise DNSLookupError(f"refused: {name} resolves to a private/loopback/reserved address")
    v4 = [a for a in addrs if ":" not in a]
    return (v4 or list(addrs))[0]


@implementer(IResolverSimple)
class VettedResolver(CachingThreadedResolver):
    def getHostByName(self, name: str, timeout=()):
        return threads.deferToThread(vetted_address, name, self.timeout or 5.0)


__all__ = ["VettedResolver", "vetted_address"]
