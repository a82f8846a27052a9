"""Rung 4 for a page about one event: title, date, place and the rest from the page's text.

The hard part is saying no. A news article, a press release or a report of a past event has a
headline and dates too; it becomes an event only when the page reads like an event page: an
event noun in the headline, a date with a time close to the headline, labelled date fields,
an event-like address, registration. Articles and reports count against it, a headline in the
plural ("Veranstaltungstipps", "Neue Online-Seminare") makes it a listing, not one event.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from crawler.extract.dating import aware, is_upcoming, parse_text_when, spans, when_fields
from crawler.extract.fields import (
    Labelled,
    deadline_positions,
    is_deadline,
    is_online_place,
    labelled_fields,
    location_in,
    organizer_from,
    price_in,
    registration_link,
    town_in,
)
from crawler.extract.page import Page, clean_text
from crawler.extract.wording import detect_language, status_from_text, strip_status_prefix
from kontext.records import Event, Venue
from kontext.vocabulary import Attendance, EventStatus, Extraction
from pipelines.dates import When

log = logging.getLogger(__name__)

EVENT_NOUN = re.compile(
    r"(?:veranstaltung|tagung|konferenz|kongress|messe|seminar|webinar|workshop|werkstatt|forum|symposium|"
    r"summit|gipfel|meetup|stammtisch|treffen|treff|sprechtag|sprechstunde|infoabend|informationsabend|infotag|"
    r"vortrag|lesung|diskussion|fachgespräch|empfang|festival|ausstellung|exkursion|führung|lehrgang|schulung|"
    r"training|hackathon|barcamp|sommercamp|bootcamp|pitch|plenum|sitzung|versammlung|meeting|hearing|"
    r"conference|congress|expo|exhibition|convention|session|lecture|panel|frühstück|lunch|dinner|gala|"
    r"preisverleihung|verleihung|award|wettbewerb|challenge|klimastreik|demo|kundgebung|roadshow|radtour|tour|"
    r"party|feier|fest|weihnachtsmarkt|mittelaltermarkt|flohmarkt|trödelmarkt|bauernmarkt|wochenmarkt|"
    r"adventsmarkt|ostermarkt|jahrmarkt|kunsthandwerkermarkt|handwerkermarkt|markt|kurs|webtalk|talk|"
    r"sprints?|day|tag der offenen tür|open house|tagesfahrt|begehung|kolloquium|akademie|forum|"
    r"abend|nacht|konzert|aufführung|premiere|show|turnier|lauf|rallye|ride|streik|camp|jam|course|class|fair)"
    r"(?:en|e|s)?\b",
    re.I,
)
_NOT_EVENT_WORDS = re.compile(
    r"\b(?:diskurs|exkurs|konkurs|\w*wechselkurs|aktienkurs|sparkurs|arbeitsmarkt|\w*strommarkt|"
    r"immobilienmarkt|\w*finanzmarkt|binnenmarkt|stellenmarkt|wohnungsmarkt|\w*demokratie|birthday|holiday|"
    r"today|someday|feiertag|alltag|dienstag|montag|mittwoch|donnerstag|freitag|samstag|sonntag|vortag)\b",
    re.I,
)
LISTING_HEADLINE = re.compile(
    r"\b(?:\w*veranstaltungen|veranstaltungstipps|\w*tipps|\w*termine|terminvorschau|terminübersicht|\w*events|"
    r"\w*seminare|\w*webinare|\w*workshops|\w*kurse|vorschau|wochenende|\w*kalender|highlights|übersicht|"
    r"programm|\w*märkte|\w*feste|messen|\w*tagungen|\w*konferenzen|\w*kongresse|\w*führungen|\w*vorträge|"
    r"\w*ausstellungen|\w*festivals|\w*konzerte|meetings|calendar|things to do|upcoming)\b",
    re.I,
)
REPORT = re.compile(
    r"(?:\bfand(?:en)?\b[^.!?\n]{0,80}\bstatt\b|\bhatte(?:n)?\b[^.!?\n]{0,60}\beingeladen\b|\btrafen sich\b|"
    r"\bkamen\b[^.!?\n]{0,40}\bzusammen\b|\bwar ein (?:voller )?erfolg\b|\bzog(?:en)?\b[^.!?\n]{0,30}\bbilanz\b|"
    r"\brückblick\b|\bnachbericht\b|\bberichte? vo[mn]\b|\bbesuchten\b|\bbegrüßte\b|\bdiskutierten\b|"
    r"\btook place\b|\bwas held\b|\bwere held\b|\bgathered\b|\brecap\b|\bwrap-?up\b|\blooking back\b)",
    re.I,
)
EVENT_VERBS = re.compile(
    r"(?:\b(?:lädt|laden|lud)\b[^.!?\n]{0,100}\b(?:ein|zu|zum|zur)\b|\bfinde[nt]\b[^.!?\n]{0,100}\bstatt\b|"
    r"\bbeginnt\b|\böffnet\b[^.!?\n]{0,40}\btüren\b|\bteilzunehmen\b|\bteilnehmen\b|\beingeladen\b|"
    r"\berwartet\b|\bveranstaltet\b|\bbietet\b[^.!?\n]{0,80}\ban\b|\bwill take place\b|\btakes place\b|"
    r"\bjoin us\b|\binvites?\b|\bwill be hosting\b|\bwill host\b|\bis hosting\b|\bregistration\b|"
    r"\banmeldung\b|\beintritt\b|\btickets?\b|\bprogramm\b|\bwill be held\b|\bwill meet\b|\bwill start\b)",
    re.I,
)
_EVENT_URL = re.compile(
    r"/(?:[\w-]*(?:veranstaltung|event|termin|seminar|kurs|workshop|webinar|tagung|messe|kongress|meetup|"
    r"kalender|calendar|meeting|hearing|hackathon|konferenz|conference|programm|akademie)[\w-]*)(?:/|$|\.|\?)",
    re.I,
)
_ARTICLE_URL = re.compile(r"/(?:news|nachrichten|presse|pressemitteilung\w*|blog|aktuelles|artikel|article)s?/", re.I)
_ARTICLE_TYPES = {"NewsArticle", "Article", "BlogPosting", "Report", "ReportageNewsArticle", "AnalysisNewsArticle"}
_BYLINE = re.compile(
    r"\b(?:veröffentlicht|gespeichert|erstellt|geändert|aktualisiert|posted|published|updated|stand|"
    r"geschrieben|written|autor|author)\b",
    re.I,
)
_TRAILING_DATE_IN_TITLE = re.compile(r"[\s,:–—-]+$")


def has_event_noun(text: str) -> bool:
    return bool(EVENT_NOUN.search(_NOT_EVENT_WORDS.sub(" ", text)))


def is_news(page: Page) -> bool:
    """A news item, blog post or press release: article markup, a publication time, or a news address.

    Stricter than `is_article`: many CMS mark every page og:type "article".
    """
    return (
        bool(page.ld_types & _ARTICLE_TYPES)
        or "article:published_time" in page.metas
        or bool(_ARTICLE_URL.search(page.url))
    )


def about_events(page: Page) -> bool:
    """The headline is about events ("Neue Online-Seminare", "Veranstaltungstipps", "Jahrestagung 2025")."""
    return bool(page.headline) and (has_event_noun(page.headline) or bool(LISTING_HEADLINE.search(page.headline)))


def is_article(page: Page) -> bool:
    """News, blog post, press release: by og:type, schema.org types or URL."""
    return (
        page.og_type == "article"
        or bool(page.ld_types & _ARTICLE_TYPES)
        or bool(_ARTICLE_URL.search(page.url))
    )


@dataclass
class Candidate:
    """A date phrase that might be the event's date, with why."""

    begin: int
    end: int
    when: When
    score: float


