"""The organisation directory: `/organisations` (page) and `/api/organisations` (JSON).

Associations, chambers and clusters from the organisations index (search/organisations.py),
filterable by kind, region and sector; each entry links to its website, its events page and, when
it has upcoming events in Kontext, to its organiser page (/organisers/{id}). The router is built
for one Meilisearch server (`router(settings, meili)`) and included by search.web.app.create_app.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from starlette.responses import Response

from kontext.services import Meili
from kontext.settings import Settings
from kontext.vocabulary import OrganizerKind
from search.index import SearchError, SearchUnavailable
from search.organisations import OrganisationResults, organisations_index, search_organisations
from search.web.api import shaped
from search.web.context import WebContext, get_context, language
from search.web.problems import problems

PER_PAGE = 20
MAX_PAGE = 250
TEXTS = {
    "de": {
        "title": "Verbände, Kammern und Cluster",
        "intro": "Wer Veranstaltungen für den Mittelstand ausrichtet: "
        "Kammern, Verbände, Cluster, Wirtschaftsförderungen.",
        "search": "Suchen",
        "query": "Name, Branche oder Ort",
        "kind": "Art",
        "region": "Region",
        "sector": "Branche",
        "all": "alle",
        "count": "{count} Organisationen",
        "none": "Keine Organisation passt zu dieser Suche.",
        "website": "Website",
        "events_page": "Veranstaltungsseite",
        "events_here": "{count} kommende Veranstaltungen in Kontext",
        "previous": "zurück",
        "next": "weiter",
        "page_of": "Seite {page} von {pages}",
        "unavailable": "Die Suche ist gerade nicht erreichbar. Bitte später noch einmal versuchen.",
    },
    "en": {
        "title": "Associations, chambers and clusters",
        "intro": "Who runs events for small and medium-sized companies: chambers, associations, clusters, agencies.",
        "search": "Search",
        "query": "Name, sector or place",
        "kind": "Kind",
        "region": "Region",
        "sector": "Sector",
        "all": "all",
        "count": "{count} organisations",
        "none": "No organisation matches this search.",
        "website": "Website",
        "events_page": "Events page",
        "events_here": "{count} upcoming events on Kontext",
        "previous": "previous",
        "next": "next",
        "page_of": "Page {page} of {pages}",
        "unavailable": "Search is unavailable right now. Please try again later.",
    },
}
KINDS = [kind.value for kind in OrganizerKind if kind != OrganizerKind.UNKNOWN]


def _filters(kind: str | None, region: str | None, sector: str | None) -> dict[str, str | None]:
    if kind and kind not in KINDS:
        raise HTTPException(400, f"unknown kind {kind!r}; one of {', '.join(KINDS)}")
    return {
        "kind": kind or None,
        "region": (region or "").strip()[:80] or None,
        "sector": (sector or "").strip()[:40] or None,
    }


def _upcoming_counts(context: WebContext, ids: list[str]) -> dict[str, int]:
    """Upcoming events per organisation id, from the events index (one request for the page)."""
    if not ids:
        return {}
    now = int(context.clock().timestamp())
    quoted = ", ".join('"' + key.replace('"', "") + '"' for key in ids)
    try:
        result = context.index.search(
            "",
            {
                "filter": f"organisation_id IN [{quoted}] AND end_ts >= {now}",
                "facets": ["organisation_id"],
                "limit": 0,
            },
        )
    except SearchError:
        return {}
    return {
        key: int(count) for key, count in (result.get("facetDistribution", {}).get("organisation_id") or {}).items()
    }


def router(settings: Settings, meili: Meili) -> APIRouter:
    index = organisations_index(meili, settings)
    directory = APIRouter()

    def run(q: str, filters: dict[str, str | None], page: int) -> OrganisationResults:
        return search_organisations(index, q[:200], page=min(max(page, 1), MAX_PAGE), per_page=PER_PAGE, **filters)

    @directory.get(
        "/api/organisations",
        tags=["organisations"],
        summary="Search organisations",
        responses=problems(400, 503),
    )
    def api_organisations(
        q: Annotated[str, Query(max_length=200)] = "",
        kind: Annotated[
            str | None,
            Query(description="Kind of organisation", json_schema_extra=shaped({"type": "string", "enum": KINDS})),
        ] = None,
        region: Annotated[str | None, Query(description="Bundesland / region")] = None,
        sector: Annotated[str | None, Query(description="Sector code (config/sectors.yaml)")] = None,
        page: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1,
    ) -> dict[str, Any]:
        """Associations, chambers and clusters matching a text, filtered by kind, region and sector;
        none (not an error) before `kontext index` first builds their index."""
        results = run(q, _filters(kind, region, sector), page)
        return {
            "hits": [{key: value for key, value in hit.items() if not key.startswith("_")} for hit in results.hits],
            "total": results.total,
            "page": results.page,
            "pages": results.pages,
            "facets": results.facets,
        }

    @directory.get("/organisations", include_in_schema=False)
    def organisations_page(
        request: Request,
        context: Annotated[WebContext, Depends(get_context)],
        lang: Annotated[str, Depends(language)],
        q: Annotated[str, Query(max_length=200)] = "",
        kind: str | None = None,
        region: str | None = None,
        sector: str | None = None,
        page: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1,
    ) -> Response:
        texts = TEXTS.get(lang, TEXTS["de"])
        filters = _filters(kind, region, sector)
        try:
            results = run(q, filters, page)
        except SearchUnavailable:
            return context.render(request, "error.html", lang, status=503, title=texts["unavailable"], message="")
        counts = _upcoming_counts(context, [hit["id"] for hit in results.hits])
        params = {"q": q, **filters, **({"lang": lang} if lang != "de" else {})}

        def page_url(number: int) -> str:
            return "/organisations?" + urlencode(
                {key: value for key, value in {**params, "page": number}.items() if value}
            )

        return context.render(
            request,
            "organisations.html",
            lang,
            texts=texts,
            q=q,
            filters=filters,
            kinds=KINDS,
            results=results,
            counts=counts,
            page_url=page_url,
        )

    return directory
