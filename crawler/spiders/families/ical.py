"""Family `ical`: published iCalendar feeds (SOURCES.md F6), e.g. a trade-fair organiser's calendar.

Every response is read as a feed whatever its Content-Type (servers send text/plain or
application/octet-stream for .ics files); nothing is followed. A response that is not a calendar
(an HTML error page behind a 200) is counted, not parsed as a page.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

import scrapy
from scrapy.http import Response, TextResponse

from crawler.extract import extract_ics
from crawler.spiders.source import SourceSpider
from kontext.records import Event

log = logging.getLogger(__name__)


def is_calendar(body: bytes) -> bool:
    """True when the body starts like an iCalendar object (after a BOM and blank lines)."""
    return body.lstrip(b"\xef\xbb\xbf \t\r\n")[:15].upper().startswith(b"BEGIN:VCALENDAR")


class IcalFeedSpider(SourceSpider):
    """Start URLs are feeds; each is read whole by extraction rung 2."""

    def extract(self, response: Response) -> list[Event] | None:
        if not is_calendar(response.body):
            log.warning("%s: %s is not an iCalendar feed", self.source.name, response.url)
            self._stat("skipped/not_calendar")
            return []
        return extract_ics(response.body, response.url, self.now, source=self.source)

    def _follow(self, response: TextResponse) -> Iterator[scrapy.Request]:
        return iter(())
