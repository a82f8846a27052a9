"""The label audit of bench/dates_eval.py: ctparse labels that contradict their own text.

A case is flagged when its label contradicts its own text by one of these mechanical checks; the
figure is also given without the flagged cases.
(a) The text names a weekday ("Do.", "Mon", "Mittwoch", "Freitagabend", one typo away from a full
    name) and neither end of the label falls on it, unless the label is a date the text writes
    and the text contradicts itself ("Friday 28/06" when no 28 June near `now` is a Friday).
(b) The same text and `now` occur with different labels: all but the most common label among
    the cases not flagged otherwise are flagged.
(c) The text writes a clock time ("18:30", "18.30 Uhr", "15h05", "18 Uhr", "7pm"), and the
    label's start has none (unless a range word may make the time the end alone), or an
    hour:minute none of the text's numbers can mean (read generously: either half of the day
    unless am/pm is written, "1845" as 18:45, "19.07" as 19:07).
(d) The text writes a date, and neither end of the label is it: with a four-digit year the full
    date, else the day and month ("22.10.", "16/06", "12 Nov"), or a day written alone ("am
    31."). A text whose weekday contradicts a date it writes ("Mitwoch 3 Januari 2017": a
    Tuesday) is not flagged, since either reading is defensible; nor is "07:35+1" (next day).
(e) The text names a weekday and no day number, month, relative day or modifier ("Donnerstag
    gegen 18:30"), and the label lies more than 7 days from `now`.
(f) The text names no day at all, only a clock time or a part of the day ("20:00 Uhr",
    "1845-1955", "Abends"), or the next day ("am nächsten Tag mittags"), and the label lies more
    than one day after `now`: such a text means the next time it comes round.
A flagged case that the parser gets right is always printed, as a sign that a flag or the
parser is wrong; --failures "ctparse dev" prints every flagged case with its reasons.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Protocol

from pipelines.dates.lexicon import (
    CARDINALS,
    COMPOUND_PARTS_OF_DAY,
    MODIFIERS,
    MONTHS,
    RELATIVE_DAYS,
    UNITS,
    WEAK_CARDINALS,
    WEAK_WEEKDAYS,
    WEEKDAYS,
    foreign_months,
)

# Words that join the two ends of a range.
RANGE_WORDS = re.compile(r"\b(bis|to|till|until|through|thru|und|and|auf)\b|-|–")


class Labelled(Protocol):
    """A case of the corpus: its text, reference time and expected start and end."""

    text: str
    now: datetime
    start: str | None
    end: str | None


def shown(case: Labelled) -> str:
    return f"{case.text!r} now={case.now:%Y-%m-%dT%H:%M} expected=({case.start}, {case.end})"


# The label audit: ctparse labels that contradict their own text, by mechanical checks only.

_WORD = re.compile(r"[^\W\d_]+")
# A short weekday that is also a word ("so", "do", "Sun") counts before a dot, a comma, a number, or at the end.
_SHORT_WEEKDAY_STANDS = re.compile(r"[.,]|\s*\(?\d|\s*$")
_FULL_WEEKDAYS = tuple((name, number) for name, number in WEEKDAYS.items() if len(name) >= 6 and not name.endswith("s"))
_WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_CLOCK_PAIR = re.compile(r"(?<!\d)(\d{1,2})([:.h])(\d{2})(?!\d)")
_MERIDIEM = re.compile(r"\s?(a\.\s?m\.?|p\.\s?m\.?|am|pm)(?![^\W\d_])")
_HOUR_WORD = re.compile(r"\s?(?:uhr|h)(?![^\W\d_])")
_NUMBER = re.compile(r"\d+")
# Words that name a clock time or a stretch of time without digits: the clock check leaves such texts alone.
_CLOCK_WORDS = frozenset({"halb", "viertel", "dreiviertel", "quarter", "half", "noon", "midday", "mittag", "mittags",
                          "midnight", "mitternacht", "mittagszeit", "uhrzeit"}) | frozenset(UNITS)
_NUMBER_WORDS = frozenset(CARDINALS) - WEAK_CARDINALS | {"elf", "acht"}
# Clock times as (e) removes them before it looks for a day number ("17/18 Uhr", "3:30", "7pm"; not
# "5 am", which may be German "am Abend").
_WRITTEN_CLOCK = re.compile(
    r"(?:\d{1,2}(?:[:.h]\d{2})?\s*(?:[-/]|bis|to)\s*)?\d{1,2}(?:[:.h]\d{2})?\s*(?:uhr|h|a\.\s?m\.?|p\.\s?m\.?|pm)"
    r"(?![^\W\d_])|\d{1,2}:\d{2}")
_YEAR = r"((?:19|20)\d{2})(?!\d)(?!\s*[-–]\s*\d)"  # not "2215-1835", two military times
_DOTTED_DATE = re.compile(r"(?<!\d)(\d{1,2})\.\s?(\d{1,2})\.{1,2}\s?" + _YEAR)
_DASHED_DATE = re.compile(r"(?<![\d-])(\d{1,2})-(\d{1,2})-" + _YEAR)
_SLASHED_DATE = re.compile(r"(?<!\d)(\d{1,2})/(\d{1,2})[/ ]" + _YEAR)
_ISO_DATE = re.compile(r"(?<!\d)((?:19|20)\d{2})-(\d{1,2})-(\d{1,2})(?!\d)")
_DAY_NAMED_MONTH = re.compile(r"(?<!\d)(\d{1,2})(?:st|nd|rd|th|\.)?\s*(?:of\s+)?([^\W\d_]+)\.?(?:,?\s*" + _YEAR + ")?")
_NAMED_MONTH_DAY = re.compile(r"([^\W\d_]+)\.?\s*(\d{1,2})(?:st|nd|rd|th)?(?!\d)(?:,?\s+" + _YEAR + ")?")
_ORDINAL_DAY = re.compile(r"(?<![\d.:/])(\d{1,2})(?:\.(?!\d)|(?:st|nd|rd|th|ter|ten|te)(?![^\W\d_]))")
_DAY_SHIFT = re.compile(r"\d\s?\+\s?\d")  # "07:35+1": on the next day
_DAY_MONTH = re.compile(r"(?<![\d:.])(\d{1,2})([./])(\d{1,2})(?![\d:/])")


@dataclass
class Audit:
    """Why the expected label of each flagged case cannot be right, by index into the cases."""

    reasons: dict[int, list[str]]

    def count(self, check: str) -> int:
        return sum(any(reason.startswith(check + ":") for reason in found) for found in self.reasons.values())


def _one_edit_apart(a: str, b: str) -> bool:
    """One insertion, deletion, substitution or swap of neighbours turns a into b ("Mitwoch", "Thursady")."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diffs = [i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]
        return len(diffs) == 1 or (len(diffs) == 2 and diffs[1] == diffs[0] + 1 and a[diffs[0]] == b[diffs[1]]
                                   and a[diffs[1]] == b[diffs[0]])
    short, long_ = sorted((a, b), key=len)
    return any(long_[:i] + long_[i + 1:] == short for i in range(len(long_)))


