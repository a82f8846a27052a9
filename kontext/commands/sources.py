"""`kontext sources`: staff tooling for sources.

list                 the configured sources, how each was checked, whether a page of it is saved
status               each source's last runs and health (healthy / degraded / broken)
probe URL            what a page offers and the config entry that would crawl it
check NAME           crawl a few pages of one source and show what comes out (nothing stored)
save-fixture NAME URL  save a page with the expected output, so the source is tested offline
seed-organisations   organisation records from the chamber code lists, the lobby register and config
organisations [Q]    search the organisation records
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.table import Table

from kontext.commands.common import json_option, now_option, parse_now, print_json, settings
from kontext.errors import UserError
from kontext.settings import PROJECT_ROOT, Settings
from kontext.sources import Source, load_sources

SHARED_ORGANISATIONS = PROJECT_ROOT.parent / "shared" / "data" / "organizations"
STATUS_STYLE = {"healthy": "green", "degraded": "yellow", "broken": "red", "unknown": "dim"}


def _sources_path(config: Settings, sources_file: str | None) -> Path:
    return Path(sources_file) if sources_file else config.config_dir / "sources.yaml"


def _source(config: Settings, name: str, sources_file: str | None) -> Source:
    path = _sources_path(config, sources_file)
    known = {source.name: source for source in load_sources(path)}
    if name not in known:
        raise UserError(f"{path}: no source named {name!r}; see `kontext sources list`")
    return known[name]


sources_file_option = click.option(
    "--sources-file",
    type=click.Path(dir_okay=False),
    help="Another sources file (default config/sources.yaml).",
)


@click.group()
def sources() -> None:
    """Staff tooling for sources: list, status, probe, check, save-fixture, organisations."""


@sources.command("list")
@sources_file_option
@json_option
def list_sources(sources_file, as_json) -> None:
    """List the configured sources; every entry is validated on load."""
    from kontext.source_fixtures import fixtures_per_source

    config = settings()
    entries = load_sources(_sources_path(config, sources_file))
    fixtures = fixtures_per_source()
    if as_json:
        print_json(
            [
                {
                    **source.model_dump(mode="json", exclude_none=True),
                    "checked_summary": source.checked_summary,
                    "fixtures": fixtures.get(source.name, 0),
                }
                for source in entries
            ]
        )
        return
    table = Table(title=f"{len(entries)} sources ({sum(source.enabled for source in entries)} enabled)")
    table.add_column("name", no_wrap=True)
    for column in ("organiser", "kind", "region", "crawl", "enabled", "checked", "pages saved"):
        table.add_column(column)
    for source in entries:
        status = source.checked.url.upper() if hasattr(source.checked, "url") else (source.checked or "-")
        table.add_row(
            source.name,
            source.organizer.name,
            source.organizer.kind.value,
            source.region or "-",
            source.family or source.mode,
            "yes" if source.enabled else "no",
            str(status),
            str(fixtures.get(source.name, 0)),
        )
    Console().print(table)


@sources.command()
@click.option("--source", "names", multiple=True, help="Only this source (repeatable).")
@click.option(
    "--runs", default=5, show_default=True, type=click.IntRange(1, 50), help="Runs to show per source."
)
@click.option(
    "--fail-on", type=click.Choice(["degraded", "broken"]), help="Exit 1 when a source is this bad."
)
@sources_file_option
@now_option
@json_option
def status(names, runs, fail_on, sources_file, now_text, as_json) -> None:
    """Each source's last runs and health, from the crawl runs in the store."""
    from kontext.health import assess, load_thresholds, source_health
    from kontext.store import Store

    config = settings()
    now = parse_now(now_text, config.timezone)
    entries = load_sources(_sources_path(config, sources_file))
    if names:
        known = {source.name for source in entries}
        unknown = [name for name in names if name not in known]
        entries = [source for source in entries if source.name in names]
    else:
        unknown = []
    thresholds = load_thresholds(config.config_dir)
    store = Store.from_settings(config)
    try:
        healths = source_health(store, entries, thresholds, now, runs=max(runs, thresholds.baseline_runs + 1))
        # Crawled names that are not in the file (ad-hoc crawls, the sample site) are shown when asked for.
        healths += [assess(name, store.crawl_runs(name, limit=runs), thresholds, now) for name in unknown]
    finally:
        store.close()
    for health in healths:
        health.runs = health.runs[:runs]
    if as_json:
        print_json([health.to_dict() for health in healths])
    else:
        table = Table(title="Source health")
        table.add_column("source", no_wrap=True)
        table.add_column("health", no_wrap=True)
        for column in (
            "last run",
            "pages",
            "events",
            "new",
            "upd",
            "same",
            "gone",
            "dropped",
            "errors",
            "why",
        ):
            table.add_column(column)
        for health in healths:
            run = health.last
            style = STATUS_STYLE[health.status]
            dropped = ", ".join(f"{key} {value}" for key, value in sorted(run.dropped.items())) if run else ""
            table.add_row(
                health.source,
                f"[{style}]{health.status}[/{style}]",
                f"{run.started[:16].replace('T', ' ')} {run.outcome}" if run else "-",
                *(
                    str(value)
                    for value in (
                        (run.pages, run.events, run.new, run.updated, run.unchanged, run.gone)
                        if run
                        else ("",) * 6
                    )
                ),
                dropped or "-",
                str(run.errors) if run else "",
                "; ".join(health.reasons),
            )
        Console().print(table)
    levels = {"degraded": {"degraded", "broken"}, "broken": {"broken"}}
    if fail_on and any(health.status in levels[fail_on] for health in healths):
        raise SystemExit(1)


