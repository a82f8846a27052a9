"""The bundled sample site: invented German event calendars, served over real HTTP.

`make run`, `kontext demo` and the end-to-end tests crawl it instead of the internet. Its content
lives in examples/sample_site/ (YAML for organisers, venues, events and articles; Jinja2 templates)
and copies the shapes of real chamber, association, cluster, startup and market pages: JSON-LD,
microdata, plain HTML with "Termin:"/"Ort:" blocks and year-less dates, iCalendar feeds, paginated
listings, a press release and a report that only *mention* events.

Every date is relative to a `today` (default: the real today in Europe/Berlin), so the events
always lie in the future when the site is served. `render()` is pure: the same path and `today`
give the same bytes. `expected_events()` is the ground truth built from the same data the pages
render, for tests and evaluations.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from email.utils import format_datetime
from functools import cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, urlsplit
from xml.sax.saxutils import escape as xml_escape
from zoneinfo import ZoneInfo

import icalendar
import jinja2
import yaml
from markupsafe import Markup

from kontext.errors import UserError
from kontext.vocabulary import AudienceLabel, EventFormat, EventStatus, OrganizerKind

logger = logging.getLogger(__name__)

SITE_DIR = Path(__file__).resolve().parent.parent / "examples" / "sample_site"
CONTENT_DIR = SITE_DIR / "content"
TEMPLATE_DIR = SITE_DIR / "templates"
BERLIN = ZoneInfo("Europe/Berlin")
DEFAULT_BASE_URL = "http://127.0.0.1"

HTML = "text/html; charset=utf-8"
CALENDAR = "text/calendar; charset=utf-8"
TEXT = "text/plain; charset=utf-8"
XML = "application/xml; charset=utf-8"

WEEKDAY_KEYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
WEEKDAYS_DE = ("Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag")
WEEKDAYS_EN = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONTHS_DE = (
    "Januar",
    "Februar",
    "März",
    "April",
    "Mai",
    "Juni",
    "Juli",
    "August",
    "September",
    "Oktober",
    "November",
    "Dezember",
)
MONTHS_EN = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)

SCHEMA_STATUS = {
    EventStatus.SCHEDULED: "https://schema.org/EventScheduled",
    EventStatus.CANCELLED: "https://schema.org/EventCancelled",
    EventStatus.POSTPONED: "https://schema.org/EventPostponed",
    EventStatus.MOVED_ONLINE: "https://schema.org/EventMovedOnline",
}
SCHEMA_ATTENDANCE = {
    "offline": "https://schema.org/OfflineEventAttendanceMode",
    "online": "https://schema.org/OnlineEventAttendanceMode",
    "mixed": "https://schema.org/MixedEventAttendanceMode",
}
ICS_STATUS = {
    EventStatus.SCHEDULED: "CONFIRMED",
    EventStatus.CANCELLED: "CANCELLED",
    EventStatus.POSTPONED: "TENTATIVE",
    EventStatus.MOVED_ONLINE: "CONFIRMED",
}
MARKUPS = ("jsonld", "microdata", "ics", "none")
# No event falls on these days (month, day); weekly series skip them with EXDATE, as real calendars do.
HOLIDAYS = {(12, 24), (12, 25), (12, 26), (12, 31), (1, 1)}
# Robots.txt keeps crawlers out of this prefix; pages under it are not in the sitemap or expected events.
PRIVATE_PREFIX = "/intern/"
MAX_DAYS = 60


class SampleSiteError(UserError):
    """The sample site's content is missing or inconsistent; the message names the file and entry."""


def _is_holiday(day: date) -> bool:
    return (day.month, day.day) in HOLIDAYS


# ---------------------------------------------------------------------------------------------- content


@dataclass(frozen=True)
class When:
    """A date rule relative to today: `in_days` (+ `weekday`) or the `next` month-day after today."""

    in_days: int | None = None
    next_month_day: tuple[int, int] | None = None
    weekday: int | None = None
    days: int = 1
    start_time: time | None = None
    end_time: time | None = None

    def first_day(self, today: date) -> date:
        if self.next_month_day is not None:
            month, day = self.next_month_day
            candidate = date(today.year, month, day)
            if candidate <= today:
                candidate = date(today.year + 1, month, day)
            return candidate
        day = today + timedelta(days=self.in_days or 0)
        if self.weekday is not None:
            day += timedelta(days=(self.weekday - day.weekday()) % 7)
        # Nobody holds a seminar on Christmas Eve: move by whole weeks (same weekday), away from today
        # for past events so that they stay past.
        step = timedelta(weeks=-1 if (self.in_days or 0) < 0 else 1)
        while any(_is_holiday(day + timedelta(days=offset)) for offset in range(self.days)):
            day += step
        return day

    def resolve(self, today: date) -> tuple[datetime | date, datetime | date | None]:
        """Start and end: aware datetimes in Europe/Berlin, or dates for all-day events (end inclusive)."""
        first = self.first_day(today)
        last = first + timedelta(days=self.days - 1)
        if self.start_time is None:
            return first, (last if self.days > 1 else None)
        start = datetime.combine(first, self.start_time, tzinfo=BERLIN)
        end = datetime.combine(last, self.end_time, tzinfo=BERLIN) if self.end_time else None
        return start, end


@dataclass(frozen=True)
class Venue:
    key: str
    name: str
    street: str
    postcode: str
    city: str
    region: str
    country: str = "DE"

    @property
    def one_line(self) -> str:
        return f"{self.name}, {self.street}, {self.postcode} {self.city}"


@dataclass(frozen=True)
class Organiser:
    key: str
    name: str
    legal_name: str
    kind: OrganizerKind
    markup: str
    listing: str
    street: str
    postcode: str
    city: str
    region: str
    phone: str
    email: str
    tagline: str
    intro: str
    per_page: int | None = None
    feed: str | None = None


@dataclass(frozen=True)
class Price:
    free: bool
    amount: float | None
    text: str

    @property
    def schema_price(self) -> str:
        return f"{self.amount or 0:.2f}"


