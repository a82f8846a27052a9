"""Invented sites in the shapes of the platform families, for tests. NOT copies of real pages.

No page of a real chamber, fair or association can be fetched from our machines, so every family
spider is tested on pages we wrote ourselves in the shape the public evidence describes
(../shared/SOURCES.md): an ODAV course list and course pages, an ihk.de chamber tree, a WKO-style
JSON answer with server-rendered cards, a JSON search API, an iCalendar feed, an Odoo event module
and an association directory. Every organisation, event, address and person here is invented; the
hosts use the reserved .example domain. The saved fixtures in tests/sources/fixtures/example-*
were written from these pages by `kontext sources save-fixture --from-file … --invented`.

All dates are fixed, seen from NOW (2026-03-02, 09:00 Berlin).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit
from zoneinfo import ZoneInfo

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=ZoneInfo("Europe/Berlin"))
MARK = "<!-- Invented by Kontext for tests: not a copy of any real page. -->"
HTML = "text/html; charset=utf-8"
ROBOTS = b"User-agent: *\nAllow: /\n"


def page(title: str, body: str) -> bytes:
    return (
        f'<!doctype html>\n{MARK}\n<html lang="de"><head><meta charset="utf-8"><title>{title}</title></head>\n'
        f'<body>\n<nav><a href="/">Startseite</a> <a href="/impressum">Impressum</a></nav>\n<main>\n{body}\n</main>\n'
        f'<footer><a href="https://www.social.example/beispiel">Folgen Sie uns</a></footer>\n</body></html>\n'
    ).encode()


# --- F1: ODAV course list of a Handwerkskammer ---------------------------------------------------

ODAV_COURSES = [
    # id, slug, title, first day, last day, time, place, street, fee, units
    (
        900101,
        "betriebswirt-handwerk",
        "Geprüfter Betriebswirt nach der Handwerksordnung (Teilzeit)",
        "16.03.2026",
        "28.11.2026",
        "18:00 - 21:15 Uhr",
        "Bildungszentrum Beispielstadt",
        "Werkstattweg 4, 34567 Kassel",
        "3.950,00 €",
        520,
    ),
    (
        900102,
        "unternehmerfruehstueck-digitalisierung",
        "Unternehmerfrühstück: Digitalisierung im Handwerksbetrieb",
        "24.03.2026",
        "24.03.2026",
        "08:00 - 10:00 Uhr",
        "Handwerkskammer Beispielland",
        "Kammerplatz 1, 34117 Kassel",
        "kostenfrei",
        2,
    ),
    (
        900103,
        "meistervorbereitung-elektrotechnik-teil-i",
        "Meistervorbereitung Elektrotechniker Teil I (Vollzeit)",
        "13.04.2026",
        "31.07.2026",
        "08:00 - 16:00 Uhr",
        "Bildungszentrum Beispielstadt",
        "Werkstattweg 4, 34567 Kassel",
        "6.990,00 €",
        650,
    ),
    (
        900104,
        "seminar-vergaberecht",
        "Seminarreihe Handwerk: Vergaberecht für Betriebe",
        "21.04.2026",
        "21.04.2026",
        "17:00 - 20:00 Uhr",
        "Technologiezentrum Nord",
        "Hafenstraße 12, 34123 Kassel",
        "95,00 €",
        4,
    ),
    (
        900105,
        "cnc-grundlagen",
        "CNC-Technik Grundlagen für Metallbauer",
        "04.05.2026",
        "15.05.2026",
        "08:00 - 15:30 Uhr",
        "Bildungszentrum Beispielstadt",
        "Werkstattweg 4, 34567 Kassel",
        "1.480,00 €",
        80,
    ),
    (
        900106,
        "ausbildereignung-kompakt",
        "Ausbildereignung (AEVO) kompakt",
        "08.06.2026",
        "19.06.2026",
        "08:00 - 16:00 Uhr",
        "Bildungszentrum Beispielstadt",
        "Werkstattweg 4, 34567 Kassel",
        "690,00 €",
        120,
    ),
    (
        900107,
        "netzwerkabend-nachfolge",
        "Netzwerkabend Betriebsnachfolge im Handwerk",
        "25.06.2026",
        "25.06.2026",
        "18:30 - 21:00 Uhr",
        "Handwerkskammer Beispielland",
        "Kammerplatz 1, 34117 Kassel",
        "kostenfrei",
        3,
    ),
]
ODAV_LIST = "/77,0,courselist.html"
ODAV_QUERY = "search-filter-template=0&search-topic=12"
ODAV_LIMIT = 3


def odav_list(offset: int) -> bytes:
    rows = []
    for course_id, slug, title, first, last, _time, place, _street, fee, units in ODAV_COURSES[
        offset : offset + ODAV_LIMIT
    ]:
        dates = first if first == last else f"{first} - {last}"
        city = place.split()[-1] if "Beispielstadt" in place else "Kassel"
        rows.append(
            f"""<div class="row course">
  <div class="col-sm-3 contact"><p>Ansprechpartnerin<br>Frau Musterfrau<br>Tel. 0561 000000</p></div>
  <div class="col-sm-5"><h3><span class="course-date">{dates}</span> | Teilzeit<br>
    <a href="/kurse/{slug}-77,0,coursedetail.html?id={course_id}&amp;search-onr=77&amp;img=2">{title}</a></h3></div>
  <div class="col-sm-4 details"><p>{fee}</p><p>{units} UE</p><p>{city}</p><p>freie Plätze</p></div>
