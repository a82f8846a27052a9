"""A Reading + the reference time -> concrete dates and datetimes.

Conventions (the ones listings need):
- A missing year or month is the next occurrence on or after the reference day (`prefer_future`),
  or the nearest one otherwise. For a range the *end* must not lie in the past, so an event that
  started yesterday and runs until Friday stays this year.
- A weekday next to a date is a check. When the year is missing it chooses between the coming
  occurrence and the one before ("Do, 16.01." on a page crawled in November is last January if
  that was a Thursday). When the year is given the date wins and the conflict is logged, except
  when that date is past and the same day a year later has the weekday: then the year after
  ("Fr, 09.01.2025" crawled in December 2025 is 9 January 2026, last year's number kept by habit).
- A weekday alone is the next one after the reference day ("Donnerstag" said on a Thursday is a
  week ahead); "diesen Freitag" is this week's, "nächsten Freitag" next week's, "kommenden Freitag"
  the coming one. A range of weekdays ("Montag bis Freitag") is the one that has not ended yet.
- A clock time without a day is the next time that clock shows (today, or tomorrow if it has passed).
- A date stays a date: no clock time is made up for "heute", "im März" or "ganztägig".
"""

from __future__ import annotations

import calendar as _calendar
import logging
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta, timezone
from functools import lru_cache
from zoneinfo import ZoneInfo

from pipelines.dates.lexicon import HOLIDAYS
from pipelines.dates.model import Clock, Day, Period, Reading

log = logging.getLogger(__name__)


def _valid(year: int, month: int, day: int) -> date | None:
    if not 1 <= year <= 9999 or not 1 <= month <= 12 or not 1 <= day <= _calendar.monthrange(year, month)[1]:
        return None
    return date(year, month, day)


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(day.day, _calendar.monthrange(year, month + 1)[1]))


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


