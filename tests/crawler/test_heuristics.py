"""Rung 4 for one event page: real pages without markup, and our own pages for what they lack.

Our own pages (written for these tests) cover what the shared pages do not: a registration
deadline that is not the event date, price wording, status wording, a press release and a report
of a past event that must not become events, a missing year read from the publication date.
"""

from __future__ import annotations

from datetime import datetime

import pytest

from crawler.extract import extract_events, is_event_page
from kontext.sources import Source, SourceOrganizer
from kontext.vocabulary import Attendance, EventStatus, Extraction, OrganizerKind
from tests.crawler.conftest import berlin

NOW = berlin(2025, 3, 1, 9, 0)


def test_event_page_with_a_date_box_in_the_sidebar(labelled_page) -> None:
    """BUND: "Startdatum / Enddatum / Uhrzeit / Ort / Veranstalter" in a sidebar box."""
    _, events = labelled_page("bund-dresden.de/bund1.html")
    (event,) = events
    assert event.extraction is Extraction.HEURISTICS
    assert event.title == "BUNDjugend Plenum"
    assert event.start == berlin(2022, 3, 21, 19, 0)
    assert event.end is not None and event.end.date().isoformat() == "2022-06-01"
    assert event.attendance is Attendance.ONLINE  # "Ort: online"
    assert event.organizer is not None and event.organizer.name == "BUNDjugend"


def test_publisher_event_page_marked_up_as_an_article(labelled_page) -> None:
    """Beltz: schema.org Article, h1 is the logo; the date line sits above the headline."""
    _, events = labelled_page("beltz.de/didacta-2019-veranstaltung.html")
    (event,) = events
    assert event.title.startswith("Dr. Paula Bleckmann zu »Digitales Lernen")
    assert event.start == berlin(2019, 2, 20, 14, 45) and event.end == berlin(2019, 2, 20, 15, 45)
    assert event.venue is not None and (event.venue.city, event.venue.postcode) == ("Köln", "50679")


def test_blog_post_announcing_a_conference(labelled_page) -> None:
    """gruen-digital: the byline date is not the event date; "im Stuttgarter Rathaus" names the town."""
    _, events = labelled_page("gruen-digital.de/digitalpolitische-jahrestagung-2015.html")
    (event,) = events
    assert event.title.startswith("Digitalpolitische Jahrestagung 2015")
    assert event.start == berlin(2015, 1, 31, 10, 0) and event.end == berlin(2015, 1, 31, 17, 0)
    assert event.venue is not None and event.venue.city == "Stuttgart"


def test_announcement_with_the_date_in_its_headline(labelled_page) -> None:
    _, events = labelled_page("jamaicans.com/webinar-read-jamaican.html")
    (event,) = events
    assert "April 30, 2022" not in event.title and "Read the Jamaican Language" in event.title
    assert event.start.date().isoformat() == "2022-04-30" and event.start.hour == 13


def test_hackathon_announcement_ignores_the_posting_date(labelled_page) -> None:
    """creativecommons.at: "Gespeichert von rasos am 24. Juli 2017 - 18:55" is a byline."""
    _, events = labelled_page("creativecommons.at/faircoin-hackathon.html")
    (event,) = events
    assert event.all_day and event.start.date().isoformat() == "2017-08-23"
    assert event.end is not None and event.end.date().isoformat() == "2017-08-26"


def test_article_headlines_are_never_events(labelled_page) -> None:
    for file in ("natuerlich-jagd.de/djv-online-seminare.html", "bernau-live.de/veranstaltungstipps-feiertag.html",
                 "paul-parey-magazines-de/djz.de-amoklauf.html"):
        entry, events = labelled_page(file)
        titles = " | ".join(event.title for event in events)
        assert "Neue DJV-Online-Seminare" not in titles
        assert "Feiertag in Bernau und Drumherum" not in titles
        assert "Amoklauf" not in titles
        assert all(event.url != entry["url"] or event.extraction is Extraction.HEURISTICS for event in events)


OWN_EVENT_PAGE = """<!doctype html><html lang="de"><head><title>Exportforum Maschinenbau | Beispielkammer</title>
<meta property="og:site_name" content="Beispielkammer"></head><body>
<nav><a href="/">Start</a> <a href="/veranstaltungen">Veranstaltungen</a></nav>
<main><h1>Exportforum Maschinenbau 2025</h1>
<p>Wie kommen mittelständische Maschinenbauer in neue Märkte? Das Exportforum bringt Betriebe,
Kammern und Förderbanken zusammen.</p>
<dl><dt>Datum</dt><dd>Donnerstag, 15. Mai 2025</dd><dt>Uhrzeit</dt><dd>9:30 bis 16:00 Uhr</dd>
<dt>Ort</dt><dd>Haus der Wirtschaft<br>Schiffgraben 49<br>30175 Hannover</dd>
<dt>Veranstalter</dt><dd>Beispielkammer Hannover</dd>
<dt>Teilnahmegebühr</dt><dd>95 Euro zzgl. MwSt.</dd></dl>
<p>Anmeldeschluss: 30. April 2025. <a href="/anmeldung/exportforum">Jetzt anmelden</a></p>
</main><footer>Beispielkammer · Schiffgraben 49 · 30175 Hannover · Stand: 12.02.2025</footer></body></html>"""