@sources.command()
@click.argument("url")
@click.option("--allow-private", is_flag=True, help="Allow loopback/private addresses (a local site).")
@now_option
@json_option
def probe(url, allow_private, now_text, as_json) -> None:
    """Look at a page (structured data? .ics link? RSS? listing pattern?) and propose a config entry."""
    from kontext.fetch import fetch_page
    from kontext.probe import probe_page, proposal_yaml

    config = settings()
    now = parse_now(now_text, config.timezone)
    page = fetch_page(url, user_agent=config.user_agent, allow_private=allow_private)
    report = probe_page(page.body, page.url, page.content_type, now, config_dir=config.config_dir)
    if as_json:
        print_json(report.to_dict())
        return
    click.echo(f"{page.url}  ({page.content_type})")
    if report.title:
        click.echo(f"  title: {report.title}")
    rungs = ", ".join(f"{count} via {rung}" for rung, count in sorted(report.rungs.items())) or "none"
    click.echo(f"  events on this page: {rungs}")
    for event in report.events[:5]:
        when = event.start.isoformat() if event.start else (event.when_text or "?")
        click.echo(f"    - {event.title} ({when})")
    click.echo(f"  iCalendar links: {', '.join(report.ics_links[:3]) or 'none'}")
    click.echo(f"  RSS/Atom feeds: {', '.join(report.feed_links[:3]) or 'none'}")
    click.echo(
        f"  links to event pages: {len(report.event_links)}; next-page links: {len(report.next_links)}"
    )
    for hint in report.hints:
        click.echo(f"  note: {hint}")
    click.echo(
        "\nProposed entry for config/sources.yaml "
        "(review it, fill region and sectors, then save a fixture):\n"
    )
    click.echo(proposal_yaml(report), nl=False)


