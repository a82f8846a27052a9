"""Stable event ids: derived, never random, so a second crawl updates instead of duplicating."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from kontext.records import Event

_TRACKING = re.compile(r"^(utm_\w+|fbclid|gclid|mc_cid|mc_eid|_ga|ref|source)$", re.IGNORECASE)


def canonical_url(url: str) -> str:
    """The URL without fragment, tracking parameters, default port or case differences in host."""
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower()
    if parts.port and not (
        (parts.scheme == "http" and parts.port == 80) or (parts.scheme == "https" and parts.port == 443)
    ):
        host = f"{host}:{parts.port}"
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    query = urlencode([(key, value) for key, value in pairs if not _TRACKING.match(key)])
    path = parts.path or "/"
    return urlunsplit((parts.scheme.lower(), host, path, query, ""))


def normalised_title(title: str) -> str:
    folded = unicodedata.normalize("NFKD", title.casefold())
    folded = "".join(char for char in folded if not unicodedata.combining(char))
    return " ".join(re.findall(r"[a-z0-9]+", folded.replace("ß", "ss")))


def _digest(*parts: str) -> str:
    return hashlib.sha1("\x1f".join(parts).encode("utf-8")).hexdigest()[:20]


def event_id(event: Event, *, shared_url: bool = False) -> str:
    """The id of an event.

    - an identifier the source gives it (iCal UID + occurrence, JSON-LD @id) wins;
    - an event with its own page is identified by that page's canonical URL;
    - an event that shares its URL with others (a listing without detail pages) by URL, title and
      start date.
    """
    if event.source_key:
        return _digest("key", event.source, event.source_key)
    url = canonical_url(event.url) if event.url else ""
    if url and not shared_url:
        return _digest("url", url)
    day = event.start.date().isoformat() if event.start else ""
    return _digest("page", url, normalised_title(event.title), day)


def cross_source_key(event: Event) -> str | None:
    """Normalised title + start date + city: the same event announced by several sources."""
    if event.start is None:
        return None
    city = normalised_title(event.venue.city) if event.venue and event.venue.city else ""
    return _digest("same", normalised_title(event.title), event.start.date().isoformat(), city)
