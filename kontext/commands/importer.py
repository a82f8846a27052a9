"""`kontext import FILE.jsonl`: events from partners' exports through the same pipeline as crawled ones.

One JSON object per line:

    {"title": "...", "description": "...", "start": "2026-05-12T09:30", "end": "...",
     "location": "Congress Centrum, Theodor-Heuss-Platz 1, 30175 Hannover",
     "url": "https://...", "organizer": "IHK Hannover", "tags": ["Maschinenbau"]}

`start`/`end` are ISO dates or datetimes (naive ones in --tz), or any date text the date parser
reads ("12. März 2026, 10 Uhr"). The place is a free-text `location`, or venue fields (`venue`,
`street`, `postcode`, `city`, `region`, `country`, `lat`, `lng`, or a `venue` object with them).
`organizer` is a name or {"name", "url", "kind"}; `id` is kept as the partner's identifier, so a
re-import updates instead of duplicating. Every event is cleaned, dated, placed, tagged and given
its stable id (pipelines/normalise.py), stored, and pushed to the index. A bad line is reported
with its number and skipped.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import click
from pydantic import ValidationError

from kontext.commands.common import json_option, now_option, parse_now, print_json, settings
from kontext.errors import UserError
from kontext.records import Event, Geo, Organizer, Price, Venue
from kontext.vocabulary import Attendance, Extraction, OrganizerKind

MAX_LINE = 1_000_000
VENUE_FIELDS = ("name", "street", "postcode", "city", "region", "country")


class BadLine(ValueError):
    """One line of the file cannot become an event; the message says why."""


def _text(record: dict[str, Any], name: str) -> str | None:
    value = record.get(name)
    if value is None:
        return None
    if not isinstance(value, str | int | float):
        raise BadLine(f"`{name}` must be text")
    return str(value).strip() or None


def _moment(value: str, tz: str) -> tuple[datetime | None, bool]:
    """(aware datetime, all day) for an ISO date or datetime; (None, False) for other text."""
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None, False
    all_day = len(value) <= 10
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=ZoneInfo(tz))), all_day


def _venue(record: dict[str, Any]) -> Venue | None:
    nested = record.get("venue")
    fields = dict(nested) if isinstance(nested, dict) else {}
    if isinstance(nested, str):
        fields["name"] = nested
    for name in ("street", "postcode", "city", "region", "country", "lat", "lng"):
        if name in record and name not in fields:
            fields[name] = record[name]
    if "venue_name" in record:
        fields.setdefault("name", record["venue_name"])
    if not fields:
        return None
    values = {name: str(fields[name]).strip() for name in VENUE_FIELDS if fields.get(name) not in (None, "")}
    if "country" in values:
        values["country"] = values["country"].upper()[:2]
    geo = None
    if fields.get("lat") is not None and fields.get("lng") is not None:
        try:
            geo = Geo(lat=float(fields["lat"]), lng=float(fields["lng"]))
        except (TypeError, ValueError, ValidationError):
            raise BadLine("`lat`/`lng` must be coordinates") from None
    return Venue(**values, geo=geo) if values or geo else None


def _organizer(value: Any) -> Organizer | None:
    if value in (None, ""):
        return None
    if isinstance(value, str):
        return Organizer(name=value.strip())
    if isinstance(value, dict) and value.get("name"):
        kind = str(value.get("kind") or "unknown")
        if kind not in {item.value for item in OrganizerKind}:
            raise BadLine(f"organizer kind {kind!r} is not one of {', '.join(item.value for item in OrganizerKind)}")
        return Organizer(name=str(value["name"]), url=value.get("url"), kind=OrganizerKind(kind))
    raise BadLine("`organizer` must be a name or an object with a name")


def raw_event(record: Any, source: str, tz: str) -> Event:
    """One line's object as a raw event (before normalisation); BadLine for what cannot be used."""
    if not isinstance(record, dict):
        raise BadLine("a line must be a JSON object")
    title = _text(record, "title")
    if not title:
        raise BadLine("`title` is missing")
    start_text, end_text = _text(record, "start"), _text(record, "end")
    if not start_text and not _text(record, "when"):
        raise BadLine("`start` is missing")
    start, all_day = _moment(start_text, tz) if start_text else (None, False)
    end, _ = _moment(end_text, tz) if end_text and start else (None, False)
    when_text = None
    if start is None:
        when_text = " – ".join(part for part in (start_text or _text(record, "when"), end_text) if part)
    tags = record.get("tags") or []
    if not isinstance(tags, list) or not all(isinstance(tag, str) for tag in tags):
        raise BadLine("`tags` must be a list of words")
    attendance = _text(record, "attendance")
    if attendance and attendance not in {item.value for item in Attendance}:
        raise BadLine(f"attendance {attendance!r} is not one of online, offline, mixed")
    price = None
    if "free" in record or "price" in record:
        amount = record.get("price")
        try:
            price = Price(
                free=bool(record["free"]) if "free" in record else None,
                amount=float(amount) if isinstance(amount, int | float) else None,
                currency="EUR" if isinstance(amount, int | float) else None,
                text=str(amount) if isinstance(amount, str) else None,
            )
        except ValidationError:
            raise BadLine("`price` must be a number of at least 0 or a text") from None
    try:
        return Event(
            title=title,
            description=_text(record, "description") or "",
            url=_text(record, "url"),
            registration_url=_text(record, "registration_url"),
            image=_text(record, "image"),
            start=start,
            end=end if end and start and end >= start else None,
            all_day=all_day,
            timezone=tz,
            when_text=when_text,
            location_text=_text(record, "location"),
            venue=_venue(record),
            attendance=Attendance(attendance) if attendance else None,
            organizer=_organizer(record.get("organizer")),
            language=_text(record, "language"),
            price=price,
            tags=[tag.strip() for tag in tags if tag.strip()],
            source=source,
            source_key=_text(record, "id"),
            extraction=Extraction.IMPORT,
        )
    except ValidationError as error:
        first = error.errors()[0]
        raise BadLine(f"{'.'.join(map(str, first['loc']))}: {first['msg']}") from None