@sources.command()
@click.argument("name")
@click.option(
    "--pages", default=5, show_default=True, type=click.IntRange(1, 100), help="Stop after this many pages."
)
@click.option("--sample-site", metavar="URL", help="Address of a running sample site, for {sample_site}.")
@sources_file_option
@now_option
@json_option
def check(name, pages, sample_site, sources_file, now_text, as_json) -> None:
    """Crawl a few pages of one source and show what comes out; nothing is stored or indexed."""
    from crawler.directory import CrawledOrganisation
    from crawler.items import CrawledEvent
    from crawler.run import run_crawl

    config = settings()
    source = _source(config, name, sources_file).resolved(sample_site)
    collected: list[Any] = []
    reports = run_crawl(
        config,
        [source],
        meili=None,
        now=parse_now(now_text, source.timezone),
        extra_settings={
            "ITEM_PIPELINES": {
                "pipelines.scrapy_stages.NormaliseStage": 100,
                "crawler.collect.CollectItems": 900,
            },
            "EXTENSIONS": {},  # no page memory, no indexing: every page is extracted, nothing is kept
            "HTTPCACHE_ENABLED": False,
            "CLOSESPIDER_PAGECOUNT": pages,
            "KONTEXT_COLLECT": collected,
        },
    )
    report = reports[0]
    events = [item.event for item in collected if isinstance(item, CrawledEvent)]
    organisations = [item.organisation for item in collected if isinstance(item, CrawledOrganisation)]
    if as_json:
        print_json(
            {
                "source": source.name,
                "pages": report.pages,
                "dropped": report.dropped,
                "errors": report.errors,
                "finish_reason": report.finish_reason,
                "events": [event.model_dump(mode="json", exclude_none=True) for event in events],
                "organisations": [
                    record.model_dump(mode="json", exclude_none=True) for record in organisations
                ],
            }
        )
        return
    console = Console()
    table = Table(
        title=f"{source.name}: {len(events)} events, {len(organisations)} organisations, {report.pages} pages"
    )
    if organisations:
        for column in ("organisation", "kind", "city", "region", "website"):
            table.add_column(column)
        for record in organisations:
            table.add_row(
                record.name, record.kind.value, record.city or "-", record.region or "-", record.url or "-"
            )
    else:
        for column in ("title", "start", "place", "format", "audience", "rung", "url"):
            table.add_column(column)
        for event in events:
            table.add_row(
                event.title[:60],
                event.start.isoformat(timespec="minutes") if event.start else "-",
                (event.venue.city if event.venue and event.venue.city else None) or (event.attendance or "-"),
                event.format.value if event.format else "-",
                event.audience.label.value if event.audience else "-",
                event.extraction.value if event.extraction else "-",
                event.url or "-",
            )
    console.print(table)
    dropped = ", ".join(f"{reason} {count}" for reason, count in sorted(report.dropped.items())) or "none"
    console.print(f"dropped: {dropped}; errors: {report.errors}; finished: {report.finish_reason}")


@sources.command("save-fixture")
@click.argument("name")
@click.argument("url")
@click.option("--allow-private", is_flag=True, help="Allow loopback/private addresses (a local site).")
@click.option(
    "--from-file",
    type=click.Path(exists=True, dir_okay=False),
    help="Use this saved file instead of fetching.",
)
@click.option(
    "--content-type", help="With --from-file: the page's content type (default from the file name)."
)
@click.option(
    "--fixtures-dir",
    type=click.Path(file_okay=False),
    help="Where fixtures live (default tests/sources/fixtures).",
)
@click.option(
    "--invented",
    is_flag=True,
    help="The page was written by us in a platform's shape, not saved from the site.",
)
@click.option("--note", default="", help="A note kept in meta.json (where the page came from).")
@click.option("--event-page", help="For an event's .ics file (family odoo): the event page it belongs to.")
@sources_file_option
@now_option
@json_option
def save_fixture_command(
    name,
    url,
    allow_private,
    from_file,
    content_type,
    fixtures_dir,
    invented,
    note,
    event_page,
    sources_file,
    now_text,
    as_json,
) -> None:
    """Save a page of a source with its expected output, so the source is tested offline from now on."""
    from kontext.fetch import fetch_page
    from kontext.source_fixtures import FIXTURES_DIR, save_fixture

    config = settings()
    path = _sources_path(config, sources_file)
    source = _source(config, name, sources_file)
    now = parse_now(now_text, source.timezone)
    if from_file:
        body = Path(from_file).read_bytes()
        suffix = Path(from_file).suffix.lower()
        content_type = content_type or {".ics": "text/calendar", ".json": "application/json"}.get(
            suffix, "text/html; charset=utf-8"
        )
        final_url = url
    else:
        page = fetch_page(url, user_agent=config.user_agent, allow_private=allow_private or source.local)
        body, content_type, final_url = page.body, page.content_type, page.url
    fixture, output = save_fixture(
        source,
        path,
        body,
        final_url,
        content_type,
        now,
        fixtures_dir=Path(fixtures_dir) if fixtures_dir else FIXTURES_DIR,
        invented=invented,
        note=note,
        request_meta={"kontext_event_page": event_page} if event_page else None,
    )
    if as_json:
        print_json({"directory": str(fixture.directory), **output})
        return
    click.echo(f"saved {fixture.page}")
    click.echo(
        f"  {len(output['events'])} events, {len(output['organisations'])} organisations, "
        f"{len(output['follow'])} links followed -> {fixture.directory / 'expected.json'}"
    )
    click.echo(
        "  tests/sources/test_source_fixtures.py now runs this page; it fails until a person has checked "
        'expected.json and set "reviewed": true in meta.json'
    )


