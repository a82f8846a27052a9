"""Where the crawler may go: only a source's own domains, and never to loopback, link-local or
private addresses unless the source is `local: true` (the bundled sample site, tests).

Two layers, both checking the address a name *resolves to*, not how the URL spells it
(`localhost`, `2130706433`, `0x7f.1` and `[::1]` are all loopback):

- `GuardMiddleware` (downloader middleware, first in line) refuses every request — start URLs,
  links, redirect targets, robots.txt — whose host is not allowed for the source or resolves to a
  non-public address. It resolves through the reactor's resolver, whose cache the connection uses
  afterwards, so the address checked is the address connected to.
- `GuardedResolver` (the process-wide DNS resolver) refuses non-public answers for every name that
  no local source declared, so a name that changes its answer between check and connect (DNS
  rebinding) still cannot reach the internal network.

Refusals are counted per reason under ``kontext/skipped/...``; they are not errors of the source.
"""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request
from scrapy.resolver import CachingThreadedResolver
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet import defer
from twisted.internet.error import DNSLookupError

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

    from kontext.sources import Source

log = logging.getLogger(__name__)


class Refused(IgnoreRequest):
    """A request Kontext will not send; `reason` is the stat key (``private_address``, ``offsite`` …)."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


def parse_address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The IP address a host string spells directly (also IPv6 in brackets), else None."""
    try:
        return ipaddress.ip_address(text.strip("[]").split("%")[0])
    except ValueError:
        return None


def is_public(address: str | ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """True for globally routable unicast addresses; False for loopback, private, link-local,
    shared (CGNAT), multicast, reserved and unspecified ones, and for IPv4 mapped into IPv6."""
    if isinstance(address, str):
        parsed = parse_address(address)
        if parsed is None:
            return False
        address = parsed
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return is_public(address.ipv4_mapped)
    return address.is_global and not address.is_multicast


def host_allowed(host: str, domains: Iterable[str]) -> bool:
    """True when `host` is one of `domains` or a subdomain of one (``www.ihk.de`` under ``ihk.de``)."""
    host = host.lower().rstrip(".")
    for domain in domains:
        domain = domain.lower().strip().rstrip(".")
        if domain and (host == domain or host.endswith("." + domain)):
            return True
    return False


def source_domains(source: Source) -> set[str]:
    """The hosts a source may fetch from: its allowed domains and the hosts of its start URLs."""
    hosts = {urlsplit(url).hostname or "" for url in source.start_urls if "{" not in url}
    return (set(source.allowed_domains) | hosts) - {""}


class GuardedResolver(CachingThreadedResolver):
    """Scrapy's caching resolver that refuses non-public answers except for declared local hosts.

    The local hosts come from the ``KONTEXT_LOCAL_HOSTS`` setting of the crawler process (the
    domains of sources marked `local: true`).
    """

    def __init__(self, reactor: Any, cache_size: int, timeout: float, local_hosts: Iterable[str] = ()) -> None:
        super().__init__(reactor, cache_size, timeout)
        self.local_hosts = {host.lower() for host in local_hosts}

    @classmethod
    def from_crawler(cls, crawler: Any, reactor: Any) -> GuardedResolver:
        settings = crawler.settings
        cache_size = settings.getint("DNSCACHE_SIZE") if settings.getbool("DNSCACHE_ENABLED") else 0
        return cls(reactor, cache_size, settings.getfloat("DNS_TIMEOUT"), settings.getlist("KONTEXT_LOCAL_HOSTS"))

    def getHostByName(self, name: str, timeout: Any = ()) -> defer.Deferred:
        result = super().getHostByName(name, timeout)
        if host_allowed(name, self.local_hosts):
            return result
        return result.addCallback(self._check, name)

    @staticmethod
    def _check(address: str, name: str) -> str:
        if not is_public(address):
            raise DNSLookupError(f"{name} resolves to the non-public address {address}; not connecting")
        return address


class GuardMiddleware:
    """First downloader middleware: refuse offsite hosts and non-public addresses; set the size limit."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.stats = crawler.stats
        self._domains: set[str] | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> GuardMiddleware:
        return cls(crawler)

    @property
    def source(self) -> Source | None:
        return getattr(self.crawler.spider, "source", None)

    def domains(self) -> set[str]:
        if self._domains is None:
            self._domains = source_domains(self.source) if self.source is not None else set()
        return self._domains

    async def process_request(self, request: Request) -> None:
        source = self.source
        if source is None:
            return
        request.meta.setdefault("download_maxsize", source.max_response_bytes)
        parts = urlparse_cached(request)
        if parts.scheme not in ("http", "https"):
            self._refuse(request, "scheme", f"not an http(s) URL: {request.url}")
        host = (parts.hostname or "").lower()
        # robots.txt may redirect to another host (RFC 9309 allows five hops); addresses still count.
        if not request.meta.get("kontext_robots") and not host_allowed(host, self.domains()):
            self._refuse(request, "offsite", f"{host} is not a domain of source {source.name}")
        if source.local:
            return
        address = parse_address(host)
        if address is None:
            from twisted.internet import reactor

            try:
                resolved = await maybe_deferred_to_future(reactor.resolve(host))
            except DNSLookupError as error:
                if "non-public" in str(error):
                    self._refuse(request, "private_address", str(error))
                raise
            address = parse_address(resolved)
        if address is None or not is_public(address):
            self._refuse(request, "private_address", f"{host} is a non-public address ({address}); not fetching")

    def _refuse(self, request: Request, reason: str, message: str) -> None:
        self.stats.inc_value(f"kontext/skipped/{reason}")
        log.info("skipped %s: %s", request.url, message)
        raise Refused(reason, message)
