"""Grammar rules for numeric tokens: dates, clock times, ordinals and bare numbers.

Each rule takes the cursor at its token, returns the items it made and moves the cursor past the
tokens it used (or returns None to let the next rule try).
"""

from __future__ import annotations

from dataclasses import replace

from pipelines.dates import lexicon as lx
from pipelines.dates.cursor import Cursor, clock_suffixes, day_with_month, means_ante_meridiem, year_after
from pipelines.dates.model import Clock, Day, Item, Period


def iso(cur: Cursor, items: list[Item]) -> list[Item]:
    """"2025-10-31", "2025-10-31T20:00:00+01:00", "2025-08-24 8:00 AM"."""
    token = cur.peek()
    v = token.value
    made = [Item("D", Day(v["y"], v["m"], v["d"]), token.start, token.end, {"strong": True})]
    last = cur.i
    if "h" in v:
        found = Clock(v["h"], v["mi"], offset=v["offset"])
        if v["offset"] is None:
            found, last = clock_suffixes(cur, found, last)
        made.append(Item("T", found, token.start, cur.tokens[last].end))
    cur.i = last + 1
    return made


def full_date(cur: Cursor, items: list[Item]) -> list[Item]:
    """"31.10.2025", "2015/08/12", "3-7-27"."""
    token = cur.peek()
    year, month, day = token.value
    if year is not None and not 1900 <= year <= 2100:
        year = None  # "08.12.1707", "24.10.12017": a typo; the day and month still hold
    cur.i += 1
    return [Item("D", Day(year, month, day), token.start, token.end, {"strong": True})]


def year_month(cur: Cursor, items: list[Item]) -> list[Item]:
    """"2016-05", "05/2016": a month."""
    token = cur.peek()
    cur.i += 1
    return [Item("P", Period("month", year=token.value[0], month=token.value[1]), token.start, token.end)]


def day_month(cur: Cursor, items: list[Item]) -> list[Item]:
    """"31.10.", "31.10", "31/10", "24.07. 2017"; "15.30" stays undecided (DM) between day and time."""
    token = cur.peek()
    _, month, day = token.value
    j, after = cur.next_significant(1, frozenset())
    year, k = (None, j)
    if after is not None and after.kind == "num" and after.start == token.end + 1:
        year, k = year_after(cur, j)
    cur.i = k
    found = Day(year, month, day)
    if token.extra["time"] is None or year is not None:
        strong = year is not None or token.extra["dot"]
        return [Item("D", found, token.start, cur.tokens[k - 1].end, {"strong": strong})]
    hour, minute = token.extra["time"]
    return [Item("DM", found, token.start, token.end, {"clock": Clock(hour % 24, minute, strong=False)})]


def clock(cur: Cursor, items: list[Item]) -> list[Item]:
    """"19:30", "9h15", "18.30 Uhr", "6:00 PM", "07:35+1"."""
    token = cur.peek()
    hour, minute = token.value
    found, last = clock_suffixes(cur, Clock(hour, minute, strong=token.extra.get("strong", True)), cur.i)
    cur.i = last + 1
    return [Item("T", found, token.start, cur.tokens[last].end)]


def ordinal(cur: Cursor, items: list[Item]) -> list[Item]:
    """"15." or "3rd": a day, with its month when one follows ("15. Januar", "3rd of May")."""
    token = cur.peek()
    made = day_with_month(cur, token.value, cur.i)
    if made is not None:
        return made
    cur.i += 1
    return [Item("D", Day(day=token.value), token.start, token.end, {"ord": True})]


