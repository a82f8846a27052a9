"""find_dates: the date expressions inside longer text, for pages without markup.

The heuristic extractor runs this over headings and paragraphs, so it must be quick and must not
fire on what only looks like a date: prices ("12.50 €"), postcodes ("30159 Hannover"), phone
numbers, IDs, version numbers, "Die"/"Mai" inside words, a lone "heute" in prose. Text is cut into
runs of date-like tokens (anything the date grammar knows, plus glue like "am", "von", "Uhr", ","
and a few labels like "Datum:"); an unknown word, a long number or a symbol ends a run. Each run
is read by the same grammar as parse_when, and a reading is only reported when it names a day
firmly: a full date, a day with a month name or a "12.03." with its dot, or a weaker shape
("3.5", "Freitag", "morgen") backed by a weekday, a clock time or a firm partner in a range.
Within a run, each line is read on its own and lines are joined only where they complete each
other (pipelines.dates.lines).

What keeps it cheap: only stretches around digits and date words are scanned; the scanner leaves
out words the grammar does not know (the gap they leave ends a run all the same); and a run with
no token that can name a day (only numbers, clock times, connectors) is never read.
"""

from __future__ import annotations

import re
from datetime import datetime

from pipelines.dates import lexicon as lx
from pipelines.dates.grammar import mentions
from pipelines.dates.model import Item, Reading
from pipelines.dates.resolve import resolve, resolver_for
from pipelines.dates.scanner import Token, normalise, scan, trie_pattern
from pipelines.dates.when import When

LABELS = lx.DATE_LABELS
_BREAKING_PUNCT = frozenset({".", ";", "|", "[", "]"})
# Words that can start a date expression; digits always can. Text without any is skipped unread.
_DATE_WORDS = frozenset(
    w for w in {*lx.MONTHS, *lx.WEEKDAYS, *lx.RELATIVE_DAYS, *lx.HOLIDAYS, *lx.CALENDAR_WEEK} if len(w) > 2)
_FULL_WEEKDAYS = tuple(w for w in lx.WEEKDAYS if len(w) > 5)
# Digits, the date words (whole words) and words that begin with a full weekday name ("Donnerstagabend").
_CANDIDATE = re.compile(
    rf"\d+|(?<![^\W\d_])(?:(?:{trie_pattern(sorted(_DATE_WORDS))})(?![^\W\d_])|(?:{trie_pattern(sorted(_FULL_WEEKDAYS))}))"
)
# Tokens of which a run needs one to name a day; a run without any is not read at all.
_DAY_TOKENS = frozenset({"iso", "date", "dm", "ord", "month", "weekday", "rel", "holiday", "ordword", "mod", "unit"})
# How far around a date-like word the grammar looks ("am Mittwoch, den ... bis ...").
_BEFORE, _AFTER = 48, 96


def find_dates(text: str, now: datetime, tz: str = "Europe/Berlin") -> list[tuple[int, int, When]]:
    """Date expressions inside `text`: (begin, end, When) with character offsets, in text order."""
    if not text:
        return []
    low = normalise(text)
    windows = _windows(text, low)
    if not windows:
        return []
    resolver = resolver_for(now, tz, True)
    found: list[tuple[int, int, When]] = []
    for begin, end in windows:
        for run in _runs(scan(text, low, begin, end, known_words=True), low):
            if not any(token.kind in _DAY_TOKENS for token in run):
                continue  # only clock times, numbers or connectors: never a day
            for reading, items in mentions(run):
                if not _firm(reading, items):
                    continue
                span = resolve(reading, resolver)
                if span is None:
                    continue
                used = [item for item in items if item.kind in ("D", "T")]
                found.append((used[0].start, used[-1].end, When(*span)))
    return found


def _windows(text: str, low: str) -> list[tuple[int, int]]:
    """Stretches of text around digits and date words, widened to whole words and merged
    (`low` is normalise(text))."""
    size = len(text)
    stretches: list[list[int]] = []
    for match in _CANDIDATE.finditer(low):
        begin, end = match.start() - _BEFORE, match.end() + _AFTER
        if stretches and begin <= stretches[-1][1]:
            stretches[-1][1] = end
        else:
            stretches.append([begin, end])
    windows: list[tuple[int, int]] = []
    for begin, end in stretches:
        begin, end = max(0, begin), min(size, end)
        while begin > 0 and not text[begin - 1].isspace():
            begin -= 1
        while end < size and not text[end].isspace():
            end += 1
        if windows and begin <= windows[-1][1]:
            windows[-1] = (windows[-1][0], max(end, windows[-1][1]))
        else:
            windows.append((begin, end))
    return windows


def _runs(tokens: list[Token], low: str) -> list[list[Token]]:
    runs: list[list[Token]] = [[]]
    previous: Token | None = None
    for token in tokens:
        breaks = (
            (token.kind == "word" and token.text not in LABELS)
            or (token.kind == "num" and token.extra["digits"] >= 5)
            or (token.kind == "punct" and token.text in _BREAKING_PUNCT)
            or (previous is not None and (low[previous.end:token.start].strip() or token.start - previous.end > 3))
        )
        if breaks and runs[-1]:
            runs.append([])
        if not (token.kind == "word" or (token.kind == "punct" and token.text in _BREAKING_PUNCT)):
            runs[-1].append(token)
        previous = token
    return [run for run in runs if any(t.kind not in ("punct", "glue") for t in run)]


def _firm(reading: Reading, items: list[Item]) -> bool:
    """Whether a reading names a day firmly enough to report it from running text."""
    if reading.start is None:
        return False
    days = [item for item in items if item.kind == "D"]
    has_clock = any(item.kind == "T" and item.value.strong for item in items)
    if any(item.extra.get("strong") for item in days):
        return True
    start = reading.start
    if start.day is not None and start.month is not None:
        return has_clock or any(item.extra.get("checked") for item in days)
    if start.offset is not None or start.weekday_only:
        return has_clock
    return False
