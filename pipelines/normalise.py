"""The normalisation chain every event goes through, whoever produced it:
clean text -> dates -> place -> tag -> id.

Used by the Scrapy item pipeline, `kontext extract`, `kontext import` and reprocessing. Each
stage is a plain function; an event that cannot be used raises `DropEvent` with a reason that
ends up counted in crawl stats.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from kontext.records import Event, Geo, Organizer, Tag
from kontext.sources import Source
from pipelines.clean import clean_event
from pipelines.dates import When, parse_when
from pipelines.identity import event_id
from pipelines.places import detect_attendance, parse_place
from pipelines.tagging import Tagger, tag_event

log = logging.getLogger(__name__)


class DropEvent(Exception):
    """This event cannot be used; `reason` is a short stat key such as 'no_date'."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason


def _aware(value: date | datetime, zone: ZoneInfo) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=zone)
    return datetime.combine(value, time.min, tzinfo=zone)


def apply_when(event: Event, when: When) -> Event:
    """Set start/end/all_day from a parsed date phrase, keeping its granularity."""
    zone = ZoneInfo(event.timezone)
    start = _aware(when.start, zone)
    end = _aware(when.end, zone) if when.end is not None else None
    all_day = not isinstance(when.start, datetime)
    if end is not None and isinstance(when.end, datetime) != isinstance(when.start, datetime):
        # "12. März, 10 Uhr – 14. März": the end day has no time; keep it as a date-level end.
        all_day = False
    return event.model_copy(update={"start": start, "end": end, "all_day": all_day})


def resolve_dates(event: Event, now: datetime) -> Event:
    """Parse `when_text` when extraction could not set a start; check the result."""
    if event.start is None and event.when_text:
        when = parse_when(event.when_text, now, event.timezone)
        if when is not None:
            event = apply_when(event, when)
    if event.start is None:
        raise DropEvent("no_date", event.title[:80])
    if event.end is not None and event.end < event.start:
        log.info("dropping an end before the start for %r", event.title[:80])
        event = event.model_copy(update={"end": None})
    return event


def resolve_place(event: Event, default_country: str = "DE") -> Event:
    """Venue fields from `location_text`, coordinates and region from the gazetteer; attendance."""
    venue = event.venue
    if event.location_text and (venue is None or not (venue.city or venue.postcode)):
        place = parse_place(event.location_text, default_country=default_country)
        if place is not None:
            parsed = place.to_venue()
            if venue is not None and venue.name and not parsed.name:
                parsed = parsed.model_copy(update={"name": venue.name})
            venue = parsed
    if venue is not None and venue.geo is None and (venue.city or venue.postcode):
        locality = " ".join(filter(None, (venue.postcode, venue.city)))
        text = ", ".join(part for part in (venue.street, locality) if part)
        place = parse_place(text, default_country=venue.country or default_country)
        if place is not None:
            venue = venue.model_copy(
                update={
                    "region": venue.region or place.region,
                    "country": venue.country or place.country,
                    "postcode": venue.postcode or place.postcode,
                    "city": venue.city or place.city,
                    "geo": Geo(lat=place.lat, lng=place.lng) if place.lat is not None else None,
                }
            )
    attendance = event.attendance or detect_attendance(
        "\n".join(filter(None, (event.location_text, event.title, event.description[:2000]))),
        urls=[url for url in (event.url, event.registration_url) if url],
    )
    return event.model_copy(update={"venue": venue, "attendance": attendance})


def apply_source(event: Event, source: Source | None) -> Event:
    """Source defaults: organiser, time zone, language, source name."""
    if source is None:
        return event
    update: dict = {"source": event.source or source.name}
    if event.organizer is None:
        update["organizer"] = Organizer(
            name=source.organizer.name, kind=source.organizer.kind, url=source.organizer.url
        )
    elif event.organizer.kind.value == "unknown" and event.organizer.name == source.organizer.name:
        update["organizer"] = event.organizer.model_copy(update={"kind": source.organizer.kind})
    if event.language is None:
        update["language"] = source.language
    return event.model_copy(update=update)


def normalise(
    event: Event,
    *,
    now: datetime,
    source: Source | None = None,
    tagger: Tagger | None = None,
    shared_url: bool = False,
) -> Event:
    """One raw event in, one complete event out (or DropEvent)."""
    event = apply_source(event, source)
    event = clean_event(event)
    event = resolve_dates(event, now)
    event = resolve_place(event, default_country=source.country if source else "DE")
    event = tag_event(event, tagger)
    if source is not None and source.sectors and not event.sectors:
        event = _default_sectors(event, source)
    event = event.model_copy(update={"when_text": None, "location_text": None})
    return event.model_copy(update={"id": event_id(event, shared_url=shared_url)})


def _default_sectors(event: Event, source: Source) -> Event:
    tags = [Tag(code=code, score=0.5, evidence=[f"source default: {source.name}"]) for code in source.sectors]
    return event.model_copy(update={"sectors": tags})


def normalise_page(
    events: Iterable[Event],
    *,
    now: datetime,
    source: Source | None = None,
    tagger: Tagger | None = None,
    drops: Counter | None = None,
) -> list[Event]:
    """Normalise all events found on one page; events sharing the page URL get title-based ids."""
    events = list(events)
    url_counts = Counter(event.url for event in events if event.url)
    result = []
    for event in events:
        try:
            result.append(
                normalise(event, now=now, source=source, tagger=tagger, shared_url=url_counts[event.url] > 1)
            )
        except DropEvent as drop:
            log.info("dropped event: %s", drop)
            if drops is not None:
                drops[drop.reason] += 1
    return result
