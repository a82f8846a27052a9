"""Bring the index in line with the store: drain the outbox, or rebuild and swap.

The store is the source of truth. `sync_index` pushes every dirty row (additions and removals)
and clears a row's flag only after Meilisearch confirmed the write, so an outage at any moment
leaves the rows dirty and the next run finishes the job. When the live index was built with other
settings (synonyms, attributes, ranking changed in code), `sync_index` rebuilds from the store and
swaps, so settings changes reach the index the same way as a full reindex: without downtime.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from kontext.store import Store
from search.index import SearchIndex, event_document

log = logging.getLogger(__name__)


@dataclass
class SyncReport:
    """What one sync did: documents indexed and deleted, rows left dirty, whether it rebuilt."""

    indexed: int = 0
    deleted: int = 0
    remaining: int = 0
    rebuilt: bool = False


def sync_index(store: Store, index: SearchIndex, batch: int = 2000) -> SyncReport:
    """Push the store's outbox into the index; raises SearchUnavailable if Meilisearch is down
    (what was confirmed so far stays confirmed)."""
    if index.settings_outdated():
        log.info("index %s has outdated settings: rebuilding it from the store", index.uid)
        count = rebuild_index(store, index)
        return SyncReport(indexed=count, remaining=store.count_dirty(), rebuilt=True)
    index.ensure()
    report = SyncReport()
    while True:
        rows = store.dirty_events(limit=batch)
        if not rows:
            break
        additions = [(event_id, digest, event) for event_id, digest, event in rows if event is not None]
        removals = [(event_id, digest) for event_id, digest, event in rows if event is None]
        index.put([event_document(event) for _, _, event in additions])
        index.delete([event_id for event_id, _ in removals])
        store.mark_indexed([(event_id, digest) for event_id, digest, _ in additions] + removals)
        report.indexed += len(additions)
        report.deleted += len(removals)
        log.info("indexed %d, deleted %d", report.indexed, report.deleted)
    report.remaining = store.count_dirty()
    return report


def rebuild_index(store: Store, index: SearchIndex) -> int:
    """A fresh index from the whole store, swapped in without downtime; clears the outbox."""
    snapshot = {row_id: digest for row_id, digest, _ in store.dirty_events(limit=10**9)}
    count = index.rebuild(event_document(event) for event in store.iter_events())
    # Rows that changed while the rebuild ran keep their flag (their hash differs from the snapshot).
    store.mark_indexed(snapshot.items())
    return count
