"""schema.org Event nodes (from JSON-LD, microdata, RDFa or hCalendar) to `Event` records.

One mapping for every syntax: the readers hand over nodes shaped like JSON-LD. Real markup is
often wrong, so every field is read defensively: names may be lists, descriptions may hold HTML
or double-escaped entities, dates may be malformed (then the text the page shows for the event
decides), locations may be text, a Place, a VirtualLocation or a list of them.
"""

from __future__ import annotations

import logging
import re
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from dateutil import rrule

from crawler.extract.dating import spans
from crawler.extract.fields import foreign_address
from crawler.extract.jsonld import types_of
from crawler.extract.microdata import ELEMENT
from crawler.extract.page import Page, block_text, clean_text, html_to_text
from crawler.extract.wording import (
    attendance_from_mode,
    country_code,
    detect_language,
    parse_price,
    status_from_schema,
    status_from_text,
    strip_status_prefix,
)
from kontext.records import Event, Geo, Organizer, Price, Venue
from kontext.vocabulary import Attendance, EventStatus, Extraction
from pipelines.dates import When, parse_datetime_value

log = logging.getLogger(__name__)

EVENT_TYPES = frozenset(
    {
        "Event", "BusinessEvent", "ChildrensEvent", "ComedyEvent", "ConferenceEvent", "CourseInstance",
        "DanceEvent", "EducationEvent", "EventSeries", "ExhibitionEvent", "Festival", "FoodEvent",
        "Hackathon", "LiteraryEvent", "MusicEvent", "PerformingArtsEvent", "SaleEvent", "ScreeningEvent",
        "SocialEvent", "SportsEvent", "TheaterEvent", "VisualArtsEvent", "SeminarEvent", "MeetupEvent",
    }
)  # fmt: skip
# Subtypes of Event that are not something one attends.
NOT_ATTENDED = frozenset(
    {"DeliveryEvent", "PublicationEvent", "BroadcastEvent", "OnDemandEvent", "InstantaneousEvent", "LifeEvent"}
)
MAX_SCHEDULE_OCCURRENCES = 60
_WEEKDAYS = {"monday": rrule.MO, "tuesday": rrule.TU, "wednesday": rrule.WE, "thursday": rrule.TH,
             "friday": rrule.FR, "saturday": rrule.SA, "sunday": rrule.SU}
_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")


def is_event_node(node: dict[str, Any]) -> bool:
    """True for schema.org Event and its subtypes that people attend."""
    for name in types_of(node):
        if name in NOT_ATTENDED or name.startswith("User"):
            continue
        if name in EVENT_TYPES or (name.endswith("Event") and name[:1].isupper()):
            return True
    return False


def first_text(value: Any) -> str:
    """The first non-empty text of a value that may be a string, a list, a number or {"@value": …}."""
    if value is None:
        return ""
    if isinstance(value, list):
        for entry in value:
            text = first_text(entry)
            if text:
                return text
        return ""
    if isinstance(value, dict):
        for key in ("@value", "name", "value"):
            if key in value:
                return first_text(value[key])
        return ""
    if isinstance(value, bool):
        return ""
    return clean_text(str(value))


def _first_node(value: Any) -> Any:
    return value[0] if isinstance(value, list) and value else value


def _resolve(value: Any, index: dict[str, dict[str, Any]]) -> Any:
    if isinstance(value, dict) and set(value) <= {"@id", "@type"} and value.get("@id") in index:
        return index[value["@id"]]
    if isinstance(value, list):
        return [_resolve(entry, index) for entry in value]
    return value


def _url(page: Page, value: Any) -> str | None:
    if isinstance(value, dict):
        value = value.get("url") or value.get("@id")
    return page.absolute(first_text(value)) if value else None


def _image(page: Page, value: Any) -> str | None:
    value = _first_node(value)
    if isinstance(value, dict):
        value = value.get("url") or value.get("contentUrl") or value.get("@id")
    return page.absolute(first_text(value)) if value else None


