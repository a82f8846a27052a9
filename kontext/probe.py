"""What a page offers a crawler, and the config entry that would crawl it (`kontext sources probe`).

Looks for, most reliable first: an iCalendar feed (the page is one, or links one), schema.org
events (JSON-LD, microdata), an RSS/Atom feed, a platform family's URL grammar (ODAV, ihk.de,
Odoo), a JSON API answer, and a listing pattern (links to event pages, pagination). Then it
proposes a sources.yaml entry with the mode, family, link patterns and an honest `checked` block.
Pure: the caller fetches the page.
"""

from __future__ import annotations

import ipaddress
import json
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urljoin, urlsplit

import yaml
from lxml import etree
from lxml import html as lxml_html

from kontext.organisations import kind_from_name
from kontext.records import Event
from kontext.settings import PROJECT_ROOT

EVENT_PATH = re.compile(
    r"/(?:veranstaltung|event|termin|kurs|course|seminar|workshop|messe|kongress|tagung|webinar)",
    re.IGNORECASE,
)
NEXT_TEXT = re.compile(r"^\s*(?:weiter|nächste|next|mehr|»|›|>)", re.IGNORECASE)
FEED_TYPES = ("application/rss+xml", "application/atom+xml")
_SLUG = re.compile(r"[^a-z0-9]+")


@dataclass
class ProbeReport:
    url: str
    content_type: str
    title: str = ""
    site_name: str = ""
    kind: str = "page"  # page | calendar | json
    rungs: dict[str, int] = field(default_factory=dict)  # events per extraction rung
    events: list[Event] = field(default_factory=list)
    ics_links: list[str] = field(default_factory=list)
    feed_links: list[str] = field(default_factory=list)
    event_links: list[str] = field(default_factory=list)
    next_links: list[str] = field(default_factory=list)
    platform: str | None = None  # a family Kontext has a spider for
    hints: list[str] = field(default_factory=list)  # what staff should know (JS rendering, JSON shape, …)
    api_fields: dict[str, str | None] | None = None  # a JSON answer: where the items and fields seem to be
    proposal: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "url": self.url,
            "content_type": self.content_type,
            "title": self.title,
            "kind": self.kind,
            "rungs": self.rungs,
            "events": [
                {
                    "title": event.title,
                    "start": event.start.isoformat() if event.start else event.when_text,
                    "url": event.url,
                }
                for event in self.events[:20]
            ],
            "ics_links": self.ics_links,
            "feed_links": self.feed_links,
            "event_links": self.event_links[:20],
            "next_links": self.next_links,
            "platform": self.platform,
            "hints": self.hints,
            "proposal": self.proposal,
        }


