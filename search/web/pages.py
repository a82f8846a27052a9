"""Server-rendered pages: the search page (`/`) and the event page (`/events/{id}`).

Every page works without JavaScript; /static/kontext.js only makes the search run as you type.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request
from starlette.responses import Response

from search.facets import facet_groups
from search.index import SearchError, SearchUnavailable
from search.query import QueryError, SearchQuery, SearchResults, run_search
from search.web.context import WebContext, get_context, language
from search.web.i18n import format_date, translate


def query_error_text(error: QueryError, lang: str) -> str:
    """A search parameter mistake in the reader's language."""
    if error.param == "near":
        return translate(lang, "error_near", value=error.value)
    return translate(lang, "error_param", param=error.param, value=error.value, message=error.message)


def parse_query(request: Request, context: WebContext, lang: str) -> tuple[SearchQuery, str | None]:
    """The search of this request, or (the text alone, an error message) when a parameter is wrong."""
    try:
        return SearchQuery.from_params(request.query_params, tz=context.settings.timezone), None
    except QueryError as error:
        return SearchQuery(text=(request.query_params.get("q") or "")[:200]), query_error_text(error, lang)


def search_or_error(context: WebContext, query: SearchQuery, lang: str) -> tuple[SearchResults | None, str | None, int]:
    """Results, or the message and status to show instead."""
    try:
        return run_search(context.index, query, now=context.clock()), None, 200
    except SearchUnavailable:
        return None, translate(lang, "unavailable"), 503
    except SearchError:
        return None, translate(lang, "bad_request"), 400


def router() -> APIRouter:
    """The search page and the event page."""
    pages = APIRouter(include_in_schema=False)

    @pages.get("/")
    def search_page(
        request: Request,
        context: Annotated[WebContext, Depends(get_context)],
        lang: Annotated[str, Depends(language)],
    ) -> Response:
        """The search page: query box, filters with counts, results, feeds, subscribe form."""
        query, error = parse_query(request, context, lang)
        results, status = None, 400
        if error is None:
            results, error, status = search_or_error(context, query, lang)
        facets = results.facets if results else {}
        return context.render(
            request,
            "search.html",
            lang,
            status=status if error else 200,
            query=query,
            results=results,
            error=error,
            facet_groups=facet_groups(query, results, context.vocabulary, lang),
            attendance_counts=facets.get("attendance", {}),
        )

    @pages.get("/events/{event_id}")
    def event_page(
        request: Request,
        event_id: str,
        context: Annotated[WebContext, Depends(get_context)],
        lang: Annotated[str, Depends(language)],
    ) -> Response:
        """An event with all its fields, the evidence behind its tags, its source and its .ics."""
        document = context.index.document(event_id)
        if document is None:
            raise HTTPException(404, "no such event")

        def stamp(key: str) -> str:
            value = document.get(key)
            return format_date(datetime.fromtimestamp(value, UTC), lang) if value else ""

        return context.render(
            request, "event.html", lang, event=document, first_seen=stamp("first_seen_ts"), updated=stamp("updated_ts")
        )

    return pages