class MarkupReader:
    """Turns the Event nodes of one page into events, with the page's fallbacks at hand."""

    def __init__(self, page: Page, extraction: Extraction, index: dict[str, dict[str, Any]] | None = None):
        self.page = page
        self.extraction = extraction
        self.index = index or {}
        self.zone = ZoneInfo(page.timezone)

    def events(self, node: dict[str, Any], *, single: bool) -> list[Event]:
        """Events of one node: one, or one per occurrence of its eventSchedule; [] when unusable."""
        title = strip_status_prefix(html_to_text(first_text(node.get("name")) or first_text(node.get("headline"))))
        title = " ".join(title.split())
        if not title:
            log.debug("schema.org event without a name skipped")
            return []
        fields = self._fields(node, title)
        schedules = [s for s in _as_list(node.get("eventSchedule")) if isinstance(s, dict)]
        when = self._when(node, title, single=single)
        if when is None and schedules:
            return self._schedule_events(schedules, fields)
        if when is None:
            fields["when_text"] = self._when_text(node)
            if not fields["when_text"]:
                log.debug("schema.org event %r without a readable date skipped", title[:60])
                return []
            return [Event(**fields)]
        fields.update(self._dated(when))
        return [Event(**fields)]

    # -- fields --------------------------------------------------------------------------------

    def _fields(self, node: dict[str, Any], title: str) -> dict[str, Any]:
        page = self.page
        description = html_to_text(first_text(node.get("description")))
        event_url = _url(page, node.get("url"))
        if event_url is None:
            node_id = node.get("@id")
            if isinstance(node_id, str) and node_id.startswith("http") and "#" not in node_id:
                event_url = page.absolute(node_id)
        fields: dict[str, Any] = {
            "title": title,
            "description": description,
            "url": event_url or page.url,
            "source_urls": [page.url],
            "extraction": self.extraction,
            "timezone": page.timezone,
            "image": _image(page, node.get("image")),
        }
        venue, location_text, attendance = self._location(node.get("location"))
        fields["venue"] = venue
        fields["location_text"] = location_text
        mode = attendance_from_mode(first_text(node.get("eventAttendanceMode")))
        fields["attendance"] = mode or attendance
        fields["organizer"] = self._organizer(node.get("organizer"))
        status = status_from_schema(first_text(node.get("eventStatus")))
        if status is None or status is EventStatus.SCHEDULED:
            raw_name = first_text(node.get("name"))
            status = status_from_text(raw_name) or status_from_text(description[:300]) or status
        fields["status"] = status or EventStatus.SCHEDULED
        if fields["status"] is EventStatus.MOVED_ONLINE and fields["attendance"] is None:
            fields["attendance"] = Attendance.ONLINE
        price, registration_url, deadline = self._offers(node, event_url or page.url)
        fields["price"] = price
        fields["registration_url"] = registration_url
        fields["registration_deadline"] = deadline
        language = first_text(node.get("inLanguage"))
        fields["language"] = (
            language[:2].lower() if re.match(r"^[A-Za-z]{2}\b", language or "") else None
        ) or detect_language(f"{title} {description[:600]}") or page.language
        return fields

    def _location(self, value: Any) -> tuple[Venue | None, str | None, Attendance | None]:
        value = _resolve(value, self.index)
        entries = value if isinstance(value, list) else [value]
        venue: Venue | None = None
        texts: list[str] = []
        online = offline = False
        for entry in entries:
            entry = _resolve(entry, self.index)
            if entry is None or entry == "":
                continue
            if isinstance(entry, dict):
                kinds = types_of(entry)
                if "VirtualLocation" in kinds:
                    online = True
                    continue
                offline = True
                place_venue, text = self._place(entry)
                if venue is None and place_venue is not None:
                    venue = place_venue
                if text:
                    texts.append(text)
            else:
                text = html_to_text(first_text(entry))
                if not text:
                    continue
                if re.match(r"https?://", text):
                    online = True
                    continue
                texts.append(text)
                if venue is None:
                    venue = foreign_address(text)
        attendance = Attendance.MIXED if online and offline else Attendance.ONLINE if online else None
        return venue, ("; ".join(dict.fromkeys(texts)) or None), attendance

    def _place(self, place: dict[str, Any]) -> tuple[Venue | None, str]:
        name = html_to_text(first_text(place.get("name")))
        address = _resolve(_first_node(place.get("address")), self.index)
        street = postcode = city = region = country = None
        address_text = ""
        if isinstance(address, dict):
            street = html_to_text(first_text(address.get("streetAddress"))) or None
            postcode = first_text(address.get("postalCode")) or None
            city = html_to_text(first_text(address.get("addressLocality"))) or None
            region = html_to_text(first_text(address.get("addressRegion"))) or None
            country = country_code(first_text(address.get("addressCountry")))
        elif address:
            address_text = html_to_text(first_text(address))
        geo = None
        geo_node = _resolve(_first_node(place.get("geo")), self.index)
        if isinstance(geo_node, dict):
            try:
                geo = Geo(lat=float(first_text(geo_node.get("latitude"))),
                          lng=float(first_text(geo_node.get("longitude"))))
            except (TypeError, ValueError):
                geo = None
        if postcode and postcode.isdigit() and country in (None, "DE") and len(postcode) == 4 and city:
            postcode = "0" + postcode  # a German postcode stored as a number lost its leading zero
        if address_text and city is None:
            foreign = foreign_address(address_text)
            if foreign is not None:
                city, country = foreign.city, foreign.country
        parts = [name, street or address_text, " ".join(filter(None, (postcode, city))), region]
        text = ", ".join(dict.fromkeys(part for part in parts if part))
        if not any((name, street, postcode, city, region, geo)):
            return None, text
        venue = Venue(name=name or None, street=street, postcode=postcode, city=city, region=region,
                      country=country, geo=geo)
        return venue, text

    def _organizer(self, value: Any) -> Organizer | None:
        value = _resolve(_first_node(value), self.index)
        if isinstance(value, dict):
            name = html_to_text(first_text(value.get("name")))
            if name:
                return Organizer(name=name, url=_url(self.page, value.get("url")))
            return None
        name = first_text(value)
        if name and not name.startswith("http") and name.lower() not in ("organization", "person"):
            return Organizer(name=name)
        return None

    def _offers(self, node: dict[str, Any], event_url: str) -> tuple[Price | None, str | None, datetime | None]:
        offers = [_resolve(o, self.index) for o in _as_list(node.get("offers"))]
        offers = [o for o in offers if isinstance(o, dict)]
        price: Price | None = None
        registration_url = deadline = None
        free_flag = node.get("isAccessibleForFree")
        for offer in offers:
            amount_text = first_text(offer.get("price")) or first_text(offer.get("lowPrice"))
            currency = first_text(offer.get("priceCurrency"))
            candidate = parse_price(f"{amount_text} {currency}".strip()) if amount_text else None
            if candidate is not None and (price is None or (candidate.amount or 0) < (price.amount or 0)):
                price = candidate
            url = _url(self.page, offer.get("url"))
            if url and url != event_url and registration_url is None:
                registration_url = url
            valid = first_text(offer.get("validThrough"))
            if valid and deadline is None:
                when = parse_datetime_value(valid, self.page.timezone)
                if when is not None:
                    deadline = _aware(when.start, self.zone)
        if free_flag in (True, "true", "True", "https://schema.org/True", "http://schema.org/True"):
            price = Price(free=True, amount=0.0, currency=price.currency if price else None, text="free")
        return price, registration_url, deadline

    # -- dates ---------------------------------------------------------------------------------

    def _when(self, node: dict[str, Any], title: str, *, single: bool) -> When | None:
        start_raw = first_text(node.get("startDate"))
        end_raw = first_text(node.get("endDate"))
        start = parse_datetime_value(start_raw, self.page.timezone) if start_raw else None
        end = parse_datetime_value(end_raw, self.page.timezone) if end_raw else None
        if start is not None and _plausible(start_raw, start.start) and (
            not end_raw or (end is not None and _plausible(end_raw, end.start) and _ordered(start.start, end.start))
        ):
            return When(start=start.start, end=end.start if end is not None else start.end)
        # Malformed or contradictory values: the text the page shows for this event decides.
        fallback = self._text_dates(node, single=single)
        hint_start = _date_hint(start_raw)
        hint_end = _date_hint(end_raw)
        chosen_start = _pick(fallback, hint_start) if fallback else None
        if chosen_start is None and start is not None and _plausible(start_raw, start.start):
            chosen_start = start
        if chosen_start is None:
            if start_raw:
                log.info("unreadable start %r for %r", start_raw[:40], title[:60])
            return None
        chosen_end = None
        if end is not None and _plausible(end_raw, end.start) and _ordered(chosen_start.start, end.start):
            chosen_end = end.start
        elif end_raw:
            later = [w for w in fallback if _ordered(chosen_start.start, w.start) and w.start != chosen_start.start]
            hinted = [w for w in later if hint_end is None or _day(w.start) == hint_end]
            if hinted:
                chosen_end = hinted[0].start
        return When(start=chosen_start.start, end=chosen_end or chosen_start.end)

    def _text_dates(self, node: dict[str, Any], *, single: bool) -> list[When]:
        texts = []
        element = node.get(ELEMENT)
        if element is not None:
            texts.append(block_text(element))
        texts.append(html_to_text(first_text(node.get("description"))))
        if single:
            texts.append(block_text(self.page.body, skip_boilerplate=True)[:6000])
        found: list[When] = []
        for text in texts:
            if text:
                found.extend(when for _, _, when in spans(text[:6000], self.page, by_line=True))
            if found:
                break
        return found

    def _when_text(self, node: dict[str, Any]) -> str | None:
        start = first_text(node.get("startDate"))
        end = first_text(node.get("endDate"))
        if start and end:
            return f"{start} – {end}"
        return start or None

    def _dated(self, when: When) -> dict[str, Any]:
        start = _aware(when.start, self.zone)
        end = _aware(when.end, self.zone) if when.end is not None else None
        all_day = not isinstance(when.start, datetime)
        if isinstance(when.start, datetime) and end is not None and _whole_days(start, end):
            # 00:00 – 23:59 is how some calendars write an all-day event.
            all_day = True
            end = datetime.combine(end.date(), time.min, tzinfo=end.tzinfo)
        if end is not None and end <= start:
            end = None
        return {"start": start, "end": end, "all_day": all_day}

    def _schedule_events(self, schedules: list[dict[str, Any]], fields: dict[str, Any]) -> list[Event]:
        events: list[Event] = []
        for schedule in schedules:
            for start, end in _expand_schedule(schedule, self.page.now, self.page.timezone):
                update = self._dated(When(start=start, end=end))
                events.append(Event(**{**fields, **update}))
        events.sort(key=lambda event: event.start or self.page.now)
        return events[:MAX_SCHEDULE_OCCURRENCES]


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _aware(value: date | datetime, zone: ZoneInfo) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=zone)
    return datetime.combine(value, time.min, tzinfo=zone)


