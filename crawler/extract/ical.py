"""Rung 2: iCalendar feeds and the .ics links that lead to them.

Parsing is `icalendar`'s job, recurrence expansion (RRULE, RDATE, EXDATE, overridden instances)
`recurring_ical_events`'. Real feeds are broken in ways these libraries reject as a whole: two
time zones in one VTIMEZONE block, a DTSTART of "Next Year". Such feeds are repaired (the
VTIMEZONE blocks dropped, IANA zone names still resolve) or read event by event, skipping and
logging the events that cannot be read, so one bad entry never loses the whole feed.
"""

from __future__ import annotations

import logging
import re
from datetime import date, datetime, time, timedelta
from typing import Any
from urllib.parse import urljoin
from zoneinfo import ZoneInfo

import icalendar
import recurring_ical_events

from crawler.extract.page import DEFAULT_TIMEZONE, Page, clean_multiline, clean_text, html_to_text
from crawler.extract.wording import detect_language, status_from_text, strip_status_prefix
from kontext.records import Event, Geo, Organizer, Venue
from kontext.sources import Source
from kontext.vocabulary import EventStatus, Extraction

log = logging.getLogger(__name__)

_VTIMEZONE = re.compile(r"BEGIN:VTIMEZONE.*?END:VTIMEZONE\r?\n?", re.S)
_VEVENT = re.compile(r"BEGIN:VEVENT.*?END:VEVENT", re.S)
# A daily series over the one-year window has 366; more is a flood, not a calendar.
MAX_OCCURRENCES = 400
_ICS_HREF = re.compile(r"(?:\.ics(?:$|[?#])|^webcals?://|[?&](?:ical|ics|outlook-ical)=|/ical/?(?:$|\?)|/ics/?$)", re.I)


def _load(data: str | bytes) -> icalendar.Calendar | None:
    raw = data if isinstance(data, str) else data.decode("utf-8", "replace")
    raw = raw.lstrip("\ufeff")
    if "BEGIN:VCALENDAR" not in raw.upper():
        return None
    for attempt in (raw, _VTIMEZONE.sub("", raw)):
        try:
            return icalendar.Calendar.from_ical(attempt)
        except (ValueError, KeyError, AttributeError, TypeError, IndexError) as error:
            log.info("iCalendar feed needs repair: %s", error)
    calendar = icalendar.Calendar()
    skipped = 0
    for block in _VEVENT.findall(_VTIMEZONE.sub("", raw)):
        try:
            wrapped = icalendar.Calendar.from_ical(f"BEGIN:VCALENDAR\r\n{block}\r\nEND:VCALENDAR\r\n")
        except (ValueError, KeyError, AttributeError, TypeError, IndexError):
            skipped += 1
            continue
        for component in wrapped.walk("VEVENT"):
            calendar.add_component(component)
    if skipped:
        log.info("skipped %d unreadable VEVENT blocks", skipped)
    return calendar


def _readable(component: Any) -> bool:
    try:
        start = component.get("DTSTART")
        if start is None:
            return False
        _ = start.dt
        if component.get("DTEND") is not None:
            _ = component.get("DTEND").dt
    except (ValueError, AttributeError, TypeError, KeyError, icalendar.InvalidCalendar):
        return False
    return True