def test_own_event_page_all_fields() -> None:
    url = "https://kammer.example/veranstaltungen/exportforum-2025"
    (event,) = extract_events(OWN_EVENT_PAGE, url, NOW)
    assert event.title == "Exportforum Maschinenbau 2025"
    assert event.start == berlin(2025, 5, 15, 9, 30) and event.end == berlin(2025, 5, 15, 16, 0)
    assert event.registration_deadline == berlin(2025, 4, 30)  # a deadline, not the event date
    assert event.registration_url == "https://kammer.example/anmeldung/exportforum"
    assert event.price is not None and event.price.amount == 95 and event.price.currency == "EUR"
    assert event.venue is not None and (event.venue.city, event.venue.postcode) == ("Hannover", "30175")
    assert event.organizer is not None and event.organizer.name == "Beispielkammer Hannover"
    assert event.url == url and event.source_urls == [url] and event.language == "de"
    assert is_event_page(OWN_EVENT_PAGE, url, NOW)


PRESS_RELEASE = """<html lang="de"><head><meta property="og:type" content="article">
<meta property="article:published_time" content="2025-02-20T10:00:00+01:00"><title>Pressemitteilung</title></head>
<body><article><h1>Elektroindustrie: Auftragseingang im Januar gestiegen</h1>
<p>Frankfurt, 20. Februar 2025 – Die Bestellungen in der Elektroindustrie lagen im Januar 2025 um
4,2 Prozent über dem Vorjahr. Im Dezember 2024 hatten sie noch stagniert.</p>
<p>Der Verband erwartet für das erste Halbjahr eine leichte Belebung.</p></article></body></html>"""

REPORT = """<html lang="de"><head><meta property="og:type" content="article">
<meta property="article:published_time" content="2025-02-24T08:00:00+01:00"></head><body><article>
<h1>Rückblick: Netzwerktreffen Handwerk 2025</h1>
<p>Am 18. Februar 2025 trafen sich rund 120 Betriebe im Kongresszentrum, 04109 Leipzig.
Die Veranstaltung war ein voller Erfolg; die nächste Ausgabe folgt im Herbst.</p></article></body></html>"""


@pytest.mark.parametrize("html", [PRESS_RELEASE, REPORT], ids=["press release", "report of a past event"])
def test_press_releases_and_reports_are_not_events(html: str) -> None:
    url = "https://verband.example/presse/mitteilung-42"
    assert extract_events(html, url, NOW) == []
    assert not is_event_page(html, url, NOW)


def test_missing_year_read_from_the_publication_date() -> None:
    """An article from autumn 2016 saying "am 12. März" means March 2017 — long past when crawled in 2025."""
    html = """<html lang="de"><head><meta property="og:type" content="article">
    <meta property="article:published_time" content="2016-10-05T09:00:00+02:00"></head><body><main>
    <h1>Workshop Digitalisierung im Handwerk</h1>
    <p>Der Workshop findet am 12. März von 10 bis 15 Uhr im Technologiezentrum, 30159 Hannover, statt.</p>
    </main></body></html>"""
    assert extract_events(html, "https://x.example/workshop", NOW) == []
    (event,) = extract_events(html, "https://x.example/workshop", berlin(2016, 10, 6))
    assert event.start == berlin(2017, 3, 12, 10, 0)


@pytest.mark.parametrize(
    ("wording", "status"),
    [
        ("Die Veranstaltung muss leider abgesagt werden.", EventStatus.CANCELLED),
        ("Der Stammtisch entfällt in diesem Monat.", EventStatus.CANCELLED),
        ("Der Termin wird auf den Herbst verschoben, ein neuer Termin folgt.", EventStatus.POSTPONED),
        ("Das Seminar findet online statt; die Zugangsdaten kommen per E-Mail.", EventStatus.MOVED_ONLINE),
        ("Unfortunately this event has been cancelled.", EventStatus.CANCELLED),
        ("Wir freuen uns auf Ihren Besuch.", EventStatus.SCHEDULED),
    ],
)
def test_status_from_wording(wording: str, status: EventStatus) -> None:
    html = f"""<html lang="de"><body><main><h1>Unternehmerstammtisch Süd</h1>
    <p>Termin: Mittwoch, 9. April 2025, 18:00 Uhr</p><p>Ort: Gasthaus Krone, 79098 Freiburg</p>
    <p>{wording}</p></main></body></html>"""
    (event,) = extract_events(html, "https://x.example/stammtisch", NOW)
    assert event.status is status


