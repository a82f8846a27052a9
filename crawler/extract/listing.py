"""Rung 4 for calendars: tables, month grids and repeated cards, one event per row, cell or card.

Each reader returns events with their own title, date, place and URL. Regions around the
content (navigation, sidebars, footers) are left out, and only events that have not ended
before the crawl date are kept: a teaser list of past news items is not a calendar. Events in
running text (article sections, schedules, prose) are sections.py's.
"""

from __future__ import annotations

import logging
import re
from collections import defaultdict
from collections.abc import Iterator
from datetime import date, datetime
from functools import lru_cache
from itertools import islice

from lxml import etree

from crawler.extract.dating import (
    batch_spans,
    day_of,
    is_upcoming,
    parse_text_when,
    strip_date_affix,
    with_time,
)
from crawler.extract.fields import is_deadline, labelled_fields, location_in, page_town, town_in
from crawler.extract.items import DATEISH, is_bare, keep_upcoming, link_in, make_event
from crawler.extract.page import (
    Page,
    block_text,
    clean_text,
    inline_text,
    inside_boilerplate,
    is_boilerplate,
    text_content,
)
from kontext.records import Event, Venue
from pipelines.dates import When

log = logging.getLogger(__name__)

_TIME_TEXT = re.compile(
    r"\b(?:\d{1,2}[:.]\d{2}\s*(?:uhr|h|a\.?m\.?|p\.?m\.?)?|\d{1,2}\s*(?:uhr|a\.?m\.?|p\.?m\.?))(?!\w)", re.I
)
_MONTH_YEAR = re.compile(
    r"\b(?:januar|january|februar|february|märz|march|april|mai|may|juni|june|juli|july|august|september|"
    r"oktober|october|november|dezember|december)\s+\d{4}\b",
    re.I,
)
_NOT_TITLE = re.compile(
    r"^(?:mehr|weiter|weiterlesen|details?|read more|more|learn more|view event|view details|info|infos|"
    r"ics|ical|google calendar|outlook|in kalender\w*|add to calendar|zum kalender|tickets?|anmeld\w*|"
    r"register|share|teilen|see more|alle anzeigen|→|»|\W+)\W*$",
    re.I,
)
_ROLE_WORDS = [
    ("end", re.compile(r"^(?:bis|ende|end|enddatum|to)$", re.I)),
    ("time", re.compile(r"^(?:zeit|uhrzeit|time|beginn um)$", re.I)),
    ("venue", re.compile(r"^(?:platz|veranstaltungsort|raum|venue|gelände|location name|saal)$", re.I)),
    ("place", re.compile(r"^(?:ort|orte|location|stadt|city|plz|plz/ort|plz ort|where|wo|region|address|adresse)$",
                         re.I)),
    ("organizer", re.compile(r"^(?:veranstalter\w*|organisation|organizer|organiser|anbieter|host|organisator)", re.I)),
    ("url", re.compile(r"^(?:webseite|website|link|url|homepage|internet|web)$", re.I)),
    ("date", re.compile(r"^(?:von|datum|date|dates|wann|when|termin|termine|beginn|start|tag|zeitraum|day)$", re.I)),
    ("title", re.compile(r"^(?:veranstaltung|titel|title|event|events|name|thema|bezeichnung|seminar|kurs|"
                         r"programm|was|what|beschreibung|messe|veranstaltungstitel|anlass)", re.I)),
]
_ROW_POSTCODE = re.compile(
    r"(?:\b[A-Z]{1,2}-\d{4,5}|\b\d{5}) [A-ZÄÖÜ][\wäöüß.-]+"
    r"(?: (?:a\. ?d\. ?|am |an der |im |in |ob der )[A-ZÄÖÜ][\wäöüß.-]+)?"
)
# Dated links to documents (agendas, minutes, dockets) are not events.
_DOCUMENT = re.compile(
    r"\.(?:pdf|docx?|xlsx?|pptx?|zip)(?:$|[?#\s])|\b(?:docket|agenda|minutes|protokoll|tagesordnung|niederschrift|"
    r"amtsblatt|bekanntmachung|newsletter|ausgabe|heft)\b",
    re.I,
)
_INLINE_PLACE = re.compile(
    r"\b(?:location|veranstaltungsort|ort|where|venue|adresse|address|treffpunkt)\s*:\s*([^\n;]{3,120}?)(?:\.\s|\.?$|;|\n)",
    re.I,
)
_MAX_CARD_ELEMENTS = 150
_HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")
_PLACE_ELEMENTS = etree.XPath(
    ".//*[contains(@class,'location') or contains(@class,'venue') or contains(@class,'ort') "
    "or contains(@class,'place') or contains(@class,'address') or contains(@class,'adresse') "
    "or contains(@class,'where') or @itemprop='location']"
)
_PREV_NEXT = re.compile(r"(?:prev|next|other-month|adjacent|outside|disabled|not-current)", re.I)


