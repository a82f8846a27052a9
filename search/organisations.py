"""The organisations index: associations, chambers and clusters, searchable beside the events.

Settings are data (`ORGANISATION_INDEX_SETTINGS`); `organisation_document` builds the flat document;
`sync_organisations` rebuilds the index from the store and swaps it in (a few thousand records at
most, so a full rebuild is cheaper than bookkeeping, and the live index is never emptied);
`search_organisations` is the one query function the web page, the API and the CLI share.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from kontext.records import Organisation
from kontext.services import Meili
from kontext.settings import Settings
from kontext.store import Store
from search.compounds import Decompounder, load_decompounder
from search.index import SearchError, SearchIndex, SearchUnavailable
from search.vocabulary import Vocabulary, load_vocabulary

log = logging.getLogger(__name__)

KIND_NAMES = {
    "chamber": ["Kammer", "IHK", "Industrie- und Handelskammer", "chamber of commerce"],
    "crafts_chamber": ["Handwerkskammer", "HWK", "chamber of crafts"],
    "association": ["Verband", "Wirtschaftsverband", "association"],
    "cluster": ["Cluster", "Netzwerk", "network"],
    "public_agency": ["Wirtschaftsförderung", "Behörde", "public agency"],
    "research": ["Forschung", "Hochschule", "research"],
    "company": ["Unternehmen", "company"],
    "startup_org": ["Start-up", "Gründerzentrum", "startup"],
    "unknown": [],
}

ORGANISATION_INDEX_SETTINGS: dict[str, Any] = {
    "searchableAttributes": ["name", "kind_names", "sector_names", "city", "region", "description", "parts"],
    "filterableAttributes": ["kind", "sectors", "region", "city", "source", "has_events_url"],
    "sortableAttributes": ["name_sort"],
    "rankingRules": ["words", "typo", "proximity", "attribute", "sort", "exactness", "name_sort:asc"],
    "typoTolerance": {"minWordSizeForTypos": {"oneTypo": 5, "twoTypos": 9}},
    "pagination": {"maxTotalHits": 5000},
    "faceting": {"maxValuesPerFacet": 100, "sortFacetValuesBy": {"*": "count"}},
}
FACETS = ["kind", "region", "sectors"]


def organisation_document(
    organisation: Organisation, vocabulary: Vocabulary | None = None, decompounder: Decompounder | None = None
) -> dict[str, Any]:
    """The flat document the index holds for one organisation; `parts` are the parts of the German
    compounds in its name and description ("Kunststoffcluster" -> kunststoff cluster), as for events."""
    vocabulary = vocabulary or load_vocabulary()
    decompounder = decompounder or load_decompounder()
    sector_names = [name for code in organisation.sectors for name in vocabulary.names("sectors", code)]
    return {
        "id": organisation.id,
        "name": organisation.name,
        "name_sort": organisation.name.casefold(),
        "kind": organisation.kind.value,
        "kind_names": KIND_NAMES.get(organisation.kind.value, []),
        "sectors": list(organisation.sectors),
        "sector_labels": [vocabulary.label("sectors", code, "de") for code in organisation.sectors],
        "sector_names": sector_names,
        "region": organisation.region,
        "city": organisation.city,
        "url": organisation.url,
        "events_url": organisation.events_url,
        "has_events_url": bool(organisation.events_url),
        "description": organisation.description[:2000],
        "parts": " ".join(decompounder.parts(f"{organisation.name} {organisation.description[:2000]}")),
        "source": organisation.source,
    }


def organisations_index(meili: Meili, settings: Settings) -> SearchIndex:
    return SearchIndex(meili, settings.organisations_index, ORGANISATION_INDEX_SETTINGS)


def sync_organisations(store: Store, meili: Meili, settings: Settings) -> int:
    """Rebuild the organisations index from the store and swap it in; returns the number indexed."""
    vocabulary = load_vocabulary(settings.config_dir)
    decompounder = load_decompounder(settings.config_dir)
    index = organisations_index(meili, settings)
    try:
        return index.rebuild(
            organisation_document(item, vocabulary, decompounder) for item in store.iter_organisations()
        )
    finally:
        index.close()


@dataclass
class OrganisationResults:
    hits: list[dict[str, Any]]
    total: int
    page: int
    per_page: int
    facets: dict[str, dict[str, int]] = field(default_factory=dict)

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def _quoted(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def search_organisations(
    index: SearchIndex,
    query: str = "",
    *,
    kind: str | None = None,
    region: str | None = None,
    sector: str | None = None,
    page: int = 1,
    per_page: int = 20,
) -> OrganisationResults:
    """Organisations matching a text and filters, best match first (name order without text)."""
    filters = [
        f"{name} = {_quoted(value)}"
        for name, value in (("kind", kind), ("region", region), ("sectors", sector))
        if value
    ]
    params: dict[str, Any] = {
        "page": max(page, 1),
        "hitsPerPage": per_page,
        "facets": FACETS,
        "attributesToHighlight": ["name"],
        "highlightPreTag": "\x02",
        "highlightPostTag": "\x03",
    }
    if filters:
        params["filter"] = " AND ".join(filters)
    if not query.strip():
        params["sort"] = ["name_sort:asc"]
    # German compounds in the query are searched by their parts, as the documents carry them.
    text = load_decompounder().expand_query(query.strip()) if query.strip() else ""
    try:
        result = index.search(text, params)
    except SearchUnavailable:
        raise
    except SearchError:
        if index.exists():
            raise
        result = {}  # no organisations synced yet: an empty directory, not a broken search
    return OrganisationResults(
        hits=result.get("hits", []),
        total=int(result.get("totalHits", 0)),
        page=int(result.get("page", page)),
        per_page=per_page,
        facets=result.get("facetDistribution", {}),
    )