def extract_ics(
    data: str | bytes, url: str, now: datetime, *, source: Source | None = None, window_days: int = 365
) -> list[Event]:
    """Events of an iCalendar feed from `now` to `now + window_days`, recurrences expanded.

    Start/end keep the feed's time zones; floating times are read in the feed's X-WR-TIMEZONE
    or the source's time zone. An unreadable feed gives [] (logged), never an exception.
    """
    calendar = _load(data)
    if calendar is None:
        log.info("not an iCalendar feed: %s", url)
        return []
    bad = [c for c in calendar.subcomponents if getattr(c, "name", "") == "VEVENT" and not _readable(c)]
    for component in bad:
        calendar.subcomponents.remove(component)
    if bad:
        log.info("skipped %d VEVENTs without a readable DTSTART in %s", len(bad), url)
    default_zone = _zone(str(calendar.get("X-WR-TIMEZONE") or "")) or ZoneInfo(
        source.timezone if source else DEFAULT_TIMEZONE
    )
    window_start = now - timedelta(hours=12)
    window_end = now + timedelta(days=window_days)
    try:
        occurrences = _occurrences(calendar, window_start, window_end, url)
    except (ValueError, TypeError, AttributeError, KeyError) as error:
        log.warning("could not expand recurrences in %s: %s", url, error)
        return []
    # Expanded occurrences lose "VALUE=DATE" when the feed also gives a TZID; the series still has it.
    day_series = {
        str(component.get("UID"))
        for component in calendar.walk("VEVENT")
        if component.get("DTSTART") is not None and component["DTSTART"].params.get("VALUE", "").upper() == "DATE"
    }
    events = [
        event
        for component in occurrences
        if (event := _event(component, url, default_zone, source, str(component.get("UID")) in day_series)) is not None
    ]
    events.sort(key=lambda event: (event.start or now, event.title))
    if source is not None:
        default = Organizer(name=source.organizer.name, kind=source.organizer.kind, url=source.organizer.url)
        events = [event if event.organizer else event.model_copy(update={"organizer": default}) for event in events]
    return events


def _occurrences(calendar: icalendar.Calendar, start: datetime, end: datetime, url: str) -> list[Any]:
    """Every occurrence in the window, each series cut off after MAX_OCCURRENCES.

    Single events are expanded together; each repeating series (its UID, overridden instances
    included) on its own and lazily, so a series every minute stops at the cap instead of
    expanding half a million occurrences.
    """
    events = [c for c in calendar.subcomponents if getattr(c, "name", "") == "VEVENT"]
    repeating = {str(c.get("UID")) for c in events if c.get("RRULE") is not None or c.get("RDATE") is not None}
    if not repeating:
        return recurring_ical_events.of(calendar, skip_bad_series=True).between(start, end)
    found = list(
        recurring_ical_events.of(_part(calendar, lambda uid: uid not in repeating), skip_bad_series=True).between(
            start, end
        )
    )
    for series_uid in sorted(repeating):
        series = recurring_ical_events.of(_part(calendar, lambda uid, wanted=series_uid: uid == wanted),
                                          skip_bad_series=True)  # fmt: skip
        for count, occurrence in enumerate(series.after(start)):
            if _as_datetime(occurrence["DTSTART"].dt, end.tzinfo) > end:
                break
            if count == MAX_OCCURRENCES:
                log.warning("series %s in %s cut off after %d occurrences", series_uid, url, MAX_OCCURRENCES)
                break
            found.append(occurrence)
    return found


def _part(calendar: icalendar.Calendar, keep: Any) -> icalendar.Calendar:
    """The calendar with only the VEVENTs whose UID `keep` accepts (time zones and properties kept)."""
    part = icalendar.Calendar()
    for name, value in calendar.property_items(recursive=False):
        if name not in ("BEGIN", "END"):
            part.add(name, value)
    for component in calendar.subcomponents:
        if getattr(component, "name", "") != "VEVENT" or keep(str(component.get("UID"))):
            part.add_component(component)
    return part


def _as_datetime(value: date | datetime, zone: Any) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo is not None else value.replace(tzinfo=zone)
    return datetime.combine(value, time(), tzinfo=zone)


def _zone(name: str) -> ZoneInfo | None:
    name = name.strip()
    if not name:
        return None
    try:
        return ZoneInfo(name)
    except (KeyError, ValueError):
        return None


def _text(component: Any, key: str) -> str:
    value = component.get(key)
    if value is None:
        return ""
    if isinstance(value, list):
        value = value[0]
    return clean_text(str(value))


