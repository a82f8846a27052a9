"""Cross-source de-duplication: the same fair announced by its organiser, a chamber and a calendar
becomes one event that lists all its sources.

Every source's announcement keeps its own stable id (pipelines/identity.py) and is stored as a
*version* of an event. A new version joins an existing event of *another* source when they are
the same event:

- the same start day (local time), and the same start time when both state one;
- the same town (or neither names one);
- and either the same event URL, or titles that share most of their significant words
  (``Partnerveranstaltung: Wasserstoff-Forum Musterland`` and ``Wasserstoff-Forum Musterland:
  Netze, Speicher, Anwendungen``; see `title_similarity`).

Ids stay stable: the event keeps the id of the version it was first stored under; later versions
point to it. What the event shows comes from its best version (structured data beats iCalendar
beats heuristics, then the fuller description), and its `source_urls` list every version's pages.
Two announcements from the *same* source are never merged (a chamber's two courses with one title
on one day are two courses).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from kontext.records import Event
from kontext.vocabulary import Extraction
from pipelines.identity import canonical_url, normalised_title

# Words that say how an event is announced, not which event it is.
STOPWORDS = frozenset(
    {
        "der", "die", "das", "den", "dem", "des", "ein", "eine", "einer", "eines", "einem", "und", "oder",
        "fur", "mit", "von", "vom", "zum", "zur", "im", "in", "am", "an", "auf", "bei", "aus", "nach",
        "uber", "unter", "bis", "als", "the", "a", "of", "and", "for", "to", "on", "at", "with", "by",
        "partnerveranstaltung", "veranstaltung", "termin", "event", "einladung", "hinweis",
        "kooperationsveranstaltung", "gemeinsam", "partner", "save", "date", "neu", "jetzt", "anmelden",
        "online",
    }
)
ROMAN = re.compile(r"[ivx]{1,5}")
# The share of the shorter title's significant words the longer one must contain.
SAME_TITLE = 0.75
RANK = {
    Extraction.JSONLD: 0,
    Extraction.MICRODATA: 1,
    Extraction.RDFA: 1,
    Extraction.MICROFORMAT: 1,
    Extraction.ICALENDAR: 2,
    Extraction.SELECTORS: 3,
    Extraction.IMPORT: 3,
    Extraction.HEURISTICS: 4,
}


@dataclass(frozen=True)
class MatchKey:
    """What decides whether two announcements are one event; stored with each version."""

    day: str  # local start date, ISO
    minute: str  # local start time HH:MM, "" for all-day events
    city: str  # normalised town, "" when unknown or online
    title: str  # normalised title
    url: str  # the event's own canonical URL, "" when it has none


def match_key(event: Event) -> MatchKey | None:
    """The match key of a normalised event (None without a start)."""
    if event.start is None:
        return None
    start = event.start.astimezone(ZoneInfo(event.timezone)) if event.timezone else event.start
    city = normalised_title(event.venue.city) if event.venue and event.venue.city else ""
    return MatchKey(
        day=start.date().isoformat(),
        minute="" if event.all_day else start.strftime("%H:%M"),
        city=city,
        title=normalised_title(event.title),
        url=canonical_url(event.url) if event.url else "",
    )


def significant_words(title: str) -> frozenset[str]:
    """The words of a normalised title that identify the event."""
    return frozenset(
        word for word in title.split() if word not in STOPWORDS and (len(word) > 2 or _is_marker(word))
    )


def _is_marker(word: str) -> bool:
    """Numbers and roman numerals tell parts of a series apart: "Teil III", "Kurs 2", "2027"."""
    return word.isdigit() or bool(ROMAN.fullmatch(word))


def title_similarity(first: str, second: str) -> float:
    """Share of the shorter title's significant words found in the other title (0..1); 0 when both
    carry numbers that differ ("Meisterkurs Teil III" is not "Meisterkurs Teil IV")."""
    a, b = significant_words(first), significant_words(second)
    if not a or not b:
        return 1.0 if first == second and first else 0.0
    markers_a = {word for word in a if _is_marker(word)}
    markers_b = {word for word in b if _is_marker(word)}
    if markers_a and markers_b and markers_a != markers_b:
        return 0.0
    shared = len(a & b)
    if shared < min(2, len(a), len(b)):
        return 0.0
    return shared / min(len(a), len(b))


def same_event(new: MatchKey, known: MatchKey) -> float:
    """How sure we are that two announcements are one event: 0 (not the same) to 1."""
    if new.day != known.day or new.city != known.city:
        return 0.0
    if new.minute and known.minute and new.minute != known.minute:
        return 0.0
    if new.url and new.url == known.url:
        return 1.0
    score = title_similarity(new.title, known.title)
    return score if score >= SAME_TITLE else 0.0


def quality(event: Event) -> tuple[int, int, int]:
    """Sort key of versions, best first: extraction rung, filled venue, description length."""
    rank = RANK.get(event.extraction, 5) if event.extraction else 5
    venue = 0 if event.venue and (event.venue.street or event.venue.name) else 1
    return (rank, venue, -len(event.description))


def merge_versions(event_id: str, versions: list[Event]) -> Event:
    """One event from the versions several sources announced (oldest first): the best version's
    fields, the stable `event_id`, and every version's pages in `source_urls`."""
    if not versions:
        raise ValueError("merge_versions needs at least one version")
    best = min(versions, key=quality)
    urls = list(dict.fromkeys(url for version in [best, *versions] for url in version.source_urls))
    return best.model_copy(update={"id": event_id, "source_urls": urls})
