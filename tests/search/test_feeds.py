"""Feeds rendered purely from documents: iCalendar and Atom."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, date, datetime

import icalendar

from search.feeds import atom, calendar, place_text, safe_url
from search.index import event_document
from tests.search.conftest import NOW, event

ATOM = "{http://www.w3.org/2005/Atom}"


def test_all_day_events_get_dates_with_an_exclusive_end() -> None:
    document = event_document(event("fair", "Messe", 10, form="trade-fair"))
    document.update({"all_day": True, "start": "2026-03-12T00:00:00+01:00", "end": "2026-03-14T00:00:00+01:00"})
    parsed = icalendar.Calendar.from_ical(calendar([document], "Kontext", "https://kontext.test", now=NOW))
    (vevent,) = parsed.walk("VEVENT")
    assert vevent.decoded("dtstart") == date(2026, 3, 12)
    assert vevent.decoded("dtend") == date(2026, 3, 15)
    assert str(vevent["uid"]) == "fair@kontext.test"
    assert str(parsed["x-wr-calname"]) == "Kontext"


def test_timed_events_go_out_in_utc_with_their_links() -> None:
    document = event_document(event("talk", "Vortrag, mit; Zeichen\\", 1))
    parsed = icalendar.Calendar.from_ical(calendar([document], "Kontext", "https://kontext.test", now=NOW))
    (vevent,) = parsed.walk("VEVENT")
    assert vevent.decoded("dtstart") == datetime(2026, 3, 3, 8, 0, tzinfo=UTC)
    assert str(vevent["summary"]) == "Vortrag, mit; Zeichen\\"
    assert "https://kontext.test/events/talk" in str(vevent["description"])
    assert str(vevent["url"]) == "https://events.example/talk"


def test_atom_entries_are_plain_text() -> None:
    documents = [event_document(event("a", "<b>Bold</b> & more", 2))]
    body = atom(
        documents,
        title="Kontext",
        self_url="https://k.test/feeds/events.atom",
        alternate_url="https://k.test/",
        base_url="https://k.test",
    )
    feed = ET.fromstring(body)
    (entry,) = feed.findall(f"{ATOM}entry")
    assert entry.find(f"{ATOM}title").text == "<b>Bold</b> & more"
    assert entry.find(f"{ATOM}id").text == "https://k.test/events/a"
    assert entry.find(f"{ATOM}updated").text.endswith("Z")
    assert b"<b>" not in body


def test_only_http_links_are_links() -> None:
    assert safe_url("https://x.example/a") == "https://x.example/a"
    assert safe_url("javascript:alert(1)") is None
    assert safe_url("data:text/html,x") is None
    assert safe_url("//evil.example") is None
    assert safe_url(None) is None


def test_place_on_one_line() -> None:
    assert (
        place_text({"venue_name": "Saal", "street": "Weg 1", "postcode": "30159", "city": "Hannover"})
        == "Saal, Weg 1, 30159 Hannover"
    )
    assert place_text({}) == ""