@dataclass(frozen=True)
class EventSpec:
    """One event page as written in content/events/<organiser>.yaml."""

    section: str  # the organiser whose pages carry it
    slug: str
    title: str
    schema_type: str | list[str]
    format: EventFormat
    audience: AudienceLabel
    sectors: tuple[str, ...]
    language: str
    status: EventStatus
    when: When
    venue: Venue | None
    online: str | None
    planned_venue: Venue | None
    price: Price
    summary: str
    description: str
    notice: str | None = None
    deadline_days: int | None = None
    repeat_weekly: int | None = None
    course_no: str | None = None
    same_as: str | None = None  # "<section>/<slug>" of the same event on another organiser's pages
    organiser_key: str = ""  # who organises it (differs from `section` for a partner's announcement)

    @property
    def attendance(self) -> str:
        if self.online and self.venue:
            return "mixed"
        return "online" if self.online else "offline"


@dataclass(frozen=True)
class Article:
    kind: str  # press | report | intern
    slug: str
    organiser_key: str
    title: str
    paragraphs: tuple[str, ...]
    published_days: int = 0
    teaser: str = ""
    mentions: str | None = None
    event_title: str | None = None
    when: When | None = None
    venue: Venue | None = None
    contact: str | None = None


@dataclass(frozen=True)
class Content:
    organisers: dict[str, Organiser]
    venues: dict[str, Venue]
    events: tuple[EventSpec, ...]
    press: tuple[Article, ...]
    reports: tuple[Article, ...]
    intern: tuple[Article, ...]
    by_ref: dict[str, EventSpec] = field(default_factory=dict)

    def organiser(self, key: str) -> Organiser:
        return self.organisers[key]


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SampleSiteError(
            f"{path} is missing: the sample site is read from the source checkout (pip install -e .)"
        ) from None
    except (OSError, yaml.YAMLError) as error:
        raise SampleSiteError(f"{path}: cannot read: {error}") from None
    if not isinstance(data, dict):
        raise SampleSiteError(f"{path}: expected a mapping at the top level")
    return data


def _parse_time(value: Any, where: str) -> time | None:
    if value is None:
        return None
    match = re.fullmatch(r"(\d{1,2}):(\d{2})", str(value))
    if not match:
        raise SampleSiteError(f"{where}: time {value!r} is not HH:MM (quote it in YAML)")
    return time(int(match[1]), int(match[2]))


def _parse_when(raw: Any, where: str) -> When:
    if not isinstance(raw, dict):
        raise SampleSiteError(f"{where}: 'when' must be a mapping")
    unknown = set(raw) - {"in_days", "next", "weekday", "days", "from", "to"}
    if unknown:
        raise SampleSiteError(f"{where}: unknown 'when' keys {sorted(map(str, unknown))}")
    if ("in_days" in raw) == ("next" in raw):
        raise SampleSiteError(f"{where}: 'when' needs exactly one of 'in_days' or 'next'")
    next_month_day = None
    if "next" in raw:
        match = re.fullmatch(r"(\d{2})-(\d{2})", str(raw["next"]))
        if not match:
            raise SampleSiteError(f"{where}: 'next' must be MM-DD, got {raw['next']!r}")
        next_month_day = (int(match[1]), int(match[2]))
        try:
            date(2001, *next_month_day)  # not a leap year: 02-29 would vanish in most years
        except ValueError:
            raise SampleSiteError(f"{where}: 'next' {raw['next']!r} is not a day of every year") from None
    weekday = raw.get("weekday")
    if weekday is not None and weekday not in WEEKDAY_KEYS:
        raise SampleSiteError(f"{where}: weekday {weekday!r} is not one of {', '.join(WEEKDAY_KEYS)}")
    days = int(raw.get("days", 1))
    if not 1 <= days <= MAX_DAYS:
        raise SampleSiteError(f"{where}: 'days' must be between 1 and {MAX_DAYS}")
    start_time = _parse_time(raw.get("from"), where)
    end_time = _parse_time(raw.get("to"), where)
    if end_time and not start_time:
        raise SampleSiteError(f"{where}: 'to' without 'from'")
    if days == 1 and start_time and end_time and end_time <= start_time:
        raise SampleSiteError(f"{where}: a one-day event must end after it starts")
    return When(
        in_days=int(raw["in_days"]) if "in_days" in raw else None,
        next_month_day=next_month_day,
        weekday=WEEKDAY_KEYS.index(weekday) if weekday else None,
        days=days,
        start_time=start_time,
        end_time=end_time,
    )


def _venue(venues: dict[str, Venue], key: Any, where: str) -> Venue | None:
    if key is None:
        return None
    if key not in venues:
        raise SampleSiteError(f"{where}: unknown venue {key!r}")
    return venues[key]


def _parse_price(raw: Any, where: str) -> Price:
    if not isinstance(raw, dict):
        raise SampleSiteError(f"{where}: 'price' must be a mapping")
    free = bool(raw.get("free", False))
    amount = raw.get("amount")
    if free == (amount is not None):
        raise SampleSiteError(f"{where}: 'price' needs either 'free: true' or an 'amount'")
    text = raw.get("text") or ("kostenlos" if free else f"{amount} €")
    return Price(free=free, amount=None if free else float(amount), text=str(text))


def _enum(kind: type, value: Any, where: str, name: str) -> Any:
    try:
        return kind(value)
    except ValueError:
        allowed = ", ".join(member.value for member in kind)
        raise SampleSiteError(f"{where}: {name} {value!r} is not one of {allowed}") from None


EVENT_KEYS = {
    "slug",
    "title",
    "type",
    "format",
    "audience",
    "sectors",
    "language",
    "status",
    "when",
    "venue",
    "online",
    "planned_venue",
    "price",
    "summary",
    "description",
    "notice",
    "deadline_days",
    "repeat",
    "course_no",
}
PARTNER_KEYS = {"slug", "same_as", "title", "summary", "description"}


