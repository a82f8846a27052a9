"""Family json-api: the pure response mapping, and crawls of invented APIs over HTTP
(a WKO-style POST answering server-rendered cards, a search API answering structured fields)."""

from __future__ import annotations

import json
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from crawler.spiders.families.json_api import (
    ApiResponseError,
    api_events,
    api_items,
    json_event,
    next_position,
    value_at,
)
from kontext.settings import load_settings
from kontext.sources import ApiFields, ApiSpec, Source, SourceOrganizer
from kontext.store import Store
from kontext.vocabulary import EventStatus
from tests.sources.crawl_local import crawl_examples, isolated_env
from tests.sources.invented import FAIR_HITS, NOW, WKO_CARDS, LocalSite, json_site

BERLIN = ZoneInfo("Europe/Berlin")
FIELDS = ApiFields(
    title="event.eventname", start="event.startdate", end="event.enddate", url="event.interneturl",
    cancelled="event.cancelled", city="event.city", id="event.id",
)  # fmt: skip
SPEC = ApiSpec(url="https://api.example/events", items="result.hits", fields=FIELDS)
SOURCE = Source(
    name="fair", organizer=SourceOrganizer(name="Messe"), start_urls=["https://messe.example/kalender"]
)


def test_dotted_paths_walk_objects_and_lists() -> None:
    data = {"a": {"b": [{"c": 1}, {"c": 2}]}}
    assert value_at(data, "a.b.1.c") == 2
    assert value_at(data, "a.b.-1.c") == 2
    assert value_at(data, "a.b.5.c") is None
    assert value_at(data, "a.x.c") is None
    assert value_at(data, "") is data


def test_dates_come_as_iso_days_times_or_epochs() -> None:
    base = "https://messe.example/kalender"
    day = json_event({"event": {"eventname": "Messe", "startdate": "2026-04-14", "enddate": "2026-04-17"}},
                     FIELDS, source=SOURCE, base_url=base)  # fmt: skip
    assert day.all_day and day.start == datetime(2026, 4, 14, tzinfo=BERLIN) and day.end.day == 17
    timed = json_event({"event": {"eventname": "Tag", "startdate": "2026-05-06T09:00:00Z"}}, FIELDS, source=SOURCE,
                       base_url=base)  # fmt: skip
    assert timed.start == datetime(2026, 5, 6, 9, 0, tzinfo=ZoneInfo("UTC")) and not timed.all_day
    epoch = json_event(
        {"event": {"eventname": "E", "startdate": 1780000000000}}, FIELDS, source=SOURCE, base_url=base
    )
    assert epoch.start.timestamp() == 1780000000
    text = json_event({"event": {"eventname": "T", "startdate": "12. März 2026, 10 Uhr"}}, FIELDS, source=SOURCE,
                      base_url=base)  # fmt: skip
    assert text.start is None and text.when_text == "12. März 2026, 10 Uhr"


def test_items_without_title_or_start_are_skipped_and_status_and_links_mapped() -> None:
    data = {"result": {"hits": [
        {"event": {"eventname": "", "startdate": "2026-04-14"}},
        {"event": {"eventname": "Ohne Datum"}},
        {"event": {"eventname": "Abgesagt", "startdate": "2026-04-14", "cancelled": True, "interneturl": "/x",
                   "id": 7}},
    ]}}  # fmt: skip
    (event,) = api_events(data, SPEC, source=SOURCE, now=NOW, base_url="https://messe.example/kalender")
    assert event.status == EventStatus.CANCELLED
    assert event.url == "https://messe.example/x" and event.source_key == "fair:7"


def test_a_response_of_another_shape_is_an_error_not_a_crash() -> None:
    with pytest.raises(ApiResponseError):
        api_items({"result": {"hits": {"not": "a list"}}}, SPEC)
    assert api_items({"result": {}}, SPEC) == []


@pytest.mark.parametrize(
    ("position", "count", "total", "kind", "expected"),
    [(0, 2, 5, "offset", 2), (4, 1, 5, "offset", None), (0, 2, None, "offset", 2), (0, 0, None, "offset", None),
     (0, 2, 3, "page", 1), (1, 1, 3, "page", None), (2, 2, 4, "offset", None)],
)  # fmt: skip
def test_paging_stops_at_the_total_a_short_page_or_an_empty_one(
    position, count, total, kind, expected
) -> None:
    spec = ApiSpec.model_validate({**SPEC.model_dump(), "paging": {"param": "p", "kind": kind, "size": 2}})
    assert next_position(position, count, total, spec) == expected


@pytest.fixture(scope="module")
def crawled(tmp_path_factory):
    """Both invented APIs crawled once over HTTP: the requests the site saw and the stored events."""
    env = isolated_env(tmp_path_factory.mktemp("json-api"))
    site = json_site()
    with LocalSite(site) as local:
        reports = crawl_examples(env, local.url, "example-wko", "example-fair-api")
    store = Store.from_settings(load_settings(env))
    events = {event.title: event for event in store.iter_events()}
    store.close()
    return {"hits": site.hits, "reports": {report["source"]: report for report in reports}, "events": events}


@pytest.mark.slow
def test_a_post_api_with_card_html_is_paged_by_offset(crawled) -> None:
    posts = [json.loads(hit.split(" ", 2)[2]) for hit in crawled["hits"] if hit.startswith("POST")]
    assert [body["offsetCurrent"] for body in posts] == [0, 2, 4]
    assert all(body["place"] == "Österreich" and body["count"] == 2 for body in posts)
    report = crawled["reports"]["example-wko"]
    assert report["new"] == len(WKO_CARDS) and report["errors"] == 0
    events = crawled["events"]
    assert {card[2] for card in WKO_CARDS} <= set(events)
    forum = events["Exportforum Osteuropa"]
    assert forum.start.isoformat() == "2026-03-12T09:00:00+01:00" and forum.timezone == "Europe/Vienna"
    assert forum.url.endswith("/veranstaltungen/wien/exportforum-osteuropa") and forum.venue.city == "Wien"
    assert events["Webinar: E-Rechnung für Betriebe"].attendance.value == "online"


@pytest.mark.slow
def test_a_get_api_with_structured_fields_is_paged_by_page_number(crawled) -> None:
    gets = [hit for hit in crawled["hits"] if hit.startswith("GET /api/")]
    assert gets == ["GET /api/events?page=0&size=2", "GET /api/events?page=1&size=2"]
    assert crawled["reports"]["example-fair-api"]["new"] == len(FAIR_HITS)
    events = crawled["events"]
    assert events["Textilpflege Forum"].status == EventStatus.CANCELLED
    fair = events["Intertool Beispiel 2026"]
    assert fair.all_day and fair.venue.city == "Frankfurt am Main"
