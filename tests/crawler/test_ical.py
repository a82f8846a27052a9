"""Rung 2: iCalendar feeds (recurrences within a window, time zones kept, broken feeds) and .ics links."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from crawler.extract import extract_ics, find_ics_links
from kontext.sources import Source, SourceOrganizer
from kontext.vocabulary import EventStatus, Extraction

FEED = "https://example.org/calendar.ics"


def feed(shared_data, name: str) -> bytes:
    return (shared_data / "ics" / name).read_bytes()


def test_rdate_recurrences_are_expanded_within_the_window(shared_data) -> None:
    data = feed(shared_data, "hackerpublicradio-rdate.ics")
    now = datetime(2013, 8, 1, tzinfo=UTC)
    everything = extract_ics(data, FEED, now)
    assert len(everything) == 12
    assert all(event.title == "HPR Community News" for event in everything)
    assert everything[0].start == datetime(2013, 8, 3, 19, 0, tzinfo=UTC)
    assert everything[0].end - everything[0].start == timedelta(hours=2)
    first_quarter = extract_ics(data, FEED, now, window_days=92)
    assert [event.start.date() for event in first_quarter] == [date(2013, 8, 3), date(2013, 8, 31), date(2013, 10, 5)]
    later = extract_ics(data, FEED, datetime(2014, 4, 1, tzinfo=UTC))
    assert len(later) == 4  # the occurrences before the crawl date are gone


def test_time_zones_of_the_feed_are_kept(shared_data) -> None:
    events = extract_ics(feed(shared_data, "javaone-conference-sessions.ics"), FEED, datetime(2004, 6, 1, tzinfo=UTC))
    assert len(events) == 81
    session = events[0]
    assert session.start.utcoffset() == timedelta(hours=-7)  # America/Los_Angeles in summer
    assert session.timezone == "America/Los_Angeles"
    assert session.location_text  # the room
    assert session.extraction is Extraction.ICALENDAR


def test_all_day_events_end_on_their_last_day(shared_data) -> None:
    events = extract_ics(feed(shared_data, "japan-events-west.ics"), FEED, datetime(2006, 4, 1, tzinfo=UTC))
    festival = next(event for event in events if event.title == "Hiroshima Flower Festival")
    assert festival.all_day
    assert festival.start == datetime(2006, 5, 3, tzinfo=ZoneInfo("Japan"))
    assert festival.end == datetime(2006, 5, 5, tzinfo=ZoneInfo("Japan"))  # DTEND 20060506 is exclusive
    assert festival.url == "http://apike.ca/japan_hiroshima.html"


def test_floating_times_are_read_in_the_source_time_zone(shared_data) -> None:
    source = Source(name="lastfm", organizer=SourceOrganizer(name="Last.fm"), start_urls=[FEED],
                    timezone="Europe/Amsterdam")
    events = extract_ics(feed(shared_data, "lastfm-event-listing.ics"), FEED, datetime(2010, 2, 1, tzinfo=UTC),
                         source=source)
    assert len(events) == 33
    assert events[0].start == datetime(2010, 2, 10, 20, 30, tzinfo=ZoneInfo("Europe/Amsterdam"))


def test_a_broken_time_zone_block_does_not_lose_the_feed(shared_data) -> None:
    """Two TZIDs in one VTIMEZONE: icalendar rejects the feed as a whole; the events are still read."""
    events = extract_ics(feed(shared_data, "clihtf.org_chi_low_income_housing_trust_fund.ics"), FEED,
                         datetime(2024, 5, 1, tzinfo=UTC))
    assert len(events) == 30
    meeting = next(event for event in events if event.title == "Outreach Meeting")
    assert meeting.start == datetime(2024, 5, 9, 8, 30, tzinfo=ZoneInfo("America/Chicago"))
    assert meeting.url == "https://clihtf.org/event/outreach-meeting-4/"


def test_an_event_with_an_unreadable_start_is_skipped_alone(shared_data) -> None:
    """lanyrd: one VEVENT says DTSTART "Next Year"; the other eight are read."""
    events = extract_ics(feed(shared_data, "lanyrd-nodejs-conferences.ics"), FEED, datetime(2011, 1, 1, tzinfo=UTC))
    assert len(events) == 8
    assert "Foobar" not in {event.title for event in events}
    assert next(event for event in events if event.title == "Dyncon 2011").location_text == "Stockholm, Sweden"


def test_relative_urls_and_events_without_end(shared_data) -> None:
    events = extract_ics(feed(shared_data, "wilap-machbar-discourse-events.ics"),
                         "https://wilap.example/c/machbar.ics", datetime(2019, 1, 1, tzinfo=UTC))
    assert len(events) == 4
    assert events[0].url == "https://wilap.example/c/machbar/calendar"
    assert events[0].end is None and events[0].timezone == "Europe/Berlin"


def test_cancelled_status_and_junk_input() -> None:
    data = (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:1\r\nSUMMARY:Stammtisch\r\n"
        "DTSTART;TZID=Europe/Berlin:20250305T190000\r\nSTATUS:CANCELLED\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    (event,) = extract_ics(data, FEED, datetime(2025, 3, 1, tzinfo=UTC))
    assert event.status is EventStatus.CANCELLED
    assert extract_ics(b"<html>not a calendar</html>", FEED, datetime(2025, 3, 1, tzinfo=UTC)) == []
    assert extract_ics(b"", FEED, datetime(2025, 3, 1, tzinfo=UTC)) == []


def test_ics_links_on_a_page() -> None:
    html = """<html><head><link rel="alternate" type="text/calendar" href="/feed/termine.ics"></head><body>
      <a href="webcal://kammer.example/kalender/alle">Abonnieren</a>
      <a href="/veranstaltung/42/?ical=1">In Kalender speichern</a>
      <a href="export.ics?id=7">iCal</a>
      <a href="https://www.google.com/calendar/render?action=TEMPLATE&text=x.ics">Google</a>
      <a href="/veranstaltung/43/">Nächster Termin</a>
      <a href="mailto:info@kammer.example">Mail</a>
    </body></html>"""
    assert find_ics_links(html, "https://kammer.example/veranstaltungen/") == [
        "https://kammer.example/feed/termine.ics",
        "https://kammer.example/kalender/alle",
        "https://kammer.example/veranstaltung/42/?ical=1",
        "https://kammer.example/veranstaltungen/export.ics?id=7",
    ]