def _parse_event(section: str, raw: dict[str, Any], venues: dict[str, Venue], where: str) -> EventSpec:
    unknown = set(raw) - EVENT_KEYS
    if unknown:
        raise SampleSiteError(f"{where} {raw.get('slug')!r}: unknown keys {sorted(map(str, unknown))}")
    for required in ("slug", "title", "when", "price", "summary", "description", "format", "audience"):
        if required not in raw:
            raise SampleSiteError(f"{where}: missing {required!r}")
    where = f"{where} {raw['slug']!r}"
    venue = _venue(venues, raw.get("venue"), where)
    online = raw.get("online")
    if venue is None and online is None:
        raise SampleSiteError(f"{where}: needs a 'venue', an 'online' URL or both")
    repeat = raw.get("repeat") or {}
    return EventSpec(
        section=section,
        slug=str(raw["slug"]),
        title=str(raw["title"]),
        schema_type=raw.get("type", "Event"),
        format=_enum(EventFormat, raw["format"], where, "format"),
        audience=_enum(AudienceLabel, raw["audience"], where, "audience"),
        sectors=tuple(raw.get("sectors") or ()),
        language=str(raw.get("language", "de")),
        status=_enum(EventStatus, raw.get("status", "scheduled"), where, "status"),
        when=_parse_when(raw["when"], where),
        venue=venue,
        online=online,
        planned_venue=_venue(venues, raw.get("planned_venue"), where),
        price=_parse_price(raw["price"], where),
        summary=" ".join(str(raw["summary"]).split()),
        description=" ".join(str(raw["description"]).split()),
        notice=" ".join(str(raw["notice"]).split()) if raw.get("notice") else None,
        deadline_days=raw.get("deadline_days"),
        repeat_weekly=repeat.get("weekly"),
        course_no=raw.get("course_no"),
        organiser_key=section,
    )


def _partner_event(section: str, raw: dict[str, Any], original: EventSpec) -> EventSpec:
    """An announcement of another organiser's event: same date and place, own title and text."""
    return replace(
        original,
        section=section,
        slug=str(raw["slug"]),
        title=str(raw.get("title", original.title)),
        summary=" ".join(str(raw.get("summary", original.summary)).split()),
        description=" ".join(str(raw.get("description", original.description)).split()),
        same_as=str(raw["same_as"]),
    )


def _parse_article(kind: str, raw: dict[str, Any], venues: dict[str, Venue], where: str) -> Article:
    where = f"{where} {kind} {raw.get('slug')!r}"
    if kind in ("report", "intern") and "when" not in raw:
        raise SampleSiteError(f"{where}: needs a 'when' (the date of the event it is about)")
    paragraphs = raw.get("paragraphs") or ([raw["description"]] if raw.get("description") else [])
    return Article(
        kind=kind,
        slug=str(raw["slug"]),
        organiser_key=str(raw.get("organiser", "vmn")),
        title=str(raw["title"]),
        paragraphs=tuple(" ".join(str(text).split()) for text in paragraphs),
        published_days=int(raw.get("published_days", 0)),
        teaser=" ".join(str(raw.get("teaser", "")).split()),
        mentions=raw.get("mentions"),
        event_title=raw.get("event_title"),
        when=_parse_when(raw["when"], where) if "when" in raw else None,
        venue=_venue(venues, raw.get("venue"), where),
        contact=raw.get("contact"),
    )


@cache
def load_content(content_dir: Path = CONTENT_DIR) -> Content:
    """Read and cross-check the site's YAML once per process."""
    organisers: dict[str, Organiser] = {}
    for raw in _read_yaml(content_dir / "organisers.yaml").get("organisers", []):
        where = f"organisers.yaml {raw.get('key')!r}"
        if raw.get("markup") not in MARKUPS:
            raise SampleSiteError(f"{where}: markup must be one of {', '.join(MARKUPS)}")
        try:
            organisers[raw["key"]] = Organiser(**{**raw, "kind": _enum(OrganizerKind, raw["kind"], where, "kind")})
        except TypeError as error:
            raise SampleSiteError(f"{where}: {error}") from None
    venues: dict[str, Venue] = {}
    for key, raw in _read_yaml(content_dir / "venues.yaml").get("venues", {}).items():
        try:
            venues[key] = Venue(key=key, **raw)
        except TypeError as error:
            raise SampleSiteError(f"venues.yaml {key!r}: {error}") from None

    events: list[EventSpec] = []
    partners: list[tuple[str, dict[str, Any]]] = []
    for key in organisers:
        path = content_dir / "events" / f"{key}.yaml"
        for raw in _read_yaml(path).get("events", []):
            if "same_as" in raw:
                if set(raw) - PARTNER_KEYS:
                    raise SampleSiteError(
                        f"{path.name} {raw.get('slug')!r}: a same_as entry takes only {', '.join(sorted(PARTNER_KEYS))}"
                    )
                partners.append((key, raw))
            else:
                events.append(_parse_event(key, raw, venues, path.name))
    by_ref = {f"{event.section}/{event.slug}": event for event in events}
    for key, raw in partners:
        if raw["same_as"] not in by_ref:
            raise SampleSiteError(f"events/{key}.yaml {raw.get('slug')!r}: same_as {raw['same_as']!r} unknown")
        events.append(_partner_event(key, raw, by_ref[raw["same_as"]]))
    by_ref = {f"{event.section}/{event.slug}": event for event in events}
    if len(by_ref) != len(events):
        raise SampleSiteError("two events share a section and slug")

    articles = _read_yaml(content_dir / "articles.yaml")
    parsed = {
        kind: tuple(_parse_article(kind, raw, venues, "articles.yaml") for raw in articles.get(group, []))
        for kind, group in (("press", "press"), ("report", "reports"), ("intern", "intern"))
    }
    for article in parsed["press"]:
        if article.mentions and article.mentions not in by_ref:
            raise SampleSiteError(f"articles.yaml {article.slug!r}: mentions unknown {article.mentions!r}")
    return Content(
        organisers=organisers,
        venues=venues,
        events=tuple(events),
        press=parsed["press"],
        reports=parsed["report"],
        intern=parsed["intern"],
        by_ref=by_ref,
    )