def _lines(element: etree._Element) -> list[str]:
    return [line for line in block_text(element).split("\n") if line]


def _cell_text(cell: etree._Element) -> str:
    return clean_text(text_content(cell))








# -- tables --------------------------------------------------------------------------------------------


def _rows(table: etree._Element) -> list[etree._Element]:
    rows: list[etree._Element] = []
    for child in table:
        if child.tag == "tr":
            rows.append(child)
        elif child.tag in ("tbody", "thead", "tfoot"):
            rows.extend(row for row in child if row.tag == "tr")
    return rows


def _cells(row: etree._Element) -> list[etree._Element]:
    return [cell for cell in row if cell.tag in ("td", "th")]


def _roles(header: list[str]) -> dict[int, str]:
    roles: dict[int, str] = {}
    for position, text in enumerate(header):
        words = clean_text(text).lower().strip(" :")
        for role, pattern in _ROLE_WORDS:
            if pattern.match(words) and role not in roles.values():
                roles[position] = role
                break
    return roles


def table_events(page: Page) -> list[Event]:
    """One event per table row with a date: columns named by the header row or inferred from content."""
    events: list[Event] = []
    for table in page.body.iter("table"):
        rows = _rows(table)
        if len(rows) < 2 or inside_boilerplate(table):
            continue
        if table.xpath(".//table"):
            continue  # a layout table; its inner tables are read on their own
        events.extend(_table(table, rows, page))
    return events


def _table(table: etree._Element, rows: list[etree._Element], page: Page) -> list[Event]:
    header_roles: dict[int, str] = {}
    data_rows = rows
    for index, row in enumerate(rows[:3]):
        cells = [_cell_text(cell) for cell in _cells(row)]
        roles = _roles(cells)
        if ("date" in roles.values() or "title" in roles.values()) and len(roles) >= 2:
            header_roles, data_rows = roles, rows[index + 1 :]
            break
    if not header_roles:
        header_roles = _infer_roles(data_rows, page)
        if not header_roles:
            return []
    events: list[Event] = []
    width = max(header_roles) + 1
    for row in data_rows:
        cells = _cells(row)
        if len(cells) < min(width, 2):
            continue
        cell_texts = [_cell_text(cell) for cell in cells]
        by_role: dict[str, etree._Element] = {}
        texts: dict[str, str] = {}
        for position, role in header_roles.items():
            if position < len(cells):
                by_role[role] = cells[position]
                texts[role] = cell_texts[position]
        start = texts.get("date", "")
        title = texts.get("title", "")
        if not start or not title or not any(char.isdigit() for char in start):
            continue
        when = _columns_when(start, texts.get("time", ""), texts.get("end", ""), page)
        if when is None:
            continue
        place = ", ".join(part for part in (texts.get("venue"), texts.get("place")) if part) or None
        if place is None or not _ROW_POSTCODE.search(place):
            # A row whose cells ran together (unclosed tags): the address is somewhere in its text.
            postcode = _ROW_POSTCODE.search(" ".join(cell_texts))
            place = postcode.group(0) if postcode else place
        url = None
        for role in ("title", "url"):
            if role in by_role:
                url = link_in(by_role[role], page)
                if url:
                    break
        event = make_event(page, title, when, url=url, location_text=place, organizer=texts.get("organizer"),
                       text=" ".join(cell_texts))
        if event is not None:
            events.append(event)
    return events


