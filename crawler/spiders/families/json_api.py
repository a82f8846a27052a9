"""Family `json-api`: a JSON API behind a calendar page (SOURCES.md F5: WKO, Messe Frankfurt, EEN, …).

Many calendars render in the browser from an API the page calls. Calling that API directly needs no
browser. Each source declares the request and the response mapping in config/sources.yaml (`api`):
URL, method, query or JSON body, where the item list sits, how it pages, and either dotted paths to
each event field (`item_format: json`) or, when the API returns server-rendered cards
(`item_format: html`, as WKO's ``/api/event/filter`` does), the source's selectors / the extraction
ladder over the cards. `api_events` is the pure mapping, usable without Scrapy.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, date, datetime, time
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit
from zoneinfo import ZoneInfo

import scrapy
from scrapy.http import Response

from crawler.extract import extract_events
from crawler.extract.page import clean_text, html_to_text
from crawler.extract.wording import status_from_text, strip_status_prefix
from crawler.items import PageDone, PageSeen
from crawler.spiders.source import SourceSpider
from kontext.records import Event, Venue
from kontext.sources import ApiFields, ApiSpec, Source
from kontext.vocabulary import EventStatus, Extraction

log = logging.getLogger(__name__)
_PLACEHOLDER = re.compile(r"\{([A-Za-z0-9_.\-]+)\}")


class ApiResponseError(ValueError):
    """The API answered something that is not the JSON shape the source declares."""


def value_at(data: Any, path: str) -> Any:
    """The value at a dotted path: "result.hits", "x.event_name.raw", "dates.0.start"; None if absent."""
    if not path:
        return data
    current = data
    for part in path.split("."):
        if isinstance(current, dict):
            current = current.get(part)
        elif isinstance(current, list) and part.lstrip("-").isdigit():
            index = int(part)
            current = current[index] if -len(current) <= index < len(current) else None
        else:
            return None
        if current is None:
            return None
    return current


def _text(value: Any) -> str:
    if value is None or isinstance(value, dict):
        return ""
    if isinstance(value, list):
        return ", ".join(_text(item) for item in value if _text(item))
    return clean_text(str(value))


def _moment(value: Any, zone: ZoneInfo) -> datetime | date | None:
    """An API date value: ISO date/datetime text or epoch seconds/milliseconds; None when unreadable."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        seconds = value / 1000 if value > 10**11 else value
        return datetime.fromtimestamp(seconds, tz=UTC).astimezone(zone)
    text = str(value).strip()
    if not text:
        return None
    try:
        if len(text) == 10:
            return date.fromisoformat(text)
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=zone)


def _fill(template: str, item: Any) -> str | None:
    values = {name: _text(value_at(item, name)) for name in _PLACEHOLDER.findall(template)}
    if any(not value for value in values.values()):
        return None
    return _PLACEHOLDER.sub(lambda match: values[match.group(1)], template)


def _absolute(link: str | None, base_url: str) -> str | None:
    if not link:
        return None
    if link.startswith(("http://", "https://")):
        return link
    parts = urlsplit(base_url)
    if link.startswith("/"):
        return urlunsplit((parts.scheme, parts.netloc, link, "", ""))
    return None


def json_event(item: Any, fields: ApiFields, *, source: Source | None, base_url: str) -> Event | None:
    """One event from one JSON item; None when it has no title or no start."""
    zone = ZoneInfo(source.timezone if source else "Europe/Berlin")
    title = strip_status_prefix(_text(value_at(item, fields.title)))
    raw_start = value_at(item, fields.start)
    raw_end = value_at(item, fields.end) if fields.end else None
    if not title or raw_start in (None, ""):
        return None
    start, end = _moment(raw_start, zone), _moment(raw_end, zone) if raw_end not in (None, "") else None
    values: dict[str, Any] = {"title": title, "extraction": Extraction.SELECTORS, "timezone": zone.key}
    if isinstance(start, datetime):
        values["start"] = start
        if isinstance(end, datetime):
            values["end"] = end
        elif isinstance(end, date):
            values["end"] = datetime.combine(end, time.min, tzinfo=zone)
    elif isinstance(start, date):
        values["start"] = datetime.combine(start, time.min, tzinfo=zone)
        values["all_day"] = True
        if isinstance(end, date | datetime):
            last = end.date() if isinstance(end, datetime) else end
            values["end"] = datetime.combine(last, time.min, tzinfo=zone)
    else:
        # Not a machine date: the date stage reads it like page text ("12. März 2026, 10 Uhr").
        values["when_text"] = " – ".join(part for part in (_text(raw_start), _text(raw_end)) if part)
    url = _absolute(_text(value_at(item, fields.url)) if fields.url else None, base_url)
    if url is None and fields.url_template:
        url = _fill(fields.url_template, item)
    values["url"] = url or base_url
    values["source_urls"] = [base_url]
    if fields.description:
        raw = value_at(item, fields.description)
        values["description"] = html_to_text(raw) if isinstance(raw, str) else _text(raw)
    location = _text(value_at(item, fields.location)) if fields.location else ""
    city = _text(value_at(item, fields.city)) if fields.city else ""
    venue_name = _text(value_at(item, fields.venue)) if fields.venue else ""
    if city or venue_name:
        values["venue"] = Venue(name=venue_name or None, city=city or None)
    text = ", ".join(part for part in (venue_name, location, city) if part)
    if text:
        values["location_text"] = text
    if fields.cancelled and value_at(item, fields.cancelled) is True:
        values["status"] = EventStatus.CANCELLED
    elif fields.status:
        status = status_from_text(_text(value_at(item, fields.status)))
        if status is not None:
            values["status"] = status
    if fields.id:
        key = _text(value_at(item, fields.id))
        if key:
            values["source_key"] = f"{source.name if source else 'api'}:{key}"
    if fields.registration_url:
        values["registration_url"] = _absolute(_text(value_at(item, fields.registration_url)), base_url)
    if fields.tags:
        raw_tags = value_at(item, fields.tags)
        tags = raw_tags if isinstance(raw_tags, list) else [raw_tags]
        values["tags"] = [tag for tag in (_text(value) for value in tags) if tag]
    if source is not None:
        values["language"] = source.language
    return Event(**{key: value for key, value in values.items() if value is not None})


