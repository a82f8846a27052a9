"""Rung 1, JSON-LD: broken JSON, entities, malformed dates, relative URLs, nesting, schedules."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from crawler.extract import extract_events
from crawler.extract.jsonld import loads_tolerant
from kontext.vocabulary import Attendance, EventStatus, Extraction
from tests.crawler.conftest import berlin

NOW = berlin(2025, 3, 1, 9, 0)


def page(*nodes: object, head: str = "", body: str = "") -> str:
    scripts = "".join(f'<script type="application/ld+json">{node}</script>' for node in nodes)
    return f"<html><head>{head}{scripts}</head><body>{body}</body></html>"


def ld(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"a": 1, "b": [1, 2,],}', {"a": 1, "b": [1, 2]}),  # trailing commas
        ('{"postalCode": 04109, "n": 0.5}', {"postalCode": "04109", "n": 0.5}),  # a postcode as a number
        ('<!-- cms -->{"a": "x"<!---->}', {"a": "x"}),  # HTML comments inside the script
        ('//<![CDATA[\n{"a": "x"}\n//]]>', {"a": "x"}),
        ('{"a": "line one\nline two"}', {"a": "line one\nline two"}),  # a raw line break in a string
        ('{"a": "it\\\'s"}', {"a": "it's"}),  # an invalid escape
        ('{"a": "x" "b": "y"}', {"a": "x", "b": "y"}),  # a missing comma
        ('{"a": 1}\n{"b": 2}', [{"a": 1}, {"b": 2}]),  # several objects one after another
    ],
)
def test_broken_json_is_repaired(text: str, expected: object) -> None:
    assert loads_tolerant(text) == expected


def test_unreadable_json_gives_none() -> None:
    assert loads_tolerant('{"name": "Tagung", "startDate": ') is None
    assert loads_tolerant("") is None


def test_adfc_page_with_invalid_json(labelled_page) -> None:
    """The ADFC page: a leading-zero postcode, a trailing comma and comments in its JSON-LD."""
    _, events = labelled_page("touren-termine.adfc.de/adfc1.html")
    assert len(events) == 1
    event = events[0]
    assert event.extraction is Extraction.JSONLD
    assert event.title == "Globaler Klimastreik"
    assert event.start == datetime(2022, 3, 25, 9, 0, tzinfo=UTC)  # 10:00 in Leipzig
    assert event.end == datetime(2022, 3, 25, 17, 0, tzinfo=UTC)
    assert event.venue is not None and event.venue.postcode == "04109" and event.venue.city == "Leipzig"
    assert event.description.startswith("Nach 100 Tagen Ampel-Koalition")
    assert event.url == "https://touren-termine.adfc.de/radveranstaltung/adfc1.html"
    assert event.source_urls == [event.url]


def test_sidebar_events_of_an_article_keep_their_own_urls(labelled_page) -> None:
    """Paul Parey articles: the events are the sidebar's (own URLs, entities and HTML decoded), not the article."""
    entry, events = labelled_page("paul-parey-magazines-de/wildundhund.de-bonn.html")
    assert len(events) == 5
    assert all(event.url and event.url.startswith("https://wildundhund.de/veranstaltung/") for event in events)
    assert all(event.url != entry["url"] and event.source_urls == [entry["url"]] for event in events)
    course = next(event for event in events if event.title.startswith("Wildwurstkurs"))
    assert "<p>" not in course.description and "&lt;" not in course.description
    assert course.description.startswith("Nach dem seit vielen Jahren")
    assert course.price is not None and course.price.amount == 169 and course.price.currency == "EUR"
    assert course.organizer is not None and course.organizer.name == "WILD UND HUND aktiv"


