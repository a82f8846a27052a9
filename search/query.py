"""The query layer: what a search asks for, turned into Meilisearch parameters, and its results.

Shared by the web page, the JSON API, the feeds, `kontext search` and the digest, so every surface
filters the same way. A search is written as URL parameters with the same names everywhere
(`SearchQuery.from_params` / `to_params`), so a saved search round-trips:

    q           text                        sector, topic, format, audience, region   (repeatable)
    near, km    within km of a town, postcode or "lat,lng" (km default 25)
    from, to    ISO dates; `to` may also be a period from now: P7D, P4W, P3M
    attendance  online (online + hybrid) | offline (all but online-only) | mixed (hybrid only)
    free        1 = free events only        sort  relevance | date | sme | distance     page

Defaults: SME-heavy and mixed events (`audience=all` lifts that), upcoming events (an event counts
until it ends), relevance order (date order when there is no text).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from kontext.errors import UserError
from kontext.vocabulary import Attendance, AudienceLabel
from search.compounds import load_decompounder
from search.index import SearchIndex
from search.vocabulary import load_vocabulary

DEFAULT_AUDIENCES = ("sme", "mixed")
ALL = "all"
AUDIENCES = tuple(label.value for label in AudienceLabel)
# What each attendance choice filters on: on-site includes hybrid events and those whose
# attendance mode is unknown (most such pages describe a place), online includes hybrid ones.
ATTENDANCE_FILTER = {
    Attendance.ONLINE.value: '(attendance = "online" OR attendance = "mixed")',
    Attendance.OFFLINE.value: 'attendance != "online"',
    Attendance.MIXED.value: 'attendance = "mixed"',
}
SORTS = ("relevance", "date", "sme", "distance")
# Facets with counts. A chosen value of the multi-valued filters (DISJUNCTIVE) must not hide the
# counts of the other values (choosing "Energie" must not hide how many "Logistik" events there
# are): those facets are counted by one extra search without their own filter, in the same round
# trip. The default audience is not a choice: its counts come with the search itself (an extra
# search on every page view would double the work; bench/search_latency.py).
FACETS = ["sectors", "topics", "format", "audience", "region", "attendance", "free"]
DISJUNCTIVE = {
    "sectors": "sectors",
    "topics": "topics",
    "formats": "format",
    "audiences": "audience",
    "regions": "region",
}
# What a result list needs of a hit (the event page and the feeds read whole documents). The
# description comes cropped and highlighted in `_formatted` only: whole ones would triple the answer.
HIT_FIELDS = [
    "id",
    "title",
    "start",
    "end",
    "start_ts",
    "end_ts",
    "all_day",
    "status",
    "attendance",
    "venue_name",
    "postcode",
    "city",
    "region",
    "country",
    "organizer",
    "organizer_key",
    "organizer_kind",
    "format",
    "sectors",
    "topics",
    "audience",
    "sme_score",
    "audience_evidence",
    "free",
    "price_text",
    "url",
    "_geo",
]
DEFAULT_KM = 25.0
MAX_KM = 500.0
MAX_TEXT = 200
MAX_TOTAL_HITS = 5000
PERIOD = re.compile(r"^P(\d{1,3})([DWM])$", re.IGNORECASE)
COORDINATES = re.compile(r"^\s*(-?\d{1,2}(?:\.\d+)?)\s*,\s*(-?\d{1,3}(?:\.\d+)?)\s*$")
CONTROL = re.compile(r"[\x00-\x1f\x7f]")
TRUE = {"1", "true", "yes", "on", "ja"}
FALSE = {"0", "false", "no", "off", "nein"}
# Expand German compounds in the query into their parts (see search/compounds.py and
# bench/relevance.py for why this is on).
EXPAND_COMPOUNDS = True


class QueryError(UserError):
    """A search parameter is wrong; `param` names it, `value` is what was given."""

    def __init__(self, param: str, value: str, message: str) -> None:
        super().__init__(f"{param}={value!r}: {message}")
        self.param = param
        self.value = value
        self.message = message


def _quote(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _raw(params: Mapping[str, Any], name: str) -> list[str]:
    getlist = getattr(params, "getlist", None)
    raw = getlist(name) if callable(getlist) else params.get(name)
    if raw is None:
        return []
    return [str(item) for item in (raw if isinstance(raw, list | tuple) else [raw])]


def _values(params: Mapping[str, Any], name: str) -> list[str]:
    """All values of a multi-valued parameter: repeated (sector=a&sector=b), comma-separated, or a list."""
    values: list[str] = []
    for item in _raw(params, name):
        values.extend(part.strip() for part in item.split(",") if part.strip())
    return list(dict.fromkeys(values))


def _single(params: Mapping[str, Any], name: str) -> str | None:
    """The last non-empty value of a single-valued parameter (a comma is part of it: "52.5,13.4")."""
    values = [item.strip() for item in _raw(params, name) if item.strip()]
    return values[-1] if values else None


def _clean(text: str) -> str:
    """Typed text without control characters (never useful, and \x02/\x03 mark highlights)."""
    return CONTROL.sub("", text).strip()


def _parse_moment(name: str, value: str, tz: str, end_of_day: bool) -> datetime:
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise QueryError(name, value, "expected an ISO date such as 2026-05-31") from None
    if len(value) <= 10:  # a bare date: the whole day counts
        parsed = datetime.combine(parsed.date(), time.max if end_of_day else time.min)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=ZoneInfo(tz))


def _period(value: str) -> timedelta:
    match = PERIOD.match(value)
    if match is None:
        raise ValueError(value)
    amount, unit = int(match[1]), match[2].upper()
    return timedelta(days=amount * {"D": 1, "W": 7, "M": 30}[unit])


def distance_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance in km between two (lat, lng) points."""
    lat1, lng1, lat2, lng2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lng2 - lng1) / 2) ** 2
    return 6371.0088 * 2 * math.asin(min(1.0, math.sqrt(h)))


