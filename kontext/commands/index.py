"""`kontext index`: bring the index in line with the store."""

from __future__ import annotations

import click

from kontext.commands.common import settings
from kontext.services import meili_session
from kontext.store import Store
from search.index import SearchIndex
from search.organisations import sync_organisations
from search.sync import rebuild_index, sync_index


@click.command()
@click.option("--rebuild", is_flag=True, help="Build a fresh index from the whole store and swap it in.")
def index(rebuild: bool) -> None:
    """Push the store's pending changes (the outbox) into Meilisearch, or rebuild it; then refresh
    the (small) organisations index from the store."""
    config = settings()
    store = Store.from_settings(config)
    with meili_session(config) as meili:
        events = SearchIndex(meili, config.events_index)
        if rebuild:
            count = rebuild_index(store, events)
            click.echo(f"rebuilt the index with {count} events and swapped it in")
        else:
            report = sync_index(store, events)
            click.echo(
                f"indexed {report.indexed}, removed {report.deleted}, {events.count()} events in the index"
            )
        organisations = sync_organisations(store, meili, config)
        click.echo(f"{organisations} organisations in their index")
    store.close()
