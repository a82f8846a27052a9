"""Index documents and settings: what an event becomes in the index, and how settings changes arrive."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from kontext.services import Meili
from kontext.store import Store
from search.index import EVENT_INDEX_SETTINGS, SearchIndex, event_document, load_synonyms, organizer_key
from search.sync import sync_index
from tests.search.conftest import catalogue, event


def test_documents_carry_names_parts_and_evidence_but_no_control_characters() -> None:
    item = event(
        "d1", "Verpackungsmesse \x02Nord\x03", 3, sectors=("machinery",), form="trade-fair", description="Ab\x00c"
    )
    document = event_document(item)
    assert document["title"] == "Verpackungsmesse Nord" and document["description"] == "Abc"
    assert document["title_parts"] == "verpackung messe"
    assert document["sector_names"] == ["Maschinen- & Anlagenbau", "Mechanical & plant engineering"]
    assert document["format_names"] == ["Messe & Ausstellung", "Trade fair & exhibition"]
    assert document["sector_tags"][0]["evidence"] == ["Begriff für machinery"]
    assert document["audience_evidence"] == ["IHK als Veranstalter"]
    assert document["organizer_key"] == "ihk-musterland"
    assert document["_geo"] == {"lat": 52.3705, "lng": 9.7332}
    assert document["start_ts"] == item.start_ts and document["first_seen_ts"] == int(item.first_seen.timestamp())


def test_organizer_keys_are_url_safe_slugs_or_the_organisation_id() -> None:
    assert organizer_key("Handwerkskammer Süd / Außenstelle") == "handwerkskammer-sud-aussenstelle"
    assert organizer_key("IHK", "org-42") == "org-42"
    assert organizer_key(None) is None


def test_synonym_groups_map_every_member_to_the_others() -> None:
    synonyms = load_synonyms()
    assert "hydrogen" in synonyms["wasserstoff"] and "wasserstoff" in synonyms["hydrogen"]
    assert {"sme", "mittelstand"} <= set(synonyms["kmu"])
    assert "kmu" not in synonyms["kmu"]
    assert EVENT_INDEX_SETTINGS["typoTolerance"]["disableOnNumbers"] is True
    assert EVENT_INDEX_SETTINGS["rankingRules"][-2:] == ["sme_score:desc", "start_ts:asc"]


@pytest.mark.meili
def test_changed_settings_reach_the_index_by_a_rebuild_that_never_empties_it(meili: Meili, tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'k.db'}")
    store.upsert_events(catalogue())
    uid = f"settings_{uuid.uuid4().hex[:8]}"
    old = SearchIndex(meili, uid, {**EVENT_INDEX_SETTINGS, "synonyms": {}})
    sync_index(store, old)
    assert old.search("hydrogen", {"filter": ["audience = sme"]})["hits"] == []
    current = SearchIndex(meili, uid)
    assert current.settings_outdated()
    report = sync_index(store, current)
    assert report.rebuilt and report.indexed == store.count_events() and current.count() == store.count_events()
    assert not current.settings_outdated()
    assert [hit["id"] for hit in current.search("hydrogen", {})["hits"]] == ["wst"]
    assert not [index.uid for index in current.client.get_indexes()["results"] if index.uid.startswith(f"{uid}_build_")]
    report = sync_index(store, current)
    assert not report.rebuilt and report.indexed == 0
    current.client.delete_index(uid)
    current.close()
    old.close()
    store.close()


@pytest.mark.meili
def test_reads_answer_missing_documents_and_indexes_plainly(meili: Meili) -> None:
    index = SearchIndex(meili, f"missing_{uuid.uuid4().hex[:8]}")
    assert index.document("nothing") is None
    assert index.document("../../keys") is None  # not a document id: never sent to Meilisearch
    assert index.healthy()
    index.close()
