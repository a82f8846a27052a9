"""Which events go into a subscriber's digest, and why each one matches.

A digest holds the events first seen after the subscriber's last digest (for a first digest: the
events of the next weeks) that match their saved search and are still upcoming. The search runs
through the shared query layer (search/query.py), so a digest never disagrees with the search
page; the event records come from the store, the source of truth, which also carries the sector
and audience evidence the mail shows.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from digest.searches import search_center, search_query
from digest.subscribers import Subscriber, search_key
from kontext.records import Event
from kontext.store import EventRow, Store
from kontext.vocabulary import EventStatus
from search.index import SearchIndex
from search.query import SearchQuery, distance_km

log = logging.getLogger(__name__)

FIRST_DIGEST_WINDOW = timedelta(weeks=4)
# Enough for a week's news; more would push the HTML past what mail clients show unclipped.
MAX_EVENTS = 20
MAX_TERMS = 5
MAX_EVIDENCE = 3
EVENT_CACHE_SIZE = 4096


@dataclass(frozen=True)
class MatchReasons:
    """Why an event is in a subscriber's digest: the parts of their search it satisfies."""

    sectors: list[tuple[str, list[str]]] = field(default_factory=list)  # (code, evidence)
    topics: list[tuple[str, list[str]]] = field(default_factory=list)
    terms: list[str] = field(default_factory=list)
    audience: str | None = None
    audience_evidence: list[str] = field(default_factory=list)
    distance_km: float | None = None
    near: str | None = None


@dataclass(frozen=True)
class DigestItem:
    event: Event
    reasons: MatchReasons


@dataclass(frozen=True)
class Selection:
    """A subscriber's digest content: at most MAX_EVENTS items of `total` matches, in date order."""

    items: list[DigestItem]
    total: int
    since: datetime | None
    cutoff: datetime

    @property
    def empty(self) -> bool:
        return not self.items


@dataclass(frozen=True)
class _Hit:
    event_id: str
    terms: list[str]


class EventCache:
    """Events by id from the store, batch-loaded and kept in a bounded LRU for one digest run."""

    def __init__(self, store: Store, size: int = EVENT_CACHE_SIZE) -> None:
        self.store = store
        self.size = size
        self._events: OrderedDict[str, Event | None] = OrderedDict()

    def get_many(self, ids: Iterable[str]) -> dict[str, Event]:
        ids = list(ids)
        missing = [event_id for event_id in ids if event_id not in self._events]
        if missing:
            found: dict[str, Event | None] = dict.fromkeys(missing)
            with self.store.session() as session:
                rows = session.execute(
                    select(EventRow.id, EventRow.data).where(
                        EventRow.id.in_(missing), EventRow.removed.is_(False)
                    )
                )
                for event_id, data in rows:
                    found[event_id] = Event.model_validate_json(data)
            self._events.update(found)
        result = {}
        for event_id in ids:
            self._events.move_to_end(event_id)
            event = self._events[event_id]
            if event is not None:
                result[event_id] = event
        while len(self._events) > self.size:
            self._events.popitem(last=False)
        return result


def _marked(text: str | None) -> list[str]:
    """The fragments Meilisearch highlighted (between \\x02 and \\x03)."""
    if not text:
        return []
    found = []
    for part in text.split("\x02")[1:]:
        fragment = part.split("\x03", 1)[0].strip()
        if fragment:
            found.append(fragment)
    return found


def _terms(hit: dict[str, Any]) -> list[str]:
    formatted = hit.get("_formatted") or {}
    terms: dict[str, str] = {}
    for attribute in ("title", "description"):
        for fragment in _marked(formatted.get(attribute)):
            terms.setdefault(fragment.casefold(), fragment)
    return list(terms.values())[:MAX_TERMS]


def _distance_km(center: tuple[float, float], event: Event) -> float | None:
    if event.venue is None or event.venue.geo is None:
        return None
    return distance_km(center, (event.venue.geo.lat, event.venue.geo.lng))