def _choose_date(text: str, headline_at: int, page: Page, deadlines: list[tuple[int, int]]) -> Candidate | None:
    best: Candidate | None = None
    for begin, end, when in spans(text, page):
        if (begin, end) in deadlines or is_deadline(text, begin, end):
            continue
        if not is_upcoming(when, page, grace_days=0):
            continue
        line_start = text.rfind("\n", 0, begin) + 1
        line_end = text.find("\n", end)
        line = text[line_start : line_end if line_end != -1 else len(text)]
        before = text[line_start:begin]
        if _BYLINE.search(before):
            continue
        day = when.start.date() if isinstance(when.start, datetime) else when.start
        only_date = len(clean_text(line)) <= end - begin + 3
        if only_date and not isinstance(when.start, datetime) and (
            day == page.published or (page.published is None and day == page.now.date())
        ):
            continue  # a byline date, not the event's
        score = 0.0
        if isinstance(when.start, datetime):
            score += 3
        if when.end is not None:
            score += 1
        distance = begin - headline_at
        if -400 <= distance <= 700:
            score += 2
        elif -400 <= distance <= 1800:
            score += 1
        sentence = text[max(0, begin - 150) : end + 150]
        if EVENT_VERBS.search(sentence):
            score += 1
        score -= max(0, distance) / 4000
        if best is None or score > best.score:
            best = Candidate(begin, end, when, score)
    return best