def _columns_when(start: str, clock: str, end: str, page: Page) -> When | None:
    """The date of a row with separate "Von", "Zeit" and "Bis" columns. The columns are read one by
    one: a calendar repeats the same days in many rows, and each column's phrase is read once."""
    when = parse_text_when(f"{start} {clock}" if clock else start, page)
    if when is None or not end or end == start or not any(char.isdigit() for char in end):
        return when
    last = parse_text_when(end, page)
    if last is None:
        return parse_text_when(f"{start} {clock} – {end}" if clock else f"{start} – {end}", page)
    if day_of(last.start) >= day_of(when.start):
        return When(start=when.start, end=last.start)
    return when


def _infer_roles(rows: list[etree._Element], page: Page) -> dict[int, str]:
    sample = rows[:12]
    dated: dict[int, int] = defaultdict(int)
    lengths: dict[int, int] = defaultdict(int)
    for row in sample:
        for position, cell in enumerate(_cells(row)):
            text = _cell_text(cell)
            if DATEISH.search(text) and len(text) < 60:
                dated[position] += 1
            else:
                lengths[position] += len(text)
    if not dated or max(dated.values()) < max(2, len(sample) // 2):
        return {}
    date_column = max(dated, key=lambda position: dated[position])
    others = {p: n for p, n in lengths.items() if p != date_column}
    if not others:
        return {}
    title_column = max(others, key=lambda position: others[position])
    return {date_column: "date", title_column: "title"}


# -- calendar grids --------------------------------------------------------------------------------------


def grid_events(page: Page) -> list[Event]:
    """Month calendars: day cells with their events; the month from the grid's caption or a day link."""
    events: list[Event] = []
    for table in page.body.iter("table"):
        week_rows = sum(1 for row in _rows(table) if len(row) == 7)
        if week_rows < 4 or inside_boilerplate(table):
            continue  # a month has at least four rows of seven days
        cells = table.xpath(".//td")
        days = [(cell, _day_number(cell)) for cell in cells]
        numbered = [(cell, day) for cell, day in days if day is not None]
        if len(numbered) < 28:
            continue
        month = _grid_month(table, page)
        events.extend(_grid(numbered, month, page))
    return events


def _day_number(cell: etree._Element) -> int | None:
    text = clean_text(" ".join(cell.itertext()))
    match = re.match(r"^(\d{1,2})\b", text)
    if not match:
        return None
    day = int(match.group(1))
    return day if 1 <= day <= 31 else None


def _grid_month(table: etree._Element, page: Page) -> date | None:
    """The first day of the month a grid shows, from its caption or the text just before it."""
    texts = [_cell_text(element) for element in table.xpath(".//caption | .//thead")]
    texts.extend(_cell_text(row) for row in _rows(table)[:2])
    node = table
    for _ in range(4):
        previous = node.getprevious()
        while previous is not None and len(texts) < 6:
            if isinstance(previous.tag, str):
                texts.append(clean_text(" ".join(previous.itertext()))[-200:])
            previous = previous.getprevious()
        node = node.getparent()
        if node is None:
            break
    for text in texts:
        match = _MONTH_YEAR.search(text)
        if match:
            when = parse_text_when(f"1. {match.group(0)}", page) or parse_text_when(match.group(0), page)
            if when is not None:
                return day_of(when.start).replace(day=1)
    return None


def _grid(numbered: list[tuple[etree._Element, int]], month: date | None, page: Page) -> list[Event]:
    events: list[Event] = []
    offset = -1 if numbered[0][1] > 1 else 0
    previous_day = 0
    for cell, day in numbered:
        if day < previous_day:
            offset += 1
        previous_day = day
        cell_date = _cell_date(cell)
        if cell_date is None and month is not None:
            if _PREV_NEXT.search(cell.get("class", "")) and offset == 0:
                continue
            year, month_number = month.year, month.month + offset
            while month_number < 1:
                year, month_number = year - 1, month_number + 12
            while month_number > 12:
                year, month_number = year + 1, month_number - 12
            try:
                cell_date = date(year, month_number, day)
            except ValueError:
                continue
        if cell_date is None:
            continue
        for entry, title, url in _cell_entries(cell, page):
            entry_text = clean_text(" ".join(entry.itertext()))
            time_match = _TIME_TEXT.search(entry_text.replace(title, " ", 1))
            phrase = cell_date.isoformat() + (f" {time_match.group(0)}" if time_match else "")
            when = parse_text_when(phrase, page) or When(start=cell_date)
            place_text, venue = _item_place(entry, block_text(entry), page)
            event = make_event(page, title, when, url=url, text=entry_text, location_text=place_text, venue=venue)
            if event is not None:
                events.append(event)
    return events


def _cell_date(cell: etree._Element) -> date | None:
    for link in cell.iter("a"):
        if re.fullmatch(r"\s*\d{1,2}\s*", text_content(link) or ""):
            match = re.search(r"(\d{4})-(\d{2})-(\d{2})", link.get("href", ""))
            if match:
                try:
                    return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
                except ValueError:
                    return None
    return None


def _cell_entries(cell: etree._Element, page: Page) -> Iterator[tuple[etree._Element, str, str | None]]:
    items = cell.xpath(".//li")
    if not items:
        items = [link for link in cell.iter("a") if not re.fullmatch(r"\s*\d{1,2}\s*", text_content(link) or "")]
    for item in items:
        link = item if item.tag == "a" else next(item.iter("a"), None)
        title = ""
        if link is not None and link.text and link.text.strip():
            title = clean_text(link.text)
        if not title:
            title = clean_text(" ".join(item.itertext())).split("  ")[0][:200]
        if not title or _NOT_TITLE.match(title):
            continue
        yield item, title, page.absolute(link.get("href")) if link is not None else None


# -- repeated blocks ("cards") -------------------------------------------------------------------------


def _signature(element: etree._Element) -> tuple[str, str]:
    return element.tag, _class_signature(element.get("class") or "")


@lru_cache(maxsize=4096)
def _class_signature(classes: str) -> str:
    """Class names without the numbered ones ("post-123", "item-4") that differ between siblings."""
    return " ".join(sorted(name for name in classes.split() if not any(char.isdigit() for char in name)))


def _item_title(item: etree._Element, page: Page) -> tuple[str, str | None, str]:
    """The title of a listing item, its link, and its text as the item's lines show it."""
    for heading in item.iter(*_HEADINGS):
        text = inline_text(heading)
        if len(text) >= 3 and not DATEISH.fullmatch(text) and not _NOT_TITLE.match(text):
            link = next(heading.iter("a"), None)
            if link is None:
                ancestor = heading.getparent()
                while ancestor is not None and ancestor is not item and ancestor.tag != "a":
                    ancestor = ancestor.getparent()
                link = ancestor if ancestor is not None and ancestor.tag == "a" else None
            if link is None:
                link = next(item.iter("a"), None)
            url = page.absolute(link.get("href")) if link is not None else None
            if DATEISH.search(text):
                stripped = strip_date_affix(text, page)  # "12.03.2025 | Buchführung": the date stays in the text
                if stripped != text:
                    return stripped, url, stripped
            return text, url, block_text(heading)
    for tags in (("a",), ("strong", "b")):
        for element in item.iter(*tags):
            text = inline_text(element)
            if DATEISH.match(text):
                text = strip_date_affix(text, page)  # "14.03.2025 – Highlands Tasting"
                if DATEISH.match(text):
                    continue
            if len(text) >= 4 and not _NOT_TITLE.match(text) and not text.isdigit():
                url = page.absolute(element.get("href")) if element.tag == "a" else link_in(item, page)
                return text, url, text
    return "", None, ""


def _time_elements_when(item: etree._Element, page: Page) -> When | None:
    times = [time_element for time_element in item.iter("time") if time_element.get("datetime")]
    if not times:
        return None
    first = times[0].get("datetime", "")
    match = re.match(r"\d{4}-\d{2}-\d{2}", first)
    if not match:
        return None
    clock = [clean_text(text_content(t)) for t in times if _TIME_TEXT.fullmatch(clean_text(text_content(t)))]
    if "T" in first and not clock:
        return parse_text_when(first.replace("T", " "), page)
    shown = clean_text(text_content(times[0]))
    # The date as the page shows it ("Sunday, August 24, 2025") reads more reliably with clock times.
    phrase = shown if re.search(r"\b\d{4}\b", shown) and not _TIME_TEXT.fullmatch(shown) else match.group(0)
    if clock:
        phrase = f"{phrase} {clock[0]}" + (f" – {clock[1]}" if len(clock) > 1 else "")
    last_day = times[-1].get("datetime", "")[:10]
    when = parse_text_when(phrase, page)
    multi_day = re.match(r"\d{4}-\d{2}-\d{2}", last_day) and last_day != match.group(0)
    if when is not None and when.end is None and multi_day:
        end = parse_text_when(last_day, page)
        if end is not None:
            when = When(start=when.start, end=end.start)
    return when


def _item_place(item: etree._Element, text: str, page: Page) -> tuple[str | None, Venue | None]:
    """The venue of a listing item: an element marked as location, a labelled line, an address line,
    or a line naming a town the page knows from its own addresses."""
    for element in _PLACE_ELEMENTS(item):
        value = clean_text(text_content(element))
        if 2 <= len(value) <= 200:
            return value, None
    labelled = labelled_fields(text.split("\n")).first("place")
    if labelled is None:
        inline = _INLINE_PLACE.search(text)
        labelled = inline.group(1).strip() if inline else None
    if labelled:
        return labelled, town_in(labelled, page)
    place_text, venue = location_in(text, page)
    if place_text:
        return place_text, venue
    if page.address_towns:
        for line in text.split("\n"):
            venue = page_town(line, page) if len(line) <= 120 else None
            if venue is not None:
                return line, venue
    for line in text.split("\n")[1:6]:
        # A card's line that is only a town ("Leipzig"); the gazetteer decides whether it is one.
        if 3 <= len(line) <= 40 and len(line.split()) <= 4 and not any(char.isdigit() for char in line):
            venue = town_in(line, page)
            if venue is not None and venue.city and venue.city.split()[0] in line:
                return line, venue
    return None, None


def block_events(page: Page) -> list[Event]:
    """Repeated sibling elements that each hold a title and a date: the cards of a calendar list."""
    readable = []
    for items in _block_groups(page):
        for item in items:
            text = "\n".join(_lines(item))
            title, url, title_lines = _item_title(item, page)
            if title and not _DOCUMENT.search(f"{url or ''} {title}"):
                undated = _without(text, title_lines)
                quick = _time_elements_when(item, page) or _date_line_when(undated, page)
                readable.append((item, text, title, url, undated, quick))
    # The date finder reads the items whose date is not on a line of its own, all in one call.
    slow = [entry for entry in readable if entry[5] is None]
    found_by_item = dict(zip((id(entry) for entry in slow), batch_spans([e[4] for e in slow], page), strict=True))
    events: list[Event] = []
    for entry in readable:
        item, text, title, url, undated, when = entry
        found = found_by_item.get(id(entry), [])
        if sum(is_bare(undated, begin, end) for begin, end, _ in found) >= 3:
            continue  # a list of dates (agendas, minutes) rather than one event
        when = when or next((w for begin, end, w in found if not is_deadline(undated, begin, end)), None)
        if when is None:
            continue
        if not is_upcoming(when, page, grace_days=0) or _news_teaser(when, url, page):
            continue  # past (an archive, news teasers): its place is not worth reading
        when = with_time(when, undated, page)
        place_text, venue = _item_place(item, text, page)
        event = make_event(page, title, when, url=url, location_text=place_text, venue=venue, text=text)
        if event is not None:
            events.append(event)
    return events


_NEWS_URL = re.compile(r"/(?:news|nachrichten|presse\w*|aktuelles|aktuell|blog|artikel|article|meldung\w*|beitrag)s?/",
                       re.I)


def _news_teaser(when: When, url: str | None, page: Page) -> bool:
    """A dated teaser of a news item (its publication day, today at the latest), not an event."""
    if isinstance(when.start, datetime) or when.start > page.now.date():
        return False
    return bool(_NEWS_URL.search(url or "") or _NEWS_URL.search(page.url))


def _date_line_when(text: str, page: Page) -> When | None:
    """The date of a card whose date stands on a line of its own ("December 1, 2023 11:00 AM"):
    the one dated line, read as a phrase. Cards with several dated lines go to the date finder."""
    lines = [line for line in text.split("\n") if DATEISH.search(line)]
    if len(lines) != 1 or len(lines[0]) > 60:
        return None
    when = parse_text_when(lines[0], page)
    if when is None or not re.search(r"\d", lines[0]):
        return None
    return when


def _without(text: str, title: str) -> str:
    """An item's text without its title: "Status for 23-0623" is a name, not a date."""
    for line in title.split("\n"):
        if line:
            text = text.replace(line, " ", 1)
    return text


def _block_groups(page: Page) -> list[list[etree._Element]]:
    chosen: list[list[etree._Element]] = []
    taken: set[etree._Element] = set()
    for parent in page.body.iter():
        if not isinstance(parent.tag, str) or parent.tag in ("table", "tbody", "thead", "tr", "select", "head"):
            continue
        children = [child for child in parent if isinstance(child.tag, str)]
        if len(children) < 2:
            continue
        by_signature: dict[tuple[str, str], list[etree._Element]] = defaultdict(list)
        for child in children:
            if child.tag not in ("tr", "td", "th", "option", "script", "style", "br"):
                by_signature[child.tag, _signature(child)[1]].append(child)
        for members in by_signature.values():
            if len(members) < 2:
                continue
            qualified = [member for member in members if _looks_like_item(member)]
            if len(qualified) >= 2 and len(qualified) >= 0.5 * len(members):
                if any(_is_ancestor(other, member) for member in qualified for other in taken):
                    continue
                if is_boilerplate(parent) or inside_boilerplate(parent):
                    continue
                chosen.append(qualified)
                taken.update(qualified)
    return chosen


def _is_ancestor(ancestor: etree._Element, element: etree._Element) -> bool:
    node = element.getparent()
    while node is not None:
        if node is ancestor:
            return True
        node = node.getparent()
    return False


def _looks_like_item(element: etree._Element) -> bool:
    """A card: a short block with a date and a title-like element (a heading, a link, bold text)."""
    if next(islice(element.iter(), _MAX_CARD_ELEMENTS, None), None) is not None:
        return False  # a whole region of the page, not one card; saves reading its text
    text = clean_text(text_content(element))
    if not 12 <= len(text) <= 2500:
        return False
    if not (DATEISH.search(text) or any(time.get("datetime") for time in element.iter("time"))):
        return False
    return next(element.iterdescendants(*_HEADINGS, "a", "strong", "b"), None) is not None


def listing_events(page: Page) -> list[Event]:
    """The best listing reading of the page (tables, calendar grids, cards), upcoming events only."""
    best: list[Event] = []
    for reader in (table_events, grid_events, block_events):
        found = keep_upcoming(reader(page), page)
        if len(found) > len(best):
            best = found
        if len(best) >= 3:
            break  # a calendar table or grid; its cells are not also cards
    return best

