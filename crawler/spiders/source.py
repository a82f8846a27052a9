"""The config-driven spider: one instance per source in config/sources.yaml.

It navigates (start URLs, pagination, event detail pages, .ics links) and hands each page to the
extractor; it extracts nothing itself.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import scrapy
from scrapy.http import Response, TextResponse

from crawler.extract import extract_events, extract_ics, find_ics_links
from crawler.items import CrawledEvent
from kontext.sources import Source

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
        for url in self.source.start_urls:
            yield scrapy.Request(url, callback=self.parse, dont_filter=True, meta={"kontext_listing": True})

    def _stat(self, key: str, count: int = 1) -> None:
        self.crawler.stats.inc_value(f"kontext/{key}", count)

    def parse(self, response: Response) -> Iterator[Any]:
        self._stat("pages")
        content_type = response.headers.get(b"Content-Type", b"").decode("latin-1").lower()
        if content_type.startswith(CALENDAR_TYPES) or response.url.lower().endswith(".ics"):
            yield from self._items(extract_ics(response.body, response.url, self.now, source=self.source))
            return
        if not isinstance(response, TextResponse):
            self._stat("skipped/not_text")
            return
        events = extract_events(response.text, response.url, self.now, source=self.source)
        yield from self._items(events)
        yield from self._follow(response)

    def _items(self, events: list) -> Iterator[CrawledEvent]:
        urls = Counter(event.url for event in events if event.url)
        for event in events:
            self._stat(f"extracted/{event.extraction.value if event.extraction else 'unknown'}")
            yield CrawledEvent(
                event=event,
                page_url=event.source_urls[0] if event.source_urls else (event.url or ""),
                shared_url=urls[event.url] > 1,
            )

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
