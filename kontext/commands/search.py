"""`kontext search`: what the search page does, in the terminal, with the same filters as the API."""

from __future__ import annotations

from typing import Any

import click

from kontext.commands.common import json_option, now_option, parse_now, print_json, settings
from kontext.services import meili_session
from search.index import SearchIndex
from search.query import SORTS, SearchQuery, run_search

INTERNAL_FIELDS = {"_formatted", "title_parts", "description_parts", "title_sort"}


@click.command()
@click.argument("query", required=False, default="")
@click.option("--sector", "sectors", multiple=True, help="Sector code (repeatable), e.g. machinery.")
@click.option("--topic", "topics", multiple=True, help="Topic code (repeatable), e.g. ai.")
@click.option("--format", "formats", multiple=True, help="Format code (repeatable), e.g. trade-fair.")
@click.option(
    "--audience",
    "audiences",
    multiple=True,
    help="sme, mixed, startup, professional, public (repeatable); default sme + mixed; `all` lifts it.",
)
@click.option("--region", "regions", multiple=True, help="Bundesland / region (repeatable).")
@click.option("--near", help="Town, postcode or lat,lng for a radius search.")
@click.option("--km", help="Radius around --near in km (default 25).")
@click.option("--from", "date_from", help="Earliest date (ISO); default: now.")
@click.option("--to", "date_to", help="Latest start: ISO date or a period from now (P7D, P3M).")
@click.option(
    "--attendance",
    type=click.Choice(["online", "offline", "mixed"]),
    help="online / on site (each incl. hybrid) / hybrid.",
)
@click.option("--free", is_flag=True, help="Free events only.")
@click.option("--sort", type=click.Choice(SORTS), help="Default: relevance (date order without text).")
@click.option("--page", type=click.IntRange(1, 500), default=1, show_default=True)
@click.option("--limit", default=10, show_default=True, type=click.IntRange(1, 100), help="Events per page.")
@now_option
@json_option
def search(
    query,
    sectors,
    topics,
    formats,
    audiences,
    regions,
    near,
    km,
    date_from,
    date_to,
    attendance,
    free,
    sort,
    page,
    limit,
    now_text,
    as_json,
) -> None:
    """Search the events index (upcoming SME-heavy and mixed events unless told otherwise)."""
    config = settings()
    params: dict[str, Any] = {
        "q": query,
        "sector": list(sectors),
        "topic": list(topics),
        "format": list(formats),
        "audience": list(audiences),
        "region": list(regions),
        "near": near,
        "km": km,
        "from": date_from,
        "to": date_to,
        "attendance": attendance,
        "free": "1" if free else None,
        "sort": sort,
        "page": str(page),
    }
    request = SearchQuery.from_params(
        {name: value for name, value in params.items() if value}, tz=config.timezone, per_page=limit
    )
    request.facets = as_json
    with meili_session(config) as meili:
        index = SearchIndex(meili, config.events_index)
        results = run_search(index, request, now=parse_now(now_text, config.timezone))
        index.close()
    if as_json:
        grouped: dict[str, list[str]] = {}
        for name, value in request.to_params():
            grouped.setdefault(name, []).append(value)
        print_json(
            {
                "query": grouped,
                "total": results.total,
                "page": results.page,
                "pages": results.pages,
                "hits": [
                    {key: value for key, value in hit.items() if key not in INTERNAL_FIELDS} for hit in results.hits
                ],
                "facets": results.facets,
            }
        )
        return
    where = f" within {request.radius_km:g} km of {request.near_label}" if request.geo else ""
    click.echo(f"{results.total} events for {query!r}{where}")
    for hit in results.hits:
        when = (hit.get("start") or "")[:16].replace("T", " ")
        place = hit.get("city") or hit.get("attendance") or ""
        if hit.get("distance_km") is not None:
            place += f" ({hit['distance_km']:g} km)"
        sectors_text = ", ".join(hit.get("sectors") or [])
        organizer = hit.get("organizer") or ""
        click.echo(f"  {when}  {hit['title']}  — {place}; {organizer} [{hit.get('audience')}] {sectors_text}")
