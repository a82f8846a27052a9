"""`kontext serve`: the search page, the JSON API and the feeds."""

from __future__ import annotations

import dataclasses
import os
import socket

import click
import uvicorn

from kontext.commands.common import settings
from kontext.errors import UserError
from kontext.services import Meili, meili_session
from kontext.settings import Settings
from search.index import SearchIndex


def port_free(host: str, port: int) -> bool:
    """Whether `port` on `host` can be bound."""
    with socket.socket() as probe:
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def serve_search(config: Settings, meili: Meili, host: str, port: int) -> None:
    """Serve the web app until Ctrl-C (blocks)."""
    from search.web.app import create_app

    if not port_free(host, port):
        raise UserError(f"port {port} on {host} is in use; choose another with --port")
    if not os.environ.get("KONTEXT_BASE_URL"):
        # Feeds and .ics files carry absolute links: without a configured public URL, this server's.
        config = dataclasses.replace(config, base_url=f"http://{host}:{port}")
    index = SearchIndex(meili, config.events_index)
    index.ensure()
    index.close()
    app = create_app(config, meili)
    click.echo(f"Kontext search page: http://{host}:{port}/   (Ctrl-C stops)")
    uvicorn.run(app, host=host, port=port, log_level="warning")


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
def serve(host: str, port: int) -> None:
    """Serve the search page, the JSON API (/api/events, /openapi.json) and the feeds."""
    config = settings()
    with meili_session(config) as meili:
        serve_search(config, meili, host, port)