# ----------------------------------------------------------------------------------- dates in words


def _de_long(day: date) -> str:
    return f"{WEEKDAYS_DE[day.weekday()]}, {day.day}. {MONTHS_DE[day.month - 1]} {day.year}"


def _de_numeric(day: date) -> str:
    return f"{day:%d.%m.%Y}"


def _de_short(day: date) -> str:
    """The year-less form crafts chambers print: "Mi, 03.12." """
    return f"{WEEKDAYS_DE[day.weekday()][:2]}, {day:%d.%m.}"


def _en_long(day: date) -> str:
    return f"{WEEKDAYS_EN[day.weekday()]}, {day.day} {MONTHS_EN[day.month - 1]} {day.year}"


def _hhmm(moment: datetime) -> str:
    return f"{moment:%H:%M}"


def _day(value: datetime | date) -> date:
    return value.date() if isinstance(value, datetime) else value


@dataclass(frozen=True)
class DatedEvent:
    """An event with its dates resolved for one `today`: what templates and the ground truth read."""

    spec: EventSpec
    organiser: Organiser  # who organises it
    section: Organiser  # whose pages carry it
    start: datetime | date
    end: datetime | date | None
    deadline: date | None

    @property
    def path(self) -> str:
        return f"{self.section.listing}/{self.spec.slug}"

    @property
    def ics_path(self) -> str | None:
        return f"{self.path}.ics" if self.section.markup == "ics" else None

    @property
    def all_day(self) -> bool:
        return not isinstance(self.start, datetime)

    @property
    def first_day(self) -> date:
        return _day(self.start)

    @property
    def last_day(self) -> date:
        return _day(self.end) if self.end is not None else self.first_day

    @property
    def multi_day(self) -> bool:
        return self.last_day != self.first_day

    @property
    def start_iso(self) -> str:
        return self.start.isoformat()

    @property
    def end_iso(self) -> str | None:
        return self.end.isoformat() if self.end is not None else None

    @property
    def city(self) -> str | None:
        return self.spec.venue.city if self.spec.venue else None

    @property
    def schema_status(self) -> str:
        return SCHEMA_STATUS[self.spec.status]

    @property
    def schema_attendance(self) -> str:
        return SCHEMA_ATTENDANCE[self.spec.attendance]

    @property
    def rrule(self) -> str | None:
        return f"FREQ=WEEKLY;COUNT={self.spec.repeat_weekly}" if self.spec.repeat_weekly else None

    @property
    def series(self) -> list[datetime | date]:
        """Every date the weekly RRULE generates (before EXDATE), or just the start."""
        weeks = self.spec.repeat_weekly or 1
        return [self._shift(self.start, timedelta(weeks=week)) for week in range(weeks)]

    @property
    def exdates(self) -> list[datetime | date]:
        """Series dates that do not take place: the holidays around Christmas and New Year."""
        return [moment for moment in self.series if _is_holiday(_day(moment))]

    @property
    def occurrences(self) -> list[datetime | date]:
        excluded = set(self.exdates)
        return [moment for moment in self.series if moment not in excluded]

    @staticmethod
    def _shift(moment: datetime | date, delta: timedelta) -> datetime | date:
        # Wall-clock arithmetic: a weekly 18:30 stays 18:30 across the change to summer time.
        if isinstance(moment, datetime):
            return datetime.combine(moment.date() + delta, moment.time(), tzinfo=BERLIN)
        return moment + delta

    def when_text(self, style: str) -> str:
        """The date phrase the way each kind of site prints it (variety for the date parser)."""
        if style == "hwk":
            return self._when_crafts()
        if self.spec.language == "en":
            return self._when_english()
        first, last = self.first_day, self.last_day
        if not isinstance(self.start, datetime):
            if self.multi_day:
                opening = f"{WEEKDAYS_DE[first.weekday()]}, {first.day}. {MONTHS_DE[first.month - 1]}"
                return f"{opening}, bis {_de_long(last)}"
            return _de_long(first)
        start, end = _hhmm(self.start), _hhmm(self.end) if isinstance(self.end, datetime) else None
        weekday, short = WEEKDAYS_DE[first.weekday()], WEEKDAYS_DE[first.weekday()][:2]
        day_month_year = f"{first.day}. {MONTHS_DE[first.month - 1]} {first.year}"
        if self.multi_day:
            if style == "markt":
                return f"{first:%d.%m.}–{_de_numeric(last)}, täglich {start}–{end} Uhr"
            if style in ("cluster", "vmn"):
                return f"{_de_long(first)}, {start} Uhr bis {_de_long(last)}, {end} Uhr"
            return f"{_de_numeric(first)}, {start} Uhr – {_de_numeric(last)}, {end} Uhr"
        if style == "ihk":
            times = f"{start} – {end} Uhr" if end else f"ab {start} Uhr"
            return f"{weekday}, {_de_numeric(first)}, {times}"
        if style == "vmn":
            return f"{day_month_year}, {start} bis {end} Uhr" if end else f"{day_month_year}, ab {start} Uhr"
        if style == "cluster":
            text = f"{short}., {day_month_year} · " + (f"{start}–{end} Uhr" if end else f"ab {start} Uhr")
            if self.spec.repeat_weekly:
                text = f"ab {text}, danach jeden {weekday} bis {_de_numeric(_day(self.occurrences[-1]))}"
                skipped = " und ".join(f"{_day(moment):%d.%m.}" for moment in self.exdates)
                return f"{text} (nicht am {skipped})" if skipped else text
            return text
        return f"{short}, {_de_numeric(first)} · " + (f"{start}–{end} Uhr" if end else f"ab {start} Uhr")

    def _when_crafts(self) -> str:
        """Year-less, as crafts chambers print it: "Mi, 03.12., 14:00 – 17:30 Uhr"."""
        times = ""
        if isinstance(self.start, datetime):
            times = (
                f"{_hhmm(self.start)} – {_hhmm(self.end)} Uhr"
                if isinstance(self.end, datetime)
                else (f"ab {_hhmm(self.start)} Uhr")
            )
        if self.multi_day:
            text = f"{_de_short(self.first_day)} – {_de_short(self.last_day)}"
            return f"{text}, jeweils {times}" if times else text
        return f"{_de_short(self.first_day)}, {times}" if times else _de_short(self.first_day)

    def _when_english(self) -> str:
        first, last = self.first_day, self.last_day
        if not isinstance(self.start, datetime):
            return f"{_en_long(first)} – {_en_long(last)}" if self.multi_day else _en_long(first)
        start = _hhmm(self.start)
        end = _hhmm(self.end) if isinstance(self.end, datetime) else None
        if self.multi_day and end:
            return f"{_en_long(first)}, {start} – {_en_long(last)}, {end}"
        return f"{_en_long(first)}, {start}–{end}" if end else f"{_en_long(first)}, from {start}"


