"""Cross-source de-duplication: the same event announced by its organiser and by a partner's
calendar becomes one event listing both sources; its id stays the one it was first stored under;
different events on the same day and in the same town stay apart."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from kontext.records import Event, Venue
from kontext.settings import load_settings
from kontext.store import Store
from kontext.vocabulary import Extraction
from pipelines.dedupe import match_key, merge_versions, same_event, title_similarity
from tests.crawler.test_crawl_sites import ALLOW_ALL, Site, crawl, event_page, html, listing, write_sources

BERLIN = ZoneInfo("Europe/Berlin")
FORUM = datetime(2027, 3, 9, 9, 0, tzinfo=BERLIN)


def announcement(title: str, *, start: datetime = FORUM, city: str | None = "Bremen", **fields) -> Event:
    return Event(id=title[:8], title=title, start=start, venue=Venue(city=city) if city else None, **fields)


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("Partnerveranstaltung: Wasserstoff-Forum Nord", "Wasserstoff-Forum Nord: Netze, Speicher, Anwendungen"),
        ("Wasserstoff-Forum Nord 2027", "Wasserstoff Forum Nord"),
        ("Fachtagung Verpackung & Logistik", "Fachtagung Verpackung und Logistik"),
    ],
)
def test_announcements_of_one_event_match(first: str, second: str) -> None:
    assert same_event(match_key(announcement(first)), match_key(announcement(second))) > 0


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("Wasserstoff-Forum Nord", "Azubi-Speed-Dating Nord"),
        ("Sprechtag Gründung", "Sprechtag Außenwirtschaft"),
        ("Meisterkurs Teil III", "Meisterkurs Teil IV"),
    ],
)
def test_different_events_on_one_day_stay_apart(first: str, second: str) -> None:
    assert same_event(match_key(announcement(first)), match_key(announcement(second))) == 0


def test_day_time_and_town_must_agree() -> None:
    forum = match_key(announcement("Wasserstoff-Forum Nord"))
    assert same_event(forum, match_key(announcement("Wasserstoff-Forum Nord", city="Hamburg"))) == 0
    later = FORUM.replace(hour=14)
    assert same_event(forum, match_key(announcement("Wasserstoff-Forum Nord", start=later))) == 0
    all_day = announcement("Wasserstoff-Forum Nord", start=FORUM.replace(hour=0), all_day=True)
    assert same_event(forum, match_key(all_day)) > 0  # a calendar that only gives the day
    elsewhere = announcement("Ganz anderer Titel", url="https://ihk.example/forum")
    assert same_event(match_key(elsewhere), match_key(announcement("X", url="https://ihk.example/forum#t"))) == 1.0


def test_the_best_version_speaks_and_every_page_is_listed() -> None:
    partner = announcement("Partner: Wasserstoff-Forum Nord", extraction=Extraction.HEURISTICS, source_urls=["p"])
    organiser = announcement("Wasserstoff-Forum Nord", extraction=Extraction.JSONLD, source_urls=["o"])
    merged = merge_versions("first-id", [partner, organiser])
    assert (merged.id, merged.title, merged.source_urls) == ("first-id", "Wasserstoff-Forum Nord", ["o", "p"])
    assert title_similarity("", "") == 0.0


def partner_page(title: str, start: datetime, city: str) -> tuple:
    """A plain page without structured data, as a cluster's news-style announcement looks."""
    return html(
        f"<h1>{title}</h1><p>Termin: {start:%d.%m.%Y}, {start:%H:%M} Uhr</p>"
        f"<p>Ort: Haus der Wirtschaft, Marktstraße 1, 28195 {city}</p>"
        "<p>Wir sind Partner dieser Veranstaltung. Anmeldung beim Veranstalter.</p>",
        title,
    )


@pytest.mark.slow
def test_two_sources_one_event(tmp_path, kontext_env) -> None:
    organiser = Site(
        {
            "/robots.txt": ALLOW_ALL,
            "/events": listing({"/events/forum": "Forum", "/events/sprechtag": "Sprechtag"}),
            "/events/forum": event_page(
                "Wasserstoff-Forum Nord: Netze, Speicher, Anwendungen", FORUM, "Bremen", "/events/forum",
                "Zwei Tage Netzbetreiber, Anlagenbauer und Anwender aus der Industrie.",
            ),
            "/events/sprechtag": event_page("Sprechtag Gründung und Nachfolge", FORUM, "Bremen", "/events/sprechtag"),
        }
    ).start()
    partner = Site(
        {
            "/robots.txt": ALLOW_ALL,
            "/termine": listing({"/termine/wasserstoff": "Forum", "/termine/speed-dating": "Speed-Dating"}),
            "/termine/wasserstoff": partner_page("Partnerveranstaltung: Wasserstoff-Forum Nord", FORUM, "Bremen"),
            "/termine/speed-dating": partner_page("Azubi-Speed-Dating Logistik", FORUM, "Bremen"),
        }
    ).start()
    try:
        path = write_sources(
            tmp_path / "sources.yaml",
            [
                {"name": "kammer", "start_urls": [f"{organiser.url}/events"]},
                {"name": "cluster", "start_urls": [f"{partner.url}/termine"], "mode": "heuristics"},
            ],
        )
        crawl(kontext_env, path, "--source", "kammer")
        store = Store.from_settings(load_settings(kontext_env))
        forum_id = next(event.id for event in store.iter_events() if event.title.startswith("Wasserstoff"))
        both = crawl(kontext_env, path)
        events = {event.title: event for event in store.iter_events()}
        versions = store.event_versions(forum_id)
        store.close()
        fresh = {**kontext_env, "KONTEXT_HOME": str(tmp_path / "fresh")}
        crawl(fresh, path)  # both sources at once into an empty store
        fresh_store = Store.from_settings(load_settings(fresh))
        fresh_titles = sorted(event.title for event in fresh_store.iter_events())
        fresh_store.close()
    finally:
        organiser.stop()
        partner.stop()

    assert both["cluster"]["merged"] == 1 and both["cluster"]["new"] == 1
    assert both["kammer"]["new"] == 0
    assert sorted(events) == [
        "Azubi-Speed-Dating Logistik",
        "Sprechtag Gründung und Nachfolge",
        "Wasserstoff-Forum Nord: Netze, Speicher, Anwendungen",
    ]
    forum = events["Wasserstoff-Forum Nord: Netze, Speicher, Anwendungen"]
    assert forum.id == forum_id  # the id it was first stored under
    assert forum.source == "kammer"  # the organiser's structured announcement speaks for it
    assert {url.split("/")[-1] for url in forum.source_urls} == {"forum", "wasserstoff"}
    assert sorted(version["source"] for version in versions) == ["cluster", "kammer"]
    assert fresh_titles == sorted(events)
    assert forum.start.astimezone(UTC) == FORUM.astimezone(UTC)