def _moment(prop: Any, zone: ZoneInfo, whole_days: bool = False) -> date | datetime:
    value = prop.dt
    is_date = whole_days or getattr(prop, "params", {}).get("VALUE", "").upper() == "DATE"
    if isinstance(value, datetime):
        if is_date:
            return value.date()
        return value if value.tzinfo else value.replace(tzinfo=zone)
    return value


def _event(component: Any, url: str, zone: ZoneInfo, source: Source | None, whole_days: bool = False) -> Event | None:
    raw_title = _text(component, "SUMMARY")
    title = strip_status_prefix(raw_title)
    if not title:
        return None
    try:
        start = _moment(component.get("DTSTART"), zone, whole_days)
        end_prop = component.get("DTEND")
        end = _moment(end_prop, zone, whole_days) if end_prop is not None else None
    except (ValueError, AttributeError, TypeError):
        return None
    all_day = not isinstance(start, datetime)
    if all_day:
        start_dt = datetime.combine(start, time.min, tzinfo=zone)
        end_dt = None
        if end is not None:
            last_day = (end.date() if isinstance(end, datetime) else end) - timedelta(days=1)  # DTEND is exclusive
            if last_day > start:
                end_dt = datetime.combine(last_day, time.min, tzinfo=zone)
    else:
        start_dt = start
        end_dt = end if isinstance(end, datetime) and end > start else None
    event_zone = getattr(start_dt.tzinfo, "key", None) or (source.timezone if source else DEFAULT_TIMEZONE)
    description = clean_multiline(str(component.get("DESCRIPTION") or ""))
    if "<" in description and ">" in description:
        description = html_to_text(description)
    link = _text(component, "URL")
    event_url = urljoin(url, link) if link else url
    if not event_url.startswith(("http://", "https://", "file:")):
        event_url = url
    if _text(component, "STATUS").upper() == "CANCELLED":
        status = EventStatus.CANCELLED
    else:
        status = status_from_text(raw_title) or EventStatus.SCHEDULED
    location = _text(component, "LOCATION") or None
    venue = None
    geo = component.get("GEO")
    if geo is not None:
        try:
            venue = Venue(geo=Geo(lat=float(geo.latitude), lng=float(geo.longitude)))
        except (AttributeError, TypeError, ValueError):
            venue = None
    return Event(
        title=title,
        description=description,
        url=event_url,
        source_urls=[url],
        start=start_dt,
        end=end_dt,
        all_day=all_day,
        timezone=event_zone,
        status=status,
        location_text=location,
        venue=venue,
        organizer=_organizer(component),
        language=detect_language(f"{title} {description[:600]}") or (source.language if source else None),
        extraction=Extraction.ICALENDAR,
    )


def _organizer(component: Any) -> Organizer | None:
    value = component.get("ORGANIZER")
    if value is None:
        return None
    name = clean_text(str(getattr(value, "params", {}).get("CN", "")).strip('"'))
    if not name:
        return None
    address = str(value)
    return Organizer(name=name, url=address if address.startswith("http") else None)


def find_ics_links(html: str | bytes, url: str) -> list[str]:
    """Absolute http(s) URLs of the iCalendar feeds and .ics files a page links to (webcal:// rewritten)."""
    page = Page.parse(html, url, datetime.now().astimezone())
    return links_in(page)


def links_in(page: Page) -> list[str]:
    found: dict[str, None] = {}
    for element in page.root.iter("a", "link"):
        href = (element.get("href") or "").strip()
        if not href:
            continue
        is_feed = element.get("type", "").lower() in ("text/calendar", "application/ics")
        if not (is_feed or _ICS_HREF.search(href)) or "google.com/calendar" in href:
            continue
        if href.lower().startswith("webcal"):
            href = "https" + href[href.index(":") :]
        absolute = page.absolute(href)
        if absolute:
            found[absolute] = None
    return list(found)
