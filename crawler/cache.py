"""Incremental crawling: ask "changed since?" and do not extract what did not change.

Scrapy's HTTP cache middleware with two parts of our own:

- `RevalidatingPolicy`: RFC 2616 caching, except that every cached page is revalidated on every
  crawl (If-None-Match / If-Modified-Since) instead of trusting heuristic freshness, so a crawl
  always sees today's calendar; a 304 costs the site almost nothing. A 5xx answer falls back to
  the cached copy (as RFC 2616 allows) and is counted as an error of the source.
- `StoreCacheStorage`: the responses live in the store (table ``http_cache``), written in one
  transaction per response, so a crawl killed at any moment leaves either the old entry or the new
  one — never half a body — and several workers can share it (PostgreSQL) or wait for each other
  (SQLite).

Unchanged bodies are recognised by the spider (crawler/spiders/source.py) with a hash the store
keeps per page; the HTTP cache only saves the transfer.
"""

from __future__ import annotations

import hashlib
import logging
import time
from datetime import UTC, datetime
from typing import Any

from scrapy import signals
from scrapy.exceptions import NotConfigured
from scrapy.extensions.httpcache import RFC2616Policy
from scrapy.http import Request, Response
from scrapy.http.headers import Headers
from scrapy.responsetypes import responsetypes
from scrapy.settings import BaseSettings

from kontext.store import UNAVAILABLE, Store

log = logging.getLogger(__name__)


class RevalidatingPolicy(RFC2616Policy):
    """RFC 2616 policy that always revalidates and marks 5xx fallbacks as stale."""

    def is_cached_response_fresh(self, cachedresponse: Response, request: Request) -> bool:
        self._set_conditional_validators(request, cachedresponse)
        return False

    def is_cached_response_valid(self, cachedresponse: Response, response: Response, request: Request) -> bool:
        valid = super().is_cached_response_valid(cachedresponse, response, request)
        if valid and response.status >= 500:
            request.meta["kontext_stale"] = True
        return valid


class StoreCacheStorage:
    """Scrapy HTTP cache storage in the Kontext store (any SQLAlchemy database).

    Writes are batched (every `BATCH` responses or `FLUSH_SECONDS`, and when the spider closes):
    an entry lost to a crash only means one unconditional request next time. A revalidated page
    whose body and validators did not change is not written again.
    """

    BATCH = 50
    FLUSH_SECONDS = 2.0

    def __init__(self, settings: BaseSettings) -> None:
        self.settings = settings.get("KONTEXT_SETTINGS")
        self.store: Store | None = None
        self.fingerprinter: Any = None
        self.pending: dict[str, tuple[str, str, int, dict[str, list[str]], bytes]] = {}
        self.retrieved: dict[str, tuple[str, bytes | None, bytes | None]] = {}
        self.last_flush = time.monotonic()

    def open_spider(self, spider: Any) -> None:
        self.store = Store.from_settings(self.settings)
        self.fingerprinter = spider.crawler.request_fingerprinter

    def close_spider(self, spider: Any) -> None:
        if self.store is not None:
            self._flush(spider)
            self.store.close()
            self.store = None

    def _key(self, request: Request) -> str:
        return self.fingerprinter.fingerprint(request).hex()

    @staticmethod
    def _identity(response: Response) -> tuple[str, bytes | None, bytes | None]:
        digest = hashlib.sha1(response.body, usedforsecurity=False).hexdigest()
        return digest, response.headers.get(b"ETag"), response.headers.get(b"Last-Modified")

    def retrieve_response(self, spider: Any, request: Request) -> Response | None:
        if self.store is None:
            return None
        key = self._key(request)
        waiting = self.pending.get(key)
        if waiting is not None:
            _, url, status, raw_headers, body = waiting
            stored = datetime.now(UTC)
        else:
            try:
                cached = self.store.cached_response(key)
            except UNAVAILABLE as error:  # a locked store: fetch without validators
                self._trouble(spider, error)
                return None
            if cached is None:
                return None
            url, status, raw_headers, body, stored = cached
        request.meta["cache_timestamp"] = stored.timestamp()
        headers = Headers({name: values for name, values in raw_headers.items()})
        cls = responsetypes.from_args(headers=headers, url=url, body=body)
        response = cls(url=url, headers=headers, status=status, body=body)
        self.retrieved[key] = self._identity(response)
        return response

    def store_response(self, spider: Any, request: Request, response: Response) -> None:
        if self.store is None:
            return
        key = self._key(request)
        if self.retrieved.pop(key, None) == self._identity(response):
            return  # revalidated, nothing changed
        headers = {
            name.decode("latin-1"): [value.decode("latin-1") for value in values]
            for name, values in response.headers.items()
        }
        self.pending[key] = (key, response.url, response.status, headers, response.body)
        if len(self.pending) >= self.BATCH or time.monotonic() - self.last_flush > self.FLUSH_SECONDS:
            self._flush(spider)

    def _flush(self, spider: Any = None) -> None:
        self.last_flush = time.monotonic()
        if self.pending and self.store is not None:
            try:
                self.store.cache_responses(self.pending.values(), datetime.now(UTC))
            except UNAVAILABLE as error:  # the cache is a saving, not a record: drop the batch
                self._trouble(spider, error)
            self.pending = {}

    @staticmethod
    def _trouble(spider: Any, error: Exception) -> None:
        crawler = getattr(spider, "crawler", None)
        if crawler is not None:
            crawler.stats.inc_value("httpcache/store_unavailable")
        log.warning("HTTP cache not used, the store is unavailable: %s", error.orig)


class PageMemory:
    """The body hash of every page a source's earlier crawls extracted, loaded once per crawl.

    The spider asks `unchanged(url, digest)` and skips extraction for a page whose body is
    byte-for-byte what was extracted before. Off with ``KONTEXT_REFRESH`` (`kontext crawl --refresh`),
    e.g. after the extractors or the tagger changed.
    """

    def __init__(self, crawler: Any) -> None:
        if crawler.settings.getbool("KONTEXT_REFRESH") or crawler.settings.get("KONTEXT_SETTINGS") is None:
            raise NotConfigured
        self.crawler = crawler
        self.digests: dict[str, str] = {}

    @classmethod
    def from_crawler(cls, crawler: Any) -> PageMemory:
        memory = cls(crawler)
        crawler.signals.connect(memory.spider_opened, signal=signals.spider_opened)
        return memory

    def spider_opened(self, spider: Any) -> None:
        source = getattr(spider, "source", None)
        if source is None:
            return
        store = Store.from_settings(self.crawler.settings.get("KONTEXT_SETTINGS"))
        try:
            self.digests = store.page_digests(source.name)
        finally:
            store.close()

    def unchanged(self, url: str, digest: str) -> bool:
        return self.digests.get(url) == digest
