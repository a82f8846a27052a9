"""`kontext dates`: what the date parser makes of a phrase, or of a stream of JSON lines."""

from __future__ import annotations

import json
import logging
import sys
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import click

from kontext.commands.common import json_option, now_option, parse_now
from kontext.errors import UserError

log = logging.getLogger(__name__)

NOTHING = {"start": None, "end": None}


@click.command()
@click.argument("text", required=False)
@now_option
@click.option("--tz", default="Europe/Berlin", show_default=True, help="Time zone of the source.")
@json_option
def dates(text: str | None, now_text: str | None, tz: str, as_json: bool) -> None:
    """Parse the date phrase TEXT, e.g. "Mi, 03.12.2025, 14:00 – 17:30 Uhr".

    Without TEXT, reads JSON lines {"text": ..., "now": ...} from stdin and writes one JSON line
    {"start": ..., "end": ...} per input line, in order; a bad line gives nulls and a message on stderr.
    """
    from pipelines.dates import parse_when

    _check_zone(tz)
    now = parse_now(now_text, tz)
    if text is not None:
        found = parse_when(text, now, tz)
        result = found.iso() if found else NOTHING
        if as_json:
            click.echo(json.dumps(result))
        else:
            click.echo(_readable(result, tz))
        return
    stdin = sys.stdin
    if stdin.isatty():
        raise UserError('give TEXT, or pipe JSON lines like {"text": "22.Aug", "now": "2025-11-20"} into stdin')
    _stream(stdin, now, tz)


def _check_zone(tz: str) -> None:
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise UserError(f"--tz {tz!r} is not a known time zone (e.g. Europe/Berlin, Europe/Vienna)") from None


def _readable(result: dict, tz: str) -> str:
    if result["start"] is None:
        return "no date or time found"
    start = result["start"].replace("T", " ")
    if result["end"] is None:
        return f"{start} ({tz})"
    return f"{start} – {result['end'].replace('T', ' ')} ({tz})"


def _stream(lines, default_now: datetime, tz: str) -> None:
    """One output line per input line; bad lines are logged and counted, never fatal."""
    from pipelines.dates import parse_when

    total = bad = 0
    out = sys.stdout
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        total += 1
        try:
            text, now, zone = _job(line, default_now, tz)
            found = parse_when(text, now, zone)
            result = found.iso() if found else NOTHING
        except (ValueError, TypeError, KeyError, UserError) as problem:
            bad += 1
            log.warning("line %d: %s", number, problem)
            result = NOTHING
        out.write(json.dumps(result) + "\n")
        out.flush()
    if bad:
        click.echo(f"kontext dates: {bad} of {total} lines were bad and gave nulls (see the messages above)",
                   err=True)


def _job(line: str, default_now: datetime, tz: str) -> tuple[str, datetime, str]:
    try:
        record = json.loads(line)
    except json.JSONDecodeError as problem:
        raise ValueError(f"not JSON ({problem.msg})") from None
    if not isinstance(record, dict):
        raise ValueError('expected an object like {"text": "...", "now": "..."}')
    text = record.get("text")
    if not isinstance(text, str):
        raise ValueError('"text" is missing or not a string')
    zone = record.get("tz") or tz
    if not isinstance(zone, str):
        raise ValueError('"tz" is not a string')
    _check_zone(zone)
    now_value = record.get("now")
    if now_value is None:
        return text, default_now, zone
    if not isinstance(now_value, str):
        raise ValueError('"now" is not an ISO date or datetime string')
    try:
        return text, parse_now(now_value, zone), zone
    except UserError:
        raise ValueError(f'"now" {now_value!r} is not an ISO date or datetime') from None
