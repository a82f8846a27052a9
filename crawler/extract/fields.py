"""Fields of an event read from page text without markup: labels, places, prices, registration.

Shared by the single-event heuristics and the listing readers. Place names are recognised by
pipelines.places (postcode + town, "in Stuttgart", known towns); this module only decides which
piece of text is the venue.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from lxml import etree

from crawler.extract.dating import aware, spans
from crawler.extract.page import Page, clean_text, inside_boilerplate, text_content
from crawler.extract.wording import (
    DEADLINE_AFTER,
    DEADLINE_CUE,
    FREE_WORDING,
    PRICE_CUES,
    REGISTRATION_LINK,
    country_code,
    parse_price,
)
from kontext.records import Organizer, Price, Venue
from pipelines.places import parse_place

_LABELS: dict[str, tuple[str, ...]] = {
    "date": ("datum", "termin", "wann", "when", "date", "dates", "zeitraum", "beginn", "start", "startdatum",
             "anfang", "veranstaltungsdatum", "veranstaltungstermin", "datum und uhrzeit", "datum & uhrzeit",
             "date and time", "date & time", "termin und ort", "wann und wo", "von", "startet", "starts",
             "start date", "event date", "tag"),
    "end": ("ende", "enddatum", "bis", "end", "ends", "end date", "endet"),
    "time": ("uhrzeit", "zeit", "time", "uhr", "beginn um", "einlass", "zeiten", "times"),
    "place": ("ort", "veranstaltungsort", "wo", "where", "location", "venue", "adresse", "anschrift",
              "treffpunkt", "address", "place", "austragungsort", "tagungsort", "veranstaltungsadresse",
              "standort", "lage", "meeting location", "regular meeting location", "event location"),
    "organizer": ("veranstalter", "veranstalterin", "veranstaltet von", "organisator", "organizer", "organiser",
                  "hosted by", "host", "ausrichter", "anbieter", "organisiert von", "organized by"),
    "price": ("eintritt", "kosten", "preis", "preise", "teilnahmegebühr", "teilnahmegebühren", "gebühr",
              "gebühren", "teilnahmebeitrag", "price", "prices", "cost", "costs", "admission", "fee", "fees",
              "tickets", "eintrittspreis", "eintrittspreise", "seminargebühr", "kursgebühr"),
    "registration": ("anmeldung", "anmeldeschluss", "anmeldefrist", "registration", "register",
                     "registrierung", "rsvp"),
}  # fmt: skip
_LABEL_ROLE = {label: role for role, labels in _LABELS.items() for label in labels}
_LABEL_LINE = re.compile(r"^(?P<label>[A-Za-zÄÖÜäöüß][A-Za-zÄÖÜäöüß &/.-]{0,28}?)\s*:\s*(?P<value>.*)$")
_POSTCODE_LINE = re.compile(r"(?:^|\s)(?:(?:D-\s?)?\d{5}|(?:A|CH)-\s?\d{4})(?:\s+[A-ZÄÖÜ][\w.äöüß-]+|$)")
_TRAILING_TOWN = re.compile(
    r"(?:\b(?:in|im|bei|nach|aus|am|auf|an)\s+(?:der\s+|dem\s+|den\s+)?)?"
    r"(?P<town>[A-ZÄÖÜ][\wäöüß.-]+(?:\s+(?:a\.\s?d\.|am|an\s+der|bei|im|in|ob\s+der)\s+[A-ZÄÖÜ][\wäöüß.-]+)?)\s*$"
)
_ADJECTIVE_TOWN = re.compile(r"\b(?P<town>[A-ZÄÖÜ][a-zäöüß]{3,})er\s+(?=[A-ZÄÖÜ])")
_ONLINE = re.compile(r"^\s*(?:online|virtuell|digital|web(?:inar|ex)|zoom|livestream|microsoft teams|teams)\b", re.I)


@dataclass
class Labelled:
    """Values of labelled lines ("Ort: Augustusplatz", "Startdatum:\\n21. März 2022"), by role."""

    values: dict[str, list[str]] = field(default_factory=dict)

    def first(self, role: str) -> str | None:
        found = self.values.get(role)
        return found[0] if found else None


def label_role(text: str) -> str | None:
    """The role of a label ("Ort:", "Wann?", "Teilnahmegebühr") or None."""
    return _LABEL_ROLE.get(clean_text(text).lower().rstrip(":?").strip())


def labelled_fields(lines: list[str], *, limit: int = 400) -> Labelled:
    """Label/value pairs in the first `limit` lines: "Ort: X", or a label line followed by its value lines."""
    result = Labelled()
    index = 0
    lines = lines[:limit]
    while index < len(lines):
        line = lines[index]
        role = None
        value = ""
        match = _LABEL_LINE.match(line)
        if match:
            role = label_role(match.group("label"))
            value = match.group("value").strip()
        elif len(line) <= 40:
            role = label_role(line)
        if role is None:
            index += 1
            continue
        if not value:
            collected: list[str] = []
            look = index + 1
            while look < len(lines) and len(collected) < (5 if role == "place" else 2):
                candidate = lines[look]
                if label_role(candidate) or candidate.rstrip().endswith(":"):
                    break  # the next label ("Weitere Informationen:") ends this value
                labelled_line = _LABEL_LINE.match(candidate)
                if labelled_line and label_role(labelled_line.group("label")):
                    break
                collected.append(candidate)
                look += 1
                if role not in ("place",) and collected:
                    break
            value = "\n".join(collected)
            index = look
        else:
            index += 1
        if value and len(value) <= 300:
            result.values.setdefault(role, []).append(value)
    return result


def town_in(text: str, page: Page) -> Venue | None:
    """A venue from a short text that names a town: a postcode line, "in Schönow", "Feuerwehr Bernau"."""
    if not text:
        return None
    text = clean_text(text)
    if text not in page.memo:  # listings repeat the same venue lines many times
        page.memo[text] = _town_in(text, page)
    return page.memo[text]


def _town_in(text: str, page: Page) -> Venue | None:
    country = page.source.country if page.source else "DE"
    place = parse_place(text, default_country=country)
    if place is not None and place.city:
        return place.to_venue()
    known = page_town(text, page)
    if known is not None or page.language not in (None, "de"):
        return known
    # German wording names towns in passing: "im Stuttgarter Rathaus", "Feuerwehr Bernau".
    for candidate in _town_candidates(text):
        place = parse_place(candidate, default_country=country)
        if place is not None and place.city:
            return place.to_venue()
    return None


def page_town(text: str, page: Page) -> Venue | None:
    """A town the page names in one of its own full addresses, mentioned in this text."""
    pattern = page.address_town_pattern
    match = pattern.search(text) if pattern is not None else None
    return Venue(city=match.group(0), country="US") if match else None


_STATES = re.compile(
    r"\b(?:Baden-Württemberg|Nordrhein-Westfalen|Rheinland-Pfalz|Sachsen-Anhalt|Schleswig-Holstein|"
    r"Mecklenburg-Vorpommern|Niedersachsen|Brandenburg|Thüringen|Hessen|Saarland|Bayern|Sachsen)\b"
)


def _town_candidates(text: str) -> list[str]:
    """Words that may name the town: "im Stuttgarter Rathaus", "in Schönow", "… Feuerwehr Bernau"."""
    text = _STATES.sub(" ", text)
    candidates = [f"in {match.group('town')}" for match in _ADJECTIVE_TOWN.finditer(text)]
    for clause in re.split(r"\s*[,;:–—()]\s*|\s+-\s+", text):
        match = _TRAILING_TOWN.search(clause)
        if match:
            candidates.append(f"in {match.group('town')}")
    for match in re.finditer(r"\b(?:in|im|bei|nach)\s+(?:der\s+|dem\s+)?([A-ZÄÖÜ][\wäöüß.-]+)", text):
        candidates.append(f"in {match.group(1)}")
    return list(dict.fromkeys(candidates))


_US_STATE = re.compile(r"^[A-Z]{2}(?:\s+\d{5}(?:-\d{4})?)?$|^[A-Z][a-z]+(?:\s[A-Z][a-z]+)?\s+\d{5}$")


def foreign_address(text: str) -> Venue | None:
    """The town of an address written outside Germany, Austria and Switzerland, which the place
    stage does not know: "Memphis, TN, US", "London, UK", "121 N. La Salle, Chicago, IL, 60602, US"."""
    segments = [segment.strip() for segment in re.split(r"[,\n]", text) if segment.strip()]
    if len(segments) < 2:
        return None
    country = country_code(segments[-1])
    us_state = any(_US_STATE.match(segment) for segment in segments[1:])
    if country in (None, "DE", "AT", "CH") and not us_state:
        return None
    if country is not None:
        segments = segments[:-1]
    while segments and (_US_STATE.match(segments[-1]) or re.fullmatch(r"[\d -]+", segments[-1])):
        segments = segments[:-1]
    if not segments or re.search(r"\d", segments[-1]) or len(segments[-1]) > 40:
        return None
    return Venue(city=segments[-1], country=country or "US")


_US_LINE = re.compile(r"\b[A-Z][a-zA-Z.]+(?: [A-Z][a-zA-Z.]+)*,\s+(?:[A-Z]{2}|[A-Z][a-z]+)\s+\d{5}\b")


def location_in(text: str, page: Page) -> tuple[str | None, Venue | None]:
    """The venue text and parsed venue in a block of text: a postcode line (with the lines before it)."""
    lines = [line for line in text.split("\n") if line]
    tried = 0
    for position, line in enumerate(lines):
        if tried < 3 and _POSTCODE_LINE.search(line):
            tried += 1
            if len(line) > 80:
                # An address inside a sentence ("… in der Stadthalle, 79098 Freiburg statt."): the
                # clause before the postcode and the town after it, not the rest of the sentence.
                match = _POSTCODE_IN_SENTENCE.search(line)
                if match:
                    place = parse_place(match.group(0), default_country=page.source.country if page.source else "DE")
                    if place is not None and place.city:
                        return match.group(0), place.to_venue()
                continue
            start = position
            # Lines just before the address that name the venue ("Haus der Wirtschaft"), not dates or titles.
            while start > 0 and position - start < 2 and _venue_line(lines[start - 1]):
                start -= 1
            candidate = "\n".join(lines[start : position + 1])
            place = parse_place(candidate, default_country=page.source.country if page.source else "DE")
            if place is not None and place.city:
                return candidate, place.to_venue()
        us = _US_LINE.search(line)
        if us:
            venue = foreign_address(us.group(0))
            if venue is not None:
                return line, venue
    return None, None


_POSTCODE_IN_SENTENCE = re.compile(
    r"(?:\b(?:in der|im|in|auf der|auf dem|bei|am|an der)\s+[^,.;:\d]{1,40},\s*)?"
    r"(?:(?:D|A|CH)-\s?)?\d{4,5}\s+[A-ZÄÖÜ][\wäöüß.-]*[\wäöüß]"
    r"(?:\s+(?:a\.\s?d\.|am|an der|im|in|ob der|bei)\s+[A-ZÄÖÜ][\wäöüß-]+)?"
)
_DATE_LIKE = re.compile(r"\d{1,2}\.\s?\d{1,2}\.|\d{4}|\b\d{1,2}\.?\s+[A-ZÄÖÜ][a-zä]+\s+\d{4}")


def _venue_line(line: str) -> bool:
    return (len(line) <= 60 and len(line.split()) <= 8 and not _DATE_LIKE.search(line)
            and not line.endswith((":", "?")))


def is_online_place(text: str | None) -> bool:
    return bool(text and _ONLINE.match(text))


def organizer_from(value: str | None) -> Organizer | None:
    if not value:
        return None
    name = clean_text(value.split("\n")[0])
    return Organizer(name=name) if 2 <= len(name) <= 150 else None


def price_in(labelled: Labelled, text: str) -> Price | None:
    """A price from a price label, else from a sentence with a price cue, else "kostenlos" wording."""
    value = labelled.first("price")
    if value:
        price = parse_price(value)
        if price is not None:
            return price
    for match in PRICE_CUES.finditer(text):
        sentence = text[match.start() : match.start() + 120].split("\n")[0]
        price = parse_price(sentence)
        if price is not None:
            return price
    free = FREE_WORDING.search(text)
    return parse_price(free.group(0)) if free else None


def registration_link(page: Page, scope: etree._Element) -> str | None:
    """The first link in the content that leads to registration or tickets."""
    for link in scope.iter("a"):
        text = clean_text(text_content(link)) or clean_text(link.get("title"))
        if text and len(text) <= 60 and REGISTRATION_LINK.search(text) and not inside_boilerplate(link, scope):
            url = page.absolute(link.get("href"))
            if url and url != page.url:
                return url
    return None


def deadline_positions(text: str, page: Page) -> tuple[list[tuple[int, int]], datetime | None]:
    """Date phrases that are registration deadlines ("Anmeldeschluss: 25. Februar 2022"), and the first one."""
    positions: list[tuple[int, int]] = []
    first: datetime | None = None
    for begin, end, when in spans(text, page):
        if is_deadline(text, begin, end):
            positions.append((begin, end))
            if first is None:
                first = aware(when.start, ZoneInfo(page.timezone))
    return positions, first


def is_deadline(text: str, begin: int, end: int) -> bool:
    before = text[max(0, begin - 60) : begin]
    after = text[end : end + 30]
    return bool(DEADLINE_CUE.search(before)) or (
        bool(re.search(r"\b(?:bis|until|by)\s*(?:zum\s+)?$", before, re.I)) and bool(DEADLINE_AFTER.match(after))
    )
