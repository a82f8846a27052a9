"""Small local web sites for the crawl tests, and the helpers that run `kontext crawl` on them.

A `Site` serves a dict of paths over real HTTP on 127.0.0.1 and records every request, so a test
can assert exactly what the crawler fetched (and with which headers). Pages are (status, content
type, body) tuples or callables for special behaviour (slow, endless, huge). 200 answers carry an
ETag and honour If-None-Match, like the sample site.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import yaml

from kontext.settings import load_settings
from kontext.store import Store
from tests.conftest import run_kontext

HTML = "text/html; charset=utf-8"
Page = tuple[int, str, bytes]
Handler = Callable[["_Handler"], None]


@dataclass
class Hit:
    method: str
    path: str
    status: int
    headers: dict[str, str]
    at: float = field(default_factory=time.monotonic)  # when the request arrived


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server: _Server

    def do_GET(self) -> None:
        site = self.server.site
        entry = site.pages.get(self.path) or site.pages.get(urlsplit(self.path).path)
        if entry is None and site.fallback is not None:
            entry = site.fallback
        if callable(entry):
            site.record(self, 200)
            entry(self)
            return
        status, content_type, body = entry if entry is not None else (404, HTML, b"<h1>Nicht gefunden</h1>")
        if site.delay:
            time.sleep(site.delay)
        etag = '"' + hashlib.sha1(body, usedforsecurity=False).hexdigest()[:16] + '"'
        if status == 200 and etag in self.headers.get("If-None-Match", ""):
            site.record(self, 304)
            self.send_response(304)
            self.send_header("ETag", etag)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        site.record(self, status)
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        if status == 200:
            self.send_header("ETag", etag)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    site: Site


class Site:
    """A local site: `pages` maps paths (with or without query) to pages or handlers."""

    def __init__(self, pages: dict[str, Page | Handler] | None = None, *, delay: float = 0.0) -> None:
        self.pages: dict[str, Page | Handler] = dict(pages or {})
        self.fallback: Page | Handler | None = None
        self.delay = delay
        self.hits: list[Hit] = []
        self._lock = threading.Lock()
        self._server: _Server | None = None

    def record(self, handler: BaseHTTPRequestHandler, status: int) -> None:
        with self._lock:
            self.hits.append(Hit(handler.command, handler.path, status, dict(handler.headers.items())))

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def port(self) -> int:
        assert self._server is not None
        return self._server.server_address[1]

    def paths(self, *, robots: bool = False) -> list[str]:
        """The paths requested so far, in order (robots.txt left out unless asked for)."""
        with self._lock:
            return [hit.path for hit in self.hits if robots or hit.path != "/robots.txt"]

    def start(self) -> Site:
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.site = self
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> Site:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def html(body: str, title: str = "Testseite") -> Page:
    page = f"<!doctype html><html lang='de'><head><title>{title}</title></head><body>{body}</body></html>"
    return 200, HTML, page.encode()


def store_of(env: dict[str, str]) -> Store:
    return Store.from_settings(load_settings(env))


def stored_titles(env: dict[str, str]) -> list[str]:
    """Titles of the events in the store of this environment, sorted (duplicates would show)."""
    store = store_of(env)
    try:
        return sorted(event.title for event in store.iter_events())
    finally:
        store.close()


def send_page(handler: BaseHTTPRequestHandler, page: Page, headers: dict[str, str] | None = None) -> None:
    """Write a (status, content type, body) page from inside a handler, with any extra headers."""
    status, content_type, body = page
    handler.send_response(status)
    handler.send_header("Content-Type", content_type)
    for name, value in (headers or {}).items():
        handler.send_header(name, value)
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


def event_page(title: str, start: datetime, city: str, url: str, description: str = "") -> Page:
    """A detail page with a schema.org Event in JSON-LD, the way chambers publish them."""
    data = {
        "@context": "https://schema.org",
        "@type": "Event",
        "name": title,
        "startDate": start.isoformat(),
        "url": url,
        "description": description or f"{title}: Austausch für Unternehmen aus der Region.",
        "location": {
            "@type": "Place",
            "name": "Haus der Wirtschaft",
            "address": {"@type": "PostalAddress", "streetAddress": "Marktstraße 1", "addressLocality": city},
        },
    }
    body = f"<script type='application/ld+json'>{json.dumps(data)}</script><h1>{title}</h1>"
    return html(body, title)


def listing(links: dict[str, str], next_page: str | None = None) -> Page:
    """A listing page: links to event pages (href -> text), optionally a "weiter" link."""
    items = "".join(f"<li><a href='{href}'>{text}</a></li>" for href, text in links.items())
    more = f"<a rel='next' href='{next_page}'>weiter</a>" if next_page else ""
    return html(f"<h1>Veranstaltungen</h1><ul>{items}</ul>{more}", "Veranstaltungen")


ALLOW_ALL: Page = (200, "text/plain", b"User-agent: *\nAllow: /\n")


def write_sources(path: Path, sources: list[dict[str, Any]]) -> str:
    """A sources file for the given entries (organizer and local defaults filled in)."""
    entries = []
    for entry in sources:
        entries.append({"organizer": {"name": entry["name"], "kind": "chamber"}, "local": True, **entry})
    path.write_text(yaml.safe_dump({"sources": entries}, allow_unicode=True), encoding="utf-8")
    return str(path)


def crawl(env: dict[str, str], sources_file: str, *args: str, now: str = "2026-11-26T10:00") -> dict[str, dict]:
    """Run `kontext crawl --json` (no index) and return the report per source."""
    result = run_kontext(env, "crawl", "--sources-file", sources_file, "--no-index", "--json", "--now", now, *args)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Traceback" not in result.stderr, result.stderr[-3000:]
    return {report["source"]: report for report in json.loads(result.stdout)}


def test_the_site_serves_pages_answers_404_and_revalidates() -> None:
    with Site({"/a": html("<p>A</p>")}) as site:
        first = httpx.get(site.url + "/a")
        again = httpx.get(site.url + "/a", headers={"If-None-Match": first.headers["ETag"]})
        missing = httpx.get(site.url + "/b")
    assert (first.status_code, again.status_code, missing.status_code) == (200, 304, 404)
    assert site.paths() == ["/a", "/a", "/b"]
    assert [hit.status for hit in site.hits] == [200, 304, 404]
