"""The store: the source of truth for events and organisations (SQLite by default, any SQLAlchemy URL).

Events are upserted by their stable id with first_seen/last_seen. Every row whose content the
index has not yet seen is marked ``index_dirty`` — that flag is the outbox the indexer drains
(search/sync.py), so a Meilisearch outage delays the index but never loses an event.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Integer,
    String,
    Text,
    create_engine,
    event,
    func,
    select,
    update,
)
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker

from kontext.errors import UserError
from kontext.records import Event, Organisation
from kontext.settings import Settings

log = logging.getLogger(__name__)

# Fields that change on every crawl without the event changing; they do not make a row dirty.
VOLATILE_FIELDS = {"first_seen", "last_seen", "updated", "source_urls"}


class StoreError(UserError):
    """The store cannot be opened or written (locked, unreachable, wrong URL)."""


class Base(DeclarativeBase):
    pass


class EventRow(Base):
    __tablename__ = "events"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    source: Mapped[str] = mapped_column(String(100), index=True)
    data: Mapped[str] = mapped_column(Text)
    content_hash: Mapped[str] = mapped_column(String(64))
    start_ts: Mapped[int | None] = mapped_column(Integer, index=True)
    first_seen: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_seen: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    removed: Mapped[bool] = mapped_column(Boolean, default=False)
    index_dirty: Mapped[bool] = mapped_column(Boolean, default=True, index=True)


class OrganisationRow(Base):
    __tablename__ = "organisations"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    source: Mapped[str] = mapped_column(String(100), index=True)
    data: Mapped[str] = mapped_column(Text)
    content_hash: Mapped[str] = mapped_column(String(64))
    first_seen: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_seen: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    index_dirty: Mapped[bool] = mapped_column(Boolean, default=True, index=True)


class CrawlRunRow(Base):
    __tablename__ = "crawl_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    source: Mapped[str] = mapped_column(String(100), index=True)
    started: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    finished: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    outcome: Mapped[str] = mapped_column(String(20), default="running")
    stats: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


@dataclass
class UpsertCounts:
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    ids: list[str] = field(default_factory=list)

    def add(self, other: UpsertCounts) -> None:
        self.new += other.new
        self.updated += other.updated
        self.unchanged += other.unchanged
        self.ids.extend(other.ids)


def content_hash(record: Event | Organisation) -> str:
    payload = record.model_dump(mode="json", exclude=VOLATILE_FIELDS)
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def _utc(value: datetime) -> datetime:
    # SQLite hands back naive datetimes; everything stored is UTC.
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


class Store:
    """Events, organisations and crawl runs behind one small interface."""

    def __init__(self, url: str) -> None:
        self.url = url
        try:
            self.engine: Engine = create_engine(url, future=True)
        except Exception as error:  # any URL problem is the user's to fix
            raise StoreError(f"cannot use DATABASE_URL {url!r}: {error}") from None
        if self.engine.dialect.name == "sqlite":
            event.listen(self.engine, "connect", _sqlite_pragmas)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        try:
            Base.metadata.create_all(self.engine)
        except OperationalError as error:
            raise StoreError(f"cannot open the store at {url}: {error.orig}") from None

    @classmethod
    def from_settings(cls, settings: Settings) -> Store:
        if settings.database_url.startswith("sqlite:///"):
            settings.home.mkdir(parents=True, exist_ok=True)
        return cls(settings.database_url)

    def close(self) -> None:
        self.engine.dispose()

    def session(self) -> Session:
        return self._sessions()

    # --- events ---------------------------------------------------------------------------

    def upsert_events(self, events: Iterable[Event], now: datetime | None = None) -> UpsertCounts:
        """Insert new events and update changed ones in one transaction; see module docstring."""
        now = now or datetime.now(UTC)
        counts = UpsertCounts()
        batch = {item.id: item for item in events}
        if not batch:
            return counts
        if any(not key for key in batch):
            raise ValueError("every event needs an id before it is stored")
        with self.session() as session, session.begin():
            existing = {
                row.id: row for row in session.scalars(select(EventRow).where(EventRow.id.in_(list(batch))))
            }
            for event_id, item in batch.items():
                row = existing.get(event_id)
                if row is None:
                    stored = item.model_copy(update={"first_seen": now, "last_seen": now, "updated": now})
                    session.add(
                        EventRow(
                            id=event_id,
                            source=item.source,
                            data=stored.model_dump_json(),
                            content_hash=content_hash(stored),
                            start_ts=stored.start_ts,
                            first_seen=now,
                            last_seen=now,
                            updated=now,
                            removed=False,
                            index_dirty=True,
                        )
                    )
                    counts.new += 1
                    counts.ids.append(event_id)
                    continue
                previous = Event.model_validate_json(row.data)
                source_urls = list(dict.fromkeys([*previous.source_urls, *item.source_urls]))
                digest = content_hash(item)
                changed = digest != row.content_hash or row.removed
                merged = item.model_copy(
                    update={
                        "first_seen": _utc(row.first_seen),
                        "last_seen": now,
                        "updated": now if changed else _utc(row.updated),
                        "source_urls": source_urls,
                    }
                )
                row.data = merged.model_dump_json()
                row.last_seen = now
                if changed:
                    row.content_hash = digest
                    row.start_ts = merged.start_ts
                    row.updated = now
                    row.removed = False
                    row.index_dirty = True
                    counts.updated += 1
                else:
                    counts.unchanged += 1
                counts.ids.append(event_id)
        return counts

    def get_event(self, event_id: str) -> Event | None:
        with self.session() as session:
            row = session.get(EventRow, event_id)
            return None if row is None or row.removed else Event.model_validate_json(row.data)

    def iter_events(self, *, include_removed: bool = False, batch: int = 1000) -> Iterator[Event]:
        """All stored events, streamed in id order."""
        last = ""
        while True:
            with self.session() as session:
                query = select(EventRow).where(EventRow.id > last).order_by(EventRow.id).limit(batch)
                if not include_removed:
                    query = query.where(EventRow.removed.is_(False))
                rows = list(session.scalars(query))
            if not rows:
                return
            for row in rows:
                yield Event.model_validate_json(row.data)
            last = rows[-1].id

    def count_events(self, *, source: str | None = None) -> int:
        with self.session() as session:
            query = select(func.count()).select_from(EventRow).where(EventRow.removed.is_(False))
            if source:
                query = query.where(EventRow.source == source)
            return session.scalar(query) or 0

    def event_ids(self, *, source: str | None = None) -> set[str]:
        with self.session() as session:
            query = select(EventRow.id).where(EventRow.removed.is_(False))
            if source:
                query = query.where(EventRow.source == source)
            return set(session.scalars(query))

    def remove_events(self, ids: Iterable[str]) -> int:
        """Mark events removed; the outbox then deletes them from the index."""
        ids = list(ids)
        if not ids:
            return 0
        with self.session() as session, session.begin():
            result = session.execute(
                update(EventRow)
                .where(EventRow.id.in_(ids), EventRow.removed.is_(False))
                .values(removed=True, index_dirty=True)
            )
            return result.rowcount or 0

    # --- the outbox -----------------------------------------------------------------------

    def dirty_events(self, limit: int = 1000) -> list[tuple[str, str, Event | None]]:
        """Rows the index has not seen yet: (id, content hash, event or None when removed)."""
        with self.session() as session:
            rows = session.scalars(
                select(EventRow).where(EventRow.index_dirty.is_(True)).order_by(EventRow.id).limit(limit)
            )
            return [
                (row.id, row.content_hash, None if row.removed else Event.model_validate_json(row.data))
                for row in rows
            ]

    def count_dirty(self) -> int:
        with self.session() as session:
            return session.scalar(select(func.count()).where(EventRow.index_dirty.is_(True))) or 0

    def mark_indexed(self, pushed: Iterable[tuple[str, str]]) -> None:
        """Clear the outbox flag for (id, hash) pairs the index confirmed; a row that changed in
        the meantime keeps its flag."""
        with self.session() as session, session.begin():
            for event_id, digest in pushed:
                session.execute(
                    update(EventRow)
                    .where(EventRow.id == event_id, EventRow.content_hash == digest)
                    .values(index_dirty=False)
                )

    def mark_all_dirty(self) -> None:
        with self.session() as session, session.begin():
            session.execute(update(EventRow).values(index_dirty=True))

    # --- organisations --------------------------------------------------------------------

    def upsert_organisations(self, organisations: Iterable[Organisation], now: datetime | None = None) -> int:
        now = now or datetime.now(UTC)
        written = 0
        with self.session() as session, session.begin():
            for item in organisations:
                digest = content_hash(item)
                row = session.get(OrganisationRow, item.id)
                if row is None:
                    session.add(
                        OrganisationRow(
                            id=item.id,
                            source=item.source,
                            data=item.model_dump_json(),
                            content_hash=digest,
                            first_seen=now,
                            last_seen=now,
                            index_dirty=True,
                        )
                    )
                    written += 1
                else:
                    row.last_seen = now
                    if row.content_hash != digest:
                        row.data, row.content_hash, row.index_dirty = item.model_dump_json(), digest, True
                        written += 1
        return written

    def get_organisation(self, organisation_id: str) -> Organisation | None:
        with self.session() as session:
            row = session.get(OrganisationRow, organisation_id)
            return None if row is None else Organisation.model_validate_json(row.data)

    def iter_organisations(self) -> Iterator[Organisation]:
        with self.session() as session:
            for row in session.scalars(select(OrganisationRow).order_by(OrganisationRow.id)):
                yield Organisation.model_validate_json(row.data)

    # --- crawl runs -----------------------------------------------------------------------

    def start_crawl_run(self, source: str, now: datetime | None = None) -> int:
        with self.session() as session, session.begin():
            row = CrawlRunRow(source=source, started=now or datetime.now(UTC), stats={})
            session.add(row)
            session.flush()
            return row.id

    def finish_crawl_run(
        self, run_id: int, outcome: str, stats: dict[str, Any], now: datetime | None = None
    ) -> None:
        with self.session() as session, session.begin():
            row = session.get(CrawlRunRow, run_id)
            if row is not None:
                row.finished = now or datetime.now(UTC)
                row.outcome = outcome
                row.stats = stats

    def crawl_runs(self, source: str | None = None, limit: int = 20) -> list[dict[str, Any]]:
        with self.session() as session:
            query = select(CrawlRunRow).order_by(CrawlRunRow.id.desc()).limit(limit)
            if source:
                query = query.where(CrawlRunRow.source == source)
            return [
                {
                    "id": row.id,
                    "source": row.source,
                    "started": _utc(row.started).isoformat(),
                    "finished": _utc(row.finished).isoformat() if row.finished else None,
                    "outcome": row.outcome,
                    "stats": row.stats,
                }
                for row in session.scalars(query)
            ]
