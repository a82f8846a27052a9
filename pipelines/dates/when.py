"""The result every date parser in Kontext returns."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime


def _iso(value: date | datetime | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%dT%H:%M")
    return value.isoformat()


@dataclass(frozen=True)
class When:
    """When an event happens, at the granularity the source gives.

    `start`/`end` are plain dates when the text names no clock time, else datetimes that are
    timezone-aware in the source's zone. `end` is the last day (inclusive) or the end time, or None.
    """

    start: date | datetime
    end: date | datetime | None = None

    def iso(self) -> dict[str, str | None]:
        """{"start": "YYYY-MM-DD" or "YYYY-MM-DDTHH:MM", "end": the same or None}."""
        return {"start": _iso(self.start), "end": _iso(self.end)}

    @property
    def all_day(self) -> bool:
        """True when no clock time is known for the start."""
        return not isinstance(self.start, datetime)