def _labelled_when(labelled: Labelled, page: Page) -> When | None:
    start = labelled.first("date")
    if not start:
        return None
    time_text = labelled.first("time")
    end = labelled.first("end")
    phrase = start.split("\n")[0]
    if time_text and not re.search(r"\d[:.]\d\d|\buhr\b", phrase, re.I):
        phrase = f"{phrase} {time_text}"
    when = parse_text_when(phrase, page)
    if when is None:
        return None
    if end:
        end_when = parse_text_when(end.split("\n")[0], page)
        if end_when is not None and end_when.start != when.start:
            when = When(start=when.start, end=end_when.start)
    return when


def clean_title(title: str, page: Page) -> str:
    """A headline without a trailing date ("… Language April 30, 2022") or status prefix."""
    title = strip_status_prefix(clean_text(title))
    found = spans(title, page)
    if found:
        begin, end, _ = found[-1]
        if end >= len(title.rstrip(" .")) - 1 and begin > len(title) * 0.4:
            title = _TRAILING_DATE_IN_TITLE.sub("", title[:begin])
    return title.strip(" -–—|:")


def _labels_near_headline(page: Page) -> Labelled:
    """Labelled fields around the headline; the page's sidebars too when the running text has no date label."""
    text = page.main_text
    headline_at = _find(text, page.headline)
    labelled = labelled_fields(text[max(0, headline_at - 400) : headline_at + 2000].split("\n"))
    if labelled.first("date") is None:
        # The date box of an event page often sits in a sidebar, outside the running text.
        content = page.content_text
        at = _find(content, page.headline)
        boxed = labelled_fields(content[max(0, at - 400) : at + 6000].split("\n"))
        if boxed.first("date") is not None:
            return boxed
    return labelled


def has_date_labels(page: Page) -> bool:
    """The running text labels a date ("Datum:", "Beginn:", "When:") near the headline: an event's own page."""
    if not page.headline:
        return False
    text = page.main_text
    at = _find(text, page.headline)
    return labelled_fields(text[max(0, at - 400) : at + 2000].split("\n")).first("date") is not None


