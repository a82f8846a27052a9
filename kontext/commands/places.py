"""`kontext places TEXT`: what Kontext makes of an address or venue text (a staff debugging tool)."""

from __future__ import annotations

import dataclasses
import sys

import click

from kontext.commands.common import json_option, print_json
from kontext.errors import UserError


@click.command()
@click.argument("text", required=False)
@click.option("--country", help="Country (ISO code): the default for bare towns (DE), a filter with --locate.")
@click.option("--locate", "as_locate", is_flag=True, help="Treat TEXT as a radius-search centre (town or postcode).")
@json_option
def places(text: str | None, country: str | None, as_locate: bool, as_json: bool) -> None:
    """Parse TEXT (an address, a venue, "Online"…) into place fields and attendance.

    With TEXT "-" the text is read from stdin, so multi-line address blocks can be pasted.
    """
    from pipelines.places import detect_attendance, locate, parse_place

    if text is None:
        raise UserError("give a TEXT to parse, e.g. kontext places '30175 Hannover' (or '-' to read stdin)")
    if text == "-":
        text = sys.stdin.read()
    if country is not None:
        country = country.strip().upper()
        if len(country) != 2 or not country.isalpha():
            raise UserError(f"--country {country!r} is not an ISO 3166 alpha-2 code such as DE, AT or CH")
    place = locate(text, country=country) if as_locate else parse_place(text, default_country=country or "DE")
    attendance = None if as_locate else detect_attendance(text)
    fields = dataclasses.asdict(place) if place else None
    if as_json:
        print_json({"place": fields, "attendance": attendance.value if attendance else None})
        return
    if fields is None:
        click.echo("place: none (no postcode and no known town in the text)")
    else:
        for key, value in fields.items():
            if value is not None:
                click.echo(f"{key + ':':11} {value}")
    if not as_locate:
        click.echo(f"{'attendance:':11} {attendance.value if attendance else 'not stated'}")