def _dated(content: Content, spec: EventSpec, today: date) -> DatedEvent:
    start, end = spec.when.resolve(today)
    deadline = _day(start) - timedelta(days=spec.deadline_days) if spec.deadline_days else None
    return DatedEvent(
        spec=spec,
        organiser=content.organiser(spec.organiser_key),
        section=content.organiser(spec.section),
        start=start,
        end=end,
        deadline=deadline,
    )


def _events(content: Content, today: date, section: str | None = None) -> list[DatedEvent]:
    """The events of one section (or all), in the order listings show them: by start, then title."""
    dated = [_dated(content, spec, today) for spec in content.events if section in (None, spec.section)]
    return sorted(dated, key=lambda event: (event.first_day, event.start_iso, event.spec.title))


# ------------------------------------------------------------------------------------ structured data


def _schema_place(venue: Venue) -> dict[str, Any]:
    return {
        "@type": "Place",
        "name": venue.name,
        "address": {
            "@type": "PostalAddress",
            "streetAddress": venue.street,
            "postalCode": venue.postcode,
            "addressLocality": venue.city,
            "addressRegion": venue.region,
            "addressCountry": venue.country,
        },
    }


def _schema_event(event: DatedEvent, url: str, organiser_url: str, registration: str | None) -> dict[str, Any]:
    spec = event.spec
    locations: list[dict[str, Any]] = []
    if spec.venue:
        locations.append(_schema_place(spec.venue))
    if spec.online:
        locations.append({"@type": "VirtualLocation", "url": spec.online})
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": spec.schema_type,
        "name": spec.title,
        "description": spec.description,
        "url": url,
        "startDate": event.start_iso,
    }
    if event.end_iso:
        data["endDate"] = event.end_iso
    data |= {
        "eventStatus": event.schema_status,
        "eventAttendanceMode": event.schema_attendance,
        "location": locations[0] if len(locations) == 1 else locations,
        "organizer": {"@type": "Organization", "name": event.organiser.name, "url": organiser_url},
        "inLanguage": spec.language,
    }
    offer: dict[str, Any] = {
        "@type": "Offer",
        "price": spec.price.schema_price,
        "priceCurrency": "EUR",
        "availability": "https://schema.org/InStock",
    }
    if registration:
        offer["url"] = registration
    if event.deadline:
        offer["validThrough"] = event.deadline.isoformat()
    data["offers"] = offer
    return data


def _breadcrumbs(items: list[tuple[str, str]]) -> dict[str, Any]:
    return {
        "@context": "https://schema.org",
        "@type": "BreadcrumbList",
        "itemListElement": [
            {"@type": "ListItem", "position": position, "name": name, "item": url}
            for position, (name, url) in enumerate(items, start=1)
        ],
    }


def _jsonld(data: Any) -> Markup:
    """JSON for a <script> block; "</" is escaped so a value can never close the script element."""
    text = json.dumps(data, ensure_ascii=False, indent=2).replace("</", "<\\/")
    return Markup(text)


# ------------------------------------------------------------------------------------------- calendar


def _berlin_timezone() -> icalendar.Timezone:
    """VTIMEZONE for Europe/Berlin with the EU rule (last Sunday of March/October), valid for any year."""
    tz = icalendar.Timezone()
    tz.add("tzid", "Europe/Berlin")
    tz.add("x-lic-location", "Europe/Berlin")
    for kind, offset_from, offset_to, name, start, month in (
        (icalendar.TimezoneDaylight, 1, 2, "CEST", datetime(1970, 3, 29, 2), 3),
        (icalendar.TimezoneStandard, 2, 1, "CET", datetime(1970, 10, 25, 3), 10),
    ):
        part = kind()
        part.add("tzname", name)
        part.add("dtstart", start)
        part.add("rrule", {"freq": "yearly", "bymonth": month, "byday": "-1su"})
        part.add("tzoffsetfrom", timedelta(hours=offset_from))
        part.add("tzoffsetto", timedelta(hours=offset_to))
        tz.add_component(part)
    return tz


def _calendar(name: str, events: list[DatedEvent], today: date, base_url: str) -> bytes:
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//Kontext//Beispielseite Clusterkalender//DE")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", "Europe/Berlin")
    calendar.add_component(_berlin_timezone())
    stamp = datetime.combine(today, time(0), tzinfo=UTC)
    for event in events:
        spec = event.spec
        item = icalendar.Event()
        item.add("uid", f"{event.section.key}-{spec.slug}@sample-site.kontext.example")
        item.add("dtstamp", stamp)
        item.add("summary", spec.title)
        item.add("dtstart", event.start)
        if event.end is not None:
            item.add("dtend", event.end if not event.all_day else event.last_day + timedelta(days=1))
        if event.rrule:
            item.add("rrule", {"freq": "weekly", "count": spec.repeat_weekly})
            if event.exdates:
                item.add("exdate", event.exdates)
        item.add("description", f"{spec.description}\n\n{spec.price.text}")
        if spec.venue:
            item.add("location", spec.venue.one_line)
        elif spec.online:
            item.add("location", f"Online: {spec.online}")
        item.add("url", f"{base_url}{event.path}")
        item.add("status", ICS_STATUS[spec.status])
        item.add("organizer", f"mailto:{event.organiser.email}", parameters={"CN": event.organiser.name})
        item.add("categories", [spec.format.value])
        calendar.add_component(item)
    return calendar.to_ical()


