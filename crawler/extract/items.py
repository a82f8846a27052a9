"""What every listing reader shares: the quick date test, building an event, keeping upcoming ones."""

from __future__ import annotations

import re

from lxml import etree

from crawler.extract.dating import when_fields
from crawler.extract.fields import is_online_place
from crawler.extract.page import Page, clean_text
from crawler.extract.wording import detect_language, status_from_text, strip_status_prefix
from kontext.records import Event, Organizer, Venue
from kontext.vocabulary import Attendance, Extraction
from pipelines.dates import When

# A cheap test for "may hold a date" before the date finder is asked (it costs far more).
DATEISH = re.compile(
    r"\d{1,2}\.\s?\d{1,2}\.(?:\d{2,4})?|\d{4}-\d{2}-\d{2}|\d{1,2}/\d{1,2}/\d{2,4}|"
    r"\b(?:jan|feb|mär|mar|apr|mai|may|jun|jul|aug|sep|okt|oct|nov|dez|dec)[a-zä]*\.?\s+\d{1,2}\b|"
    r"\b\d{1,2}\.?\s+(?:jan|feb|mär|mar|apr|mai|may|jun|jul|aug|sep|okt|oct|nov|dez|dec)[a-zä]*",
    re.I,
)


def link_in(element: etree._Element, page: Page) -> str | None:
    """The first absolute link inside an element."""
    for link in element.iter("a"):
        url = page.absolute(link.get("href"))
        if url:
            return url
    return None


def keep_upcoming(events: list[Event], page: Page) -> list[Event]:
    """The events that have not ended before the crawl date."""
    today = page.now.date()
    kept = []
    for event in events:
        last = (event.end or event.start)
        if last is not None and last.astimezone(event.start.tzinfo).date() < today:
            continue
        kept.append(event)
    return kept


def make_event(page: Page, title: str, when: When, *, url: str | None = None, location_text: str | None = None,
           text: str = "", organizer: str | None = None, venue: Venue | None = None) -> Event | None:
    """An event read by a listing reader; None when the title is too short to be one."""
    title = strip_status_prefix(clean_text(title))
    if len(title) < 3:
        return None
    fields = {
        "title": title[:300],
        "description": text[:2000] if text else "",
        "url": url or page.url,
        "source_urls": [page.url],
        "extraction": Extraction.HEURISTICS,
        "timezone": page.timezone,
        "location_text": location_text,
        "venue": venue,
        "organizer": _organizer(page, organizer) if organizer and len(organizer) >= 2 else None,
        "language": (detect_language(f"{title} {text[:400]}") if len(text) > 150 else None) or page.language,
    }
    fields.update(when_fields(when, page))
    status = status_from_text(f"{title}\n{text[:400]}")
    if status is not None:
        fields["status"] = status
    if is_online_place(location_text):
        fields["attendance"] = Attendance.ONLINE
    return Event(**{key: value for key, value in fields.items() if value is not None})


def _organizer(page: Page, name: str) -> Organizer:
    """One Organizer per name and page: a calendar repeats the same organiser on many rows."""
    key = ("organizer", name[:150])
    if key not in page.memo:
        page.memo[key] = Organizer(name=name[:150])
    return page.memo[key]


def is_bare(text: str, begin: int, end: int) -> bool:
    """A date standing on its own: at most a few words ("Agenda", "Video", "Cancelled") around it."""
    line_start = text.rfind("\n", 0, begin) + 1
    line_end = text.find("\n", end)
    line = text[line_start : line_end if line_end != -1 else len(text)]
    rest = (line[: begin - line_start] + " " + line[end - line_start :]).split()
    return len(rest) <= 4
