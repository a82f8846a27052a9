"""A source that misbehaves in every way at once — 500s (lasting and passing), answers that never
come or stop halfway, endless redirects, 50 MB pages, lying headers and garbage encodings — served
from a local HTTP server. The crawl must finish, count every failure in its report, store the good
events (also those on pages with broken encodings), and a rerun must not duplicate anything.

tests/crawler/test_crawl_safety.py covers the same kinds of trouble one by one (and private
addresses); this scenario puts them on one site next to good pages and checks the store."""

from __future__ import annotations

import gzip
import json
import os
import time
from datetime import datetime, timedelta

import pytest

from tests.crawler.test_crawl_safety import endless_body, endless_redirects
from tests.crawler.test_crawl_sites import (
    ALLOW_ALL,
    HTML,
    Site,
    crawl,
    event_page,
    listing,
    send_page,
    stored_titles,
    write_sources,
)
from tests.reliability.helpers import BERLIN

pytestmark = [pytest.mark.faults, pytest.mark.slow]
START = datetime(2027, 5, 4, 9, 30, tzinfo=BERLIN)
DOWNLOAD_TIMEOUT = 3


def jsonld_page(title: str, path: str, days: int, **extra: str) -> str:
    """The markup of a good event page (text, so a test can encode it as it likes)."""
    data: dict = {
        "@context": "https://schema.org",
        "@type": "Event",
        "name": title,
        "startDate": (START + timedelta(days=days)).isoformat(),
        "url": path,
        "location": {"@type": "Place", "name": "Haus der Wirtschaft",
                     "address": {"@type": "PostalAddress", "addressLocality": "Göttingen"}},
        **extra,
    }  # fmt: skip
    return (
        "<!doctype html><html lang='de'><head><title>" + title + "</title>"
        "<script type='application/ld+json'>" + json.dumps(data, ensure_ascii=False) + "</script></head>"
        "<body><h1>" + title + "</h1><p>Für Betriebe aus Südniedersachsen.</p></body></html>"
    )


def slow(handler) -> None:
    """Answers long after the crawler's download timeout."""
    time.sleep(DOWNLOAD_TIMEOUT * 4)
    try:
        send_page(handler, (200, HTML, "<h1>zu spät</h1>".encode()))
    except OSError:
        return