def number(cur: Cursor, items: list[Item]) -> list[Item]:
    """A plain number: a day before a month, an hour before "Uhr"/"pm", four digits (year or time), or undecided."""
    token = cur.peek()
    value, digits = token.value, token.extra["digits"]
    nxt, after = cur.peek(1), cur.peek(2)
    made = day_with_month(cur, value, cur.i) if digits <= 2 else None
    if made is not None:
        return made
    if nxt is not None and nxt.kind == "word" and digits <= 2 and 1 <= value <= 31:
        month = lx.foreign_months().get(nxt.text)
        if month is not None:  # "12 loka 13:10", "5 heinä 2017"
            year, k = year_after(cur, cur.i + 2)
            cur.i = k
            return [Item("D", Day(year, month, value), token.start, cur.tokens[k - 1].end)]
    if nxt is not None and after is not None and nxt.kind == "num" and after.kind == "hourword" and value <= 24 \
            and nxt.extra["digits"] == 2 and nxt.value < 60 and digits <= 2:
        found, last = clock_suffixes(cur, Clock(value, nxt.value), cur.i + 1)  # "09 00 Uhr"
        cur.i = last + 1
        return [Item("T", found, token.start, cur.tokens[last].end)]
    if nxt is not None and value <= 24 and (nxt.kind in ("hourword", "ampm") or (
            nxt.kind == "glue" and nxt.text == "am" and means_ante_meridiem(cur, cur.i + 1))):
        return hour_with_suffix(cur, value)
    minutes = _minutes_to_or_past(cur, value)
    if minutes is not None:
        return minutes
    if digits == 4:
        return _four_digits(cur, token)
    if nxt is not None and nxt.kind == "unit" and nxt.value == "night":
        cur.i += 2
        return [Item("P", Period("night", offset=0, number=value), token.start, nxt.end)]
    cur.i += 1
    return [Item("N", value, token.start, token.end, {"digits": digits})]


