"""Pass 2 of the grammar: decide what the ambiguous items mean, from their neighbours.

- "2330" (N4): the year of the date before it, a clock time ("Nov 12 2215-1835", "on Sunday 1925"),
  or a year on its own.
- "15.30" (DM): a day and month ("15.10 - 16.10") or a clock time ("01.08.2017 07.40", "15.30 bis
  19.30 Uhr", "um 15.30").
- A bare number (N): a day ("18-20.05.", "Monday 24", "24 - 29") or an hour ("um 7", "17-18 Uhr",
  "27.10.2017 20-21").
Then: a weekday or "morgen" next to a date becomes a check on it; "abends"/"pm" set the half of
the day of the clock time beside them; a period next to days is their context ("nächste Woche
Montag", "4 to 22 next month").
"""

from __future__ import annotations

from dataclasses import replace

from pipelines.dates.lexicon import UNITS
from pipelines.dates.model import SOFT, Clock, Day, Item, Period


def disambiguate(items: list[Item]) -> list[Item]:
    """The items with every undecided one decided, checks merged and context applied."""
    _decide_four_digits(items)
    _decide_day_or_time(items)
    _decide_numbers(items)
    _decide_four_digits(items)
    items = _merge_checks(items)
    _apply_parts_of_day(items)
    _apply_context(items)
    return items


def rejoin(items: list[Item]) -> list[Item]:
    """Items of several lines read one by one, now joined: the checks and parts of the day that
    reach across the lines ("Mittwoch" above "03.12.2025", "8:00 –" above "12:00 PM")."""
    items = _merge_checks(items)
    _apply_parts_of_day(items)
    return items


def _significant(items: list[Item], index: int | None, step: int, skip: frozenset = SOFT) -> int | None:
    """Index of the nearest item before (step -1) or after (step 1) whose kind is not in `skip`."""
    if index is None:
        return None
    j = index + step
    while 0 <= j < len(items):
        if items[j].kind not in skip:
            return j
        j += step
    return None


def _kind_at(items: list[Item], index: int | None) -> str | None:
    return items[index].kind if index is not None else None


def _dated(item: Item | None) -> bool:
    return item is not None and item.kind == "D" and item.value.day is not None and item.value.month is not None


def _any_day(items: list[Item], exclude: int | None = None) -> bool:
    return any(i != exclude and item.kind == "D" and item.value.day is not None for i, item in enumerate(items))


def _any_clock(items: list[Item]) -> bool:
    return any(item.kind == "T" for item in items)


