"""Text -> tokens: the numeric shapes and words the date grammar is built from.

The scanner only recognises shapes ("31.10.2025", "31.10", "19:30", "3rd", "März"); it does not
decide what an ambiguous shape means ("15.30" may be a day or a time, "2330" a year or a time).
That is the grammar's job, which sees the neighbours. Offsets refer to the text given, so
find_dates can report spans. A token never reaches across a line break, and each token knows the
line it is on: the grammar reads every line on its own before it joins lines that belong together.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from pipelines.dates import lexicon as lx

# Dashes, spaces and quotes that pages use in place of the ASCII ones; one character each, so
# offsets into the normalised text are offsets into the original.
_SAME_LENGTH = str.maketrans({
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2015": "-",
    "\u2212": "-", "\u00a0": " ", "\u2009": " ", "\u202f": " ", "\u2007": " ", "\u2002": " ",
    "\u2003": " ", "\u2019": "'", "\t": " ", "\n": " ", "\r": " ", "\u00b7": " ",
})

_SAME_LENGTH_PAIRS = tuple((chr(code), same) for code, same in _SAME_LENGTH.items())

_NO_LETTER = r"(?![^\W\d_])"
_TWO_DIGIT_YEAR_END = r"(?![\d.:])(?!\s*(?:uhr|h)" + _NO_LETTER + ")"
_SHAPES = [
    ("iso", r"(\d{4})-(\d{2})-(\d{2})(?:[t ](\d{1,2}):(\d{2})(?::(\d{2})(?:[.,]\d+)?)?(z|[+-]\d{2}(?::?\d{2})?)?)?"
            r"(?!\d)"),
    ("ymd", r"(\d{4})(?P<ymd_sep>[./-])(\d{1,2})(?P=ymd_sep)(\d{1,2})(?!\d)"),
    # A two-digit year only right after the separator ("31.10.25", "30 . 09 . 22"), never after a
    # lone space, where "23.08. 19-20 Uhr" has an hour; and never when a time follows ("18.07. 09.55").
    ("dmy", r"(\d{1,2})(\s?)(?P<dmy_sep>[./-])\s?(\d{1,2})(?:\s?(?P=dmy_sep)\s?(\d{4})(?!\d)"
            r"|(?P=dmy_sep)(\d{2})" + _TWO_DIGIT_YEAR_END + r"|\s(?P=dmy_sep)\s(\d{2})" + _TWO_DIGIT_YEAR_END + ")"),
    ("ym", r"((?:19|20)\d{2})\s?[-./]\s?(\d{1,2})(?![\d.:/])"),
    ("my", r"(\d{1,2})\s?[./-]\s*((?:19|20)\d{2})(?!\d)"),
    ("clock", r"(\d{1,2})(?::|h(?=\d\d))(\d{2})(?::(\d{2})(?:[.,]\d+)?)?(?!\d)"),
    ("dotclock", r"(\d{1,2})\.(\d{2})(?=\s*(?:uhr|h)" + _NO_LETTER + r")"),
    ("dm", r"(\d{1,2})(?:\.\s?(\d{1,2})(\.(?!\d))?|/(\d{1,2})(?![\d/]))(?!\d)(?!\s*(?:uhr|h" + _NO_LETTER + r"|:))"),
    ("ord", r"(\d{1,2})(?:\.(?!\d)|(?:st|nd|rd|th|ter|ten|te|sten|ste)" + _NO_LETTER + r")"),
    ("plus", r"\+(\d)(?!\d)"),
    ("num", r"(\d+)"),
    ("ampm", r"[ap]\.\s?m\.?|pm" + _NO_LETTER),
    ("word", r"[^\W\d_]+(?:'[^\W\d_]+)?"),
    ("punct", r"[-/,()&+;|\[\]:]|\."),
]


def _master() -> re.Pattern:
    """All shapes in one pattern, tried in the order of _SHAPES, behind guards on the first characters:
    the regex engine then tries the two word shapes only at a letter and the date shapes only at
    digits that a separator, a colon, an "h" or an ordinal ending follows (every one of them needs
    that), which makes scanning about twice as cheap as trying every shape at every position."""
    shape = dict(_SHAPES)

    def group(name: str) -> str:
        return f"(?P<{name}>{shape[name]})"

    dates = "|".join(group(name) for name in ("iso", "ymd", "dmy", "ym", "my", "clock", "dotclock", "dm", "ord"))
    return re.compile(
        r"(?=\S)(?:"
        rf"(?=[^\W\d_])(?:{group('ampm')}|{group('word')})"
        rf"|(?=\d)(?:(?=\d+(?:\s?[-./]|[:hsnrt]))(?:{dates})|{group('num')})"
        rf"|{group('plus')}|{group('punct')})"
    )


_MASTER = _master()
_ALONE = {name: re.compile(pattern) for name, pattern in _SHAPES}
_ORDER = [name for name, _ in _SHAPES]
_HYPHENATED = re.compile(r"-([^\W\d_]+)")


@dataclass(slots=True)
class Token:
    """One recognised piece of text. `kind` names the shape or the word class; `value` its meaning."""

    kind: str
    start: int
    end: int
    text: str
    value: object = None
    extra: dict = field(default_factory=dict)
    line: int = 0  # the number of line breaks before the token in the scanned text


def normalise(text: str) -> str:
    """Lower-case the text and unify dashes and spaces, keeping every offset where it was."""
    unified = text
    for char, same in _SAME_LENGTH_PAIRS:  # str.replace per character is far cheaper than str.translate
        if char in unified:
            unified = unified.replace(char, same)
    lowered = unified.lower()
    if len(lowered) != len(unified):
        lowered = "".join(c.lower() if len(c.lower()) == 1 else c for c in unified)
    return lowered


def scan(
    text: str, normalised: str | None = None, begin: int = 0, end: int | None = None, *, known_words: bool = False
) -> list[Token]:
    """All tokens of `text` (or of text[begin:end]) in order, with offsets into `text`.

    `normalised` may pass normalise(text) when it is already computed. With `known_words`, words the
    grammar does not know (and that are no date labels) are left out: running text is mostly such
    words, and for find_dates the gap they leave ends a run just as well.
    """
    low = normalised if normalised is not None else normalise(text)
    stop = len(low) if end is None else end
    tokens: list[Token] = []
    pos = begin
    multiline = "\n" in text[begin:stop]
    line, counted = 0, begin
    search = _MASTER.search
    while True:
        match = search(low, pos, stop)
        if match is None:
            break
        start = match.start()
        name = match.lastgroup
        if known_words and name == "word" and low[start:match.end()] not in _KNOWN_WORDS \
                and _HYPHENATED.match(low, match.end()) is None:
            pos = match.end()
            continue
        token = _build(name, match, low)
        if multiline:
            line += text.count("\n", counted, start)
            counted = start
            if token is not None and "\n" in text[start:token.end]:
                token = None  # "2025\n31." is a number at the end of one line and a day on the next
        if token is None:
            token = _retry(low, start, stop, _ORDER.index(name) + 1, text if multiline else None)
        if token.kind == "word" and token.text[:2] in ("am", "pm"):
            for piece in _split_glued(token):
                piece.line = line
                tokens.append(piece)
        else:
            token.line = line
            tokens.append(token)
        pos = token.end
    return tokens


def _split_glued(token: Token) -> list[Token]:
    """"2pmTuesday": an am/pm glued to the word after it."""
    text = token.text
    if token.kind == "word" and text[:2] in ("am", "pm") and (text[2:] in lx.WEEKDAYS or text[2:] in lx.MONTHS):
        rest = _classify(token.start + 2, token.end, text[2:])
        return [Token("ampm", token.start, token.start + 2, text[:2], text[:2]), rest]
    return [token]


def _retry(low: str, start: int, stop: int, first: int, text: str | None = None) -> Token:
    """The next shape that fits at `start` when the first one matched but made no sense (month 15)
    or, when `text` is given, reached across one of its line breaks."""
    for name in _ORDER[first:]:
        match = _ALONE[name].match(low, start, stop)
        if match is not None:
            token = _build(name, match, low)
            if token is not None and (text is None or "\n" not in text[start:token.end]):
                return token
    raise AssertionError("the num/word/punct shapes always match")  # pragma: no cover


# The numbers of each shape's own groups inside the master patterns (the same in both).
_GROUP_NUMBERS = {name: tuple(range(_MASTER.groupindex[name] + 1, _MASTER.groupindex[name] + 1 + _ALONE[name].groups))
                  for name in _ORDER}


def _groups(name: str, match: re.Match) -> tuple:
    if match.re is _ALONE[name]:
        return match.groups()
    numbers = _GROUP_NUMBERS[name]
    return match.group(*numbers) if len(numbers) > 1 else (match.group(numbers[0]),)


def _valid_offset(offset: str | None) -> bool:
    """"z", "+01:00", "-0530", "+01"; not "+24:00" or "+99:99"."""
    if offset is None or offset == "z":
        return True
    digits = offset[1:].replace(":", "")
    return int(digits[:2]) <= 23 and int(digits[2:4] or 0) <= 59


def _valid_day(day: int, month: int) -> bool:
    return 1 <= month <= 12 and 1 <= day <= (29 if month == 2 else 30 if month in (4, 6, 9, 11) else 31)


def _build(name: str, match: re.Match, low: str) -> Token | None:
    start, end = match.span() if match.re is _ALONE[name] else match.span(name)
    text = low[start:end]
    # The frequent shapes first, without their groups.
    if name == "word":
        return _word(start, end, text, low)
    if name == "num":
        return Token("num", start, end, text, int(text), {"digits": len(text)})
    if name == "punct":
        return Token("punct", start, end, text, text)
    if name == "ampm":
        return Token("ampm", start, end, text, "pm" if text.startswith("p") else "am")
    g = _groups(name, match)
    if name == "iso":
        year, month, day = int(g[0]), int(g[1]), int(g[2])
        if not _valid_day(day, month):
            return None
        value = {"y": year, "m": month, "d": day}
        if g[3] is not None:
            if int(g[3]) > 24 or int(g[4]) > 59 or not _valid_offset(g[6]):
                return None  # "2025-08-24 8:75", "…+99:99": the date alone (the next shape), no made-up time
            value.update(h=int(g[3]), mi=int(g[4]), offset=g[6])
        return Token("iso", start, end, text, value)
    if name == "ymd":
        year, month, day = int(g[0]), int(g[2]), int(g[3])
        return Token("date", start, end, text, (year, month, day)) if _valid_day(day, month) else None
    if name == "dmy":
        day, month = int(g[0]), int(g[3])
        year_text = g[4] or g[5] or g[6]
        if g[5] is None and g[6] is not None and not g[1]:
            return None  # "30 . 09 . 22" needs the spaces on both sides of both dots
        if not _valid_day(day, month) and _valid_day(month, day) and g[2] == "/":
            day, month = month, day
        if not _valid_day(day, month):
            return None
        year = int(year_text)
        if len(year_text) == 4 and not 1900 <= year <= 2100 and text[-5] == " ":
            return None  # "02.08. 1845-1955": a date, then clock times
        if len(year_text) == 2:
            year += 2000 if year < 40 else 1900
        return Token("date", start, end, text, (year, month, day), {"shape": "dmy"})
    if name in ("ym", "my"):
        year, month = (int(g[0]), int(g[1])) if name == "ym" else (int(g[1]), int(g[0]))
        return Token("yearmonth", start, end, text, (year, month)) if 1 <= month <= 12 else None
    if name in ("clock", "dotclock"):
        hour, minute = int(g[0]), int(g[1])
        if hour > 24 or minute > 59:
            return None
        return Token("clock", start, end, text, (hour % 24, minute), {"strong": True})
    if name == "dm":
        return _day_month(start, end, text, g)
    if name == "ord":
        day = int(g[0])
        return Token("ord", start, end, text, day) if 1 <= day <= 31 else None
    return Token("plus", start, end, text, int(g[0]))


def _day_month(start: int, end: int, text: str, g: tuple) -> Token | None:
    """"31.10", "31.10.", "31/10", "1. 2": a day and month, or, for "15.30", perhaps a clock time."""
    first = int(g[0])
    slash = g[3] is not None
    second = int(g[3] if slash else g[1])
    trailing_dot = bool(g[2])
    day, month = first, second
    if slash and not _valid_day(day, month) and _valid_day(month, day):
        day, month = month, day
    as_date = (month, day) if _valid_day(day, month) else None
    minutes = None if slash else (g[1] if g[1] is not None and len(g[1]) == 2 else None)
    as_time = (first, int(minutes)) if minutes is not None and first <= 24 and int(minutes) <= 59 else None
    if (trailing_dot and as_date is not None) or " " in text:
        as_time = None
    if as_date is None and as_time is None:
        return None
    if as_date is None:
        return Token("clock", start, end, text, (as_time[0] % 24, as_time[1]), {"strong": False})
    return Token("dm", start, end, text, (None, *as_date), {"time": as_time, "dot": trailing_dot, "slash": slash})


def _word(start: int, end: int, text: str, low: str) -> Token:
    # "twenty-first": join hyphenated number words the tables know.
    hyphen = _HYPHENATED.match(low, end)
    if hyphen is not None:
        joined = text + "-" + hyphen.group(1)
        if joined in lx.ORDINALS or joined in lx.CARDINALS:
            return _classify(start, hyphen.end(), joined)
    return _classify(start, end, text)


_DATE_SHAPES = frozenset({"num", "ord", "date", "dm", "clock", "iso", "month", "weekday"})
_FULL_NAMES = tuple(sorted(w for w in {*lx.MONTHS, *lx.WEEKDAYS} if len(w) >= 6 and not w.endswith("s")))


def correct_typos(tokens: list[Token]) -> list[Token]:
    """Unknown words one typo away from a month or weekday name ("Mitwoch", "thursady", "Septmber").

    Only for phrases already known to be dates (parse_when), and only right beside a number or a
    name: a near-miss on its own is more often another word ("Montage") than a misspelt weekday.
    """
    corrected = []
    for index, token in enumerate(tokens):
        neighbours = tokens[max(index - 1, 0):index] + tokens[index + 1:index + 2]
        if token.kind == "word" and len(token.text) >= 6 and any(n.kind in _DATE_SHAPES for n in neighbours):
            name = next((n for n in _FULL_NAMES if _one_edit_apart(token.text, n)), None)
            if name is not None:
                fixed = _classify(token.start, token.end, name)
                token = Token(fixed.kind, token.start, token.end, token.text, fixed.value, fixed.extra, token.line)
        corrected.append(token)
    return corrected


def _one_edit_apart(a: str, b: str) -> bool:
    """One insertion, deletion, substitution or swap of neighbours turns a into b."""
    if abs(len(a) - len(b)) > 1 or a == b:
        return False
    if len(a) == len(b):
        diffs = [i for i in range(len(a)) if a[i] != b[i]]
        return len(diffs) == 1 or (len(diffs) == 2 and diffs[1] == diffs[0] + 1 and a[diffs[0]] == b[diffs[1]]
                                   and a[diffs[1]] == b[diffs[0]])
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    i = next((k for k in range(len(short)) if short[k] != long_[k]), len(short))
    return short[i:] == long_[i + 1:]


def _word_classes() -> dict[str, tuple[str, object, dict]]:
    """Every word the grammar knows -> (token kind, value, extra), built once; earlier tables win."""
    classes: dict[str, tuple[str, object, dict]] = {}

    def add(kind: str, table, value=None, extra=None) -> None:
        for word in table:
            if word not in classes:
                found = table[word] if value is None and isinstance(table, dict) else (value or word)
                classes[word] = (kind, found, extra(word) if extra else {})

    add("month", lx.MONTHS, extra=lambda w: {"weak": w in lx.WEAK_MONTHS})
    add("weekday", lx.WEEKDAYS, extra=lambda w: {"weak": w in lx.WEAK_WEEKDAYS})
    add("rel", lx.RELATIVE_DAYS)
    add("mod", lx.MODIFIERS)
    add("unit", lx.UNITS)
    for kind, words in (("allday", lx.ALL_DAY), ("kw", lx.CALENDAR_WEEK), ("rest", lx.REST_WORDS),
                        ("range", lx.RANGE_WORDS), ("list", lx.LIST_WORDS), ("or", lx.OR_WORDS),
                        ("between", lx.BETWEEN_WORDS), ("from", lx.FROM_WORDS), ("at", lx.AT_WORDS),
                        ("hourword", lx.HOUR_WORDS), ("holiday", lx.HOLIDAYS)):
        add(kind, {word: word for word in words})
    add("noon", lx.NOON)
    add("pod", lx.PARTS_OF_DAY)
    add("halfhour", lx.HALF_HOUR_WORDS)
    add("ordword", lx.ORDINALS)
    add("numword", {w: n for w, n in lx.CARDINALS.items() if w not in lx.GLUE},
        extra=lambda w: {"weak": w in lx.WEAK_CARDINALS})
    add("glue", {word: word for word in lx.GLUE})
    # "Dienstagabend", "donnerstagnachmittag": a weekday with its part of the day glued on.
    for name, number in lx.WEEKDAYS.items():
        for suffix, half in lx.COMPOUND_PARTS_OF_DAY.items():
            if len(name) > 5 and name + suffix not in classes:
                classes[name + suffix] = ("weekday", number, {"pod": half})
    return classes


_WORD_CLASSES = _word_classes()


def trie_pattern(words: list[str]) -> str:
    """One regex alternation for many words, branching letter by letter, so that the regex engine
    (not a Python loop over every word of a page) picks out the few words that matter."""
    tree: dict = {}
    for word in words:
        node = tree
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}

    def pattern(node: dict) -> str:
        branches = [re.escape(char) + pattern(child) for char, child in sorted(node.items()) if char]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 and "" not in node else "(?:" + "|".join(branches) + ")"
        return body + "?" if "" in node else body

    return pattern(tree)


# Words find_dates needs to see: those the grammar knows, the labels of dates, and "2pmTuesday".
_KNOWN_WORDS = frozenset(_WORD_CLASSES) | lx.DATE_LABELS | {
    half + name for half in ("am", "pm") for name in (*lx.WEEKDAYS, *lx.MONTHS)}


def _classify(start: int, end: int, text: str) -> Token:
    known = _WORD_CLASSES.get(text)
    if known is None:
        return Token("word", start, end, text, text)
    kind, value, extra = known
    return Token(kind, start, end, text, value, dict(extra))
