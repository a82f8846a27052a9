"""`kontext services start|stop|status`: the local Meilisearch Kontext manages itself."""

from __future__ import annotations

import click

from kontext.commands.common import json_option, print_json, settings
from kontext.services import running_meili, start_meili, stop_meili


@click.group()
def services() -> None:
    """Start, stop and inspect the local services (Meilisearch)."""


@services.command()
def start() -> None:
    """Start the managed Meilisearch and leave it running (until `kontext services stop`)."""
    config = settings()
    if not config.managed_meili:
        click.echo(f"MEILI_URL is set; Kontext uses {config.meili_url} and manages nothing.")
        return
    meili = start_meili(config)
    click.echo(f"Meilisearch is running at {meili.url} (pid {meili.pid}); data in {config.home / 'meili'}")


@services.command()
def stop() -> None:
    """Stop the managed Meilisearch."""
    config = settings()
    click.echo("stopped Meilisearch" if stop_meili(config) else "Meilisearch was not running")


@services.command()
@json_option
def status(as_json: bool) -> None:
    """Show whether the managed Meilisearch is running."""
    config = settings()
    meili = running_meili(config) if config.managed_meili else None
    state = {
        "managed": config.managed_meili,
        "meili_url": config.meili_url or (meili.url if meili else None),
        "running": bool(meili) if config.managed_meili else None,
        "pid": meili.pid if meili else None,
        "home": str(config.home),
    }
    if as_json:
        print_json(state)
    elif not config.managed_meili:
        click.echo(f"external Meilisearch at {config.meili_url}")
    else:
        click.echo(
            f"Meilisearch running at {meili.url} (pid {meili.pid})" if meili else "Meilisearch not running"
        )