def _decide_four_digits(items: list[Item]) -> None:
    for index, item in enumerate(items):
        if item.kind != "N4":
            continue
        value = item.value
        before = _significant(items, index, -1, frozenset({"SEP"}))
        prev = items[before] if before is not None else None
        after = _significant(items, index, 1, frozenset())
        partner = _significant(items, after, 1) if _kind_at(items, after) in ("R", "S") else None
        if _kind_at(items, partner) == "N4":
            items[partner].extra["pair"] = True
        in_pair = item.extra.get("pair", False) or _kind_at(items, partner) == "N4"
        is_year = 1900 <= value <= 2100
        # Not a clock time: a number the phrase already has a written time for ("Programm 2026: am
        # 5. Mai um 18 Uhr"), or a year-like one before every day of the phrase ("Messe 2026 – 12. bis
        # 14. März"); bare four-digit times follow their day ("Nov 12 2215", "on Sunday 1925").
        is_clock = value // 100 < 24 and value % 100 < 60 and not (
            not in_pair and (_strong_clock(items) or (is_year and _days_after_only(items, index))))
        if is_year and not in_pair and prev is not None and prev.kind in ("D", "DM") and prev.value.year is None \
                and prev.value.month is not None:
            prev.value = replace(prev.value, year=value)
            prev.end = item.end
            item.kind = "SEP"
        elif is_year and not in_pair and (dated := _yearless_day_before(items, index)) is not None:
            dated.value = replace(dated.value, year=value)  # "Wed Aug 05 12:00:00 2015"
            item.kind = "SEP"
        elif in_pair and is_year and _kind_at(items, partner) == "N4" and 1900 <= items[partner].value <= 2100 \
                and not any(i.kind == "D" for i in items):
            item.kind = items[partner].kind = "X"  # "2014-2018": years, not an event's date
        elif is_clock and (in_pair or any(i.kind == "D" for i in items)):
            item.kind, item.value = "T", Clock(value // 100, value % 100, strong=False)
        elif is_year:
            item.kind, item.value = "P", Period("year", year=value)
        else:
            item.kind = "X"


def _strong_clock(items: list[Item]) -> bool:
    return any(item.kind == "T" and item.value.strong for item in items)


def _days_after_only(items: list[Item], index: int) -> bool:
    """Whether the phrase has days, all of them after `index`."""
    days = [i for i, item in enumerate(items) if item.kind in ("D", "DM")]
    return bool(days) and min(days) > index


def _yearless_day_before(items: list[Item], index: int) -> Item | None:
    """The one day with a month but no year before a year that ends the phrase."""
    if _significant(items, index, 1) is not None:
        return None
    # A weekday beside the date is only its check ("Wed Aug 05 12:00:00 2015").
    days = [item for item in items[:index] if item.kind in ("D", "DM") and not (
        item.kind == "D" and item.value.weekday_only)]
    if len(days) == 1 and days[0].value.year is None and days[0].value.month is not None:
        return days[0]
    return None


def _decide_day_or_time(items: list[Item]) -> None:
    for index, item in enumerate(items):
        if item.kind == "DM":
            if _day_month_is_time(items, index):
                item.kind, item.value = "T", item.extra["clock"]
            else:
                item.kind = "D"


def _day_month_is_time(items: list[Item], index: int) -> bool:
    before, after = _significant(items, index, -1), _significant(items, index, 1)
    prev_kind, next_kind = _kind_at(items, before), _kind_at(items, after)
    if prev_kind == "AT":
        return True  # "um 15.30"
    if prev_kind in ("R", "S") and _kind_at(items, _significant(items, before, -1)) == "T":
        return True  # "14:00 - 17.30"
    following = _significant(items, after, 1) if next_kind in ("R", "S") else None
    if following is not None and items[following].kind == "T" and items[following].value.strong:
        return True  # "15.30 bis 19.30 Uhr"
    if prev_kind in ("R", "S", "L") and _kind_at(items, _significant(items, before, -1)) in ("D", "DM"):
        return False  # "15.10 - 16.10"
    return _dated(items[before] if before is not None else None)  # "Di., 01.08.2017 07.40"


def _decide_numbers(items: list[Item]) -> None:
    for index, item in enumerate(items):
        if item.kind != "N":
            continue
        role = _number_role(items, index)
        if role in ("hour", "said hour"):
            item.kind, item.value = "T", Clock(item.value, strong=True)
            item.extra["half_open"] = role == "said hour"
        elif role == "bare hour":
            item.kind, item.value = "T", Clock(item.value, strong=False)
        elif role == "day":
            item.kind, item.value = "D", Day(day=item.value)
        elif role != "pair":
            item.kind = "X"


def _number_role(items: list[Item], index: int) -> str | None:
    item = items[index]
    value = item.value
    before = _significant(items, index, -1, frozenset({"SEP", "FROM"}))
    after = _significant(items, index, 1, frozenset({"SEP"}))
    prev_kind, next_kind = _kind_at(items, before), _kind_at(items, after)
    following = _significant(items, after, 1, frozenset({"SEP"}))
    preceding = _significant(items, before, -1, frozenset({"SEP"}))
    hour_ok = value <= 24 and item.extra.get("digits", 0) <= 2
    day_ok = 1 <= value <= 31 and not item.extra.get("word")
    if next_kind == "X" and items[after].value in UNITS:
        return None  # "ca. 3 Stunden", "etwa 2 Tage": a count of units, not a clock time or a day

    if hour_ok and prev_kind == "AT":
        return "said hour"  # "um 7", "around 5": which half of the day is left open
    if hour_ok and (prev_kind == "POD" or (next_kind == "POD" and items[after].value is not None)):
        return "hour"  # "abends 7", "5 nachmittags"
    if hour_ok and next_kind in ("R", "S", "L") and _kind_at(items, following) == "T":
        return "bare hour"  # "19- 20 Uhr", "5 to 6pm"
    if hour_ok and prev_kind in ("R", "S") and _kind_at(items, preceding) == "T":
        return "bare hour"  # "14:00 - 17"
    if day_ok and next_kind in ("R", "L", "O", "S") and _dated(items[following] if following is not None else None):
        return "day"  # "18-20.05.", "Montag 20 oder 21.11.2017"
    if day_ok and prev_kind in ("R", "L", "O") and _dated(items[preceding] if preceding is not None else None) \
            and not _any_day(items, exclude=preceding) and not _any_clock(items):
        return "day"  # "Nov 19-20"
    if next_kind in ("R", "L", "S") and _kind_at(items, following) == "N":
        _decide_number_pair(items, index, following)
        return "pair"
    if day_ok and prev_kind == "D" and items[before].value.weekday_only:
        return "day"  # "Monday 24", "Sonntag 18ter"
    if hour_ok and not item.extra.get("word") and prev_kind == "D" and items[before].value.has_date \
            and _significant(items, index, 1, frozenset({"SEP", "POD"})) is None:
        return "bare hour"  # "Sonntag, 25. Juni, 12", "übermorgen ab 10"
    if day_ok and prev_kind is None and next_kind in ("P", "D") and item.extra.get("digits", 0) <= 2:
        return "day"  # "4 to 23 next month"
    if hour_ok and item.extra.get("word") and (prev_kind == "R" or next_kind == "R"):
        return "bare hour"  # "von fünf bis sieben"
    return None


def _decide_number_pair(items: list[Item], first: int, second: int) -> None:
    """"24 - 29" (days), "20-21" after a date (hours), "4 to 22 this month" (days)."""
    a, b = items[first], items[second]
    after = _significant(items, second, 1, frozenset({"SEP"}))
    context = items[after] if after is not None else None
    month_follows = context is not None and (
        (context.kind == "P" and context.value.kind in ("month", "week")) or (context.kind == "D" and context.value.day
        is None))
    both_hours = a.value <= 24 and b.value <= 24 and a.extra.get("digits", 0) <= 2
    both_days = 1 <= a.value <= 31 and 1 <= b.value <= 31 and not a.extra.get("word")
    if both_days and (month_follows or not any(item.kind == "D" for item in items)) and not _any_clock(items):
        a.kind, a.value = "D", Day(day=a.value)
        b.kind, b.value = "D", Day(day=b.value)
    elif both_hours:
        a.kind, a.value = "T", Clock(a.value, strong=False)
        b.kind, b.value = "T", Clock(b.value, strong=False)


def _merge_checks(items: list[Item]) -> list[Item]:
    """A weekday or "morgen" beside a date is a check on it: "Mi, 03.12.2025", "24.8. Monday"."""
    merged: list[Item] = []
    for item in items:
        if item.kind != "D":
            merged.append(item)
            continue
        j = len(merged) - 1
        while j >= 0 and merged[j].kind in ("SEP", "POD", "FROM"):
            j -= 1
        combined = _merge_days(merged[j].value, item.value) if j >= 0 and merged[j].kind == "D" else None
        if combined is None:
            merged.append(item)
            continue
        keep = merged[j]
        checked = keep.value.weekday_only or item.value.weekday_only
        keep.extra.update(item.extra)
        keep.value, keep.end = combined, item.end
        keep.extra["checked"] = checked
        if combined.has_date:
            keep.extra.pop("weekday", None)
    return merged


def _merge_days(a: Day, b: Day) -> Day | None:
    if a == b:
        return a
    for check, dated in ((a, b), (b, a)):
        if check.weekday_only and check.week_offset is None and dated.has_date and dated.weekday is None:
            return replace(dated, weekday=check.weekday)
        if check.offset is not None and check.weekday is None and dated.day is not None:
            return dated  # "morgen, 24.10.2017": the date is explicit
    if a.weekday_only and b.weekday_only and a.weekday == b.weekday:
        return a
    return None


def _apply_parts_of_day(items: list[Item]) -> None:
    """"abends 7" is 19:00, "5 to 6pm" is 17-18, "between 2 and 4pm" 14-16, "12 Uhr nachts" 0:00.

    A part of the day only changes the clock time right beside it, so "10 Uhr bis abends" keeps 10:00.
    """
    for index, item in enumerate(items):
        if item.kind != "T" or item.value.ampm is not None:
            continue
        half = _adjacent_half(items, index)
        found = item.value
        if half in ("pm", "night") and found.hour == 12:
            item.value = replace(found, hour=0)
        elif (half == "pm" and 1 <= found.hour < 12) or (half == "night" and 6 <= found.hour < 12):
            item.value = replace(found, ampm="pm")
        elif half == "am" and found.hour <= 12:
            item.value = replace(found, ampm="am")  # "from 3 in the morning until 5pm"
    for index, item in enumerate(items):
        if item.kind != "T" or item.value.ampm is not None:
            continue
        found = item.value
        opener = _range_opener(items, index)
        if opener is not None and found.hour < 12 and (
                found.hour < opener.hour24() <= 12 or opener.ampm == "pm") and found.hour + 12 >= opener.hour24():
            item.value = replace(found, ampm="pm")  # "10:30 to 3", "1 p.m. to 4", "abends von 7 bis 7:30"
            continue
        partner = _range_partner(items, index)
        if partner is None:
            continue
        if partner.hour24() != partner.hour and found.hour < 12:
            if found.hour <= partner.hour or partner.hour == 12:
                item.value = replace(found, ampm="pm")  # "5 to 6 Uhr nachmittags"
        elif partner.ampm is not None and found.hour <= 12:
            same = found.hour <= partner.hour or partner.hour == 12
            item.value = replace(found, ampm=partner.ampm if same else ("am" if partner.ampm == "pm" else "pm"))
    _afternoon_by_default(items)


def _afternoon_by_default(items: list[Item]) -> None:
    """"Friday at 3", "gegen 5": an hour from 1 to 6 said without Uhr, minutes, am/pm or a part of
    the day is in the afternoon; nobody invites to 3 in the night without saying so."""
    if any(item.kind == "POD" for item in items):
        return
    for index, item in enumerate(items):
        found = item.value
        if item.kind == "T" and item.extra.get("half_open") and found.ampm is None and 1 <= found.hour <= 6 \
                and _range_opener(items, index) is None and _range_partner(items, index) is None:
            item.value = replace(found, ampm="pm")


def _range_opener(items: list[Item], index: int) -> Clock | None:
    """The clock time that opens a range this one closes ("10:30" in "10:30 to 3")."""
    before = _significant(items, index, -1)
    if _kind_at(items, before) in ("R", "S"):
        other = _significant(items, before, -1)
        if _kind_at(items, other) == "T":
            return items[other].value
    return None


def _range_partner(items: list[Item], index: int) -> Clock | None:
    """The clock time that closes a range this one opens ("6pm" in "5 to 6pm")."""
    after = _significant(items, index, 1)
    if _kind_at(items, after) in ("R", "S", "L"):
        other = _significant(items, after, 1)
        if _kind_at(items, other) == "T":
            return items[other].value
    return None


def _adjacent_half(items: list[Item], index: int) -> str | None:
    for step in (-1, 1):
        j = index + step
        while 0 <= j < len(items) and items[j].kind in ("SEP", "AT", "FROM", "BETWEEN"):
            j += step
        if 0 <= j < len(items) and items[j].kind == "POD" and items[j].value in ("am", "pm", "night"):
            return items[j].value
    return None


def _apply_context(items: list[Item]) -> None:
    """A period beside days is their context: "nächste Woche Montag", "4 to 22 next month"."""
    days = [item for item in items if item.kind == "D"]
    for period_item in [item for item in items if item.kind == "P"] if days else []:
        period = period_item.value
        used = False
        for day_item in days:
            day = day_item.value
            if period.kind == "week" and day.weekday_only:
                day_item.value = replace(day, week_offset=period.offset or 0, rule="this")
                used = True
            elif period.kind == "month" and day.day is not None and day.month is None and day.offset is None:
                if period.month is None:  # "nächsten Monat vom 4. bis zum 23."
                    day_item.value = replace(day, month_offset=period.offset or 0)
                else:
                    day_item.value = replace(day, month=period.month, year=day.year or period.year)
                used = True
            elif period.kind == "month" and day.month is not None and day.month == period.month:
                used = True
            elif period.kind == "year" and period.year is not None and day.year is None and (
                    day.month is not None or day.holiday):
                day_item.value = replace(day, year=period.year)
                used = True
        if used:
            period_item.kind = "SEP"
