"""The store is the source of truth: a Meilisearch outage during indexing loses nothing."""

import os
import signal
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from kontext.records import Event
from kontext.services import Meili, start_meili, stop_meili
from kontext.settings import load_settings
from kontext.store import Store
from search.index import SearchIndex, SearchUnavailable
from search.sync import rebuild_index, sync_index
from tests.conftest import clean_environment, run_kontext

pytestmark = pytest.mark.meili
START = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)


def events(count: int, prefix: str = "e") -> list[Event]:
    return [
        Event(id=f"{prefix}{n:05d}", title=f"Werkstattgespräch {n}", start=START + timedelta(hours=n), source="t")
        for n in range(count)
    ]


def index_ids(index: SearchIndex) -> set[str]:
    found, offset = set(), 0
    while True:
        page = index.client.index(index.uid).get_documents({"fields": ["id"], "limit": 1000, "offset": offset})
        found.update(document.id for document in page.results)
        offset += 1000
        if offset >= page.total:
            return found


def test_sync_pushes_the_outbox_and_rebuild_swaps_without_emptying(meili: Meili, tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'k.db'}")
    index = SearchIndex(meili, f"sync_{os.getpid()}_{int(time.time())}")
    store.upsert_events(events(30))
    report = sync_index(store, index)
    assert (report.indexed, report.remaining) == (30, 0)
    store.remove_events(["e00003"])
    assert sync_index(store, index).deleted == 1
    assert index_ids(index) == store.event_ids()
    store.upsert_events(events(5, prefix="n"))
    assert rebuild_index(store, index) == 34
    assert index_ids(index) == store.event_ids()
    assert store.count_dirty() == 0
    assert not [uid for uid in (i.uid for i in index.client.get_indexes()["results"]) if "_build_" in uid]
    store.close()


def test_meilisearch_killed_during_indexing_then_kontext_index_restores_exactly_the_store(tmp_path: Path) -> None:
    settings = load_settings({**clean_environment(), "KONTEXT_HOME": str(tmp_path / "meili")})
    server = start_meili(settings)
    store = Store(f"sqlite:///{tmp_path / 'k.db'}")
    store.upsert_events(events(6000))
    index = SearchIndex(server, "outage_events")
    failure: list[Exception] = []

    def indexing() -> None:
        try:
            sync_index(store, index, batch=250)
        except SearchUnavailable as error:
            failure.append(error)

    worker = threading.Thread(target=indexing)
    worker.start()
    deadline = time.monotonic() + 60
    while store.count_dirty() == 6000 and time.monotonic() < deadline:
        time.sleep(0.01)
    os.kill(server.pid, signal.SIGKILL)  # mid-run: some batches confirmed, the rest not
    worker.join(timeout=120)
    assert failure, "indexing should have failed when Meilisearch died"
    left = store.count_dirty()
    assert 0 < left < 6000

    store.remove_events(["e00001", "e05999"])  # the store moves on while the index is down
    env = {
        **clean_environment(),
        "KONTEXT_HOME": str(tmp_path / "cli"),
        "DATABASE_URL": store.url,
        "MEILI_URL": server.url,
        "MEILI_MASTER_KEY": server.key,
        "KONTEXT_INDEX_PREFIX": "outage",
    }
    env_down = run_kontext(env, "index")
    assert env_down.returncode == 2
    assert env_down.stderr.strip().count("\n") == 0 and "not reachable" in env_down.stderr
    assert "Traceback" not in env_down.stderr

    restarted = start_meili(settings)  # same data directory, new process
    try:
        result = run_kontext({**env, "MEILI_URL": restarted.url}, "index")
        assert result.returncode == 0, result.stderr
        assert store.count_dirty() == 0
        revived = SearchIndex(restarted, "outage_events")
        assert index_ids(revived) == store.event_ids()
        assert len(store.event_ids()) == 5998
    finally:
        stop_meili(settings)
        store.close()
