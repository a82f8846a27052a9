"""The typed records every stage shares: one `Event`, one `Organisation`.

Extractors fill what a page says; the pipeline stages (pipelines/) fill the rest: dates from
`when_text`, the venue from `location_text`, tags, the stable `id`. Datetimes are always
timezone-aware. For all-day events `start`/`end` are local midnights of the first and the last
(inclusive) day; `start_ts`/`end_ts` are the epoch seconds the index filters on, `end_ts` being
the end of the last day.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from pydantic import BaseModel, ConfigDict, Field, field_validator

from kontext.vocabulary import (
    Attendance,
    AudienceLabel,
    EventFormat,
    EventStatus,
    Extraction,
    OrganizerKind,
)


class Record(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class Geo(Record):
    lat: float = Field(ge=-90, le=90)
    lng: float = Field(ge=-180, le=180)


class Venue(Record):
    name: str | None = None
    street: str | None = None
    postcode: str | None = None
    city: str | None = None
    region: str | None = None
    country: str | None = None  # ISO 3166-1 alpha-2
    geo: Geo | None = None


class Organizer(Record):
    name: str
    url: str | None = None
    kind: OrganizerKind = OrganizerKind.UNKNOWN
    organisation_id: str | None = None


class Tag(Record):
    """A sector or topic decision with its code, confidence and the evidence that decided it."""

    code: str
    label: str | None = None
    score: float = Field(default=1.0, ge=0.0, le=1.0)
    evidence: list[str] = Field(default_factory=list)


class Audience(Record):
    label: AudienceLabel
    sme_score: float = Field(ge=0.0, le=1.0)
    evidence: list[str] = Field(default_factory=list)


class Price(Record):
    free: bool | None = None
    amount: float | None = Field(default=None, ge=0)
    currency: str | None = None
    text: str | None = None


class Event(Record):
    id: str = ""
    title: str
    description: str = ""
    url: str | None = None
    registration_url: str | None = None
    registration_deadline: datetime | None = None
    image: str | None = None

    start: datetime | None = None
    end: datetime | None = None
    all_day: bool = False
    timezone: str = "Europe/Berlin"

    status: EventStatus = EventStatus.SCHEDULED
    attendance: Attendance | None = None
    venue: Venue | None = None
    organizer: Organizer | None = None

    format: EventFormat | None = None
    sectors: list[Tag] = Field(default_factory=list)
    topics: list[Tag] = Field(default_factory=list)
    audience: Audience | None = None

    language: str | None = None
    price: Price | None = None
    tags: list[str] = Field(default_factory=list)

    source: str = ""
    source_urls: list[str] = Field(default_factory=list)
    # An identifier the source itself gives the event (iCal UID plus occurrence, JSON-LD @id).
    source_key: str | None = None
    extraction: Extraction | None = None
    first_seen: datetime | None = None
    last_seen: datetime | None = None
    updated: datetime | None = None

    # Raw hints from extraction, consumed by the date and place stages.
    when_text: str | None = None
    location_text: str | None = None

    @field_validator("start", "end", "registration_deadline", "first_seen", "last_seen", "updated")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("datetimes in an Event must be timezone-aware")
        return value

    @field_validator("title")
    @classmethod
    def _title_present(cls, value: str) -> str:
        value = " ".join(value.split())
        if not value:
            raise ValueError("an Event needs a title")
        return value

    @property
    def start_ts(self) -> int | None:
        return int(self.start.timestamp()) if self.start else None

    @property
    def end_ts(self) -> int | None:
        """End of the event in epoch seconds; the start when no end is known."""
        last = self.end or self.start
        if last is None:
            return None
        if self.all_day:
            last = last + timedelta(days=1) - timedelta(seconds=1)
        return int(last.timestamp())


class Organisation(Record):
    """An association, chamber or cluster: where events come from and who is behind them."""

    id: str = ""
    name: str
    kind: OrganizerKind = OrganizerKind.UNKNOWN
    sectors: list[str] = Field(default_factory=list)
    region: str | None = None
    city: str | None = None
    url: str | None = None
    events_url: str | None = None
    description: str = ""
    source: str = ""
