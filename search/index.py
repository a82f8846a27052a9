"""The one place that talks to Meilisearch: index settings as data, documents, writes, swaps, reads.

Transport and API errors are translated here into `SearchUnavailable` / `SearchError`, so callers
never see a client library's exception. Writes go through the official client and wait for their
task, so "done" means searchable. Reads (search, multi-search, one document) go through one
httpx client of our own, opening a fresh connection per request: on a kept-alive connection,
Meilisearch's larger answers stall ~40 ms on TCP delayed ACKs (measured in bench/search_latency.py:
p50 48 ms kept alive vs 7 ms fresh for the same search), while a fresh local connection costs
well under a millisecond.
"""

from __future__ import annotations

import json
import logging
import re
import time
import unicodedata
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any

import httpx
import meilisearch
import yaml
from meilisearch.errors import MeilisearchApiError, MeilisearchCommunicationError, MeilisearchTimeoutError
from meilisearch.models.task import TaskInfo

from kontext.errors import UserError
from kontext.records import Event
from kontext.services import Meili
from kontext.settings import PROJECT_ROOT
from search.compounds import Decompounder, load_decompounder
from search.vocabulary import Vocabulary, load_vocabulary

log = logging.getLogger(__name__)

TASK_TIMEOUT_MS = 300_000
SYNONYMS_FILE = PROJECT_ROOT / "config" / "synonyms.yaml"
DESCRIPTION_LIMIT = 5000
# C0 controls except tab/newline; \x02 and \x03 are the highlight markers and must never come from content.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def load_synonyms(path: Path = SYNONYMS_FILE) -> dict[str, list[str]]:
    """Meilisearch synonyms from groups of equivalent words: every member maps to all others."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    synonyms: dict[str, list[str]] = {}
    for group in data.get("groups") or []:
        words = list(dict.fromkeys(str(word).strip().casefold() for word in group if str(word).strip()))
        for word in words:
            others = [other for other in words if other != word]
            synonyms[word] = sorted(set(synonyms.get(word, [])) | set(others))
    return dict(sorted(synonyms.items()))


def event_index_settings(synonyms: dict[str, list[str]] | None = None) -> dict[str, Any]:
    """The events index settings, declared once. The order of searchableAttributes is deliberate:
    a hit in the title outranks one in a compound part of the title, then the sector, topic and
    format names (German and English), the organiser and place, and last the description."""
    return {
        "searchableAttributes": [
            "title",
            "title_parts",
            "sector_names",
            "topic_names",
            "format_names",
            "tags",
            "organizer",
            "city",
            "region",
            "venue_name",
            "description",
            "description_parts",
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
            "organizer_key",
            "organisation_id",
            "source",
            "status",
            "language",
            "first_seen_ts",
            "_geo",
        ],
        "sortableAttributes": ["start_ts", "sme_score", "_geo", "title_sort", "first_seen_ts"],
        # sme_score and date after relevance; an explicit sort (date, SME score, distance) right
        # after the number of matched words, so a sorted search still puts full matches first.
        "rankingRules": [
            "words",
            "sort",
            "typo",
            "proximity",
            "attribute",
            "exactness",
            "sme_score:desc",
            "start_ts:asc",
        ],
        "synonyms": load_synonyms() if synonyms is None else synonyms,
        # Postcodes and years must match exactly: 30159 is not 30169, 2026 is not 2025.
        "typoTolerance": {"disableOnNumbers": True, "minWordSizeForTypos": {"oneTypo": 5, "twoTypos": 9}},
        "pagination": {"maxTotalHits": 5000},
        "faceting": {"maxValuesPerFacet": 200, "sortFacetValuesBy": {"*": "count"}},
    }


EVENT_INDEX_SETTINGS: dict[str, Any] = event_index_settings()


class SearchError(UserError):
    """Meilisearch refused a request (bad filter, bad settings, missing index)."""


class SearchUnavailable(SearchError):
    """Meilisearch cannot be reached or did not answer in time."""


@contextmanager
def translated_errors(what: str) -> Iterator[None]:
    """Meilisearch client errors as SearchUnavailable / SearchError (a missing index passes through)."""
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


def _text(value: str | None) -> str | None:
    """Crawled text as the index may hold it: no control characters (they would pose as markers)."""
    return _CONTROL.sub("", value) if value else value


def organizer_key(name: str | None, organisation_id: str | None = None) -> str | None:
    """The key of an organiser's page: its organisation id, else a slug of its name."""
    if organisation_id:
        return organisation_id
    if not name:
        return None
    folded = unicodedata.normalize("NFKD", name.casefold().replace("ß", "ss"))
    ascii_name = "".join(char for char in folded if not unicodedata.combining(char))
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name).strip("-")
    return slug[:80] or None


def _tags(tags: list, kind: str, vocabulary: Vocabulary) -> list[dict[str, Any]]:
    return [
        {
            "code": tag.code,
            "label": vocabulary.label(kind, tag.code, "de"),
            "label_en": vocabulary.label(kind, tag.code, "en"),
            "score": round(tag.score, 3),
            "evidence": [_text(item) for item in tag.evidence[:10]],
        }
        for tag in tags
    ]


