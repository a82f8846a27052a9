"""Tokens -> Readings: which day(s) and clock time(s) a phrase names, before any calendar arithmetic.

Three passes, each a handful of small named rules:

1. pipelines.dates.items (rules in numbers.py and words.py) turns tokens into items: a Day
   ("12. März", "Freitag", "morgen"), a Clock ("19:30", "18 Uhr", "7pm"), a Period ("nächste
   Woche", "März 2026", "KW 36"), connectors, markers ("ab", "um", "zwischen", "abends"), and the
   shapes that stay undecided until their neighbours are known ("15.30", "2330", a bare number).
2. pipelines.dates.decide settles those, merges a weekday into the date beside it as a check
   and applies a period as context.
3. pipelines.dates.combine reads the chain of days and clock times into a Reading.

A line break is a strong boundary: passes 1 and 2 read every line on its own, so no shape and no
undecided number takes its meaning from another line ("MESSE 2025" above "31. März" is not a
clock time). Lines are then joined only where they complete each other (pipelines.dates.lines):
a date line and a time line, or two lines joined by a range ("13. Mai 11:00", "Ende:", "13. Mai
18:00"). pipelines.dates.resolve then resolves a Reading against the reference time.
"""

from __future__ import annotations

from pipelines.dates.combine import combine, segments
from pipelines.dates.decide import disambiguate
from pipelines.dates.items import read_items
from pipelines.dates.lines import join_lines, names_a_day_or_time
from pipelines.dates.model import Item, Reading
from pipelines.dates.scanner import Token


def parse_tokens(tokens: list[Token]) -> Reading | None:
    """The reading of a date phrase: its first mention, with everything around it as context.

    On several lines: the first group of lines that names a day or a clock time.
    """
    groups = _groups(tokens, running_text=False)
    if len(groups) == 1:
        return combine(groups[0])
    readings = [(names_a_day_or_time(group), reading) for group in groups if (reading := combine(group))]
    return next((reading for named, reading in readings if named), readings[0][1] if readings else None)


def mentions(tokens: list[Token]) -> list[tuple[Reading, list[Item]]]:
    """Every separate date expression in a run of tokens ("12.03.2026, 10 Uhr 14.03.2026" has two)."""
    found = []
    for group in _groups(tokens, running_text=True):
        for segment in segments(group):
            reading = combine(segment)
            if reading is not None:
                found.append((reading, segment))
    return found


def _groups(tokens: list[Token], running_text: bool) -> list[list[Item]]:
    """The items of the tokens, line by line, in groups of lines that belong together."""
    if not tokens or tokens[0].line == tokens[-1].line:
        return [disambiguate(read_items(tokens))]
    lines: list[list[Token]] = [[]]
    for token in tokens:
        if lines[-1] and token.line != lines[-1][-1].line:
            lines.append([])
        lines[-1].append(token)
    return join_lines([disambiguate(read_items(line)) for line in lines], running_text)