class Resolver:
    """Resolves readings against one reference time, in one time zone."""

    def __init__(self, now: datetime | date, tz: str, prefer_future: bool):
        self.zone = ZoneInfo(tz)
        if not isinstance(now, datetime):
            now = datetime.combine(now, time())  # a reference day: its start
        self.now = now.astimezone(self.zone) if now.tzinfo else now.replace(tzinfo=self.zone)
        self.today = self.now.date()
        self.prefer_future = prefer_future

    # days

    def day(self, spec: Day, not_before: date | None = None) -> date | None:
        """The date a Day names; `not_before` is the start of a range whose end this is."""
        floor = not_before or self.today
        if spec.offset is not None:
            return self.today + timedelta(days=spec.offset)
        if spec.holiday is not None:
            return self._holiday(spec, floor)
        if spec.month_offset is not None and spec.day is not None:
            year, month = divmod_month(self.today, spec.month_offset)
            return _valid(year, month, spec.day)
        if spec.day is None:
            return self._weekday(spec, floor) if spec.weekday is not None else None
        if spec.month is None:
            return self._day_of_month(spec, floor)
        if spec.year is not None:
            return self._with_year(spec)
        return self._year_for(spec, floor)

    def _with_year(self, spec: Day) -> date | None:
        """The written date, or the same day a year later when the weekday calls for it (year_after_fits)."""
        found = _valid(spec.year, spec.month, spec.day)
        if self.year_after_fits(spec):
            log.info("weekday %s contradicts %s but fits the year after; the year after wins", spec.weekday, found)
            return _valid(spec.year + 1, spec.month, spec.day)
        if found is not None and spec.weekday is not None and found.weekday() != spec.weekday:
            log.info("weekday %s contradicts %s; the date wins", spec.weekday, found)
        return found

    def year_after_fits(self, spec: Day) -> bool:
        """Whether a written date is past, its weekday is wrong and the same day a year later has it:
        "Fr, 09.01.2025" in a listing of December 2025 is 9 January 2026, last year's number kept
        out of habit."""
        if spec.year is None or spec.month is None or spec.day is None or spec.weekday is None:
            return False
        found, following = _valid(spec.year, spec.month, spec.day), _valid(spec.year + 1, spec.month, spec.day)
        return found is not None and following is not None and found < self.today \
            and found.weekday() != spec.weekday and following.weekday() == spec.weekday

    def _holiday(self, spec: Day, floor: date) -> date | None:
        if spec.year is not None:
            return holiday_date(spec.holiday, spec.year)
        candidates = [holiday_date(spec.holiday, year) for year in range(floor.year - 1, floor.year + 2)]
        if self.prefer_future or floor != self.today:
            return next(d for d in candidates if d >= floor)
        return min(candidates, key=lambda d: abs((d - floor).days))

    def _year_for(self, spec: Day, floor: date) -> date | None:
        candidates = [d for d in (_valid(y, spec.month, spec.day) for y in range(floor.year - 1, floor.year + 5))
                      if d is not None]
        if not candidates:
            return None
        if self.prefer_future or floor != self.today:
            coming = next((d for d in candidates if d >= floor), candidates[-1])
            ordered = [coming, *[d for d in reversed(candidates) if d < coming][:1]]
        else:
            ordered = sorted(candidates, key=lambda d: abs((d - floor).days))[:2]
        if spec.weekday is not None:
            for candidate in ordered:
                if candidate.weekday() == spec.weekday:
                    return candidate
            log.info("weekday %s fits no year for %s-%s; the date wins", spec.weekday, spec.month, spec.day)
        return ordered[0]

    def _day_of_month(self, spec: Day, floor: date) -> date | None:
        start = date(floor.year, floor.month, 1)
        months = [_add_months(start, k) for k in range(-1, 13)]
        candidates = [d for d in (_valid(m.year, m.month, spec.day) for m in months) if d is not None]
        if self.prefer_future or floor != self.today:
            ahead = [d for d in candidates if d >= floor]
            behind = [d for d in candidates if d < floor]
        else:
            ahead = sorted(candidates, key=lambda d: abs((d - floor).days))
            behind = []
        if spec.weekday is not None:
            for candidate in ahead + behind[::-1]:
                if candidate.weekday() == spec.weekday:
                    return candidate
        return ahead[0] if ahead else None

    def _weekday(self, spec: Day, floor: date) -> date:
        not_today = floor != self.today
        if spec.week_offset is not None:
            return _monday(self.today) + timedelta(weeks=spec.week_offset, days=spec.weekday)
        delta = (spec.weekday - floor.weekday()) % 7
        if spec.rule == "this":
            return _monday(floor) + timedelta(days=spec.weekday)
        if spec.rule == "last":
            return floor - timedelta(days=(floor.weekday() - spec.weekday) % 7 or 7)
        if not self.prefer_future and floor == self.today:
            return floor + timedelta(days=delta - 7 if delta > 3 else delta)
        # A weekday on its own is the next one after the reference day ("Donnerstag", said on a
        # Thursday, is a week ahead); as the end of a range it may be the range's first day.
        return floor + timedelta(days=delta or (0 if not_today else 7))

    # clock times

    def at(self, day: date, clock: Clock) -> datetime:
        if clock.offset is not None:
            offset = UTC if clock.offset == "z" else _fixed_offset(clock.offset)
            moment = datetime.combine(day, time(clock.hour24() % 24, clock.minute), offset)
            return moment.astimezone(self.zone)
        shift = clock.day_shift + (1 if clock.hour24() == 24 else 0)
        local = datetime.combine(day + timedelta(days=shift), time(clock.hour24() % 24, clock.minute))
        return local.replace(tzinfo=self.zone)

    # periods

    def period(self, period: Period) -> tuple[date | datetime, date | datetime | None] | None:
        today = self.today
        kind = period.kind
        if kind == "week":
            monday = _monday(today) + timedelta(weeks=period.offset or 0)
            return monday, monday + timedelta(days=6)
        if kind == "workweek":
            monday = _monday(today) + timedelta(weeks=period.offset or 0)
            return monday, monday + timedelta(days=4)
        if kind == "weekend":
            saturday = _monday(today) + timedelta(weeks=period.offset or 0, days=5)
            return saturday, saturday + timedelta(days=1)
        if kind == "night":
            first = today + timedelta(days=period.offset or 0)
            return first, first + timedelta(days=period.number or 1)
        if kind == "month":
            return self._month(period)
        if kind == "year":
            year = period.year if period.year is not None else today.year + (period.offset or 0)
            return date(year, 1, 1), date(year, 12, 31)
        if kind == "isoweek":
            return self._iso_week(period)
        if kind == "span" and period.unit in ("hour", "minute"):
            moment = self.now.replace(second=0, microsecond=0)
            length = timedelta(hours=period.number or 1) if period.unit == "hour" else timedelta(
                minutes=period.number or 1)
            return (moment, moment + length) if (period.offset or 1) > 0 else (moment - length, moment)
        if kind == "span":
            return self._span(period)
        if kind == "ahead":
            months = (period.number or 1) * (12 if period.unit == "year" else 1)
            return _add_months(today, months), None
        if kind == "rest":
            end = {"week": _monday(today) + timedelta(days=6),
                   "month": _add_months(date(today.year, today.month, 1), 1) - timedelta(days=1),
                   "year": date(today.year, 12, 31)}[period.unit]
            return today, end
        if kind == "nthweek":
            return self._nth_week(period)
        return None

    def _month(self, period: Period) -> tuple[date, date] | None:
        today = self.today
        month = period.month if period.month is not None else today.month
        if period.year is not None:
            year = period.year
        elif period.month is None:
            shifted = _add_months(date(today.year, today.month, 1), period.offset or 0)
            year, month = shifted.year, shifted.month
        elif period.offset is not None:
            year = today.year + period.offset
        elif self.prefer_future:
            year = today.year if month >= today.month else today.year + 1
        else:
            year = min((today.year - 1, today.year, today.year + 1),
                       key=lambda y: abs((date(y, month, 15) - today).days))
        first = date(year, month, 1)
        return first, _add_months(first, 1) - timedelta(days=1)

    def _iso_week(self, period: Period) -> tuple[date, date] | None:
        year = period.year
        if year is None:
            year = self.today.year
            try:
                if self.prefer_future and date.fromisocalendar(year, period.number, 7) < self.today:
                    year += 1
            except ValueError:
                return None
        try:
            monday = date.fromisocalendar(year, period.number, 1)
        except ValueError:
            return None
        return monday, monday + timedelta(days=6)

    def _span(self, period: Period) -> tuple[date, date]:
        """"die nächsten 3 Tage" (tomorrow and two more), "letzten 3 Wochen" (up to yesterday)."""
        today = self.today
        tomorrow, yesterday = today + timedelta(days=1), today - timedelta(days=1)
        count = period.number or 1
        forward = (period.offset or 1) > 0
        if period.unit in ("day", "night", "week"):
            length = timedelta(days=count * (7 if period.unit == "week" else 1))
            return (tomorrow, today + length) if forward else (today - length, yesterday)
        months = count * (12 if period.unit == "year" else 1)
        if forward:
            return tomorrow, _add_months(tomorrow, months) - timedelta(days=1)
        return _add_months(today, -months), yesterday

    def _nth_week(self, period: Period) -> tuple[date, date] | None:
        """The n-th (or last) week of a month: weeks belong to the month that holds their Thursday."""
        today = self.today
        if period.month is not None:
            month_period = self._month(Period("month", year=period.year, month=period.month))
            first = month_period[0]
        else:
            first = _add_months(date(today.year, today.month, 1), period.offset or 0)
        thursdays = [d for d in (first + timedelta(days=k) for k in range(31))
                     if d.month == first.month and d.weekday() == 3]
        if not thursdays or period.number is None or period.number > len(thursdays):
            return None
        thursday = thursdays[-1] if period.number == -1 else thursdays[period.number - 1]
        monday = thursday - timedelta(days=3)
        return monday, monday + timedelta(days=6)


