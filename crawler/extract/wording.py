"""What the words on a page say about an event: status, attendance, price, registration, language.

German and English wording, as chambers, associations and trade-fair organisers write it.
"""

from __future__ import annotations

import re

from kontext.records import Price
from kontext.vocabulary import Attendance, EventStatus

_STATUS_WORDS: list[tuple[EventStatus, re.Pattern[str]]] = [
    (
        EventStatus.MOVED_ONLINE,
        re.compile(
            r"\b(?:findet\s+(?:nur\s+|ausschließlich\s+|stattdessen\s+)?(?:online|digital|virtuell)\s+statt"
            r"|wird\s+(?:als\s+(?:online|digital)\w*\s+|online\s+|digital\s+)durchgeführt"
            r"|(?:moved|switched|changed)\s+(?:to\s+)?online|now\s+(?:an?\s+)?(?:online|virtual)\s+event"
            r"|will\s+(?:now\s+)?(?:be\s+held|take\s+place)\s+(?:online|virtually))",
            re.I,
        ),
    ),
    (
        EventStatus.CANCELLED,
        re.compile(
            r"(?:\b(?:abgesagt|entfällt|entfallen|fällt\s+(?:leider\s+)?aus|ausgefallen|storniert|"
            r"cancell?ed|canceled|called\s+off)\b|^\s*(?:absage|abgesagt|cancell?ed|entfällt)\s*[:!-])",
            re.I,
        ),
    ),
    (
        EventStatus.POSTPONED,
        re.compile(r"\b(?:verschoben|postponed|auf\s+unbestimmte\s+zeit|neuer\s+termin\s+folgt)\b", re.I),
    ),
]
_STATUS_PREFIX = re.compile(
    r"^\s*[\[(]?(?:abgesagt|absage|entfällt|verschoben|cancell?ed|canceled|postponed|"
    r"findet\s+online\s+statt|moved\s+online)[\])]?\s*(?:[:!–—-]+\s*|\s+)",
    re.I,
)


# Words one of the status patterns needs; most texts have none, and a substring test is cheap.
_STATUS_HINTS = ("abgesagt", "absage", "entfäll", "entfall", "fällt", "ausgefallen", "storniert", "cancel",
                 "called off", "verschoben", "postponed", "unbestimmte", "neuer termin", "online", "digital",
                 "virtuell", "virtual")


def status_from_text(text: str | None) -> EventStatus | None:
    """Cancelled / postponed / moved online from wording ("abgesagt", "entfällt", "verschoben", …)."""
    if not text:
        return None
    lowered = text.lower()
    if not any(hint in lowered for hint in _STATUS_HINTS):
        return None
    for status, pattern in _STATUS_WORDS:
        if pattern.search(text):
            return status
    return None


def strip_status_prefix(title: str) -> str:
    """'CANCELLED - Typhoon' -> 'Typhoon' (the status is kept separately)."""
    stripped = _STATUS_PREFIX.sub("", title, count=1)
    return stripped if len(stripped) >= 3 else title


def status_from_schema(value: str | None) -> EventStatus | None:
    if not value:
        return None
    name = value.rstrip("/").rsplit("/", 1)[-1].lower()
    return {
        "eventcancelled": EventStatus.CANCELLED,
        "eventcanceled": EventStatus.CANCELLED,
        "eventpostponed": EventStatus.POSTPONED,
        "eventmovedonline": EventStatus.MOVED_ONLINE,
        "eventrescheduled": EventStatus.SCHEDULED,
        "eventscheduled": EventStatus.SCHEDULED,
    }.get(name)


def attendance_from_mode(value: str | None) -> Attendance | None:
    if not value:
        return None
    name = value.rstrip("/").rsplit("/", 1)[-1].lower()
    return {
        "offlineeventattendancemode": Attendance.OFFLINE,
        "onlineeventattendancemode": Attendance.ONLINE,
        "mixedeventattendancemode": Attendance.MIXED,
    }.get(name)


_COUNTRIES = {
    "de": "DE", "deu": "DE", "germany": "DE", "deutschland": "DE", "at": "AT", "aut": "AT",
    "austria": "AT", "österreich": "AT", "ch": "CH", "che": "CH", "switzerland": "CH", "schweiz": "CH",
    "uk": "GB", "gb": "GB", "united kingdom": "GB", "great britain": "GB", "us": "US", "usa": "US",
    "united states": "US", "united states of america": "US", "fr": "FR", "france": "FR", "frankreich": "FR",
    "nl": "NL", "netherlands": "NL", "niederlande": "NL", "it": "IT", "italy": "IT", "italien": "IT",
    "pl": "PL", "poland": "PL", "polen": "PL", "be": "BE", "belgium": "BE", "belgien": "BE",
    "lu": "LU", "luxembourg": "LU", "luxemburg": "LU", "dk": "DK", "denmark": "DK", "dänemark": "DK",
    "es": "ES", "spain": "ES", "spanien": "ES", "cz": "CZ", "czechia": "CZ", "tschechien": "CZ",
}  # fmt: skip


