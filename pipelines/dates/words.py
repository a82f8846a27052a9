"""Grammar rules for words: month and weekday names, relative days, modifiers, units, connectors."""

from __future__ import annotations

from pipelines.dates import lexicon as lx
from pipelines.dates.cursor import Cursor, day_with_month, nth_week, year_after
from pipelines.dates.model import Clock, Day, Item, Period

PHRASE_STARTS = frozenset(words[0] for words in lx.HOLIDAY_PHRASES)


def holiday_phrase(cur: Cursor) -> list[Item] | None:
    """"Tag der Deutschen Einheit", "Christmas Eve": feast days written in several words."""
    for words in lx.HOLIDAY_PHRASES:
        end = cur.i + len(words)
        if end <= len(cur.tokens) and tuple(t.text for t in cur.tokens[cur.i:end]) == words:
            return _holiday_item(cur, " ".join(words), end - 1)
    return None


def holiday(cur: Cursor, items: list[Item]) -> list[Item]:
    """"Pfingstmontag", "Heiligabend 2025"."""
    return _holiday_item(cur, cur.peek().text, cur.i)


def _holiday_item(cur: Cursor, name: str, last: int) -> list[Item]:
    start = cur.tokens[cur.i].start
    year, k = year_after(cur, last + 1)
    cur.i = k
    return [Item("D", Day(year=year, holiday=name), start, cur.tokens[k - 1].end, {"strong": True})]


def ordinal_word(cur: Cursor, items: list[Item]) -> list[Item] | None:
    """"ersten Januar", "zweiten Weihnachtstag", "siebten vierten", "die dritte Woche"."""
    token = cur.peek()
    made = day_with_month(cur, token.value, cur.i)
    if made is not None:
        return made
    j, nxt = cur.next_significant(1, frozenset({".", "/"}))
    if nxt is None:
        return None
    if nxt.text in lx.CHRISTMAS_DAYS and token.value in (1, 2):
        cur.i = j + 1
        return [Item("D", Day(month=12, day=24 + token.value), token.start, nxt.end)]
    if nxt.kind == "ordword" and 1 <= nxt.value <= 12:
        cur.i = j + 1
        return [Item("D", Day(month=nxt.value, day=token.value), token.start, nxt.end)]
    if nxt.kind == "unit" and nxt.value == "week" and token.value <= 5:
        return nth_week(cur, token.value, j)
    return None


def month(cur: Cursor, items: list[Item]) -> list[Item] | None:
    """"July 30", "Oct 27, 2017" (days); "März 2008", "August 99", "june next year", "Februar" (months)."""
    token = cur.peek()
    number = token.value
    j, nxt = cur.next_significant(1, frozenset({".", ",", "]", ")"}))
    if nxt is not None and nxt.kind in ("ord", "num") and 1 <= nxt.value <= 31 and (
            nxt.kind == "ord" or nxt.extra["digits"] <= 2):
        follow = cur.at(j + 1)
        if not (follow is not None and follow.kind in ("hourword", "ampm")):
            year, k = year_after(cur, j + 1)
            cur.i = k
            return [Item("D", Day(year, number, nxt.value), token.start, cur.tokens[k - 1].end, {"strong": True})]
    year, k = year_after(cur, cur.i + 1)
    if year is None and nxt is not None and nxt.kind == "num" and nxt.extra["digits"] == 2 and nxt.value > 31:
        year, k = (1900 if nxt.value >= 50 else 2000) + nxt.value, j + 1
    unit = cur.at(j + 1)
    if year is None and nxt is not None and nxt.kind == "mod" and unit is not None and unit.kind == "unit" \
            and unit.value == "year":
        cur.i = j + 2
        return [Item("P", Period("month", month=number, offset=nxt.value), token.start, unit.end)]
    joined = nxt is not None and nxt.text in ("-", "bis", "to", "till", "until") and unit is not None \
        and unit.kind == "month"
    if year is None and token.extra["weak"] and not items and not joined:
        return None  # "may", "mar" alone are words; "Mai - Juli" is a range of months
    before = cur.at(cur.i - 1)
    introduced = before is not None and before.text in ("im", "in", "ab", "seit", "bis", "von", "from", "since")
    cur.i = k
    return [Item("P", Period("month", year=year, month=number), token.start, cur.tokens[k - 1].end,
                 {"weak": token.extra["weak"] and year is None and not introduced and not joined})]


