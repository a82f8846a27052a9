"""The web app's words in German and English, and dates written the way each language writes them.

German is the default; `?lang=en` or a browser that prefers English switches. Labels of sector,
topic, format and audience codes come from config/ (search/vocabulary.py), not from here.
"""

from __future__ import annotations

from datetime import datetime

LANGUAGES = ("de", "en")
DEFAULT_LANGUAGE = "de"

MESSAGES: dict[str, dict[str, str]] = {
    "de": {
        "tagline": "Veranstaltungen, bei denen der Mittelstand ist",
        "directory": "Verbände & Kammern",
        "skip": "Zum Inhalt springen",
        "language": "Sprache",
        "search": "Suche",
        "search_label": "Veranstaltungen suchen",
        "search_placeholder": "z. B. Maschinenbau, Verpackung, Wasserstoff",
        "search_button": "Suchen",
        "filters": "Filter",
        "apply": "Filter anwenden",
        "reset": "Alle Filter zurücksetzen",
        "sectors": "Branche",
        "topics": "Thema",
        "format": "Format",
        "audience": "Zielgruppe",
        "audience_all": "Alle Zielgruppen",
        "audience_hint": "Voreingestellt: Mittelstand & KMU sowie Start-ups und Mittelstand",
        "region": "Bundesland",
        "place": "Ort",
        "near": "Ort oder Postleitzahl",
        "km": "Umkreis",
        "km_value": "{km} km",
        "when": "Zeitraum",
        "from": "Ab",
        "to": "Bis",
        "upcoming": "Alle kommenden",
        "P7D": "Nächste 7 Tage",
        "P30D": "Nächste 30 Tage",
        "P3M": "Nächste 3 Monate",
        "P6M": "Nächste 6 Monate",
        "P12M": "Nächste 12 Monate",
        "until_date": "bis {date}",
        "attendance": "Teilnahme",
        "attendance_any": "Vor Ort und online",
        "attendance_offline": "Vor Ort",
        "attendance_online": "Online",
        "attendance_mixed": "Hybrid",
        "free": "Nur kostenlose",
        "free_badge": "kostenlos",
        "sort": "Sortierung",
        "sort_relevance": "Relevanz",
        "sort_date": "Datum",
        "sort_sme": "KMU-Anteil",
        "sort_distance": "Entfernung",
        "results": "Ergebnisse",
        "count_one": "1 Veranstaltung",
        "count_many": "{count} Veranstaltungen",
        "count_near": "im Umkreis von {km} km um {place}",
        "none": "Keine Veranstaltungen gefunden. Weniger Filter oder andere Suchwörter helfen.",
        "pages": "Seiten",
        "previous": "Zurück",
        "next": "Weiter",
        "page_of": "Seite {page} von {pages}",
        "online": "online",
        "hybrid": "hybrid",
        "km_away": "{km} km entfernt",
        "cancelled": "abgesagt",
        "postponed": "verschoben",
        "moved_online": "findet online statt",
        "scheduled": "geplant",
        "sme_score": "KMU-Anteil {score} %",
        "feeds": "Diese Suche als Feed",
        "feed_ics": "Kalender abonnieren (.ics)",
        "feed_atom": "Atom-Feed",
        "feed_json": "JSON",
        "subscribe_title": "Diese Suche wöchentlich per E-Mail",
        "subscribe_text": "Jede Woche die neuen Veranstaltungen zu dieser Suche. Sie bestätigen per E-Mail; "
        "abmelden geht mit einem Klick.",
        "email": "E-Mail-Adresse",
        "subscribe_button": "Abonnieren",
        "event": "Veranstaltung",
        "date": "Termin",
        "all_day": "ganztägig",
        "venue": "Veranstaltungsort",
        "organizer": "Veranstalter",
        "organizer_events": "Alle Veranstaltungen von {name}",
        "organizer_website": "Website des Veranstalters",
        "why_sme": "Warum diese Einordnung?",
        "evidence": "Hinweise",
        "why_sector": "Warum diese Branchen?",
        "price": "Kosten",
        "language_of_event": "Sprache",
        "registration": "Anmeldung",
        "registration_deadline": "Anmeldeschluss",
        "description": "Beschreibung",
        "source": "Quelle",
        "source_link": "Zur Veranstaltungsseite",
        "add_to_calendar": "Zum Kalender hinzufügen (.ics)",
        "why_short": "{label}, weil:",
        "ics_short": "In den Kalender (.ics)",
        "first_seen": "Zuerst gefunden",
        "updated": "Zuletzt geändert",
        "back": "Zur Suche",
        "organiser_title": "Veranstaltungen von {name}",
        "organiser_none": "Zurzeit keine kommenden Veranstaltungen.",
        "not_found": "Nicht gefunden",
        "not_found_text": "Diese Seite gibt es nicht (mehr).",
        "unavailable": "Die Suche ist gerade nicht erreichbar. Bitte später erneut versuchen.",
        "bad_request": "Diese Suche konnte nicht ausgeführt werden.",
        "error_near": "Den Ort „{value}“ kennen wir nicht. Bitte einen Ortsnamen oder eine Postleitzahl angeben.",
        "error_param": "Der Wert „{value}“ für „{param}“ ist ungültig: {message}",
        "kinds.chamber": "Kammer",
        "kinds.crafts_chamber": "Handwerkskammer",
        "kinds.association": "Verband",
        "kinds.cluster": "Cluster",
        "kinds.public_agency": "Öffentliche Einrichtung",
        "kinds.research": "Forschung",
        "kinds.company": "Unternehmen",
        "kinds.startup_org": "Start-up-Organisation",
        "kinds.unknown": "",
        "free_true": "kostenlos",
        "free_false": "kostenpflichtig",
    },
    "en": {
        "tagline": "Events where the Mittelstand meets",
        "directory": "Associations & chambers",
        "skip": "Skip to content",
        "language": "Language",
        "search": "Search",
        "search_label": "Search events",
        "search_placeholder": "e.g. mechanical engineering, packaging, hydrogen",
        "search_button": "Search",
        "filters": "Filters",
        "apply": "Apply filters",
        "reset": "Reset all filters",
        "sectors": "Sector",
        "topics": "Topic",
        "format": "Format",
        "audience": "Audience",
        "audience_all": "All audiences",
        "audience_hint": "Default: SMEs & Mittelstand, and startups meeting established companies",
        "region": "State",
        "place": "Place",
        "near": "Town or postcode",
        "km": "Radius",
        "km_value": "{km} km",
        "when": "Dates",
        "from": "From",
        "to": "Until",
        "upcoming": "All upcoming",
        "P7D": "Next 7 days",
        "P30D": "Next 30 days",
        "P3M": "Next 3 months",
        "P6M": "Next 6 months",
        "P12M": "Next 12 months",
        "until_date": "until {date}",
        "attendance": "Attendance",
        "attendance_any": "On site and online",
        "attendance_offline": "On site",
        "attendance_online": "Online",
        "attendance_mixed": "Hybrid",
        "free": "Free events only",
        "free_badge": "free",
        "sort": "Sort by",
        "sort_relevance": "Relevance",
        "sort_date": "Date",
        "sort_sme": "SME share",
        "sort_distance": "Distance",
        "results": "Results",
        "count_one": "1 event",
        "count_many": "{count} events",
        "count_near": "within {km} km of {place}",
        "none": "No events found. Fewer filters or other words may help.",
        "pages": "Pages",
        "previous": "Previous",
        "next": "Next",
        "page_of": "Page {page} of {pages}",
        "online": "online",
        "hybrid": "hybrid",
        "km_away": "{km} km away",
        "cancelled": "cancelled",
        "postponed": "postponed",
        "moved_online": "moved online",
        "scheduled": "scheduled",
        "sme_score": "SME share {score} %",
        "feeds": "This search as a feed",
        "feed_ics": "Subscribe in a calendar (.ics)",
        "feed_atom": "Atom feed",
        "feed_json": "JSON",
        "subscribe_title": "Get this search weekly",
        "subscribe_text": "Every week, the new events matching this search. You confirm by email; "
        "unsubscribing takes one click.",
        "email": "Email address",
        "subscribe_button": "Subscribe",
        "event": "Event",
        "date": "Date",
        "all_day": "all day",
        "venue": "Venue",
        "organizer": "Organiser",
        "organizer_events": "All events by {name}",
        "organizer_website": "Organiser's website",
        "why_sme": "Why this audience?",
        "evidence": "Evidence",
        "why_sector": "Why these sectors?",
        "price": "Price",
        "language_of_event": "Language",
        "registration": "Registration",
        "registration_deadline": "Registration deadline",
        "description": "Description",
        "source": "Source",
        "source_link": "Event page at the source",
        "add_to_calendar": "Add to calendar (.ics)",
        "why_short": "{label} because:",
        "ics_short": "Add to calendar (.ics)",
        "first_seen": "First found",
        "updated": "Last changed",
        "back": "Back to search",
        "organiser_title": "Events by {name}",
        "organiser_none": "No upcoming events at the moment.",
        "not_found": "Not found",
        "not_found_text": "This page does not exist (any more).",
        "unavailable": "Search is unavailable right now. Please try again later.",
        "bad_request": "This search could not be run.",
        "error_near": "We do not know the place “{value}”. Please give a town name or a postcode.",
        "error_param": "The value “{value}” for “{param}” is not valid: {message}",
        "kinds.chamber": "Chamber",
        "kinds.crafts_chamber": "Chamber of crafts",
        "kinds.association": "Association",
        "kinds.cluster": "Cluster",
        "kinds.public_agency": "Public agency",
        "kinds.research": "Research",
        "kinds.company": "Company",
        "kinds.startup_org": "Startup organisation",
        "kinds.unknown": "",
        "free_true": "free",
        "free_false": "paid",
    },
}

