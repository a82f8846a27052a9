"""Organisations are searchable: their own index (settings as data, rebuilt from the store) and page
(/organisations, /api/organisations), tested against a real Meilisearch."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest

from kontext.records import Event, Organisation, Organizer
from kontext.settings import load_settings
from kontext.store import Store
from kontext.vocabulary import OrganizerKind
from search.index import SearchIndex, event_document
from search.organisations import (
    ORGANISATION_INDEX_SETTINGS,
    organisation_document,
    organisations_index,
    search_organisations,
    sync_organisations,
)
from search.web import directory
from search.web.app import create_app
from tests.conftest import clean_environment
from tests.search.conftest import LiveServer

pytestmark = pytest.mark.meili
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=ZoneInfo("Europe/Berlin"))
SCRIPT = "<script>alert('x')</script>"

RECORDS = [
    Organisation(id="ihk-hannover", name="IHK Hannover", kind=OrganizerKind.CHAMBER, region="Niedersachsen",
                 city="Hannover", url="https://www.ihk.de/hannover/", events_url="https://www.ihk.de/hannover/termine"),
    Organisation(id="handwerkskammer-hannover", name="Handwerkskammer Hannover", kind=OrganizerKind.CRAFTS_CHAMBER,
                 sectors=["crafts"], region="Niedersachsen", city="Hannover"),
    Organisation(id="vdma", name="VDMA e.V.", kind=OrganizerKind.ASSOCIATION, sectors=["machinery"],
                 region="Hessen", city="Frankfurt am Main", url="https://www.vdma.eu/",
                 description="Verband Deutscher Maschinen- und Anlagenbau"),
    Organisation(id="kunststoffcluster", name="Kunststoffcluster Nord", kind=OrganizerKind.CLUSTER,
                 sectors=["chemicals"], region="Hamburg", city="Hamburg"),
    Organisation(id="cluster-leichtbau", name="Cluster Leichtbau Sachsen", kind=OrganizerKind.CLUSTER,
                 sectors=["materials", "vehicles"], region="Sachsen", city="Dresden", url="javascript:alert(1)"),
    Organisation(id="xss", name=f"Verband {SCRIPT}", kind=OrganizerKind.ASSOCIATION, region="Bayern"),
]  # fmt: skip


@pytest.fixture(scope="module")
def settings(meili, tmp_path_factory):
    return load_settings(
        {
            **clean_environment(),
            "KONTEXT_HOME": str(tmp_path_factory.mktemp("organisations")),
            "MEILI_URL": meili.url,
            "MEILI_MASTER_KEY": meili.key or "",
            "KONTEXT_INDEX_PREFIX": f"o{uuid.uuid4().hex[:10]}",
        }
    )


@pytest.fixture(scope="module")
def index(settings, meili):
    store = Store.from_settings(settings)
    store.upsert_organisations(RECORDS)
    assert sync_organisations(store, meili, settings) == len(RECORDS)
    store.close()
    index = organisations_index(meili, settings)
    yield index
    index.client.delete_index(index.uid)
    index.close()


@pytest.fixture(scope="module")
def client(settings, meili, index):
    events = SearchIndex(meili, settings.events_index)
    upcoming = Event(
        id="e1", title="Exporttag", start=NOW + timedelta(days=3), source="t",
        organizer=Organizer(name="IHK Hannover", kind=OrganizerKind.CHAMBER, organisation_id="ihk-hannover"),
    )  # fmt: skip
    past = upcoming.model_copy(update={"id": "e2", "start": NOW - timedelta(days=30)})
    events.rebuild(event_document(item) for item in (upcoming, past))
    app = create_app(settings, meili, clock=lambda: NOW)
    app.include_router(directory.router(settings, meili))
    with LiveServer(app) as live, httpx.Client(base_url=live.url, timeout=30) as http:
        yield http
    events.client.delete_index(events.uid)
    events.close()


def test_settings_are_data_and_documents_carry_search_names() -> None:
    assert {"kind", "region", "sectors"} <= set(ORGANISATION_INDEX_SETTINGS["filterableAttributes"])
    document = organisation_document(RECORDS[2])
    assert document["kind"] == "association" and "Verband" in document["kind_names"]
    assert any("Maschinen" in name for name in document["sector_names"])


def test_search_by_name_kind_region_and_sector(index) -> None:
    assert [hit["id"] for hit in search_organisations(index, "Anlagenbau").hits] == ["vdma"]
    assert [hit["id"] for hit in search_organisations(index, "Kunststoff").hits] == ["kunststoffcluster"]
    chambers = search_organisations(index, "Hannover", kind="crafts_chamber")
    assert [hit["id"] for hit in chambers.hits] == ["handwerkskammer-hannover"]
    assert {hit["id"] for hit in search_organisations(index, region="Niedersachsen").hits} == {
        "ihk-hannover",
        "handwerkskammer-hannover",
    }
    assert [hit["id"] for hit in search_organisations(index, sector="vehicles").hits] == ["cluster-leichtbau"]
    everything = search_organisations(index)
    assert everything.total == len(RECORDS) and everything.facets["kind"]["association"] == 2
    assert [hit["name"] for hit in everything.hits][:2] == [
        "Cluster Leichtbau Sachsen",
        "Handwerkskammer Hannover",
    ]


def test_a_rebuild_drops_records_that_left_the_store(settings, meili, index) -> None:
    other = load_settings({**clean_environment(), "KONTEXT_HOME": str(settings.home / "other"),
                           "MEILI_URL": meili.url, "MEILI_MASTER_KEY": meili.key or "",
                           "KONTEXT_INDEX_PREFIX": f"p{uuid.uuid4().hex[:10]}"})  # fmt: skip
    store = Store.from_settings(other)
    store.upsert_organisations(RECORDS[:2])
    sync_organisations(store, meili, other)
    store.close()
    fresh = organisations_index(meili, other)
    try:
        assert search_organisations(fresh).total == 2
    finally:
        fresh.client.delete_index(fresh.uid)
        fresh.close()


def test_the_page_lists_organisations_escaped_with_safe_links(client) -> None:
    response = client.get("/organisations", params={"q": "Verband"})
    assert response.status_code == 200
    text = response.text
    assert "VDMA e.V." in text and "https://www.vdma.eu/" in text
    assert SCRIPT not in text and "&lt;script&gt;" in text
    cluster = client.get("/organisations", params={"q": "Leichtbau"}).text
    assert "Cluster <mark>Leichtbau</mark> Sachsen" in cluster and "javascript:" not in cluster


def test_the_page_links_organisers_with_upcoming_events(client) -> None:
    text = client.get("/organisations", params={"q": "IHK Hannover"}).text
    assert 'href="/organisers/ihk-hannover"' in text and "1 kommende Veranstaltungen" in text
    english = client.get("/organisations", params={"q": "IHK Hannover", "lang": "en"}).text
    assert "1 upcoming events on Kontext" in english


def test_filters_on_the_page_and_in_the_api(client) -> None:
    text = client.get("/organisations", params={"kind": "cluster"}).text
    assert "Cluster Leichtbau Sachsen" in text and "Kunststoffcluster Nord" in text and "VDMA" not in text
    body = client.get("/api/organisations", params={"region": "Niedersachsen", "kind": "chamber"}).json()
    assert [hit["id"] for hit in body["hits"]] == ["ihk-hannover"] and body["total"] == 1
    assert not any(key.startswith("_") for key in body["hits"][0])


@pytest.mark.parametrize(
    ("path", "params"), [("/api/organisations", {"kind": "club"}), ("/organisations", {"kind": "x"})]
)
def test_an_unknown_kind_is_a_bad_request(client, path, params) -> None:
    response = client.get(path, params=params)
    assert response.status_code == 400


def test_before_the_first_sync_the_directory_is_empty_not_an_error(meili, tmp_path) -> None:
    fresh = load_settings(
        {
            **clean_environment(),
            "KONTEXT_HOME": str(tmp_path),
            "MEILI_URL": meili.url,
            "MEILI_MASTER_KEY": meili.key or "",
            "KONTEXT_INDEX_PREFIX": f"o{uuid.uuid4().hex[:10]}",
        }
    )
    index = organisations_index(meili, fresh)
    assert not index.exists()
    assert search_organisations(index, "Kammer").hits == []
    index.close()
    with LiveServer(create_app(fresh, meili, clock=lambda: NOW)) as live, httpx.Client(base_url=live.url) as http:
        response = http.get("/api/organisations", params={"q": "Kammer"})
    assert response.status_code == 200
    assert response.json() == {"hits": [], "total": 0, "page": 1, "pages": 1, "facets": {}}