def stalls_halfway(handler) -> None:
    """Sends headers and half a body, then nothing until long after the timeout."""
    body = jsonld_page("Halbe Seite", "/events/stall", 9).encode()
    try:
        handler.send_response(200)
        handler.send_header("Content-Type", HTML)
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body[: len(body) // 2])
        handler.wfile.flush()
        time.sleep(DOWNLOAD_TIMEOUT * 4)
    except OSError:
        return


def short_body(handler) -> None:
    """Announces more bytes than it sends, then closes the connection."""
    body = jsonld_page("Abgeschnittene Seite", "/events/short", 10).encode()
    handler.send_response(200)
    handler.send_header("Content-Type", HTML)
    handler.send_header("Content-Length", str(len(body) * 2))
    handler.send_header("Connection", "close")
    handler.end_headers()
    handler.wfile.write(body)
    handler.close_connection = True


def lying_gzip(handler) -> None:
    """Says gzip, sends plain bytes."""
    send_page(handler, (200, HTML, b"<h1>kein gzip</h1>" * 50), {"Content-Encoding": "gzip"})


def gzip_bomb(handler) -> None:
    """A 40 kB gzip body that inflates to 40 MB."""
    send_page(handler, (200, HTML, gzip.compress(b" " * 40_000_000, compresslevel=9)), {"Content-Encoding": "gzip"})


class FailsOnce:
    """A 500 on the first request, the good page afterwards (a passing server hiccup)."""

    def __init__(self, page: tuple[int, str, bytes]) -> None:
        self.page = page
        self.calls = 0

    def __call__(self, handler) -> None:
        self.calls += 1
        send_page(handler, (500, HTML, b"<h1>Fehler</h1>") if self.calls == 1 else self.page)


GOOD = {
    "/events/ok1": "Fachforum Lebensmittelhandwerk",
    "/events/ok2": "Sprechtag Fördermittel für Betriebe",
    "/events/flaky": "Werkstattabend Kälte- und Klimatechnik",
    "/events/latin1": "Unternehmertreff Göttingen",
    "/events/utf16": "Infotag Außenwirtschaft Südamerika",
    "/events/nul": "Netzwerktreffen Zulieferer",
}


# Failures whose kind the crawler names in its own words (a decompression limit): each must be
# counted once, under whatever name. Random bytes under a bogus charset (/events/binary, /events/mixed)
# are no failure: they are read like any page and hold no event (they once raised in lxml and counted).
KNOWN_KINDS = ("http_500", "http_503", "timeout", "data_loss", "redirect_loop", "too_large")
OTHER_FAILURES = ("/events/gzip-bomb",)
MOJIBAKE = {GOOD["/events/latin1"]: GOOD["/events/latin1"].replace("ö", "\ufffd")}


def hostile_site() -> Site:
    pages = {
        "/robots.txt": ALLOW_ALL,
        "/events/ok1": event_page(GOOD["/events/ok1"], START, "Göttingen", "/events/ok1"),
        "/events/ok2": event_page(GOOD["/events/ok2"], START + timedelta(days=1), "Göttingen", "/events/ok2"),
        "/events/flaky": FailsOnce(
            event_page(GOOD["/events/flaky"], START + timedelta(days=2), "Kassel", "/events/flaky")
        ),
        # Garbage encodings around good events.
        "/events/latin1": (200, HTML, jsonld_page(GOOD["/events/latin1"], "/events/latin1", 3).encode("latin-1")),
        "/events/utf16": (200, "text/html; charset=utf-16",
                          jsonld_page(GOOD["/events/utf16"], "/events/utf16", 4).encode("utf-16")),
        "/events/nul": (200, HTML,
                        jsonld_page(GOOD["/events/nul"], "/events/nul", 5).encode().replace(b"<p>", b"\x00<p>\x00")),
        "/events/binary": (200, "text/html; charset=x-unbekannt", os.urandom(30_000) + b"\xff\xfe<h1>\x00\x81"),
        "/events/mixed": (200, "text/html; charset=shift_jis", "<h1>Prüfung</h1>".encode() + os.urandom(500)),
        # Failures.
        "/events/down": (500, HTML, b"<h1>Interner Fehler</h1>"),
        "/events/unavailable": (503, HTML, b"<h1>Wartung</h1>"),
        "/events/slow": slow,
        "/events/stall": stalls_halfway,
        "/events/short": short_body,
        "/events/loop": endless_redirects,
        "/events/huge": lambda handler: endless_body(handler, 50_000_000),
        "/events/endless": lambda handler: endless_body(handler, None),
        "/events/gzip-lie": lying_gzip,
        "/events/gzip-bomb": gzip_bomb,
    }  # fmt: skip
    links = {path: path.rsplit("/", 1)[-1] for path in pages if path.startswith("/events/")}
    pages["/events"] = listing(links)
    return Site(pages)


def test_a_hostile_source_ends_counted_and_its_good_events_are_stored(tmp_path, kontext_env) -> None:
    with hostile_site() as site:
        sources = write_sources(
            tmp_path / "sources.yaml",
            [{"name": "hostile", "start_urls": [f"{site.url}/events"], "max_response_bytes": 1_000_000}],
        )
        report = crawl(kontext_env, sources, "--download-timeout", str(DOWNLOAD_TIMEOUT))["hostile"]
        first = stored_titles(kontext_env)
        requested = site.paths()
        again = crawl(kontext_env, sources, "--download-timeout", str(DOWNLOAD_TIMEOUT))["hostile"]

    assert report["finish_reason"] == "finished"
    # Only the good events, each once (broken encodings still carry a readable event). Latin-1 bytes
    # under a UTF-8 header read as a browser reads them: the umlaut becomes U+FFFD, the event stays.
    assert first == sorted(MOJIBAKE.get(title, title) for title in GOOD.values()), report
    kinds = report["error_kinds"]
    assert kinds.get("http_500") == 1 and kinds.get("http_503") == 1, kinds
    assert kinds.get("timeout") == 2, kinds  # the slow answer and the one that stalled halfway
    assert kinds.get("data_loss") == 1, kinds
    assert kinds.get("redirect_loop") == 1, kinds
    assert kinds.get("too_large") == 2, kinds  # 50 MB announced, and endless
    assert sum(kinds.values()) - sum(kinds.get(kind, 0) for kind in KNOWN_KINDS) == len(OTHER_FAILURES), kinds
    # The passing 500 was retried and its event stored without an error.
    assert requested.count("/events/flaky") == 2
    # The rerun duplicates nothing and loses nothing.
    assert stored_titles(kontext_env) == first
    assert again["new"] == 0 and again["finish_reason"] == "finished"


def test_each_failed_page_counts_once(tmp_path, kontext_env) -> None:
    pages = {
        "/robots.txt": ALLOW_ALL,
        "/events/ok1": event_page(GOOD["/events/ok1"], START, "Göttingen", "/events/ok1"),
        "/events/down": (500, HTML, b"<h1>Interner Fehler</h1>"),
    }
    pages["/events"] = listing({"/events/ok1": "gut", "/events/down": "kaputt"})
    with Site(pages) as site:
        sources = write_sources(tmp_path / "sources.yaml", [{"name": "hostile", "start_urls": [f"{site.url}/events"]}])
        report = crawl(kontext_env, sources)["hostile"]
    assert report["new"] == 1
    assert report["error_kinds"] == {"http_500": 1}
    assert report["errors"] == 1


def test_a_meta_refresh_inside_a_script_does_not_swallow_the_page(tmp_path, kontext_env) -> None:
    title = "Unternehmerabend Südniedersachsen"
    # CMSs put HTML into JSON-LD descriptions; this one holds a meta refresh.
    refresh = "<meta http-equiv='refresh' content='0;url=https://203.0.113.9/'>"  # offsite, no DNS needed
    page = jsonld_page(title, "/events/refresh", 6, description=f"Programm folgt. {refresh}")
    pages = {"/robots.txt": ALLOW_ALL, "/events/refresh": (200, HTML, page.encode())}
    pages["/events"] = listing({"/events/refresh": "Abend"})
    with Site(pages) as site:
        sources = write_sources(tmp_path / "sources.yaml", [{"name": "refresh", "start_urls": [f"{site.url}/events"]}])
        report = crawl(kontext_env, sources)["refresh"]
    assert stored_titles(kontext_env) == [title], report


def test_a_meta_refresh_in_the_head_is_still_followed(tmp_path, kontext_env) -> None:
    # The other side of ignoring refreshes in scripts: a moved page announced in its head is read.
    title = "Sprechtag Fachkräftesicherung"
    moved = "<html><head><meta http-equiv='refresh' content='0;url=/events/new'></head><body>Umgezogen</body></html>"
    pages = {
        "/robots.txt": ALLOW_ALL,
        "/events/old": (200, HTML, moved.encode()),
        "/events/new": (200, HTML, jsonld_page(title, "/events/new", 7).encode()),
    }
    pages["/events"] = listing({"/events/old": "Sprechtag"})
    with Site(pages) as site:
        sources = write_sources(tmp_path / "sources.yaml", [{"name": "moved", "start_urls": [f"{site.url}/events"]}])
        report = crawl(kontext_env, sources)["moved"]
    assert stored_titles(kontext_env) == [title], report
