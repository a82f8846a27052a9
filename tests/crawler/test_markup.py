"""Rung 1, microdata, RDFa and hCalendar: the schema.org examples, real pages, malformed values."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from crawler.extract import extract_events
from kontext.vocabulary import EventStatus, Extraction
from tests.crawler.conftest import berlin

NOW = datetime(2010, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize("number", ["001", "003", "004", "008"])
def test_schema_org_microdata_examples_match_extruct(shared_data, number: str) -> None:
    """Name, start and town agree with extruct's expected output stored next to each example."""
    folder = shared_data / "pages" / "schema.org-examples"
    expected = json.loads((folder / f"Event.{number}.expected-microdata.json").read_text())[0]["properties"]
    events = extract_events((folder / f"Event.{number}.html").read_bytes(), "https://schema.org/Event", NOW)
    assert len(events) == 1
    event = events[0]
    assert event.extraction is Extraction.MICRODATA
    assert expected["name"].endswith(event.title)  # "CANCELLED - …": the status prefix is dropped
    start = datetime.fromisoformat(expected["startDate"]).replace(tzinfo=ZoneInfo("Europe/Berlin"))
    assert event.start == start
    address = expected["location"]["properties"].get("address")
    town = address["properties"]["addressLocality"] if isinstance(address, dict) else address.split(",")[0]
    assert event.venue is not None and event.venue.city == town


def test_cancelled_microdata_event(shared_data) -> None:
    html = (shared_data / "pages" / "schema.org-examples" / "Event.004.html").read_bytes()
    (event,) = extract_events(html, "https://schema.org/Event", NOW)
    assert event.status is EventStatus.CANCELLED and event.title == "Typhoon with Radiation City"
    assert event.price is not None and event.price.amount == 13.0 and event.price.currency == "USD"
    assert event.registration_url == "http://www.ticketfly.com/purchase/309433"


def test_events_nested_in_another_item(shared_data) -> None:
    """Event.002: a MusicGroup whose `event` properties are the events; relative URLs resolved."""
    html = (shared_data / "pages" / "schema.org-examples" / "Event.002.html").read_bytes()
    events = extract_events(html, "https://example.org/bands/foo-fighters", NOW)
    assert [(event.title, event.start.date().isoformat()) for event in events] == [
        ("FedExForum", "2011-05-20"),
        ("Mid America Center", "2011-05-23"),
    ]
    assert events[0].url == "https://example.org/bands/foo-fighters-may20-fedexforum"
    assert events[0].venue is not None and events[0].venue.city == "Memphis"


def test_malformed_microdata_dates_fall_back_to_the_page_text(labelled_page) -> None:
    """Horka: endDate "2012-05-13-06:00:00" is before the start; the page shows "Ende: 13. Mai 2012 18:00"."""
    _, events = labelled_page("wehranlage-horka.de/historischer-markt.html")
    assert len(events) == 1
    event = events[0]
    assert event.start == berlin(2012, 5, 13, 11, 0)
    assert event.end == berlin(2012, 5, 13, 18, 0)
    assert event.venue is not None and event.venue.postcode == "02923"


def test_hcalendar_in_a_hidden_block(labelled_page) -> None:
    _, events = labelled_page("city-scrapers-chicago/chi_low_income_housing_trust_fund_detail.html")
    assert len(events) == 1
    event = events[0]
    assert event.start == datetime(2018, 10, 4, 10, 0, tzinfo=ZoneInfo("America/Chicago"))
    assert event.end == datetime(2018, 10, 4, 11, 0, tzinfo=ZoneInfo("America/Chicago"))
    assert event.venue is not None and event.venue.city == "Chicago"


def test_json_ld_and_microdata_of_the_same_events_are_reported_once(labelled_page) -> None:
    """Cook County writes each meeting twice, in JSON-LD and in microdata."""
    _, events = labelled_page("city-scrapers-chicago/cook_landbank.html")
    assert len(events) == 9
    assert len({(event.title, event.start) for event in events}) == 9


def _variants(shared_data, example: str) -> dict[str, str]:
    text = (shared_data / "pages" / "schema.org-examples" / "schemaorg-all-examples-v30.txt").read_text()
    block = next(part for part in text.split("TYPES: #")[1:] if part.startswith(example))
    microdata = block.split("MICRODATA:", 1)[1].split("RDFA:", 1)[0]
    rdfa = block.split("RDFA:", 1)[1].split("JSON:", 1)[0]
    json_ld = block.split("JSON:", 1)[1]
    return {"microdata": microdata, "rdfa": rdfa, "json-ld": json_ld}


@pytest.mark.parametrize(("example", "status"), [("eg-0171", EventStatus.CANCELLED), ("eg-0012", None)])
def test_microdata_rdfa_and_json_ld_variants_agree(shared_data, example: str, status) -> None:
    """The same schema.org example written three ways gives the same event."""
    readings = {}
    for syntax, markup in _variants(shared_data, example).items():
        (event,) = extract_events(f"<html><body>{markup}</body></html>", "https://schema.org/", NOW)
        readings[syntax] = event
    rdfa = readings["rdfa"]
    assert rdfa.extraction is Extraction.RDFA
    assert readings["microdata"].extraction is Extraction.MICRODATA
    for event in readings.values():
        assert (event.title, event.start, event.venue.city if event.venue else None) == (
            rdfa.title, rdfa.start, rdfa.venue.city if rdfa.venue else None
        )
        if status is not None:
            assert event.status is status