# -------------------------------------------------------------------------------------------- render


@cache
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATE_DIR),
        autoescape=jinja2.select_autoescape(["html", "xml"]),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters |= {
        "de_long": _de_long,
        "de_numeric": _de_numeric,
        "de_short": _de_short,
        "jsonld": _jsonld,
        "euro": lambda amount: f"{amount:,.2f} €".replace(",", "X").replace(".", ",").replace("X", "."),
    }
    return env


@dataclass(frozen=True)
class _Request:
    content: Content
    today: date
    base_url: str
    path: str
    query: dict[str, list[str]]

    def absolute(self, path: str) -> str:
        return f"{self.base_url}{path}"


Page = tuple[int, str, bytes]


def _page(request: _Request, template: str, status: int = 200, **context: Any) -> Page:
    content = request.content
    body = (
        _environment()
        .get_template(template)
        .render(
            today=request.today,
            base_url=request.base_url,
            path=request.path,
            organisers=list(content.organisers.values()),
            **context,
        )
    )
    return status, HTML, body.encode("utf-8")


def _not_found(request: _Request) -> Page:
    return _page(request, "not_found.html", status=404, title="Seite nicht gefunden", section=None)


def _home(request: _Request) -> Page:
    content = request.content
    counts = {key: sum(1 for spec in content.events if spec.section == key) for key in content.organisers}
    return _page(
        request,
        "home.html",
        title="Veranstaltungskalender der Region – Beispielseite",
        section=None,
        counts=counts,
        press=content.press,
        reports=content.reports,
    )


