"""Facet counts of a search as filter options: labelled in the reader's language, selected ones kept
even at zero (so they can be unticked), the default audience filter made visible."""

from __future__ import annotations

from dataclasses import dataclass, field

from kontext.vocabulary import AudienceLabel
from search.query import ALL, DEFAULT_AUDIENCES, SearchQuery, SearchResults
from search.vocabulary import Vocabulary

MAX_OPTIONS = 16


@dataclass
class FacetOption:
    """One value of a facet: its label in the reader's language, its count, whether it is chosen."""

    value: str
    label: str
    count: int | None
    selected: bool


@dataclass
class FacetGroup:
    """The options of one filter, with the URL parameter that carries them."""

    name: str  # the facet attribute
    param: str  # the URL parameter
    title: str  # message key of its heading
    options: list[FacetOption] = field(default_factory=list)
    hint: str | None = None
    default: str | None = None  # the values that mean "no filter chosen", space-separated and sorted


def _coded(
    name: str, param: str, kind: str, selected: list[str], counts: dict[str, int], vocabulary: Vocabulary, lang: str
) -> FacetGroup:
    values = [value for value, count in counts.items() if count > 0]
    values += [value for value in selected if value not in counts or counts[value] == 0]
    ordered = sorted(values, key=lambda value: (value not in selected, -counts.get(value, 0)))
    shown = [value for value in ordered if value in selected] + [value for value in ordered if value not in selected]
    options = [
        FacetOption(
            value, vocabulary.label(kind, value, lang) if kind else value, counts.get(value, 0), value in selected
        )
        for value in shown[: max(MAX_OPTIONS, len(selected))]
    ]
    return FacetGroup(name, param, name if name != "region" else "region", options)


def facet_groups(
    query: SearchQuery, results: SearchResults | None, vocabulary: Vocabulary, lang: str
) -> list[FacetGroup]:
    """The multi-valued filters of the search page with their counts."""
    facets = results.facets if results else {}
    groups = [
        _coded("sectors", "sector", "sectors", query.sectors, facets.get("sectors", {}), vocabulary, lang),
        _coded("topics", "topic", "topics", query.topics, facets.get("topics", {}), vocabulary, lang),
        _coded("format", "format", "formats", query.formats, facets.get("format", {}), vocabulary, lang),
    ]
    audience_counts = facets.get("audience", {})
    # With the default audiences, the others were not counted (see search/query.py): no number.
    counted = query.audiences and sorted(query.audiences) != sorted(DEFAULT_AUDIENCES)
    audience = FacetGroup(
        "audience", "audience", "audience", hint="audience_hint", default=" ".join(sorted(DEFAULT_AUDIENCES))
    )
    for label in AudienceLabel:
        chosen = label.value in query.audiences
        audience.options.append(
            FacetOption(
                label.value,
                vocabulary.label("audience", label.value, lang),
                audience_counts.get(label.value, 0) if chosen or counted or not query.audiences else None,
                chosen,
            )
        )
    audience.options.append(FacetOption(ALL, "", None, not query.audiences))
    groups.append(audience)
    groups.append(_coded("region", "region", "", query.regions, facets.get("region", {}), vocabulary, lang))
    return groups
