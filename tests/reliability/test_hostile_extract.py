"""Hostile input for the extractors and the structured-data readers: any bytes, generated pages with
broken JSON-LD, microdata and RDFa attributes, and generated iCalendar feeds. `extract_events` and
`extract_ics` answer a list of well-formed events without raising, the JSON-LD reader answers a
value or None, all in bounded time per input. Known failures are pinned as separate cases below."""

from __future__ import annotations

import json
from collections import Counter
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crawler.extract import extract_events, extract_ics
from crawler.extract.jsonld import loads_tolerant, read_blocks
from kontext.records import Event
from tests.reliability.fuzz import (
    FUZZ,
    FUZZ_HEAVY,
    html_pages,
    ical_feeds,
    jsonld_events,
    jsonld_values,
    reference_times,
    safe_text,
)

pytestmark = [pytest.mark.faults, pytest.mark.timeout(300)]
URL = "https://kammer.example/veranstaltungen/seite"
NOW = datetime(2026, 11, 26, 10, 0, tzinfo=ZoneInfo("Europe/Berlin"))


def well_formed(events: list[Event]) -> None:
    """What every stage after extraction relies on."""
    assert isinstance(events, list)
    for event in events:
        assert isinstance(event, Event)
        assert event.title.strip()
        assert event.extraction is not None
        for moment in (event.start, event.end):
            assert moment is None or moment.tzinfo is not None
        assert event.start is not None or event.when_text


@FUZZ
@given(data=st.binary(max_size=4000), now=reference_times())
def test_extract_events_answers_any_bytes(data: bytes, now: datetime) -> None:
    well_formed(extract_events(data, URL, now))


@FUZZ_HEAVY
@given(page=html_pages(), now=reference_times())
def test_extract_events_answers_generated_pages(page: str, now: datetime) -> None:
    well_formed(extract_events(page, URL, now))
    well_formed(extract_events(page.encode("utf-8"), URL, now))


@FUZZ_HEAVY
@given(nodes=st.lists(jsonld_events(), min_size=1, max_size=4), cut=st.none() | st.integers(0, 3000))
def test_extract_events_reads_any_jsonld_event_nodes(nodes: list[dict], cut: int | None) -> None:
    block = json.dumps(nodes if len(nodes) > 1 else nodes[0], ensure_ascii=False)[:cut]
    page = f'<html><head><script type="application/ld+json">{block}</script></head><body><h1>Termin</h1></body></html>'
    well_formed(extract_events(page, URL, NOW))


@FUZZ
@given(
    value=jsonld_values(),
    damage=st.sampled_from(["none", "cut", "comment", "cdata", "trailing-comma", "two-values", "single-quotes"]),
    cut=st.integers(0, 500),
)
def test_the_jsonld_reader_answers_a_value_or_none(value: object, damage: str, cut: int) -> None:
    text = json.dumps(value, ensure_ascii=False)
    text = {
        "none": text,
        "cut": text[:cut],
        "comment": f"<!-- {text} -->",
        "cdata": f"//<![CDATA[\n{text}\n//]]>",
        "trailing-comma": text.replace("}", ",}").replace("]", ",]"),
        "two-values": f"{text}\n{text};",
        "single-quotes": text.replace('"', "'"),
    }[damage]
    loads_tolerant(text)  # any value, or None: never an exception
    documents, broken = read_blocks([text, "", "{"])
    assert broken >= 1 and isinstance(documents, list)


@FUZZ_HEAVY
@given(feed=ical_feeds(), days=st.integers(-400, 400))
def test_extract_ics_answers_any_generated_feed(feed: str, days: int) -> None:
    events = extract_ics(feed, "https://kammer.example/termine.ics", NOW + timedelta(days=days))
    well_formed(events)
    assert len(events) <= 5 * 400  # five events at most, each expanded daily over the one-year window


@FUZZ
@given(text=safe_text(400), now=reference_times())
def test_extract_ics_answers_any_text(text: str, now: datetime) -> None:
    well_formed(extract_ics("BEGIN:VCALENDAR\r\n" + text, "https://kammer.example/termine.ics", now))
    well_formed(extract_ics(text, "https://kammer.example/termine.ics", now))


def test_a_sentinel_end_date_in_jsonld_does_not_lose_the_event() -> None:
    node = {"@context": "https://schema.org", "@type": "Event", "name": "Jahresempfang der Wirtschaft",
            "startDate": "2027-01-15T18:00:00+01:00", "endDate": "9999-12-31T23:59:59Z"}  # fmt: skip
    page = f'<script type="application/ld+json">{json.dumps(node)}</script><h1>{node["name"]}</h1>'
    events = extract_events(page, URL, NOW)
    assert [event.title for event in events] == ["Jahresempfang der Wirtschaft"]


# Pinned failures (each strict: when it is fixed, the case passes and the mark must go).


@pytest.mark.parametrize(
    "character",
    [
        pytest.param("\x0c", id="form-feed"),
        pytest.param("\x0b", id="vertical-tab"),
        pytest.param("\x1a", id="substitute"),
        pytest.param("\ufffe", id="non-character"),
    ],
)
def test_a_control_character_in_a_page_does_not_lose_its_events(character: str) -> None:
    page = (
        "<html><head><title>Sprechtag</title></head><body>"
        f"<h1>Sprechtag Außenwirtschaft{character}</h1><p>Termin: 12.03.2027, 10:00 Uhr</p>"
        "<p>Ort: Haus der Wirtschaft, Marktstraße 1, 30159 Hannover</p></body></html>"
    )
    events = extract_events(page, URL, NOW)
    well_formed(events)
    assert [event.title for event in events] == ["Sprechtag Außenwirtschaft"]


@pytest.mark.timeout(60)
@pytest.mark.parametrize("frequency", ["MINUTELY", "SECONDLY"])
def test_a_series_every_minute_is_capped(frequency: str) -> None:
    # Uncapped, MINUTELY gave 525,000 events in 78 s and SECONDLY would not end.
    until = (NOW + timedelta(days=4)).strftime("%Y%m%dT%H%M%SZ")
    feed = (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:flood@example\r\nSUMMARY:Sprechstunde\r\n"
        f"DTSTART:20261126T100000Z\r\nRRULE:FREQ={frequency};UNTIL={until}\r\nEND:VEVENT\r\n"
        "BEGIN:VEVENT\r\nUID:once@example\r\nSUMMARY:Jahresempfang\r\nDTSTART:20270115T180000Z\r\n"
        "END:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    events = extract_ics(feed, "https://kammer.example/termine.ics", NOW)
    well_formed(events)
    titles = Counter(event.title for event in events)
    assert titles["Jahresempfang"] == 1  # the flood costs no other event
    assert 0 < titles["Sprechstunde"] <= 1000