def _listing(request: _Request, organiser: Organiser) -> Page:
    events = _events(request.content, request.today, organiser.key)
    pages = 1
    number = 1
    if organiser.per_page:
        pages = max(1, -(-len(events) // organiser.per_page))
        raw = request.query.get("page", ["1"])
        if len(raw) != 1 or not raw[0].isdigit() or not 1 <= int(raw[0]) <= pages:
            return _not_found(request)
        number = int(raw[0])
        events = events[(number - 1) * organiser.per_page : number * organiser.per_page]
    reports = [article for article in request.content.reports if article.organiser_key == organiser.key]
    return _page(
        request,
        f"{organiser.key}/listing.html",
        title=f"Veranstaltungen – {organiser.name}",
        section=organiser,
        events=events,
        page_number=number,
        page_count=pages,
        reports=reports,
    )


def _page_link(organiser: Organiser, number: int) -> str:
    return organiser.listing if number == 1 else f"{organiser.listing}?page={number}"


def _detail(request: _Request, spec: EventSpec) -> Page:
    content = request.content
    event = _dated(content, spec, request.today)
    section = event.section
    registration: str | None = None
    jsonld: list[Any] = []
    if section.key == "ihk":
        if spec.status != EventStatus.CANCELLED:
            registration = request.absolute(f"/ihk/anmeldung/{spec.slug}")
        jsonld = [
            _schema_event(event, request.absolute(event.path), request.absolute(section.listing), registration),
            _breadcrumbs(
                [
                    ("Startseite", request.absolute("/")),
                    ("Veranstaltungen", request.absolute(section.listing)),
                    (spec.title, request.absolute(event.path)),
                ]
            ),
        ]
    elif section.key == "startup":
        # Relative URLs on purpose: real sites do this, and extractors must resolve them.
        registration = f"https://tickets.founders-hub-leine.example/{spec.slug}"
        jsonld = [_schema_event(event, event.path, "/startup/events", registration)]
    elif section.key == "markt":
        # One @graph with the page, its breadcrumbs and the event, as CMS plugins emit it.
        page_url = request.absolute(event.path)
        crumbs = _breadcrumbs(
            [
                ("Start", request.absolute("/")),
                ("Veranstaltungen", request.absolute(section.listing)),
                (spec.title, page_url),
            ]
        )
        data = _schema_event(event, page_url, request.absolute(section.listing), None)
        webpage = {
            "@type": "WebPage",
            "@id": page_url,
            "name": spec.title,
            "inLanguage": "de",
            "isPartOf": {"@type": "WebSite", "name": section.name},
        }
        graph = [webpage, crumbs, data]
        for node in graph:
            node.pop("@context", None)
        jsonld = [{"@context": "https://schema.org", "@graph": graph}]
    others = [other for other in _events(content, request.today, section.key) if other.spec.slug != spec.slug]
    original = content.by_ref.get(spec.same_as) if spec.same_as else None
    return _page(
        request,
        f"{section.key}/event.html",
        title=f"{spec.title} – {section.name}",
        section=section,
        event=event,
        jsonld=jsonld,
        registration=registration,
        others=others[:3],
        original_path=_dated(content, original, request.today).path if original else None,
    )


def _registration(request: _Request, spec: EventSpec) -> Page:
    event = _dated(request.content, spec, request.today)
    return _page(request, "ihk/anmeldung.html", title=f"Anmeldung: {spec.title}", section=event.section, event=event)


def _fill(text: str, when: datetime | date | None, venue: Venue | None) -> str:
    return text.format(datum=_de_long(_day(when)) if when else "", ort=venue.city if venue else "")


def _press_list(request: _Request) -> Page:
    organiser = request.content.organiser("ihk")
    items = [(article, request.today + timedelta(days=article.published_days)) for article in request.content.press]
    return _page(request, "ihk/press_list.html", title=f"Presse – {organiser.name}", section=organiser, items=items)


def _press(request: _Request, article: Article) -> Page:
    content = request.content
    organiser = content.organiser(article.organiser_key)
    mentioned = _dated(content, content.by_ref[article.mentions], request.today) if article.mentions else None
    published = request.today + timedelta(days=article.published_days)
    paragraphs = [
        _fill(text, mentioned.start if mentioned else None, mentioned.spec.venue if mentioned else None)
        for text in article.paragraphs
    ]
    jsonld = [
        {
            "@context": "https://schema.org",
            "@type": "NewsArticle",
            "headline": article.title,
            "description": article.teaser,
            "datePublished": published.isoformat(),
            "inLanguage": "de",
            "mainEntityOfPage": request.absolute(request.path),
            "publisher": {"@type": "Organization", "name": organiser.name, "url": request.absolute("/ihk/presse")},
        }
    ]
    return _page(
        request,
        "ihk/press.html",
        title=f"{article.title} – {organiser.name}",
        section=organiser,
        article=article,
        paragraphs=paragraphs,
        published=published,
        mentioned=mentioned,
        jsonld=jsonld,
    )


def _article_when(article: Article) -> When:
    if article.when is None:  # _parse_article requires it for reports and intern pages
        raise SampleSiteError(f"article {article.slug!r} has no date")
    return article.when


def _report(request: _Request, article: Article) -> Page:
    organiser = request.content.organiser(article.organiser_key)
    held, _ = _article_when(article).resolve(request.today)
    published = _day(held) + timedelta(days=article.published_days)
    paragraphs = [_fill(text, held, article.venue) for text in article.paragraphs]
    return _page(
        request,
        "vmn/report.html",
        title=f"{article.title} – {organiser.name}",
        section=organiser,
        article=article,
        paragraphs=paragraphs,
        published=published,
        held=_day(held),
    )


def _intern_index(request: _Request) -> Page:
    return _page(
        request,
        "intern.html",
        title="Mitgliederbereich",
        section=None,
        article=None,
        articles=request.content.intern,
        jsonld=[],
    )


def _intern(request: _Request, article: Article) -> Page:
    start, end = _article_when(article).resolve(request.today)
    data = {
        "@context": "https://schema.org",
        "@type": "Event",
        "name": article.title,
        "startDate": start.isoformat(),
        "endDate": end.isoformat() if end else None,
        "location": _schema_place(article.venue) if article.venue else None,
        "description": " ".join(article.paragraphs),
    }
    return _page(
        request,
        "intern.html",
        title=article.title,
        section=None,
        article=article,
        articles=request.content.intern,
        start=start,
        jsonld=[{k: v for k, v in data.items() if v}],
    )


def _impressum(request: _Request) -> Page:
    return _page(request, "impressum.html", title="Impressum", section=None)


def _robots(request: _Request) -> Page:
    body = (
        "# Beispielseite für Kontext – alle Veranstalter sind erfunden.\n"
        "User-agent: *\n"
        f"Disallow: {PRIVATE_PREFIX}\n"
        "Allow: /\n"
        "\n"
        f"Sitemap: {request.absolute('/sitemap.xml')}\n"
    )
    return 200, TEXT, body.encode("utf-8")


def _sitemap(request: _Request) -> Page:
    lastmod = request.today.isoformat()
    urls = [path for path in all_paths() if _is_html(path) and not path.startswith(PRIVATE_PREFIX)]
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">']
    for path in urls:
        lines.append(f"  <url><loc>{xml_escape(request.absolute(path))}</loc><lastmod>{lastmod}</lastmod></url>")
    lines.append("</urlset>")
    return 200, XML, ("\n".join(lines) + "\n").encode("utf-8")


def _feed(request: _Request, organiser: Organiser) -> Page:
    events = _events(request.content, request.today, organiser.key)
    return 200, CALENDAR, _calendar(organiser.name, events, request.today, request.base_url)


def _event_ics(request: _Request, spec: EventSpec) -> Page:
    event = _dated(request.content, spec, request.today)
    return 200, CALENDAR, _calendar(spec.title, [event], request.today, request.base_url)


def _is_html(path: str) -> bool:
    return not path.endswith((".ics", ".txt", ".xml"))


def _routes(content: Content) -> dict[str, Callable[[_Request], Page]]:
    """Every path of the site (without query) and the function that renders it."""
    routes: dict[str, Callable[[_Request], Page]] = {
        "/": _home,
        "/impressum": _impressum,
        "/robots.txt": _robots,
        "/sitemap.xml": _sitemap,
        "/ihk/presse": _press_list,
        PRIVATE_PREFIX: _intern_index,
    }
    for organiser in content.organisers.values():
        routes[organiser.listing] = lambda request, o=organiser: _listing(request, o)
        if organiser.feed:
            routes[organiser.feed] = lambda request, o=organiser: _feed(request, o)
    for spec in content.events:
        path = f"{content.organiser(spec.section).listing}/{spec.slug}"
        routes[path] = lambda request, s=spec: _detail(request, s)
        if content.organiser(spec.section).markup == "ics":
            routes[f"{path}.ics"] = lambda request, s=spec: _event_ics(request, s)
        if spec.section == "ihk" and spec.status != EventStatus.CANCELLED:
            routes[f"/ihk/anmeldung/{spec.slug}"] = lambda request, s=spec: _registration(request, s)
    for article in content.press:
        routes[f"/ihk/presse/{article.slug}"] = lambda request, a=article: _press(request, a)
    for article in content.reports:
        routes[f"/{article.organiser_key}/rueckblick/{article.slug}"] = lambda request, a=article: _report(request, a)
    for article in content.intern:
        routes[f"{PRIVATE_PREFIX}{article.slug}"] = lambda request, a=article: _intern(request, a)
    return routes


@cache
def _cached_routes() -> dict[str, Callable[[_Request], Page]]:
    return _routes(load_content())


def all_paths() -> list[str]:
    """Every page of the site as a path (paginated listing pages with their ?page=N), sorted."""
    content = load_content()
    paths = set(_cached_routes())
    for organiser in content.organisers.values():
        if organiser.per_page:
            count = sum(1 for spec in content.events if spec.section == organiser.key)
            paths |= {_page_link(organiser, number) for number in range(2, -(-count // organiser.per_page) + 1)}
    return sorted(paths)


def render(path: str, today: date, base_url: str = DEFAULT_BASE_URL) -> tuple[int, str, bytes]:
    """Render one page: (HTTP status, content type, body). Pure; unknown paths give a 404 page.

    `path` may carry a query (``/ihk/veranstaltungen?page=2``); `base_url` is used where real
    sites print absolute URLs (JSON-LD, sitemap, robots.txt, iCalendar).
    """
    parts = urlsplit(path)
    request = _Request(
        content=load_content(),
        today=today,
        base_url=base_url.rstrip("/"),
        path=parts.path or "/",
        query=parse_qs(parts.query, keep_blank_values=True),
    )
    handler = _cached_routes().get(request.path)
    if handler is None:
        return _not_found(request)
    return handler(request)


def expected_events(today: date) -> list[dict[str, Any]]:
    """Ground truth for tests: one entry per crawlable event page, built from the rendered data.

    `start`/`end` are ISO 8601 (with time and offset, or a date for all-day events; `end` is the
    last day inclusive for those). `markup` says which rung should find it: jsonld, microdata, ics
    (plain page + .ics file) or none (heuristics). `same_as` names the page of the same event on
    another organiser's pages. Pages under /intern/ are excluded: robots.txt forbids them.
    """
    content = load_content()
    result = []
    for organiser in content.organisers.values():
        for event in _events(content, today, organiser.key):
            spec = event.spec
            original = content.by_ref.get(spec.same_as) if spec.same_as else None
            result.append(
                {
                    "path": event.path,
                    "section": organiser.key,
                    "title": spec.title,
                    "start": event.start_iso,
                    "end": event.end_iso,
                    "all_day": event.all_day,
                    "city": event.city,
                    "postcode": spec.venue.postcode if spec.venue else None,
                    "venue": spec.venue.name if spec.venue else None,
                    "organiser": event.organiser.name,
                    "organiser_kind": event.organiser.kind.value,
                    "audience": spec.audience.value,
                    "format": spec.format.value,
                    "sectors": list(spec.sectors),
                    "language": spec.language,
                    "status": spec.status.value,
                    "attendance": spec.attendance,
                    "markup": organiser.markup,
                    "structured": organiser.markup in ("jsonld", "microdata"),
                    "ics": event.ics_path,
                    "recurrence": event.rrule,
                    "occurrences": [moment.isoformat() for moment in event.occurrences],
                    "free": spec.price.free,
                    "price": spec.price.amount,
                    "registration_deadline": event.deadline.isoformat() if event.deadline else None,
                    "same_as": _dated(content, original, today).path if original else None,
                }
            )
    return result


# -------------------------------------------------------------------------------------------- server

_HOST_HEADER = re.compile(r"^[A-Za-z0-9.\-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$")


class _Handler(BaseHTTPRequestHandler):
    server_version = "KontextSampleSite/1.0"
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes; with Nagle on, keep-alive clients wait ~40 ms per request.
    disable_nagle_algorithm = True
    server: _Server

    def do_GET(self) -> None:
        self._respond(with_body=True)

    def do_HEAD(self) -> None:
        self._respond(with_body=False)

    def _respond(self, with_body: bool) -> None:
        site = self.server.site
        host = self.headers.get("Host", "")
        base_url = f"http://{host}" if _HOST_HEADER.match(host) else site.url
        today = site.today_for_request()
        try:
            status, content_type, body = render(self.path, today, base_url)
        except Exception:
            logger.exception("sample site: rendering %s failed", self.path)
            status, content_type, body = 500, TEXT, b"internal error\n"
        etag = '"' + hashlib.sha1(body, usedforsecurity=False).hexdigest()[:20] + '"'
        if status == 200 and etag in self.headers.get("If-None-Match", ""):
            self.send_response(304)
            self.send_header("ETag", etag)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        if status == 200:
            self.send_header("ETag", etag)
            midnight = datetime.combine(today, time(0), tzinfo=BERLIN).astimezone(UTC)
            self.send_header("Last-Modified", format_datetime(midnight, usegmt=True))
        self.end_headers()
        if with_body:
            self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("sample site: " + format, *args)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    site: SampleSite


class SampleSite:
    """The sample site on a local port, in a daemon thread; use as a context manager.

    >>> with SampleSite(today=date(2026, 3, 1)) as site:  # doctest: +SKIP
    ...     httpx.get(site.url + "/ihk/veranstaltungen")
    """

    def __init__(self, host: str = "127.0.0.1", port: int = 0, today: date | None = None) -> None:
        self.host = host
        self.port = port
        self.today = today
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("the sample site is not running; call start() first")
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self._server.server_address[1]}"

    def today_for_request(self) -> date:
        """The fixed `today`, or the real today in Europe/Berlin at the moment of the request."""
        return self.today or datetime.now(BERLIN).date()

    def start(self) -> SampleSite:
        """Bind the port and serve in the background; returns self."""
        if self._server is not None:
            return self
        load_content()  # fail here, not on the first request, when the content is broken
        server = _Server((self.host, self.port), _Handler)
        server.site = self
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, name="sample-site", daemon=True)
        self._thread.start()
        logger.info("sample site serving at %s", self.url)
        return self

    def stop(self) -> None:
        """Stop serving and release the port."""
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None
        self._thread = None

    def __enter__(self) -> SampleSite:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


def main(argv: list[str] | None = None) -> None:
    """Serve the sample site by hand: ``python -m kontext.sample_site --port 8765``."""
    parser = argparse.ArgumentParser(description="Serve Kontext's bundled sample site.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--today", type=date.fromisoformat, help="pretend today is this date (YYYY-MM-DD)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    site = SampleSite(args.host, args.port, args.today).start()
    print(f"Sample site: {site.url}/  (Ctrl-C stops)")
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        site.stop()


if __name__ == "__main__":
    main()
