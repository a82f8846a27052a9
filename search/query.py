"""The query layer: what a search asks for, turned into Meilisearch parameters, and its results.

Shared by the web page, the JSON API, `kontext search` and the digest, so every surface filters
the same way. By default a search shows upcoming SME-heavy and mixed events.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from search.index import SearchIndex

DEFAULT_AUDIENCES = ("sme", "mixed")
FACETS = ["sectors", "topics", "format", "audience", "region", "attendance", "organizer"]


def _quote(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


@dataclass
class SearchQuery:
    text: str = ""
    sectors: list[str] = field(default_factory=list)
    topics: list[str] = field(default_factory=list)
    formats: list[str] = field(default_factory=list)
    audiences: list[str] = field(default_factory=lambda: list(DEFAULT_AUDIENCES))
    regions: list[str] = field(default_factory=list)
    organizer: str | None = None
    date_from: datetime | None = None
    date_to: datetime | None = None
    attendance: str | None = None
    free: bool | None = None
    sort: str = "relevance"  # relevance | date | sme
    page: int = 1
    per_page: int = 20
    facets: bool = True

    def filters(self, now: datetime | None = None) -> list[str | list[str]]:
        """Meilisearch filter expressions: a list is AND, a nested list is OR."""
        now = now or datetime.now(UTC)
        clauses: list[str | list[str]] = []
        for attribute, values in (
            ("sectors", self.sectors),
            ("topics", self.topics),
            ("format", self.formats),
            ("audience", self.audiences),
            ("region", self.regions),
        ):
            if values:
                clauses.append([f"{attribute} = {_quote(value)}" for value in values])
        if self.organizer:
            clauses.append(f"organizer = {_quote(self.organizer)}")
        start = self.date_from or now
        clauses.append(f"end_ts >= {int(start.timestamp())}")
        if self.date_to:
            clauses.append(f"start_ts <= {int(self.date_to.timestamp())}")
        if self.attendance:
            clauses.append(f"attendance = {_quote(self.attendance)}")
        if self.free is not None:
            clauses.append(f"free = {'true' if self.free else 'false'}")
        return clauses

    def params(self, now: datetime | None = None) -> dict[str, Any]:
        params: dict[str, Any] = {
            "filter": self.filters(now),
            "hitsPerPage": max(1, min(self.per_page, 100)),
            "page": max(1, self.page),
            "attributesToHighlight": ["title", "description"],
            "highlightPreTag": "\x02",
            "highlightPostTag": "\x03",
            "attributesToCrop": ["description"],
            "cropLength": 40,
        }
        if self.facets:
            params["facets"] = FACETS
        if self.sort == "date":
            params["sort"] = ["start_ts:asc"]
        elif self.sort == "sme":
            params["sort"] = ["sme_score:desc", "start_ts:asc"]
        return params


@dataclass
class SearchResults:
    hits: list[dict[str, Any]]
    total: int
    page: int
    pages: int
    facets: dict[str, dict[str, int]]
    took_ms: int


def run_search(index: SearchIndex, query: SearchQuery, now: datetime | None = None) -> SearchResults:
    raw = index.search(query.text, query.params(now))
    return SearchResults(
        hits=raw.get("hits", []),
        total=int(raw.get("totalHits", raw.get("estimatedTotalHits", 0))),
        page=int(raw.get("page", 1)),
        pages=int(raw.get("totalPages", 1)),
        facets=raw.get("facetDistribution", {}) or {},
        took_ms=int(raw.get("processingTimeMs", 0)),
    )
