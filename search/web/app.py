"""The FastAPI application: server-rendered pages plus a JSON API, all through the query layer.

Queries run server-side with the master key; no key ever reaches the browser.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, FastAPI, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from markupsafe import Markup, escape

from kontext.services import Meili
from kontext.settings import Settings
from search.index import SearchError, SearchIndex, SearchUnavailable
from search.query import DEFAULT_AUDIENCES, SearchQuery, SearchResults, run_search

HERE = Path(__file__).resolve().parent
CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)


def highlight(value: str | None) -> Markup:
    """Escape crawled text, then turn the index's highlight markers into <mark>."""
    escaped = str(escape(value or ""))
    return Markup(escaped.replace("\x02", "<mark>").replace("\x03", "</mark>"))


def when(value: str | None, all_day: bool = False) -> str:
    if not value:
        return ""
    moment = datetime.fromisoformat(value)
    return moment.strftime("%d.%m.%Y") if all_day else moment.strftime("%d.%m.%Y, %H:%M")


def create_app(settings: Settings, meili: Meili) -> FastAPI:
    app = FastAPI(title="Kontext", summary="Events where small and medium-sized companies meet.")
    templates = Jinja2Templates(directory=HERE / "templates")
    templates.env.filters["highlight"] = highlight
    templates.env.filters["when"] = when
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    events_index = SearchIndex(meili, settings.events_index)

    def index_dependency() -> SearchIndex:
        return events_index

    @app.middleware("http")
    async def security_headers(request: Request, call_next):
        response = await call_next(request)
        response.headers["Content-Security-Policy"] = CSP
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "same-origin"
        return response

    @app.exception_handler(SearchUnavailable)
    async def unavailable(request: Request, error: SearchUnavailable) -> JSONResponse:
        return JSONResponse({"detail": "search is temporarily unavailable"}, status_code=503)

    @app.exception_handler(SearchError)
    async def refused(request: Request, error: SearchError) -> JSONResponse:
        return JSONResponse({"detail": str(error)}, status_code=400)

    def build_query(
        q: str = "",
        sector: Annotated[list[str] | None, Query()] = None,
        audience: Annotated[list[str] | None, Query()] = None,
        page: int = Query(1, ge=1, le=250),
    ) -> SearchQuery:
        audiences = list(audience) if audience else list(DEFAULT_AUDIENCES)
        return SearchQuery(
            text=q[:200],
            sectors=list(sector or []),
            audiences=[] if "all" in audiences else audiences,
            page=page,
        )

    @app.get("/", response_class=HTMLResponse)
    def search_page(
        request: Request,
        query: Annotated[SearchQuery, Depends(build_query)],
        events: Annotated[SearchIndex, Depends(index_dependency)],
    ) -> HTMLResponse:
        results: SearchResults | None = None
        error = None
        try:
            results = run_search(events, query)
        except SearchUnavailable:
            error = "Die Suche ist gerade nicht erreichbar. Bitte später erneut versuchen."
        except SearchError:
            error = "Diese Suche konnte nicht ausgeführt werden."
        return templates.TemplateResponse(
            request, "search.html", {"query": query, "results": results, "error": error}
        )

    @app.get("/events/{event_id}", response_class=HTMLResponse)
    def event_page(
        request: Request, event_id: str, events: Annotated[SearchIndex, Depends(index_dependency)]
    ) -> HTMLResponse:
        document = events.document(event_id) if event_id.isalnum() else None
        if document is None:
            raise HTTPException(404, "no such event")
        return templates.TemplateResponse(request, "event.html", {"event": document})

    @app.get("/api/events")
    def api_events(
        query: Annotated[SearchQuery, Depends(build_query)],
        events: Annotated[SearchIndex, Depends(index_dependency)],
    ) -> dict[str, Any]:
        results = run_search(events, query)
        return {
            "total": results.total,
            "page": results.page,
            "pages": results.pages,
            "hits": [{k: v for k, v in hit.items() if k != "_formatted"} for hit in results.hits],
            "facets": results.facets,
        }

    @app.get("/api/events/{event_id}")
    def api_event(event_id: str, events: Annotated[SearchIndex, Depends(index_dependency)]) -> dict[str, Any]:
        document = events.document(event_id) if event_id.isalnum() else None
        if document is None:
            raise HTTPException(404, "no such event")
        return document

    @app.get("/health")
    def health(events: Annotated[SearchIndex, Depends(index_dependency)]) -> dict[str, str]:
        return {"status": "ok" if events.healthy() else "degraded"}

    return app
