"""The weekly run against a real Meilisearch and a real SMTP server: right events, once, nothing lost."""

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from digest.mailer import DirectoryMailer, SmtpMailer, parse_smtp_url
from digest.searches import saved_search
from digest.sending import RunReport, digest_period, send_digests
from digest.subscribers import Subscribers
from kontext.records import Audience, Geo, Venue
from kontext.services import Meili
from kontext.settings import Settings, load_settings
from kontext.store import Store
from kontext.vocabulary import AudienceLabel, EventStatus
from search.index import SearchIndex
from tests.digest.helpers import NOW, Inbox, make_event, smtp_server, store_events

pytestmark = pytest.mark.meili
MUNICH = Venue(name="Messe", city="München", region="Bayern", country="DE", geo=Geo(lat=48.1374, lng=11.5755))


@pytest.fixture
def inbox() -> Iterator[tuple[int, Inbox]]:
    with smtp_server() as (controller, box):
        yield controller.port, box


@pytest.fixture
def settings(kontext_env: dict[str, str], inbox: tuple[int, Inbox]) -> Settings:
    return load_settings(
        {
            **kontext_env,
            "SMTP_URL": f"smtp://127.0.0.1:{inbox[0]}",
            "KONTEXT_BASE_URL": "https://kontext.example",
            "KONTEXT_SECRET_KEY": "a-test-secret-key-0123456789",
        }
    )


def run(settings: Settings, meili: Meili, now, *, mailer=None, dry_run: bool = False) -> RunReport:
    store = Store.from_settings(settings)
    index = SearchIndex(meili, settings.events_index)
    mailer = mailer or SmtpMailer(parse_smtp_url(settings.smtp_url), attempts=2, sleep=lambda _: None)
    mailers = mailer if isinstance(mailer, list) else [mailer]
    try:
        return send_digests(settings, store, index, mailers, now, dry_run=dry_run)
    finally:
        for each in mailers:
            each.close()
        index.close()
        store.close()


def subscribe(
    settings: Settings, email: str, language: str = "de", status: str = "confirmed", **search
) -> int:
    store = Store.from_settings(settings)
    try:
        book = Subscribers(store)
        subscriber, _ = book.add(email, saved_search(search), language, NOW, confirmed=status != "pending")
        if status == "unsubscribed":
            book.unsubscribe(subscriber.id, NOW)
        return subscriber.id
    finally:
        store.close()


def event_ids(message) -> list[str]:
    body = message.get_body(preferencelist=("plain",)).get_content()
    return sorted(
        line.rsplit("/", 1)[1]
        for line in body.splitlines()
        if "/events/" in line and not line.endswith(".ics")
    )


def test_each_subscriber_gets_the_new_matching_events_once(settings: Settings, meili: Meili, inbox) -> None:
    _, box = inbox
    machinery = [make_event(n) for n in range(1, 6)]
    energy = [
        make_event(n, title=f"Energietag {n}", sectors=[], venue=MUNICH, description="Energie für Betriebe")
        for n in range(10, 13)
    ]
    startup = make_event(20, audience=Audience(label=AudienceLabel.STARTUP, sme_score=0.1))
    past = make_event(21, start=NOW - timedelta(days=2))
    cancelled = make_event(22, status=EventStatus.CANCELLED)
    later = make_event(23, start=NOW + timedelta(days=60))
    store_events(
        settings, meili, [*machinery, *energy, startup, past, cancelled, later], NOW - timedelta(days=1)
    )
    subscribe(settings, "anna@example.org", sector=["machinery"])
    subscribe(settings, "ben@example.org", "en", q=["Energietag"], near=["München"], km=["30"])
    subscribe(settings, "carl@example.org", sector=["food"])
    subscribe(settings, "dora@example.org", status="pending", sector=["machinery"])
    subscribe(settings, "eve@example.org", status="unsubscribed", sector=["machinery"])

    report = run(settings, meili, NOW)
    assert (report.sent, report.empty, report.subscribers) == (2, 1, 3)
    received = {str(message["To"]): message for message in box.messages}
    assert sorted(received) == ["anna@example.org", "ben@example.org"]
    assert event_ids(received["anna@example.org"]) == [event.id for event in machinery]
    assert event_ids(received["ben@example.org"]) == [event.id for event in energy]
    assert "km from München" in received["ben@example.org"].get_body(("plain",)).get_content()

    again = run(settings, meili, NOW + timedelta(hours=3))
    assert (again.sent, again.already_sent) == (0, 2)
    assert len(box.messages) == 2

    fresh = [make_event(n, title=f"Neu im Maschinenbau {n}") for n in (30, 31)]
    store_events(settings, meili, fresh, NOW + timedelta(days=3))
    next_week = run(settings, meili, NOW + timedelta(days=7))
    assert next_week.period == digest_period(NOW + timedelta(days=7), "Europe/Berlin") != report.period
    assert (next_week.sent, next_week.empty) == (1, 2)
    assert str(box.messages[-1]["To"]) == "anna@example.org"
    assert event_ids(box.messages[-1]) == ["ev00030", "ev00031"]