def weekday(cur: Cursor, items: list[Item]) -> list[Item] | None:
    """"Freitag", "Mi,", "Donnerstagabend"; a short form only where it can be nothing else."""
    token = cur.peek()
    if token.extra.get("weak") and not _weak_weekday_stands(cur, items):
        return None
    made = [Item("D", Day(weekday=token.value), token.start, token.end, {"weekday": True})]
    if token.extra.get("pod"):
        made.append(Item("POD", token.extra["pod"], token.start, token.end))
    cur.i += 1
    return made


def _weak_weekday_stands(cur: Cursor, items: list[Item]) -> bool:
    """"Mo, 3.7.", "Fr 15. Sep", "am Fr": a short weekday counts next to a date, not in "so früh"."""
    nxt = cur.peek(1)
    if nxt is None:
        return bool(items) and cur.tokens[cur.i - 1].text in ("am", "on", "ab", "bis")
    if nxt.kind == "punct" and nxt.text in ".,":
        return True
    if cur.peek().text == "mit":
        return nxt.kind in ("clock", "dm", "date")
    return nxt.kind in ("dm", "date", "ord", "num", "clock", "month")


def noon(cur: Cursor, items: list[Item]) -> list[Item]:
    """"at noon", "Mitternacht" are clock times; "around noon" only says which part of the day."""
    token = cur.peek()
    before = cur.at(cur.i - 1)
    cur.i += 1
    if before is not None and before.text in lx.APPROXIMATE_WORDS:
        return [Item("POD", None, token.start, token.end)]
    return [Item("T", Clock(token.value, 0), token.start, token.end)]


def relative_day(cur: Cursor, items: list[Item]) -> list[Item]:
    """"heute", "morgen", "übermorgen", "tonight"; "Montag morgen" is a morning, not tomorrow."""
    token = cur.peek()
    cur.i += 1
    if token.text == "morgen" and _morgen_is_morning(cur, items):
        return [Item("POD", "am", token.start, token.end)]
    made = [Item("D", Day(offset=token.value), token.start, token.end, {"rel": True})]
    if token.text in ("tonight", "tonite"):
        made.append(Item("POD", "pm", token.start, token.end))
    return made


def _morgen_is_morning(cur: Cursor, items: list[Item]) -> bool:
    before = cur.at(cur.i - 2)
    if before is None:
        return False
    if before.kind in ("weekday", "rel") or before.text in ("am", "den", "diesen", "dieser", "über", "jeden",
                                                             "früh", "frühen", "gegen"):
        return True
    return bool(items) and items[-1].kind in ("D", "DM") and items[-1].end == before.end


