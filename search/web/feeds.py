"""Feeds: every search as an iCalendar feed and an Atom feed, and each event as an .ics file."""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException
from fastapi.responses import Response

from search.feeds import atom, calendar
from search.query import SearchQuery, run_search
from search.web.api import search_query
from search.web.context import WebContext, get_context, search_url
from search.web.i18n import DEFAULT_LANGUAGE, format_when
from search.web.problems import problems

FEED_SIZE = 100
ICS = "text/calendar; charset=utf-8"


def _title(query: SearchQuery) -> str:
    return f"Kontext: {query.text}" if query.text else "Kontext"


def router() -> APIRouter:
    """Calendar and Atom feeds of a search, and one event's .ics."""
    feeds = APIRouter(tags=["feeds"], responses=problems(400, 503))

    @feeds.get(
        "/events/{event_id}.ics",
        summary="One event as an iCalendar file (add to calendar)",
        response_class=Response,
        responses={200: {"content": {"text/calendar": {}}}, **problems(404, meanings={404: "No such event"})},
    )
    def event_ics(event_id: str, context: Annotated[WebContext, Depends(get_context)]) -> Response:
        """One event as an iCalendar file to add to a calendar."""
        document = context.index.document(event_id)
        if document is None:
            raise HTTPException(404, "no such event")
        body = calendar([document], document.get("title") or "Kontext", context.base_url, now=context.clock())
        headers = {"Content-Disposition": f'attachment; filename="kontext-{document["id"]}.ics"'}
        return Response(body, media_type=ICS, headers=headers)

    @feeds.get(
        "/feeds/events.ics",
        summary="A search as an iCalendar feed (the next 100 events by date)",
        response_class=Response,
        responses={200: {"content": {"text/calendar": {}}}},
    )
    def search_ics(
        query: Annotated[SearchQuery, Depends(search_query)], context: Annotated[WebContext, Depends(get_context)]
    ) -> Response:
        """The next events of a search as an iCalendar feed."""
        query = replace(query, sort="date", page=1, per_page=FEED_SIZE, facets=False)
        now = context.clock()
        results = run_search(context.index, query, now=now, fields=None)
        return Response(calendar(results.hits, _title(query), context.base_url, now=now), media_type=ICS)

    @feeds.get(
        "/feeds/events.atom",
        summary="A search as an Atom feed (the 100 events found most recently)",
        response_class=Response,
        responses={200: {"content": {"application/atom+xml": {}}}},
    )
    def search_atom(
        query: Annotated[SearchQuery, Depends(search_query)], context: Annotated[WebContext, Depends(get_context)]
    ) -> Response:
        """The events of a search found most recently, as an Atom feed."""
        query = replace(query, page=1, per_page=FEED_SIZE, facets=False)
        now = context.clock()
        params = query.params(now, fields=None)
        params["sort"] = ["first_seen_ts:desc", "start_ts:asc"]
        hits = context.index.search(query.text, params).get("hits", [])
        body = atom(
            hits,
            title=_title(query),
            self_url=context.base_url + search_url(query, DEFAULT_LANGUAGE, path="/feeds/events.atom"),
            alternate_url=context.base_url + search_url(query, DEFAULT_LANGUAGE),
            base_url=context.base_url,
            now=now,
            when=lambda document: format_when(
                document.get("start"), document.get("end"), bool(document.get("all_day")), "de"
            ),
        )
        return Response(body, media_type="application/atom+xml; charset=utf-8")

    return feeds