def _day(value: date | datetime) -> date:
    return value.date() if isinstance(value, datetime) else value


def _date_hint(raw: str) -> date | None:
    match = _ISO_DATE.search(raw or "")
    if not match:
        return None
    try:
        return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError:
        return None


def _plausible(raw: str, parsed: date | datetime) -> bool:
    """A parsed value agrees with the day written in an ISO-like raw value (if one is written)."""
    hint = _date_hint(raw)
    has_offset = bool(re.search(r"(?:Z|[+-]\d\d:?\d\d)$", raw.strip()))
    if hint is not None and hint != _day(parsed) and not has_offset:
        return False
    # "2019-9-18T10-10-00-00": a time part that is not a time means the whole value is suspect.
    time_part = raw.split("T", 1)[1] if "T" in raw else ""
    return not (time_part and not re.match(r"\d{1,2}:\d{2}", time_part))


def _ordered(start: date | datetime, end: date | datetime) -> bool:
    if isinstance(start, datetime) and isinstance(end, datetime):
        if (start.tzinfo is None) != (end.tzinfo is None):
            return _day(end) >= _day(start)
        return end >= start
    return _day(end) >= _day(start)


def _pick(candidates: list[When], hint: date | None) -> When | None:
    if hint is not None:
        for candidate in candidates:
            if _day(candidate.start) == hint:
                # Prefer the candidate that carries a time of day on the hinted day.
                timed = [c for c in candidates if _day(c.start) == hint and isinstance(c.start, datetime)]
                return timed[0] if timed else candidate
        return None
    return candidates[0] if candidates else None


