"""Fixtures of the reliability scenarios, and the plugin behind `make faults`: it marks the scenarios
that live with their owners' tests (tests/reliability/scenarios.py lists them) as `faults`, and after
a run selected with `-m faults` writes docs/reliability.md with each scenario's last result."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import httpx
import pytest

from digest.subscribers import Subscribers
from kontext.services import Meili
from kontext.settings import Settings, load_settings
from kontext.store import Store
from search.index import SearchIndex, event_document
from search.web.app import create_app
from tests.conftest import clean_environment
from tests.reliability.report import ReliabilityReport
from tests.search.conftest import NOW, LiveServer, catalogue

STAFF_USER, STAFF_PASSWORD = "staff", "Korrekt Pferd Batterie 42"
SECRET = "exposure-test-secret-key-0123456789"


def pytest_configure(config: pytest.Config) -> None:
    if not config.pluginmanager.has_plugin(ReliabilityReport.NAME):
        config.pluginmanager.register(ReliabilityReport(config), ReliabilityReport.NAME)


@pytest.fixture(scope="module")
def web_settings(meili: Meili, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """One Kontext instance with every secret configured: master key, staff login, signing key."""
    home = tmp_path_factory.mktemp("web")
    return load_settings(
        {
            **clean_environment(),
            "KONTEXT_HOME": str(home),
            "MEILI_URL": meili.url,
            "MEILI_MASTER_KEY": meili.key or "",
            "KONTEXT_INDEX_PREFIX": f"w{uuid.uuid4().hex[:10]}",
            "KONTEXT_BASE_URL": "https://kontext.test",
            "KONTEXT_STAFF_USER": STAFF_USER,
            "KONTEXT_STAFF_PASSWORD": STAFF_PASSWORD,
            "KONTEXT_SECRET_KEY": SECRET,
        }
    )


@pytest.fixture(scope="module")
def web_subscriber(web_settings: Settings, meili: Meili) -> Iterator[int]:
    """The search tests' catalogue in the index, and one confirmed subscriber in the store (its id)."""
    index = SearchIndex(meili, web_settings.events_index)
    index.rebuild(event_document(item) for item in catalogue())
    store = Store.from_settings(web_settings)
    subscriber, _ = Subscribers(store).add("leser@example.org", {"sector": ["machinery"]}, "de", NOW, confirmed=True)
    store.close()
    yield subscriber.id
    index.client.delete_index(index.uid)
    index.close()


@pytest.fixture(scope="module")
def web_live(web_settings: Settings, meili: Meili, web_subscriber: int) -> Iterator[LiveServer]:
    """The app `kontext serve` runs, over real HTTP, with time fixed at the search tests' NOW."""
    with LiveServer(create_app(web_settings, meili, clock=lambda: NOW)) as live:
        yield live


@pytest.fixture(scope="module")
def web_client(web_live: LiveServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=web_live.url, timeout=30, follow_redirects=False) as http:
        yield http
