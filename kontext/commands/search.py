"""`kontext search`: what the search page does, in the terminal."""

from __future__ import annotations

from datetime import datetime

import click

from kontext.commands.common import json_option, parse_now, print_json, settings
from kontext.services import meili_session
from search.index import SearchIndex
from search.query import DEFAULT_AUDIENCES, SearchQuery, run_search


def _day(value: str | None, tz: str) -> datetime | None:
    return parse_now(value, tz) if value else None


@click.command()
@click.argument("query", required=False, default="")
@click.option("--sector", "sectors", multiple=True, help="Sector code (repeatable), e.g. machinery.")
@click.option("--topic", "topics", multiple=True, help="Topic code (repeatable).")
@click.option("--format", "formats", multiple=True, help="Format code (repeatable), e.g. trade-fair.")
@click.option(
    "--audience",
    "audiences",
    multiple=True,
    help="Audience label (repeatable); default sme + mixed; `all` lifts the filter.",
)
@click.option("--region", "regions", multiple=True, help="Bundesland / region (repeatable).")
@click.option("--from", "date_from", help="Earliest date (ISO); default: now.")
@click.option("--to", "date_to", help="Latest start date (ISO).")
@click.option("--sort", type=click.Choice(["relevance", "date", "sme"]), default="relevance")
@click.option("--limit", default=10, show_default=True, type=click.IntRange(1, 100))
@json_option
def search(
    query, sectors, topics, formats, audiences, regions, date_from, date_to, sort, limit, as_json
) -> None:
    """Search the events index."""
    config = settings()
    chosen = list(audiences) if audiences else list(DEFAULT_AUDIENCES)
    request = SearchQuery(
        text=query,
        sectors=list(sectors),
        topics=list(topics),
        formats=list(formats),
        audiences=[] if "all" in chosen else chosen,
        regions=list(regions),
        date_from=_day(date_from, config.timezone),
        date_to=_day(date_to, config.timezone),
        sort=sort,
        per_page=limit,
        facets=False,
    )
    with meili_session(config) as meili:
        results = run_search(SearchIndex(meili, config.events_index), request)
    if as_json:
        print_json({"total": results.total, "hits": [_plain(hit) for hit in results.hits]})
        return
    click.echo(f"{results.total} events for {query!r}")
    for hit in results.hits:
        when = (hit.get("start") or "")[:16].replace("T", " ")
        place = hit.get("city") or hit.get("attendance") or ""
        sectors_text = ", ".join(hit.get("sectors") or [])
        organizer = hit.get("organizer") or ""
        click.echo(f"  {when}  {hit['title']}  — {place}; {organizer} [{hit.get('audience')}] {sectors_text}")


def _plain(hit: dict) -> dict:
    return {key: value for key, value in hit.items() if not key.startswith("_") or key == "_geo"}