def _whole_days(start: datetime, end: datetime) -> bool:
    return start.time() == time.min and end.time() >= time(23, 59) and end.date() >= start.date()


def _duration(text: str) -> timedelta | None:
    match = re.fullmatch(r"P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?)?", text or "")
    if not match or not any(match.groups()):
        return None
    days, hours, minutes = (int(part or 0) for part in match.groups())
    return timedelta(days=days, hours=hours, minutes=minutes)


def _expand_schedule(schedule: dict[str, Any], now: datetime, tz: str) -> list[tuple[datetime, datetime | None]]:
    """Occurrences of a schema.org Schedule from now on (within a year), as (start, end) pairs."""
    frequency = first_text(schedule.get("repeatFrequency")).upper()
    freq_match = re.fullmatch(r"P(\d*)([DWMY])|(DAILY|WEEKLY|MONTHLY|YEARLY)", frequency)
    if not freq_match:
        return []
    if freq_match.group(3):
        freq = {"DAILY": rrule.DAILY, "WEEKLY": rrule.WEEKLY, "MONTHLY": rrule.MONTHLY,
                "YEARLY": rrule.YEARLY}[freq_match.group(3)]
        interval = 1
    else:
        freq = {"D": rrule.DAILY, "W": rrule.WEEKLY, "M": rrule.MONTHLY, "Y": rrule.YEARLY}[freq_match.group(2)]
        interval = int(freq_match.group(1) or 1)
    zone_name = first_text(schedule.get("scheduleTimezone")) or tz
    try:
        zone = ZoneInfo(zone_name)
    except (KeyError, ValueError):
        zone = ZoneInfo(tz)
    start_day = _date_hint(first_text(schedule.get("startDate"))) or now.astimezone(zone).date()
    end_day = _date_hint(first_text(schedule.get("endDate")))
    horizon = now.astimezone(zone).date() + timedelta(days=365)
    until = min(end_day, horizon) if end_day else horizon
    start_time = _clock(first_text(schedule.get("startTime"))) or time.min
    end_time = _clock(first_text(schedule.get("endTime")))
    by_day = [
        _WEEKDAYS[name]
        for name in (first_text(d).rsplit("/", 1)[-1].lower() for d in _as_list(schedule.get("byDay")))
        if name in _WEEKDAYS
    ]
    by_month_day = [int(d) for d in _as_list(schedule.get("byMonthDay")) if str(d).isdigit()]
    by_month = [int(m) for m in _as_list(schedule.get("byMonth")) if str(m).isdigit()]
    count = first_text(schedule.get("repeatCount"))
    rule = rrule.rrule(
        freq,
        interval=interval,
        dtstart=datetime.combine(start_day, start_time),
        # A count and an end date exclude each other (RFC 5545); the horizon still applies below.
        until=None if count.isdigit() else datetime.combine(until, time.max),
        count=int(count) if count.isdigit() else None,
        byweekday=by_day or None,
        bymonthday=by_month_day or None,
        bymonth=by_month or None,
    )
    exceptions = {_date_hint(first_text(d)) for d in _as_list(schedule.get("exceptDate"))}
    duration = _duration(first_text(schedule.get("duration")))
    occurrences: list[tuple[datetime, datetime | None]] = []
    today = now.astimezone(zone).date()
    for naive in rule:
        if naive.date() > until:
            break
        if naive.date() < today or naive.date() in exceptions:
            continue
        start = naive.replace(tzinfo=zone)
        end = None
        if end_time is not None:
            end = datetime.combine(naive.date(), end_time, tzinfo=zone)
        elif duration is not None:
            end = start + duration
        occurrences.append((start, end))
        if len(occurrences) >= MAX_SCHEDULE_OCCURRENCES:
            break
    return occurrences


def _clock(text: str) -> time | None:
    match = re.match(r"(\d{1,2}):(\d{2})", text or "")
    if not match:
        return None
    hour, minute = int(match.group(1)), int(match.group(2))
    return time(hour, minute) if hour < 24 and minute < 60 else None