def _coordinates(text: str) -> tuple[float, float, str] | None:
    match = COORDINATES.match(text)
    if match is None:
        return None
    lat, lng = float(match[1]), float(match[2])
    return (lat, lng, text.strip()) if -90 <= lat <= 90 and -180 <= lng <= 180 else None


def locate_near(text: str) -> tuple[float, float, str] | None:
    """(lat, lng, label) of a town or a postcode; None when the gazetteer knows no such place."""
    from pipelines.places import locate  # the gazetteer loads on first use only

    place = locate(text)
    if place is None or place.lat is None or place.lng is None:
        return None
    label = " ".join(part for part in (place.postcode, place.city) if part) or text.strip()
    return place.lat, place.lng, label


@dataclass
class SearchQuery:
    """One search: text, filters, sort and page; see the module docstring for the parameters."""

    text: str = ""
    sectors: list[str] = field(default_factory=list)
    topics: list[str] = field(default_factory=list)
    formats: list[str] = field(default_factory=list)
    audiences: list[str] = field(default_factory=lambda: list(DEFAULT_AUDIENCES))
    regions: list[str] = field(default_factory=list)
    organizer: str | None = None  # an organizer_key (organiser page)
    date_from: datetime | None = None
    date_to: datetime | None = None
    within: str | None = None  # `to` as a period from now (P3M), kept so a saved search keeps rolling
    near: str | None = None  # as typed: town, postcode or "lat,lng"
    km: float | None = None
    geo: tuple[float, float] | None = None  # where `near` is
    near_label: str | None = None
    attendance: str | None = None
    free: bool | None = None
    sort: str = "relevance"
    page: int = 1
    per_page: int = 20
    facets: bool = True

    # --- URL parameters -------------------------------------------------------------------

    @classmethod
    def from_params(
        cls,
        params: Mapping[str, Any],
        *,
        tz: str = "Europe/Berlin",
        per_page: int = 20,
        locate: Callable[[str], tuple[float, float, str] | None] = locate_near,
    ) -> SearchQuery:
        """A search from URL-style parameters (a dict, or a multi-dict such as request.query_params).

        Raises QueryError naming the parameter for anything wrong; empty values count as absent.
        """
        vocabulary = load_vocabulary()
        query = cls(text=_clean(_single(params, "q") or "")[:MAX_TEXT], per_page=per_page)
        for name, attribute, kind in (
            ("sector", "sectors", "sectors"),
            ("topic", "topics", "topics"),
            ("format", "formats", "formats"),
        ):
            values = _values(params, name)
            known = set(vocabulary.codes(kind))
            for value in values:
                if value not in known:
                    raise QueryError(name, value, f"unknown {name} code")
            setattr(query, attribute, values)
        audiences = _values(params, "audience")
        for value in audiences:
            if value != ALL and value not in AUDIENCES:
                raise QueryError("audience", value, f"expected one of {', '.join((*AUDIENCES, ALL))}")
        if audiences:
            query.audiences = [] if ALL in audiences else audiences
        query.regions = [_clean(value)[:100] for value in _values(params, "region")]
        query.organizer = (_single(params, "organizer") or "")[:120] or None
        if (value := _single(params, "from")) is not None:
            query.date_from = _parse_moment("from", value, tz, end_of_day=False)
        if (value := _single(params, "to")) is not None:
            if PERIOD.match(value):
                query.within = value.upper()
            else:
                query.date_to = _parse_moment("to", value, tz, end_of_day=True)
        if (value := _single(params, "km")) is not None:
            try:
                query.km = float(value)
            except ValueError:
                raise QueryError("km", value, "expected a number of kilometres") from None
            if not (0 < query.km <= MAX_KM) or math.isnan(query.km):
                raise QueryError("km", value, f"expected a distance between 1 and {MAX_KM:.0f} km")
        if (value := _single(params, "near")) is not None:
            value = value[:100]
            found = _coordinates(value) if COORDINATES.match(value) else locate(value)
            if found is None:
                raise QueryError("near", value, "no such town or postcode")
            query.near, query.geo, query.near_label = value, (found[0], found[1]), found[2]
        if (value := _single(params, "attendance")) is not None:
            if value not in ATTENDANCE_FILTER:
                raise QueryError("attendance", value, f"expected one of {', '.join(ATTENDANCE_FILTER)}")
            query.attendance = value
        if (value := _single(params, "free")) is not None:
            if value.lower() not in TRUE | FALSE:
                raise QueryError("free", value, "expected 1 or 0")
            query.free = value.lower() in TRUE
        if (value := _single(params, "sort")) is not None:
            if value not in SORTS or (value == "distance" and query.geo is None):
                allowed = SORTS if query.geo else SORTS[:-1]
                raise QueryError("sort", value, f"expected one of {', '.join(allowed)}")
            query.sort = value
        if (value := _single(params, "page")) is not None:
            try:
                query.page = int(value)
            except ValueError:
                raise QueryError("page", value, "expected a page number") from None
            if not 1 <= query.page <= MAX_TOTAL_HITS // max(1, per_page):
                raise QueryError("page", value, "page out of range")
        return query

    def to_params(self, *, page: bool = True) -> list[tuple[str, str]]:
        """The search as URL parameters (defaults left out); `from_params` reads them back."""
        params: list[tuple[str, str]] = []
        if self.text:
            params.append(("q", self.text))
        for name, values in (("sector", self.sectors), ("topic", self.topics), ("format", self.formats)):
            params.extend((name, value) for value in values)
        if not self.audiences:
            params.append(("audience", ALL))
        elif sorted(self.audiences) != sorted(DEFAULT_AUDIENCES):
            params.extend(("audience", value) for value in self.audiences)
        params.extend(("region", value) for value in self.regions)
        if self.organizer:
            params.append(("organizer", self.organizer))
        if self.near:
            params.append(("near", self.near))
        if self.km is not None and self.near:
            params.append(("km", f"{self.km:g}"))
        if self.date_from:
            params.append(("from", self.date_from.date().isoformat()))
        if self.within:
            params.append(("to", self.within))
        elif self.date_to:
            params.append(("to", self.date_to.date().isoformat()))
        if self.attendance:
            params.append(("attendance", self.attendance))
        if self.free is not None:
            params.append(("free", "1" if self.free else "0"))
        if self.sort != "relevance":
            params.append(("sort", self.sort))
        if page and self.page > 1:
            params.append(("page", str(self.page)))
        return params

    # --- Meilisearch parameters -----------------------------------------------------------

    @property
    def radius_km(self) -> float:
        """The radius of a `near` search (25 km unless `km` says otherwise)."""
        return self.km if self.km is not None else DEFAULT_KM

    def until(self, now: datetime) -> datetime | None:
        """The latest start this search accepts (a `to` period counts from `now`)."""
        if self.within:
            return now + _period(self.within)
        return self.date_to

    def filters(self, now: datetime | None = None, skip: str | None = None) -> list[str | list[str]]:
        """Meilisearch filter expressions: a list is AND, a nested list is OR. `skip` leaves out
        one multi-valued filter (a SearchQuery attribute name), for its facet counts."""
        now = now or datetime.now(UTC)
        clauses: list[str | list[str]] = []
        for attribute, name in DISJUNCTIVE.items():
            values = getattr(self, attribute)
            if values and attribute != skip:
                clauses.append([f"{name} = {_quote(value)}" for value in values])
        if self.organizer:
            clauses.append(f"organizer_key = {_quote(self.organizer)}")
        start = self.date_from or now
        clauses.append(f"end_ts >= {int(start.timestamp())}")
        until = self.until(now)
        if until:
            clauses.append(f"start_ts <= {int(until.timestamp())}")
        if self.attendance:
            clauses.append(ATTENDANCE_FILTER[self.attendance])
        if self.free is not None:
            clauses.append(f"free = {'true' if self.free else 'false'}")
        if self.geo:
            lat, lng = self.geo
            clauses.append(f"_geoRadius({lat:.6f}, {lng:.6f}, {int(self.radius_km * 1000)})")
        return clauses

    def search_text(self) -> str:
        """The text Meilisearch gets: German compounds expanded into their parts."""
        text = self.text.strip()
        return load_decompounder().expand_query(text) if EXPAND_COMPOUNDS and text else text

    def params(self, now: datetime | None = None, fields: list[str] | None = HIT_FIELDS) -> dict[str, Any]:
        """Meilisearch search parameters (with `q`); `fields=None` retrieves whole documents."""
        params: dict[str, Any] = {
            "q": self.search_text(),
            "filter": self.filters(now),
            "hitsPerPage": max(1, min(self.per_page, 100)),
            "page": max(1, self.page),
            "attributesToHighlight": ["title", "description"],
            "highlightPreTag": "\x02",
            "highlightPostTag": "\x03",
            "attributesToCrop": ["description"],
            "cropLength": 40,
        }
        if fields is not None:
            params["attributesToRetrieve"] = fields
        if self.facets:
            params["facets"] = FACETS
        if self.sort == "date" or (self.sort == "relevance" and not self.text.strip()):
            params["sort"] = ["start_ts:asc"]
        elif self.sort == "sme":
            params["sort"] = ["sme_score:desc", "start_ts:asc"]
        elif self.sort == "distance" and self.geo:
            params["sort"] = [f"_geoPoint({self.geo[0]:.6f}, {self.geo[1]:.6f}):asc", "start_ts:asc"]
        return params

    def facet_queries(self, now: datetime | None = None) -> list[tuple[str, dict[str, Any]]]:
        """For each multi-valued filter in use: (facet, a count-only search without that filter)."""
        queries = []
        for attribute, facet in DISJUNCTIVE.items():
            if attribute == "audiences" and sorted(self.audiences) == sorted(DEFAULT_AUDIENCES):
                continue
            if self.facets and getattr(self, attribute):
                queries.append(
                    (
                        facet,
                        {
                            "q": self.search_text(),
                            "filter": self.filters(now, skip=attribute),
                            "facets": [facet],
                            "limit": 0,
                        },
                    )
                )
        return queries