def test_relative_urls_entities_and_nested_location() -> None:
    node = {
        "@context": "https://schema.org",
        "@type": "BusinessEvent",
        "name": "Unternehmerfr&uuml;hst&uuml;ck &amp; Netzwerk",
        "url": "/termine/fruehstueck-2025",
        "image": {"@type": "ImageObject", "url": "../bilder/fruehstueck.jpg"},
        "description": "&lt;p&gt;Austausch f&uuml;r Betriebe&lt;/p&gt;",
        "startDate": "2025-04-03T08:00:00+02:00",
        "endDate": "2025-04-03T10:00:00+02:00",
        "location": {
            "@type": "Place",
            "name": "Haus der Wirtschaft",
            "address": {"@type": "PostalAddress", "streetAddress": "Schiffgraben 49", "postalCode": "30175",
                        "addressLocality": "Hannover", "addressCountry": "DE"},
        },
        "organizer": {"@type": "Organization", "name": "Beispiel-Kammer", "url": "/ueber-uns"},
        "offers": {"@type": "Offer", "price": "0", "priceCurrency": "EUR", "url": "/anmeldung?id=7"},
    }
    events = extract_events(page(ld(node)), "https://kammer.example/veranstaltungen/liste.html", NOW)
    assert len(events) == 1
    event = events[0]
    assert event.title == "Unternehmerfrühstück & Netzwerk"
    assert event.url == "https://kammer.example/termine/fruehstueck-2025"
    assert event.image == "https://kammer.example/bilder/fruehstueck.jpg"
    assert event.registration_url == "https://kammer.example/anmeldung?id=7"
    assert event.organizer is not None and event.organizer.url == "https://kammer.example/ueber-uns"
    assert event.description == "Austausch für Betriebe"
    assert event.venue is not None and (event.venue.city, event.venue.postcode) == ("Hannover", "30175")
    assert event.price is not None and event.price.free
    assert event.start == berlin(2025, 4, 3, 8, 0) and event.end == berlin(2025, 4, 3, 10, 0)


def test_graph_references_and_all_subtypes() -> None:
    document = {
        "@context": "https://schema.org",
        "@graph": [
            {"@type": "WebPage", "@id": "https://x.example/#page", "name": "Programm"},
            {"@type": "Place", "@id": "https://x.example/#messe", "name": "Messe",
             "address": {"@type": "PostalAddress", "addressLocality": "Leipzig"}},
            {"@type": "ExhibitionEvent", "name": "Fachmesse A", "startDate": "2025-05-06",
             "endDate": "2025-05-08", "location": {"@id": "https://x.example/#messe"}},
            {"@type": ["Event", "EducationEvent"], "name": "Seminar B", "startDate": "2025-05-07T09:00"},
            {"@type": "Hackathon", "name": "Hack C", "startDate": "2025-06-01"},
            {"@type": "ItemList", "itemListElement": [
                {"@type": "ListItem", "item": {"@type": "Festival", "name": "Fest D", "startDate": "2025-07-01"}}
            ]},
            {"@type": "DeliveryEvent", "name": "Not an event one attends", "startDate": "2025-05-01"},
        ],
    }
    events = extract_events(page(ld(document)), "https://x.example/programm", NOW)
    assert [event.title for event in events] == ["Fachmesse A", "Seminar B", "Hack C", "Fest D"]
    fair = events[0]
    assert fair.all_day and fair.venue is not None and fair.venue.city == "Leipzig"
    assert fair.end is not None and fair.end.date().isoformat() == "2025-05-08"
    assert events[1].start == berlin(2025, 5, 7, 9, 0)  # floating time: the source's zone


def test_status_attendance_and_online_location() -> None:
    nodes = [
        {"@type": "Event", "name": "A", "startDate": "2025-04-01T10:00",
         "eventStatus": "https://schema.org/EventCancelled"},
        {"@type": "Event", "name": "B", "startDate": "2025-04-02T10:00",
         "eventStatus": "https://schema.org/EventMovedOnline"},
        {"@type": "Event", "name": "C", "startDate": "2025-04-03T10:00",
         "eventStatus": "https://schema.org/EventPostponed"},
        {"@type": "Event", "name": "D", "startDate": "2025-04-04T10:00",
         "eventAttendanceMode": "https://schema.org/MixedEventAttendanceMode"},
        {"@type": "Event", "name": "E", "startDate": "2025-04-05T10:00",
         "location": {"@type": "VirtualLocation", "url": "https://meet.example/e"}},
        {"@type": "Event", "name": "ABGESAGT: Frühjahrsempfang", "startDate": "2025-04-06T10:00"},
    ]
    events = {event.title: event for event in extract_events(page(ld(nodes)), "https://x.example/", NOW)}
    assert events["A"].status is EventStatus.CANCELLED
    assert events["B"].status is EventStatus.MOVED_ONLINE and events["B"].attendance is Attendance.ONLINE
    assert events["C"].status is EventStatus.POSTPONED
    assert events["D"].attendance is Attendance.MIXED
    assert events["E"].attendance is Attendance.ONLINE
    assert events["Frühjahrsempfang"].status is EventStatus.CANCELLED  # wording in the name, prefix dropped


