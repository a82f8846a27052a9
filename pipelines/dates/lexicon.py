"""The words of the date grammar, German and English, as data.

Every table maps a lower-cased word to its meaning. Words that are also everyday words
("so", "die", "mit", "may", "march") are listed as *weak*: the grammar only believes them
next to a number or a date, which is how dateparser's traps ("Die" read as Tuesday, "Mai" found
in running text) are avoided. Month names of other languages come from dateparser's locale
tables (the one thing it has that we would not want to retype) and are only consulted as a
last resort, next to a day number.
"""

from __future__ import annotations

from functools import cache

MONTHS: dict[str, int] = {}
for _number, _forms in enumerate(
    [
        "januar jänner jaenner jan jän january",
        "februar feber feb february febr",
        "märz maerz mär mrz mar march",
        "april apr",
        "mai may",
        "juni jun june",
        "juli jul july",
        "august aug",
        "september sept sep",
        "oktober okt october oct",
        "november nov",
        "dezember dez december dec",
    ],
    start=1,
):
    for _form in _forms.split():
        MONTHS[_form] = _number

# Month words that are also ordinary words; they need a number beside them.
WEAK_MONTHS = frozenset({"mar", "march", "may", "mai", "jun", "jul", "dec", "sept", "sep", "aug", "apr"})

WEEKDAYS: dict[str, int] = {}
for _number, _forms in enumerate(
    [
        "montag mo mon monday mondays montags",
        "dienstag di tue tues tuesday tuesdays dienstags",
        "mittwoch mi mit mitwoch wed weds wednesday wednesdays mittwochs",
        "donnerstag do don thu thur thurs thursday thursdays donnerstags",
        "freitag fr fri friday fridays freitags",
        "samstag sonnabend sa sat saturday saturdays samstags",
        "sonntag so sun sunday sundays sonntags",
    ]
):
    for _form in _forms.split():
        WEEKDAYS[_form] = _number

# Short weekday forms that are also words ("so früh", "mit 20 Gästen", "do it", "sun").
WEAK_WEEKDAYS = frozenset({"mo", "di", "mi", "mit", "do", "don", "fr", "sa", "so", "sun", "sat"})

# Part of the day: which half of the clock a bare hour belongs to ("abends 7" is 19:00).
# None means the word names a time of day but says nothing about the hour.
PARTS_OF_DAY: dict[str, str | None] = {
    "morgens": "am", "früh": "am", "frueh": "am", "frühmorgens": "am", "vormittags": "am",
    "vormittag": "am", "morning": "am", "mittags": None, "mittag": None, "midday": None,
    "lunchtime": None, "nachmittags": "pm", "nachmittag": "pm", "afternoon": "pm",
    "abends": "pm", "abend": "pm", "spätabends": "pm", "evening": "pm", "nachts": "night",
    "night": "night", "spät": None, "spaet": None, "late": None, "early": None, "später": None,
    "frühen": "am", "späten": None, "spätnachmittags": "pm", "vormittagszeit": "am", "spätabend": "pm",
}
# "Dienstagabend", "montagmorgen", "Freitagnacht": a weekday with its part of the day glued on.
COMPOUND_PARTS_OF_DAY = {**PARTS_OF_DAY, "morgen": "am", "nacht": "night"}

# Relative days: days from the reference date.
RELATIVE_DAYS: dict[str, int] = {
    "heute": 0, "today": 0, "tonight": 0, "tonite": 0, "heut": 0,
    "morgen": 1, "tomorrow": 1, "übermorgen": 2, "uebermorgen": 2,
    "gestern": -1, "yesterday": -1, "vorgestern": -2,
}

