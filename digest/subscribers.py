"""Subscribers and the send log, kept in the store beside the events.

A subscriber is pending until they follow the confirmation link (double opt-in), then confirmed,
and unsubscribed when they leave; the row stays so that a forwarded old mail's unsubscribe link
still works and nobody is re-added without confirming again. ``last_digest_at`` is the cut-off of
the last digest they received: the next one holds the events first seen after it.

The send log has one row per subscriber and digest period. It is written *before* a mail goes out
(pending, with its Message-ID and the event ids it holds) and marked sent after the SMTP server
accepted it, so a rerun of the same period skips what was sent and finishes what was not.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    DateTime,
    Integer,
    String,
    Text,
    UniqueConstraint,
    delete,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from digest.tokens import new_nonce
from kontext.errors import UserError
from kontext.store import Base, Store

log = logging.getLogger(__name__)

LANGUAGES = ("de", "en")
# RFC 5321 limits; the pattern is deliberately strict: no spaces, quotes or control characters,
# so an address can never smuggle a header line into a mail.
MAX_EMAIL_LENGTH = 254
EMAIL_PATTERN = re.compile(
    r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$"
)


class SubscriberError(UserError):
    """Bad subscriber input: an invalid address, an unknown subscriber, a bad language."""


class Status(StrEnum):
    PENDING = "pending"
    CONFIRMED = "confirmed"
    UNSUBSCRIBED = "unsubscribed"


class SendStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"


class SubscriberRow(Base):
    __tablename__ = "digest_subscribers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    email: Mapped[str] = mapped_column(String(MAX_EMAIL_LENGTH), unique=True)
    language: Mapped[str] = mapped_column(String(2), default="de")
    search: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(16), index=True)
    token_nonce: Mapped[str] = mapped_column(String(64))
    created: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    confirmed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    unsubscribed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    confirmation_sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    last_digest_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class DigestSendRow(Base):
    __tablename__ = "digest_sends"
    __table_args__ = (UniqueConstraint("subscriber_id", "period", name="uq_digest_send_period"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    subscriber_id: Mapped[int] = mapped_column(Integer, index=True)
    period: Mapped[str] = mapped_column(String(16), index=True)
    status: Mapped[str] = mapped_column(String(16))
    message_id: Mapped[str] = mapped_column(String(200))
    event_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    total: Mapped[int] = mapped_column(Integer, default=0)
    cutoff: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    created: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


DIGEST_TABLES = [SubscriberRow.__table__, DigestSendRow.__table__]


@dataclass(frozen=True)
class Subscriber:
    """A subscriber as rendering and selection see it (detached from the database)."""

    id: int
    email: str
    language: str
    search: dict[str, Any]
    status: Status
    token_nonce: str
    created: datetime
    confirmed_at: datetime | None = None
    last_digest_at: datetime | None = None


@dataclass(frozen=True)
class SendRecord:
    """One row of the send log."""

    subscriber_id: int
    period: str
    status: SendStatus
    message_id: str
    event_ids: list[str]
    total: int
    cutoff: datetime
    attempts: int
    error: str | None = None


def _utc(value: datetime | None) -> datetime | None:
    # SQLite hands back naive datetimes; everything stored is UTC.
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _subscriber(row: SubscriberRow) -> Subscriber:
    return Subscriber(
        id=row.id,
        email=row.email,
        language=row.language,
        search=dict(row.search or {}),
        status=Status(row.status),
        token_nonce=row.token_nonce,
        created=_utc(row.created),
        confirmed_at=_utc(row.confirmed_at),
        last_digest_at=_utc(row.last_digest_at),
    )


def _record(row: DigestSendRow) -> SendRecord:
    return SendRecord(
        subscriber_id=row.subscriber_id,
        period=row.period,
        status=SendStatus(row.status),
        message_id=row.message_id,
        event_ids=list(row.event_ids or []),
        total=row.total or 0,
        cutoff=_utc(row.cutoff),
        attempts=row.attempts,
        error=row.error,
    )


def normalise_email(text: str) -> str:
    """The address as stored: trimmed, lower-cased, IDN domains in ASCII; SubscriberError if invalid."""
    value = (text or "").strip()
    if "@" in value:
        local, _, domain = value.rpartition("@")
        try:
            domain = domain.encode("idna").decode("ascii")
        except UnicodeError:
            raise SubscriberError(f"{text!r} is not a valid email address") from None
        value = f"{local}@{domain}"
    value = value.lower()
    if len(value) > MAX_EMAIL_LENGTH or not EMAIL_PATTERN.match(value) or "." not in value.rpartition("@")[2]:
        raise SubscriberError(f"{text!r} is not a valid email address")
    if ".." in value:
        raise SubscriberError(f"{text!r} is not a valid email address")
    return value


def check_language(language: str) -> str:
    if language not in LANGUAGES:
        raise SubscriberError(f"language must be one of {', '.join(LANGUAGES)} (got {language!r})")
    return language


class Subscribers:
    """The subscriber list and the send log in the store; every method is one transaction.

    Every moment is converted to UTC before it is written: SQLite keeps the wall time without its
    zone, and everything read back is taken as UTC."""

    def __init__(self, store: Store) -> None:
        self.store = store
        # Store.__init__ only creates the tables imported before it ran; ours may have come later.
        Base.metadata.create_all(store.engine, tables=DIGEST_TABLES)

    def _session(self) -> Session:
        return self.store.session()

    # --- subscribers ----------------------------------------------------------------------

    def get(self, subscriber_id: int) -> Subscriber | None:
        with self._session() as session:
            row = session.get(SubscriberRow, subscriber_id)
            return _subscriber(row) if row else None

    def by_email(self, email: str) -> Subscriber | None:
        with self._session() as session:
            row = session.scalar(select(SubscriberRow).where(SubscriberRow.email == normalise_email(email)))
            return _subscriber(row) if row else None

    def add(
        self,
        email: str,
        search: dict[str, Any],
        language: str,
        now: datetime,
        *,
        confirmed: bool = False,
    ) -> tuple[Subscriber, bool]:
        """Add a subscriber (staff); (subscriber, created). An existing address is updated in place."""
        now = now.astimezone(UTC)
        address = normalise_email(email)
        check_language(language)
        with self._session() as session, session.begin():
            row = session.scalar(select(SubscriberRow).where(SubscriberRow.email == address))
            created = row is None
            if row is None:
                row = SubscriberRow(
                    email=address, created=now, token_nonce=new_nonce(), status=Status.PENDING.value
                )
                session.add(row)
            elif row.status == Status.UNSUBSCRIBED.value:
                row.status, row.token_nonce, row.unsubscribed_at = Status.PENDING.value, new_nonce(), None
            row.search, row.language, row.updated = search, language, now
            if confirmed and row.status != Status.CONFIRMED.value:
                row.status, row.confirmed_at = Status.CONFIRMED.value, now
            session.flush()
            return _subscriber(row), created

    def request(
        self, email: str, search: dict[str, Any], language: str, now: datetime
    ) -> tuple[Subscriber, str]:
        """A subscription asked for on the web (not yet confirmed).

        Returns the subscriber and what to do: ``"confirm"`` (send a confirmation mail),
        ``"already"`` (a confirmed subscriber; tell them how to manage it, change nothing — the
        request may not come from them). A pending or unsubscribed address gets the new search.
        """
        now = now.astimezone(UTC)
        address = normalise_email(email)
        check_language(language)
        with self._session() as session, session.begin():
            row = session.scalar(select(SubscriberRow).where(SubscriberRow.email == address))
            if row is not None and row.status == Status.CONFIRMED.value:
                return _subscriber(row), "already"
            if row is None:
                row = SubscriberRow(email=address, created=now, token_nonce=new_nonce())
                session.add(row)
            elif row.status == Status.UNSUBSCRIBED.value:
                # A new subscription: links from the old one must not act on it.
                row.token_nonce, row.unsubscribed_at = new_nonce(), None
            row.status, row.search, row.language, row.updated = Status.PENDING.value, search, language, now
            session.flush()
            return _subscriber(row), "confirm"

    def mark_confirmation_sent(self, subscriber_id: int, now: datetime) -> None:
        now = now.astimezone(UTC)
        with self._session() as session, session.begin():
            row = session.get(SubscriberRow, subscriber_id)
            if row is not None:
                row.confirmation_sent_at = now

    def confirmation_sent_at(self, subscriber_id: int) -> datetime | None:
        with self._session() as session:
            row = session.get(SubscriberRow, subscriber_id)
            return _utc(row.confirmation_sent_at) if row else None

    def confirm(self, subscriber_id: int, now: datetime) -> Subscriber | None:
        """Pending -> confirmed; a confirmed subscriber stays as is; None for anyone else."""
        now = now.astimezone(UTC)
        with self._session() as session, session.begin():
            row = session.get(SubscriberRow, subscriber_id)
            if row is None or row.status == Status.UNSUBSCRIBED.value:
                return None
            if row.status == Status.PENDING.value:
                row.status, row.confirmed_at, row.updated = Status.CONFIRMED.value, now, now
            return _subscriber(row)

    def update_preferences(
        self, subscriber_id: int, search: dict[str, Any], language: str, now: datetime
    ) -> Subscriber | None:
        now = now.astimezone(UTC)
        check_language(language)
        with self._session() as session, session.begin():
            row = session.get(SubscriberRow, subscriber_id)
            if row is None:
                return None
            row.search, row.language, row.updated = search, language, now
            return _subscriber(row)

    def unsubscribe(self, subscriber_id: int, now: datetime) -> Subscriber | None:
        """Stop all digests for this subscriber (idempotent: mail clients may POST twice)."""
        now = now.astimezone(UTC)
        with self._session() as session, session.begin():
            row = session.get(SubscriberRow, subscriber_id)
            if row is None:
                return None
            if row.status != Status.UNSUBSCRIBED.value:
                row.status, row.unsubscribed_at, row.updated = Status.UNSUBSCRIBED.value, now, now
            return _subscriber(row)

    def resubscribe(self, subscriber_id: int, now: datetime) -> Subscriber | None:
        """Undo an unsubscribe from the manage page (the link proves the address, as confirming does)."""
        now = now.astimezone(UTC)
        with self._session() as session, session.begin():
            row = session.get(SubscriberRow, subscriber_id)
            if row is None:
                return None
            if row.status == Status.UNSUBSCRIBED.value:
                row.status, row.unsubscribed_at, row.updated = Status.CONFIRMED.value, None, now
                row.confirmed_at = row.confirmed_at or now
            return _subscriber(row)

    def rotate_tokens(self, subscriber_id: int) -> None:
        """Revoke every link issued to this subscriber so far."""
        with self._session() as session, session.begin():
            row = session.get(SubscriberRow, subscriber_id)
            if row is not None:
                row.token_nonce = new_nonce()

    def remove(self, email: str) -> bool:
        """Delete a subscriber and their send log (staff; e.g. an erasure request)."""
        address = normalise_email(email)
        with self._session() as session, session.begin():
            row = session.scalar(select(SubscriberRow).where(SubscriberRow.email == address))
            if row is None:
                return False
            session.execute(delete(DigestSendRow).where(DigestSendRow.subscriber_id == row.id))
            session.delete(row)
            return True

    def all(self) -> list[Subscriber]:
        with self._session() as session:
            return [
                _subscriber(row) for row in session.scalars(select(SubscriberRow).order_by(SubscriberRow.id))
            ]

    def iter_confirmed(self, batch: int = 1000) -> Iterator[Subscriber]:
        """Confirmed subscribers in id order, read in batches (no long-lived transaction)."""
        last = 0
        while True:
            with self._session() as session:
                rows = list(
                    session.scalars(
                        select(SubscriberRow)
                        .where(SubscriberRow.id > last, SubscriberRow.status == Status.CONFIRMED.value)
                        .order_by(SubscriberRow.id)
                        .limit(batch)
                    )
                )
            if not rows:
                return
            yield from (_subscriber(row) for row in rows)
            last = rows[-1].id

    def count_confirmed(self) -> int:
        with self._session() as session:
            query = select(func.count()).where(SubscriberRow.status == Status.CONFIRMED.value)
            return session.scalar(query) or 0

    def add_many(self, subscribers: Sequence[tuple[str, dict[str, Any], str]], now: datetime) -> int:
        """Bulk-add confirmed subscribers (email, search, language) in one transaction (imports, benches)."""
        now = now.astimezone(UTC)
        rows = [
            SubscriberRow(
                email=normalise_email(email),
                search=search,
                language=check_language(language),
                status=Status.CONFIRMED.value,
                token_nonce=new_nonce(),
                created=now,
                updated=now,
                confirmed_at=now,
            )
            for email, search, language in subscribers
        ]
        with self._session() as session, session.begin():
            session.add_all(rows)
        return len(rows)

    # --- the send log ---------------------------------------------------------------------

    def sends(self, period: str) -> dict[int, SendRecord]:
        """The send log of one period, by subscriber id."""
        with self._session() as session:
            rows = session.scalars(select(DigestSendRow).where(DigestSendRow.period == period))
            return {row.subscriber_id: _record(row) for row in rows}

    def begin_send(
        self,
        subscriber_id: int,
        period: str,
        message_id: str,
        event_ids: list[str],
        cutoff: datetime,
        now: datetime,
        *,
        total: int,
    ) -> SendRecord:
        """Record a digest about to go out; returns the existing record when there already is one."""
        now = now.astimezone(UTC)
        cutoff = cutoff.astimezone(UTC)
        values = {
            "subscriber_id": subscriber_id,
            "period": period,
            "status": SendStatus.PENDING.value,
            "message_id": message_id,
            "event_ids": event_ids,
            "total": total,
            "cutoff": cutoff,
            "attempts": 0,
            "created": now,
        }
        try:
            with self.store.engine.begin() as connection:
                connection.execute(insert(DigestSendRow).values(**values))
        except IntegrityError:
            with self._session() as session:
                existing = session.scalar(
                    select(DigestSendRow).where(
                        DigestSendRow.subscriber_id == subscriber_id, DigestSendRow.period == period
                    )
                )
                return _record(existing)
        return SendRecord(
            subscriber_id=subscriber_id,
            period=period,
            status=SendStatus.PENDING,
            message_id=message_id,
            event_ids=list(event_ids),
            total=total,
            cutoff=cutoff,
            attempts=0,
        )

    def finish_send(self, subscriber_id: int, period: str, attempts: int, now: datetime) -> None:
        """The server accepted the digest: mark it sent and move the subscriber's cut-off, together.

        Plain statements, no ORM round trip: this runs once per mail in a run of thousands."""
        now = now.astimezone(UTC)
        this_send = (DigestSendRow.subscriber_id == subscriber_id) & (DigestSendRow.period == period)
        with self.store.engine.begin() as connection:
            cutoff = connection.scalar(select(DigestSendRow.cutoff).where(this_send))
            if cutoff is None:
                return
            connection.execute(
                update(DigestSendRow)
                .where(this_send)
                .values(
                    status=SendStatus.SENT.value,
                    sent_at=now,
                    error=None,
                    attempts=DigestSendRow.attempts + attempts,
                )
            )
            connection.execute(
                update(SubscriberRow)
                .where(
                    SubscriberRow.id == subscriber_id,
                    (SubscriberRow.last_digest_at.is_(None)) | (SubscriberRow.last_digest_at < cutoff),
                )
                .values(last_digest_at=cutoff)
            )

    def note_failure(
        self, subscriber_id: int, period: str, error: str, *, counts: bool, give_up: int
    ) -> None:
        """Record a failed delivery; a refusal `counts` as an attempt, and after `give_up` of them
        the digest is marked failed and not tried again this period."""
        with self._session() as session, session.begin():
            row = session.scalar(
                select(DigestSendRow).where(
                    DigestSendRow.subscriber_id == subscriber_id, DigestSendRow.period == period
                )
            )
            if row is None:
                return
            row.error = error[:1000]
            if counts:
                row.attempts += 1
                if row.attempts >= give_up:
                    row.status = SendStatus.FAILED.value

    def send_counts(self, period: str) -> dict[str, int]:
        with self._session() as session:
            rows = session.execute(
                select(DigestSendRow.status, func.count())
                .where(DigestSendRow.period == period)
                .group_by(DigestSendRow.status)
            )
            return {status: count for status, count in rows}


def describe(subscriber: Subscriber) -> dict[str, Any]:
    """A subscriber as `kontext subscribers list --json` shows it."""
    return {
        "id": subscriber.id,
        "email": subscriber.email,
        "language": subscriber.language,
        "status": subscriber.status.value,
        "search": subscriber.search,
        "created": subscriber.created.isoformat(),
        "confirmed_at": subscriber.confirmed_at.isoformat() if subscriber.confirmed_at else None,
        "last_digest_at": subscriber.last_digest_at.isoformat() if subscriber.last_digest_at else None,
    }


def search_key(search: dict[str, Any]) -> str:
    """A canonical text of a saved search, so equal searches can share one query."""
    return json.dumps(search, sort_keys=True, ensure_ascii=False)