def match_reasons(
    event: Event, query: SearchQuery, terms: list[str], center: tuple[str, float, float] | None
) -> MatchReasons:
    """The parts of the search this event satisfies, with the evidence the tagger recorded."""
    wanted_sectors, wanted_topics = set(query.sectors), set(query.topics)
    sectors = [(tag.code, tag.evidence[:MAX_EVIDENCE]) for tag in event.sectors if tag.code in wanted_sectors]
    topics = [(tag.code, tag.evidence[:MAX_EVIDENCE]) for tag in event.topics if tag.code in wanted_topics]
    distance = _distance_km((center[1], center[2]), event) if center else None
    return MatchReasons(
        sectors=sectors,
        topics=topics,
        terms=terms,
        audience=event.audience.label.value if event.audience else None,
        audience_evidence=event.audience.evidence[:MAX_EVIDENCE] if event.audience else [],
        distance_km=round(distance, 1) if distance is not None else None,
        near=center[0] if center else None,
    )


class Selector:
    """Selects digests for many subscribers in one run, sharing work between equal searches."""

    def __init__(
        self, index: SearchIndex, store: Store, now: datetime, timezone: str = "Europe/Berlin"
    ) -> None:
        self.index = index
        self.timezone = timezone
        self.now = now.astimezone(UTC)
        self.events = EventCache(store)
        self._searches: dict[tuple[str, int | None], tuple[list[_Hit], int]] = {}
        self.queries = 0

    def window(self, subscriber: Subscriber) -> tuple[datetime | None, datetime]:
        """(since, cut-off): events first seen in (since, cut-off]; since None for a first digest."""
        since = subscriber.last_digest_at
        if since is not None and since >= self.now:
            since = self.now
        return since, self.now

    def _query(self, subscriber: Subscriber, since: datetime | None) -> SearchQuery:
        query = search_query(subscriber.search, self.timezone)
        if since is None:
            # A first digest: the coming weeks only, however far the saved search reaches.
            latest = self.now + FIRST_DIGEST_WINDOW
            until = query.until(self.now)
            query = replace(query, within=None, date_to=latest if until is None or until > latest else until)
        return replace(query, page=1, per_page=MAX_EVENTS, facets=False)

    def _search(self, query: SearchQuery, since: datetime | None) -> tuple[list[_Hit], int]:
        params = query.params(self.now, fields=["id"])
        clauses = list(params["filter"])
        clauses.append(f"first_seen_ts <= {int(self.now.timestamp())}")
        if since is not None:
            clauses.append(f"first_seen_ts > {int(since.timestamp())}")
        clauses.append(f'status != "{EventStatus.CANCELLED.value}"')
        params["filter"] = clauses
        # A digest lists events by date; the words matched are only shown as the reason.
        params["sort"] = ["start_ts:asc"]
        if query.text.strip():
            params["cropLength"] = 12
        else:
            for key in (
                "attributesToHighlight",
                "highlightPreTag",
                "highlightPostTag",
                "attributesToCrop",
                "cropLength",
            ):
                params.pop(key, None)
        raw = self.index.search(query.text, params)
        self.queries += 1
        hits = [_Hit(str(hit["id"]), _terms(hit)) for hit in raw.get("hits", [])]
        total = int(raw.get("totalHits", raw.get("estimatedTotalHits", len(hits))))
        return hits, total

    def select(self, subscriber: Subscriber) -> Selection:
        """The digest for one subscriber as of this run's `now`."""
        since, cutoff = self.window(subscriber)
        key = (search_key(subscriber.search), int(since.timestamp()) if since else None)
        query = self._query(subscriber, since)
        if key not in self._searches:
            self._searches[key] = self._search(query, since)
        hits, total = self._searches[key]
        return self.build(subscriber, [hit.event_id for hit in hits], total, since, cutoff, query, hits)

    def build(
        self,
        subscriber: Subscriber,
        event_ids: list[str],
        total: int,
        since: datetime | None,
        cutoff: datetime,
        query: SearchQuery | None = None,
        hits: list[_Hit] | None = None,
    ) -> Selection:
        """A selection from known event ids (also how a logged, unsent digest is rebuilt unchanged)."""
        query = query or self._query(subscriber, since)
        terms = {hit.event_id: hit.terms for hit in hits or []}
        center = search_center(query)
        events = self.events.get_many(event_ids)
        now_ts = int(self.now.timestamp())
        items = []
        for event_id in event_ids:
            event = events.get(event_id)
            if event is None or (event.end_ts or 0) < now_ts:
                continue
            items.append(DigestItem(event, match_reasons(event, query, terms.get(event_id, []), center)))
        items.sort(key=lambda item: (item.event.start_ts or 0, item.event.title))
        return Selection(items=items, total=max(total, len(items)), since=since, cutoff=cutoff)