@lru_cache(maxsize=256)
def resolver_for(now: datetime | date, tz: str, prefer_future: bool) -> Resolver:
    """A Resolver, made once per reference time and zone: a page's phrases all share one."""
    return Resolver(now, tz, prefer_future)


def easter(year: int) -> date:
    """Easter Sunday (Gregorian), by the anonymous algorithm in Meeus' form."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    g = (8 * b + 13) // 25
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    weekday_shift = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 19 * weekday_shift) // 433
    month = (h + weekday_shift - 7 * m + 90) // 25
    return date(year, month, (h + weekday_shift - 7 * m + 33 * month + 19) % 32)


def holiday_date(name: str, year: int) -> date:
    """The date of a feast day of lexicon.HOLIDAYS in a given year."""
    rule = HOLIDAYS[name]
    if rule[0] == "easter":
        return easter(year) + timedelta(days=rule[1])
    if rule[0] == "before_advent":  # Totensonntag / Ewigkeitssonntag: the Sunday before Advent
        christmas_eve = date(year, 12, 24)
        fourth_advent = christmas_eve - timedelta(days=(christmas_eve.weekday() + 1) % 7)
        return fourth_advent - timedelta(weeks=4)
    return date(year, rule[1], rule[2])


def _fixed_offset(text: str) -> timezone:
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:4] or 0)
    return timezone(sign * timedelta(hours=hours, minutes=minutes))


def resolve(reading: Reading, resolver: Resolver) -> tuple[date | datetime, date | datetime | None] | None:
    """Start and end of a reading; None when the days it names do not exist (31 February, year 0)
    or lie beyond the calendar's ends ("9999-12-31T23:59Z" in Berlin is in year 10000)."""
    try:
        return _resolve(reading, resolver)
    except OverflowError:
        log.debug("a date at the end of the calendar: %s", reading)
        return None