</div>"""
        )
    total = len(ODAV_COURSES)
    pages = -(-total // ODAV_LIMIT)
    current = offset // ODAV_LIMIT + 1
    first, last = offset + 1, min(offset + ODAV_LIMIT, total)
    pager = []
    if current < pages:
        pager.append(
            f'<a href="{ODAV_LIST}?{ODAV_QUERY}&amp;limit={ODAV_LIMIT}&amp;offset={offset + ODAV_LIMIT}">weiter</a>'
        )
    body = (
        "<h1>Kurse und Seminare</h1>\n"
        f'<p class="result-count">Treffer {first} bis {last} von {total}; Seite {current} von {pages}</p>\n'
        + "\n".join(rows)
        + f'\n<div class="pager">{" ".join(pager)}</div>'
    )
    return page("Kurse und Seminare - Handwerkskammer Beispielland", body)


def odav_detail(course_id: int) -> bytes | None:
    course = next((course for course in ODAV_COURSES if course[0] == course_id), None)
    if course is None:
        return None
    _id, _slug, title, first, last, time, place, street, fee, units = course
    dates = first if first == last else f"{first} - {last}"
    body = f"""<article class="coursedetail">
<h1>{title}</h1>
<p class="lead">Ein Angebot der Handwerkskammer Beispielland für Betriebsinhaber, Meisterinnen und Fachkräfte.</p>
<dl class="course-facts">
  <dt>Termin</dt><dd>{dates}</dd>
  <dt>Uhrzeit</dt><dd>{time}</dd>
  <dt>Lehrgangsort</dt><dd>{place}, {street}</dd>
  <dt>Gebühr</dt><dd>{fee}</dd>
  <dt>Unterrichtseinheiten</dt><dd>{units} UE</dd>
