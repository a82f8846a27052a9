"""Family ical: a feed crawled over HTTP; a page that is not a calendar is counted, not parsed."""

from __future__ import annotations

import pytest

from crawler.spiders.families.ical import is_calendar
from kontext.settings import load_settings
from kontext.store import Store
from kontext.vocabulary import EventStatus
from tests.sources.crawl_local import crawl_examples, isolated_env
from tests.sources.invented import HTML, LocalSite, Site, ical_site, page


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (b"BEGIN:VCALENDAR\r\n", True),
        (b"\xef\xbb\xbf\r\nbegin:vcalendar\n", True),
        (b"<html>BEGIN:VCALENDAR", False),
    ],
)
def test_a_calendar_is_recognised_by_its_first_line(body: bytes, expected: bool) -> None:
    assert is_calendar(body) is expected


@pytest.mark.slow
def test_a_feed_gives_its_upcoming_events_with_status(tmp_path) -> None:
    env = isolated_env(tmp_path)
    with LocalSite(ical_site()) as local:
        (report,) = crawl_examples(env, local.url, "example-ical")
    assert report["new"] == 3  # the past fair of 2025 is not announced any more
    store = Store.from_settings(load_settings(env))
    events = {event.title: event for event in store.iter_events()}
    store.close()
    fair = events["Maschinenbau Nord 2026 - Fachmesse für Zulieferer"]
    assert (
        fair.all_day
        and fair.start.date().isoformat() == "2026-03-24"
        and fair.end.date().isoformat() == "2026-03-26"
    )
    assert fair.venue.city == "Hannover"
    assert events["Holz & Handwerk Regional"].status == EventStatus.CANCELLED


@pytest.mark.slow
def test_an_html_answer_where_the_feed_should_be_is_counted(tmp_path) -> None:
    env = isolated_env(tmp_path)
    broken = Site(lambda path, query: (200, HTML, page("Wartung", "<h1>Wartungsarbeiten</h1>")))
    with LocalSite(broken) as local:
        (report,) = crawl_examples(env, local.url, "example-ical")
    assert report["new"] == 0
    assert report["skipped"].get("not_calendar") == 1