@lru_cache(maxsize=1)
def _default_helpers() -> tuple[Vocabulary, Decompounder]:
    return load_vocabulary(), load_decompounder()


def event_document(
    event: Event, vocabulary: Vocabulary | None = None, decompounder: Decompounder | None = None
) -> dict[str, Any]:
    """The flat document the index holds for one event: what search, facets, pages and feeds need.

    Besides the event's fields it carries what makes it findable: the German and English names of
    its sector, topic and format codes, and the parts of the German compounds in its title and
    description (see search/compounds.py).
    """
    if vocabulary is None or decompounder is None:
        default_vocabulary, default_decompounder = _default_helpers()
        vocabulary = vocabulary or default_vocabulary
        decompounder = decompounder or default_decompounder
    venue = event.venue
    organizer = event.organizer
    price = event.price
    title = _text(event.title) or ""
    description = (_text(event.description) or "")[:DESCRIPTION_LIMIT]
    tags = [_text(tag) for tag in event.tags]
    format_code = event.format.value if event.format else None
    document: dict[str, Any] = {
        "id": event.id,
        "title": title,
        "title_sort": title.casefold(),
        "title_parts": " ".join(decompounder.parts(" ".join([title, *tags]))),
        "description": description,
        "description_parts": " ".join(decompounder.parts(description)),
        "url": event.url,
        "registration_url": event.registration_url,
        "registration_deadline": event.registration_deadline.isoformat() if event.registration_deadline else None,
        "image": event.image,
        "start": event.start.isoformat() if event.start else None,
        "end": event.end.isoformat() if event.end else None,
        "start_ts": event.start_ts,
        "end_ts": event.end_ts,
        "all_day": event.all_day,
        "timezone": event.timezone,
        "status": event.status.value,
        "attendance": event.attendance.value if event.attendance else None,
        "venue_name": _text(venue.name) if venue else None,
        "street": _text(venue.street) if venue else None,
        "postcode": venue.postcode if venue else None,
        "city": _text(venue.city) if venue else None,
        "region": _text(venue.region) if venue else None,
        "country": venue.country if venue else None,
        "organizer": _text(organizer.name) if organizer else None,
        "organizer_kind": organizer.kind.value if organizer else None,
        "organizer_url": organizer.url if organizer else None,
        "organisation_id": organizer.organisation_id if organizer else None,
        "organizer_key": organizer_key(organizer.name, organizer.organisation_id) if organizer else None,
        "format": format_code,
        "format_label": vocabulary.label("formats", format_code, "de") if format_code else None,
        "format_names": vocabulary.names("formats", format_code) if format_code else [],
        "sectors": [tag.code for tag in event.sectors],
        "sector_labels": [vocabulary.label("sectors", tag.code, "de") for tag in event.sectors],
        "sector_names": [name for tag in event.sectors for name in vocabulary.names("sectors", tag.code)],
        "sector_tags": _tags(event.sectors, "sectors", vocabulary),
        "topics": [tag.code for tag in event.topics],
        "topic_labels": [vocabulary.label("topics", tag.code, "de") for tag in event.topics],
        "topic_names": [name for tag in event.topics for name in vocabulary.names("topics", tag.code)],
        "topic_tags": _tags(event.topics, "topics", vocabulary),
        "audience": event.audience.label.value if event.audience else None,
        "sme_score": round(event.audience.sme_score, 3) if event.audience else 0.0,
        "audience_evidence": [_text(item) for item in event.audience.evidence[:10]] if event.audience else [],
        "language": event.language,
        "free": price.free if price else None,
        "price_amount": price.amount if price else None,
        "price_currency": price.currency if price else None,
        "price_text": _text(price.text) if price else None,
        "tags": tags,
        "source": event.source,
        "source_urls": event.source_urls,
        "extraction": event.extraction.value if event.extraction else None,
        "first_seen_ts": int(event.first_seen.timestamp()) if event.first_seen else None,
        "updated_ts": int(event.updated.timestamp()) if event.updated else None,
    }
    if venue and venue.geo:
        document["_geo"] = {"lat": venue.geo.lat, "lng": venue.geo.lng}
    return document


def _settings_differ(wanted: Any, actual: Any, key: str = "") -> bool:
    """True when the live settings lack something of ours (extra defaults on their side are fine)."""
    if isinstance(wanted, dict):
        if not isinstance(actual, dict):
            return True
        return any(_settings_differ(value, actual.get(name), name) for name, value in wanted.items())
    if key in {"filterableAttributes", "sortableAttributes"} and isinstance(actual, list):
        return {json.dumps(item, sort_keys=True) for item in wanted} != {
            json.dumps(item, sort_keys=True) for item in actual
        }
    if isinstance(wanted, list) and isinstance(actual, list) and key not in {"searchableAttributes", "rankingRules"}:
        return sorted(map(str, wanted)) != sorted(map(str, actual))
    return wanted != actual


