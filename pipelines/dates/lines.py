"""Which lines of a date text belong together.

Event pages break date phrases over lines ("Mittwoch, 3. Dezember 2025" / "14:00 – 17:30 Uhr"),
and they put unrelated numbers on the line before or after a date ("HANNOVER MESSE 2025",
"Ticket 23-0623"). The grammar reads every line on its own; this module joins the lines that
complete each other and keeps the others apart:

- a line of days followed by a line of clock times (the times of those days);
- a weekday alone followed by the date it checks;
- lines joined by a range or list word at the end of one or the start of the next ("bis",
  "Ende:", "und", "–");
- the same day written again on the next line (a from/to layout of a one-day event);
- lines that name no day, time or period (labels, glue) never separate anything.

A line of clock times followed by a line of days is joined only in a phrase already known to be
one date (parse_when); in running text the times usually close the entry above.
"""

from __future__ import annotations

from pipelines.dates.decide import rejoin
from pipelines.dates.model import Item

_SKIP = frozenset({"SEP", "POD", "ALLDAY", "X"})
_OPENING = frozenset({"R", "L", "S", "O", "FROM", "AT", "BETWEEN"})
_CONTINUING = frozenset({"R", "L", "S", "O"})


class _Shape:
    """What a line (or a group of lines) names."""

    __slots__ = ("clocks", "days", "periods", "weekdays")

    def __init__(self) -> None:
        self.days = self.weekdays = self.clocks = self.periods = False

    def add(self, items: list[Item]) -> _Shape:
        for item in items:
            if item.kind == "D":
                if item.value.weekday_only:
                    self.weekdays = True
                else:
                    self.days = True
            elif item.kind == "T":
                self.clocks = True
            elif item.kind == "P":
                self.periods = True
        return self

    @property
    def content(self) -> bool:
        return self.days or self.weekdays or self.clocks or self.periods


def _edge(items: list[Item], last: bool) -> str | None:
    for item in reversed(items) if last else items:
        if item.kind not in _SKIP:
            return item.kind
    return None


def _belongs(group: _Shape, before: list[Item], line: list[Item], shape: _Shape, running_text: bool) -> bool:
    if not shape.content or not group.content:
        return True
    if _edge(before, last=True) in _OPENING or _edge(line, last=False) in _CONTINUING:
        return True  # "13. Mai 11:00 bis" / "13. Mai 18:00", "Ende:" on a line of its own
    if shape.periods or group.periods:
        return False
    if not shape.clocks and _days(line) == _days(before):
        return True  # the same day again ("12.1.2019" / "12.1.2019" in a from/to layout) is one mention
    if (group.days or group.weekdays) and not group.clocks and shape.clocks and not shape.days:
        return not shape.weekdays
    if group.weekdays and not group.days and not group.clocks and shape.days:
        return True
    if not running_text and group.clocks and not group.days and not group.weekdays:
        return (shape.days or shape.weekdays) and not shape.clocks
    return False


def join_lines(lines: list[list[Item]], running_text: bool = True) -> list[list[Item]]:
    """Groups of consecutive lines (each a list of decided items) that form one date expression."""
    groups: list[list[Item]] = []
    named: list[int] = []  # lines that name something, per group
    shape = _Shape()
    before: list[Item] = []
    for line in lines:
        if not line:
            continue
        line_shape = _Shape().add(line)
        if groups and _belongs(shape, before, line, line_shape, running_text):
            groups[-1].extend(line)
            named[-1] += line_shape.content
            shape.add(line)
        else:
            groups.append(list(line))
            named.append(int(line_shape.content))
            shape = line_shape
        if _edge(line, last=True) is not None:
            before = line
    # Across the joined lines: a weekday checks the date below it, "pm" reaches the start of a range.
    return [rejoin(group) if count > 1 else group for group, count in zip(groups, named, strict=True)]


def _days(items: list[Item]) -> list:
    return [item.value for item in items if item.kind == "D"]


def names_a_day_or_time(items: list[Item]) -> bool:
    """Whether a group of items names a day or a clock time (not only a period)."""
    return any(item.kind in ("D", "T") for item in items)