def test_free_events_and_online_events() -> None:
    html = """<html lang="de"><body><main><h1>Webinar: Fördermittel für KMU</h1>
    <p>Wann: 20.03.2025, 11:00 – 12:00 Uhr</p><p>Wo: Online via Zoom</p><p>Die Teilnahme ist kostenlos.</p>
    </main></body></html>"""
    (event,) = extract_events(html, "https://x.example/webinar-foerdermittel", NOW)
    assert event.start == berlin(2025, 3, 20, 11, 0) and event.end == berlin(2025, 3, 20, 12, 0)
    assert event.attendance is Attendance.ONLINE and event.venue is None
    assert event.price is not None and event.price.free


def test_pages_without_events() -> None:
    about = """<html lang="de"><body><main><h1>Über uns</h1><p>Seit 1899 vertreten wir die Betriebe der
    Region. Unsere Geschäftsstelle ist montags bis freitags von 8 bis 16 Uhr geöffnet.</p></main></body></html>"""
    assert extract_events(about, "https://x.example/ueber-uns", NOW) == []
    assert extract_events(b"", "https://x.example/", NOW) == []
    assert extract_events(b"\x00\xff not html at all", "https://x.example/", NOW) == []


def test_naive_now_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        extract_events("<html></html>", "https://x.example/", datetime(2025, 3, 1))


def test_headline_ending_in_a_year_above_the_date_line() -> None:
    html = """<html lang="de"><head><title>HANNOVER MESSE 2025 – Messe</title></head><body>
    <div class="hero"><h1>HANNOVER MESSE 2025</h1><p>31. März – 4. April 2025 · Messegelände, 30521 Hannover</p></div>
    <div class="content"><p>Die Industriemesse zeigt Lösungen für Automatisierung und Energie.</p>
    <a href="/tickets">Tickets kaufen</a></div></body></html>"""
    (event,) = extract_events(html, "https://messe.example/hannover-messe", NOW)
    assert event.all_day and event.start == berlin(2025, 3, 31) and event.end == berlin(2025, 4, 4)
    assert event.venue is not None and event.venue.city == "Hannover"
    assert event.location_text is not None and "30521 Hannover" in event.location_text


def test_source_settings_apply() -> None:
    """The source's organiser when the page names none, and its time zone for times without one."""
    source = Source(name="hwk-wien", organizer=SourceOrganizer(name="Beispiel-Innung", kind=OrganizerKind.ASSOCIATION),
                    start_urls=["https://innung.example/"], timezone="Europe/Vienna", country="AT")
    html = """<html lang="de"><body><main><h1>Innungsversammlung</h1>
    <p>Datum: 8. April 2025, 17:00 Uhr</p><p>Ort: Innungshaus, Hauptstraße 1, 1010 Wien</p></main></body></html>"""
    (event,) = extract_events(html, "https://innung.example/termine/versammlung", NOW, source=source)
    assert event.organizer is not None and event.organizer.name == "Beispiel-Innung"
    assert event.organizer.kind is OrganizerKind.ASSOCIATION
    assert event.timezone == "Europe/Vienna" and event.start.utcoffset().total_seconds() == 7200


def test_news_mentioning_an_event_in_passing_is_not_a_calendar() -> None:
    html = """<html lang="de"><head><meta property="og:type" content="article">
    <meta property="article:published_time" content="2024-10-30T10:00:00+01:00"></head><body><main><article>
    <h1>Elektroindustrie: Auftragseingänge ziehen an</h1><p class="date">30.10.2024</p>
    <p>Die Auftragseingänge lagen im September 2024 um 3,2 Prozent über dem Vorjahr. Die nächsten Zahlen
    veröffentlicht der Verband am 28. November 2024.</p>
    <p>Der Verbandskongress findet am 4. und 5. Juni 2025 in Berlin statt.</p></article></main></body></html>"""
    assert extract_events(html, "https://verband.example/presse/auftragseingang", berlin(2024, 11, 1)) == []


def test_english_labels_with_free_entry() -> None:
    html = """<html lang="en"><head><title>Career Fair 2025 | together</title></head><body><div class="content">
    <h1>together Career Fair 2025</h1><div><span>When:</span> Thursday, 13 March 2025, 10 am – 4 pm</div>
    <div><span>Where:</span> ETH Zürich, Rämistrasse 101, 8092 Zürich</div>
    <p>Meet over 100 employers. Free entry for students.</p><a href="/register">Register now</a></div></body></html>"""
    (event,) = extract_events(html, "https://together.example/career-fair", berlin(2024, 11, 1))
    assert event.start == berlin(2025, 3, 13, 10, 0) and event.end == berlin(2025, 3, 13, 16, 0)
    assert event.venue is not None and (event.venue.city, event.venue.country) == ("Zürich", "CH")
    assert event.price is not None and event.price.free
    assert event.registration_url == "https://together.example/register" and event.language == "en"