# Modifiers of weekdays and calendar units: how many units away from the current one.
MODIFIERS: dict[str, int] = {}
for _offset, _forms in {
    0: "diese diesen dieser dieses diesem this current kommende kommenden kommender kommendes coming upcoming",
    1: "nächste nächsten nächster nächstes nächstem naechste naechsten naechster naechstes next following folgende "
    "folgenden",
    2: "übernächste übernächsten übernächster übernächstes uebernaechste uebernaechsten",
    -1: "letzte letzten letzter letztes letztem vergangene vergangenen vergangener last past previous vorige "
    "vorigen",
    -2: "vorletzte vorletzten vorletzter vorletztes vorletztem",
}.items():
    for _form in _forms.split():
        MODIFIERS[_form] = _offset

# "kommenden Freitag" is the coming one, like "this Friday"; "nächsten Freitag" is the first after today.
UPCOMING_MODIFIERS = frozenset({"kommende", "kommenden", "kommender", "kommendes", "coming", "upcoming"})

UNITS: dict[str, str] = {}
for _unit, _forms in {
    "day": "tag tage tagen tages tg day days",
    "week": "woche wochen week weeks",
    "workweek": "arbeitswoche werktags workweek",
    "month": "monat monate monaten monats month months",
    "year": "jahr jahre jahren jahres year years",
    "weekend": "wochenende wochenendes weekend weekends",
    "night": "nacht nächte naechte nights",
    "hour": "stunde stunden std hour hours hrs hr",
    "minute": "minute minuten min mins minutes",
}.items():
    for _form in _forms.split():
        UNITS[_form] = _unit

CALENDAR_WEEK = frozenset({"kw", "kalenderwoche", "cw"})
REST_WORDS = frozenset({"rest"})
ALL_DAY = frozenset({"ganztägig", "ganztaegig", "ganztags", "ganztätig"})

# Connectors between two dates or times.
RANGE_WORDS = frozenset({"bis", "to", "till", "til", "until", "through", "thru", "auf", "zum", "zur", "–"})
LIST_WORDS = frozenset({"und", "and", "sowie"})
OR_WORDS = frozenset({"oder", "or"})
BETWEEN_WORDS = frozenset({"zwischen", "zw", "between"})
# Start markers: "ab 19 Uhr", "from 5", "vom 3. bis".
FROM_WORDS = frozenset({"ab", "from", "von", "vom", "seit", "since", "starting", "beginning", "after", "nach"})
# Markers before a clock time: "um 7", "gegen 9", "at 5".
AT_WORDS = frozenset({
    "um", "at", "gegen", "gg", "ca", "circa", "zirka", "etwa", "around", "about", "approx", "approximately",
    "ungefähr", "by", "frühestens", "spätestens", "latest", "earliest",
})
APPROXIMATE_WORDS = frozenset({"gegen", "gg", "ca", "circa", "zirka", "etwa", "around", "about", "approx",
                               "approximately", "ungefähr"})
HOUR_WORDS = frozenset({"uhr", "h", "oclock", "o'clock"})
NOON = {"noon": 12, "mitternacht": 0, "mitternachts": 0, "midnight": 0, "mittagszeit": 12}
# Words that label a date on event pages and may stand between its parts ("Datum: 12.03. Uhrzeit: 10 Uhr").
DATE_LABELS = frozenset({"datum", "uhrzeit", "zeit", "termin", "date", "time", "wann", "when", "beginn", "begin",
                         "start", "ende", "end", "einlass", "doors", "veranstaltungsdatum", "termine"})
# Words that may stand inside one date expression without ending it (used by find_dates).
GLUE = frozenset({
    "am", "an", "den", "dem", "der", "des", "die", "im", "in", "the", "on", "of", "jeweils", "je",
    "beginn", "start", "einlass", "ende", "end", "from", "a", "beginning",
})

# Labels of the end of an event ("Beginn: 11:00 Ende: 18:00"): a range word when they follow a start.
END_LABELS = frozenset({"ende", "end"})

HALF_HOUR_WORDS = {"halb": -30, "viertel": -45, "dreiviertel": -15}
PAST_WORDS = frozenset({"nach", "past", "after"})
TO_WORDS = frozenset({"vor", "to", "before"})