class SearchIndex:
    """One logical index (events or organisations) on one Meilisearch server."""

    def __init__(self, meili: Meili, uid: str, settings: dict[str, Any] | None = None) -> None:
        self.meili = meili
        self.uid = uid
        self.settings = settings if settings is not None else EVENT_INDEX_SETTINGS
        self.client = meilisearch.Client(meili.url, meili.key, timeout=30)
        self._http: httpx.Client | None = None

    # --- plumbing -------------------------------------------------------------------------

    @property
    def http(self) -> httpx.Client:
        """The client for reads (created on first use, thread-safe); no keep-alive, see above."""
        if self._http is None:
            headers = {"Authorization": f"Bearer {self.meili.key}"} if self.meili.key else {}
            self._http = httpx.Client(
                base_url=self.meili.url,
                headers=headers,
                timeout=httpx.Timeout(10.0, connect=2.0),
                limits=httpx.Limits(max_connections=64, max_keepalive_connections=0),
            )
        return self._http

    def close(self) -> None:
        """Close the read connections (the index object stays usable; they reopen on demand)."""
        if self._http is not None:
            self._http.close()
            self._http = None

    def _read(self, method: str, path: str, what: str, body: Any = None, missing_ok: bool = False) -> Any:
        """One read request, errors translated; None for something missing when `missing_ok`."""
        try:
            response = self.http.request(method, path, json=body)
        except httpx.TimeoutException:
            raise SearchUnavailable(f"Meilisearch timed out while {what}") from None
        except httpx.HTTPError as error:
            raise SearchUnavailable(f"Meilisearch is not reachable while {what}: {type(error).__name__}") from None
        if response.status_code < 400:
            return response.json()
        try:
            detail = response.json()
        except ValueError:
            detail = {"message": response.text[:200], "code": ""}
        code = detail.get("code", "")
        if missing_ok and code in {"document_not_found", "index_not_found"}:
            return None
        if code == "index_not_found":
            raise SearchError("the search index does not exist yet; run `kontext index`")
        if response.status_code >= 500:
            raise SearchUnavailable(f"Meilisearch failed while {what}: {detail.get('message', '')}")
        raise SearchError(f"Meilisearch refused {what}: {detail.get('message', '')}")

    def _wait(self, task: Any, what: str) -> None:
        with translated_errors(what):
            done = self.client.wait_for_task(task.task_uid, timeout_in_ms=TASK_TIMEOUT_MS, interval_in_ms=20)
        if done.status != "succeeded":
            error = (done.error or {}).get("message", done.status)
            raise SearchError(f"Meilisearch task failed while {what}: {error}")

    def exists(self, uid: str | None = None) -> bool:
        """Whether the index (this one, or `uid`) exists."""
        with translated_errors("looking up an index"):
            try:
                self.client.get_index(uid or self.uid)
            except MeilisearchApiError as error:
                if error.code == "index_not_found":
                    return False
                raise
        return True

    def healthy(self) -> bool:
        """Whether the server answers its health check."""
        try:
            return self.http.get("/health").status_code == 200
        except httpx.HTTPError:
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

    def settings_outdated(self) -> bool:
        """True when the live index exists with settings other than ours (a rebuild applies them)."""
        with translated_errors("reading index settings"):
            try:
                actual = self.client.index(self.uid).get_settings()
            except MeilisearchApiError as error:
                if error.code == "index_not_found":
                    return False
                raise
        return _settings_differ(self.settings, actual)

    # --- writes ---------------------------------------------------------------------------

    def put(self, documents: list[dict[str, Any]], uid: str | None = None) -> None:
        """Add or replace documents (in this index or `uid`) and wait until they are searchable."""
        if not documents:
            return
        target = uid or self.uid
        with translated_errors("adding documents"):
            task = self.client.index(target).add_documents(documents, primary_key="id")
        self._wait(task, "adding documents")

    def delete(self, ids: list[str]) -> None:
        """Delete documents by id and wait until they are gone."""
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
        """One search; a `q` inside `params` (the query layer's rewritten text) wins over `query`."""
        body = {"q": query, **(params or {})}
        return self._read("POST", f"/indexes/{self.uid}/search", "searching", body)

    def multi_search(self, queries: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Several searches on this index in one round trip, results in the same order."""
        body = {"queries": [{"indexUid": self.uid, **query} for query in queries]}
        return self._read("POST", "/multi-search", "searching", body)["results"]

    def document(self, document_id: str) -> dict[str, Any] | None:
        """One document by id; None when there is none (or the id could not be one)."""
        if not re.fullmatch(r"[A-Za-z0-9_-]{1,511}", document_id):
            return None
        return self._read("GET", f"/indexes/{self.uid}/documents/{document_id}", "fetching a document", missing_ok=True)

    def count(self) -> int:
        """How many documents the index holds (0 when it does not exist)."""
        with translated_errors("reading index stats"):
            try:
                return int(self.client.index(self.uid).get_stats().number_of_documents)
            except MeilisearchApiError as error:
                if error.code == "index_not_found":
                    return 0
                raise