def _host(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()


def source_name(url: str) -> str:
    """A config name from a URL: https://www.hwk-ufr.de/… -> hwk-ufr, https://www.ihk.de/koeln/… ->
    ihk-koeln, a local address -> local-<first path segment>."""
    host = _host(url).removeprefix("www.")
    segment = next((part for part in urlsplit(url).path.split("/") if part), "")
    if host == "ihk.de":
        parts = ["ihk", segment]
    elif _is_private(url):
        parts = ["local", segment.rsplit(".", 1)[0]]
    else:
        parts = host.split(".")[:-1] or [host]
    name = _SLUG.sub("-", "-".join(part for part in parts if part).lower()).strip("-")
    return name or "new-source"


def common_pattern(urls: list[str], page_url: str = "") -> str | None:
    """A regex for event links: the folder most of them sit in (at least two), followed by one more
    segment. Links below the page's own path win ties (a listing links its events and, in the
    navigation, other listings)."""
    folders: Counter[str] = Counter()
    for url in urls:
        path = urlsplit(url).path.rstrip("/")
        folder = path.rsplit("/", 1)[0]
        if folder:
            folders[folder] += 1
    if not folders:
        return None
    own = urlsplit(page_url).path.rstrip("/")
    folder, count = max(folders.items(), key=lambda item: (item[1], item[0] == own, len(item[0])))
    if count < 2:
        return None
    return f"{re.escape(folder)}/[^/?#]+/?$"


def _pagination_pattern(urls: list[str]) -> str | None:
    if not urls:
        return None
    parts = urlsplit(urls[0])
    names = [name for name, value in parse_qsl(parts.query) if value.isdigit()]
    if names:
        return rf"{re.escape(parts.path)}\?(?:.*&)?{re.escape(names[0])}=\d+"
    digits = re.sub(r"\d+", r"\\d+", re.escape(parts.path))
    return f"{digits}$"


def _json_items(data: Any, path: str = "") -> tuple[str, list[dict[str, Any]]] | None:
    """The first list of objects in a JSON answer and its dotted path."""
    if isinstance(data, list) and data and all(isinstance(item, dict) for item in data[:5]):
        return path, data
    if isinstance(data, dict):
        for key, value in data.items():
            found = _json_items(value, f"{path}.{key}" if path else key)
            if found:
                return found
    return None


def _guess_field(item: dict[str, Any], words: tuple[str, ...]) -> str | None:
    for key in item:
        if any(word in key.lower() for word in words):
            return key
    return None


def probe_page(
    body: bytes, url: str, content_type: str, now: datetime, *, config_dir: Path | None = None
) -> ProbeReport:
    """Look at one fetched page and propose a config entry for it."""
    from crawler.extract import extract_events, extract_ics, find_ics_links

    config_dir = config_dir or PROJECT_ROOT / "config"
    report = ProbeReport(url=url, content_type=content_type)
    head = body.lstrip(b"\xef\xbb\xbf \t\r\n")[:20].upper()
    if head.startswith(b"BEGIN:VCALENDAR"):
        report.kind = "calendar"
        name = re.search(rb"^X-WR-CALNAME:(.+?)\r?$", body, re.MULTILINE)
        report.title = name.group(1).decode("utf-8", "replace").strip() if name else ""
        report.events = extract_ics(body, url, now)
        report.rungs = {"icalendar": len(report.events)} if report.events else {}
        report.platform = "ical"
    elif "json" in content_type or head[:1] in (b"{", b"["):
        report.kind = "json"
        _probe_json(report, body)
    else:
        _probe_html(report, body, url, now, extract_events, find_ics_links)
    report.proposal = proposal(report, config_dir, now)
    return report


def _probe_json(report: ProbeReport, body: bytes) -> None:
    try:
        data = json.loads(body)
    except ValueError:
        report.hints.append("the answer says JSON but does not parse as JSON")
        return
    found = _json_items(data)
    if not found:
        report.hints.append("JSON without a list of objects: no events to map")
        return
    path, items = found
    report.platform = "json-api"
    first = items[0]
    report.hints.append(
        f"{len(items)} items at {path or 'the top level'}; fields of the first: {', '.join(list(first)[:15])}"
    )
    report.api_fields = {
        "items": path,
        "title": _guess_field(first, ("title", "name", "titel", "bezeichnung")) or "title",
        "start": _guess_field(first, ("start", "begin", "date", "datum", "from", "von")) or "start",
        "end": _guess_field(first, ("end", "until", "bis", "to")),
        "url": _guess_field(first, ("url", "link", "href")),
    }


def _probe_html(
    report: ProbeReport, body: bytes, url: str, now: datetime, extract_events, find_ics_links
) -> None:
    text = body.decode("utf-8", "replace")
    try:
        root = lxml_html.document_fromstring(text)
    except (etree.ParserError, ValueError):
        report.hints.append("not an HTML page")
        return
    report.title = " ".join("".join(root.xpath("//title//text()")).split())
    site_name = root.xpath("//meta[@property='og:site_name']/@content")
    report.site_name = site_name[0].strip() if site_name else ""
    report.events = extract_events(text, url, now)
    report.rungs = dict(Counter(event.extraction.value for event in report.events if event.extraction))
    report.ics_links = find_ics_links(text, url)
    base = url
    for link in root.xpath("//link[@rel='alternate'][@href]"):
        if (link.get("type") or "").lower() in FEED_TYPES:
            report.feed_links.append(_join(base, link.get("href")))
    host = _host(url)
    event_links: list[str] = []
    for anchor in root.xpath("//a[@href]"):
        target = _join(base, anchor.get("href", ""))
        if _host(target) != host or target.split("#")[0] == url:
            continue
        label = " ".join("".join(anchor.itertext()).split())
        parts = urlsplit(target)
        same_listing = parts.path == urlsplit(url).path and any(
            value.isdigit() for _, value in parse_qsl(parts.query)
        )
        if "next" in (anchor.get("rel") or "").lower() or NEXT_TEXT.match(label) or same_listing:
            if target not in report.next_links:
                report.next_links.append(target)
        elif EVENT_PATH.search(urlsplit(target).path) and target not in event_links:
            event_links.append(target)
    report.event_links = [link for link in event_links if link not in report.next_links]
    _platform(report, text, url)
    if not report.events and not report.event_links and not report.ics_links:
        visible = " ".join(root.xpath("//body//text()[not(ancestor::script) and not(ancestor::style)]"))
        if len(visible.split()) < 80 and root.xpath("//script[@src]"):
            report.hints.append(
                "almost no text and scripts: the calendar is probably rendered in the browser; "
                "look for the JSON API it calls (family json-api) or keep the source disabled"
            )


def _join(base: str, href: str) -> str:
    return urljoin(base, href.strip())


def _platform(report: ProbeReport, text: str, url: str) -> None:
    links = " ".join([url, *report.event_links, *report.next_links])
    if ",0,courselist.html" in links or ",0,coursedetail.html" in links:
        report.platform = "odav"
        report.hints.append("ODAV course list (Handwerkskammer CMS): family odav pages by offset")
    elif _host(url) in ("ihk.de", "www.ihk.de"):
        report.platform = "ihk"
        report.hints.append("ihk.de page: family ihk keeps the crawl inside this chamber's tree")
    elif re.search(r'content="Odoo|/event/[a-z0-9-]+-\d+', text, re.IGNORECASE) and "/event" in links:
        report.platform = "odoo"
        report.hints.append("Odoo event module: family odoo reads each event's .ics file")
    elif "tribe-events" in text or "/wp-json/tribe/events" in text:
        report.hints.append(
            "WordPress The Events Calendar: its REST API /wp-json/tribe/events/v1/events suits json-api"
        )
    elif "tx_news_pi1" in text or "typo3" in text.lower():
        report.hints.append("TYPO3 site: keep cHash parameters in event links")


def proposal(report: ProbeReport, config_dir: Path, now: datetime) -> dict[str, Any]:
    """The sources.yaml entry this page suggests (to review, not to paste blindly)."""
    url = report.url
    organiser = report.site_name or (
        re.split(r"\s+[|–—-]\s+", report.title)[-1].strip() if report.title else ""
    )
    organiser = organiser or _host(url).removeprefix("www.")
    entry: dict[str, Any] = {
        "name": source_name(url),
        "title": report.title[:120] or None,
        "organizer": {"name": organiser, "kind": kind_from_name(organiser, config_dir).value},
        "region": None,
        "sectors": [],
        "start_urls": [url],
    }
    found = ", ".join(f"{count} {rung}" for rung, count in sorted(report.rungs.items())) or "no events"
    if report.kind == "calendar":
        entry["family"] = "ical"
    elif report.kind == "json":
        fields = report.api_fields
        entry["family"] = "json-api"
        if fields:
            entry["api"] = {
                "url": url,
                "items": fields["items"],
                "fields": {key: value for key, value in fields.items() if key != "items" and value},
            }
    elif report.platform in ("odav", "ihk", "odoo"):
        entry["family"] = report.platform
    elif report.ics_links and not report.rungs.get("jsonld") and not report.rungs.get("microdata"):
        entry["start_urls"] = report.ics_links[:1]
        entry["family"] = "ical"
        found += f"; iCalendar feed {report.ics_links[0]}"
    elif report.rungs.get("jsonld") or report.rungs.get("microdata"):
        entry["mode"] = "jsonld"
    if "family" not in entry or entry["family"] in ("ihk",):
        pattern = common_pattern(report.event_links, url)
        if pattern:
            entry["event_links"] = pattern
        paging = _pagination_pattern(report.next_links)
        if paging:
            entry["follow_links"] = paging
    if report.feed_links:
        found += f"; feed {report.feed_links[0]} (news feeds rarely list events)"
    entry["checked"] = {
        "url": "live",
        "evidence": f"kontext sources probe: {found}; {len(report.event_links)} event links",
        "when": now.date(),
        "fetched": True,
    }
    if _is_private(url):
        entry["local"] = True
    return {
        key: value for key, value in entry.items() if value is not None and (value != [] or key == "sectors")
    }


def _is_private(url: str) -> bool:
    host = _host(url)
    try:
        return not ipaddress.ip_address(host).is_global
    except ValueError:
        return host in ("localhost",)


def proposal_yaml(report: ProbeReport) -> str:
    """The proposal as a YAML list item, ready to review and paste under `sources:`."""
    text = yaml.safe_dump([report.proposal], allow_unicode=True, sort_keys=False, width=110)
    return "\n".join("  " + line if line else line for line in text.splitlines()) + "\n"
