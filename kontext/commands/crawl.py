"""`kontext crawl`: crawl configured sources (or one ad-hoc site) and report per source.

While it runs, a live table per source (pages, events, skipped requests, errors) is drawn on
stderr when stderr is a terminal; at the end a report table per source (stdout, or JSON with
--json) that is also stored with the crawl run (`kontext sources status` reads it).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import click
from rich.console import Console
from rich.live import Live
from rich.table import Table

from crawler.run import SourceReport, run_crawl
from kontext.commands.common import json_option, parse_now, print_json, settings
from kontext.errors import UserError
from kontext.services import meili_session
from kontext.settings import Settings
from kontext.sources import Source, SourceOrganizer, load_sources

# Below this terminal width the report is printed per source instead of as one wide table.
NARROW = 110


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
    source = Source(
        name=name, organizer=SourceOrganizer(name=host), start_urls=[url], local=allow_private, max_pages=200
    )
    return source.resolved()


def _counts(values: dict[str, int]) -> str:
    return ", ".join(f"{reason} {count}" for reason, count in sorted(values.items())) or "-"


def _cells(report: SourceReport) -> dict[str, str]:
    """The report figures of one source as the table shows them."""
    pages = str(report.pages) + (f" ({report.pages_unchanged} unchanged)" if report.pages_unchanged else "")
    gone = str(report.gone) + (f" (+{report.removed} removed)" if report.removed else "")
    errors = str(report.errors) + (f" ({_counts(report.error_kinds)})" if report.error_kinds else "")
    result = report.finish_reason + ("" if report.complete or not report.finish_reason else ", incomplete")
    return {
        "source": report.source,
        "pages": pages,
        "new": str(report.new),
        "updated": str(report.updated),
        "unchanged": str(report.unchanged),
        "same as": str(report.merged),
        "gone": gone,
        "dropped": _counts(report.dropped),
        "skipped": _counts(report.skipped),
        "errors": errors,
        "result": result,
    }


def report_table(reports: list[SourceReport]) -> Table:
    """The end-of-crawl table: one row per source."""
    table = Table(title="Crawl report")
    columns = ("source", "pages", "new", "updated", "unchanged", "same as", "gone", "dropped", "skipped", "errors")
    for column in (*columns, "result"):
        # Source names stay whole on narrow terminals; the other columns wrap instead.
        table.add_column(
            column,
            justify="left" if column in {"source", "dropped", "skipped", "result"} else "right",
            no_wrap=column == "source",
        )
    for report in reports:
        table.add_row(*_cells(report).values())
    return table


def report_blocks(reports: list[SourceReport]) -> list[Table]:
    """The same report for narrow terminals: one small two-column table per source."""
    blocks = []
    for report in reports:
        cells = _cells(report)
        block = Table(title=cells.pop("source"), show_header=False, title_justify="left")
        block.add_column("figure", style="bold")
        block.add_column("value")
        for figure, value in cells.items():
            block.add_row(figure, value)
        blocks.append(block)
    return blocks


def print_report(reports: list[SourceReport]) -> None:
    # Piped output is not cut to 80 columns: the report is read in logs and mails too.
    console = Console(width=None if sys.stdout.isatty() else 200)
    if console.width < NARROW:
        for block in report_blocks(reports):
            console.print(block)
    else:
        console.print(report_table(reports))


def progress_table(snapshot: dict[str, dict[str, Any]]) -> Table:
    """The live table while a crawl runs."""
    table = Table(title="Crawling…", title_justify="left")
    for column in ("source", "pages", "events", "new", "skipped", "errors", ""):
        table.add_column(column, justify="left" if column in {"source", ""} else "right", no_wrap=column == "source")
    for name, row in snapshot.items():
        table.add_row(
            name,
            str(row["pages"]),
            str(row["events"]),
            str(row["new"]),
            str(row["skipped"]),
            str(row["errors"]),
            "done" if row["finished"] else "…",
        )
    return table


@click.command()
@click.option("--source", "names", multiple=True, help="Crawl only this source (repeatable).")
@click.option("--start-url", help="Crawl one ad-hoc site from this URL instead of configured sources.")
@click.option("--allow-private", is_flag=True, help="With --start-url: allow loopback/private addresses.")
@click.option("--sources-file", type=click.Path(dir_okay=False), help="Another sources file.")
@click.option("--sample-site", metavar="URL", help="Address of a running sample site, for {sample_site} in start URLs.")
@click.option("--no-index", is_flag=True, help="Only store; leave indexing to `kontext index`.")
@click.option("--refresh", is_flag=True, help="Extract every page again, also unchanged ones (extractors changed).")
@click.option(
    "--download-timeout",
    type=click.FloatRange(1, 600),
    default=30,
    show_default=True,
    help="Seconds before one request is given up (robots.txt included: a timeout there disallows the site).",
)
@click.option("--now", "now_text", hidden=True, help="Crawl time (ISO date/datetime), for tests and replays.")
@json_option
def crawl(
    names, start_url, allow_private, sources_file, sample_site, no_index, refresh, download_timeout, now_text, as_json
) -> None:
    """Crawl sources, store and index their events, and print a report per source.

    With REDIS_URL set, several `kontext crawl` processes (on one or many machines) share each
    source's crawl: one scheduler and one duplicate filter in Redis, so no page is fetched twice.
    """
    config = settings()
    if start_url:
        sources = [adhoc_source(start_url, allow_private)]
    else:
        sources = [source.resolved(sample_site) for source in select_sources(config, names, sources_file)]
    if not sources:
        raise UserError("no enabled sources to crawl")
    now = parse_now(now_text, config.timezone) if now_text else None
    options = {
        "extra_settings": {"DOWNLOAD_TIMEOUT": download_timeout},
        "refresh": refresh,
        "now": now,
        "scale_out": True,
    }
    live = None if as_json or not sys.stderr.isatty() else Live(console=Console(stderr=True), transient=True)
    if live is not None:
        live.start()
        options["progress"] = lambda snapshot: live.update(progress_table(snapshot))
    try:
        if no_index:
            reports = run_crawl(config, sources, meili=None, **options)
        else:
            with meili_session(config) as meili:
                reports = run_crawl(config, sources, meili=meili, **options)
    finally:
        if live is not None:
            live.stop()
    if as_json:
        print_json([report.__dict__ for report in reports])
    else:
        print_report(reports)
    refused = [report.source for report in reports if report.store_refused]
    if refused:
        # The report stays printed; the exit code tells cron the crawl has to run again.
        raise UserError(
            f"the store refused writes during the crawl of {', '.join(refused)} (locked by another writer "
            "or unreachable), so some events may not be stored; run the crawl again when the store is free"
        )
