"""The JSON API: `/api/events` (search), `/api/events/{id}` (one event), `/api/facets` (counts).

Search parameters are the search page's (see search/query.py), declared here as strings so a bad
value gets the same one-line 400 answer as everywhere else instead of a validation dump.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from search.facets import facet_groups
from search.feeds import safe_url
from search.query import HIT_FIELDS, SearchQuery, run_search
from search.web.context import WebContext, get_context, plain
from search.web.i18n import LANGUAGES, choose_language

PRIVATE_FIELDS = {"title_parts", "description_parts", "title_sort", "_formatted", "_geoDistance"}
LINK_FIELDS = ("url", "registration_url", "organizer_url", "image")


class EventHit(BaseModel):
    """One event of a result list (the fields a list needs; /api/events/{id} has all)."""

    model_config = ConfigDict(extra="allow")

    id: str
    title: str
    start: str | None = None
    end: str | None = None
    all_day: bool = False
    city: str | None = None
    region: str | None = None
    attendance: str | None = None
    organizer: str | None = None
    format: str | None = None
    sectors: list[str] = Field(default_factory=list)
    topics: list[str] = Field(default_factory=list)
    audience: str | None = None
    sme_score: float = 0.0
    distance_km: float | None = None
    snippet: str | None = Field(default=None, description="The description around the words searched for")
    page: str = Field(description="The event's page on this site")


class SearchAnswer(BaseModel):
    """One page of a search."""

    query: dict[str, list[str]] = Field(description="The search as parameters, defaults left out")
    total: int
    page: int
    pages: int
    per_page: int
    hits: list[EventHit]
    facets: dict[str, dict[str, int]] = Field(description="Counts per facet value")


class FacetValue(BaseModel):
    """One facet value with its label and count."""

    value: str
    label: str
    count: int | None
    selected: bool


class FacetsAnswer(BaseModel):
    """The facet counts of a search, labelled."""

    total: int
    facets: dict[str, list[FacetValue]]


class Problem(BaseModel):
    """A one-line error; `param` names the search parameter at fault."""

    detail: str
    param: str | None = None


def search_query(
    request: Request,
    context: Annotated[WebContext, Depends(get_context)],
    q: Annotated[str, Query(max_length=200, description="Search text, German or English")] = "",
    sector: Annotated[list[str] | None, Query(description="Sector code (config/sectors.yaml); repeatable")] = None,
    topic: Annotated[list[str] | None, Query(description="Topic code; repeatable")] = None,
    format: Annotated[list[str] | None, Query(description="Format code, e.g. trade-fair; repeatable")] = None,
    audience: Annotated[
        list[str] | None, Query(description="sme, mixed, startup, professional, public; default sme+mixed; `all`")
    ] = None,
    region: Annotated[list[str] | None, Query(description="Bundesland / region; repeatable")] = None,
    near: Annotated[str | None, Query(max_length=100, description="Town, postcode or lat,lng")] = None,
    km: Annotated[str | None, Query(description="Radius around `near` in km (default 25)")] = None,
    from_: Annotated[str | None, Query(alias="from", description="Earliest date (ISO); default now")] = None,
    to: Annotated[str | None, Query(description="Latest start: ISO date, or a period from now (P7D, P3M)")] = None,
    attendance: Annotated[str | None, Query(description="online, offline or mixed")] = None,
    free: Annotated[str | None, Query(description="1 = free events only")] = None,
    sort: Annotated[str | None, Query(description="relevance, date, sme, distance")] = None,
    page: Annotated[str | None, Query(description="Page number, from 1")] = None,
    per_page: Annotated[int, Query(ge=1, le=100, description="Events per page")] = 20,
) -> SearchQuery:
    """The search of an API request (QueryError -> 400 in the app's handler)."""
    return SearchQuery.from_params(request.query_params, tz=context.settings.timezone, per_page=per_page)


def _grouped(params: list[tuple[str, str]]) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = {}
    for name, value in params:
        grouped.setdefault(name, []).append(value)
    return grouped


def public_document(document: dict[str, Any], base_url: str) -> dict[str, Any]:
    """A document as the API shows it: no index-internal fields, plus the link to its page."""
    shown = {key: value for key, value in document.items() if key not in PRIVATE_FIELDS}
    formatted = document.get("_formatted") or {}
    if "description" not in document and formatted.get("description"):
        shown["snippet"] = plain(formatted["description"])
    for key in LINK_FIELDS:
        if key in shown:
            shown[key] = safe_url(shown[key])  # a crawled javascript: or data: "link" is no link
    if "source_urls" in shown:
        shown["source_urls"] = [url for url in shown["source_urls"] or [] if safe_url(url)]
    shown["page"] = f"{base_url}/events/{document['id']}"
    return shown


def router() -> APIRouter:
    """The events API: search, one event, facet counts."""
    api = APIRouter(prefix="/api", tags=["events"], responses={400: {"model": Problem}, 503: {"model": Problem}})

    @api.get("/events", response_model=SearchAnswer, summary="Search events")
    def search_events(
        query: Annotated[SearchQuery, Depends(search_query)],
        context: Annotated[WebContext, Depends(get_context)],
    ) -> dict[str, Any]:
        """Events matching the search parameters, one page, with facet counts."""
        results = run_search(
            context.index, query, now=context.clock(), fields=[*HIT_FIELDS, "organizer_url", "updated_ts"]
        )
        return {
            "query": _grouped(query.to_params()),
            "total": results.total,
            "page": results.page,
            "pages": results.pages,
            "per_page": results.per_page,
            "hits": [public_document(hit, context.base_url) for hit in results.hits],
            "facets": results.facets,
        }

    @api.get("/events/{event_id}", summary="One event with all its fields", responses={404: {"model": Problem}})
    def get_event(event_id: str, context: Annotated[WebContext, Depends(get_context)]) -> dict[str, Any]:
        """One event with every field the index holds."""
        document = context.index.document(event_id)
        if document is None:
            raise HTTPException(404, "no such event")
        return public_document(document, context.base_url)

    @api.get("/facets", response_model=FacetsAnswer, summary="Facet counts of a search, labelled")
    def get_facets(
        request: Request,
        query: Annotated[SearchQuery, Depends(search_query)],
        context: Annotated[WebContext, Depends(get_context)],
        lang: Annotated[str | None, Query(description="Label language: de or en")] = None,
    ) -> dict[str, Any]:
        """The facet counts of a search, each value labelled in `lang`."""
        lang = choose_language(lang if lang in LANGUAGES else None, request.headers.get("accept-language"))
        query.per_page = 1
        results = run_search(context.index, query, now=context.clock(), fields=["id"])
        groups = {
            group.name: [vars(option) for option in group.options]
            for group in facet_groups(query, results, context.vocabulary, lang)
        }
        for name in ("attendance", "free"):
            groups[name] = [
                {"value": value, "label": value, "count": count, "selected": False}
                for value, count in (results.facets.get(name) or {}).items()
            ]
        return {"total": results.total, "facets": groups}

    return api
