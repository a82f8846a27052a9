"""The FastAPI application, composed of one router per resource: pages, events API, feeds,
organisers, the organisation directory (and the digest's subscription pages when digest/web.py
is there).

Queries run server-side with the key Kontext holds; no key ever reaches the browser. Every
response carries a Content-Security-Policy that allows only this site's own scripts and styles.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from digest import web as digest_web
from kontext import staff_web
from kontext.services import Meili
from kontext.settings import Settings
from search.index import SearchError, SearchIndex, SearchUnavailable
from search.query import QueryError
from search.web import api, directory, feeds, organisations, pages
from search.web.context import HERE, WebContext, language
from search.web.i18n import translate

log = logging.getLogger(__name__)
CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
}
DESCRIPTION = """Events where small and medium-sized companies meet: chamber workshops, trade fairs,
association meetings. Search parameters are the same on the search page (`/?q=…`), in the JSON API,
in the feeds and in saved searches: `q`, `sector`, `topic`, `format`, `audience` (default `sme` +
`mixed`; `all` lifts it), `region`, `near` + `km`, `from`, `to`, `attendance`, `free`, `sort`, `page`.
By default only upcoming events are found."""


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith(("/api/", "/feeds/", "/openapi")) or request.url.path.endswith(".ics")


def create_app(settings: Settings, meili: Meili, clock: Callable[[], datetime] | None = None) -> FastAPI:
    """The web app for one Kontext instance (its settings) on one Meilisearch server; `clock` (tests)
    fixes what "upcoming" counts from."""
    index = SearchIndex(meili, settings.events_index)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        index.close()

    app = FastAPI(
        title="Kontext",
        summary="Events where small and medium-sized companies meet.",
        description=DESCRIPTION,
        version="1",
        docs_url=None,  # the interactive docs load scripts from a CDN; the CSP allows none
        redoc_url=None,
        lifespan=lifespan,
    )
    context = WebContext(settings=settings, index=index)
    if clock is not None:
        context.clock = clock
    app.state.kontext = context
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    # The .ics route of one event must come before the event page, whose {id} would swallow "x.ics".
    app.include_router(feeds.router())
    app.include_router(api.router())
    app.include_router(pages.router())
    app.include_router(organisations.router())
    app.include_router(directory.router(settings, meili))
    app.include_router(staff_web.router(settings, clock))
    subscriptions = digest_web.router(settings, meili, clock=clock)
    app.include_router(subscriptions)
    context.subscribe = any(getattr(route, "path", None) == "/subscribe" for route in subscriptions.routes)

    @app.middleware("http")
    async def security_headers(request: Request, call_next) -> Response:
        response = await call_next(request)
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        return response

    def problem(request: Request, status: int, detail: str, param: str | None = None) -> Response:
        if _wants_json(request):
            body = {"detail": detail} if param is None else {"detail": detail, "param": param}
            return JSONResponse(body, status_code=status)
        lang = language(request)
        title = translate(lang, "not_found") if status == 404 else translate(lang, "bad_request")
        message = translate(lang, "not_found_text") if status == 404 else detail
        if status >= 500:
            title, message = translate(lang, "unavailable"), ""
        return context.render(request, "error.html", lang, status=status, title=title, message=message)

    @app.exception_handler(QueryError)
    async def bad_parameter(request: Request, error: QueryError) -> Response:
        return problem(request, 400, str(error), error.param)

    @app.exception_handler(SearchUnavailable)
    async def unavailable(request: Request, error: SearchUnavailable) -> Response:
        return problem(request, 503, "search is temporarily unavailable")

    @app.exception_handler(SearchError)
    async def refused(request: Request, error: SearchError) -> Response:
        return problem(request, 400, "this search could not be run")

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException) -> Response:
        response = problem(request, error.status_code, str(error.detail))
        for name, value in (error.headers or {}).items():
            response.headers[name] = value
        return response

    @app.exception_handler(Exception)
    async def failed(request: Request, error: Exception) -> Response:
        # Starlette answers unhandled errors outside the middleware; this answer still gets the headers.
        log.exception("%s %s failed", request.method, request.url.path)
        response = problem(request, 500, "internal error")
        response.headers.update(SECURITY_HEADERS)
        return response

    @app.get("/health", tags=["service"], summary="Whether the search server answers")
    def health() -> dict[str, str]:
        """Whether the search server answers."""
        return {"status": "ok" if index.healthy() else "degraded"}

    return app
