"""Family `odoo`: the event module of Odoo websites (SOURCES.md F9), e.g. mainfranken.odoo.com/event.

Grammar: listing ``/event`` (more pages at ``/event/page/<n>``), event pages ``/event/<slug>-<id>``,
and per event an iCalendar file ``/event/<id>/ics`` (the site-wide ``/event/ics`` does not exist).
The spider reads each event's iCalendar file instead of its HTML page: structured dates and place,
no guessing. When an event's .ics cannot be fetched, its HTML page goes through the ladder instead.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import urlsplit, urlunsplit

import scrapy
from scrapy.http import Response, TextResponse
from twisted.python.failure import Failure

from crawler.extract import extract_ics
from crawler.spiders.families.detail_first import DetailFirstSpider
from crawler.spiders.families.ical import is_calendar
from kontext.records import Event

EVENT_PAGE = re.compile(r"/event/(?:[a-z0-9-]*-)?(\d+)(?:/register)?/?$", re.IGNORECASE)
EVENT_ICS = re.compile(r"/event/(\d+)/ics/?$", re.IGNORECASE)
LISTING_PAGE = re.compile(r"/event(?:/page/\d+)?/?$", re.IGNORECASE)


def ics_url(page_url: str) -> str | None:
    """https://x.odoo.com/event/tag-der-industrie-42 -> https://x.odoo.com/event/42/ics."""
    parts = urlsplit(page_url)
    match = EVENT_PAGE.search(parts.path)
    if match is None:
        return None
    return urlunsplit((parts.scheme, parts.netloc, f"/event/{match.group(1)}/ics", "", ""))


def event_page(url: str) -> str:
    """An event's own page: /event/<slug>-<id>, without the /register sub-page."""
    return re.sub(r"/register/?$", "", url)


class OdooSpider(DetailFirstSpider):
    """Odoo events: listing pages navigate, each event is read from its own .ics file."""

    def is_detail(self, url: str) -> bool:
        path = urlsplit(url).path
        return bool(EVENT_ICS.search(path) or EVENT_PAGE.search(path))

    def _is_event_page(self, url: str) -> bool:
        if self.event_links is not None:
            return bool(self.event_links.search(url))
        return EVENT_PAGE.search(urlsplit(url).path) is not None

    def _is_next_page(self, url: str, text: str, rel: str) -> bool:
        if self.follow_links is not None:
            return bool(self.follow_links.search(url))
        return bool(LISTING_PAGE.search(urlsplit(url).path)) and super()._is_next_page(url, text, rel)

    def _follow(self, response: TextResponse) -> Iterator[scrapy.Request]:
        if EVENT_ICS.search(urlsplit(response.url).path):
            # An .ics address that answered something else: read the event's HTML page instead.
            page = response.meta.get("kontext_event_page")
            if page:
                yield scrapy.Request(page, callback=self.parse)
            return
        for request in super()._follow(response):
            calendar = None if request.meta.get("kontext_listing") else ics_url(request.url)
            if calendar is None:
                yield request
                continue
            yield request.replace(
                url=calendar,
                callback=self.parse,
                errback=self.ics_failed,
                meta={**request.meta, "kontext_event_page": event_page(request.url)},
            )

    def extract(self, response: Response) -> list[Event] | None:
        if not EVENT_ICS.search(urlsplit(response.url).path):
            return super().extract(response)
        if not is_calendar(response.body):
            self._stat("odoo/ics_not_calendar")
            return []
        events = extract_ics(response.body, response.url, self.now, source=self.source)
        page = response.meta.get("kontext_event_page")
        if not page:
            return events
        # The event's own page is its address for people, not the .ics file.
        return [
            event.model_copy(update={"url": page}) if event.url in (None, response.url) else event
            for event in events
        ]

    def ics_failed(self, failure: Failure) -> Iterator[scrapy.Request]:
        """The .ics of an event failed (404, timeout): read the event's HTML page instead."""
        self._stat("odoo/ics_failed")
        request = getattr(failure, "request", None)
        page = request.meta.get("kontext_event_page") if request is not None else None
        if page:
            yield scrapy.Request(page, callback=self.parse)
