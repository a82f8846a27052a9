"""A subscriber's saved search: the search page's own URL parameters, read by the query layer.

Subscribing saves the search the page shows, so the saved form *is* the page's parameters (``q``,
``sector``, ``topic``, ``format``, ``audience``, ``region``, ``near``/``km``, ``from``/``to``,
``attendance``, ``free``), validated and normalised by `SearchQuery.from_params(...).to_params()`.
The digest reads them back the same way, and the "see all" link in a mail is the page with them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from kontext.errors import UserError
from search.query import SearchQuery
from search.vocabulary import Vocabulary

# Parameters of one page view, not of the search itself.
NOT_SAVED = {"page", "sort"}
SavedSearch = dict[str, list[str]]


class SavedSearchError(UserError):
    """A search that cannot be saved (unknown sector, unknown place, bad radius, ...)."""


def _pairs(params: Mapping[str, Any] | Iterable[tuple[str, Any]]) -> Iterable[tuple[str, Any]]:
    if isinstance(params, Mapping):
        getlist = getattr(params, "getlist", None)
        if callable(getlist):  # starlette's FormData / QueryParams keep repeated keys
            return [(key, value) for key in dict.fromkeys(params.keys()) for value in getlist(key)]
        return params.items()
    return params


def canonical(params: Mapping[str, Any] | Iterable[tuple[str, Any]]) -> SavedSearch:
    """{name: [values]}: empty values, page-view parameters and repeats dropped, names sorted."""
    saved: SavedSearch = {}
    for key, value in _pairs(params):
        if key in NOT_SAVED or value is None:
            continue
        for item in value if isinstance(value, list | tuple) else [value]:
            text = str(item).strip()
            if text and text not in saved.setdefault(key, []):
                saved[key].append(text)
    return {key: values for key, values in sorted(saved.items()) if values}


def saved_search(
    params: Mapping[str, Any] | Iterable[tuple[str, Any]], tz: str = "Europe/Berlin"
) -> SavedSearch:
    """Validate a search (form fields or CLI options) through the query layer and return the form
    it is saved in; SavedSearchError names the parameter that is wrong."""
    try:
        query = SearchQuery.from_params(canonical(params), tz=tz)
    except (UserError, ValueError) as error:
        raise SavedSearchError(f"this search cannot be saved: {error}") from None
    return canonical(query.to_params(page=False))


def search_query(saved: Mapping[str, Any], tz: str = "Europe/Berlin") -> SearchQuery:
    """The saved search as a query, exactly as the search page would run it."""
    return SearchQuery.from_params(canonical(saved), tz=tz)


def search_params(saved: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Query-string pairs of the saved search, for links to the search page."""
    return [(key, value) for key, values in canonical(saved).items() for value in values]


def search_center(query: SearchQuery) -> tuple[str, float, float] | None:
    """(place, lat, lng) of a radius search, for "12 km from Hannover"; None otherwise."""
    if query.geo is None:
        return None
    return (query.near_label or query.near or "", query.geo[0], query.geo[1])


def summary_parts(saved: Mapping[str, Any], labels: Vocabulary, language: str) -> list[str]:
    """The saved search in words, one part per filter: 'Maschinen- & Anlagenbau', 'bis 50 km um Hannover'."""
    search = canonical(saved)
    de = language == "de"
    parts: list[str] = []
    if search.get("q"):
        parts.append(f"„{search['q'][0]}“" if de else f"“{search['q'][0]}”")
    for name, kind in (("sector", "sectors"), ("topic", "topics"), ("format", "formats")):
        parts += [labels.label(kind, code, language) for code in search.get(name, [])]
    audiences = search.get("audience", [])
    if "all" in audiences:
        parts.append("alle Zielgruppen" if de else "all audiences")
    elif audiences:
        parts.append(" / ".join(labels.label("audience", code, language) for code in audiences))
    parts += search.get("region", [])
    if search.get("near"):
        place, km = search["near"][0], (search.get("km") or [""])[0]
        if km:
            parts.append(f"bis {km} km um {place}" if de else f"within {km} km of {place}")
        else:
            parts.append(f"nahe {place}" if de else f"near {place}")
    names = {"online": ("online", "online"), "offline": ("vor Ort", "on site"), "mixed": ("hybrid", "hybrid")}
    parts += [names.get(value, (value, value))[0 if de else 1] for value in search.get("attendance", [])]
    if search.get("free") == ["1"]:
        parts.append("kostenlos" if de else "free of charge")
    return parts
