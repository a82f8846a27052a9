"""Pass 3 of the grammar: the chain of days and clock times -> a Reading.

Days joined by a range word ("bis", "-", "to", "auf") are a range; by "und", "," or "/" a list,
which we report first to last; by "oder" alternatives, of which the first counts. A clock time
belongs to the day it follows or precedes with no connector between; two clock times joined by a
range (or "/", "und" after "zwischen") are a time range. A later day with no connector to the
first run is another mention (find_dates reports it separately).
"""

from __future__ import annotations

from dataclasses import replace
from itertools import pairwise

from pipelines.dates.model import CONNECTORS, Clock, Day, Item, Reading


def combine(items: list[Item]) -> Reading | None:
    """The Reading of one mention's items, or None when they name no day, time or period."""
    allday = any(item.kind == "ALLDAY" for item in items)
    core = [item for item in items if item.kind in ("D", "T", "P", "R", "L", "O", "S", "BETWEEN")]
    days = [i for i, item in enumerate(core) if item.kind == "D"]
    clocks = [] if allday else [i for i, item in enumerate(core) if item.kind == "T"]
    if not days and not clocks:
        return _periods(core)
    if not days:
        start_clock, end_clock = _clock_span(core, clocks)
        return Reading(start_clock=start_clock, end_clock=end_clock)

    group, joiner = _day_group(core, days)
    first, last = group[0], group[-1]
    if joiner == "O" or len(group) == 1:
        start_clock, end_clock = _clock_span(core, [c for c in clocks if _owner(core, c, [first]) == first])
        return Reading(start=core[first].value, start_clock=start_clock, end_clock=end_clock,
                       end_is_start=_until_only(core, first))
    start_day, end_day = _share_parts(core[first].value, core[last].value)
    owner = {c: _owner(core, c, group) for c in clocks}
    start_clock, _ = _clock_span(core, [c for c in clocks if owner[c] == first])
    end_clock, range_end = _clock_span(core, [c for c in clocks if owner[c] == last])
    if start_clock is None and end_clock is not None and range_end is not None:
        start_clock, end_clock = end_clock, range_end  # "22.–23. August 17–18 Uhr"
    elif start_clock is None and end_clock is not None and _short_form(core[first].value):
        start_clock, end_clock = end_clock, None  # "12.–14. März 2026, 10 Uhr": from 10 each day
    elif range_end is not None:
        end_clock = range_end
    return Reading(start=start_day, start_clock=start_clock, end=end_day, end_clock=end_clock)


def _periods(core: list[Item]) -> Reading | None:
    """"im März" (one period), "März bis Mai 2026" (two months joined by a range)."""
    periods = [i for i, item in enumerate(core) if item.kind == "P"]
    if len(periods) >= 2 and _connector(core, periods[0], periods[1]) == "R":
        first, last = core[periods[0]].value, core[periods[1]].value
        if first.kind == last.kind == "month" and first.offset is None and last.offset is None:
            if first.year is None and last.year is not None:
                first = replace(first, year=last.year if first.month <= last.month else last.year - 1)
            return Reading(period=first, until=last)
    strong = [core[i].value for i in periods if not core[i].extra.get("weak")]
    return Reading(period=strong[0]) if strong else None


def segments(items: list[Item]) -> list[list[Item]]:
    """Split the items where a day follows another day with no connector between them."""
    found: list[list[Item]] = [[]]
    last_day: Item | None = None
    pending: list[Item] = []
    for item in items:
        if item.kind != "D":
            (found[-1] if last_day is None else pending).append(item)
            continue
        if last_day is not None and item.value != last_day.value and not any(
                i.kind in CONNECTORS or i.kind == "BETWEEN" for i in pending):
            cut = len(pending)
            while cut > 0 and pending[cut - 1].kind in ("SEP", "FROM", "AT"):
                cut -= 1  # glue right before the new day ("am", "vom") belongs to it
            found[-1].extend(pending[:cut])
            found.append(pending[cut:])
        else:
            found[-1].extend(pending)
        pending = []
        found[-1].append(item)
        last_day = item
    found[-1].extend(pending)
    return [segment for segment in found if segment]


def _short_form(day: Day) -> bool:
    return day.month is None or (day.year is None and day.weekday is None)


def _until_only(core: list[Item], first: int) -> bool:
    """"bis 19. September": a day named only as the end of something."""
    return first > 0 and core[first - 1].kind == "R" and core[first - 1].value == "bis" and all(
        item.kind not in ("D", "T") for item in core[:first])


def _connector(core: list[Item], a: int, b: int) -> str | None:
    kinds = {item.kind for item in core[a + 1:b]}
    return next((kind for kind in ("R", "S", "L", "O") if kind in kinds), None)


def _day_group(core: list[Item], days: list[int]) -> tuple[list[int], str | None]:
    """The first run of days joined by connectors, and the first connector that joined them."""
    group = [days[0]]
    joiner = None
    between = days[0] > 0 and core[days[0] - 1].kind == "BETWEEN"
    for a, b in pairwise(days):
        conn = _connector(core, a, b)
        if conn is None:
            if core[a].value == core[b].value:
                continue
            break
        joiner = joiner or ("R" if conn == "L" and between else conn)
        group.append(b)
    return group, joiner


def _owner(core: list[Item], clock: int, group: list[int]) -> int:
    """The day a clock time belongs to: the one it follows or precedes with no connector between
    ("4pm today to 5pm tomorrow"), else the nearest day before it, else the first."""
    before = [d for d in group if d < clock]
    if before and _connector(core, before[-1], clock) is None:
        return before[-1]
    after = [d for d in group if d > clock]
    if after and _connector(core, clock, after[0]) is None and not any(
            item.kind == "T" for item in core[clock + 1:after[0]]):
        return after[0]
    return before[-1] if before else group[0]


def _clock_span(core: list[Item], clocks: list[int]) -> tuple[Clock | None, Clock | None]:
    """The first clock time, and the one that closes a range with it ("14:00 – 17:30", "13.00/14.00")."""
    if not clocks:
        return None, None
    first = clocks[0]
    for second in clocks[1:]:
        if _connector(core, first, second) in ("R", "S", "L"):
            return core[first].value, core[second].value
    return core[first].value, None


def _share_parts(start: Day, end: Day) -> tuple[Day, Day]:
    """"12.–14. März 2026": the first day takes month and year from the last, and the other way round."""
    if start.day is not None and end.day is not None:
        if start.month is None and end.month is not None:
            start = replace(start, month=end.month, year=start.year or end.year)
        elif start.year is None and end.year is not None and start.month is not None:
            start = replace(start, year=end.year)
        if end.month is None and start.month is not None:
            end = replace(end, month=start.month, year=end.year or start.year)
        elif end.year is None and start.year is not None and end.month is not None:
            later = (end.month, end.day) >= (start.month, start.day)
            end = replace(end, year=start.year if later else start.year + 1)
    if start.weekday_only and end.weekday_only and start.week_offset is not None and end.week_offset is None:
        end = replace(end, week_offset=start.week_offset, rule=start.rule)
    return start, end
