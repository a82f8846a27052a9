"""The bundled sample site: every page renders, links resolve, markup is valid and dates lie ahead."""

from __future__ import annotations

import json
import re
import shutil
import socket
import urllib.robotparser
from collections import Counter
from datetime import date, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit
from xml.etree import ElementTree

import extruct
import httpx
import icalendar
import pytest
import recurring_ical_events
import yaml
from markupsafe import escape

from kontext.sample_site import (
    BERLIN,
    CONTENT_DIR,
    SampleSite,
    SampleSiteError,
    all_paths,
    expected_events,
    load_content,
    render,
)

TODAY = date(2026, 3, 2)
BASE = "http://127.0.0.1:8765"
# Todays spread over the calendar: year end, leap day, the weeks around both clock changes.
TODAYS = [
    date(2026, 3, 2),
    date(2026, 3, 27),
    date(2026, 10, 22),
    date(2026, 11, 26),
    date(2026, 12, 20),
    date(2026, 12, 31),
    date(2027, 6, 15),
    date(2028, 2, 29),
]
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class _PageParser(HTMLParser):
    """Collects links and JSON-LD blocks and checks that every opened element is closed in order."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.jsonld: list[str] = []
        self.errors: list[str] = []
        self.charset: str | None = None
        self._stack: list[str] = []
        self._in_jsonld = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag in ("a", "link") and values.get("href"):
            self.links.append(values["href"] or "")
        if tag == "meta" and values.get("charset"):
            self.charset = values["charset"]
        if tag == "script" and values.get("type") == "application/ld+json":
            self._in_jsonld = True
            self.jsonld.append("")
        if tag not in VOID:
            self._stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self._stack.pop()

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_jsonld = False
        if not self._stack or self._stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self._stack[-1:] or 'nothing'}")
            return
        self._stack.pop()

    def handle_data(self, data: str) -> None:
        if self._in_jsonld:
            self.jsonld[-1] += data

    def close(self) -> None:
        super().close()
        if self._stack:
            self.errors.append(f"unclosed elements {self._stack}")


def _parse(body: bytes) -> _PageParser:
    parser = _PageParser()
    parser.feed(body.decode("utf-8"))
    parser.close()
    return parser


def _internal(link: str, page: str, base: str) -> str | None:
    """The site path (with query) a link points to, or None for links that leave the site."""
    absolute = urljoin(base + page, link)
    parts = urlsplit(absolute)
    if f"{parts.scheme}://{parts.netloc}" != base:
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _html_pages() -> list[str]:
    return [path for path in all_paths() if not path.endswith((".ics", ".txt", ".xml"))]


def _walk(node: object):
    """Every dict inside a JSON-LD document."""
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value)


def _moment(text: str) -> datetime:
    """An ISO date or datetime as an aware datetime (dates at midnight in Berlin)."""
    if "T" in text:
        return datetime.fromisoformat(text)
    return datetime.combine(date.fromisoformat(text), datetime.min.time(), tzinfo=BERLIN)


def _midnight_after(today: date) -> datetime:
    return datetime.combine(today + timedelta(days=1), datetime.min.time(), tzinfo=BERLIN)


# ------------------------------------------------------------------------------------------ pages


def test_every_page_renders_with_its_content_type() -> None:
    types = {".ics": "text/calendar", ".txt": "text/plain", ".xml": "application/xml"}
    for path in all_paths():
        status, content_type, body = render(path, TODAY, BASE)
        assert status == 200, path
        expected = next((kind for suffix, kind in types.items() if path.endswith(suffix)), "text/html")
        assert content_type.startswith(expected), path
        assert "charset=utf-8" in content_type, path
        assert body, path


def test_html_pages_declare_utf8_and_are_well_formed() -> None:
    for path in _html_pages():
        page = _parse(render(path, TODAY, BASE)[2])
        assert page.charset == "utf-8", path
        assert page.errors == [], path


def test_links_on_every_page_resolve_and_reach_every_page() -> None:
    reached = {"/"}
    queue = ["/"]
    while queue:
        path = queue.pop()
        status, content_type, body = render(path, TODAY, BASE)
        assert status == 200, f"{path} is linked but gives {status}"
        if not content_type.startswith("text/html"):
            continue
        for link in _parse(body).links:
            target = _internal(link, path, BASE)
            if target is not None and target not in reached:
                reached.add(target)
                queue.append(target)
    # robots.txt is found by convention, not by a link.
    assert reached == set(all_paths()) - {"/robots.txt"}


def test_unknown_paths_and_pages_give_404() -> None:
    for path in (
        "/nirgends",
        "/ihk/veranstaltungen/",
        "/ihk/veranstaltungen?page=4",
        "/ihk/veranstaltungen?page=0",
        "/ihk/veranstaltungen?page=zwei",
        "/hwk/kurse/unbekannt",
    ):
        status, content_type, body = render(path, TODAY, BASE)
        assert status == 404, path
        assert content_type.startswith("text/html")
        assert "nicht gefunden" in body.decode()


def test_rendering_is_deterministic_for_a_today_and_follows_it() -> None:
    path = "/ihk/veranstaltungen/export-workshop-usa"
    assert render(path, TODAY, BASE) == render(path, TODAY, BASE)
    assert render(path, TODAY, BASE) != render(path, TODAY + timedelta(days=1), BASE)


# ----------------------------------------------------------------------------- the ground truth


def test_counts_per_organiser() -> None:
    events = expected_events(TODAY)
    assert len(events) >= 36
    counts = Counter(event["section"] for event in events)
    assert counts == {"ihk": 12, "vmn": 6, "hwk": 6, "cluster": 7, "startup": 7, "markt": 5}
    assert len({event["path"] for event in events}) == len(events)
    markups = Counter(event["markup"] for event in events)
    assert markups == {"jsonld": 24, "microdata": 6, "none": 6, "ics": 7}


def test_every_event_page_exists_and_shows_its_title() -> None:
    for event in expected_events(TODAY):
        status, _, body = render(event["path"], TODAY, BASE)
        assert status == 200
        assert f"{escape(event['title'])}</h1>" in body.decode(), event["path"]


@pytest.mark.parametrize("today", TODAYS)
def test_events_lie_in_the_future_for_any_today(today: date) -> None:
    for event in expected_events(today):
        start = _moment(event["start"])
        assert start >= _midnight_after(today), event["path"]
        assert start < _midnight_after(today + timedelta(days=365)), event["path"]
        end = _moment(event["end"]) if event["end"] else start
        assert end >= start, event["path"]
        days = [start.date() + timedelta(days=offset) for offset in range((end.date() - start.date()).days + 1)]
        assert not any((day.month, day.day) in {(12, 24), (12, 25), (12, 26), (12, 31), (1, 1)} for day in days)


def test_the_shapes_the_later_issues_need_are_there() -> None:
    events = {event["path"]: event for event in expected_events(TODAY)}
    ihk = [event for event in events.values() if event["section"] == "ihk"]
    assert any(event["attendance"] == "online" and event["city"] is None for event in ihk)
    assert any(event["status"] == "cancelled" for event in ihk)
    assert any(event["status"] == "cancelled" for event in events.values() if event["section"] == "hwk")
    assert {event["status"] for event in events.values()} == {"scheduled", "cancelled", "postponed", "moved_online"}
    assert {event["audience"] for event in events.values()} >= {"sme", "mixed", "startup", "public"}
    assert {event["language"] for event in events.values()} == {"de", "en"}
    assert any(event["all_day"] for event in events.values())
    assert any(event["free"] for event in events.values()) and any(event["price"] for event in events.values())
    partner = events["/cluster/veranstaltungen/wasserstoff-forum-musterland"]
    original = events[partner["same_as"]]
    assert (partner["start"], partner["end"], partner["city"]) == (original["start"], original["end"], original["city"])
    assert partner["organiser"] == original["organiser"] == "IHK Musterland"
    vmn_titles = " ".join(event["title"] for event in events.values() if event["section"] == "vmn")
    for word in ("Mitgliederversammlung", "Fachtagung", "Arbeitskreis"):
        assert word in vmn_titles
    startup_text = " ".join(render(path, TODAY, BASE)[2].decode() for path in events if path.startswith("/startup/"))
    for word in ("Gründer", "Pitch", "Investoren", "Founders", "Hackathon", "Demo Day"):
        assert word in startup_text


def test_status_is_also_written_in_words() -> None:
    wording = {"cancelled": ("abgesagt", "entfällt"), "postponed": ("verschoben",), "moved_online": ("online only",)}
    changed = [event for event in expected_events(TODAY) if event["status"] != "scheduled"]
    assert len(changed) == 4
    for event in changed:
        text = render(event["path"], TODAY, BASE)[2].decode().lower()
        assert any(word in text for word in wording[event["status"]]), event["path"]


def test_sector_hints_use_the_configured_codes() -> None:
    config = Path(__file__).resolve().parents[2] / "config" / "sectors.yaml"
    codes = set(yaml.safe_load(config.read_text(encoding="utf-8"))["sectors"])
    used = {code for event in expected_events(TODAY) for code in event["sectors"]}
    assert used and used <= codes, used - codes


def test_cities_and_postcodes_are_german() -> None:
    for event in expected_events(TODAY):
        if event["attendance"] == "online":
            assert event["city"] is None
            continue
        assert re.fullmatch(r"\d{5}", event["postcode"]), event["path"]
        assert event["city"], event["path"]


# ------------------------------------------------------------------------------- structured data


def test_every_jsonld_block_is_valid_and_its_start_lies_ahead() -> None:
    starts = 0
    for path in _html_pages():
        for block in _parse(render(path, TODAY, BASE)[2]).jsonld:
            data = json.loads(block)
            for node in _walk(data):
                if "startDate" in node:
                    starts += 1
                    assert _moment(node["startDate"]) >= _midnight_after(TODAY), path
    assert starts >= 25  # 24 JSON-LD event pages plus the members' area


def test_jsonld_and_microdata_events_match_the_ground_truth() -> None:
    for event in expected_events(TODAY):
        body = render(event["path"], TODAY, BASE)[2].decode()
        data = extruct.extract(body, base_url=BASE + event["path"], syntaxes=["json-ld", "microdata"], uniform=True)
        found = [node for node in _walk(data["json-ld"] + data["microdata"]) if "startDate" in node and "name" in node]
        if not event["structured"]:
            assert found == [], event["path"]
            continue
        assert len(found) == 1, event["path"]
        node = found[0]
        assert node["name"] == event["title"]
        assert node["startDate"] == event["start"]
        assert node.get("endDate") == event["end"]
        status = {
            "scheduled": "EventScheduled",
            "cancelled": "EventCancelled",
            "postponed": "EventPostponed",
            "moved_online": "EventMovedOnline",
        }[event["status"]]
        assert node["eventStatus"].endswith(status)
        locations = node["location"] if isinstance(node["location"], list) else [node["location"]]
        cities = [place["address"]["addressLocality"] for place in locations if "address" in place]
        assert cities == ([event["city"]] if event["city"] else [])


def test_plain_pages_carry_no_markup_but_termin_ort_gebuehr_blocks() -> None:
    for event in expected_events(TODAY):
        if event["markup"] != "none":
            continue
        body = render(event["path"], TODAY, BASE)[2].decode()
        assert "application/ld+json" not in body and "itemscope" not in body
        for label in ("Termin:", "Ort:", "Gebühr:"):
            assert label in body, event["path"]
        assert event["postcode"] in body


@pytest.mark.parametrize("today", TODAYS)
def test_yearless_crafts_dates_resolve_relative_to_today(today: date) -> None:
    """ "Mi, 03.12., 14:00 – 17:30 Uhr": the next such day after today, with a matching weekday."""
    weekdays = ["Mo", "Di", "Mi", "Do", "Fr", "Sa", "So"]
    for event in expected_events(today):
        if event["section"] != "hwk":
            continue
        body = render(event["path"], today, BASE)[2].decode()
        match = re.search(r"<strong>Termin:</strong> (\w\w), (\d\d)\.(\d\d)\.(?:.*?(\d\d):(\d\d) –)?", body)
        assert match, event["path"]
        day = date(today.year, int(match[3]), int(match[2]))
        if day <= today:
            day = day.replace(year=today.year + 1)
        assert weekdays[day.weekday()] == match[1]
        assert event["start"].startswith(day.isoformat())
        assert event["start"][11:16] == f"{match[4]}:{match[5]}"


# -------------------------------------------------------------------------------------- calendar


def test_feed_is_valid_icalendar_with_berlin_timezone_and_a_weekly_series() -> None:
    status, content_type, body = render("/cluster/kalender.ics", TODAY, BASE)
    assert status == 200 and content_type.startswith("text/calendar")
    calendar = icalendar.Calendar.from_ical(body)
    assert [tz["TZID"] for tz in calendar.walk("VTIMEZONE")] == ["Europe/Berlin"]
    events = {event["URL"]: event for event in calendar.walk("VEVENT")}
    expected = {BASE + event["path"]: event for event in expected_events(TODAY) if event["section"] == "cluster"}
    assert set(events) == set(expected)
    recurring = [event for event in events.values() if "RRULE" in event]
    assert len(recurring) == 1 and "Stammtisch" in str(recurring[0]["SUMMARY"])
    assert recurring[0]["RRULE"]["FREQ"] == ["WEEKLY"]
    for url, event in events.items():
        assert event["DTSTART"].dt.isoformat() == expected[url]["start"]
        assert str(event["DTSTART"].dt.tzinfo) == "Europe/Berlin"


@pytest.mark.parametrize("today", [date(2026, 3, 2), date(2026, 12, 1)])
def test_weekly_series_expands_to_the_expected_dates(today: date) -> None:
    calendar = icalendar.Calendar.from_ical(render("/cluster/kalender.ics", today, BASE)[2])
    stammtisch = next(event for event in expected_events(today) if event["recurrence"])
    found = [
        occurrence["DTSTART"].dt.isoformat()
        for occurrence in recurring_ical_events.of(calendar).between(today, today + timedelta(days=200))
        if "Stammtisch" in str(occurrence["SUMMARY"])
    ]
    assert found == stammtisch["occurrences"]
    assert all(_moment(moment).hour == 18 for moment in found)  # wall-clock time kept across clock changes


def test_every_event_page_of_the_cluster_links_its_own_ics_file() -> None:
    for event in expected_events(TODAY):
        if event["section"] != "cluster":
            continue
        assert event["ics"] in _parse(render(event["path"], TODAY, BASE)[2]).links
        calendar = icalendar.Calendar.from_ical(render(event["ics"], TODAY, BASE)[2])
        (item,) = calendar.walk("VEVENT")
        assert str(item["SUMMARY"]) == event["title"]
        assert item["DTSTART"].dt.isoformat() == event["start"]


# ----------------------------------------------------------------------------------- non-events


@pytest.mark.parametrize("today", TODAYS)
def test_press_release_and_report_mention_events_without_being_events(today: date) -> None:
    press = render("/ihk/presse/matchmaking-startups-mittelstand", today, BASE)[2].decode()
    assert "/ihk/veranstaltungen/startups-treffen-mittelstand" in press
    types = [node.get("@type") for block in _parse(press.encode()).jsonld for node in _walk(json.loads(block))]
    assert "NewsArticle" in types and not any("Event" in str(kind) for kind in types)

    report = render("/vmn/rueckblick/fachtagung-additive-fertigung", today, BASE)[2].decode()
    assert "schema.org/Article" in report and "Event" not in report
    held = re.search(r"fand am (\d\d)\.(\d\d)\.(\d{4})", report)
    published = re.search(r'datePublished" datetime="([\d-]+)"', report)
    assert held and published
    assert date(int(held[3]), int(held[2]), int(held[1])) < date.fromisoformat(published[1]) <= today


def test_robots_txt_keeps_crawlers_out_of_the_members_area_and_names_the_sitemap() -> None:
    status, content_type, body = render("/robots.txt", TODAY, BASE)
    assert status == 200 and content_type.startswith("text/plain")
    robots = urllib.robotparser.RobotFileParser()
    robots.parse(body.decode().splitlines())
    assert robots.can_fetch("KontextBot", BASE + "/ihk/veranstaltungen")
    assert not robots.can_fetch("KontextBot", BASE + "/intern/vorstandssitzung")
    assert robots.site_maps() == [BASE + "/sitemap.xml"]
    assert all(not event["path"].startswith("/intern/") for event in expected_events(TODAY))


def test_sitemap_lists_every_public_html_page() -> None:
    root = ElementTree.fromstring(render("/sitemap.xml", TODAY, BASE)[2])
    namespace = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    listed = {loc.text for loc in root.findall("s:url/s:loc", namespace)}
    public = {BASE + path for path in _html_pages() if not path.startswith("/intern/")}
    assert listed == public
    assert {lastmod.text for lastmod in root.findall("s:url/s:lastmod", namespace)} == {TODAY.isoformat()}


# ------------------------------------------------------------------------------------- content


def test_broken_content_is_reported_with_file_and_entry(tmp_path: Path) -> None:
    content = tmp_path / "content"
    shutil.copytree(CONTENT_DIR, content)
    events = content / "events" / "vmn.yaml"
    events.write_text(
        events.read_text(encoding="utf-8").replace("venue: kiel-nordstern", "venue: atlantis"), encoding="utf-8"
    )
    with pytest.raises(SampleSiteError, match=r"vmn\.yaml 'arbeitskreis-digitalisierung-produktion': unknown venue"):
        load_content(content)


def test_missing_content_says_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(SampleSiteError, match=r"organisers\.yaml is missing"):
        load_content(tmp_path)


# --------------------------------------------------------------------------------------- server


def test_server_serves_over_http_quietly(capfd: pytest.CaptureFixture[str]) -> None:
    with SampleSite(today=TODAY) as site:
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+", site.url)
        with httpx.Client(base_url=site.url) as client:
            home = client.get("/")
            assert home.status_code == 200
            assert home.headers["content-type"] == "text/html; charset=utf-8"
            assert "IHK Musterland" in home.text

            page = client.get("/ihk/veranstaltungen", params={"page": 2})
            assert page.status_code == 200 and "Seite 2 von 3" in page.text

            head = client.head("/ihk/veranstaltungen/export-workshop-usa")
            get = client.get("/ihk/veranstaltungen/export-workshop-usa")
            assert head.status_code == 200 and head.content == b""
            assert head.headers["content-length"] == str(len(get.content))
            assert get.content == render("/ihk/veranstaltungen/export-workshop-usa", TODAY, site.url)[2]
            cached = client.get(
                "/ihk/veranstaltungen/export-workshop-usa", headers={"If-None-Match": get.headers["etag"]}
            )
            assert cached.status_code == 304 and cached.content == b""

            assert client.get("/cluster/kalender.ics").headers["content-type"].startswith("text/calendar")
            assert client.get("/robots.txt").headers["content-type"].startswith("text/plain")
            sitemap = client.get("/sitemap.xml")
            assert sitemap.headers["content-type"].startswith("application/xml")
            assert f"<loc>{site.url}/impressum</loc>" in sitemap.text
            assert client.get("/gibt-es-nicht").status_code == 404
        port = int(site.url.rsplit(":", 1)[1])
    assert capfd.readouterr().err == ""
    with socket.socket() as probe:  # the port is free again after stop()
        probe.bind(("127.0.0.1", port))


def test_server_without_a_fixed_today_uses_todays_date_in_berlin() -> None:
    before = datetime.now(BERLIN).date()
    site = SampleSite()
    assert site.today_for_request() in {before, datetime.now(BERLIN).date()}
    with pytest.raises(RuntimeError, match="not running"):
        _ = site.url
