"""The store: the source of truth for events and organisations (SQLite by default, any SQLAlchemy URL).

Events are upserted by their stable id with first_seen/last_seen. Every row whose content the
index has not yet seen is marked ``index_dirty`` — that flag is the outbox the indexer drains
(search/sync.py), so a Meilisearch outage delays the index but never loses an event.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import socket
import zlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Integer,
    LargeBinary,
    String,
    Text,
    create_engine,
    delete,
    event,
    func,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError, OperationalError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker

from kontext.errors import UserError
from kontext.records import Event, Organisation
from kontext.settings import Settings
from pipelines.dedupe import MatchKey, match_key, merge_versions, same_event
from pipelines.identity import canonical_url

log = logging.getLogger(__name__)

# A page no crawl of its source has fetched for this long is forgotten, with its HTTP cache entry:
# both tables would otherwise keep every page a source ever had (past events, old listings).
FORGET_PAGES_AFTER = timedelta(days=90)
# Fields that change on every crawl without the event changing; they do not make a row dirty.
VOLATILE_FIELDS = {"first_seen", "last_seen", "updated", "source_urls"}
# How long a write waits for another writer's lock (SQLite's busy timeout) before it gives up.
BUSY_SECONDS = 30.0
# What SQLite (SQLITE_BUSY) and other databases say when the write lock stayed taken.
LOCK_MESSAGES = ("database is locked", "database is busy")


class StoreError(UserError):
    """The store cannot be opened or written (locked, unreachable, wrong URL)."""


class StoreLocked(StoreError):
    """Another writer held the store's write lock past the busy wait; the transaction was rolled back."""

    def __init__(self, message: str, error: OperationalError) -> None:
        super().__init__(message)
        self.orig = error.orig  # the database's own words, as on an OperationalError


# What a write may fail with when the store is busy or away: the crawl's pipeline and the HTTP
# cache treat these as "retry at the next flush"; a command shows StoreLocked as its one line.
UNAVAILABLE = (StoreLocked, OperationalError)


