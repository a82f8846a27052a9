"""Rung 4 for events inside running text: headed sections of an article ("Veranstaltungstipps"), a
body's meeting schedule under one heading, and events named in prose ("das Seminar „…“ am 4. März")."""

from __future__ import annotations

import re
from datetime import date

from lxml import etree

from crawler.extract.dating import batch_spans, day_of, is_upcoming, spans, strip_date_affix, when_fields, with_time
from crawler.extract.fields import is_deadline, location_in, town_in
from crawler.extract.heuristics import EVENT_NOUN, EVENT_VERBS, LISTING_HEADLINE, has_event_noun, is_article
from crawler.extract.items import DATEISH, is_bare, make_event
from crawler.extract.page import Page, block_text, clean_text, inline_text, inside_boilerplate
from kontext.records import Event
from pipelines.dates import When


def section_events(page: Page) -> list[Event]:
    """Headings in an article, each followed by text that dates an event ("Veranstaltungstipps")."""
    events: list[Event] = []
    candidates: list[tuple[str, str]] = []
    headline = page.headline_element
    # Under a calendar's headline ("Seminare der Handwerkskammer") every dated section is an event.
    calendar_page = bool(page.headline and LISTING_HEADLINE.search(page.headline) and not is_article(page))
    for heading in page.main.xpath(".//h2 | .//h3 | .//h4 | .//h5 | .//h6"):
        if heading is headline or inside_boilerplate(heading, page.main):
            continue
        heading_text = inline_text(heading)
        if len(heading_text) < 4 or len(heading_text) > 200 or LISTING_HEADLINE.search(heading_text):
            continue
        text = f"{heading_text}\n{_section_text(heading)}"  # the date may be in the heading
        if not DATEISH.search(text[:1200]):
            continue
        title = strip_date_affix(heading_text, page) if DATEISH.search(heading_text) else heading_text
        if not (calendar_page or has_event_noun(title) or EVENT_VERBS.search(text[:800])
                or EVENT_NOUN.search(text[:400])):
            continue
        candidates.append((title, text[:800]))
    dated = batch_spans([text for _, text in candidates], page)
    for (title, text), found in zip(candidates, dated, strict=True):
        if sum(is_bare(text, begin, end) for begin, end, _ in found) >= 3:
            continue  # a list of dates (a schedule, agendas, minutes), not one event's description
        when = next(
            (when for begin, end, when in found
             if not is_deadline(text, begin, end) and is_upcoming(when, page, grace_days=0)),
            None,
        )
        if when is None:
            continue
        when = with_time(when, text, page)
        location_text, venue = _section_place(title, text, page)
        event = make_event(page, title, when, location_text=location_text, venue=venue, text=text)
        if event is not None:
            events.append(event)
    return events


def _section_text(heading: etree._Element, *, strong_headings: bool = False) -> str:
    """The text after a heading up to the next heading (with `strong_headings`, bold-only lines count)."""
    parts: list[str] = []
    node = heading
    while node is not None and not parts:
        sibling = node.getnext()
        while sibling is not None:
            if isinstance(sibling.tag, str):
                if next(sibling.iter("h1", "h2", "h3", "h4", "h5", "h6"), None) is not None:
                    break
                if strong_headings and _heading_like(sibling):
                    break
                parts.append(block_text(sibling))
                if sum(len(part) for part in parts) > 1500:
                    break
            sibling = sibling.getnext()
        if parts:
            break
        node = node.getparent()
        if node is None or node.tag in ("article", "main", "body"):
            break
    return "\n".join(part for part in parts if part)[:2000]


def _section_place(title: str, text: str, page: Page):
    venue = town_in(title, page)
    if venue is not None:
        return venue.city, venue
    place_text, venue = location_in(text, page)
    if venue is not None:
        return place_text, venue
    first_sentence = re.split(r"(?<=[.!?])\s", text, maxsplit=1)[0]
    venue = town_in(first_sentence[:300], page)
    if venue is not None:
        return venue.city, venue
    return None, None


_SCHEDULE_HEADING = re.compile(
    r"\b(?:meetings?|sitzung(?:en|stermine)?|termine|schedule|sprechtage?|vollversammlung(?:en)?|board|"
    r"hearings?|sessions?|agendas?|tagesordnungen?|versammlung(?:en)?|ausschuss\w*|stammtische?)\b",
    re.I,
)
_SCHEDULE_NOISE = re.compile(
    r"\b(?:\d{4}|schedule|termine|dates?|agendas?|minutes|materials|tagesordnungen?|protokolle?|"
    r"and|und|&|der|die|das|the)\b|[,:;|]",
    re.I,
)
_HELD = re.compile(
    r"((?:[A-ZÄÖÜ][\w.#&'-]*\s+){0,5}[A-ZÄÖÜ][\w.#&'-]*)\s+(?:meetings?|sitzungen)\s+(?:are|is|will be|finden|werden)\b"
)


def _heading_like(element: etree._Element) -> bool:
    if re.fullmatch(r"h[2-6]|dt", element.tag or ""):
        return True
    if element.tag in ("p", "div") and len(element) >= 1:
        strong = element.xpath("./strong | ./b")
        return bool(strong) and clean_text(" ".join(strong[0].itertext())) == clean_text(" ".join(element.itertext()))
    return False