def api_items(data: Any, spec: ApiSpec) -> list[Any]:
    """The list of items in one API response; ApiResponseError when the path does not lead to a list."""
    items = value_at(data, spec.items)
    if items is None:
        return []
    if not isinstance(items, list):
        raise ApiResponseError(f"{spec.items or 'the response'} is a {type(items).__name__}, not a list")
    return items


def api_events(
    data: Any, spec: ApiSpec, *, source: Source | None, now: datetime, base_url: str
) -> list[Event]:
    """The events of one API response, by the source's mapping (pure: no network, no Scrapy)."""
    items = api_items(data, spec)
    if spec.item_format == "html":
        cards = "\n".join(item for item in items if isinstance(item, str))
        if not cards:
            return []
        return extract_events(f"<html><body>{cards}</body></html>", base_url, now, source=source)
    if spec.fields is None:  # ApiSpec requires fields for json items; nothing to map without them
        return []
    events = []
    for item in items:
        event = json_event(item, spec.fields, source=source, base_url=base_url)
        if event is not None:
            events.append(event)
    return events


def total_of(data: Any, spec: ApiSpec) -> int | None:
    if spec.paging is None or not spec.paging.total:
        return None
    value = value_at(data, spec.paging.total)
    return int(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def next_position(position: int, count: int, total: int | None, spec: ApiSpec) -> int | None:
    """The offset / page number of the next request, or None when this was the last page."""
    paging = spec.paging
    if paging is None or count == 0 or count < paging.size:
        return None
    if paging.kind == "offset":
        following = position + count
        return None if total is not None and following >= total else following
    following = position + 1
    return None if total is not None and (following - paging.start) * paging.size >= total else following


class JsonApiSpider(SourceSpider):
    """Calls the source's API page by page and maps each response to events."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.source.api is None:
            raise ValueError(f"source {self.source.name!r} has family json-api but no 'api' block")
        self.api: ApiSpec = self.source.api
        # The calendar page people see: links in cards are relative to it.
        self.base_url = self.source.start_urls[0]

    def api_request(self, position: int) -> scrapy.Request:
        """The request for one page of the API."""
        spec = self.api
        params = dict(spec.params)
        body = dict(spec.body) if spec.body is not None else None
        if spec.paging is not None:
            target = body if spec.method == "POST" and body is not None else params
            target[spec.paging.param] = position
            if spec.paging.size_param:
                target[spec.paging.size_param] = spec.paging.size
        url = spec.url
        if params:
            url += ("&" if "?" in url else "?") + urlencode(params)
        headers = {"Accept": "application/json", **spec.headers}
        meta = {"kontext_api_position": position, "kontext_listing": True}
        if spec.method == "POST":
            headers.setdefault("Content-Type", "application/json")
            return scrapy.Request(
                url,
                method="POST",
                body=json.dumps(body or {}),
                headers=headers,
                callback=self.parse,
                meta=meta,
            )
        return scrapy.Request(url, headers=headers, callback=self.parse, meta=meta)

    async def start(self) -> AsyncIterator[scrapy.Request]:
        yield self.api_request(self.api.paging.start if self.api.paging else 0)

    def page_key(self, response: Response, position: int) -> str:
        """Where the store remembers this answer: POST answers share one URL, so the position counts."""
        if self.api.paging is None:
            return response.url
        return f"{response.url}#{self.api.paging.param}={position}"

    def parse(self, response: Response) -> Iterator[Any]:
        self._stat("pages")
        start = self.api.paging.start if self.api.paging else 0
        position = response.meta.get("kontext_api_position", start)
        key = self.page_key(response, position)
        try:
            data = json.loads(response.body)
            items = api_items(data, self.api)
        except (ValueError, UnicodeDecodeError) as error:
            log.warning("%s: %s did not answer the declared JSON: %s", self.source.name, response.url, error)
            self._stat("api/bad_response")
            return
        self._stat("api/items", len(items))
        digest = hashlib.sha1(response.body, usedforsecurity=False).hexdigest()
        if self.page_unchanged(key, digest):
            self._stat("pages/unchanged")
            yield PageSeen(url=key)
        else:
            try:
                events = api_events(data, self.api, source=self.source, now=self.now, base_url=self.base_url)
            except Exception as error:  # one odd answer must not stop the crawl; it is tried again next time
                self._stat(f"errors/extract_{type(error).__name__}")
                log.warning("cannot map %s: %s: %s", key, type(error).__name__, error)
            else:
                for item in self._items(events):
                    item.page_url = key
                    yield item
                yield PageDone(url=key, digest=digest)
        following = next_position(position, len(items), total_of(data, self.api), self.api)
        if following is None:
            return
        requests = response.meta.get("kontext_api_requests", 1)
        if self.api.paging is not None and requests >= self.api.paging.max_requests:
            self._stat("api/stopped_at_max_requests")
            return
        request = self.api_request(following)
        request.meta["kontext_api_requests"] = requests + 1
        yield request
