"""Saved pages of sources: what a page gives through its source's own spider, offline.

A fixture is one saved page in ``tests/sources/fixtures/<source>/<page>/``: the page itself
(`page.html`, `page.ics` or `page.json`), `expected.json` (the events, organisations and followed
links the source's spider makes of it) and `meta.json` (URL, crawl time, content type, which
sources file declares the source, whether the page is real or invented, whether a person reviewed
the expected output). tests/sources/test_source_fixtures.py runs every fixture through
`run_page`, so a source is testable offline the moment someone saves a page of it
(`kontext sources save-fixture`).

`run_page` calls the real spider callback (the source's family spider, or the generic one) on a
Scrapy response built from the saved bytes: the same code path a crawl takes, without a network.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from kontext.errors import UserError
from kontext.records import Event
from kontext.settings import PROJECT_ROOT
from kontext.sources import Source, load_sources

FIXTURES_DIR = PROJECT_ROOT / "tests" / "sources" / "fixtures"
PAGE_NAMES = {"html": "page.html", "calendar": "page.ics", "json": "page.json", "other": "page.bin"}


class FixtureError(UserError):
    """A fixture folder is incomplete or names a source that does not exist."""


@dataclass
class Fixture:
    directory: Path
    meta: dict[str, Any]
    page: Path
    expected: dict[str, Any] | None

    @property
    def name(self) -> str:
        return f"{self.directory.parent.name}/{self.directory.name}"

    @property
    def now(self) -> datetime:
        return datetime.fromisoformat(self.meta["now"])


def page_kind(content_type: str, body: bytes) -> str:
    """html, calendar or json, from the Content-Type and the first bytes."""
    head = body.lstrip(b"\xef\xbb\xbf \t\r\n")[:20]
    if head.upper().startswith(b"BEGIN:VCALENDAR") or "calendar" in content_type:
        return "calendar"
    if "json" in content_type or head[:1] in (b"{", b"["):
        return "json"
    if "html" in content_type or head[:1] == b"<":
        return "html"
    return "other"


def event_summary(event: Event, now: datetime, country: str = "DE") -> dict[str, Any]:
    """The facts a fixture pins down for one event: dates and town resolved as the pipeline does
    (the raw text around them is the extractor's business and may change)."""
    from pipelines.normalise import DropEvent, resolve_dates, resolve_place

    dropped = None
    try:
        event = resolve_dates(event, now)
    except DropEvent as drop:
        dropped = drop.reason
    event = resolve_place(event, default_country=country)
    summary = {
        "title": event.title,
        "start": event.start.isoformat() if event.start else None,
        "end": event.end.isoformat() if event.end else None,
        "all_day": event.all_day,
        "url": event.url,
        "status": event.status.value,
        "extraction": event.extraction.value if event.extraction else None,
        "city": event.venue.city if event.venue and event.venue.city else None,
        "attendance": event.attendance.value if event.attendance else None,
    }
    if dropped:
        summary["dropped"] = dropped
    return summary


def run_page(
    source: Source,
    body: bytes,
    url: str,
    content_type: str,
    now: datetime,
    *,
    meta: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """What the source's spider makes of one page: events, organisations and the links it follows."""
    import scrapy
    from scrapy.http import Headers, Request
    from scrapy.responsetypes import responsetypes
    from scrapy.utils.test import get_crawler

    from crawler.directory import CrawledOrganisation
    from crawler.items import CrawledEvent
    from crawler.spiders.families import spider_for

    # A source on {sample_site} (the bundled site, the invented test sites) is resolved to the
    # saved page's own origin, so its links count as the source's own.
    origin = "{0.scheme}://{0.netloc}".format(urlsplit(url))
    resolved = source.resolved(sample_site=origin) if _needs_site(source) else source.resolved()
    spider_class = spider_for(resolved)
    crawler = get_crawler(spider_class, {})
    spider = spider_class.from_crawler(crawler, source=resolved, now=now)
    headers = Headers({"Content-Type": content_type})
    request = Request(url, meta=dict(meta or {}))
    response_class = responsetypes.from_args(headers=headers, url=url, body=body)
    response = response_class(url=url, body=body, headers=headers, request=request)
    events, organisations, follow = [], [], []
    for output in spider.parse(response) or ():
        if isinstance(output, CrawledEvent):
            events.append(event_summary(output.event, now, resolved.country))
        elif isinstance(output, CrawledOrganisation):
            record = output.organisation
            organisations.append(
                {
                    "id": record.id,
                    "name": record.name,
                    "kind": record.kind.value,
                    "url": record.url,
                    "events_url": record.events_url,
                    "city": record.city,
                    "region": record.region,
                }
            )
        elif isinstance(output, scrapy.Request):
            if output.method == "GET":
                follow.append(output.url)
            else:
                follow.append(
                    f"{output.method} {output.url} {output.body.decode('utf-8', 'replace')}".strip()
                )
    return {"events": events, "organisations": organisations, "follow": sorted(set(follow))}


def _needs_site(source: Source) -> bool:
    return any("{sample_site}" in url for url in source.start_urls) or bool(
        source.api and "{sample_site}" in source.api.url
    )


def _slug(url: str) -> str:
    """A folder name for a page: its path and query ('77-0-coursedetail-html-id-900101'), or 'start'."""
    parts = urlsplit(url)
    tail = f"{parts.path}?{parts.query}" if parts.query else parts.path
    return re.sub(r"[^a-z0-9]+", "-", tail.lower()).strip("-")[:50].strip("-") or "start"


def source_named(name: str, sources_file: Path) -> Source:
    known = {source.name: source for source in load_sources(sources_file)}
    if name not in known:
        raise FixtureError(f"{sources_file}: no source named {name!r}; see `kontext sources list`")
    return known[name]


def save_fixture(
    source: Source,
    sources_file: Path,
    body: bytes,
    url: str,
    content_type: str,
    now: datetime,
    *,
    fixtures_dir: Path = FIXTURES_DIR,
    invented: bool = False,
    note: str = "",
    request_meta: dict[str, Any] | None = None,
) -> tuple[Fixture, dict[str, Any]]:
    """Save a page with what the source's spider makes of it now; the expected output starts unreviewed."""
    kind = page_kind(content_type, body)
    output = run_page(source, body, url, content_type, now, meta=request_meta)
    directory = fixtures_dir / source.name / _slug(url)
    directory.mkdir(parents=True, exist_ok=True)
    page = directory / PAGE_NAMES[kind]
    page.write_bytes(body)
    try:
        relative_sources = str(sources_file.resolve().relative_to(PROJECT_ROOT))
    except ValueError:
        relative_sources = str(sources_file.resolve())
    meta = {
        "source": source.name,
        "sources_file": relative_sources,
        "url": url,
        "now": now.isoformat(),
        "content_type": content_type,
        "page": page.name,
        "invented": invented,
        "reviewed": False,
        "note": note
        or "saved by `kontext sources save-fixture`; check expected.json, then set reviewed: true",
    }
    if request_meta:
        meta["request_meta"] = request_meta
    (directory / "meta.json").write_text(
        json.dumps(meta, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    (directory / "expected.json").write_text(
        json.dumps(output, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    return Fixture(directory, meta, page, output), output


def load_fixture(directory: Path) -> Fixture:
    """One saved fixture; FixtureError naming the folder when something is missing."""
    meta_path = directory / "meta.json"
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise FixtureError(f"{directory}: meta.json is missing") from None
    except ValueError as error:
        raise FixtureError(f"{meta_path}: not valid JSON ({error})") from None
    for key in ("source", "url", "now", "content_type", "page"):
        if key not in meta:
            raise FixtureError(f"{meta_path}: the field {key!r} is missing")
    page = directory / meta["page"]
    if not page.is_file():
        raise FixtureError(f"{directory}: the page {meta['page']} is missing")
    expected_path = directory / "expected.json"
    expected = json.loads(expected_path.read_text(encoding="utf-8")) if expected_path.is_file() else None
    return Fixture(directory, meta, page, expected)


def fixture_dirs(fixtures_dir: Path = FIXTURES_DIR) -> list[Path]:
    """Every fixture folder (one saved page each), sorted."""
    if not fixtures_dir.is_dir():
        return []
    return sorted(path.parent for path in fixtures_dir.glob("*/*/meta.json"))


def fixture_source(fixture: Fixture) -> Source:
    sources_file = Path(fixture.meta.get("sources_file") or "config/sources.yaml")
    if not sources_file.is_absolute():
        sources_file = PROJECT_ROOT / sources_file
    return source_named(fixture.meta["source"], sources_file)


def run_fixture(fixture: Fixture) -> dict[str, Any]:
    """What the fixture's page gives today through its source's spider."""
    return run_page(
        fixture_source(fixture),
        fixture.page.read_bytes(),
        fixture.meta["url"],
        fixture.meta["content_type"],
        fixture.now,
        meta=fixture.meta.get("request_meta"),
    )


def fixtures_per_source(fixtures_dir: Path = FIXTURES_DIR) -> dict[str, int]:
    """How many saved pages each source has."""
    counts: dict[str, int] = {}
    for directory in fixture_dirs(fixtures_dir):
        counts[directory.parent.name] = counts.get(directory.parent.name, 0) + 1
    return counts