def named_weekdays(text: str) -> set[int]:
    """The weekdays a text names (Monday = 0): "Mo.", "Mon", "Montag", "Donnerstagabend", "Mitwoch"."""
    low = text.lower()
    found = set()
    for match in _WORD.finditer(low):
        word = match.group()
        if word in WEAK_WEEKDAYS:
            if word != "mit" and _SHORT_WEEKDAY_STANDS.match(low, match.end()):
                found.add(WEEKDAYS[word])
            continue
        number = WEEKDAYS.get(word)
        if number is None:  # "Freitagabend"
            number = next((n for name, n in _FULL_WEEKDAYS
                           if word.startswith(name) and word[len(name):] in COMPOUND_PARTS_OF_DAY), None)
        if number is None and len(word) >= 6:  # one typo away from a full name
            number = next((n for name, n in _FULL_WEEKDAYS if _one_edit_apart(word, name)), None)
        if number is not None:
            found.add(number)
    return found


def _month_number(word: str) -> int | None:
    return MONTHS.get(word) or (foreign_months().get(word) if len(word) >= 4 else None)


def _checked_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


@dataclass
class WrittenDates:
    """The dates a text writes: `full` ones with a four-digit year; `month_days` it surely writes
    ("22.10.", "16/06", "12 Nov"); `maybe` every (month, day) its numbers could mean."""

    full: set[date]
    month_days: set[tuple[int, int]]
    maybe: set[tuple[int, int]]


