"""What spiders yield: one raw event as the extractor found it, with its page context."""

from __future__ import annotations

from dataclasses import dataclass

from kontext.records import Event


@dataclass
class CrawledEvent:
    event: Event
    page_url: str
    # True when several events on the page share one URL (a listing without detail pages).
    shared_url: bool = False
