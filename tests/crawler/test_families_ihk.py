"""Family ihk: one chamber's tree on the shared ihk.de host, crawled over HTTP (invented site)."""

from __future__ import annotations

import pytest

from crawler.spiders.families.ihk import EVENT_PATH, NOT_EVENT, chamber_prefix
from kontext.settings import load_settings
from kontext.store import Store
from tests.sources.crawl_local import crawl_examples, isolated_env
from tests.sources.invented import IHK_EVENTS, LocalSite, ihk_site


@pytest.mark.parametrize(
    ("url", "prefix"),
    [
        ("https://www.ihk.de/koeln/hauptnavigation/veranstaltungen-5795556", "/koeln/"),
        (
            "https://www.ihk.de/blueprint/servlet/acihk24/servicemarken/impressum-594038",
            "/blueprint/servlet/acihk24/",
        ),
        ("https://www.ihk.de/", None),
    ],
)
def test_the_chamber_is_the_first_path_segment(url: str, prefix: str | None) -> None:
    assert chamber_prefix(url) == prefix


@pytest.mark.parametrize(
    ("path", "is_event"),
    [
        ("/bremen-bremerhaven/veranstaltungen/exporttag-usa-3007500", True),
        ("/berlin/pruefungen-lehrgaenge/seminare/fuehrung-kompakt-4458600", True),
        ("/bremen-bremerhaven/veranstaltungen/teilnahmebedingungen-3007414", False),
        ("/koeln/hauptnavigation/recht-steuern/steuerrecht-5795556", False),
        ("/koeln/veranstaltungen", False),
    ],
)
def test_event_pages_sit_below_an_events_node_and_end_in_an_id(path: str, is_event: bool) -> None:
    assert (bool(EVENT_PATH.search(path)) and not NOT_EVENT.search(path)) is is_event


@pytest.mark.slow
def test_the_crawl_stays_in_its_chamber_and_reads_every_event_page(tmp_path) -> None:
    env = isolated_env(tmp_path)
    site = ihk_site()
    with LocalSite(site) as local:
        (report,) = crawl_examples(env, local.url, "example-ihk")
    fetched = [hit.split()[1] for hit in site.hits if hit.startswith("GET") and "robots.txt" not in hit]
    assert not any(path.startswith("/nachbarstadt/") for path in fetched), (
        "another chamber's tree is not crawled"
    )
    assert not any("teilnahmebedingungen" in path for path in fetched)
    assert "/beispielstadt/veranstaltungen?page=2" in fetched
    assert report["new"] == len(IHK_EVENTS)
    store = Store.from_settings(load_settings(env))
    events = sorted(store.iter_events(), key=lambda event: event.start)
    store.close()
    assert [event.title for event in events] == [value[0] for value in IHK_EVENTS.values()]
    first = events[0]
    assert (
        first.start.isoformat() == "2026-03-17T14:00:00+01:00"
        and first.end.isoformat() == "2026-03-17T17:00:00+01:00"
    )
    assert first.venue.city == "Hannover" and first.venue.postcode == "30159"
