"""Feeds of a search, built purely from index documents: iCalendar (.ics) and Atom.

Times go out in UTC (calendar apps show them in the reader's zone); all-day events as dates with
the exclusive end day iCalendar expects. Text is plain: the libraries escape it for their format.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import icalendar

PRODID = "-//Kontext//Kontext events//DE"
ATOM = "http://www.w3.org/2005/Atom"
ICS_STATUS = {"scheduled": "CONFIRMED", "cancelled": "CANCELLED", "postponed": "TENTATIVE", "moved_online": "CONFIRMED"}


def safe_url(value: Any) -> str | None:
    """The URL when it is an absolute http(s) URL, else None (never a javascript: or data: link)."""
    if not isinstance(value, str):
        return None
    parts = urlsplit(value.strip())
    return value.strip() if parts.scheme in ("http", "https") and parts.netloc else None


def place_text(document: dict[str, Any]) -> str:
    """The venue on one line: name, street, postcode and city."""
    locality = " ".join(part for part in (document.get("postcode"), document.get("city")) if part)
    parts = [document.get("venue_name"), document.get("street"), locality]
    return ", ".join(part for part in parts if part)


def _moment(value: str) -> datetime:
    return datetime.fromisoformat(value).astimezone(UTC)


def _day(value: str) -> date:
    return datetime.fromisoformat(value).date()


def _calendar_event(document: dict[str, Any], base_url: str, stamp: datetime) -> icalendar.Event:
    event = icalendar.Event()
    host = urlsplit(base_url).hostname or "kontext"
    event.add("uid", f"{document['id']}@{host}")
    event.add("dtstamp", stamp)
    if document.get("all_day"):
        first = _day(document["start"])
        last = _day(document["end"]) if document.get("end") else first
        event.add("dtstart", first)
        event.add("dtend", last + timedelta(days=1))
    else:
        event.add("dtstart", _moment(document["start"]))
        if document.get("end"):
            event.add("dtend", _moment(document["end"]))
    event.add("summary", document.get("title") or "")
    page = f"{base_url}/events/{document['id']}"
    source = safe_url(document.get("url"))
    lines = [document.get("description") or "", "", page]
    if document.get("organizer"):
        lines.insert(0, f"{document['organizer']}\n")
    event.add("description", "\n".join(lines).strip())
    place = place_text(document) or ("Online" if document.get("attendance") == "online" else "")
    if place:
        event.add("location", place)
    if document.get("_geo"):
        event.add("geo", (document["_geo"]["lat"], document["_geo"]["lng"]))
    event.add("url", source or page)
    event.add("status", ICS_STATUS.get(document.get("status") or "", "CONFIRMED"))
    categories = list(document.get("sector_labels") or [])
    if document.get("format_label"):
        categories.append(document["format_label"])
    if categories:
        event.add("categories", categories)
    if document.get("updated_ts"):
        event.add("last-modified", datetime.fromtimestamp(document["updated_ts"], UTC))
    return event


def calendar(documents: Iterable[dict[str, Any]], name: str, base_url: str, now: datetime | None = None) -> bytes:
    """An iCalendar file with one VEVENT per document that has a start."""
    stamp = (now or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
    feed = icalendar.Calendar()
    feed.add("prodid", PRODID)
    feed.add("version", "2.0")
    feed.add("calscale", "GREGORIAN")
    feed.add("method", "PUBLISH")
    feed.add("x-wr-calname", name)
    for document in documents:
        if document.get("start"):
            feed.add_component(_calendar_event(document, base_url, stamp))
    return feed.to_ical()


def _iso(timestamp: int | None, fallback: datetime) -> str:
    moment = datetime.fromtimestamp(timestamp, UTC) if timestamp else fallback
    return moment.replace(microsecond=0).isoformat().replace("+00:00", "Z")


def atom(
    documents: list[dict[str, Any]],
    *,
    title: str,
    self_url: str,
    alternate_url: str,
    base_url: str,
    now: datetime | None = None,
    when: Any = None,
) -> bytes:
    """An Atom feed (RFC 4287) with one entry per document; `when(document)` writes its dates."""
    now = (now or datetime.now(UTC)).astimezone(UTC)
    ET.register_namespace("", ATOM)

    def child(parent: ET.Element, tag: str, text: str | None = None, **attributes: str) -> ET.Element:
        element = ET.SubElement(parent, f"{{{ATOM}}}{tag}", attributes)
        if text is not None:
            element.text = text
        return element

    feed = ET.Element(f"{{{ATOM}}}feed")
    child(feed, "id", self_url)
    child(feed, "title", title)
    updated = max(
        (document.get("updated_ts") or document.get("first_seen_ts") or 0 for document in documents), default=0
    )
    child(feed, "updated", _iso(updated or None, now))
    author = child(feed, "author")
    child(author, "name", "Kontext")
    child(feed, "link", rel="self", href=self_url, type="application/atom+xml")
    child(feed, "link", rel="alternate", href=alternate_url, type="text/html")
    child(feed, "generator", "Kontext")
    for document in documents:
        page = f"{base_url}/events/{document['id']}"
        entry = child(feed, "entry")
        child(entry, "id", page)
        child(entry, "title", document.get("title") or "")
        child(entry, "updated", _iso(document.get("updated_ts") or document.get("first_seen_ts"), now))
        if document.get("first_seen_ts"):
            child(entry, "published", _iso(document["first_seen_ts"], now))
        child(entry, "link", rel="alternate", href=page, type="text/html")
        if document.get("organizer"):
            child(child(entry, "author"), "name", document["organizer"])
        for label in document.get("sector_labels") or []:
            child(entry, "category", term=label)
        lines = [
            when(document) if when else document.get("start") or "",
            place_text(document),
            document.get("description") or "",
        ]
        child(entry, "summary", "\n".join(line for line in lines if line)[:2000])
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)