def _resolve(reading: Reading, resolver: Resolver) -> tuple[date | datetime, date | datetime | None] | None:
    if reading.start is None and reading.start_clock is None:
        span = resolver.period(reading.period) if reading.period is not None else None
        if span is not None and reading.until is not None:
            last = resolver.period(reading.until)
            if last is None:
                return None
            if last[0] < span[0]:  # "November bis März": into the next year
                last = resolver.period(replace(reading.until, year=span[0].year + 1))
            return span[0], last[1]
        return span

    if reading.start is not None and reading.start.minutes is not None:
        moment = resolver.now + timedelta(minutes=reading.start.minutes)
        return moment.replace(second=0, microsecond=0), None

    reading = _years_together(reading, resolver)
    start_day = _start_day(reading, resolver)
    if start_day is None:
        return None
    start: date | datetime = start_day
    if reading.start_clock is not None:
        start = resolver.at(start_day, reading.start_clock)
        if _floats(reading.start) and reading.end is None and resolver.prefer_future and start < resolver.now:
            # "07:42" read at 13:14, or "Tuesday 2pm" on a Tuesday evening: the next one
            step = 1 if reading.start is None else 7
            start_day += timedelta(days=step)
            start = resolver.at(start_day, reading.start_clock)

    end: date | datetime | None = None
    end_day = None
    if reading.end is not None:
        end_day = resolver.day(reading.end, not_before=start_day)
        if end_day is None:
            return None
        if end_day < start_day and reading.end.weekday_only:
            end_day += timedelta(days=7)
        end = end_day
    if reading.end_clock is not None:
        end_day = end_day or start_day
        end = resolver.at(end_day, reading.end_clock)
        if isinstance(start, datetime) and end <= start and reading.end is None:
            end = resolver.at(end_day + timedelta(days=1), reading.end_clock)
    elif reading.end_is_start:
        end = start_day
    return start, end


def _years_together(reading: Reading, resolver: Resolver) -> Reading:
    """Both ends of a range written with one year take the year after together when a weekday calls
    for it ("Fr, 09.01.2025 – 11.01.2025" in December 2025), unless the other end's weekday fits
    the written year; then the text contradicts itself and both dates stay as written."""
    start, end = reading.start, reading.end
    if start is None or end is None or start.year is None or start.year != end.year:
        return reading
    if not (resolver.year_after_fits(start) or resolver.year_after_fits(end)):
        return reading
    written = [_valid(day.year, day.month, day.day) if day.month and day.day else None for day in (start, end)]
    if any(day.weekday is not None and found is not None and found.weekday() == day.weekday
           for day, found in zip((start, end), written, strict=True)):
        return replace(reading, start=replace(start, weekday=None), end=replace(end, weekday=None))
    return replace(reading, start=replace(start, year=start.year + 1), end=replace(end, year=end.year + 1))


def _floats(day: Day | None) -> bool:
    """Whether the day is only pinned down by `now` (no day at all, or a bare weekday)."""
    return day is None or (day.weekday_only and day.rule == "upcoming" and day.week_offset is None)


def _start_day(reading: Reading, resolver: Resolver) -> date | None:
    if reading.start is None:
        return resolver.today
    if reading.end is None:
        return resolver.day(reading.start)
    start, end = reading.start, reading.end
    if start.weekday_only and end.weekday_only and start.rule == "upcoming" and start.week_offset is None:
        # "von Montag bis Freitag" on a Tuesday: this week's, the one that has not ended yet
        today = resolver.today
        latest = today - timedelta(days=(today.weekday() - start.weekday) % 7)
        last_day = latest + timedelta(days=(end.weekday - latest.weekday()) % 7)
        return latest if last_day >= today else latest + timedelta(days=7)
    # The range as a whole: the end must not be past, the start not after the end.
    if start.year is None and start.month is not None and end.month is not None and end.year is None:
        end_date = resolver.day(end)
        if end_date is None:
            return None
        for year in (end_date.year, end_date.year - 1):
            candidate = _valid(year, start.month, start.day)
            if candidate is not None and candidate <= end_date:
                return _checked(candidate, start)
        return resolver.day(start)
    if start.month is None and start.day is not None and end.day is not None and end.month is None:
        end_date = resolver.day(end)
        if end_date is None:
            return None
        candidate = _valid(end_date.year, end_date.month, start.day)
        if candidate is None or candidate > end_date:
            candidate = _valid(*divmod_month(end_date, -1), start.day)
        return candidate
    return resolver.day(start)


def divmod_month(day: date, months: int) -> tuple[int, int]:
    shifted = _add_months(date(day.year, day.month, 1), months)
    return shifted.year, shifted.month


def _checked(found: date, spec: Day) -> date:
    if spec.weekday is not None and found.weekday() != spec.weekday:
        log.info("weekday %s contradicts %s; the date wins", spec.weekday, found)
    return found
