"""`kontext crawl`: crawl configured sources (or one ad-hoc site) and report per source."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import click
from rich.console import Console
from rich.table import Table

from crawler.run import SourceReport, run_crawl
from kontext.commands.common import json_option, print_json, settings
from kontext.errors import UserError
from kontext.services import meili_session
from kontext.settings import Settings
from kontext.sources import Source, SourceOrganizer, load_sources


def select_sources(config: Settings, names: tuple[str, ...], sources_file: str | None) -> list[Source]:
    path = Path(sources_file) if sources_file else config.config_dir / "sources.yaml"
    sources = load_sources(path)
    if names:
        known = {source.name: source for source in sources}
        missing = [name for name in names if name not in known]
        if missing:
            raise UserError(f"unknown source(s) {', '.join(missing)}; see `kontext sources list`")
        return [known[name] for name in names]
    return [source for source in sources if source.enabled]


def adhoc_source(url: str, allow_private: bool) -> Source:
    host = urlsplit(url).hostname
    if not host or not url.startswith(("http://", "https://")):
        raise UserError(f"--start-url {url!r} is not an http(s) URL")
    name = "adhoc-" + "".join(char if char.isalnum() else "-" for char in host.lower()).strip("-")
    return Source(
        name=name, organizer=SourceOrganizer(name=host), start_urls=[url], local=allow_private, max_pages=200
    )


def print_report(reports: list[SourceReport]) -> None:
    table = Table(title="Crawl report")
    for column in ("source", "pages", "new", "updated", "unchanged", "dropped", "errors", "result"):
        table.add_column(column, justify="right" if column not in {"source", "dropped", "result"} else "left")
    for report in reports:
        dropped = ", ".join(f"{reason} {count}" for reason, count in sorted(report.dropped.items())) or "-"
        table.add_row(
            report.source,
            str(report.pages),
            str(report.new),
            str(report.updated),
            str(report.unchanged),
            dropped,
            str(report.errors),
            report.finish_reason,
        )
    Console().print(table)


@click.command()
@click.option("--source", "names", multiple=True, help="Crawl only this source (repeatable).")
@click.option("--start-url", help="Crawl one ad-hoc site from this URL instead of configured sources.")
@click.option("--allow-private", is_flag=True, help="With --start-url: allow loopback/private addresses.")
@click.option("--sources-file", type=click.Path(dir_okay=False), help="Another sources file.")
@click.option("--sample-site", metavar="URL", help="Address of a running sample site, for {sample_site} in start URLs.")
@click.option("--no-index", is_flag=True, help="Only store; leave indexing to `kontext index`.")
@json_option
def crawl(names, start_url, allow_private, sources_file, sample_site, no_index, as_json) -> None:
    """Crawl sources, store and index their events, and print a report per source."""
    config = settings()
    if start_url:
        sources = [adhoc_source(start_url, allow_private)]
    else:
        sources = [source.resolved(sample_site) for source in select_sources(config, names, sources_file)]
    if not sources:
        raise UserError("no enabled sources to crawl")
    if no_index:
        reports = run_crawl(config, sources, meili=None)
    else:
        with meili_session(config) as meili:
            reports = run_crawl(config, sources, meili=meili)
    if as_json:
        print_json([report.__dict__ for report in reports])
    else:
        print_report(reports)
