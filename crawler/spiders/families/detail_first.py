"""Listing pages that link to event pages are only navigated; the event pages are extracted.

A teaser on a listing and the event's own page describe the same event, the teaser with less
(no venue, no fee). Extracting both would store whichever came last, so a listing with links to
event pages yields no events (only the requests `_follow` makes); a listing without such links is
extracted itself.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from scrapy.http import Response, TextResponse

from crawler.spiders.source import SourceSpider
from kontext.records import Event


class DetailFirstSpider(SourceSpider):
    """A SourceSpider whose listing pages navigate and whose event pages extract."""

    def is_detail(self, url: str) -> bool:
        """True for an event's own page (the family's URL grammar)."""
        return self._is_event_page(url)

    def links_to_details(self, response: TextResponse) -> bool:
        """True when the page links to at least one event page of this source."""
        for href in response.css("a::attr(href)").getall():
            url = response.urljoin(href)
            if urlsplit(url).hostname in self.allowed_domains and self.is_detail(url):
                return True
        return False

    def extract(self, response: Response) -> list[Event] | None:
        if (
            isinstance(response, TextResponse)
            and not self._is_calendar(response)
            and not self.is_detail(response.url)
            and self.links_to_details(response)
        ):
            self._stat("listing/navigated")
            return []
        return super().extract(response)
