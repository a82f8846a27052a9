"""A small catalogue of events in a real Meilisearch, and the web app over it, for the search tests.

Time is fixed: every search here counts "upcoming" from NOW, passed explicitly (the app's clock).
"""

from __future__ import annotations

import socket
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest
import uvicorn
from fastapi import FastAPI

from kontext.records import Audience, Event, Geo, Organizer, Price, Tag, Venue
from kontext.services import Meili
from kontext.settings import Settings, load_settings
from kontext.vocabulary import Attendance, AudienceLabel, EventFormat, EventStatus, OrganizerKind
from search.index import SearchIndex, event_document
from search.web.app import create_app
from tests.conftest import clean_environment

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=BERLIN)
SCRIPT = "<script>alert('x')</script>"
IMG = '<img src=x onerror="alert(1)">'
HANNOVER = Geo(lat=52.3705, lng=9.7332)
CELLE = Geo(lat=52.6226, lng=10.0805)
MUENCHEN = Geo(lat=48.1374, lng=11.5755)
SME_SCORE = {"sme": 0.85, "mixed": 0.6, "startup": 0.15, "professional": 0.35, "public": 0.1}


def event(
    key: str,
    title: str,
    days: float,
    *,
    description: str = "",
    audience: str = "sme",
    sectors: tuple[str, ...] = (),
    topics: tuple[str, ...] = (),
    form: str = "seminar",
    city: str | None = "Hannover",
    geo: Geo | None = HANNOVER,
    region: str | None = "Niedersachsen",
    attendance: str = "offline",
    free: bool | None = None,
    organizer: str = "IHK Musterland",
    kind: str = "chamber",
    hours: float = 3,
    status: str = "scheduled",
    url: str | None = None,
    first_seen_days: float = -1,
) -> Event:
    """One event `days` after NOW (negative: in the past)."""
    start = NOW + timedelta(days=days)
    venue = Venue(
        name=f"Saal {key}", street="Musterstraße 1", postcode="30159", city=city, region=region, country="DE", geo=geo
    )
    return Event(
        id=key,
        title=title,
        description=description or f"Beschreibung von {title}.",
        url=url or f"https://events.example/{key}",
        start=start,
        end=start + timedelta(hours=hours),
        status=EventStatus(status),
        attendance=Attendance(attendance),
        venue=venue if city else None,
        organizer=Organizer(name=organizer, kind=OrganizerKind(kind), url="https://organiser.example/"),
        format=EventFormat(form),
        sectors=[Tag(code=code, evidence=[f"Begriff für {code}"]) for code in sectors],
        topics=[Tag(code=code) for code in topics],
        audience=Audience(
            label=AudienceLabel(audience), sme_score=SME_SCORE[audience], evidence=["IHK als Veranstalter"]
        ),
        price=Price(free=free) if free is not None else None,
        source="tests",
        first_seen=NOW + timedelta(days=first_seen_days),
        updated=NOW + timedelta(days=first_seen_days),
        language="de",
    )


def catalogue() -> list[Event]:
    """The events every search test runs against."""
    return [
        event(
            "vpm",
            "Internationale Verpackungsmesse",
            10,
            form="trade-fair",
            sectors=("wood-paper-print", "machinery"),
            hours=72,
        ),
        event(
            "mbforum", "Forum Maschinenbau Nord", 20, form="conference", sectors=("machinery",), city="Celle", geo=CELLE
        ),
        event(
            "wst",
            "Wasserstoff-Stammtisch Südheide",
            5,
            form="networking",
            sectors=("energy",),
            city="Celle",
            geo=CELLE,
            free=True,
            organizer="Clusterinitiative Energie",
            kind="cluster",
        ),
        event(
            "kiweb",
            "Webinar: KI im Mittelstand",
            3,
            form="webinar",
            topics=("ai",),
            attendance="online",
            city=None,
            geo=None,
            free=True,
        ),
        event("hybrid", "Exportforum USA", 12, form="conference", topics=("international",), attendance="mixed"),
        event(
            "pitch",
            "Pitch Night Hannover",
            8,
            form="pitch",
            audience="startup",
            organizer="Gründerhaus",
            kind="startup_org",
        ),
        event("matchx", "Startups treffen Mittelstand", 15, form="matchmaking", audience="mixed", sectors=("ict",)),
        event(
            "fest",
            "Stadtfest Hameln",
            30,
            form="other",
            audience="public",
            city="Hameln",
            geo=Geo(lat=52.1036, lng=9.3562),
        ),
        event("past", "Vergangener Sprechtag Maschinenbau", -10, form="info-session", sectors=("machinery",)),
        event("ongoing", "Laufende Messe Maschinenbau", -1, form="trade-fair", sectors=("machinery",), hours=24 * 4),
        event(
            "munich",
            "Maschinenbau-Tag Bayern",
            25,
            form="conference",
            sectors=("machinery",),
            city="München",
            geo=MUENCHEN,
            region="Bayern",
            organizer="Verband Süd",
            kind="association",
        ),
        event("later", "Maschinenbau im Herbst", 200, form="seminar", sectors=("machinery",)),
        event("cancel", "Abgesagtes Seminar Logistik", 6, form="seminar", sectors=("logistics",), status="cancelled"),
        event(
            "xss",
            f"Maschinenbau {SCRIPT} Treffen {IMG}",
            9,
            description=f"Gefährlich {SCRIPT} und {IMG} Maschinenbau",
            url="javascript:alert(1)",
            sectors=("machinery",),
        ),
        *[event(f"bulk{n:02d}", f"Werkstattgespräch Logistik {n}", 40 + n, sectors=("logistics",)) for n in range(25)],
    ]


@pytest.fixture(scope="module")
def search_settings(meili: Meili, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    home = tmp_path_factory.mktemp("search-home")
    return load_settings(
        {
            **clean_environment(),
            "KONTEXT_HOME": str(home),
            "MEILI_URL": meili.url,
            "MEILI_MASTER_KEY": meili.key or "",
            "KONTEXT_INDEX_PREFIX": f"s{uuid.uuid4().hex[:10]}",
            "KONTEXT_BASE_URL": "https://kontext.test",
        }
    )


@pytest.fixture(scope="module")
def events_index(search_settings: Settings, meili: Meili) -> Iterator[SearchIndex]:
    index = SearchIndex(meili, search_settings.events_index)
    index.rebuild(event_document(item) for item in catalogue())
    yield index
    index.client.delete_index(index.uid)
    index.close()


class LiveServer:
    """The app served by uvicorn on a free port in a thread: real HTTP, as a browser sees it."""

    def __init__(self, app: FastAPI) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"
        config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", ws="none", http="h11")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the web app did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=30)


@pytest.fixture(scope="module")
def live(search_settings: Settings, meili: Meili, events_index: SearchIndex) -> Iterator[LiveServer]:
    with LiveServer(create_app(search_settings, meili, clock=lambda: NOW)) as server:
        yield server


@pytest.fixture(scope="module")
def client(live: LiveServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=live.url, timeout=30, follow_redirects=False) as http:
        yield http


@pytest.fixture
def artifacts() -> Path:
    path = Path(__file__).resolve().parents[2] / "test-artifacts"
    path.mkdir(exist_ok=True)
    return path
