"""Crawler traps and per-source limits: an endless calendar, page numbers nobody reaches, session ids,
query strings and paths that grow forever — the crawl ends, fetches a bounded number of pages and
says in its report what it skipped and why."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

import pytest

from crawler.traps import trap_reason, without_session_ids
from tests.crawler.test_crawl_sites import (
    ALLOW_ALL,
    Site,
    crawl,
    event_page,
    html,
    listing,
    send_page,
    write_sources,
)

NOW = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("https://ihk.example/termine?month=2031-07", "calendar_range"),
        ("https://ihk.example/kalender/2029/01/", "calendar_range"),
        ("https://ihk.example/termine?monat=01.2019", "calendar_range"),
        ("https://ihk.example/termine?year=2035", "calendar_range"),
        ("https://ihk.example/termine?ts=2000000000", "calendar_range"),
        ("https://ihk.example/termine?page=9999", "page_number"),
        ("https://ihk.example/termine/page/777/", "page_number"),
        ("https://ihk.example/termine?start=500000", "page_number"),
        ("https://ihk.example/t?f=a&f=a&f=a", "repeated_parameter"),
        ("https://ihk.example/a/b/a/b/a/b/", "repeating_path"),
        ("https://ihk.example/" + "/".join(f"s{n}" for n in range(20)), "deep_path"),
        ("https://ihk.example/t?" + "&".join(f"k{n}=1" for n in range(20)), "long_query"),
        ("https://ihk.example/t?q=" + "x" * 1200, "long_url"),
    ],
)
def test_trap_urls_are_named(url: str, reason: str) -> None:
    assert trap_reason(url, NOW) == reason


@pytest.mark.parametrize(
    "url",
    [
        "https://ihk.example/termine?month=2027-03",
        "https://ihk.example/termine/2026/11/fachtagung-verpackung",
        "https://ihk.example/termine?page=12",
        "https://ihk.example/veranstaltung/fachtagung-industrie-4-0-12345",
        "https://ihk.example/termine?date=2026-12-01&ort=Hannover",
        "https://hwk.example/kurse/meisterkurs-teil-3/2027",
    ],
)
def test_ordinary_calendar_urls_pass(url: str) -> None:
    assert trap_reason(url, NOW) is None


def test_session_ids_are_removed_from_urls() -> None:
    assert without_session_ids("https://a.example/e/1;jsessionid=ABC123?x=1") == "https://a.example/e/1?x=1"
    assert without_session_ids("https://a.example/e?PHPSESSID=f00&id=7") == "https://a.example/e?id=7"
    assert without_session_ids("https://a.example/e?sid=1&page=2") == "https://a.example/e?page=2"
    assert without_session_ids("https://a.example/e?page=2") == "https://a.example/e?page=2"


def month_page(handler) -> None:
    """/kalender?month=YYYY-MM links to the next month, for ever."""
    query = parse_qs(urlsplit(handler.path).query)
    year, month = map(int, query.get("month", ["2026-11"])[0].split("-"))
    year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    send_page(handler, listing({}, next_page=f"/kalender?month={year}-{month:02d}"))


def growing_query(handler) -> None:
    send_page(handler, listing({}, next_page=handler.path + "&f=a"))


def growing_path(handler) -> None:
    send_page(handler, listing({}, next_page="r/"))


def session_page(handler) -> None:
    token = len(handler.server.site.hits)  # a new session id on every visit
    links = {f"/events/s1;jsessionid=S{token}": "Termin", f"/events/s1?PHPSESSID=P{token}": "Termin"}
    send_page(handler, listing(links))


def numbered_page(handler) -> None:
    number = int(parse_qs(urlsplit(handler.path).query)["page"][0])
    send_page(handler, listing({}, next_page=f"/liste?page={number + 1}"))


@pytest.mark.slow
def test_traps_end_and_limits_hold(tmp_path, kontext_env) -> None:
    start = datetime(2027, 2, 2, 18, 0, tzinfo=UTC)
    many = {f"/events/m{n}": f"Termin {n}" for n in range(20)}
    site = Site(
        {
            "/robots.txt": ALLOW_ALL,
            "/kalender": month_page,
            "/liste": numbered_page,
            "/filter": growing_query,
            "/r/": growing_path,
            "/sessions": session_page,
            "/events/s1": event_page("Stammtisch Handwerk", start, "Celle", "/events/s1"),
            "/tiefe": listing({"/events/d1": "eins"}),
            "/events/d1": html("<a href='/events/d2'>zwei</a>"),
            "/events/d2": html("<a href='/events/d3'>drei</a>"),
            "/events/d3": event_page("Zu tief", start, "Celle", "/events/d3"),
            "/viele": listing(many),
        }
    )
    site.fallback = growing_path  # /r/r/, /r/r/r/, …
    for path in many:
        site.pages[path] = event_page(f"Sprechtag {path[-2:]}", start, "Celle", path)
    with site:
        path = write_sources(
            tmp_path / "sources.yaml",
            [
                {
                    "name": "traps",
                    "start_urls": [
                        f"{site.url}/kalender",
                        f"{site.url}/liste?page=495",
                        f"{site.url}/filter?f=a",
                        f"{site.url}/r/",
                        f"{site.url}/sessions",
                    ],
                },
                {"name": "deep", "start_urls": [f"{site.url}/tiefe"], "max_depth": 2},
                {"name": "many", "start_urls": [f"{site.url}/viele"], "max_pages": 5},
            ],
        )
        reports = crawl(kontext_env, path)
    paths = site.paths()

    traps = reports["traps"]
    assert traps["finish_reason"] == "finished"
    # The calendar is followed 24 months ahead (Dec 2026 … Nov 2028), then no further.
    months = [path for path in paths if path.startswith("/kalender?month=")]
    assert len(months) == 24 and months[-1] == "/kalender?month=2028-11"
    assert [path for path in paths if path.startswith("/liste")] == [f"/liste?page={n}" for n in range(495, 501)]
    assert [path for path in paths if path.startswith("/filter")] == ["/filter?f=a", "/filter?f=a&f=a"]
    assert [path for path in paths if path.startswith("/r/")] == ["/r/", "/r/r/"]
    # Session ids stripped: the one event page is fetched once, however many session links point to it.
    assert paths.count("/events/s1") == 1
    assert traps["skipped"] == {
        "calendar_range": 1,
        "page_number": 1,
        "repeated_parameter": 1,
        "repeating_path": 1,
    }
    # max_depth 2: start (0) -> d1 (1) -> d2 (2); d3 would be 3.
    assert "/events/d2" in paths and "/events/d3" not in paths
    assert reports["deep"]["skipped"] == {"depth_limit": 1}
    # max_pages 5: the listing and four event pages, the rest skipped; the crawl is not complete.
    assert len([path for path in paths if path.startswith(("/viele", "/events/m"))]) == 5
    assert reports["many"]["skipped"]["page_limit"] == 16
    assert not reports["many"]["complete"]
    assert len(paths) < 60
    assert all(hit.status != 404 for hit in site.hits), [hit.path for hit in site.hits if hit.status == 404]