def read_events(path: Path, source: str, tz: str) -> tuple[list[Event], list[str]]:
    """The raw events of a JSON-lines file and one message per line that was skipped."""
    events: list[Event] = []
    problems: list[str] = []
    try:
        handle = path.open(encoding="utf-8-sig")
    except OSError as error:
        raise UserError(f"cannot read {path}: {error.strerror}") from None
    with handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                if len(line) > MAX_LINE:
                    raise BadLine(f"longer than {MAX_LINE} characters")
                try:
                    record = json.loads(line)
                except json.JSONDecodeError as error:
                    raise BadLine(f"not JSON ({error.msg})") from None
                events.append(raw_event(record, source, tz))
            except BadLine as problem:
                problems.append(f"line {number}: {problem}")
            except UnicodeDecodeError:
                problems.append(f"line {number}: not UTF-8")
    return events, problems


@click.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--source", help="Source name recorded on the events; default: import:<file name>.")
@click.option("--tz", default=None, help="Time zone of naive times; default Europe/Berlin.")
@click.option("--no-index", is_flag=True, help="Store only; `kontext index` pushes them later.")
@now_option
@json_option
def import_events(
    file: Path, source: str | None, tz: str | None, no_index: bool, now_text: str | None, as_json: bool
) -> None:
    """Import events from a JSON-lines file through the normalisation and tagging pipeline."""
    from kontext.services import meili_session
    from kontext.store import Store
    from pipelines.normalise import normalise_page
    from pipelines.tagging import get_tagger
    from search.index import SearchIndex, SearchUnavailable
    from search.sync import sync_index

    config = settings()
    tz = tz or config.timezone
    try:
        ZoneInfo(tz)
    except (KeyError, ValueError):
        raise UserError(f"--tz {tz!r} is not a time zone (e.g. Europe/Berlin)") from None
    now = parse_now(now_text, tz)
    source = source or f"import:{file.stem}"
    raw, problems = read_events(file, source, tz)
    store = Store.from_settings(config)
    try:
        # As `kontext crawl` does: a store locked by another writer is one line before any work,
        # and should the lock come back before the upsert, that one transaction writes nothing.
        store.check_writable()
        for problem in problems:
            click.echo(f"skipped {problem}", err=True)
        drops: Counter = Counter()
        events = normalise_page(raw, now=now, tagger=get_tagger(config.config_dir), drops=drops)
        for reason, count in sorted(drops.items()):
            click.echo(f"dropped {count} event(s): {reason}", err=True)
        counts = store.upsert_events(events, now=now)
        indexed: int | None = None
        if not no_index:
            try:
                with meili_session(config) as meili:
                    index = SearchIndex(meili, config.events_index)
                    indexed = sync_index(store, index).indexed
                    index.close()
            except SearchUnavailable as error:
                click.echo(f"kontext: {error}; the events are stored, `kontext index` will push them", err=True)
    finally:
        store.close()
    report = {
        "read": len(raw) + len(problems),
        "skipped": len(problems),
        "dropped": sum(drops.values()),
        "new": counts.new,
        "updated": counts.updated,
        "unchanged": counts.unchanged,
        "indexed": indexed,
        "ids": counts.ids,
    }
    if as_json:
        print_json(report)
        return
    click.echo(
        f"{report['read']} lines: {counts.new} new, {counts.updated} updated, {counts.unchanged} unchanged, "
        f"{report['skipped']} skipped, {report['dropped']} dropped"
        + (f"; {indexed} pushed to the index" if indexed is not None else "")
    )
