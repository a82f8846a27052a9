"""The extractors' side of the date module: reference dates, event fields, time-zone handling.

All date reading is pipelines.dates' job; this module only decides which reference date a page's
phrases are read against (the publication date when the page states one, else the crawl date)
and turns a `When` into the event record's start/end/all_day.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from crawler.extract.page import Page
from pipelines.dates import When, find_dates, parse_when

MAX_SCAN = 60_000  # characters of one text handed to find_dates at most


def parse_text_when(text: str, page: Page) -> When | None:
    """A date phrase of the page, missing years inferred from the page's reference date."""
    if not text or not text.strip():
        return None
    return parse_when(text[:500], page.reference_date, page.timezone)


def spans(
    text: str, page: Page, *, reference: datetime | None = None, by_line: bool = False
) -> list[tuple[int, int, When]]:
    """Date phrases in a longer text with their character positions (cached per page).

    With `by_line`, a line break ends a date phrase: in lists and label/value boxes one line's
    time never belongs to the next line's date.
    """
    if not text:
        return []
    text = text[:MAX_SCAN]
    reference = reference or page.reference_date
    key = (text, reference, by_line)
    cached = page.span_cache.get(key)
    if cached is None:
        # "|" ends a run in the date finder and keeps every character position where it was.
        scanned = text.replace("\n", "|") if by_line else text
        cached = find_dates(scanned, reference, page.timezone)
        page.span_cache[key] = cached
    return cached


_SEPARATOR = "\n|\n"  # ends every date phrase: nothing is read across two texts


def batch_spans(texts: list[str], page: Page) -> list[list[tuple[int, int, When]]]:
    """`spans` of many short texts (listing items, sections) in one call of the date finder,
    which costs far less than one call per text; positions are relative to each text."""
    joined = _SEPARATOR.join(texts)
    found = spans(joined, page) if len(joined) <= MAX_SCAN else None
    if found is None:
        return [spans(text, page) for text in texts]
    result: list[list[tuple[int, int, When]]] = [[] for _ in texts]
    starts: list[int] = []
    position = 0
    for text in texts:
        starts.append(position)
        position += len(text) + len(_SEPARATOR)
    index = 0
    for begin, end, when in found:
        while index + 1 < len(starts) and begin >= starts[index + 1]:
            index += 1
        offset = starts[index]
        if end <= offset + len(texts[index]):
            result[index].append((begin - offset, end - offset, when))
    return result


_CLOCK = re.compile(
    r"\b(?:\d{1,2}(?:[:.]\d{2})?\s*(?:–|-|bis|to)\s*)?\d{1,2}(?:[:.]\d{2})?\s*(?:uhr|h\b|a\.?m\.?|p\.?m\.?)"
    r"|\b\d{1,2}:\d{2}\b",
    re.I,
)


def with_time(when: When, text: str, page: Page) -> When:
    """A date-only reading completed with the clock time written elsewhere in the same item
    ("14.03.2025 – Highlands Tasting" … "Beginn 19:30 Uhr")."""
    if isinstance(when.start, datetime):
        return when
    match = _CLOCK.search(text)
    if match is None:
        return when
    timed = parse_when(f"{when.start.isoformat()} {match.group(0)}", page.reference_date, page.timezone)
    if timed is None or not isinstance(timed.start, datetime) or timed.start.date() != when.start:
        return when
    if when.end is not None and when.end != when.start:
        return When(start=timed.start, end=when.end)  # several days: the time is the first day's
    return timed


_AFFIX_GLUE = " \t|–—-:,·•/"


def strip_date_affix(title: str, page: Page) -> str:
    """A title without a date written before or after it ("12.03.2025 | Buchführung", "Tasting – 14.03.")."""
    found = spans(title, page)
    if not found:
        return title
    begin, end, _ = found[0]
    if not title[:begin].strip(_AFFIX_GLUE):
        rest = title[end:].strip(_AFFIX_GLUE)
        if len(rest) >= 4:
            return rest
    begin, end, _ = found[-1]
    if not title[end:].strip(_AFFIX_GLUE + "."):
        rest = title[:begin].strip(_AFFIX_GLUE)
        if len(rest) >= 4:
            return rest
    return title


def day_of(value: date | datetime) -> date:
    return value.date() if isinstance(value, datetime) else value


def aware(value: date | datetime, zone: ZoneInfo) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=zone)
    return datetime.combine(value, time.min, tzinfo=zone)


def when_fields(when: When, page: Page) -> dict[str, Any]:
    """start/end/all_day of the event record for a parsed date phrase."""
    zone = ZoneInfo(page.timezone)
    start = aware(when.start, zone)
    end = aware(when.end, zone) if when.end is not None else None
    all_day = not isinstance(when.start, datetime)
    if end is not None and (end < start or (end == start and not all_day)):
        end = None
    return {"start": start, "end": end, "all_day": all_day}


def is_upcoming(when: When, page: Page, *, grace_days: int = 1) -> bool:
    """The event has not ended before the crawl date (a day of grace for time zones)."""
    last = day_of(when.end or when.start)
    return last >= page.now.date() - timedelta(days=grace_days)
