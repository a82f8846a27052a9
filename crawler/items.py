"""What spiders yield: raw events with their page context, and what became of each page.

`PageDone` follows the events extracted from a page (the store then remembers the page's hash and
the events it produced); `PageSeen` stands for a page whose body did not change since it was last
extracted (its events are seen again without extracting them).
"""

from __future__ import annotations

from dataclasses import dataclass

from kontext.records import Event


@dataclass
class CrawledEvent:
    event: Event
    page_url: str
    # True when several events on the page share one URL (a listing without detail pages).
    shared_url: bool = False


@dataclass
class PageDone:
    url: str
    digest: str


@dataclass
class PageSeen:
    url: str