def _minutes_to_or_past(cur: Cursor, count: int) -> list[Item] | None:
    """"20 Minuten nach 8", "10 minutes to 6"."""
    unit, direction, hour_token = cur.peek(1), cur.peek(2), cur.peek(3)
    if unit is None or direction is None or hour_token is None or unit.kind != "unit" or unit.value != "minute" \
            or hour_token.kind not in ("num", "numword") or not 0 < count < 60 or hour_token.value > 24:
        return None
    if direction.text in lx.PAST_WORDS:
        total = hour_token.value * 60 + count
    elif direction.text in lx.TO_WORDS:
        total = hour_token.value * 60 - count
    else:
        return None
    start = cur.peek().start
    found, last = clock_suffixes(cur, Clock(total // 60 % 24, total % 60), cur.i + 3)
    cur.i = last + 1
    return [Item("T", found, start, cur.tokens[last].end)]


def _four_digits(cur: Cursor, token) -> list[Item]:
    """"2016 November" (a month), "0845am" (a time), else undecided N4 (a year or "1845-1955")."""
    value = token.value
    nxt = cur.peek(1)
    comma = nxt is not None and nxt.text == ","
    month = cur.peek(2) if comma else nxt
    if month is not None and month.kind == "month" and 1900 <= value <= 2100:
        cur.i += 3 if comma else 2
        return [Item("P", Period("month", year=value, month=month.value), token.start, month.end)]
    cur.i += 1
    if value // 100 > 24 or value % 100 > 59:
        return [Item("N4", value, token.start, token.end)]  # "2160pm" is no time of day
    found, last = clock_suffixes(cur, Clock(value // 100, value % 100, strong=False), cur.i - 1)
    if last >= cur.i:
        cur.i = last + 1
        return [Item("T", replace(found, strong=True), token.start, cur.tokens[last].end)]
    return [Item("N4", value, token.start, token.end)]


def hour_with_suffix(cur: Cursor, hour: int) -> list[Item]:
    """"18 Uhr", "7pm", "10 h 10 Uhr", "18 Uhr 12", "18 Uhr und 12", "acht Uhr vierzig"."""
    start = cur.peek().start
    found, last = clock_suffixes(cur, Clock(hour, 0), cur.i)
    after = cur.at(last + 1)
    hour_word = cur.tokens[last].kind == "hourword"
    second = cur.at(last + 2)
    if after is not None and after.kind == "list" and hour_word and second is not None and second.kind == "num" \
            and second.extra["digits"] == 2:
        after, last = second, last + 1
    minutes = after is not None and hour_word and (
        (after.kind == "num" and after.extra["digits"] == 2 and after.value < 60)
        or (after.kind == "numword" and not after.extra["weak"] and after.value < 60))
    if minutes:
        following = cur.at(last + 2)
        if following is None or following.kind in ("hourword", "punct", "range", "glue", "word"):
            found = replace(found, minute=after.value)
            last += 2 if following is not None and following.kind == "hourword" else 1
    cur.i = last + 1
    return [Item("T", replace(found, strong=True), start, cur.tokens[last].end)]


def number_word(cur: Cursor, items: list[Item]) -> list[Item]:
    """"acht Uhr", "zwei Nächte", or an undecided number ("von fünf bis sieben")."""
    token = cur.peek()
    nxt = cur.peek(1)
    if nxt is not None and nxt.kind in ("hourword", "ampm") and token.value <= 24:
        return hour_with_suffix(cur, token.value)
    if nxt is not None and nxt.kind == "unit" and nxt.value == "night":
        cur.i += 2
        return [Item("P", Period("night", offset=0, number=token.value), token.start, nxt.end)]
    cur.i += 1
    if token.extra["weak"]:
        return [Item("X", token.text, token.start, token.end)]
    return [Item("N", token.value, token.start, token.end, {"word": True, "digits": 0})]


def half_hour(cur: Cursor, items: list[Item]) -> list[Item] | None:
    """"halb 8" (7:30), "viertel nach 8", "viertel vor 6", "viertel 8" (7:15), "dreiviertel 6" (5:45)."""
    token = cur.peek()
    shift = token.value
    j = cur.i + 1
    nxt = cur.peek(1)
    if nxt is not None and token.text == "viertel" and nxt.text in lx.PAST_WORDS:
        shift, j = 15, j + 1
    elif nxt is not None and token.text == "viertel" and nxt.text in lx.TO_WORDS:
        shift, j = -15, j + 1
    hour_token = cur.at(j)
    if hour_token is None or hour_token.kind not in ("num", "numword") or not 1 <= hour_token.value <= 24:
        return None
    total = (hour_token.value * 60 + shift) % (24 * 60)
    found, last = clock_suffixes(cur, Clock(total // 60, total % 60), j)
    cur.i = last + 1
    return [Item("T", found, token.start, cur.tokens[last].end)]


def english_fraction(cur: Cursor, items: list[Item]) -> list[Item] | None:
    """"half past seven", "quarter past 8", "quarter to 6"."""
    token = cur.peek()
    if token.text not in ("half", "quarter"):
        return None
    nxt, hour_token = cur.peek(1), cur.peek(2)
    if nxt is None or hour_token is None or hour_token.kind not in ("num", "numword") or hour_token.value > 24:
        return None
    if nxt.text in ("past", "after"):
        minutes = hour_token.value * 60 + (30 if token.text == "half" else 15)
    elif nxt.text in ("to", "before") and token.text == "quarter":
        minutes = hour_token.value * 60 - 15
    else:
        return None
    found, last = clock_suffixes(cur, Clock(minutes // 60 % 24, minutes % 60), cur.i + 2)
    cur.i = last + 1
    return [Item("T", found, token.start, cur.tokens[last].end)]


def ante_post_meridiem(cur: Cursor, items: list[Item]) -> list[Item]:
    """A stray "pm" after a number or a clock time the earlier rules did not join ("5 to 6 p.m")."""
    token = cur.peek()
    cur.i += 1
    if items and items[-1].kind in ("T", "N", "DM"):
        last = items[-1]
        if last.kind == "DM":  # "8.10 pm"
            items[-1] = Item("T", replace(last.extra["clock"], ampm=token.value, strong=True), last.start, token.end)
        elif last.kind == "N" and last.value <= 12:
            items[-1] = Item("T", Clock(last.value, 0, ampm=token.value), last.start, token.end)
        elif last.kind == "T" and last.value.ampm is None:
            items[-1] = Item("T", replace(last.value, ampm=token.value, strong=True), last.start, token.end)
    return []


def next_day_mark(cur: Cursor, items: list[Item]) -> list[Item]:
    """"+1" after a clock time: on the following day."""
    token = cur.peek()
    cur.i += 1
    if items and items[-1].kind == "T":
        items[-1].value = replace(items[-1].value, day_shift=token.value)
    return []