def single_event(page: Page, listing: Sequence[Event] = ()) -> tuple[Event | None, bool]:
    """The page's one event, or None; and whether the page strongly reads as an event page.

    `listing` are the cards found on the page: a date read near the headline that belongs to one
    of them is that card's date, not the page's (a calendar's headline is no event).
    """
    headline = page.headline
    if not headline:
        return None, False
    text = page.main_text
    headline_at = _find(text, headline)
    window_start = max(0, headline_at - 400)
    window = text[window_start : headline_at + 2000]
    labelled = _labels_near_headline(page)
    event_url = bool(_EVENT_URL.search(page.url.split("#")[0]))
    event_title = has_event_noun(headline)
    named_as_event = bool(
        re.search(r"\b(?:veranstaltung|event|termin)\b", f"{page.html_title} {page.og_type}", re.I)
    )
    if labelled.first("date") is None and not (event_url or event_title or named_as_event):
        return None, False  # a date alone ("Mo–Fr 8 bis 16 Uhr geöffnet") does not make an event page
    deadline_spans, deadline = deadline_positions(window, page)
    when = _labelled_when(labelled, page)
    from_labels = when is not None and is_upcoming(when, page, grace_days=0)
    candidate = None
    if not from_labels:
        when = None
        candidate = _choose_date(window, headline_at - window_start, page, deadline_spans)
        when = candidate.when if candidate else None
        if candidate is not None and listing:
            written = window[candidate.begin : candidate.end]
            if any(written in event.description for event in listing):
                return None, False
    if when is None:
        return None, False

    score = 0.0
    if not (from_labels or event_url or event_title or named_as_event):
        return None, False
    if from_labels:
        score += 3
    if event_url:
        score += 2
    if event_title:
        score += 2
    if candidate is not None:
        if isinstance(candidate.when.start, datetime):
            score += 2
        if -400 <= candidate.begin - (headline_at - window_start) <= 700:
            score += 1
    head = window[: headline_at - window_start + 1500]
    if named_as_event:
        score += 1
    sentence = _sentence(window, candidate.begin, candidate.end) if candidate is not None else ""
    place_text, venue = _place(labelled, window, sentence, page)
    if venue is not None or place_text:
        score += 1
    if re.search(r"\b(?:anmeld\w*|registr\w*|tickets?|register)\b", head, re.I):
        score += 1
    if is_article(page):
        score -= 2
    if REPORT.search(f"{headline}\n{head}"):
        score -= 3
    if LISTING_HEADLINE.search(headline):
        score -= 4
    log.debug("single-event score %.1f for %r", score, headline[:60])
    if score < 3:
        return None, False

    title = clean_title(headline, page)
    if not title:
        return None, False
    description = text[headline_at + len(headline) : headline_at + len(headline) + 3000].strip()
    zone = ZoneInfo(page.timezone)
    fields = {
        "title": title,
        "description": description,
        "url": page.url,
        "source_urls": [page.url],
        "extraction": Extraction.HEURISTICS,
        "timezone": page.timezone,
        "image": page.absolute(page.meta("og:image")),
        "location_text": place_text,
        "venue": venue,
        "organizer": organizer_from(labelled.first("organizer")),
        "price": price_in(labelled, head),
        "registration_url": registration_link(page, page.main),
        "registration_deadline": deadline if deadline and deadline <= aware(when.start, zone) else None,
        "language": detect_language(f"{title} {description[:800]}") or page.language,
    }
    fields.update(when_fields(when, page))
    status = status_from_text(headline) or status_from_text(head[:1500])
    if status is not None:
        fields["status"] = status
    if is_online_place(place_text):
        fields["attendance"] = Attendance.ONLINE
        fields["venue"] = None
    if status is EventStatus.MOVED_ONLINE:
        fields["attendance"] = Attendance.ONLINE
    event = Event(**fields)
    return event, from_labels or score >= 6


def _find(text: str, headline: str) -> int:
    position = text.find(headline)
    if position == -1:
        position = text.lower().find(headline[:40].lower())
    return max(position, 0)


def _sentence(text: str, begin: int, end: int) -> str:
    start = max(text.rfind(". ", 0, begin), text.rfind("\n", 0, begin)) + 1
    stops = [position for position in (text.find(". ", end), text.find("\n", end)) if position != -1]
    return text[start : min(stops) if stops else len(text)]


def _place(labelled: Labelled, window: str, sentence: str, page: Page) -> tuple[str | None, Venue | None]:
    """The venue: a place label, else an address with a postcode, else a town named where the date is."""
    value = labelled.first("place")
    if value:
        if is_online_place(value):
            return value.split("\n")[0], None
        return value, town_in(value, page)
    place_text, venue = location_in(window[:4000], page)
    if venue is not None:
        return place_text, venue
    venue = town_in(sentence[:400], page) if sentence else None
    if venue is not None:
        return venue.city, venue
    return None, None
