"""`kontext demo`: the main job on the bundled sample site — crawl, tag, store, index, show results."""

from __future__ import annotations

import click

from crawler.run import run_crawl
from kontext.commands.common import settings
from kontext.commands.crawl import print_report
from kontext.commands.serve import serve_search
from kontext.sample_site import SampleSite
from kontext.services import meili_session
from kontext.sources import load_sources
from kontext.store import Store
from search.index import SearchIndex
from search.query import SearchQuery, run_search
from search.sync import sync_index

SAMPLE_SOURCES = "sample_sources.yaml"
DEMO_QUERIES = [
    ("Maschinenbau", ("sme", "mixed")),
    ("Verpackung", ("sme", "mixed")),
    ("Wasserstoff", ("sme", "mixed")),
    ("Handwerk", ("sme", "mixed")),
    ("Pitch", ()),
]


@click.command()
@click.option("--serve", "then_serve", is_flag=True, help="Afterwards serve the search page until Ctrl-C.")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
def demo(then_serve: bool, host: str, port: int) -> None:
    """Crawl the bundled sample site over HTTP, tag, store, index and print results for a few queries."""
    config = settings()
    with meili_session(config) as meili, SampleSite() as site:
        click.echo(f"sample site serving at {site.url}")
        sources = [source.resolved(site.url) for source in load_sources(config.config_dir / SAMPLE_SOURCES)]
        reports = run_crawl(config, sources, meili=meili)
        print_report(reports)
        store = Store.from_settings(config)
        events = SearchIndex(meili, config.events_index)
        sync_index(store, events)
        click.echo(f"{store.count_events()} events in the store, {events.count()} in the index")
        store.close()
        for text, audiences in DEMO_QUERIES:
            label = "SME-heavy and mixed" if audiences else "all audiences"
            results = run_search(events, SearchQuery(text=text, audiences=list(audiences), per_page=3, facets=False))
            click.echo(f"\n{text!r} ({label}): {results.total} events")
            for hit in results.hits:
                when = (hit.get("start") or "")[:16].replace("T", " ")
                click.echo(f"  {when}  {hit['title']} — {hit.get('city') or 'online'} [{hit.get('audience')}]")
        if then_serve:
            serve_search(config, meili, host, port)
