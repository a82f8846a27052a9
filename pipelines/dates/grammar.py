"""Tokens -> Readings: which day(s) and clock time(s) a phrase names, before any calendar arithmetic.

Three passes, each a handful of small named rules:

1. pipelines.dates.items (rules in numbers.py and words.py) turns tokens into items: a Day
   ("12. März", "Freitag", "morgen"), a Clock ("19:30", "18 Uhr", "7pm"), a Period ("nächste
   Woche", "März 2026", "KW 36"), connectors, markers ("ab", "um", "zwischen", "abends"), and the
   shapes that stay undecided until their neighbours are known ("15.30", "2330", a bare number).
2. pipelines.dates.decide settles those, merges a weekday into the date beside it as a check
   and applies a period as context.
3. pipelines.dates.combine reads the chain of days and clock times into a Reading.

pipelines.dates.resolve then resolves a Reading against the reference time.
"""

from __future__ import annotations

from pipelines.dates.combine import combine, segments
from pipelines.dates.decide import disambiguate
from pipelines.dates.items import read_items
from pipelines.dates.model import Item, Reading
from pipelines.dates.scanner import Token


def parse_tokens(tokens: list[Token]) -> Reading | None:
    """The reading of a date phrase: its first mention, with everything around it as context."""
    return combine(disambiguate(read_items(tokens)))


def mentions(tokens: list[Token]) -> list[tuple[Reading, list[Item]]]:
    """Every separate date expression in a run of tokens ("12.03.2026, 10 Uhr 14.03.2026" has two)."""
    found = []
    for segment in segments(disambiguate(read_items(tokens))):
        reading = combine(segment)
        if reading is not None:
            found.append((reading, segment))
    return found
