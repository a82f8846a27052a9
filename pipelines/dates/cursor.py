"""A cursor over the scanner's tokens, and the small look-aheads several grammar rules share."""

from __future__ import annotations

from dataclasses import replace

from pipelines.dates.model import Clock, Day, Item, Period
from pipelines.dates.scanner import Token


class Cursor:
    """Position in a token list; rules read ahead from `i` and move it past what they used."""

    def __init__(self, tokens: list[Token]):
        self.tokens = tokens
        self.i = 0

    def peek(self, k: int = 0) -> Token | None:
        j = self.i + k
        return self.tokens[j] if j < len(self.tokens) else None

    def at(self, j: int) -> Token | None:
        return self.tokens[j] if 0 <= j < len(self.tokens) else None

    def next_significant(self, k: int = 1, skip: frozenset = frozenset({"."})) -> tuple[int, Token | None]:
        """The k-th token after the current one, stepping over punctuation in `skip`."""
        j = self.i + k
        while j < len(self.tokens) and self.tokens[j].kind == "punct" and self.tokens[j].text in skip:
            j += 1
        return j, self.at(j)


def year_after(cur: Cursor, j: int) -> tuple[int | None, int]:
    """A year at j, perhaps after a comma ("März 2026", "Oct 27, 2017"); returns (year, next index)."""
    k = j
    token = cur.at(k)
    glued_dash = token is not None and token.text == "-" and cur.at(k - 1) is not None and cur.at(k - 1).end == \
        token.start and cur.at(k + 1) is not None and cur.at(k + 1).start == token.end
    if token is not None and token.kind == "punct" and (token.text in ",." or glued_dash):
        k += 1  # "Oct 27, 2017", "12-Mär-2014"
    token = cur.at(k)
    if token is not None and token.kind == "num" and token.extra["digits"] == 4 and 1900 <= token.value <= 2100 \
            and not _military_pair(cur, k):
        return token.value, k + 1
    return None, j


def _military_pair(cur: Cursor, k: int) -> bool:
    """"24 Aug 1915-2015": two four-digit clock times, not a year."""
    joint, other = cur.at(k + 1), cur.at(k + 2)
    return joint is not None and other is not None and joint.text in ("-", "bis", "to") and other.kind == "num" \
        and other.extra["digits"] == 4 and other.value % 100 < 60 and cur.tokens[k].value % 100 < 60


def clock_suffixes(cur: Cursor, clock: Clock, last: int) -> tuple[Clock, int]:
    """am/pm, "Uhr", "+1" after a clock time; returns the clock and the index of its last token."""
    while True:
        nxt = cur.at(last + 1)
        if nxt is None:
            return clock, last
        if nxt.kind == "ampm" and clock.ampm is None:
            clock = replace(clock, ampm=nxt.value, strong=True)
        elif nxt.kind == "glue" and nxt.text == "am" and clock.ampm is None and means_ante_meridiem(cur, last + 1):
            clock = replace(clock, ampm="am", strong=True)
        elif nxt.kind == "hourword":
            clock = replace(clock, strong=True)
        elif nxt.kind == "plus":
            clock = replace(clock, day_shift=nxt.value)
        else:
            return clock, last
        last += 1


def means_ante_meridiem(cur: Cursor, j: int) -> bool:
    """"7:15am", "9:05 AM - 10:50": English a.m.; "14:00 am Dienstag": German "am" (on)."""
    if cur.tokens[j].start == cur.tokens[j - 1].end:
        return True
    after = cur.at(j + 1)
    return after is None or (after.kind == "punct" and after.text in "-,;)/.") or after.kind in ("range", "list")


def month_after(cur: Cursor, j: int) -> tuple[int | None, int]:
    """A month name at j, allowing "of", a dot or a dash before it ("12th of October", "22.Aug", "12-Mär")."""
    while (token := cur.at(j)) is not None and (token.text == "of" or (token.text in ".-" and token.kind == "punct")):
        j += 1
    token = cur.at(j)
    if token is not None and token.kind == "month":
        return token.value, j
    return None, j


def day_with_month(cur: Cursor, day: int, first: int) -> list[Item] | None:
    """A day number followed by a month name, and perhaps a year: "5. November 2025", "22 Aug"."""
    month, j = month_after(cur, first + 1)
    if month is None or not 1 <= day <= 31:
        return None
    year, k = year_after(cur, j + 1)
    cur.i = k
    return [Item("D", Day(year, month, day), cur.tokens[first].start, cur.tokens[k - 1].end, {"strong": True})]


def nth_week(cur: Cursor, number: int, unit_index: int) -> list[Item] | None:
    """"die dritte Woche des Monats", "the last week of July" (number -1 is the last)."""
    j = unit_index + 1
    while (token := cur.at(j)) is not None and (token.kind in ("glue", "punct") or token.text == "des"):
        j += 1
    target = cur.at(j)
    if target is None:
        return None
    start = cur.tokens[cur.i].start
    if target.kind == "month":
        year, k = year_after(cur, j + 1)
        cur.i = k
        return [Item("P", Period("nthweek", number=number, month=target.value, year=year), start,
                     cur.tokens[k - 1].end)]
    unit = cur.at(j + 1)
    if target.kind == "unit" and target.value == "month":
        last, offset = j, 0
    elif target.kind == "mod" and unit is not None and unit.kind == "unit" and unit.value == "month":
        last, offset = j + 1, target.value
    else:
        return None
    cur.i = last + 1
    return [Item("P", Period("nthweek", number=number, offset=offset), start, cur.tokens[last].end)]
