"""Hypothesis settings and strategies shared by the hostile-input tests.

Every property runs with a generous per-example deadline (a hang or a pathological regex shows up
as a deadline error with the shrunk input) and the module's tests carry a pytest timeout on top.
No example database is written into the tree. The default run is derandomized (the same examples
every time, so CI does not flake on a rare input); KONTEXT_FUZZ_EXAMPLES=N runs N random examples
per property (heavy ones 30 %) for a deeper search, and a failure prints the input that breaks it.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

EXAMPLES = int(os.environ.get("KONTEXT_FUZZ_EXAMPLES", "200"))
FUZZ = settings(
    max_examples=EXAMPLES,
    derandomize="KONTEXT_FUZZ_EXAMPLES" not in os.environ,
    deadline=timedelta(seconds=2),
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
FUZZ_HEAVY = settings(FUZZ, max_examples=max(EXAMPLES * 3 // 10, 1), deadline=timedelta(seconds=10))

ZONES = ["Europe/Berlin", "Europe/Vienna", "Europe/Zurich", "UTC", "America/Chicago", "Pacific/Kiritimati"]
MONTHS = [
    "Januar", "Jänner", "Februar", "Feb.", "März", "Mrz", "April", "Mai", "Juni", "Juli", "Aug.", "September",
    "Sept.", "Oktober", "Nov", "Dezember", "January", "March", "May", "December", "Dec", "Sep",
]  # fmt: skip
WEEKDAYS = ["Mo", "Di.", "Mittwoch", "Do", "Fr", "Sa.", "Sonntag", "Mon", "Tue", "Wednesday", "Fri", "Sun"]
WORDS = [
    "bis", "ab", "um", "Uhr", "von", "am", "und", "vom", "zum", "to", "from", "until", "through", "at", "on",
    "heute", "morgen", "übermorgen", "gestern", "nächste", "Woche", "Wochenende", "Monat", "Jahr", "KW", "Q3",
    "ganztägig", "abends", "morgens", "mittags", "Mitternacht", "noon", "midnight", "pm", "am", "p.m.", "h",
    "Anmeldeschluss", "jeweils", "sowie", "oder", "täglich", "jeden", "ersten", "letzten", "halb", "Viertel",
    "nach", "vor", "in", "Tagen", "days", "weeks", "ago", "next", "this", "last", "tonight", "Ostern", "Pfingsten",
]  # fmt: skip
PUNCTUATION = [".", ",", "-", "–", "—", "/", ":", " ", "  ", "(", ")", "&", "+", "'", "\n", "\t", "h", "."]


def numbers() -> st.SearchStrategy[str]:
    """Numbers as dates write them: days, months, years, clock parts, and nonsense."""
    return st.one_of(
        st.integers(0, 40).map(str),
        st.integers(0, 40).map(lambda n: f"{n:02d}"),
        st.integers(1900, 2200).map(str),
        st.integers(0, 99_999_999).map(str),
        st.integers(0, 2**64).map(str),
        st.integers(0, 30).map(lambda n: f"{n}."),
    )


def date_soup(max_tokens: int = 30) -> st.SearchStrategy[str]:
    """Token soup in the shape of German and English date phrases, mostly wrong."""
    token = st.one_of(
        numbers(),
        st.sampled_from(MONTHS),
        st.sampled_from(WEEKDAYS),
        st.sampled_from(WORDS),
        st.sampled_from(PUNCTUATION),
        st.text(max_size=6),
    )
    return st.lists(token, max_size=max_tokens).map("".join) | st.lists(token, max_size=max_tokens).map(" ".join)


def long_repeats() -> st.SearchStrategy[str]:
    """One date fragment repeated thousands of times: catastrophic backtracking shows up here."""
    fragment = st.sampled_from(
        ["1.", "12.12.2026 ", "bis ", "14:00 – ", "Mo, ", "3. und ", "2026-", "10 Uhr ", "-", "..", "12/", "am "]
    )
    return st.tuples(fragment, st.integers(200, 4000), st.text(max_size=5)).map(lambda t: t[0] * t[1] + t[2])


def reference_times() -> st.SearchStrategy[datetime]:
    """Aware reference times ("now") over two centuries in several zones."""
    return st.builds(
        lambda moment, zone: moment.astimezone(ZoneInfo(zone)),
        st.datetimes(datetime(1950, 1, 1), datetime(2150, 1, 1), timezones=st.just(UTC)),
        st.sampled_from(ZONES),
    )


def iso_like() -> st.SearchStrategy[str]:
    """Structured date values as feeds and JSON-LD write them, with every part but the year possibly out
    of range. Years stay within 1000-9000 here: the edges of the calendar (year 0, 9999 with an offset)
    are pinned as separate cases in test_hostile_dates.py."""
    years = st.integers(1000, 9000)
    part = st.integers(0, 99)
    offset = st.sampled_from(["", "Z", "+01:00", "-05:00", "+99:99", "+0100", "+14:00", "-23:59", "UTC", "+1"])
    value = st.builds(
        lambda y, mo, d, h, mi, s, off, sep: f"{y:04d}-{mo:02d}-{d:02d}{sep}{h:02d}:{mi:02d}:{s:02d}{off}",
        years,
        part,
        part,
        part,
        part,
        part,
        offset,
        st.sampled_from(["T", " ", "t", "", "TT"]),
    )
    compact = st.builds(lambda y, rest: f"{y}{rest}", years, st.text("0123456789TZ+-:", max_size=12))
    duration = st.text("P0123456789YMWDTHS", max_size=14)
    interval = st.tuples(value, st.one_of(value, duration)).map("/".join)
    return st.one_of(value, compact, duration, interval, st.text(max_size=40))


# C0 controls (but tab, newline, carriage return) and U+FFFE/U+FFFF are what XML cannot hold; the
# extractor once lost whole pages to them, so the strategies keep them in (test_hostile_extract.py
# has them as separate cases too). Only lone surrogates are left out: no page decodes to them.
XML_UNSAFE = "".join(chr(code) for code in range(1, 32) if chr(code) not in "\t\n\r") + "\ufffe\uffff"
SAFE_CHARACTERS = st.characters(exclude_categories=("Cs",))
SCHEMA_KEYS = [
    "@context", "@type", "@graph", "@id", "name", "description", "startDate", "endDate", "doorTime", "duration",
    "location", "address", "addressLocality", "postalCode", "streetAddress", "addressCountry", "geo", "latitude",
    "longitude", "organizer", "performer", "url", "image", "offers", "price", "priceCurrency", "eventStatus",
    "eventAttendanceMode", "eventSchedule", "repeatFrequency", "byDay", "startTime", "endTime", "subEvent",
    "superEvent", "inLanguage", "keywords", "isAccessibleForFree", "itemListElement", "item", "mainEntity",
]  # fmt: skip
EVENT_TYPES = [
    "Event", "BusinessEvent", "EducationEvent", "ExhibitionEvent", "Festival", "SocialEvent", "CourseInstance",
    "https://schema.org/Event", "http://schema.org/BusinessEvent", "schema:Event", "Place", "Organization",
    "ItemList", "WebPage", "Thing", "",
]  # fmt: skip


def safe_text(max_size: int = 40) -> st.SearchStrategy[str]:
    return st.text(SAFE_CHARACTERS, max_size=max_size)


def jsonld_values() -> st.SearchStrategy[object]:
    """JSON values in the shape of schema.org markup: known keys, dates, types, nesting, junk."""
    leaf = st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-(2**70), 2**70),
        st.floats(allow_nan=False, allow_infinity=False),
        safe_text(),
        date_soup(8),
        iso_like(),
        st.sampled_from(EVENT_TYPES),
        st.sampled_from(["https://schema.org/EventCancelled", "EventPostponed", "OnlineEventAttendanceMode"]),
    )
    keys = st.one_of(st.sampled_from(SCHEMA_KEYS), safe_text(8))
    return st.recursive(
        leaf,
        lambda children: st.lists(children, max_size=4) | st.dictionaries(keys, children, max_size=6),
        max_leaves=30,
    )


def jsonld_events() -> st.SearchStrategy[dict]:
    """A schema.org event-ish node: an event type and some event keys with any values."""
    return st.builds(
        lambda kind, fields: {"@context": "https://schema.org", "@type": kind, **fields},
        st.one_of(st.sampled_from(EVENT_TYPES), st.lists(st.sampled_from(EVENT_TYPES), max_size=3)),
        st.dictionaries(st.sampled_from(SCHEMA_KEYS), jsonld_values(), max_size=10),
    )


TAGS = [
    "div", "p", "h1", "h2", "h3", "span", "a", "li", "ul", "table", "tr", "td", "th", "time", "article",
    "section", "strong", "br", "header", "footer", "nav", "main", "dl", "dt", "dd", "address", "b", "em",
]  # fmt: skip
ATTRIBUTES = [
    "class", "id", "href", "datetime", "itemprop", "itemscope", "itemtype", "content", "property", "typeof",
    "vocab", "rel", "lang", "title", "src", "style", "hidden", "aria-hidden",
]  # fmt: skip
PAGE_WORDS = [
    "Veranstaltung", "Termin:", "Datum:", "Ort:", "Zeit:", "30159 Hannover", "80331 München", "Eintritt frei",
    "Teilnahmegebühr: 49 €", "abgesagt", "verschoben", "findet online statt", "Anmeldung", "Anmeldeschluss:",
    "Webinar", "Messe", "Seminar", "Pressemitteilung", "Rückblick", "Veranstaltungen", "weiter", "mehr",
    "startDate", "Event", "https://schema.org/Event", "Haus der Wirtschaft, Marktstraße 1",
]  # fmt: skip


def _element(tag: str, attributes: dict[str, str], children: list[str]) -> str:
    rendered = "".join(f' {name}="{value}"' for name, value in attributes.items())
    return f"<{tag}{rendered}>{''.join(children)}</{tag}>"


def html_pages() -> st.SearchStrategy[str]:
    """Whole pages from a small HTML grammar: headings, lists, tables, time elements, microdata/RDFa
    attributes, German event words and dates, and JSON-LD blocks (valid, broken or cut short)."""
    text = st.one_of(st.sampled_from(PAGE_WORDS), date_soup(8), safe_text(20)).map(
        lambda value: value.replace("<", "&lt;") if value.count("<") > 2 else value
    )
    attribute_value = st.one_of(st.sampled_from(EVENT_TYPES), st.sampled_from(SCHEMA_KEYS), date_soup(4), safe_text(10))
    attributes = st.dictionaries(st.sampled_from(ATTRIBUTES), attribute_value.map(lambda v: v.replace('"', "'")),
                                 max_size=3)  # fmt: skip
    body = st.recursive(
        text,
        lambda children: st.builds(_element, st.sampled_from(TAGS), attributes, st.lists(children, max_size=5)),
        max_leaves=40,
    )
    block = st.one_of(
        jsonld_events().map(json.dumps),
        st.lists(jsonld_events(), max_size=3).map(lambda nodes: json.dumps({"@graph": nodes})),
        st.tuples(jsonld_events().map(json.dumps), st.integers(0, 400)).map(lambda pair: pair[0][: pair[1]]),
        safe_text(60),
    )
    scripts = st.lists(block, max_size=3).map(
        lambda blocks: "".join(f'<script type="application/ld+json">{block}</script>' for block in blocks)
    )
    return st.builds(
        lambda title, head, content: (
            f"<!doctype html><html lang='de'><head><title>{title}</title>{head}</head><body>{content}</body></html>"
        ),
        text,
        scripts,
        st.lists(body, max_size=6).map("".join),
    )


def ical_feeds() -> st.SearchStrategy[str]:
    """iCalendar feeds with any number of events whose properties are valid, odd or broken. Recurrence
    rules are daily or slower (every minute or second is pinned in test_hostile_extract.py)."""
    # Mostly around the tests' reference time (2026/27), so that feeds do yield events to check.
    stamp = st.one_of(
        st.builds(lambda y, mo, d, h, mi: f"{y:04d}{mo:02d}{d:02d}T{h:02d}{mi:02d}00", st.integers(2026, 2027),
                  st.integers(1, 12), st.integers(1, 28), st.integers(0, 23), st.integers(0, 59)),
        st.builds(lambda y, mo, d, h, mi: f"{y:04d}{mo:02d}{d:02d}T{h:02d}{mi:02d}00Z", st.integers(1990, 2100),
                  st.integers(0, 13), st.integers(0, 32), st.integers(0, 25), st.integers(0, 61)),
        st.builds(lambda y, mo, d: f"{y:04d}{mo:02d}{d:02d}", st.integers(2026, 2027), st.integers(1, 12),
                  st.integers(1, 28)),
        safe_text(12).map(lambda value: value.replace("\n", " ").replace("\r", " ")),
    )  # fmt: skip
    zone = st.sampled_from(["", ";TZID=Europe/Berlin", ";TZID=Mars/Olympus", ";VALUE=DATE", ';TZID="W. Europe"'])
    rule = st.builds(
        lambda freq, extra: f"RRULE:FREQ={freq}{extra}",
        st.sampled_from(["DAILY", "WEEKLY", "MONTHLY", "YEARLY", "FORTNIGHTLY", ""]),
        st.sampled_from(["", ";COUNT=3", ";COUNT=0", ";INTERVAL=0", ";INTERVAL=2", ";UNTIL=19000101",
                         ";BYDAY=MO,XX", ";BYMONTHDAY=31", ";BYSETPOS=-1;BYDAY=FR", ";COUNT=abc"]),
    )  # fmt: skip
    line = st.one_of(
        st.builds(lambda z, s: f"DTSTART{z}:{s}", zone, stamp),
        st.builds(lambda z, s: f"DTEND{z}:{s}", zone, stamp),
        st.sampled_from(["DURATION:PT2H", "DURATION:-P1D", "DURATION:P", "DURATION:PT0S", "STATUS:CANCELLED"]),
        rule,
        st.builds(lambda s: f"EXDATE:{s}", stamp),
        st.builds(lambda s: f"RDATE:{s}", stamp),
        safe_text(40).map(lambda value: "SUMMARY:" + value.replace("\n", "\\n").replace("\r", "")),
        safe_text(40).map(lambda value: "LOCATION:" + value.replace("\n", "\\n").replace("\r", "")),
        st.sampled_from(["UID:a", "UID:", "URL:javascript:alert(1)", "URL:https://example.org/e", "X-JUNK:;;;"]),
    )
    event = st.lists(line, max_size=10).map(lambda lines: "BEGIN:VEVENT\r\n" + "\r\n".join(lines) + "\r\nEND:VEVENT")
    header = st.sampled_from(["", "X-WR-TIMEZONE:Europe/Berlin\r\n", "X-WR-TIMEZONE:Nowhere/Else\r\n",
                              "BEGIN:VTIMEZONE\r\nTZID:Broken\r\nEND:VTIMEZONE\r\n"])  # fmt: skip
    return st.builds(
        lambda head, events, cut: ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n" + head + "\r\n".join(events)
                                   + "\r\nEND:VCALENDAR\r\n")[:cut],
        header,
        st.lists(event, max_size=5),
        st.integers(20, 100_000),
    )  # fmt: skip
