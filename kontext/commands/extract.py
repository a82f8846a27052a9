"""`kontext extract`: what Kontext makes of one page (extraction + dates + places + tagging, no store)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import click

from crawler.extract import extract_events, extract_ics
from kontext.commands.common import json_option, now_option, parse_now, print_json, settings
from kontext.errors import UserError
from kontext.fetch import fetch_page
from kontext.settings import Settings
from kontext.sources import Source, SourceOrganizer, load_sources
from pipelines.normalise import normalise_page
from pipelines.tagging import get_tagger

ANONYMOUS = "page"


def _source(config: Settings, name: str | None, tz: str | None) -> Source | None:
    """The configured source to read the page as, or an anonymous one carrying only a time zone."""
    if name:
        found = {source.name: source for source in load_sources(config.config_dir / "sources.yaml")}
        if name not in found:
            raise UserError(f"unknown source {name!r}; see `kontext sources list`")
        source = found[name]
        return source.model_copy(update={"timezone": tz}) if tz else source
    if tz is None:
        return None
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise UserError(f"--tz {tz!r} is not a time zone name such as Europe/Berlin") from None
    return Source(
        name=ANONYMOUS, organizer=SourceOrganizer(name=ANONYMOUS), start_urls=["https://localhost/"], timezone=tz
    )


@click.command()
@click.argument("file_or_url")
@click.option("--url", "page_url", help="The page's URL (for a saved file: where it came from).")
@now_option
@click.option("--tz", default=None, help="Time zone of the page (default: the source's, else Europe/Berlin).")
@click.option("--source", "source_name", help="Read the page as this configured source does (selectors, organiser).")
@click.option("--allow-private", is_flag=True, help="Allow fetching loopback/private addresses.")
@json_option
def extract(file_or_url, page_url, now_text, tz, source_name, allow_private, as_json) -> None:
    """Extract and normalise the events on a saved page or a URL; prints them ([] when none)."""
    config = settings()
    source = _source(config, source_name, tz)
    now = parse_now(now_text, source.timezone if source else config.timezone)
    path = Path(file_or_url)
    if path.is_file():
        body = path.read_bytes()
        url = page_url or path.resolve().as_uri()
        content_type = "text/calendar" if path.suffix.lower() == ".ics" else "text/html"
    elif file_or_url.startswith(("http://", "https://")):
        page = fetch_page(file_or_url, user_agent=config.user_agent, allow_private=allow_private)
        body, url, content_type = page.body, page_url or page.url, page.content_type
    else:
        raise UserError(f"{file_or_url!r} is neither a file nor an http(s) URL")
    if source is not None and source.name == ANONYMOUS:
        source = source.model_copy(update={"organizer": SourceOrganizer(name=urlsplit(url).hostname or "unbekannt")})
    reader = extract_ics if content_type.startswith("text/calendar") else extract_events
    raw = reader(body, url, now, source=source)
    drops: Counter = Counter()
    events = normalise_page(raw, now=now, source=source, tagger=get_tagger(config.config_dir), drops=drops)
    for reason, count in drops.items():
        click.echo(f"dropped {count} event(s): {reason}", err=True)
    documents = [event.model_dump(mode="json", exclude={"when_text", "location_text"}) for event in events]
    if as_json:
        print_json(documents)
        return
    if not events:
        click.echo("no events found")
    for event in events:
        start = event.start.isoformat() if event.start else "?"
        city = event.venue.city if event.venue and event.venue.city else "-"
        audience = event.audience.label.value if event.audience else "-"
        click.echo(f"{start}  {event.title}  [{city}; {audience}; via {event.extraction}]")