def _schedule_title(heading: str, page: Page) -> str:
    rest = " ".join(_SCHEDULE_NOISE.sub(" ", heading).split())
    rest = re.sub(r"\b(Meeting|Sitzung|Hearing|Session)s\b", r"\1", rest)
    rest = re.sub(r"\bSitzungen\b", "Sitzung", rest)
    if len(rest.split()) >= 2 or (rest and not re.fullmatch(r"(?i)meeting|sitzung|hearing|session|board", rest)):
        return rest
    held = _HELD.search(page.main_text[:3000])
    body = held.group(1).strip() if held else page.headline
    body = re.sub(r"^(?:Unless otherwise announced|Die|Der|Das|The)\s+", "", body or "").strip()
    return f"{body} {rest or 'Meeting'}".strip() if body else (rest or "")


def schedule_events(page: Page) -> list[Event]:
    """A body's meeting schedule: a heading ("2019 Board Meetings", "Sitzungstermine 2024") over bare dates."""
    events: list[Event] = []
    seen: set[date] = set()
    for element in page.main.iter():
        if not isinstance(element.tag, str) or not _heading_like(element) or inside_boilerplate(element, page.main):
            continue
        heading = inline_text(element)
        if len(heading) > 120 or not _SCHEDULE_HEADING.search(heading):
            continue
        text = _section_text(element, strong_headings=True)
        if len(DATEISH.findall(text[:3000])) < 3:
            continue
        year = re.search(r"\b(20\d\d)\b", heading)
        bare = [
            item
            for chunk, chunk_year in _year_chunks(text[:3000], int(year.group(1)) if year else None)
            for item in _bare_dates(chunk, chunk_year, page)
        ]
        if len(bare) < 3:
            continue
        title = _schedule_title(heading, page)
        if len(title) < 3:
            continue
        location_text, venue = location_in(page.main_text, page)
        for _, _, when in bare:
            day = day_of(when.start)
            if day in seen or not is_upcoming(when, page, grace_days=0):
                continue
            seen.add(day)
            event = make_event(page, title, when, location_text=location_text, venue=venue)
            if event is not None:
                events.append(event)
    return events


def _year_chunks(text: str, year: int | None) -> list[tuple[str, int | None]]:
    """A schedule cut at year lines ("2019 Agendas", "2018"), each part with its year."""
    chunks: list[tuple[str, int | None]] = []
    current: list[str] = []
    for line in text.split("\n"):
        match = re.match(r"^\s*(20\d\d)\b(?P<rest>.*)$", line)
        if match and len(match.group("rest").split()) <= 3 and not DATEISH.search(match.group("rest")):
            if current:
                chunks.append(("\n".join(current), year))
            current, year = [], int(match.group(1))
            continue
        current.append(line)
    if current:
        chunks.append(("\n".join(current), year))
    return chunks


def _bare_dates(text: str, year: int | None, page: Page) -> list[tuple[int, int, When]]:
    reference = page.reference_date
    if year is not None:
        reference = reference.replace(year=year, month=1, day=1)
    return [item for item in spans(text, page, reference=reference, by_line=True) if is_bare(text, item[0], item[1])]





_ENGLISH_EVENT = re.compile(
    r"\b(?:the|our|an?|this year's)\s+((?:[A-Z#][\w#.&-]*\s+|[a-z]+\s+){0,3}"
    r"(?:meeting|conference|workshop|seminar|webinar|summit|festival|fair|hearing|session|forum|"
    r"meetup|hackathon|expo|convention|gala|reception|open house|breakfast|luncheon))\b"
)
_QUOTED = re.compile(r"[„\"»“]([^„“”\"»«]{4,120})[“”\"«]")
_COMPOUND_EVENT = re.compile(
    r"\b((?:[A-ZÄÖÜ][\wäöüß]*-)*[A-ZÄÖÜ]?[\wäöüß]*(?:seminar|webinar|workshop|werkstatt|tagung|konferenz|"
    r"kongress|forum|messe|treffen|stammtisch|sprechtag|vortrag|lehrgang|schulung|kurs|training|hackathon))\b"
)


def prose_events(page: Page) -> list[Event]:
    """Events named in running text: 'das Online-Seminar „Fit für Social Media“ am 4. und 5. März'."""
    text = page.main_text
    start = text.find(page.headline) if page.headline else 0
    text = text[max(start, 0) :][:8000]
    events: list[Event] = []
    for begin, end, when in spans(text, page):
        sentence_start = max(text.rfind(". ", 0, begin), text.rfind("\n", 0, begin)) + 1
        stop = [position for position in (text.find(". ", end), text.find("\n", end)) if position != -1]
        sentence = text[sentence_start : min(stop) if stop else len(text)]
        if is_deadline(text, begin, end):
            if events and events[-1].registration_deadline is None:
                deadline = when_fields(when, page)["start"]
                if events[-1].start is not None and deadline <= events[-1].start:
                    events[-1] = events[-1].model_copy(update={"registration_deadline": deadline})
            continue
        if not is_upcoming(when, page, grace_days=0):
            continue
        title = _prose_title(sentence)
        if not title or any(event.title == title for event in events):
            continue
        event = make_event(page, title, when, text=sentence)
        if event is not None:
            events.append(event)
    return events


def _prose_title(sentence: str) -> str | None:
    for match in _QUOTED.finditer(sentence):
        around = sentence[max(0, match.start() - 60) : match.start()]
        if EVENT_NOUN.search(around):
            return match.group(1).strip()
    match = _COMPOUND_EVENT.search(sentence)
    if match and match.group(1)[:1].isupper():
        return match.group(1)
    match = _ENGLISH_EVENT.search(sentence)
    if match and len(match.group(1).split()) >= 2:
        return match.group(1)
    return None
