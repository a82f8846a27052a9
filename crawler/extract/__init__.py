"""Extraction: one page (or feed) in, the events it announces out. Pure: no network, no Scrapy.

The ladder, most reliable first; the highest rung that yields events for a page wins, and each
event records its rung in `extraction`:

1. schema.org Event and subtypes in JSON-LD, microdata, RDFa (and hCalendar), read tolerantly;
2. iCalendar feeds (`extract_ics`) and the .ics links a page offers (`find_ics_links`);
3. per-source selectors from config/sources.yaml (`Source.selectors`);
4. heuristics: one event page, or a listing (tables, calendar grids, cards, headed sections, prose).

Every event carries `url` (its own, else the page's), `source_urls=[page]`, a title, plain-text
description, start/end/all_day when the page states them (else `when_text` for the date stage),
`location_text` and/or `venue`, status, language and time zone; the organiser is the one the page
names, else the source's.
"""

from __future__ import annotations

import logging
from datetime import datetime

from crawler.extract.heuristics import (
    LISTING_HEADLINE,
    about_events,
    has_date_labels,
    is_article,
    is_news,
    single_event,
)
from crawler.extract.ical import extract_ics, find_ics_links
from crawler.extract.listing import listing_events
from crawler.extract.markup import markup_events
from crawler.extract.page import Page
from crawler.extract.sections import prose_events, schedule_events, section_events
from crawler.extract.selectors import selector_events
from kontext.records import Event, Organizer
from kontext.sources import Source

log = logging.getLogger(__name__)

__all__ = ["extract_events", "extract_ics", "find_ics_links", "is_event_page"]


def extract_events(html: str | bytes, url: str, now: datetime, *, source: Source | None = None) -> list[Event]:
    """The events a page announces; [] for articles, reports and pages without events.

    `now` is the crawl time (timezone-aware): missing years are inferred from the page's
    publication date or from it, and heuristic readings keep only events that have not ended.
    """
    if now.tzinfo is None:
        raise ValueError("extract_events needs a timezone-aware `now`")
    page = Page.parse(html, url, now, source)
    events = _ladder(page)
    if source is not None:
        default = Organizer(name=source.organizer.name, kind=source.organizer.kind, url=source.organizer.url)
        events = [event if event.organizer else event.model_copy(update={"organizer": default}) for event in events]
    return events


def _ladder(page: Page) -> list[Event]:
    mode = page.source.mode if page.source else "auto"
    if mode == "directory":
        return []
    if mode in ("auto", "jsonld", "ics"):
        events = markup_events(page)
        if events or mode == "jsonld":
            return events
    if page.source is not None and page.source.selectors is not None and mode in ("auto", "selectors"):
        events = selector_events(page, page.source.selectors)
        if events or mode == "selectors":
            return events
    if mode == "selectors":
        return []
    return heuristic_events(page)


def heuristic_events(page: Page) -> list[Event]:
    """Rung 4: a listing, one event page, headed sections, or events named in prose."""
    page.prepare()
    listing = listing_events(page)
    single, strong = None, False
    if has_date_labels(page) or not LISTING_HEADLINE.search(page.headline):
        # ("Veranstaltungstipps", "Neue Seminare": a headline in the plural never names one event)
        single, strong = single_event(page, listing)
    if single is not None and (strong or len(listing) < 2):
        # An event's own page; cards of other events on it ("Das könnte Sie auch interessieren")
        # are events of their own when they link to their own pages.
        others = [event for event in listing if event.url not in (page.url, None) and event.title != single.title]
        return [single, *others] if strong else [single]
    if len(listing) >= 2:
        return listing
    if single is not None:
        return [single]
    if is_news(page) and not about_events(page):
        return []  # news that mentions an event in passing ("… Jahreskongress am 4. Juni") is not a calendar
    found = schedule_events(page) + section_events(page)
    if len({event.title for event in found}) > 1:
        return found
    # At most one schedule so far: events named in the running text may add to it.
    days = {event.start.date() for event in found if event.start}
    return found + [event for event in prose_events(page) if event.start and event.start.date() not in days]


def is_event_page(html: str | bytes, url: str, now: datetime) -> bool:
    """True for an event's own page or an event calendar; False for articles, press releases, reports.

    An article whose sidebar lists events is not an event page, although those events are real
    (extract_events reports them with their own URLs).
    """
    page = Page.parse(html, url, now)
    markup = markup_events(page)
    if markup:
        own = [event for event in markup if event.url in (page.url, None) or _same_title(event.title, page.headline)]
        return bool(own) or (len(markup) >= 2 and not is_article(page))
    page.prepare()
    single, _ = single_event(page)
    if single is not None:
        return True
    return len(listing_events(page)) >= 2 and not is_article(page)


def _same_title(a: str, b: str) -> bool:
    return bool(a and b) and (a.casefold() in b.casefold() or b.casefold() in a.casefold())