_DE_UNITS = ["", "ein", "zwei", "drei", "vier", "fünf", "sechs", "sieben", "acht", "neun"]
_DE_TEENS = {10: "zehn", 11: "elf", 12: "zwölf", 13: "dreizehn", 14: "vierzehn", 15: "fünfzehn",
             16: "sechzehn", 17: "siebzehn", 18: "achtzehn", 19: "neunzehn"}
_DE_TENS = {20: "zwanzig", 30: "dreißig", 40: "vierzig", 50: "fünfzig"}
_EN_UNITS = ["", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
_EN_TEENS = {10: "ten", 11: "eleven", 12: "twelve", 13: "thirteen", 14: "fourteen", 15: "fifteen",
             16: "sixteen", 17: "seventeen", 18: "eighteen", 19: "nineteen"}
_EN_TENS = {20: "twenty", 30: "thirty", 40: "forty", 50: "fifty"}
_EN_ORDINAL_UNITS = ["", "first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth"]
_EN_ORDINAL_SPECIAL = {10: "tenth", 11: "eleventh", 12: "twelfth", 20: "twentieth", 30: "thirtieth"}


def _german_cardinal(n: int) -> str:
    if n < 10:
        return "eins" if n == 1 else _DE_UNITS[n]
    if n < 20:
        return _DE_TEENS[n]
    tens, unit = divmod(n, 10)
    return (_DE_UNITS[unit] + "und" if unit else "") + _DE_TENS[tens * 10]


def _english_cardinal(n: int) -> str:
    if n < 10:
        return _EN_UNITS[n]
    if n < 20:
        return _EN_TEENS[n]
    tens, unit = divmod(n, 10)
    return _EN_TENS[tens * 10] + ("-" + _EN_UNITS[unit] if unit else "")


def _german_ordinal_stem(n: int) -> str:
    special = {1: "erst", 3: "dritt", 7: "siebt", 8: "acht"}
    if n in special:
        return special[n]
    return _german_cardinal(n) + ("t" if n < 20 else "st")


def _english_ordinal(n: int) -> str:
    if n in _EN_ORDINAL_SPECIAL:
        return _EN_ORDINAL_SPECIAL[n]
    if n < 10:
        return _EN_ORDINAL_UNITS[n]
    if n < 20:
        return _EN_TEENS[n] + "th"
    tens, unit = divmod(n, 10)
    return _EN_TENS[tens * 10] + "-" + _EN_ORDINAL_UNITS[unit]


CARDINALS: dict[str, int] = {"ein": 1, "eine": 1, "einer": 1, "zwo": 2, "beiden": 2, "paar": 3, "few": 3,
                             "a": 1, "an": 1, "couple": 2, "dreissig": 30}
ORDINALS: dict[str, int] = {"siebente": 7, "siebenten": 7}
for _n in range(1, 60):
    CARDINALS[_german_cardinal(_n)] = _n
    CARDINALS[_english_cardinal(_n)] = _n
    CARDINALS[_english_cardinal(_n).replace("-", "")] = _n
for _n in range(1, 32):
    _stem = _german_ordinal_stem(_n)
    for _ending in ("e", "en", "er", "es", "em"):
        ORDINALS[_stem + _ending] = _n
    ORDINALS[_english_ordinal(_n)] = _n
    ORDINALS[_english_ordinal(_n).replace("-", "")] = _n
# "ein", "a", "an" only count as one before a unit ("ein Uhr", "a week"); never as a day.
WEAK_CARDINALS = frozenset({"ein", "eine", "einer", "a", "an", "paar", "few", "couple", "beiden", "elf", "acht"})

# "die erste Woche", "the last week of July"
# Feast days event pages name instead of a date: fixed ones (month, day) and ones counted from Easter.
HOLIDAYS: dict[str, tuple] = {
    "neujahr": ("fixed", 1, 1), "neujahrstag": ("fixed", 1, 1), "dreikönigstag": ("fixed", 1, 6),
    "epiphanias": ("fixed", 1, 6), "valentinstag": ("fixed", 2, 14), "maifeiertag": ("fixed", 5, 1),
    "reformationstag": ("fixed", 10, 31), "halloween": ("fixed", 10, 31), "allerheiligen": ("fixed", 11, 1),
    "martinstag": ("fixed", 11, 11), "nikolaus": ("fixed", 12, 6), "nikolaustag": ("fixed", 12, 6),
    "heiligabend": ("fixed", 12, 24), "weihnachten": ("fixed", 12, 25), "christmas": ("fixed", 12, 25),
    "stephanstag": ("fixed", 12, 26), "silvester": ("fixed", 12, 31), "barbaratag": ("fixed", 12, 4),
    "johannistag": ("fixed", 6, 24), "weltkindertag": ("fixed", 6, 1),
    "ostern": ("easter", 0), "ostersonntag": ("easter", 0), "easter": ("easter", 0), "ostermontag": ("easter", 1),
    "karfreitag": ("easter", -2), "karsamstag": ("easter", -1), "gründonnerstag": ("easter", -3),
    "palmsonntag": ("easter", -7), "rosenmontag": ("easter", -48), "faschingsdienstag": ("easter", -47),
    "fastnachtsdienstag": ("easter", -47), "fastnachtssamstag": ("easter", -50),
    "fastnachtssonntag": ("easter", -49), "aschermittwoch": ("easter", -46),
    "himmelfahrt": ("easter", 39), "pfingsten": ("easter", 49), "pfingstsonntag": ("easter", 49),
    "pfingstmontag": ("easter", 50), "fronleichnam": ("easter", 60),
    "totensonntag": ("before_advent",), "ewigkeitssonntag": ("before_advent",),
}
# Several words: "Tag der Arbeit", "Tag der Deutschen Einheit", "Christmas Eve".
HOLIDAY_PHRASES: dict[tuple[str, ...], tuple] = {
    ("tag", "der", "arbeit"): ("fixed", 5, 1), ("tag", "der", "deutschen", "einheit"): ("fixed", 10, 3),
    ("heilige", "drei", "könige"): ("fixed", 1, 6), ("christi", "himmelfahrt"): ("easter", 39),
    ("christmas", "eve"): ("fixed", 12, 24), ("christmas", "day"): ("fixed", 12, 25),
    ("new", "year's", "day"): ("fixed", 1, 1), ("new", "year's", "eve"): ("fixed", 12, 31),
    ("good", "friday"): ("easter", -2), ("easter", "monday"): ("easter", 1), ("peter", "und", "paul"): ("fixed", 6, 29),
}
for _words, _rule in HOLIDAY_PHRASES.items():
    HOLIDAYS[" ".join(_words)] = _rule
CHRISTMAS_DAYS = frozenset({"weihnachtsfeiertag", "weihnachtstag", "feiertag"})

WEEK_ORDINALS = {**{k: v for k, v in ORDINALS.items() if v <= 5}, "letzte": -1, "letzten": -1, "last": -1}


@cache
def foreign_months() -> dict[str, int]:
    """Month names in every language dateparser knows, for "12 loka" or "5 heinä 2017".

    Only unambiguous names of three or more letters that are not German or English words of
    ours; loaded once, on first use, because it reads about 200 locale tables.
    """
    from dateparser.data import language_locale_dict
    from dateparser.languages.loader import default_loader

    names = ["january", "february", "march", "april", "may", "june", "july", "august", "september",
             "october", "november", "december"]
    found: dict[str, set[int]] = {}
    for code in language_locale_dict:
        info = default_loader.get_locale(code).info
        for number, name in enumerate(names, start=1):
            for form in info.get(name, []):
                form = form.lower().rstrip(".")
                if len(form) >= 3 and form.isalpha():
                    found.setdefault(form, set()).add(number)
    ours = set(MONTHS) | set(WEEKDAYS) | set(UNITS) | set(CARDINALS) | set(ORDINALS) | GLUE | FROM_WORDS
    return {form: numbers.pop() for form, numbers in found.items() if len(numbers) == 1 and form not in ours}