def test_malformed_dates_fall_back_to_the_text_the_page_shows(labelled_page) -> None:
    """Cook County's JSON-LD writes "2019-9-18T10-10-00-00"; the description says "at the hour of 10:00 AM"."""
    _, events = labelled_page("city-scrapers-chicago/cook_landbank.html")
    chicago = ZoneInfo("America/Chicago")
    starts = sorted(event.start for event in events if event.start)
    assert len(events) == 9
    assert starts[0] == datetime(2019, 9, 18, 10, 0, tzinfo=chicago)
    assert datetime(2019, 9, 20, 8, 30, tzinfo=chicago) in starts
    assert all(event.extraction is Extraction.JSONLD for event in events)


def test_an_unreadable_date_leaves_the_date_text_for_the_date_stage() -> None:
    node = {"@type": "Event", "name": "Sommerfest", "startDate": "Sommer 2025 (Termin folgt)"}
    events = extract_events(page(ld(node)), "https://x.example/fest", NOW)
    assert len(events) == 1 and events[0].start is None and events[0].when_text == "Sommer 2025 (Termin folgt)"


def test_a_page_with_only_broken_json_ld_is_read_by_the_next_rungs() -> None:
    html = page('{"@type": "Event", "name": "Kaputt", ', body="<h1>Über uns</h1><p>Wir sind ein Verein.</p>")
    assert extract_events(html, "https://x.example/ueber-uns", NOW) == []


def test_event_schedule_is_expanded_from_now_on() -> None:
    node = {
        "@type": "Event", "name": "Sprechtag", "url": "https://x.example/sprechtag",
        "eventSchedule": {"@type": "Schedule", "startDate": "2025-01-01", "endDate": "2025-12-31",
                          "repeatFrequency": "P1W", "byDay": "https://schema.org/Wednesday",
                          "startTime": "19:00:00", "endTime": "20:00:00", "scheduleTimezone": "Europe/Berlin"},
    }
    events = extract_events(page(ld(node)), "https://x.example/", NOW)
    assert events[0].start == berlin(2025, 3, 5, 19, 0) and events[0].end == berlin(2025, 3, 5, 20, 0)
    assert all(event.start.weekday() == 2 for event in events if event.start)
    assert events[1].start - events[0].start == timedelta(weeks=1)
    assert all(event.start >= NOW - timedelta(days=1) for event in events if event.start)


def test_schema_org_schedule_examples(shared_data) -> None:
    """The eventSchedule examples of the schema.org documentation (#eg-0240 … #eg-0244)."""
    examples = _json_examples(shared_data, ("eg-0240", "eg-0242"))
    weekly = extract_events(page(examples["eg-0240"]), "http://www.example.org/", datetime(2017, 1, 1, tzinfo=UTC))
    assert len(weekly) == 52 and weekly[0].title == "Tai chi Class"
    assert weekly[0].start == datetime(2017, 1, 4, 19, 0, tzinfo=ZoneInfo("Europe/London"))
    counted = extract_events(page(examples["eg-0242"]), "http://x.example/", datetime(2016, 12, 1, tzinfo=UTC))
    assert len(counted) == 10 and counted[0].start.date().isoformat() == "2016-12-24"


def _json_examples(shared_data, ids: tuple[str, ...]) -> dict[str, str]:
    text = (shared_data / "pages" / "schema.org-examples" / "schemaorg-all-examples-v30.txt").read_text()
    found = {}
    for block in text.split("TYPES: #")[1:]:
        example_id = block.split()[0]
        if example_id in ids:
            script = block.split("JSON:", 1)[1]
            found[example_id] = script.split(">", 1)[1].rsplit("</script>", 1)[0]
    return found