</dl>
<p><a href="/kurse/anmeldung-77,0,coursebooking.html?id={course_id}">Jetzt anmelden</a></p>
</article>"""
    return page(f"{title} - Handwerkskammer Beispielland", body)


# --- F2: an ihk.de-style chamber tree -----------------------------------------------------------

IHK_EVENTS = {
    "digitalisierung-im-handel-5501234": (
        "Digitalisierung im Einzelhandel: Kasse, Shop und Warenwirtschaft",
        "Dienstag, 17. März 2026",
        "14:00 bis 17:00 Uhr",
        "IHK Beispielstadt, Saal 2, Markt 5, 30159 Hannover",
    ),
    "exporttag-nordamerika-5501240": (
        "Exporttag Nordamerika für kleine und mittlere Unternehmen",
        "Donnerstag, 23. April 2026",
        "09:30 bis 16:00 Uhr",
        "IHK Beispielstadt, Markt 5, 30159 Hannover",
    ),
    "unternehmensnachfolge-sprechtag-5501251": (
        "Sprechtag Unternehmensnachfolge",
        "Mittwoch, 6. Mai 2026",
        "10:00 bis 15:00 Uhr",
        "IHK Beispielstadt, Markt 5, 30159 Hannover",
    ),
}


def ihk_listing(page_number: int) -> bytes:
    slugs = list(IHK_EVENTS)
    shown = slugs[:2] if page_number == 1 else slugs[2:]
    teasers = "\n".join(
        f'<div class="teaser"><p class="date">{IHK_EVENTS[slug][1]}</p>'
        f'<h2><a href="/beispielstadt/veranstaltungen/{slug}">{IHK_EVENTS[slug][0]}</a></h2></div>'
        for slug in shown
    )
    extra = ""
    if page_number == 1:
        extra = (
            '\n<p><a href="/beispielstadt/veranstaltungen/teilnahmebedingungen-5500001">Teilnahmebedingungen</a></p>'
            '\n<aside><h2>Auch interessant</h2><a href="/nachbarstadt/veranstaltungen/fremder-termin-5509999">'
            "Veranstaltung der IHK Nachbarstadt</a></aside>"
            '\n<p><a href="/beispielstadt/veranstaltungen?page=2">weiter</a></p>'
        )
    return page("Veranstaltungen - IHK Beispielstadt", f"<h1>Veranstaltungen</h1>\n{teasers}{extra}")


def ihk_detail(slug: str) -> bytes | None:
    if slug not in IHK_EVENTS:
        return None
    title, day, hours, place = IHK_EVENTS[slug]
    body = f"""<article>
