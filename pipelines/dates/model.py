"""The values the date grammar passes between its stages.

A Reading says what a phrase names (days, clock times, a period) before any calendar arithmetic;
pipelines.dates.resolve turns it into dates against the reference time. Items are the grammar's
working units between the scanner's tokens and a Reading.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Day:
    """A calendar day as far as the text names it; missing parts are filled from `now` later."""

    year: int | None = None
    month: int | None = None
    day: int | None = None
    weekday: int | None = None  # Monday = 0; a check when the date is given, the day itself otherwise
    offset: int | None = None  # days from today: heute 0, morgen 1, "in 2 Wochen" 14
    week_offset: int | None = None  # the weekday in the week this many weeks from the current one
    rule: str = "upcoming"  # a weekday alone: upcoming (the next one), this (this week's), last
    minutes: int | None = None  # "in 5 Minuten": an instant, minutes from now
    month_offset: int | None = None  # a day of the month this many months from now ("nächsten Monat am 4.")
    holiday: str | None = None  # a named feast day ("Pfingstmontag"); see lexicon.HOLIDAYS

    @property
    def has_date(self) -> bool:
        return self.day is not None or self.offset is not None or self.minutes is not None \
            or self.holiday is not None

    @property
    def weekday_only(self) -> bool:
        return not self.has_date and self.weekday is not None


@dataclass(frozen=True)
class Clock:
    """A time of day; `strong` when written as one (19:30, 19 Uhr, 7pm), not a bare number."""

    hour: int
    minute: int = 0
    ampm: str | None = None
    strong: bool = True
    day_shift: int = 0  # "07:35+1"
    offset: str | None = None  # "+01:00" or "z" from an ISO timestamp

    def hour24(self) -> int:
        if self.ampm == "pm" and self.hour < 12:
            return self.hour + 12
        if self.ampm == "am" and self.hour == 12:
            return 0
        return self.hour


@dataclass(frozen=True)
class Period:
    """A stretch of calendar.

    kind: week, weekend, workweek, month, year, isoweek, span (the next/last n units), rest (of the
    week/month/year), nthweek (of a month), night (a night from one day to the next) or ahead (the
    day n months or years from now).
    """

    kind: str
    offset: int | None = None  # relative to the current unit
    year: int | None = None
    month: int | None = None
    number: int | None = None  # ISO week, count of a span, n-th week
    unit: str | None = None  # the unit of a span or a rest


@dataclass(frozen=True)
class Reading:
    """What a date phrase says, before resolution."""

    start: Day | None = None
    start_clock: Clock | None = None
    end: Day | None = None
    end_clock: Clock | None = None
    period: Period | None = None
    until: Period | None = None  # the last period of "März bis Mai 2026"
    end_is_start: bool = False  # "bis 19. September": the day named is both ends


@dataclass
class Item:
    """One unit of a phrase between tokens and a Reading.

    kind: D (a Day), T (a Clock), P (a Period), connectors R (range), L (list), O (or), S ("/",
    a range or a list), markers AT ("um"), FROM ("ab"), BETWEEN, POD (part of the day), ALLDAY,
    SEP (glue), X (not part of a date), and the undecided N (bare number), N4 (four digits), DM
    ("15.30"), which pipelines.dates.decide turns into one of the others.
    """

    kind: str
    value: object
    start: int
    end: int
    extra: dict = field(default_factory=dict)


CONNECTORS = frozenset({"R", "L", "O", "S"})
SOFT = frozenset({"SEP", "FROM", "POD", "ALLDAY"})
