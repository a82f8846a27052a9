"""Pass 1 of the grammar: tokens -> items, by the rules registered for each token kind."""

from __future__ import annotations

from pipelines.dates import numbers, words
from pipelines.dates.cursor import Cursor
from pipelines.dates.model import Item
from pipelines.dates.scanner import Token

# Token kind -> rules tried in order; the first that returns items (not None) wins.
RULES = {
    "iso": (numbers.iso,),
    "date": (numbers.full_date,),
    "yearmonth": (numbers.year_month,),
    "dm": (numbers.day_month,),
    "clock": (numbers.clock,),
    "ord": (numbers.ordinal,),
    "num": (numbers.number,),
    "numword": (numbers.number_word,),
    "halfhour": (numbers.half_hour, words.other),
    "ampm": (numbers.ante_post_meridiem,),
    "plus": (numbers.next_day_mark,),
    "ordword": (words.ordinal_word, words.other),
    "month": (words.month, words.other),
    "weekday": (words.weekday, words.other),
    "rel": (words.relative_day,),
    "noon": (words.noon,),
    "holiday": (words.holiday,),
    "mod": (words.modifier, words.other),
    "unit": (words.unit, words.other),
    "kw": (words.calendar_week, words.other),
    "rest": (words.rest_of, words.other),
    "range": (words.range_word,),
    "list": (words.marker("L"),),
    "or": (words.marker("O"),),
    "between": (words.marker("BETWEEN"),),
    "from": (words.start_word,),
    "at": (words.marker("AT"),),
    "pod": (words.marker("POD"),),
    "allday": (words.marker("ALLDAY"),),
    "hourword": (words.marker("SEP"),),
    "punct": (words.punctuation,),
    "glue": (words.glue,),
    "word": (numbers.english_fraction, words.other),
}


def read_items(tokens: list[Token]) -> list[Item]:
    """The items of a token list, in order."""
    cur = Cursor(tokens)
    items: list[Item] = []
    while cur.i < len(tokens):
        token = tokens[cur.i]
        if token.text in words.PHRASE_STARTS:
            made = words.holiday_phrase(cur)
            if made is not None:
                items.extend(made)
                continue
        for rule in RULES.get(token.kind, (words.other,)):
            made = rule(cur, items)
            if made is not None:
                items.extend(made)
                break
        else:
            cur.i += 1
    return items
