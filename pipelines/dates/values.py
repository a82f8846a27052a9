"""parse_datetime_value: structured date values (schema.org, iCalendar, APIs) -> When.

Structured values are meant to be ISO 8601 and often are not quite: a space instead of "T",
no seconds, "Z", "+0100", the iCalendar basic form "20251031T200000Z", a German "31.10.2015",
entities and whitespace from the HTML they were scraped out of, "T24:00", a "start/end" interval.
The standard library reads most of them; the rest go through the date grammar, but only when the
value names a full date, because a structured value has no reference time to fill a missing year.
"""

from __future__ import annotations

import email.utils
import logging
import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from pipelines.dates.parse import clean, reading
from pipelines.dates.resolve import Resolver, resolve
from pipelines.dates.when import When

log = logging.getLogger(__name__)

_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$|^\d{8}$")
_BASIC = re.compile(r"^(\d{4})(\d{2})(\d{2})(?:T(\d{2})(\d{2})(\d{2})?(?:\.\d+)?(Z)?)?$", re.IGNORECASE)
_SPACE_BEFORE_TIME = re.compile(r"^(\d{4}-\d{2}-\d{2})\s+(\d{1,2}:\d{2})")
_HOUR_24 = re.compile(r"T24:00(?::00(?:\.0+)?)?")
_OFFSET_AT_END = re.compile(r"\d:\d{2}(?::\d{2}(?:\.\d+)?)?[+-](?P<hours>\d{2}):?(?P<minutes>\d{2})$")
_TZ_NAME = re.compile(r"\[[A-Za-z_/+-]+\]$")  # "2025-10-31T20:00+01:00[Europe/Berlin]"


def parse_datetime_value(value: str, tz: str = "Europe/Berlin") -> When | None:
    """A structured date value -> When at the granularity written; None when it is no date.

    Naive values are taken in `tz`; values with an offset are converted to `tz`. A value with a
    date only stays a date. "start/end" intervals give both ends.
    """
    if not isinstance(value, str):
        return None
    text = " ".join(clean(value).split()).strip("\"' ")
    if not text:
        return None
    zone = ZoneInfo(tz)
    if "/" in text and text.count("/") == 1 and not re.search(r"\d/\d{1,2}/", text):
        first, second = text.split("/")
        start, end = _single(first.strip(), zone), _single(second.strip(), zone)
        if start is not None and end is not None:
            return When(start, end)
    single = _single(text, zone)
    if single is not None:
        return When(single)
    offset = _OFFSET_AT_END.search(text)
    if offset is not None and (int(offset["hours"]) > 23 or int(offset["minutes"]) > 59):
        return None  # "2026-05-01T10:00:00+99:99": a broken timestamp, not a phrase to guess at
    return _by_grammar(text, tz)


def _single(text: str, zone: ZoneInfo) -> date | datetime | None:
    text = _TZ_NAME.sub("", text)
    basic = _BASIC.match(text)
    if basic is not None:
        year, month, day, hour, minute, second, utc = basic.groups()
        try:
            if hour is None:
                return date(int(year), int(month), int(day))
            moment = datetime(int(year), int(month), int(day), int(hour), int(minute), int(second or 0))
        except ValueError:
            return None
        return _localise(moment.replace(tzinfo=ZoneInfo("UTC")) if utc else moment, zone)
    if _DATE_ONLY.match(text):
        try:
            return date.fromisoformat(text)
        except ValueError:
            return None
    text = _SPACE_BEFORE_TIME.sub(r"\1T\2", text)
    next_day = bool(_HOUR_24.search(text))
    if next_day:
        text = _HOUR_24.sub("T00:00", text)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return _rfc2822(text, zone)
    if next_day:
        moment += timedelta(days=1)
    return _localise(moment, zone)


def _rfc2822(text: str, zone: ZoneInfo) -> datetime | None:
    """"Fri, 31 Oct 2025 20:00:00 GMT" as feeds and HTTP APIs write it."""
    if not re.match(r"^(?:[A-Za-z]{3},\s*)?\d{1,2}\s+[A-Za-z]{3}\s+\d{4}\s+\d{1,2}:\d{2}", text):
        return None
    try:
        moment = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    return _localise(moment, zone)


def _localise(moment: datetime, zone: ZoneInfo) -> datetime | None:
    moment = moment.replace(second=0, microsecond=0)
    try:
        return moment.astimezone(zone) if moment.tzinfo else moment.replace(tzinfo=zone)
    except OverflowError:  # "9999-12-31T23:59:59Z" is in year 10000 in Berlin
        return None


def _by_grammar(text: str, tz: str) -> When | None:
    """"31.10.2015", "31.10.2015 19:00", "October 31, 2025, 8 pm": only with a full date."""
    found = reading(text)
    if found is None or found.start is None or found.start.year is None or found.start.month is None \
            or found.start.day is None:
        return None
    if found.end is not None and (found.end.year is None or found.end.month is None):
        return None
    if not 1 <= found.start.year <= 9999 or not 1 <= found.start.month <= 12:
        return None  # "0000-01-01": no day of the calendar
    span = resolve(found, Resolver(datetime(found.start.year, found.start.month, 1), tz, True))
    if span is None:
        log.debug("date value %r names a day that does not exist", text)
        return None
    return When(*span)
