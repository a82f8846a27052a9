"""The config-driven spider: one instance per source in config/sources.yaml.

It navigates (start URLs, pagination, event detail pages, .ics links) and hands each page to the
extractor; it extracts nothing itself.

Contract for subclasses (the platform-family spiders in crawler/spiders/families/):
- mark listing pages (start URLs and their pagination) with ``meta={"kontext_listing": True}``;
  moving from listing to listing does not count towards the source's `max_depth`;
- override `extract` to change what a page yields, `_follow` to change which links are followed,
  or `parse` as a whole (then call `page_unchanged` first and yield `PageDone` after a page's
  events, so unchanged pages are not extracted again).
Limits, traps, robots.txt and address checks apply to every request whatever the spider does
(crawler/middlewares.py, crawler/robots.py, crawler/safety.py).
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import scrapy
from scrapy.http import Response, TextResponse

from crawler.cache import PageMemory
from crawler.extract import extract_events, extract_ics, find_ics_links
from crawler.items import CrawledEvent, PageDone, PageSeen
from crawler.middlewares import record_ignored
from kontext.records import Event
from kontext.sources import Source

log = logging.getLogger(__name__)

# Without a configured pattern: links whose path names an event, and pagination links.
AUTO_EVENT_LINK = re.compile(
    r"/(veranstaltung|event|termin|kurs|seminar|workshop|messe|kongress|tagung|webinar)", re.IGNORECASE
)
AUTO_NEXT_TEXT = re.compile(r"^\s*(weiter|nächste|next|mehr|»|›|>)", re.IGNORECASE)
CALENDAR_TYPES = ("text/calendar", "application/ics")


class SourceSpider(scrapy.Spider):
    name = "source"

    def __init__(self, source: Source, now: datetime | None = None, **kwargs: Any) -> None:
        super().__init__(name=source.name, **kwargs)
        self.source = source
        self.now = now or datetime.now(UTC)
        self.allowed_domains = list(source.allowed_domains)
        self.event_links = re.compile(source.event_links) if source.event_links else None
        self.follow_links = re.compile(source.follow_links) if source.follow_links else None

    async def start(self) -> AsyncIterator[scrapy.Request]:
        # Not dont_filter: with a shared (Redis) scheduler only the first worker enqueues them.
        for url in self.source.start_urls:
            yield scrapy.Request(
                url, callback=self.parse, errback=self.download_failed, meta={"kontext_listing": True}
            )

    def _stat(self, key: str, count: int = 1) -> None:
        self.crawler.stats.inc_value(f"kontext/{key}", count)

    def parse(self, response: Response) -> Iterator[Any]:
        self._stat("pages")
        digest = hashlib.sha1(response.body, usedforsecurity=False).hexdigest()
        if self.page_unchanged(response.url, digest):
            self._stat("pages/unchanged")
            yield PageSeen(url=response.url)
        else:
            events = self.extract(response)
            if events is not None:
                yield from self._items(events, response)
                yield PageDone(url=response.url, digest=digest)
        if isinstance(response, TextResponse) and not self._is_calendar(response):
            yield from self._follow(response)

    def download_failed(self, failure: Any) -> None:
        """Errback of every request: failures are counted and logged in one line by
        crawler/middlewares.py (this catches the ones dropped on the way back, e.g. redirect loops);
        there is nothing to extract."""
        record_ignored(self.crawler, failure.request, failure.value)

    def recheck_request(self, url: str) -> scrapy.Request:
        """A request for the page of an event this crawl did not find again. Only the answer
        counts: 404/410 means the site deleted it; its content does not make the event seen."""
        meta = {"kontext_recheck": True}
        return scrapy.Request(url, callback=self.rechecked, errback=self.download_failed, meta=meta)

    def rechecked(self, response: Response) -> None:
        self._stat("pages/rechecked")

    def page_unchanged(self, url: str, digest: str) -> bool:
        """True when this page's body is exactly what an earlier crawl extracted."""
        memory = self.crawler.get_extension(PageMemory) if hasattr(self, "crawler") else None
        return memory is not None and memory.unchanged(url, digest)

    def extract(self, response: Response) -> list[Event] | None:
        """The events a page announces ([] for none); None when the page could not be read, so the
        next crawl tries it again. Extraction errors are counted, logged in one line, never raised."""
        try:
            if self._is_calendar(response):
                return extract_ics(response.body, response.url, self.now, source=self.source)
            if not isinstance(response, TextResponse):
                self._stat("skipped/not_text")
                return []
            return extract_events(response.text, response.url, self.now, source=self.source)
        except Exception as error:  # a hostile or broken page must not stop the crawl
            self._stat(f"errors/extract_{type(error).__name__}")
            log.warning("cannot extract %s: %s: %s", response.url, type(error).__name__, error)
            return None

    @staticmethod
    def _is_calendar(response: Response) -> bool:
        content_type = response.headers.get(b"Content-Type", b"").decode("latin-1").lower()
        return content_type.startswith(CALENDAR_TYPES) or response.url.lower().endswith(".ics")

    def _items(self, events: list, response: Response | None = None) -> Iterator[CrawledEvent]:
        urls = Counter(event.url for event in events if event.url)
        for event in events:
            self._stat(f"extracted/{event.extraction.value if event.extraction else 'unknown'}")
            if response is not None:
                page_url = response.url
            else:
                page_url = event.source_urls[0] if event.source_urls else (event.url or "")
            yield CrawledEvent(event=event, page_url=page_url, shared_url=urls[event.url] > 1)

    def _follow(self, response: TextResponse) -> Iterator[scrapy.Request]:
        for link in response.css("a[href]"):
            href = link.attrib.get("href", "")
            url = response.urljoin(href)
            if not url.startswith(("http://", "https://")) or urlsplit(url).hostname not in self.allowed_domains:
                continue
            text = " ".join(link.css("::text").getall())
            if self._is_next_page(url, text, link.attrib.get("rel", "")):
                yield response.follow(url, callback=self.parse, meta={"kontext_listing": True})
            elif self._is_event_page(url):
                yield response.follow(url, callback=self.parse)
        for url in find_ics_links(response.text, response.url):
            if urlsplit(url).hostname in self.allowed_domains:
                yield response.follow(url, callback=self.parse)

    def _is_event_page(self, url: str) -> bool:
        if self.event_links is not None:
            return bool(self.event_links.search(url))
        return bool(AUTO_EVENT_LINK.search(urlsplit(url).path))

    def _is_next_page(self, url: str, text: str, rel: str) -> bool:
        if self.follow_links is not None:
            return bool(self.follow_links.search(url))
        return "next" in rel.lower() or bool(AUTO_NEXT_TEXT.match(text))
