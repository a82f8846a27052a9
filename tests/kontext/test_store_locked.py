"""A store whose SQLite file another writer holds locked (an open BEGIN IMMEDIATE in a second
connection) past the busy wait: writes end in StoreLocked, one line naming the lock and the file,
nothing half-written, and the same write goes through once the lock is gone."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy.exc import OperationalError

from kontext.errors import UserError
from kontext.records import Event
from kontext.store import UNAVAILABLE, Store, StoreError, StoreLocked, masked_url

NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)


def event(event_id: str) -> Event:
    return Event(
        id=event_id,
        title=f"Sprechtag Export {event_id}",
        start=datetime(2027, 1, 14, 9, 0, tzinfo=UTC),
        source="ihk-test",
        source_urls=[f"https://ihk.example/{event_id}"],
    )


@contextmanager
def other_writer(database: Path) -> Iterator[sqlite3.Connection]:
    """A second connection holding the write lock with one row written, committed on leaving."""
    connection = sqlite3.connect(database, isolation_level=None)
    connection.execute("CREATE TABLE IF NOT EXISTS other_writer (note TEXT)")
    connection.execute("BEGIN IMMEDIATE")
    connection.execute("INSERT INTO other_writer VALUES ('written while the store waited')")
    try:
        yield connection
    finally:
        connection.execute("COMMIT")
        connection.close()


@pytest.fixture
def database(tmp_path: Path) -> Path:
    return tmp_path / "kontext.db"


@pytest.fixture
def store(database: Path) -> Iterator[Store]:
    store = Store(f"sqlite:///{database}", busy_seconds=0.2)
    yield store
    store.close()


def test_a_write_past_the_busy_wait_is_one_line_naming_the_lock_and_the_file(store: Store, database: Path) -> None:
    with other_writer(database), pytest.raises(StoreLocked) as raised:
        store.upsert_events([event("a")], now=NOW)
    error = raised.value
    assert isinstance(error, StoreError) and isinstance(error, UserError)  # the CLI's one line, exit 2
    assert isinstance(error, UNAVAILABLE)  # the crawl pipeline and the HTTP cache retry it at the next flush
    message = str(error)
    assert "\n" not in message and "locked" in message and str(database) in message
    assert "0.2 s" in message and "sqlalche.me" not in message


def test_check_writable_refuses_a_locked_store(store: Store, database: Path) -> None:
    with other_writer(database), pytest.raises(StoreLocked, match="locked by another writer"):
        store.check_writable()
    store.check_writable()  # the lock is gone


def test_nothing_is_half_written_and_the_rerun_stores_everything_once(store: Store, database: Path) -> None:
    store.upsert_events([event("a"), event("b")], now=NOW)
    with other_writer(database):
        with pytest.raises(StoreLocked):
            store.upsert_events([event("b"), event("c"), event("d")], now=NOW)
        with pytest.raises(StoreLocked):
            store.remove_events(["a"])
    assert store.event_ids() == {"a", "b"}  # what was written before stays; the failed batch left no trace
    rerun = store.upsert_events([event("b"), event("c"), event("d")], now=NOW)
    assert (rerun.new, rerun.unchanged) == (2, 1)
    assert store.event_ids() == {"a", "b", "c", "d"}
    with sqlite3.connect(database) as connection:
        assert connection.execute("SELECT count(*) FROM other_writer").fetchone()[0] == 1


def test_other_operational_errors_are_not_called_a_lock(store: Store) -> None:
    from sqlalchemy import text

    with pytest.raises(OperationalError) as raised, store.writing() as session:
        session.execute(text("SELECT * FROM no_such_table"))
    assert not isinstance(raised.value, StoreError)


def test_database_urls_in_messages_never_show_the_password() -> None:
    assert (
        masked_url("postgresql://kontext:s3cr3t@db.internal/kontext") == "postgresql://kontext:***@db.internal/kontext"
    )
    assert "s3cr3t" not in masked_url("not a url://kontext:s3cr3t@db.internal/kontext")
    with pytest.raises(StoreError) as raised:
        Store("nosuchdialect://kontext:s3cr3t@db.internal/kontext")
    assert "s3cr3t" not in str(raised.value) and "kontext:***@db.internal" in str(raised.value)


def test_a_crawl_left_incomplete_by_a_refusing_store_asks_for_a_rerun() -> None:
    from crawler.run import SourceReport

    refused = {"kontext/errors/store_unavailable": 2, "kontext/pages": 7, "finish_reason": "finished"}
    assert SourceReport.from_stats("ihk-lock", refused).store_refused  # `kontext crawl` exits 2 after its report
    recovered = {**refused, "kontext/complete": 1, "kontext/events/new": 6}  # a later flush stored everything
    assert not SourceReport.from_stats("ihk-lock", recovered).store_refused
    incomplete = {"kontext/pages": 7, "finish_reason": "finished"}  # incomplete for another reason
    assert not SourceReport.from_stats("ihk-lock", incomplete).store_refused
