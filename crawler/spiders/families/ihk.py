"""Family `ihk`: chamber pages on the shared ihk.de CMS (SOURCES.md F2).

All chambers on ihk.de share one host: ``https://www.ihk.de/<kammer>/<path>-<numeric id>``. The
generic spider would wander from one chamber's event listing into 78 other chambers' trees, so this
spider keeps to the path prefix of its start URLs (``/<kammer>/``) on their host, while other
allowed hosts (a chamber's booking back end, e.g. ``events.<kammer>.ihk.de``) are followed as
usual. Event pages are the nodes below an events section that end in a numeric id.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import urlsplit

import scrapy
from scrapy.http import TextResponse

from crawler.spiders.families.detail_first import DetailFirstSpider
from crawler.spiders.source import SourceSpider

EVENT_PATH = re.compile(
    r"/(?:veranstaltung|events?|termin|seminar|webinar|workshop|lehrg|weiterbildung|sprechtag)[^/]*/(?:[^/]+/)*"
    r"[a-z0-9][a-z0-9-]*-\d{5,}/?$",
    re.IGNORECASE,
)
# Pages under an events node that are not events: conditions, privacy, archive overviews.
NOT_EVENT = re.compile(r"(?:agb|teilnahmebedingungen|datenschutz|impressum|archiv|rueckblick)", re.IGNORECASE)


def chamber_prefix(url: str) -> str | None:
    """'/koeln/' for https://www.ihk.de/koeln/…; None for a URL without a path."""
    parts = urlsplit(url)
    segments = [segment for segment in parts.path.split("/") if segment]
    if segments and segments[0] == "blueprint":  # /blueprint/servlet/<site>/… (CoreMedia's own paths)
        return "/" + "/".join(segments[:3]) + "/" if len(segments) >= 3 else None
    return f"/{segments[0]}/" if segments else None


class IhkSpider(DetailFirstSpider):
    """ihk.de: one chamber's tree only; event pages by the events-node-plus-id grammar."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.shared_hosts = {urlsplit(url).hostname for url in self.source.start_urls}
        self.prefixes = {prefix for url in self.source.start_urls if (prefix := chamber_prefix(url))}

    def in_scope(self, url: str) -> bool:
        """Inside this chamber's tree on the shared host, or on another allowed host."""
        parts = urlsplit(url)
        if parts.hostname not in self.shared_hosts or not self.prefixes:
            return True
        return any(parts.path.startswith(prefix) for prefix in self.prefixes)

    def _is_event_page(self, url: str) -> bool:
        if self.event_links is not None:
            return bool(self.event_links.search(url))
        path = urlsplit(url).path
        return bool(EVENT_PATH.search(path)) and not NOT_EVENT.search(path)

    def _follow(self, response: TextResponse) -> Iterator[scrapy.Request]:
        for request in SourceSpider._follow(self, response):
            if self.in_scope(request.url):
                yield request
            else:
                self._stat("skipped/other_chamber")