_WEEKDAYS = {"de": ("Mo", "Di", "Mi", "Do", "Fr", "Sa", "So"), "en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")}
_MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def choose_language(requested: str | None, accept_language: str | None) -> str:
    """`?lang=` when valid, else the first supported language the browser prefers, else German."""
    if requested in LANGUAGES:
        return requested
    for part in (accept_language or "").split(","):
        code = part.split(";")[0].strip().lower()[:2]
        if code in LANGUAGES:
            return code
    return DEFAULT_LANGUAGE


def translate(lang: str, key: str, **values: object) -> str:
    """The message `key` in `lang` with `values` filled in (German, then the key, as fallbacks)."""
    text = MESSAGES.get(lang, {}).get(key) or MESSAGES[DEFAULT_LANGUAGE].get(key, key)
    return text.format(**values) if values else text


def _day(moment: datetime, lang: str) -> str:
    weekday = _WEEKDAYS[lang][moment.weekday()]
    if lang == "en":
        return f"{weekday} {moment.day} {_MONTHS_EN[moment.month - 1]} {moment.year}"
    return f"{weekday} {moment:%d.%m.%Y}"


def format_when(start: str | None, end: str | None, all_day: bool, lang: str) -> str:
    """An event's dates in its own local time: "Di 12.03.2026, 09:30–16:00", "Tue 12 Mar 2026"."""
    if not start:
        return ""
    first = datetime.fromisoformat(start)
    last = datetime.fromisoformat(end) if end else None
    text = _day(first, lang)
    if last is not None and last.date() != first.date():
        if all_day:
            return f"{text} – {_day(last, lang)}"
        return f"{text}, {first:%H:%M} – {_day(last, lang)}, {last:%H:%M}"
    if all_day:
        return text
    if last is not None and last != first:
        return f"{text}, {first:%H:%M}–{last:%H:%M}"
    return f"{text}, {first:%H:%M}"


def format_date(value: datetime | None, lang: str) -> str:
    """A day as the language writes it ("Di 12.03.2026", "Tue 12 Mar 2026")."""
    return _day(value, lang) if value else ""