def modifier(cur: Cursor, items: list[Item]) -> list[Item] | None:
    """"nächsten Freitag", "kommende Woche", "letzten September", "die nächsten 3 Tage", "diesen Abend"."""
    token = cur.peek()
    offset = token.value
    j, nxt = cur.next_significant(1, frozenset())
    if nxt is None:
        return None
    if nxt.kind == "weekday":
        cur.i = j + 1
        made = [Item("D", _modified_weekday(token, nxt.value), token.start, nxt.end, {"weekday": True})]
        if nxt.extra.get("pod"):
            made.append(Item("POD", nxt.extra["pod"], nxt.start, nxt.end))
        return made
    if nxt.kind == "month":
        cur.i = j + 1
        return [Item("P", Period("month", month=nxt.value, offset=offset), token.start, nxt.end)]
    if nxt.kind == "unit":
        if token.text in lx.UPCOMING_MODIFIERS and nxt.value in ("week", "month", "year", "weekend", "workweek"):
            offset = 1  # "kommende Woche" is next week, while "kommenden Freitag" is the coming Friday
        following = cur.at(j + 1)
        if nxt.value == "week" and offset == -1 and following is not None and following.text in ("im", "in", "of",
                                                                                                 "des"):
            made = nth_week(cur, -1, j)
            if made is not None:
                return made
        cur.i = j + 1
        return [_unit_item(nxt.value, offset, token.start, nxt.end)]
    if nxt.kind in ("num", "numword") or (nxt.kind == "glue" and nxt.text in lx.CARDINALS):
        unit = cur.at(j + 1)
        if unit is not None and unit.kind == "unit":
            count = nxt.value if nxt.kind == "num" else lx.CARDINALS.get(nxt.text, nxt.value)
            cur.i = j + 2
            return [Item("P", Period("span", offset=1 if offset >= 0 else -1, number=count, unit=unit.value),
                         token.start, unit.end)]
    if nxt.kind in ("pod", "rel") and nxt.text in ("abend", "morgen", "nacht", "nachmittag", "vormittag",
                                                    "evening", "morning", "afternoon", "night"):
        cur.i = j + 1  # "diesen Abend", "this morning": today
        return [Item("D", Day(offset=max(offset, 0)), token.start, nxt.end, {"rel": True}),
                Item("POD", lx.PARTS_OF_DAY.get(nxt.text, "am"), nxt.start, nxt.end)]
    return None


def _modified_weekday(token, number: int) -> Day:
    """"kommenden Freitag" is the coming one, "diesen Freitag" this week's, "nächsten Freitag" next
    week's (as Recognizers-Text reads it), "letzten Freitag" the last one before today."""
    if token.text in lx.UPCOMING_MODIFIERS:
        return Day(weekday=number, rule="upcoming")
    if token.value == 0:
        return Day(weekday=number, rule="this")
    if token.value == -1:
        return Day(weekday=number, rule="last")
    return Day(weekday=number, week_offset=token.value, rule="this")


def _unit_item(unit: str, offset: int, start: int, end: int) -> Item:
    if unit == "day":
        return Item("D", Day(offset=offset), start, end, {"rel": True})
    if unit == "night":
        return Item("P", Period("night", offset=max(offset, 0), number=1), start, end)
    if unit in ("hour", "minute"):
        return Item("X", unit, start, end)
    return Item("P", Period(unit, offset=offset), start, end)


def unit(cur: Cursor, items: list[Item]) -> list[Item] | None:
    """"im Jahr 2026", "am Wochenende", "Woche 36"."""
    token = cur.peek()
    if token.value == "year":
        year, k = year_after(cur, cur.i + 1)
        if year is not None:
            cur.i = k
            return [Item("P", Period("year", year=year), token.start, cur.tokens[k - 1].end)]
    if token.value in ("weekend", "workweek"):
        cur.i += 1
        return [Item("P", Period(token.value, offset=0), token.start, token.end)]
    if token.value == "week":
        return calendar_week(cur, items)
    return None


def calendar_week(cur: Cursor, items: list[Item]) -> list[Item] | None:
    """"KW 36", "week 36", "Woche 36", "KW 12/2026"."""
    token = cur.peek()
    j, nxt = cur.next_significant(1, frozenset({".", ":"}))
    if nxt is None or nxt.kind != "num" or not 1 <= nxt.value <= 53:
        return None
    year, k = year_after(cur, j + 1)
    slash = cur.at(k)
    if year is None and slash is not None and slash.kind == "punct" and slash.text == "/":
        year, k = year_after(cur, k + 1)
    cur.i = k
    return [Item("P", Period("isoweek", number=nxt.value, year=year), token.start, cur.tokens[k - 1].end)]


def rest_of(cur: Cursor, items: list[Item]) -> list[Item] | None:
    """"Rest der Woche", "rest of the month"."""
    token = cur.peek()
    j = cur.i + 1
    while (other := cur.at(j)) is not None and (other.kind in ("glue", "mod") or other.text in ("my", "of")):
        j += 1
    target = cur.at(j)
    if target is not None and target.kind == "unit" and target.value in ("week", "month", "year"):
        cur.i = j + 1
        return [Item("P", Period("rest", unit=target.value), token.start, target.end)]
    return None


