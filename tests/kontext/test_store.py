from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from kontext.records import Event, Venue
from kontext.store import Store

NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)


def event(event_id: str, title: str = "Fachtagung Verpackung", **fields) -> Event:
    return Event(
        id=event_id,
        title=title,
        start=datetime(2027, 1, 14, 9, 0, tzinfo=UTC),
        source="ihk-test",
        source_urls=[f"https://ihk.example/{event_id}"],
        **fields,
    )


@pytest.fixture
def store(tmp_path: Path):
    store = Store(f"sqlite:///{tmp_path / 'store.db'}")
    yield store
    store.close()


def test_upsert_counts_new_then_unchanged_and_keeps_first_seen(store: Store) -> None:
    first = store.upsert_events([event("a"), event("b")], now=NOW)
    assert (first.new, first.updated, first.unchanged) == (2, 0, 0)
    later = NOW + timedelta(days=1)
    second = store.upsert_events([event("a"), event("b")], now=later)
    assert (second.new, second.updated, second.unchanged) == (0, 0, 2)
    stored = store.get_event("a")
    assert stored.first_seen == NOW
    assert stored.last_seen == later
    assert stored.updated == NOW
    assert store.count_events() == 2


def test_a_change_updates_the_row_and_puts_it_back_in_the_outbox(store: Store) -> None:
    store.upsert_events([event("a")], now=NOW)
    store.mark_indexed([(row_id, digest) for row_id, digest, _ in store.dirty_events()])
    assert store.count_dirty() == 0
    counts = store.upsert_events([event("a", venue=Venue(city="Hannover"))], now=NOW + timedelta(hours=1))
    assert counts.updated == 1
    (row_id, _, dirty) = store.dirty_events()[0]
    assert row_id == "a" and dirty.venue.city == "Hannover"


def test_source_urls_from_several_crawls_are_merged(store: Store) -> None:
    store.upsert_events([event("a")], now=NOW)
    other = event("a").model_copy(update={"source_urls": ["https://hwk.example/a"]})
    counts = store.upsert_events([other], now=NOW)
    assert counts.unchanged == 1
    assert store.get_event("a").source_urls == ["https://ihk.example/a", "https://hwk.example/a"]


def test_marking_indexed_ignores_rows_that_changed_meanwhile(store: Store) -> None:
    store.upsert_events([event("a")], now=NOW)
    snapshot = [(row_id, digest) for row_id, digest, _ in store.dirty_events()]
    store.upsert_events([event("a", title="Fachtagung Verpackung 2027")], now=NOW)
    store.mark_indexed(snapshot)
    assert store.count_dirty() == 1


def test_removed_events_leave_search_but_wait_in_the_outbox(store: Store) -> None:
    store.upsert_events([event("a"), event("b")], now=NOW)
    store.mark_indexed([(row_id, digest) for row_id, digest, _ in store.dirty_events()])
    assert store.remove_events(["a"]) == 1
    assert store.get_event("a") is None
    assert store.count_events() == 1
    assert [(row_id, item) for row_id, _, item in store.dirty_events()] == [("a", None)]


def test_events_without_an_id_are_refused(store: Store) -> None:
    with pytest.raises(ValueError, match="needs an id"):
        store.upsert_events([event("")])


def test_crawl_runs_are_recorded(store: Store) -> None:
    run = store.start_crawl_run("ihk-test", now=NOW)
    store.finish_crawl_run(run, "finished", {"kontext/pages": 3}, now=NOW + timedelta(minutes=2))
    (recorded,) = store.crawl_runs("ihk-test")
    assert recorded["outcome"] == "finished"
    assert recorded["stats"] == {"kontext/pages": 3}


def test_pages_no_crawl_fetched_for_90_days_are_forgotten_with_their_cache(store: Store) -> None:
    start = datetime(2026, 1, 5, 3, 0, tzinfo=UTC)
    pages = {url: ("digest", []) for url in ("https://ihk.example/a", "https://ihk.example/b")}
    store.save_pages("ihk", pages, now=start)
    store.save_pages("hwk", {"https://hwk.example/c": ("digest", [])}, now=start)
    entries = [
        (f"fp-{name}", url, 200, {}, b"<h1>page</h1>")
        for name, url in (("a", "https://ihk.example/a"), ("b", "https://ihk.example/b"), ("r", "https://ihk.example/robots.txt"))
    ]  # fmt: skip
    store.cache_responses(entries, start)
    later = start + timedelta(days=100)
    store.touch_pages("ihk", ["https://ihk.example/a"], crawl="c2", now=later)  # fetched again, unchanged (304)
    assert store.forget_pages("ihk", now=later) == (1, 2)  # page b; the cache of b and of robots.txt
    assert set(store.page_digests("ihk")) == {"https://ihk.example/a"}
    assert store.cached_response("fp-a") is not None  # its page is still fetched, though stored long ago
    assert store.cached_response("fp-b") is None and store.cached_response("fp-r") is None
    assert set(store.page_digests("hwk")) == {"https://hwk.example/c"}  # another source's pages wait for its crawl
    assert store.forget_pages("ihk", now=later) == (0, 0)