<h1>{title}</h1>
<div class="event-data"><p><strong>Datum:</strong> {day}</p><p><strong>Uhrzeit:</strong> {hours}</p>
<p><strong>Veranstaltungsort:</strong> {place}</p><p><strong>Kosten:</strong> 50 Euro</p></div>
<p>Die IHK Beispielstadt lädt Unternehmerinnen und Unternehmer aus der Region zu dieser Veranstaltung ein.</p>
<p><a href="https://events.ihk-beispiel.example/anmeldung/{slug}">Zur Anmeldung</a></p>
</article>"""
    return page(f"{title} - IHK Beispielstadt", body)


# --- F5: JSON APIs (WKO-style cards; a search API with structured fields) ------------------------

WKO_CARDS = [
    (
        "ev-7001",
        "/veranstaltungen/wien/exportforum-osteuropa",
        "Exportforum Osteuropa",
        "12. Mär. 2026, 09:00 Uhr",
        "1045 Wien",
    ),
    (
        "ev-7002",
        "/veranstaltungen/tirol/digitalisierungstag-tourismus",
        "Digitalisierungstag Tourismus",
        "18. Mär. 2026 – 19. Mär. 2026",
        "6020 Innsbruck",
    ),
    (
        "ev-7003",
        "/veranstaltungen/ooe/webinar-e-rechnung",
        "Webinar: E-Rechnung für Betriebe",
        "24. Mär. 2026, 10:00 Uhr",
        "Online",
    ),
    (
        "ev-7004",
        "/veranstaltungen/stmk/unternehmerinnen-stammtisch",
        "Unternehmerinnen-Stammtisch Graz",
        "2. Apr. 2026, 18:30 Uhr",
        "8010 Graz",
    ),
    (
        "ev-7005",
        "/veranstaltungen/sbg/lehrlingsmesse",
        "Lehrlingsmesse Salzburg",
        "16. Apr. 2026",
        "5020 Salzburg",
    ),
]


def wko_card(item: tuple[str, str, str, str, str]) -> str:
    key, url, title, when, place = item
    icon = "icon-video" if place == "Online" else "icon-pin"
    return (
        f'<div class="card card-event" data-gtm-item-id="{key}" data-gtm-item-url="{url}">'
        f'<div class="card-body"><h3 class="card-title">{title}</h3>'
        f'<span class="date">{when}</span> <span class="location"><i class="{icon}"></i> {place}</span>'
        "</div></div>"
    )


def wko_answer(body: dict[str, Any]) -> dict[str, Any]:
    offset = int(body.get("offsetCurrent", 0))
    count = int(body.get("count", 200))
    return {
        "elements": [wko_card(item) for item in WKO_CARDS[offset : offset + count]],
        "totalCount": len(WKO_CARDS),
    }


FAIR_HITS = [
    {
        "event": {
            "eventname": "Intertool Beispiel 2026",
            "startdate": "2026-04-14",
            "enddate": "2026-04-17",
            "cancelled": False,
            "interneturl": "https://intertool.messe-beispiel.example/",
            "formatname": "Messe",
            "city": "Frankfurt am Main",
            "location": "Messegelände, Halle 3",
        }
    },
    {
        "event": {
            "eventname": "Kongress Kreislaufwirtschaft",
            "startdate": "2026-05-06T09:00:00+02:00",
            "enddate": "2026-05-06T17:30:00+02:00",
            "cancelled": False,
            "interneturl": "/events/kongress-kreislauf",
            "formatname": "Kongress",
            "city": "Frankfurt am Main",
            "location": "Congress Center",
        }
    },
    {
        "event": {
            "eventname": "Textilpflege Forum",
            "startdate": "2026-06-10",
            "enddate": "2026-06-11",
            "cancelled": True,
            "interneturl": "https://textil.messe-beispiel.example/",
            "formatname": "Forum",
            "city": "Offenbach am Main",
            "location": "Capitol",
        }
    },
]


def fair_answer(page_number: int, size: int) -> dict[str, Any]:
    start = page_number * size
    return {"result": {"hits": FAIR_HITS[start : start + size], "total": len(FAIR_HITS)}}


# --- F6: an iCalendar feed of a trade-fair organiser -----------------------------------------------

ICS_FEED = """BEGIN:VCALENDAR\r
VERSION:2.0\r
PRODID:-//Kontext tests//invented feed//DE\r
X-WR-CALNAME:Messekalender Beispielstadt (invented for tests)\r
X-WR-TIMEZONE:Europe/Berlin\r
BEGIN:VEVENT\r
UID:fair-2026-001@messe-beispiel.example\r
DTSTAMP:20260201T120000Z\r
SUMMARY:Maschinenbau Nord 2026 - Fachmesse für Zulieferer\r
DTSTART;VALUE=DATE:20260324\r
DTEND;VALUE=DATE:20260327\r
LOCATION:Messegelände Beispielstadt, Messeallee 1, 30521 Hannover\r
URL:https://www.messe-beispiel.example/messen/maschinenbau-nord\r
DESCRIPTION:Fachmesse für Zulieferer im Maschinen- und Anlagenbau. Nur für Fachbesucher.\r
END:VEVENT\r
BEGIN:VEVENT\r
UID:fair-2026-002@messe-beispiel.example\r
DTSTAMP:20260201T120000Z\r
SUMMARY:Forum Energieeffizienz im Mittelstand\r
DTSTART;TZID=Europe/Berlin:20260415T093000\r
DTEND;TZID=Europe/Berlin:20260415T170000\r
LOCATION:Convention Center Beispielstadt, Messeallee 1, 30521 Hannover\r
URL:https://www.messe-beispiel.example/kongresse/energieeffizienz\r
END:VEVENT\r
BEGIN:VEVENT\r
UID:fair-2026-003@messe-beispiel.example\r
DTSTAMP:20260201T120000Z\r
SUMMARY:Holz & Handwerk Regional\r
STATUS:CANCELLED\r
DTSTART;VALUE=DATE:20260512\r
DTEND;VALUE=DATE:20260514\r
LOCATION:Messegelände Beispielstadt, 30521 Hannover\r
URL:https://www.messe-beispiel.example/messen/holz-handwerk\r
END:VEVENT\r
BEGIN:VEVENT\r
UID:fair-2025-009@messe-beispiel.example\r
DTSTAMP:20250101T120000Z\r
SUMMARY:Vorjahresmesse (vorbei)\r
DTSTART;VALUE=DATE:20251110\r
DTEND;VALUE=DATE:20251112\r
END:VEVENT\r
END:VCALENDAR\r
"""


# --- F9: an Odoo event module ----------------------------------------------------------------------

ODOO_EVENTS = {
    41: (
        "tag-der-industrie-2026",
        "Tag der Industrie Mainfranken 2026",
        "20260319T140000",
        "20260319T190000",
        "Vogel Convention Center, Max-Planck-Straße 7, 97082 Würzburg",
    ),
    42: (
        "ki-sprechstunde-fuer-kmu",
        "KI-Sprechstunde für KMU",
        "20260408T100000",
        "20260408T120000",
        "Zentrum für Digitale Innovationen, 97080 Würzburg",
    ),
    43: (
        "fachkraefte-forum",
        "Fachkräfte-Forum Main-Spessart",
        "20260513T090000",
        "20260513T130000",
        "Stadthalle, 97753 Karlstadt",
    ),
}
ODOO_MISSING_ICS = 43  # its .ics answers 404: the spider reads the HTML page instead


def odoo_listing(page_number: int) -> bytes:
    ids = [41, 42] if page_number == 1 else [43]
    cards = "\n".join(
        f'<article class="o_wevent_event"><a href="/event/{ODOO_EVENTS[i][0]}-{i}/register">'
        f"<h5>{ODOO_EVENTS[i][1]}</h5></a></article>"
        for i in ids
    )
    pager = (
        '<ul class="pagination"><li><a href="/event/page/2">Weiter</a></li></ul>' if page_number == 1 else ""
    )
    head_generator = '<meta name="generator" content="Odoo">'
    return page(
        "Veranstaltungen | Region Beispiel", f"{head_generator}<h1>Veranstaltungen</h1>\n{cards}\n{pager}"
    )


def odoo_ics(event_id: int) -> bytes | None:
    if event_id not in ODOO_EVENTS or event_id == ODOO_MISSING_ICS:
        return None
    _slug, title, start, end, place = ODOO_EVENTS[event_id]
    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Odoo-like//invented//DE\r\nBEGIN:VEVENT\r\n"
        f"UID:odoo-event-{event_id}\r\nDTSTAMP:20260201T120000Z\r\nSUMMARY:{title}\r\n"
        f"DTSTART;TZID=Europe/Berlin:{start}\r\nDTEND;TZID=Europe/Berlin:{end}\r\nLOCATION:{place}\r\n"
        "END:VEVENT\r\nEND:VCALENDAR\r\n"
    ).encode()


def odoo_page(event_id: int) -> bytes | None:
    if event_id not in ODOO_EVENTS:
        return None
    _slug, title, start, _end, place = ODOO_EVENTS[event_id]
    day = f"{start[6:8]}.{start[4:6]}.{start[0:4]}"
    hours = f"{start[9:11]}:{start[11:13]}"
    body = (
        f'<h1>{title}</h1>\n<p class="o_wevent_date">{day}, {hours} Uhr</p>\n'
        f"<p>Veranstaltungsort: {place}</p>\n<p>Eine Veranstaltung der Region Beispiel GmbH für Unternehmen.</p>"
    )
    return page(f"{title} | Region Beispiel", body)


# --- Directory of associations -------------------------------------------------------------------

DIRECTORY = [
    ("Verband der Beispielindustrie e.V.", "https://www.vbi-beispiel.example/", "10117 Berlin"),
    ("Landesverband Metall Beispielland e.V.", "https://www.lvm-beispiel.example/", "70173 Stuttgart"),
    ("Fachverband Holz und Kunststoff Nord", "https://www.fhk-nord.example/", "30159 Hannover"),
    ("Cluster Leichtbau Beispielregion", "https://www.leichtbau-cluster.example/", "01067 Dresden"),
]


def directory_page() -> bytes:
    entries = "\n".join(
        f'<li class="member"><h3>{name}</h3><p>{town}</p>'
        f'<p><a href="{url}">Website</a> · <a href="{url}veranstaltungen/">Veranstaltungen</a></p></li>'
        for name, url, town in DIRECTORY
    )
    body = f'<h1>Unsere Mitgliedsverbände</h1>\n<ul class="members">\n{entries}\n</ul>\n<p>Stand: Februar 2026</p>'
    return page("Mitgliedsverbände - Bundesverband Beispiel", body)


# --- serving ----------------------------------------------------------------------------------

Answer = tuple[int, str, bytes]


@dataclass
class Site:
    """Routes of an invented site: GET path -> answer, POST path -> function of the JSON body."""

    get: Callable[[str, dict[str, str]], Answer | None]
    post: dict[str, Callable[[dict[str, Any]], Answer]] = field(default_factory=dict)
    hits: list[str] = field(default_factory=list)


def _html(body: bytes | None) -> Answer | None:
    return None if body is None else (200, HTML, body)


def odav_site() -> Site:
    def get(path: str, query: dict[str, str]) -> Answer | None:
        if path == ODAV_LIST:
            return _html(odav_list(int(query.get("offset", 0))))
        if path.endswith(",0,coursedetail.html") and query.get("id", "").isdigit():
            return _html(odav_detail(int(query["id"])))
        return None

    return Site(get)


def ihk_site() -> Site:
    def get(path: str, query: dict[str, str]) -> Answer | None:
        if path == "/beispielstadt/veranstaltungen":
            return _html(ihk_listing(int(query.get("page", 1))))
        if path.startswith("/beispielstadt/veranstaltungen/"):
            return _html(ihk_detail(path.rsplit("/", 1)[-1]))
        if path.startswith("/nachbarstadt/"):
            return _html(
                page("Fremder Termin", "<h1>Fremder Termin</h1><p>Am 20. März 2026, 10 Uhr in Celle.</p>")
            )
        return None

    return Site(get)


def json_site() -> Site:
    def get(path: str, query: dict[str, str]) -> Answer | None:
        if path == "/api/events":
            answer = fair_answer(int(query.get("page", 0)), int(query.get("size", 2)))
            return 200, "application/json", json.dumps(answer).encode()
        return None

    def wko(body: dict[str, Any]) -> Answer:
        return (
            200,
            "application/json; charset=utf-8",
            json.dumps(wko_answer(body), ensure_ascii=False).encode(),
        )

    return Site(get, post={"/api/event/filter": wko})


def ical_site() -> Site:
    def get(path: str, query: dict[str, str]) -> Answer | None:
        if path == "/kalender/messen.ics":
            return 200, "text/calendar; charset=utf-8", ICS_FEED.encode()
        return None

    return Site(get)


def odoo_site() -> Site:
    def get(path: str, query: dict[str, str]) -> Answer | None:
        if path in ("/event", "/event/"):
            return _html(odoo_listing(1))
        if path == "/event/page/2":
            return _html(odoo_listing(2))
        parts = path.strip("/").split("/")
        if len(parts) == 3 and parts[0] == "event" and parts[2] == "ics" and parts[1].isdigit():
            body = odoo_ics(int(parts[1]))
            return None if body is None else (200, "text/calendar", body)
        if len(parts) >= 2 and parts[0] == "event":
            key = parts[1].rsplit("-", 1)[-1]
            return _html(odoo_page(int(key))) if key.isdigit() else None
        return None

    return Site(get)


def directory_site() -> Site:
    def get(path: str, query: dict[str, str]) -> Answer | None:
        return _html(directory_page()) if path == "/mitglieder/verbaende" else None

    return Site(get)


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def _answer(self, answer: Answer | None) -> None:
        status, content_type, body = answer or (404, "text/plain", b"not found")
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        self.server.site.hits.append(f"GET {self.path}")
        if parts.path == "/robots.txt":
            self._answer((200, "text/plain", ROBOTS))
            return
        self._answer(self.server.site.get(parts.path, dict(parse_qsl(parts.query))))

    def do_POST(self) -> None:
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length)
        self.server.site.hits.append(f"POST {self.path} {raw.decode('utf-8', 'replace')}")
        handler = self.server.site.post.get(parts.path)
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            self._answer((400, "text/plain", b"bad json"))
            return
        self._answer(handler(body) if handler else None)

    def log_message(self, format: str, *args: Any) -> None:
        return


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    site: Site


class LocalSite:
    """An invented site on 127.0.0.1 in a daemon thread (context manager); `hits` lists requests."""

    def __init__(self, site: Site) -> None:
        self.site = site
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> LocalSite:
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.site = self.site
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