@sources.command("seed-organisations")
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False),
    default=str(SHARED_ORGANISATIONS),
    show_default=True,
    help="The organizations folder of the shared data (chamber code lists, lobby register).",
)
@click.option("--no-index", is_flag=True, help="Only store; do not update the organisations index.")
@sources_file_option
@json_option
def seed_organisations(data_dir, no_index, sources_file, as_json) -> None:
    """Organisation records for all IHKs, HWKs, trade associations and configured organisers."""
    from kontext.organisations import seed_records
    from kontext.store import Store

    config = settings()
    entries = load_sources(_sources_path(config, sources_file))
    records = seed_records(Path(data_dir), config.config_dir, entries)
    store = Store.from_settings(config)
    indexed = None
    try:
        existing = {record.id for record in store.iter_organisations()}
        written = store.upsert_organisations(records, now=datetime.now(UTC))
        if not no_index:
            from kontext.services import meili_session
            from search.organisations import sync_organisations

            with meili_session(config) as meili:
                indexed = sync_organisations(store, meili, config)
    finally:
        store.close()
    kinds: dict[str, int] = {}
    for record in records:
        kinds[record.kind.value] = kinds.get(record.kind.value, 0) + 1
    summary = {
        "records": len(records),
        "new": len({record.id for record in records} - existing),
        "written": written,
        "indexed": indexed,
        "kinds": kinds,
    }
    if as_json:
        print_json(summary)
        return
    click.echo(
        f"{summary['records']} organisation records ({summary['new']} new, {written} written"
        + (f", {indexed} indexed" if indexed is not None else "")
        + "): "
        + ", ".join(f"{kind} {count}" for kind, count in sorted(kinds.items()))
    )


@sources.command()
@click.argument("query", required=False, default="")
@click.option("--kind", help="chamber, crafts_chamber, association, cluster, public_agency, …")
@click.option("--region", help="Bundesland, e.g. Bayern.")
@click.option("--sector", help="Sector code, e.g. machinery.")
@click.option("--limit", default=20, show_default=True, type=click.IntRange(1, 100))
@json_option
def organisations(query, kind, region, sector, limit, as_json) -> None:
    """Search the organisation records (associations, chambers, clusters)."""
    from kontext.services import meili_session
    from search.organisations import organisations_index, search_organisations

    config = settings()
    with meili_session(config) as meili:
        index = organisations_index(meili, config)
        try:
            results = search_organisations(
                index, query, kind=kind, region=region, sector=sector, per_page=limit
            )
        finally:
            index.close()
    hits = [{key: value for key, value in hit.items() if not key.startswith("_")} for hit in results.hits]
    if as_json:
        print_json({"total": results.total, "hits": hits, "facets": results.facets})
        return
    table = Table(title=f"{results.total} organisations")
    for column in ("name", "kind", "city", "region", "website"):
        table.add_column(column)
    for hit in hits:
        table.add_row(
            hit["name"], hit["kind"], hit.get("city") or "-", hit.get("region") or "-", hit.get("url") or "-"
        )
    Console().print(table)