@dataclass
class SearchResults:
    """A page of hits with the total, the page count and the facet counts."""

    hits: list[dict[str, Any]]
    total: int
    page: int
    pages: int
    facets: dict[str, dict[str, int]]
    took_ms: int
    per_page: int = 20


def run_search(
    index: SearchIndex, query: SearchQuery, now: datetime | None = None, fields: list[str] | None = HIT_FIELDS
) -> SearchResults:
    """Run a search (one round trip, also with facet counts per selected filter)."""
    now = now or datetime.now(UTC)
    main = query.params(now, fields)
    extra = query.facet_queries(now)
    if extra:
        results = index.multi_search([main, *(params for _, params in extra)])
        raw = results[0]
        facets = dict(raw.get("facetDistribution") or {})
        for (facet, _), counted in zip(extra, results[1:], strict=True):
            facets[facet] = (counted.get("facetDistribution") or {}).get(facet, {})
    else:
        raw = index.search(query.text, main)
        facets = dict(raw.get("facetDistribution") or {})
    hits = raw.get("hits", [])
    if query.geo:
        for hit in hits:
            geo = hit.get("_geo")
            if geo:
                hit["distance_km"] = round(distance_km(query.geo, (geo["lat"], geo["lng"])), 1)
    return SearchResults(
        hits=hits,
        total=int(raw.get("totalHits", raw.get("estimatedTotalHits", 0))),
        page=int(raw.get("page", 1)),
        pages=int(raw.get("totalPages", 1)),
        facets=facets,
        took_ms=int(raw.get("processingTimeMs", 0)),
        per_page=query.per_page,
    )