@pytest.mark.parametrize("connections", [1, 3])
def test_smtp_failure_mid_run_then_rerun_delivers_every_mail_exactly_once(
    settings: Settings, meili: Meili, inbox, connections: int
) -> None:
    _, box = inbox
    store_events(settings, meili, [make_event(1)], NOW - timedelta(days=1))
    people = [f"person{n:02d}@example.org" for n in range(12)]
    for address in people:
        subscribe(settings, address, sector=["machinery"])
    box.accept = 5  # then "451 try again later" for everything

    def mailers() -> list[SmtpMailer]:
        return [
            SmtpMailer(parse_smtp_url(settings.smtp_url), attempts=2, sleep=lambda _: None)
            for _ in range(connections)
        ]

    first = run(settings, meili, NOW, mailer=mailers())
    assert first.sent == 5 and first.stopped and "451" in first.stopped
    box.accept = None
    second = run(settings, meili, NOW + timedelta(minutes=30), mailer=mailers())
    assert (second.sent, second.already_sent) == (7, 5)
    assert sorted(box.to()) == people
    assert len({str(message["Message-ID"]) for message in box.messages}) == 12
    assert run(settings, meili, NOW + timedelta(hours=1)).sent == 0
    assert len(box.messages) == 12


def test_a_server_refusing_everything_stops_the_run_without_giving_anyone_up(
    settings: Settings, meili: Meili, inbox
) -> None:
    _, box = inbox
    store_events(settings, meili, [make_event(1)], NOW - timedelta(days=1))
    for n in range(8):
        subscribe(settings, f"person{n}@example.org", sector=["machinery"])
    box.accept, box.reply = 0, "550 5.4.5 Daily sending quota exceeded"
    stopped = run(settings, meili, NOW)
    assert stopped.sent == 0 and stopped.refused == 5 and "in a row" in (stopped.stopped or "")
    box.accept = None
    assert run(settings, meili, NOW + timedelta(hours=1)).sent == 8
    assert len(set(box.to())) == 8


def test_a_dry_run_writes_eml_files_and_sends_nothing(
    settings: Settings, meili: Meili, inbox, tmp_path: Path
) -> None:
    _, box = inbox
    store_events(settings, meili, [make_event(1)], NOW - timedelta(days=1))
    subscribe(settings, "anna@example.org", sector=["machinery"])
    subscribe(settings, "ben@example.org", "en", sector=["machinery"])
    report = run(settings, meili, NOW, mailer=DirectoryMailer(tmp_path / "dry"), dry_run=True)
    assert report.sent == 2
    files = sorted((tmp_path / "dry").glob("*.eml"))
    assert len(files) == 2 and all(b"List-Unsubscribe-Post" in path.read_bytes() for path in files)
    assert not box.messages
    assert run(settings, meili, NOW).sent == 2  # a dry run is not a send