def written_dates(text: str) -> WrittenDates:
    low = text.lower()
    full: set[date | None] = set()
    sure: set[tuple[int, int]] = set()
    maybe: set[tuple[int, int]] = set()
    for match in _DOTTED_DATE.finditer(low):
        full.add(_checked_date(int(match[3]), int(match[2]), int(match[1])))
    for match in _DASHED_DATE.finditer(low):
        full.add(_checked_date(int(match[3]), int(match[2]), int(match[1])))
    for match in _SLASHED_DATE.finditer(low):  # day/month or month/day
        full |= {_checked_date(int(match[3]), int(match[2]), int(match[1])),
                 _checked_date(int(match[3]), int(match[1]), int(match[2]))}
    for match in _ISO_DATE.finditer(low):
        full.add(_checked_date(int(match[1]), int(match[2]), int(match[3])))
    for day, month_word, year in [(m[1], m[2], m[3]) for m in _DAY_NAMED_MONTH.finditer(low)] + [
            (m[2], m[1], m[3]) for m in _NAMED_MONTH_DAY.finditer(low)]:
        month = _month_number(month_word)
        if month is not None:
            sure.add((month, int(day)))
            if year:
                full.add(_checked_date(int(year), month, int(day)))
    for match in _DAY_MONTH.finditer(low):
        first, second = int(match[1]), int(match[3])
        maybe |= {(second, first), (first, second)}
        if match[2] == "/":
            sure |= {(second, first), (first, second)}
        elif low[match.end():match.end() + 1] == ".":  # "22.10." and not "22.10", which may be 22:10
            sure.add((second, first))
    full.discard(None)
    sure |= {(d.month, d.day) for d in full if d is not None}
    # A bare day beside a written month may share it: "20 oder 21.11.2017", "13 to 14 November".
    months = {month for month, _ in sure | maybe}
    maybe |= sure | {(month, int(day)) for month in months for day in re.findall(r"(?<![\d.:/])\d{1,2}(?![\d:/])", low)}
    valid = {(month, day) for month, day in sure | maybe if _checked_date(2016, month, day) is not None}
    return WrittenDates({d for d in full if d is not None}, sure & valid, maybe & valid)


def _inconsistent(text: str, written: WrittenDates, now: datetime) -> bool:
    """Whether the text's weekday contradicts a date it writes: "Thursday 20/10/2017" (a Friday), or
    "Friday 28/06" with 28 June a Friday in no year from the one before `now` to the one after."""
    weekdays = named_weekdays(text)
    if not weekdays:
        return False
    if any(found.weekday() not in weekdays for found in written.full):
        return True
    return any(not _fits(month, day, weekdays, now) for month, day in written.month_days)


def _fits(month: int, day: int, weekdays: set[int], now: datetime) -> bool:
    return any((found := _checked_date(year, month, day)) is not None and found.weekday() in weekdays
               for year in range(now.year - 1, now.year + 2))


def _meridiem(low: str, end: int) -> str | None:
    """"pm" or "am" right after a number; a bare "am" only where it cannot be German "am" (on)."""
    match = _MERIDIEM.match(low, end)
    if match is None:
        return None
    if match[1].startswith("p"):
        return "pm"
    rest = low[match.end():].lstrip()
    return "am" if "." in match[1] or not rest or not rest[0].isalpha() else None


def _hours(hour: int, minute: int, half: str | None) -> set[tuple[int, int]]:
    if hour > 12 or half is None:
        return {(hour % 24, minute)} | ({((hour + 12) % 24, minute)} if hour <= 12 else set())
    return {(hour % 12 + (12 if half == "pm" else 0), minute)}


