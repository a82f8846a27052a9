"""The walking skeleton end to end: the sample site over real HTTP -> Scrapy -> normalise -> store
-> outbox -> a real Meilisearch -> `kontext search`; a second crawl duplicates nothing."""

from __future__ import annotations

import json
from datetime import datetime
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest

from kontext.sample_site import SampleSite, expected_events
from kontext.settings import PROJECT_ROOT, load_settings
from kontext.store import Store
from tests.conftest import clean_environment, run_kontext

pytestmark = [pytest.mark.meili, pytest.mark.slow]
BERLIN = ZoneInfo("Europe/Berlin")
SAMPLE_SOURCES = str(PROJECT_ROOT / "config" / "sample_sources.yaml")


def crawl(env: dict[str, str], site: SampleSite) -> list[dict]:
    result = run_kontext(env, "crawl", "--sources-file", SAMPLE_SOURCES, "--sample-site", site.url, "--json")
    assert result.returncode == 0, result.stderr[-2000:]
    return json.loads(result.stdout)


def search(env: dict[str, str], *args: str) -> list[dict]:
    result = run_kontext(env, "search", *args, "--json", "--limit", "50")
    assert result.returncode == 0, result.stderr[-2000:]
    return json.loads(result.stdout)["hits"]


@pytest.fixture(scope="module")
def crawled(tmp_path_factory, meili):
    """One crawl of the sample site into a fresh store and index, shared by the tests below."""
    home = tmp_path_factory.mktemp("e2e")
    env = {
        **clean_environment(),
        "KONTEXT_HOME": str(home),
        "MEILI_URL": meili.url,
        "MEILI_MASTER_KEY": meili.key,
        "KONTEXT_INDEX_PREFIX": "e2e",
    }
    with SampleSite() as site:
        today = datetime.now(BERLIN).date()
        first = crawl(env, site)
        store = Store.from_settings(load_settings(env))
        ids_after_first = store.event_ids()
        second = crawl(env, site)
        ids_after_second = store.event_ids()
        events = list(store.iter_events())
        store.close()
    return {
        "env": env,
        "today": today,
        "first": first,
        "second": second,
        "ids": (ids_after_first, ids_after_second),
        "events": events,
    }


def test_every_sample_event_is_stored_with_its_start(crawled) -> None:
    # A partner's announcement of another organiser's event is stored as that event (merged, see
    # test_the_same_event_from_two_sources_is_one_event), so it is expected under the original's title.
    by_path = {item["path"]: item for item in expected_events(crawled["today"])}
    expected = {
        (by_path[item["same_as"]]["title"] if item["same_as"] else item["title"], occurrence)
        for item in by_path.values()
        for occurrence in item["occurrences"]
    }
    stored = {(event.title, event.start.isoformat()) for event in crawled["events"]}
    # All-day events are stored at local midnight; the sample site states them as dates.
    stored |= {(event.title, event.start.date().isoformat()) for event in crawled["events"] if event.all_day}
    missing = expected - stored
    assert not missing, f"{len(missing)} expected events missing, e.g. {sorted(missing)[:3]}"


def test_the_same_event_from_two_sources_is_one_event(crawled) -> None:
    expected = {item["path"]: item for item in expected_events(crawled["today"])}
    pairs = [item for item in expected.values() if item["same_as"]]
    assert pairs, "the sample site has an event announced by two organisers"
    for partner in pairs:
        original = expected[partner["same_as"]]
        matches = [event for event in crawled["events"] if event.start.isoformat() == original["start"]]
        matches = [event for event in matches if event.venue and event.venue.city == original["city"]]
        assert len(matches) == 1, [event.title for event in matches]
        (event,) = matches
        assert event.title == original["title"]  # the organiser's own, structured announcement wins
        sections = {urlsplit(url).path.split("/")[1] for url in event.source_urls}
        assert {partner["section"], original["section"]} <= sections
    assert sum(report["merged"] for report in crawled["first"]) == len(pairs)


def test_pages_that_are_not_events_give_none(crawled) -> None:
    urls = {url for event in crawled["events"] for url in [event.url, *event.source_urls] if url}
    for path in ("/ihk/presse", "/vmn/rueckblick/", "/impressum", "/intern/"):
        assert not [url for url in urls if path in url], path
    listings = ("/ihk/veranstaltungen", "/vmn/termine", "/hwk/kurse", "/startup/events", "/markt/veranstaltungen")
    paths = {urlsplit(event.url).path for event in crawled["events"] if event.url}
    assert not paths & set(listings), "a listing page became an event"


def test_the_report_counts_new_events_and_the_second_crawl_adds_none(crawled) -> None:
    first = {report["source"]: report for report in crawled["first"]}
    second = {report["source"]: report for report in crawled["second"]}
    assert set(first) == {"sample-ihk", "sample-vmn", "sample-hwk", "sample-cluster", "sample-startup", "sample-markt"}
    assert sum(report["new"] for report in first.values()) == len(crawled["ids"][0])
    assert all(report["pages"] > 0 for report in first.values())
    assert sum(report["new"] + report["merged"] for report in second.values()) == 0
    # Every announcement is seen again: one per event, plus the partner announcements merged into one.
    merged = sum(report["merged"] for report in first.values())
    assert sum(report["unchanged"] + report["updated"] for report in second.values()) == len(crawled["ids"][0]) + merged
    assert crawled["ids"][0] == crawled["ids"][1]
    assert all(report["gone"] == 0 and report["errors"] == 0 for report in second.values())


def test_the_second_crawl_asks_for_changes_and_does_not_extract_unchanged_pages(crawled) -> None:
    second = crawled["second"]
    assert sum(report["not_modified"] for report in second) > 0
    assert sum(report["pages_unchanged"] for report in second) == sum(report["pages"] for report in second)
    assert all(report["complete"] for report in second)


def test_events_are_tagged_placed_and_attributed(crawled) -> None:
    by_title = {event.title: event for event in crawled["events"]}
    forum = next(event for title, event in by_title.items() if title.startswith("Wasserstoff-Forum"))
    assert forum.venue.city == "Hannover" and forum.venue.region == "Niedersachsen"
    assert forum.venue.geo is not None
    assert forum.organizer.kind == "chamber"
    assert "energy" in {tag.code for tag in forum.sectors}
    assert forum.audience.label == "sme" and forum.audience.evidence
    pitch = next(event for title, event in by_title.items() if title.startswith("Pitch Night"))
    assert pitch.audience.label == "startup"
    assert {event.extraction for event in crawled["events"]} >= {"jsonld", "microdata", "icalendar", "heuristics"}


def test_search_finds_sector_events_and_keeps_the_startup_scene_out_by_default(crawled) -> None:
    env = crawled["env"]
    machinery = search(env, "Maschinenbau")
    titles = [hit["title"] for hit in machinery]
    assert any("Mitgliederversammlung" in title for title in titles)
    assert all(hit["audience"] in {"sme", "mixed"} for hit in machinery)
    assert not [hit for hit in search(env, "Pitch Night") if hit["audience"] == "startup"]
    everyone = search(env, "Pitch Night", "--audience", "all")
    assert any(hit["title"].startswith("Pitch Night") for hit in everyone)
    in_index = {hit["id"] for hit in search(env, "", "--audience", "all")}
    assert in_index <= crawled["ids"][1]
