"""The one place that talks to Meilisearch: index settings as data, documents, writes, swaps.

Transport and API errors are translated here into `SearchUnavailable` / `SearchError`, so callers
never see a client library's exception. Writes wait for their task, so "done" means searchable.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import meilisearch
from meilisearch.errors import MeilisearchApiError, MeilisearchCommunicationError, MeilisearchTimeoutError
from meilisearch.models.task import TaskInfo

from kontext.errors import UserError
from kontext.records import Event
from kontext.services import Meili

log = logging.getLogger(__name__)

TASK_TIMEOUT_MS = 300_000

# Index settings, declared once. Attribute order in searchableAttributes is deliberate:
# a hit in the title outranks one in the sectors, which outranks the description.
EVENT_INDEX_SETTINGS: dict[str, Any] = {
    "searchableAttributes": [
        "title",
        "sector_labels",
        "topic_labels",
        "format_label",
        "organizer",
        "city",
        "region",
        "tags",
        "description",
    ],
    "filterableAttributes": [
        "sectors",
        "topics",
        "format",
        "audience",
        "sme_score",
        "start_ts",
        "end_ts",
        "city",
        "region",
        "country",
        "attendance",
        "free",
        "organizer",
        "organizer_kind",
        "organisation_id",
        "source",
        "status",
        "language",
        "first_seen_ts",
        "_geo",
    ],
    "sortableAttributes": ["start_ts", "sme_score", "_geo", "title_sort"],
    "rankingRules": [
        "words",
        "typo",
        "proximity",
        "attribute",
        "exactness",
        "sme_score:desc",
        "start_ts:asc",
    ],
    "typoTolerance": {"disableOnNumbers": True, "minWordSizeForTypos": {"oneTypo": 5, "twoTypos": 9}},
    "pagination": {"maxTotalHits": 5000},
    "faceting": {"maxValuesPerFacet": 200, "sortFacetValuesBy": {"*": "count"}},
}


class SearchError(UserError):
    """Meilisearch refused a request (bad filter, bad settings)."""


class SearchUnavailable(SearchError):
    """Meilisearch cannot be reached or did not answer in time."""


@contextmanager
def translated_errors(what: str) -> Iterator[None]:
    try:
        yield
    except MeilisearchCommunicationError as error:
        raise SearchUnavailable(f"Meilisearch is not reachable while {what}: {error}") from None
    except MeilisearchTimeoutError:
        raise SearchUnavailable(f"Meilisearch timed out while {what}") from None
    except MeilisearchApiError as error:
        if error.code in {"index_not_found"}:
            raise
        raise SearchError(f"Meilisearch refused {what}: {error.message}") from None


def event_document(event: Event) -> dict[str, Any]:
    """The flat document the index holds for one event (what search, facets and pages need)."""
    venue = event.venue
    organizer = event.organizer
    document: dict[str, Any] = {
        "id": event.id,
        "title": event.title,
        "title_sort": event.title.casefold(),
        "description": event.description[:5000],
        "url": event.url,
        "registration_url": event.registration_url,
        "image": event.image,
        "start": event.start.isoformat() if event.start else None,
        "end": event.end.isoformat() if event.end else None,
        "start_ts": event.start_ts,
        "end_ts": event.end_ts,
        "all_day": event.all_day,
        "timezone": event.timezone,
        "status": event.status.value,
        "attendance": event.attendance.value if event.attendance else None,
        "venue_name": venue.name if venue else None,
        "street": venue.street if venue else None,
        "postcode": venue.postcode if venue else None,
        "city": venue.city if venue else None,
        "region": venue.region if venue else None,
        "country": venue.country if venue else None,
        "organizer": organizer.name if organizer else None,
        "organizer_kind": organizer.kind.value if organizer else None,
        "organizer_url": organizer.url if organizer else None,
        "organisation_id": organizer.organisation_id if organizer else None,
        "format": event.format.value if event.format else None,
        "format_label": event.format.value.replace("-", " ") if event.format else None,
        "sectors": [tag.code for tag in event.sectors],
        "sector_labels": [tag.label or tag.code for tag in event.sectors],
        "topics": [tag.code for tag in event.topics],
        "topic_labels": [tag.label or tag.code for tag in event.topics],
        "audience": event.audience.label.value if event.audience else None,
        "sme_score": round(event.audience.sme_score, 3) if event.audience else 0.0,
        "language": event.language,
        "free": event.price.free if event.price else None,
        "tags": event.tags,
        "source": event.source,
        "source_urls": event.source_urls,
        "extraction": event.extraction.value if event.extraction else None,
        "first_seen_ts": int(event.first_seen.timestamp()) if event.first_seen else None,
        "updated_ts": int(event.updated.timestamp()) if event.updated else None,
    }
    if venue and venue.geo:
        document["_geo"] = {"lat": venue.geo.lat, "lng": venue.geo.lng}
    return document


class SearchIndex:
    """One logical index (events or organisations) on one Meilisearch server."""

    def __init__(self, meili: Meili, uid: str, settings: dict[str, Any] | None = None) -> None:
        self.meili = meili
        self.uid = uid
        self.settings = settings if settings is not None else EVENT_INDEX_SETTINGS
        self.client = meilisearch.Client(meili.url, meili.key, timeout=30)

    # --- plumbing -------------------------------------------------------------------------

    def _wait(self, task: Any, what: str) -> None:
        with translated_errors(what):
            done = self.client.wait_for_task(task.task_uid, timeout_in_ms=TASK_TIMEOUT_MS, interval_in_ms=20)
        if done.status != "succeeded":
            error = (done.error or {}).get("message", done.status)
            raise SearchError(f"Meilisearch task failed while {what}: {error}")

    def exists(self, uid: str | None = None) -> bool:
        with translated_errors("looking up an index"):
            try:
                self.client.get_index(uid or self.uid)
            except MeilisearchApiError as error:
                if error.code == "index_not_found":
                    return False
                raise
        return True

    def healthy(self) -> bool:
        try:
            return bool(self.client.is_healthy())
        except Exception:  # any failure means "not healthy"
            return False

    def _create(self, uid: str) -> None:
        with translated_errors(f"creating index {uid}"):
            task = self.client.create_index(uid, {"primaryKey": "id"})
        self._wait(task, f"creating index {uid}")
        with translated_errors(f"configuring index {uid}"):
            task = self.client.index(uid).update_settings(self.settings)
        self._wait(task, f"configuring index {uid}")

    def ensure(self) -> None:
        """Create the live index with its settings if it does not exist yet."""
        if not self.exists():
            self._create(self.uid)

    # --- writes ---------------------------------------------------------------------------

    def put(self, documents: list[dict[str, Any]], uid: str | None = None) -> None:
        if not documents:
            return
        target = uid or self.uid
        with translated_errors("adding documents"):
            task = self.client.index(target).add_documents(documents, primary_key="id")
        self._wait(task, "adding documents")

    def delete(self, ids: list[str]) -> None:
        if not ids:
            return
        index = self.client.index(self.uid)
        with translated_errors("deleting documents"):
            # The documented delete-batch route; the client's `ids` argument warns as deprecated.
            response = index.http.post(f"indexes/{self.uid}/documents/delete-batch", [str(i) for i in ids])
        task = TaskInfo(**response)
        self._wait(task, "deleting documents")

    def rebuild(self, documents: Iterable[dict[str, Any]], batch: int = 5000) -> int:
        """Build a fresh index beside the live one and swap it in; the live index is never emptied.

        Also how settings changes are applied: the fresh index is created with the current settings.
        """
        fresh = f"{self.uid}_build_{int(time.time() * 1000)}"
        self._create(fresh)
        count = 0
        chunk: list[dict[str, Any]] = []
        try:
            for document in documents:
                chunk.append(document)
                if len(chunk) >= batch:
                    self.put(chunk, uid=fresh)
                    count += len(chunk)
                    chunk = []
            self.put(chunk, uid=fresh)
            count += len(chunk)
            if not self.exists():
                self._create(self.uid)
            with translated_errors("swapping indexes"):
                task = self.client.swap_indexes([{"indexes": [self.uid, fresh]}])
            self._wait(task, "swapping indexes")
        finally:
            if self.exists(fresh):
                with translated_errors("deleting the old index"):
                    task = self.client.delete_index(fresh)
                self._wait(task, "deleting the old index")
        return count

    # --- reads ----------------------------------------------------------------------------

    def search(self, query: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        with translated_errors("searching"):
            try:
                return self.client.index(self.uid).search(query, params or {})
            except MeilisearchApiError as error:
                if error.code == "index_not_found":
                    raise SearchError("the search index does not exist yet; run `kontext index`") from None
                raise

    def document(self, document_id: str) -> dict[str, Any] | None:
        with translated_errors("fetching a document"):
            try:
                found = self.client.index(self.uid).get_document(document_id)
            except MeilisearchApiError as error:
                if error.code in {"document_not_found", "index_not_found"}:
                    return None
                raise
        return dict(found)

    def count(self) -> int:
        with translated_errors("reading index stats"):
            try:
                return int(self.client.index(self.uid).get_stats().number_of_documents)
            except MeilisearchApiError as error:
                if error.code == "index_not_found":
                    return 0
                raise