def in_some_time(cur: Cursor, items: list[Item]) -> list[Item] | None:
    """"in 2 Wochen", "in drei Tagen", "in 5 Minuten"."""
    token = cur.peek()
    if token.text != "in":
        return None
    count_token, unit_token = cur.peek(1), cur.peek(2)
    if count_token is None or unit_token is None or unit_token.kind != "unit":
        return None
    if count_token.kind in ("num", "numword"):
        count = count_token.value
    elif count_token.text in lx.CARDINALS:
        count = lx.CARDINALS[count_token.text]
    else:
        return None
    kind = unit_token.value
    cur.i += 3
    if kind in ("hour", "minute"):
        return [Item("D", Day(minutes=count * (60 if kind == "hour" else 1)), token.start, unit_token.end,
                     {"rel": True})]
    days = {"day": 1, "week": 7, "night": 1}.get(kind)
    if days is None:  # "in 2 Monaten": the day two months ahead
        return [Item("P", Period("ahead", number=count, unit=kind), token.start, unit_token.end)]
    return [Item("D", Day(offset=count * days), token.start, unit_token.end, {"rel": True})]


def marker(kind: str):
    """A rule that turns one word into a connector or marker item of `kind`."""

    def rule(cur: Cursor, items: list[Item]) -> list[Item]:
        token = cur.peek()
        cur.i += 1
        return [Item(kind, token.value, token.start, token.end, {"text": token.text})]

    return rule


def range_word(cur: Cursor, items: list[Item]) -> list[Item]:
    """"bis", "bis zum", "to", "auf den" ("vom 21. auf den 22.")."""
    token = cur.peek()
    last = cur.i
    while (following := cur.at(last + 1)) is not None and following.text in ("zum", "zur", "den", "dem",
                                                                             "einschließlich"):
        last += 1
    cur.i = last + 1
    return [Item("R", token.text, token.start, cur.tokens[last].end)]


def start_word(cur: Cursor, items: list[Item]) -> list[Item]:
    """"ab", "von", "from"; "nach"/"after" after a clock time is "viertel nach", not a start."""
    token = cur.peek()
    cur.i += 1
    if token.text in ("nach", "after") and items and items[-1].kind == "T":
        return []
    return [Item("FROM", token.text, token.start, token.end)]


_PUNCT = {"-": "R", "/": "S", ",": "SEP", "&": "L", "+": "L", "(": "SEP", ")": "SEP", ";": "SEP",
          "|": "SEP", "[": "SEP", "]": "SEP"}


def punctuation(cur: Cursor, items: list[Item]) -> list[Item]:
    token = cur.peek()
    cur.i += 1
    kind = _PUNCT.get(token.text)
    return [Item(kind, token.text, token.start, token.end)] if kind else []


def glue(cur: Cursor, items: list[Item]) -> list[Item]:
    """"am", "den", "the", "in" ("in 2 Wochen" is read by in_some_time first); "Ende:" after a start
    joins it to its end, like "bis"."""
    made = in_some_time(cur, items)
    if made is not None:
        return made
    token = cur.peek()
    if token.text in lx.END_LABELS and _ends_something(cur, items):
        cur.i += 1
        return [Item("R", token.text, token.start, token.end)]
    cur.i += 1
    return [Item("SEP", token.text, token.start, token.end, {"glue": True})]


def _ends_something(cur: Cursor, items: list[Item]) -> bool:
    """"Ende:" as a label, or "Ende" right after a day or a clock time ("11:00 Uhr, Ende 18:00");
    not "Ende März", the end of a month."""
    nxt = cur.peek(1)
    if nxt is not None and nxt.kind == "punct" and nxt.text == ":":
        return True
    before = next((item for item in reversed(items) if item.kind not in ("SEP", "POD")), None)
    return before is not None and before.kind in ("D", "T", "N", "N4", "DM")


def other(cur: Cursor, items: list[Item]) -> list[Item]:
    """Anything else: not part of a date."""
    token = cur.peek()
    cur.i += 1
    return [Item("X", token.text, token.start, token.end)]
