"""The JSON API: `/api/events` (search), `/api/events/{id}` (one event), `/api/facets` (counts).

Search parameters are the search page's (see search/query.py), read here as strings so a bad value
gets the same one-line 400 answer as everywhere else instead of a validation dump; the description
still declares each one's shape (codes, dates, numbers), so what it calls valid is accepted. What no
schema can say (a town the gazetteer does not know, sort=distance without `near`) is a documented 400.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from search.facets import facet_groups
from search.feeds import safe_url
from search.query import (
    ALL,
    ATTENDANCE_FILTER,
    AUDIENCES,
    FALSE,
    HIT_FIELDS,
    MAX_KM,
    MAX_TEXT,
    MAX_TOTAL_HITS,
    SORTS,
    TRUE,
    SearchQuery,
    run_search,
)
from search.vocabulary import load_vocabulary
from search.web.context import WebContext, get_context, plain
from search.web.i18n import LANGUAGES, choose_language
from search.web.problems import problems

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


def shaped(schema: dict[str, Any]) -> Callable[[dict[str, Any]], None]:
    """The documented schema of a parameter read as text: `schema`, keeping title and description.

    FastAPI does not enforce it; SearchQuery.from_params does, with its one-line 400."""

    def replace(generated: dict[str, Any]) -> None:
        kept = {key: generated[key] for key in ("title", "description") if key in generated}
        generated.clear()
        generated.update(schema, **kept)

    return replace


def _one_of(values: list[str]) -> dict[str, Any]:
    return {"type": "array", "items": {"type": "string", "enum": values}}


def _search_parameters() -> dict[str, dict[str, Any]]:
    vocabulary = load_vocabulary()
    date = [{"type": "string", "format": "date"}, {"type": "string", "format": "date-time"}]
    return {
        "q": {"type": "string", "maxLength": MAX_TEXT},
        "sector": _one_of(vocabulary.codes("sectors")),
        "topic": _one_of(vocabulary.codes("topics")),
        "format": _one_of(vocabulary.codes("formats")),
        "audience": _one_of([*AUDIENCES, ALL]),
        "region": {"type": "array", "items": {"type": "string"}},
        # A custom format: a town or postcode the gazetteer knows (pipelines/places.py), or "lat,lng".
        "near": {"type": "string", "maxLength": 100, "format": "place"},
        "km": {"type": "number", "exclusiveMinimum": 0, "maximum": MAX_KM},
        "from": {"anyOf": date},
        "to": {"anyOf": [*date, {"type": "string", "pattern": "^[Pp][0-9]{1,3}[DWMdwm]$"}]},
        "attendance": {"type": "string", "enum": list(ATTENDANCE_FILTER)},
        "free": {"type": "string", "enum": [*sorted(TRUE), *sorted(FALSE)]},
        # "distance" is valid only beside `near`, which no parameter schema can say: it is named in the
        # description instead, and without `near` it is a 400.
        "sort": {"type": "string", "enum": [sort for sort in SORTS if sort != "distance"]},
    }


# The shape of each search parameter, as the API, the feeds and the subscribe form declare it.
SEARCH_PARAMETERS = _search_parameters()
MAX_PER_PAGE = 100


def search_query(
    request: Request,
    context: Annotated[WebContext, Depends(get_context)],
    q: Annotated[str, Query(max_length=MAX_TEXT, description="Search text, German or English")] = "",
    sector: Annotated[
        list[str] | None,
        Query(
            description="Sector code (config/sectors.yaml); repeatable",
            json_schema_extra=shaped(SEARCH_PARAMETERS["sector"]),
        ),
    ] = None,
    topic: Annotated[
        list[str] | None,
        Query(description="Topic code; repeatable", json_schema_extra=shaped(SEARCH_PARAMETERS["topic"])),
    ] = None,
    format: Annotated[
        list[str] | None,
        Query(
            description="Format code, e.g. trade-fair; repeatable",
            json_schema_extra=shaped(SEARCH_PARAMETERS["format"]),
        ),
    ] = None,
    audience: Annotated[
        list[str] | None,
        Query(
            description="sme, mixed, startup, professional, public; default sme+mixed; `all`",
            json_schema_extra=shaped(SEARCH_PARAMETERS["audience"]),
        ),
    ] = None,
    region: Annotated[list[str] | None, Query(description="Bundesland / region; repeatable")] = None,
    near: Annotated[
        str | None,
        Query(
            max_length=100,
            description="Town, postcode or lat,lng; a place we do not know is a 400",
            json_schema_extra=shaped(SEARCH_PARAMETERS["near"]),
        ),
    ] = None,
    km: Annotated[
        str | None,
        Query(description="Radius around `near` in km (default 25)", json_schema_extra=shaped(SEARCH_PARAMETERS["km"])),
    ] = None,
    from_: Annotated[
        str | None,
        Query(
            alias="from",
            description="Earliest date (ISO); default now",
            json_schema_extra=shaped(SEARCH_PARAMETERS["from"]),
        ),
    ] = None,
    to: Annotated[
        str | None,
        Query(
            description="Latest start: ISO date, or a period from now (P7D, P4W, P3M)",
            json_schema_extra=shaped(SEARCH_PARAMETERS["to"]),
        ),
    ] = None,
    attendance: Annotated[
        str | None,
        Query(description="online, offline or mixed", json_schema_extra=shaped(SEARCH_PARAMETERS["attendance"])),
    ] = None,
    free: Annotated[
        str | None,
        Query(
            description="1 = free events only, 0 = events that are not free",
            json_schema_extra=shaped(SEARCH_PARAMETERS["free"]),
        ),
    ] = None,
    sort: Annotated[
        str | None,
        Query(
            description="relevance, date, sme; also distance when `near` is given (a 400 without)",
            json_schema_extra=shaped(SEARCH_PARAMETERS["sort"]),
        ),
    ] = None,
    page: Annotated[
        str | None,
        Query(
            description=f"Page number, from 1, while page × per_page stays within {MAX_TOTAL_HITS} events (page "
            f"{MAX_TOTAL_HITS // 20} at 20 per page; the maximum below holds at any per_page); beyond is a 400",
            json_schema_extra=shaped({"type": "integer", "minimum": 1, "maximum": MAX_TOTAL_HITS // MAX_PER_PAGE}),
        ),
    ] = None,
    per_page: Annotated[int, Query(ge=1, le=MAX_PER_PAGE, description="Events per page")] = 20,
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
    api = APIRouter(prefix="/api", tags=["events"], responses=problems(400, 503))

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

    @api.get(
        "/events/{event_id}",
        summary="One event with all its fields",
        responses=problems(404, meanings={404: "No such event"}),
    )
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
        lang: Annotated[
            str | None,
            Query(
                description="Label language: de or en (else the browser's)",
                json_schema_extra=shaped({"type": "string", "enum": list(LANGUAGES)}),
            ),
        ] = None,
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
