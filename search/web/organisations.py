"""Organiser pages: `/organisers/{key}` lists an organiser's upcoming events (every audience).

The key is the organisation id when the event record has one, else a slug of the organiser's
name (search.index.organizer_key). Issue 8 adds an index of organisations beside this router.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request
from starlette.responses import Response

from search.feeds import safe_url
from search.query import QueryError, SearchQuery
from search.web.context import WebContext, get_context, language
from search.web.pages import search_or_error


def router() -> APIRouter:
    """The organiser pages."""
    organisations = APIRouter(include_in_schema=False)

    @organisations.get("/organisers/{key}")
    def organiser_page(
        request: Request,
        key: str,
        context: Annotated[WebContext, Depends(get_context)],
        lang: Annotated[str, Depends(language)],
    ) -> Response:
        """An organiser's upcoming events, of every audience, by date."""
        if len(key) > 120:
            raise HTTPException(404, "no such organiser")
        try:
            page = SearchQuery.from_params({"page": request.query_params.get("page", "1")}).page
        except QueryError:
            page = 1
        query = SearchQuery(organizer=key, audiences=[], sort="date", facets=False, page=page)
        results, error, status = search_or_error(context, query, lang)
        if error is not None:
            return context.render(request, "error.html", lang, status=status, title=error, message="")
        sample = results.hits[0] if results.hits else None
        if sample is None:
            # No upcoming events: the organiser is known if it has any event at all.
            past = SearchQuery(
                organizer=key, audiences=[], date_from=datetime(1970, 1, 1, tzinfo=UTC), facets=False, per_page=1
            )
            found, _, _ = search_or_error(context, past, lang)
            if not found or not found.hits:
                raise HTTPException(404, "no such organiser")
            sample = found.hits[0]
        document = context.index.document(sample["id"]) or sample
        return context.render(
            request,
            "organiser.html",
            lang,
            query=query,
            results=results,
            name=document.get("organizer") or key,
            kind=document.get("organizer_kind"),
            website=safe_url(document.get("organizer_url")),
            path=f"/organisers/{key}",
        )

    return organisations
