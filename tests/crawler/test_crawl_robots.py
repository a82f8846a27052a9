"""robots.txt the RFC 9309 way: obeyed when present, "allow all" when missing (4xx), "disallow all"
when it cannot be fetched (5xx, timeout) — checked against what each local site actually served."""

from __future__ import annotations

import contextlib
import time
from datetime import datetime
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest

from crawler.robots import MAX_CRAWL_DELAY, AllowAll, DisallowAll, crawl_delay, parser_for_status, product_token
from tests.crawler.test_crawl_sites import HTML, Site, crawl, event_page, listing, write_sources

BERLIN = ZoneInfo("Europe/Berlin")
AGENT = "KontextBot/0.1 (+https://kontext.example/bot)"


def test_status_codes_map_to_rfc_9309_rules() -> None:
    assert isinstance(parser_for_status(404, b"", "x"), AllowAll)
    assert isinstance(parser_for_status(410, b"", "x"), AllowAll)
    assert isinstance(parser_for_status(500, b"", "x"), DisallowAll)
    assert isinstance(parser_for_status(503, b"", "x"), DisallowAll)
    assert isinstance(parser_for_status(429, b"", "x"), DisallowAll)
    rules = parser_for_status(200, b"User-agent: KontextBot\nDisallow: /intern/\n", "x")
    assert not rules.allowed("http://a.example/intern/x", "KontextBot")
    assert rules.allowed("http://a.example/events", "KontextBot")
    assert not parser_for_status(200, b"User-agent: *\nDisallow: /\n", "x").allowed("http://a.example/", "KontextBot")


def test_our_product_token_is_what_robots_groups_name() -> None:
    assert product_token(AGENT) == "KontextBot"
    assert product_token("") == "*"


def site_with_events(name: str, robots, day: int) -> Site:
    # Own days per site: the same event on two sites would be merged into one (pipelines/dedupe.py).
    start = datetime(2027, 3, day, 10, 0, tzinfo=BERLIN)
    pages = {
        "/events": listing({"/events/a": "A", "/events/b": "B", "/intern/events/c": "C"}),
        "/events/a": event_page(f"Fachtagung Verpackung {name}", start, "Hannover", "/events/a"),
        "/events/b": event_page(f"Sprechtag Export {name}", start, "Hannover", "/events/b"),
        "/intern/events/c": event_page(f"Interner Termin {name}", start, "Hannover", "/intern/events/c"),
    }
    if robots is not None:
        pages["/robots.txt"] = robots
    return Site(pages)


def slow_robots(handler) -> None:
    time.sleep(4)
    with contextlib.suppress(OSError):  # the crawler has given up and closed the connection
        handler.send_response(200)
        handler.send_header("Content-Type", "text/plain")
        handler.send_header("Content-Length", "0")
        handler.end_headers()


@pytest.mark.slow
def test_robots_txt_allow_disallow_missing_failing_and_slow(tmp_path, kontext_env) -> None:
    rules = (200, "text/plain", b"User-agent: *\nDisallow: /intern/\n")
    sites = {
        "allowed": site_with_events("allowed", rules, 1),
        "missing": site_with_events("missing", (404, HTML, b"<h1>404</h1>"), 2),
        "failing": site_with_events("failing", (500, HTML, b"<h1>Fehler</h1>"), 3),
        "slow": site_with_events("slow", slow_robots, 4),
        "closed": site_with_events("closed", (200, "text/plain", b"User-agent: *\nDisallow: /\n"), 5),
    }
    for site in sites.values():
        site.start()
    try:
        path = write_sources(
            tmp_path / "sources.yaml",
            [{"name": f"robots-{name}", "start_urls": [f"{site.url}/events"]} for name, site in sites.items()],
        )
        reports = crawl(kontext_env, path, "--download-timeout", "2")
    finally:
        for site in sites.values():
            site.stop()

    # 200: obeyed — the events, not the disallowed /intern/ page.
    assert sorted(sites["allowed"].paths()) == ["/events", "/events/a", "/events/b"]
    assert reports["robots-allowed"]["skipped"] == {"robots": 1}
    assert reports["robots-allowed"]["new"] == 2
    # 404: "unavailable" — everything may be crawled.
    assert sorted(sites["missing"].paths()) == ["/events", "/events/a", "/events/b", "/intern/events/c"]
    # 5xx and timeout: "unreachable" — complete disallow; nothing but robots.txt was requested.
    for name in ("failing", "slow"):
        assert sites[name].paths() == [], name
        assert "/robots.txt" in sites[name].paths(robots=True)
        assert reports[f"robots-{name}"]["skipped"] == {"robots_unreachable": 1}
        assert reports[f"robots-{name}"]["pages"] == 0
        assert not reports[f"robots-{name}"]["complete"]
    # Disallow: / keeps us out entirely.
    assert sites["closed"].paths() == []
    # Every request carried the identifying user agent.
    agents = {hit.headers.get("User-Agent") for site in sites.values() for hit in site.hits}
    assert len(agents) == 1 and agents.pop().startswith("KontextBot/")


def test_crawl_delay_is_read_for_our_group_and_capped_only_by_the_middleware() -> None:
    rules = parser_for_status(200, b"User-agent: KontextBot\nCrawl-delay: 2.5\n\nUser-agent: *\nCrawl-delay: 9\n", "x")
    assert crawl_delay(rules, "KontextBot") == 2.5
    assert crawl_delay(rules, "OtherBot") == 9
    assert crawl_delay(parser_for_status(200, b"User-agent: *\nDisallow: /x\n", "x"), "KontextBot") is None
    assert crawl_delay(AllowAll(), "KontextBot") is None
    assert MAX_CRAWL_DELAY >= 10  # what chamber sites typically ask for stays honoured in full


@pytest.mark.slow
def test_a_crawl_delay_spaces_every_request_to_the_site(tmp_path, kontext_env) -> None:
    start = datetime(2027, 4, 6, 10, 0, tzinfo=BERLIN)
    pages = {f"/events/{n}": event_page(f"Sprechtag Förderung {n}", start, "Kassel", f"/events/{n}") for n in range(4)}
    pages["/events"] = listing({path: path for path in pages})
    pages["/robots.txt"] = (200, "text/plain", b"User-agent: *\nCrawl-delay: 1\n")
    with Site(pages) as site:
        path = write_sources(tmp_path / "sources.yaml", [{"name": "delay", "start_urls": [f"{site.url}/events"]}])
        report = crawl(kontext_env, path)["delay"]
    times = [hit.at for hit in site.hits if hit.path != "/robots.txt"]
    assert report["new"] == 4 and len(times) == 5
    gaps = [later - earlier for earlier, later in pairwise(times)]
    assert min(gaps) >= 0.9, gaps  # a local site is otherwise crawled without any wait
