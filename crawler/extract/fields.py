"""Fields of an event read from page text without markup: labels, places, prices, registration.

Shared by the single-event heuristics and the listing readers. Places are recognised by
pipelines.places (addresses with a postcode, addresses abroad, towns named in passing); this module
only decides which piece of the page is the venue.
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
    parse_price,
)
from kontext.records import Organizer, Price, Venue
from pipelines.places import find_places, parse_foreign_address, parse_place, town_named_in

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
# Lines that may hold a German, Austrian or Swiss address ("30159 Hannover", "Ch-6000 Luzern", "D-3539x Giessen").
_POSTCODE_LINE = re.compile(
    r"(?:^|\s)(?:(?:(?i:d)-\s?)?(?:\d{5}|\d{4}[xX*?])|(?i:a|ch)-\s?\d{4})(?:\s+[A-ZÄÖÜ][\w.äöüß-]+|$)"
)
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
    country = _country(page)
    place = parse_place(text, default_country=country)
    if place is not None and place.city:
        return place.to_venue()
    known = page_town(text, page)
    if known is not None or page.language not in (None, "de"):
        return known
    # German wording names towns in passing: "im Stuttgarter Rathaus", "Feuerwehr Bernau".
    town = town_named_in(text, country)
    return town.to_venue() if town is not None else None


def _country(page: Page) -> str:
    return page.source.country if page.source else "DE"


def page_town(text: str, page: Page) -> Venue | None:
    """A town the page names in one of its own full addresses, mentioned in this text."""
    pattern = page.address_town_pattern
    match = pattern.search(text) if pattern is not None else None
    return Venue(city=match.group(0), country="US") if match else None


def foreign_address(text: str) -> Venue | None:
    """The venue of an address written outside Germany, Austria and Switzerland, which the gazetteer
    does not cover ("Memphis, TN, US", "London, UK"); see pipelines.places.parse_foreign_address."""
    place = parse_foreign_address(text)
    return place.to_venue() if place is not None else None


def location_in(text: str, page: Page) -> tuple[str | None, Venue | None]:
    """The venue text and parsed venue in a block of text: a postcode line (with the lines before it),
    an address inside a sentence, or an address abroad."""
    lines = [line for line in text.split("\n") if line]
    country = _country(page)
    tried = 0
    for position, line in enumerate(lines):
        if tried < 3 and _POSTCODE_LINE.search(line):
            tried += 1
            if len(line) > 80:
                # An address inside a sentence ("… in der Stadthalle, 79098 Freiburg statt."): the venue,
                # street, postcode and town, not the rest of the sentence.
                for address in find_places(line, country, kinds=("address",)):
                    return line[address.begin : address.end], address.place.to_venue()
                continue
            start = position
            # Lines just before the address that name the venue ("Haus der Wirtschaft"), not dates or titles.
            while start > 0 and position - start < 2 and _venue_line(lines[start - 1]):
                start -= 1
            candidate = "\n".join(lines[start : position + 1])
            place = parse_place(candidate, default_country=country)
            if place is not None and place.city:
                return candidate, place.to_venue()
        for abroad in find_places(line, country, kinds=("foreign",)):
            return line, abroad.place.to_venue()
    return None, None

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