def clock_readings(text: str) -> tuple[bool, set[tuple[int, int]]]:
    """Whether the text writes a clock time ("18:30", "18.30 Uhr", "15h05", "18 Uhr", "7pm"), and every
    hour:minute any of its numbers could mean (generously: "19.07" may be 19:07, "7" 7:00 or 19:00)."""
    low = text.lower()
    explicit = False
    readings: set[tuple[int, int]] = set()
    taken: list[tuple[int, int]] = []
    for match in _CLOCK_PAIR.finditer(low):
        hour, minute = int(match[1]), int(match[3])
        if hour > 24 or minute > 59:
            continue
        half = _meridiem(low, match.end())
        explicit |= match[2] != "." or half is not None or _HOUR_WORD.match(low, match.end()) is not None
        readings |= _hours(hour, minute, half)
        taken.append(match.span())
    for match in _NUMBER.finditer(low):
        if any(begin <= match.start() < end for begin, end in taken):
            continue
        value, half = int(match.group()), _meridiem(low, match.end())
        if len(match.group()) <= 2 and value <= 24:
            explicit |= half is not None or _HOUR_WORD.match(low, match.end()) is not None
            readings |= _hours(value, 0, half)
        elif len(match.group()) in (3, 4) and value // 100 <= 24 and value % 100 <= 59:
            readings |= _hours(value // 100, value % 100, half)  # "1845", "0845am"
    return explicit, readings


def _relative_days(text: str, now: datetime) -> set[date]:
    return {now.date() + timedelta(days=RELATIVE_DAYS[word]) for word in _WORD.findall(text.lower())
            if word in RELATIVE_DAYS}


def _names_no_day(text: str) -> bool:
    """Only a weekday and perhaps a clock time: no day number, month, relative day or modifier."""
    low = _WRITTEN_CLOCK.sub(" ", text.lower())
    words = set(_WORD.findall(low))
    return not any(char.isdigit() for char in low) and not any(
        word in MONTHS or word in RELATIVE_DAYS or word in MODIFIERS or word in UNITS for word in words)


def _weekday_contradiction(case: Labelled) -> str | None:
    """(a) The text names a weekday, and neither end of the label falls on it, unless the text itself
    is inconsistent: the label is a full date the text writes, or a written day and month that has
    that weekday in no year from the one before `now` to the one after."""
    weekdays = named_weekdays(case.text)
    start = date.fromisoformat(case.start[:10])
    end = date.fromisoformat(case.end[:10]) if case.end else None
    if not weekdays or start.weekday() in weekdays or (end is not None and end.weekday() in weekdays):
        return None
    if start in _relative_days(case.text, case.now) or _DAY_SHIFT.search(case.text):
        return None  # "morgen (Freitag)" said on a Wednesday; "07:35+1", the next day
    written = written_dates(case.text)
    if start in written.full or ((start.month, start.day) in written.maybe
                                 and not _fits(start.month, start.day, weekdays, case.now)):
        return None  # the label is a date the text writes, and the text contradicts itself
    said = "/".join(_WEEKDAY_NAMES[n] for n in sorted(weekdays))
    return f"a: the text says {said}; {start} is a {_WEEKDAY_NAMES[start.weekday()]}"


def _far_weekday(case: Labelled) -> str | None:
    """(e) A weekday on its own (no day number, month, "next" or "in 2 weeks") is within a week of now."""
    if not named_weekdays(case.text) or not _names_no_day(case.text) or _DAY_SHIFT.search(case.text):
        return None
    start = date.fromisoformat(case.start[:10])
    days = (start - case.now.date()).days
    if abs(days) <= 7:
        return None
    return f"e: a weekday alone, but {start} is {days} days from now"


_MILITARY_CLOCK = re.compile(r"(?<!\d)(?:[01]\d|2[0-3])[0-5]\d(?:\s*[-–]\s*(?:[01]\d|2[0-3])[0-5]\d)?(?!\d)")
_NEXT_DAY = re.compile(r"\b(?:am\s+)?nächsten\s+(?:tag|morgen|vormittag|mittag|nachmittag|abend)\b"
                       r"|\bnext\s+(?:day|morning|afternoon|evening)\b")
_HOUR_RANGE = re.compile(r"(?<!\d)\d{1,2}\s*[-–]\s*\d{1,2}(?!\d)(?=\s+(?:in the|am|abends|uhr))")


def _no_day_far(case: Labelled) -> str | None:
    """(f) Only a clock time or a part of the day, or "the next day": the label is at most a day ahead."""
    if named_weekdays(case.text) or _DAY_SHIFT.search(case.text):
        return None
    low = _NEXT_DAY.sub(" ", case.text.lower())
    low = _HOUR_RANGE.sub(" ", _MILITARY_CLOCK.sub(" ", low))
    if not _names_no_day(low):
        return None
    days = (date.fromisoformat(case.start[:10]) - case.now.date()).days
    if 0 <= days <= 1:
        return None
    return f"f: the text names no day, but {case.start[:10]} is {days} days from now"


def _clock_contradiction(case: Labelled) -> str | None:
    """(c) The text writes a clock time; the label's start has none (and the text has no range word,
    so the time cannot be the end alone), or a time none of the text's numbers can mean."""
    low = case.text.lower()
    if set(_WORD.findall(low)) & (_CLOCK_WORDS | _NUMBER_WORDS):
        return None
    explicit, readings = clock_readings(case.text)
    if not explicit:
        return None
    if "T" not in case.start:
        return None if RANGE_WORDS.search(low) else "c: the text writes a clock time; the label has none"
    clock = (int(case.start[11:13]), int(case.start[14:16]))
    if clock in readings:
        return None
    return f"c: {case.start[11:16]} is written nowhere in the text"


def _date_contradiction(case: Labelled) -> str | None:
    """(d) The text writes a date; neither end of the label is that date: with a four-digit year the
    full date must match, else the day and month ("22.10." is not 20 October), and a day of the month
    written alone ("am 31.", "the 22nd") must be a number the text writes.

    Not flagged: a text whose weekday contradicts a date it writes, which makes the text inconsistent
    ("Mitwoch 3 Januari 2017": 3 January 2017 was a Tuesday; see _inconsistent); a range word with no
    end in the label (the written date may be the end alone); "07:35+1" (the next day); a year that
    could be a clock time of the label ("Nov 12 2015" read as 20:15).
    """
    written = written_dates(case.text)
    low = case.text.lower()
    start = date.fromisoformat(case.start[:10])
    end = date.fromisoformat(case.end[:10]) if case.end else None
    if not written.month_days:
        days = [int(match[1]) for match in _ORDINAL_DAY.finditer(low)]
        if not days or any(int(number) in (start.day, end and end.day) for number in _NUMBER.findall(low)):
            return None
        return f"d: the text writes the day {', '.join(map(str, days))}; the label is {start}"
    if _inconsistent(case.text, written, case.now) or _DAY_SHIFT.search(case.text):
        return None
    if end is None and RANGE_WORDS.search(low):
        return None
    if written.full:
        yearless = written.month_days - {(found.month, found.day) for found in written.full}
        if start in written.full or end in written.full or any(
                day is not None and (day.month, day.day) in yearless for day in (start, end)) or (
                "T" in case.start and any(f"{d.year:04d}" == case.start[11:16].replace(":", "") for d in written.full)):
            return None  # "an 09.10. ab 13.10.2017": the label may be the date written without a year
        shown = ", ".join(sorted(found.isoformat() for found in written.full))
    else:
        if any(day is not None and (day.month, day.day) in written.maybe for day in (start, end)):
            return None
        shown = ", ".join(f"{day:02d}.{month:02d}." for month, day in sorted(written.month_days))
    return f"d: the text writes {shown}; the label is {start}" + (f"..{end}" if end else "")


def audit_labels(cases: Sequence[Labelled]) -> Audit:
    """Cases whose expected label contradicts their own text, each with its reasons.

    (a) weekday, (c) clock time, (d) full date, (e) a weekday alone far from now, (f) no day named but
    a label days ahead: see the checks.
    (b) The same text and `now` with different labels: at most one label can be right, so the
    cases with any but the most common label among those not flagged otherwise are flagged.
    """
    reasons: dict[int, list[str]] = {}
    for index, case in enumerate(cases):
        checks = (_weekday_contradiction, _clock_contradiction, _date_contradiction, _far_weekday, _no_day_far)
        found = [reason for check in checks if (reason := check(case)) is not None]
        if found:
            reasons[index] = found
    groups: dict[tuple[str, datetime], list[int]] = {}
    for index, case in enumerate(cases):
        groups.setdefault((case.text, case.now), []).append(index)
    for indices in groups.values():
        labels = Counter((cases[i].start, cases[i].end) for i in indices if i not in reasons)
        if len({(cases[i].start, cases[i].end) for i in indices}) < 2 or not labels:
            continue
        kept = labels.most_common(1)[0][0]
        for i in indices:
            if i not in reasons and (cases[i].start, cases[i].end) != kept:
                reasons[i] = [f"b: the same text and now is also labelled {kept}"]
    return Audit(reasons)


def report_audit(name: str, cases: Sequence[Labelled], right: list[bool], failures: bool) -> None:
    """The label audit of a set: how many labels contradict their text, and the figure without them.

    A flagged case the parser gets right is printed always: either the flag or the parser is wrong.
    """
    audit = audit_labels(cases)
    flagged, total = len(audit.reasons), len(cases)
    counts = ", ".join(f"{check}: {audit.count(check)}" for check in "abcdef")
    print(f"{name} label audit: {flagged} cases contradict their own text ({counts}); the best any parser "
          f"can score on this set is {total - flagged}/{total} = {(total - flagged) / total:.3f}")
    kept = [ok for index, ok in enumerate(right) if index not in audit.reasons]
    print(f"{name} without those cases: {sum(kept)}/{len(kept)} = {sum(kept) / len(kept):.3f}")
    for index, found in audit.reasons.items():
        if failures or right[index]:
            mark = "  PARSED AS LABELLED: check this flag" if right[index] else ""
            print(f"    {shown(cases[index])} {'; '.join(found)}{mark}")