def masked_url(url: str) -> str:
    """A database URL fit for a message: the password, if any, replaced by ***."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except (ArgumentError, ValueError):
        return re.sub(r"//([^/@:]*):[^/@]*@", r"//\1:***@", url)


def _is_lock(error: OperationalError) -> bool:
    return any(message in str(error.orig).lower() for message in LOCK_MESSAGES)


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


class EventSourceRow(Base):
    """One source's announcement of an event (a *version*); several may point to one event.

    `event_id` is the event (row in `events`) it belongs to; `crawl` names the crawl that last saw
    it; `state` is live, gone (no longer listed, still searchable during the grace period) or
    removed.
    """

    __tablename__ = "event_sources"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    event_id: Mapped[str] = mapped_column(String(64), index=True)
    source: Mapped[str] = mapped_column(String(100), index=True)
    page_url: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[str] = mapped_column(Text)
    content_hash: Mapped[str] = mapped_column(String(64))
    start_ts: Mapped[int | None] = mapped_column(Integer, nullable=True)
    end_ts: Mapped[int | None] = mapped_column(Integer, nullable=True)
    day: Mapped[str] = mapped_column(String(10), index=True)
    minute: Mapped[str] = mapped_column(String(5), default="")
    city_key: Mapped[str] = mapped_column(String(200), default="")
    title_key: Mapped[str] = mapped_column(Text, default="")
    url_key: Mapped[str] = mapped_column(Text, default="")
    first_seen: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_seen: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    crawl: Mapped[str] = mapped_column(String(80), default="")
    state: Mapped[str] = mapped_column(String(10), default="live", index=True)
    gone_since: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class CrawledPageRow(Base):
    """A page a source's crawl extracted: the hash of the body and the versions it produced, so an
    unchanged page is not extracted again."""

    __tablename__ = "crawled_pages"

    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    source: Mapped[str] = mapped_column(String(100), index=True)
    url: Mapped[str] = mapped_column(Text)
    digest: Mapped[str] = mapped_column(String(64))
    event_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    seen: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class HttpCacheRow(Base):
    """Scrapy's HTTP cache (crawler/cache.py): the last response per request fingerprint, so the
    next crawl can ask "changed since?" and reuse the body on 304 Not Modified."""

    __tablename__ = "http_cache"

    fingerprint: Mapped[str] = mapped_column(String(64), primary_key=True)
    url: Mapped[str] = mapped_column(Text)
    status: Mapped[int] = mapped_column(Integer)
    headers: Mapped[dict[str, list[str]]] = mapped_column(JSON, default=dict)
    body: Mapped[bytes] = mapped_column(LargeBinary)
    stored: Mapped[datetime] = mapped_column(DateTime(timezone=True))


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


@dataclass
class SightingCounts:
    """What one batch of a source's announcements did: `outcomes` maps each version id to new
    (a new event), merged (joined another source's event), updated or unchanged."""

    outcomes: dict[str, str] = field(default_factory=dict)
    events: set[str] = field(default_factory=set)

    def count(self, outcome: str) -> int:
        return sum(1 for value in self.outcomes.values() if value == outcome)


@dataclass
class VanishCounts:
    """Versions a finished crawl flagged gone, and versions that left search (with their events)."""

    gone: int = 0
    removed: int = 0
    events_removed: int = 0


def content_hash(record: Event | Organisation) -> str:
    payload = record.model_dump(mode="json", exclude=VOLATILE_FIELDS)
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def _utc(value: datetime) -> datetime:
    # SQLite hands back naive datetimes; everything stored is UTC.
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def _sqlite_pragmas(busy_seconds: float):
    def connect(dbapi_connection, _record) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout={int(busy_seconds * 1000)}")  # first: switching to WAL may wait too
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    return connect


class Store:
    """Events, organisations and crawl runs behind one small interface.

    `busy_seconds` is how long a write waits for another writer's lock; past it, the write is
    rolled back and raises StoreLocked.
    """

    def __init__(self, url: str, *, busy_seconds: float = BUSY_SECONDS) -> None:
        self.url = url
        self.busy_seconds = busy_seconds
        try:
            self.engine: Engine = create_engine(url, future=True)
        except Exception as error:  # any URL problem is the user's to fix
            raise StoreError(f"cannot use DATABASE_URL {masked_url(url)!r}: {error}") from None
        if self.engine.dialect.name == "sqlite":
            event.listen(self.engine, "connect", _sqlite_pragmas(busy_seconds))
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        for attempt in range(20):
            try:
                with self._lock_as_store_error():
                    Base.metadata.create_all(self.engine)
                break
            except OperationalError as error:
                # Two workers opening a new store at once: the other one created a table first;
                # the next attempt skips what exists.
                if "already exists" not in str(error.orig) or attempt == 19:
                    raise StoreError(f"cannot open the store {self.where}: {error.orig}") from None

    @property
    def where(self) -> str:
        """The database file of a SQLite store, else its URL without the password."""
        url = self.engine.url
        if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
            return str(url.database)
        return url.render_as_string(hide_password=True)

    @classmethod
    def from_settings(cls, settings: Settings) -> Store:
        if settings.database_url.startswith("sqlite:///"):
            settings.home.mkdir(parents=True, exist_ok=True)
        if settings.store_busy_seconds is None:
            return cls(settings.database_url)
        return cls(settings.database_url, busy_seconds=settings.store_busy_seconds)

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
        with self.writing() as session:
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
        with self.writing() as session:
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
        with self.writing() as session:
            for event_id, digest in pushed:
                session.execute(
                    update(EventRow)
                    .where(EventRow.id == event_id, EventRow.content_hash == digest)
                    .values(index_dirty=False)
                )

    def mark_all_dirty(self) -> None:
        with self.writing() as session:
            session.execute(update(EventRow).values(index_dirty=True))

    # --- organisations --------------------------------------------------------------------

    def upsert_organisations(self, organisations: Iterable[Organisation], now: datetime | None = None) -> int:
        now = now or datetime.now(UTC)
        written = 0
        with self.writing() as session:
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

    def start_crawl_run(self, source: str, now: datetime | None = None, stats: dict[str, Any] | None = None) -> int:
        with self.writing() as session:
            row = CrawlRunRow(source=source, started=now or datetime.now(UTC), stats=stats or {})
            session.add(row)
            session.flush()
            return row.id

    def finish_crawl_run(
        self, run_id: int, outcome: str, stats: dict[str, Any], now: datetime | None = None
    ) -> None:
        with self.writing() as session:
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

    def mark_interrupted_runs(self, source: str, now: datetime | None = None) -> int:
        """Close this host's runs of a source that still say "running" but whose process is gone
        (killed, crashed): they become "interrupted". Returns how many."""
        host = socket.gethostname()
        changed = 0
        with self.writing() as session:
            query = select(CrawlRunRow).where(CrawlRunRow.source == source, CrawlRunRow.outcome == "running")
            for row in session.scalars(query):
                stats = row.stats or {}
                if stats.get("kontext/host") != host or _process_alive(stats.get("kontext/pid")):
                    continue
                row.outcome = "interrupted"
                row.finished = now or datetime.now(UTC)
                changed += 1
        return changed

    # --- crawled versions, cross-source merging, vanished events ----------------------------

    @contextmanager
    def writing(self) -> Iterator[Session]:
        """A write transaction that takes SQLite's write lock at its start (BEGIN IMMEDIATE), so
        concurrent writers wait for each other instead of failing mid-transaction (a deferred
        transaction that has read cannot wait once another writer committed). Every write goes
        through here; a lock held past the busy wait rolls it all back and raises StoreLocked."""
        with self._lock_as_store_error(), self.session() as session:
            try:
                if self.engine.dialect.name == "sqlite":
                    session.execute(text("BEGIN IMMEDIATE"))
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    @contextmanager
    def _lock_as_store_error(self) -> Iterator[None]:
        try:
            yield
        except OperationalError as error:
            if not _is_lock(error):
                raise
            raise StoreLocked(
                f"cannot write to the store {self.where}: it is locked by another writer (waited "
                f"{self.busy_seconds:g} s); nothing was written, try again when the other writer is done",
                error,
            ) from error

    def check_writable(self) -> None:
        """Take the write lock once (and give it back): StoreLocked when another writer holds it
        longer than the busy timeout, a StoreError when the database refuses writes."""
        try:
            with self.writing():
                pass
        except StoreError:
            raise
        except OperationalError as error:
            raise StoreError(f"cannot write to the store {self.where}: {error.orig}; try again later") from None

    def record_sightings(
        self, sightings: Iterable[tuple[Event, str]], *, source: str, crawl: str, now: datetime | None = None
    ) -> SightingCounts:
        """Store what one source announced, as (normalised event, page URL) pairs.

        Each announcement is a version keyed by its own id. A version seen for the first time joins
        a matching event of another source (pipelines/dedupe.py) or starts a new event under its
        own id; either way ids never change afterwards. The events whose versions changed are
        rebuilt from their versions and put in the outbox.
        """
        now = now or datetime.now(UTC)
        counts = SightingCounts()
        batch: dict[str, tuple[Event, str]] = {}
        for item, page_url in sightings:
            if not item.id:
                raise ValueError("every event needs an id before it is stored")
            batch[item.id] = (item, page_url)
        if not batch:
            return counts
        with self.writing() as session:
            known = {
                row.id: row
                for row in session.scalars(select(EventSourceRow).where(EventSourceRow.id.in_(list(batch))))
            }
            keys = {version_id: match_key(item) for version_id, (item, _) in batch.items()}
            if any(key is None for key in keys.values()):
                raise ValueError("an event without a start cannot be stored as a sighting")
            candidates = self._candidates(session, {key.day for key in keys.values()}, source)  # type: ignore[union-attr]
            fresh: dict[str, str] = {}
            for version_id, (item, page_url) in batch.items():
                key = keys[version_id]
                digest = content_hash(item)
                row = known.get(version_id)
                if row is None:
                    target = _best_match(key, candidates.get(key.day, []))
                    row = EventSourceRow(
                        id=version_id,
                        event_id=target or version_id,
                        source=source,
                        first_seen=now,
                        content_hash="",
                    )
                    session.add(row)
                    fresh[version_id] = "merged" if target else "new"
                    changed = True
                    if target:  # one event takes one announcement per source
                        candidates[key.day] = [known for known in candidates[key.day] if known[0] != target]
                else:
                    changed = digest != row.content_hash or row.state != "live"
                    counts.outcomes[version_id] = "updated" if changed else "unchanged"
                row.page_url = page_url
                row.last_seen = now
                row.crawl = crawl
                row.state = "live"
                row.gone_since = None
                if changed:
                    _fill_version(row, item, key, digest)
                    counts.events.add(row.event_id)
            outcomes = self._rebuild_events(session, counts.events, now)
            for version_id, outcome in fresh.items():
                event_id = session.get(EventSourceRow, version_id).event_id
                # A first version of an event stored before versions existed is an update, not new.
                counts.outcomes[version_id] = (
                    "merged" if outcome == "merged" else ("new" if outcomes.get(event_id) == "new" else "updated")
                )
            seen = {row.event_id for row in known.values()} - counts.events
            if seen:
                session.execute(update(EventRow).where(EventRow.id.in_(list(seen))).values(last_seen=now))
        return counts

    def touch_pages(
        self, source: str, urls: Iterable[str], *, crawl: str, now: datetime | None = None
    ) -> SightingCounts:
        """An unchanged page was fetched again: its versions are seen in this crawl, unchanged."""
        now = now or datetime.now(UTC)
        counts = SightingCounts()
        keys = [_page_key(source, url) for url in urls]
        if not keys:
            return counts
        with self.writing() as session:
            session.execute(update(CrawledPageRow).where(CrawledPageRow.key.in_(keys)).values(seen=now))
            version_ids = {
                version_id
                for ids in session.scalars(select(CrawledPageRow.event_ids).where(CrawledPageRow.key.in_(keys)))
                for version_id in ids or []
            }
            if not version_ids:
                return counts
            rows = list(session.scalars(select(EventSourceRow).where(EventSourceRow.id.in_(list(version_ids)))))
            for row in rows:
                revived = row.state != "live"
                row.last_seen, row.crawl, row.state, row.gone_since = now, crawl, "live", None
                counts.outcomes[row.id] = "updated" if revived else "unchanged"
                if revived:
                    counts.events.add(row.event_id)
            self._rebuild_events(session, counts.events, now)
            untouched = {row.event_id for row in rows} - counts.events
            if untouched:
                session.execute(update(EventRow).where(EventRow.id.in_(list(untouched))).values(last_seen=now))
        return counts

    def save_pages(self, source: str, pages: dict[str, tuple[str, list[str]]], now: datetime | None = None) -> None:
        """Remember, per page URL, the body hash and the versions its extraction produced."""
        now = now or datetime.now(UTC)
        if not pages:
            return
        with self.writing() as session:
            keys = {_page_key(source, url): url for url in pages}
            query = select(CrawledPageRow).where(CrawledPageRow.key.in_(list(keys)))
            rows = {row.key: row for row in session.scalars(query)}
            for key, url in keys.items():
                digest, event_ids = pages[url]
                row = rows.get(key)
                if row is None:
                    session.add(
                        CrawledPageRow(key=key, source=source, url=url, digest=digest, event_ids=event_ids, seen=now)
                    )
                else:
                    row.digest, row.event_ids, row.seen = digest, event_ids, now

    def forget_pages(self, source: str, *, now: datetime, after: timedelta = FORGET_PAGES_AFTER) -> tuple[int, int]:
        """Forget the pages of `source` no crawl fetched for `after`, and every HTTP cache entry older
        than that whose page no source fetched since (robots.txt and failed pages included: the
        cache is a saving, the next crawl just asks without validators). (pages, cache entries) gone."""
        cutoff = now - after
        with self.writing() as session:
            pages = session.execute(
                delete(CrawledPageRow).where(CrawledPageRow.source == source, CrawledPageRow.seen < cutoff)
            ).rowcount
            recent = select(CrawledPageRow.url).where(CrawledPageRow.seen >= cutoff)
            cached = session.execute(
                delete(HttpCacheRow).where(HttpCacheRow.stored < cutoff, HttpCacheRow.url.not_in(recent))
            ).rowcount
        return pages or 0, cached or 0

    def page_digests(self, source: str) -> dict[str, str]:
        """Body hash per page URL of everything this source's crawls extracted."""
        with self.session() as session:
            query = select(CrawledPageRow.url, CrawledPageRow.digest).where(CrawledPageRow.source == source)
            return {url: digest for url, digest in session.execute(query)}

    def close_crawl(
        self,
        source: str,
        *,
        crawl: str,
        now: datetime | None = None,
        complete: bool,
        gone_urls: Iterable[str] = (),
        failed_urls: Iterable[str] = (),
        grace: timedelta = timedelta(days=2),
    ) -> VanishCounts:
        """After a crawl of `source`: flag the upcoming versions it no longer announces.

        - a version whose page answered 404/410 leaves search at once (the source removed it);
        - after a *complete* crawl (finished, no page limit, no failed listing), an upcoming version
          that was not seen is flagged gone; one still missing `grace` after it was flagged
          leaves search. Versions whose page failed to load in this crawl are not judged.
        - an event leaves search when all its versions have; otherwise it is rebuilt from the rest.
        Incomplete crawls flag nothing: a missing event may just not have been reached.
        """
        now = now or datetime.now(UTC)
        counts = VanishCounts()
        gone_pages = {canonical_url(url) for url in gone_urls}
        failed = {canonical_url(url) for url in failed_urls}
        now_ts = int(now.timestamp())
        with self.writing() as session:
            query = select(EventSourceRow).where(
                EventSourceRow.source == source, EventSourceRow.crawl != crawl, EventSourceRow.state != "removed"
            )
            affected: set[str] = set()
            for row in session.scalars(query):
                pages = {canonical_url(row.page_url), row.url_key} - {""}
                if pages & gone_pages:
                    row.state, row.gone_since = "removed", row.gone_since or now
                    counts.removed += 1
                    affected.add(row.event_id)
                    continue
                if not complete or pages & failed:
                    continue
                upcoming = (row.end_ts or row.start_ts or 0) >= now_ts
                if row.state == "live" and upcoming:
                    row.state, row.gone_since = "gone", now
                    counts.gone += 1
                elif row.state == "gone" and row.gone_since is not None and _utc(row.gone_since) <= now - grace:
                    row.state = "removed"
                    counts.removed += 1
                    affected.add(row.event_id)
            outcomes = self._rebuild_events(session, affected, now)
            counts.events_removed = sum(1 for outcome in outcomes.values() if outcome == "removed")
        return counts

    def unseen_pages(self, source: str, *, crawl: str, now: datetime, limit: int = 50) -> list[str]:
        """Pages of this source's upcoming versions that `crawl` has not seen (yet): the crawl asks
        for them once more, so that a page deleted by the site (404/410) is known as such."""
        with self.session() as session:
            query = (
                select(EventSourceRow.page_url)
                .where(
                    EventSourceRow.source == source,
                    EventSourceRow.crawl != crawl,
                    EventSourceRow.state != "removed",
                    or_(EventSourceRow.end_ts >= int(now.timestamp()), EventSourceRow.start_ts >= int(now.timestamp())),
                )
                .distinct()
                .order_by(EventSourceRow.page_url)
                .limit(limit)
            )
            return [url for url in session.scalars(query) if url]

    def event_versions(self, event_id: str) -> list[dict[str, Any]]:
        """Who announced an event: one entry per source version (source, page, state, first/last seen)."""
        with self.session() as session:
            query = (
                select(EventSourceRow)
                .where(EventSourceRow.event_id == event_id)
                .order_by(EventSourceRow.first_seen)
            )
            return [
                {
                    "id": row.id,
                    "source": row.source,
                    "page_url": row.page_url,
                    "state": row.state,
                    "first_seen": _utc(row.first_seen).isoformat(),
                    "last_seen": _utc(row.last_seen).isoformat(),
                    "gone_since": _utc(row.gone_since).isoformat() if row.gone_since else None,
                }
                for row in session.scalars(query)
            ]

    def gone_versions(self, source: str | None = None) -> list[dict[str, Any]]:
        """Versions flagged gone (still searchable during the grace period), oldest flag first."""
        with self.session() as session:
            query = select(EventSourceRow).where(EventSourceRow.state == "gone").order_by(EventSourceRow.gone_since)
            if source:
                query = query.where(EventSourceRow.source == source)
            return [
                {
                    "id": row.id,
                    "event_id": row.event_id,
                    "source": row.source,
                    "page_url": row.page_url,
                    "gone_since": _utc(row.gone_since).isoformat() if row.gone_since else None,
                }
                for row in session.scalars(query)
            ]

    def _candidates(self, session: Session, days: set[str], source: str) -> dict[str, list[tuple[str, MatchKey]]]:
        """Per day, the (event id, match key) of other sources' versions an announcement may join;
        events that already have a version from `source` are left out."""
        rows = list(
            session.execute(
                select(
                    EventSourceRow.event_id,
                    EventSourceRow.source,
                    EventSourceRow.day,
                    EventSourceRow.minute,
                    EventSourceRow.city_key,
                    EventSourceRow.title_key,
                    EventSourceRow.url_key,
                ).where(EventSourceRow.day.in_(list(days)), EventSourceRow.state != "removed")
            )
        )
        taken = {row.event_id for row in rows if row.source == source}
        result: dict[str, list[tuple[str, MatchKey]]] = {}
        for row in rows:
            if row.event_id in taken:
                continue
            key = MatchKey(day=row.day, minute=row.minute, city=row.city_key, title=row.title_key, url=row.url_key)
            result.setdefault(row.day, []).append((row.event_id, key))
        return result

    def _rebuild_events(self, session: Session, event_ids: set[str], now: datetime) -> dict[str, str]:
        """`_rebuild_event` for many events, with their rows and versions fetched in two queries."""
        if not event_ids:
            return {}
        ids = list(event_ids)
        rows = {row.id: row for row in session.scalars(select(EventRow).where(EventRow.id.in_(ids)))}
        versions: dict[str, list[EventSourceRow]] = {event_id: [] for event_id in ids}
        query = select(EventSourceRow).where(EventSourceRow.event_id.in_(ids))
        for version in session.scalars(query.order_by(EventSourceRow.first_seen, EventSourceRow.id)):
            versions[version.event_id].append(version)
        return {
            event_id: self._rebuild_event(session, event_id, now, versions=versions[event_id], row=rows.get(event_id))
            for event_id in ids
        }

    def _rebuild_event(
        self,
        session: Session,
        event_id: str,
        now: datetime,
        *,
        versions: list[EventSourceRow] | None = None,
        row: EventRow | None = None,
    ) -> str:
        """Write the event from its versions; 'new', 'updated', 'unchanged' or 'removed'."""
        if versions is None:
            versions = list(
                session.scalars(
                    select(EventSourceRow)
                    .where(EventSourceRow.event_id == event_id)
                    .order_by(EventSourceRow.first_seen, EventSourceRow.id)
                )
            )
            row = session.get(EventRow, event_id)
        present = [version for version in versions if version.state != "removed"]
        if not present:
            if row is None or row.removed:
                return "unchanged"
            row.removed, row.index_dirty = True, True
            return "removed"
        merged = merge_versions(event_id, [Event.model_validate_json(version.data) for version in present])
        first_seen = min(_utc(version.first_seen) for version in versions)
        if row is None:
            stored = merged.model_copy(update={"first_seen": first_seen, "last_seen": now, "updated": now})
            session.add(
                EventRow(
                    id=event_id,
                    source=stored.source,
                    data=stored.model_dump_json(),
                    content_hash=content_hash(stored),
                    start_ts=stored.start_ts,
                    first_seen=first_seen,
                    last_seen=now,
                    updated=now,
                    removed=False,
                    index_dirty=True,
                )
            )
            return "new"
        previous = Event.model_validate_json(row.data)
        first_seen = min(first_seen, _utc(row.first_seen))
        digest = content_hash(merged)
        changed = digest != row.content_hash or row.removed or previous.source_urls != merged.source_urls
        stored = merged.model_copy(
            update={"first_seen": first_seen, "last_seen": now, "updated": now if changed else _utc(row.updated)}
        )
        row.data = stored.model_dump_json()
        row.source = stored.source
        row.last_seen = now
        if not changed:
            return "unchanged"
        row.content_hash = digest
        row.start_ts = stored.start_ts
        row.updated = now
        row.removed = False
        row.index_dirty = True
        return "updated"

    # --- the HTTP cache (crawler/cache.py) ------------------------------------------------------

    def cached_response(self, fingerprint: str) -> tuple[str, int, dict[str, list[str]], bytes, datetime] | None:
        """(url, status, headers, body, stored) of the cached response for a request fingerprint."""
        with self.session() as session:
            row = session.get(HttpCacheRow, fingerprint)
            if row is None:
                return None
            return row.url, row.status, row.headers, zlib.decompress(row.body), _utc(row.stored)

    def cache_responses(
        self, entries: Iterable[tuple[str, str, int, dict[str, list[str]], bytes]], now: datetime
    ) -> None:
        """Store (fingerprint, url, status, headers, body) responses in one transaction."""
        batch = {entry[0]: entry for entry in entries}
        if not batch:
            return
        with self.writing() as session:
            query = select(HttpCacheRow).where(HttpCacheRow.fingerprint.in_(list(batch)))
            rows = {row.fingerprint: row for row in session.scalars(query)}
            for fingerprint, (_, url, status, headers, body) in batch.items():
                packed = zlib.compress(body, 1)
                row = rows.get(fingerprint)
                if row is None:
                    row = HttpCacheRow(fingerprint=fingerprint, url=url, status=status, headers=headers, body=packed)
                    row.stored = now
                    session.add(row)
                else:
                    row.url, row.status, row.headers, row.body, row.stored = url, status, headers, packed, now


def _best_match(key: MatchKey, candidates: list[tuple[str, MatchKey]]) -> str | None:
    """The event id of the candidate that is most surely the same event, if any is."""
    best, best_score = None, 0.0
    for event_id, known in candidates:
        score = same_event(key, known)
        if score > best_score:
            best, best_score = event_id, score
    return best


def _fill_version(row: EventSourceRow, item: Event, key: MatchKey, digest: str) -> None:
    row.data = item.model_dump_json()
    row.content_hash = digest
    row.start_ts = item.start_ts
    row.end_ts = item.end_ts
    row.day, row.minute, row.city_key, row.title_key, row.url_key = key.day, key.minute, key.city, key.title, key.url


def _page_key(source: str, url: str) -> str:
    return hashlib.sha1(f"{source}\x1f{url}".encode(), usedforsecurity=False).hexdigest()


def _process_alive(pid: Any) -> bool:
    if not isinstance(pid, int) or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