def country_code(value: str | None) -> str | None:
    """ISO 3166-1 alpha-2 from a code or a common German/English country name."""
    if not value:
        return None
    key = value.strip().lower().rstrip(".")
    if key in _COUNTRIES:
        return _COUNTRIES[key]
    if re.fullmatch(r"[a-z]{2}", key):
        return key.upper()
    return None


_CURRENCIES = {"€": "EUR", "eur": "EUR", "euro": "EUR", "$": "USD", "usd": "USD", "chf": "CHF",
               "fr.": "CHF", "£": "GBP", "gbp": "GBP"}
FREE_WORDING = re.compile(
    r"\b(?:kostenlos|kostenfrei|gebührenfrei|unentgeltlich|eintritt\s+(?:ist\s+)?frei|freier\s+eintritt|"
    r"ohne\s+(?:teilnahme)?gebühr|free\s+(?:of\s+charge|admission|entry)|admission\s+(?:is\s+)?free|"
    r"no\s+charge|entry\s+is\s+free|^free$)\b",
    re.I,
)
_AMOUNT = re.compile(
    r"(?P<pre>€|EUR|\$|USD|CHF|£)?\s*(?P<amount>\d{1,5}(?:[.,]\d{3})*(?:[.,]\d{1,2})?)(?:,-|\.-)?\s*"
    r"(?P<post>€|EUR|Euro|\$|USD|CHF|Fr\.|£)?",
    re.I,
)
PRICE_CUES = re.compile(
    r"(?:Eintritt|Teilnahmegebühr|Teilnahmebeitrag|Kosten|Gebühr|Preis|Ticket(?:s|preis)?|Unkostenbeitrag|"
    r"Seminargebühr|Kursgebühr|Beitrag|Price|Admission|Fee|Cost)\b",
    re.I,
)


def parse_price(text: str | None) -> Price | None:
    """A price from text such as "Teilnahmegebühr: 50 Euro", "kostenlos", "169 €" or "$13.00"."""
    if not text:
        return None
    text = " ".join(text.split())
    if FREE_WORDING.search(text):
        return Price(free=True, amount=0.0, text=text[:120])
    for match in _AMOUNT.finditer(text):
        currency_mark = match.group("pre") or match.group("post")
        raw = match.group("amount")
        if not currency_mark and not re.fullmatch(r"\d+(?:[.,]\d{1,2})?", text.strip()):
            continue
        amount = _number(raw)
        if amount is None:
            continue
        currency = _CURRENCIES.get((currency_mark or "").lower()) if currency_mark else None
        return Price(free=amount == 0, amount=amount, currency=currency, text=text[:120])
    return None


def _number(raw: str) -> float | None:
    if re.fullmatch(r"\d{1,3}(?:\.\d{3})+(?:,\d{1,2})?", raw):  # 1.250,00
        raw = raw.replace(".", "").replace(",", ".")
    elif re.fullmatch(r"\d{1,3}(?:,\d{3})+(?:\.\d{1,2})?", raw):  # 1,250.00
        raw = raw.replace(",", "")
    else:
        raw = raw.replace(",", ".")
    try:
        return float(raw)
    except ValueError:
        return None


REGISTRATION_LINK = re.compile(
    r"\b(?:anmeld\w*|zur\s+anmeldung|jetzt\s+anmelden|registrier\w*|tickets?|karten|buchen|"
    r"register|registration|sign\s*up|rsvp|book\s+now|get\s+tickets)\b",
    re.I,
)
DEADLINE_CUE = re.compile(
    r"(?:anmeldeschluss|anmeldefrist|anmeldung(?:en)?\s+(?:ist\s+|sind\s+)?(?:bitte\s+)?(?:bis|spätestens)|"
    r"anmelden\s+(?:bis|spätestens)|bewerbungsschluss|einsendeschluss|frühbucher\w*|"
    r"registration\s+(?:deadline|closes|ends)|register\s+by|deadline|rsvp\s+by)"
    r"(?:\s+(?:hierfür|dafür|für\s+\w+|ist|am|is|on|the))*\s*:?\s*(?:am|den|the)?\s*$",
    re.I,
)
DEADLINE_AFTER = re.compile(r"^\s*(?:möglich|anmelden|angemeldet|registrieren|zur\s+anmeldung)", re.I)

_GERMAN_WORDS = "der die das und mit für von im am zum zur ist ein eine auf des den dem wir sie uhr bei nicht auch wird"
_ENGLISH_WORDS = "the and with for from of in on at to is a an be are we you will this that by or"
_GERMAN = frozenset(re.findall(r"\S+", _GERMAN_WORDS))
_ENGLISH = frozenset(re.findall(r"\S+", _ENGLISH_WORDS))


def detect_language(text: str) -> str | None:
    """'de' or 'en' from function words; None when the text is too short to tell."""
    words = re.findall(r"[a-zäöüß]+", text.lower())
    if len(words) < 6:
        return None
    german = sum(word in _GERMAN for word in words)
    english = sum(word in _ENGLISH for word in words)
    if german == english or max(german, english) < 2:
        return None
    return "de" if german > english else "en"
