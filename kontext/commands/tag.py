"""`kontext tag`: the tagger on JSON lines, stdin to stdout.

Each input line is an object with any of "title", "description", "organizer" (a name, or an
object {name, kind}), "organizer_kind", "tags" and "language"; other fields are ignored. Each
output line, in input order, is {"sectors": [{code, score, evidence}], "topics": […], "format": …,
"audience": {label, sme_score, evidence}}. A line that cannot be read gives empty results plus
an "error" field, and a warning on stderr; the run goes on.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TextIO

import click

from kontext.errors import UserError
from kontext.vocabulary import OrganizerKind

BATCH = 256


class BadLine(ValueError):
    """An input line the tagger cannot read; the message says why."""


def _text(value: Any, name: str) -> str:
    if value is None:
        return ""
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        return str(value)
    raise BadLine(f"field {name!r} must be text")


def _kind(value: Any) -> OrganizerKind | None:
    if value in (None, ""):
        return None
    try:
        return OrganizerKind(str(value).strip().lower().replace(" ", "_"))
    except ValueError:
        raise BadLine(f"organizer kind {value!r} is not one of {', '.join(OrganizerKind)}") from None


def parse_line(line: str):
    """One JSON line as a TagInput; raises BadLine with a short reason."""
    from pipelines.tagging import TagInput

    try:
        data = json.loads(line)
    except json.JSONDecodeError as error:
        raise BadLine(f"not JSON ({error.msg} at column {error.colno})") from None
    if not isinstance(data, dict):
        raise BadLine("not a JSON object")
    organizer = data.get("organizer")
    kind = _kind(data.get("organizer_kind"))
    if isinstance(organizer, dict):
        kind = _kind(organizer.get("kind")) or kind
        organizer = organizer.get("name")
    tags = data.get("tags") or ()
    if isinstance(tags, str):
        tags = (tags,)
    if not isinstance(tags, list | tuple) or not all(isinstance(tag, str) for tag in tags):
        raise BadLine("field 'tags' must be a list of strings")
    language = data.get("language")
    return TagInput(
        title=_text(data.get("title"), "title"),
        description=_text(data.get("description"), "description"),
        organizer=_text(organizer, "organizer") or None,
        organizer_kind=kind,
        tags=tuple(tags),
        language=language if isinstance(language, str) else None,
    )


def result_json(tagging) -> dict[str, Any]:
    """The output object for one tagged event."""
    return {
        "sectors": [{"code": t.code, "score": t.score, "evidence": t.evidence} for t in tagging.sectors],
        "topics": [{"code": t.code, "score": t.score, "evidence": t.evidence} for t in tagging.topics],
        "format": tagging.format.value,
        "audience": {
            "label": tagging.audience.label.value,
            "sme_score": tagging.audience.sme_score,
            "evidence": tagging.audience.evidence,
        },
    }


def _batches(stream: TextIO) -> Iterator[list[tuple[int, str]]]:
    batch: list[tuple[int, str]] = []
    for number, line in enumerate(stream, start=1):
        batch.append((number, line))
        if len(batch) >= BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


@click.command()
@click.option(
    "--config",
    "config_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder with sectors.yaml & co. (default: the configured config folder).",
)
def tag(config_dir: Path | None) -> None:
    """Tag events read as JSON lines on stdin; write one JSON result line per input line.

    \b
    echo '{"title": "Fachtagung Maschinenbau", "organizer": "IHK Hannover"}' | kontext tag
    """
    from pipelines.tagging import get_tagger

    stdin, stdout = sys.stdin, sys.stdout
    if stdin.isatty():
        raise UserError('pipe JSON lines like {"title": "Fachtagung Maschinenbau", "organizer": "IHK"} into stdin')
    tagger = get_tagger(config_dir)
    total = bad = 0
    for batch in _batches(stdin):
        parsed: list[tuple[int, Any]] = []
        for number, line in batch:
            total += 1
            try:
                parsed.append((number, parse_line(line)))
            except BadLine as error:
                bad += 1
                click.echo(f"kontext tag: line {number}: {error}; wrote an empty result", err=True)
                parsed.append((number, error))
        good = [item for _, item in parsed if not isinstance(item, BadLine)]
        results = iter(tagger.tag_many(good))
        for _, item in parsed:
            if isinstance(item, BadLine):
                output = {"sectors": [], "topics": [], "format": None, "audience": None, "error": str(item)}
            else:
                output = result_json(next(results))
            stdout.write(json.dumps(output, ensure_ascii=False) + "\n")
        stdout.flush()
    if bad:
        click.echo(f"kontext tag: {bad} of {total} lines could not be read", err=True)
