"""Family odoo: events read from their own .ics files; a missing .ics falls back to the event page."""

from __future__ import annotations

import pytest

from crawler.spiders.families.odoo import event_page, ics_url
from kontext.settings import load_settings
from kontext.store import Store
from tests.sources.crawl_local import crawl_examples, isolated_env
from tests.sources.invented import ODOO_EVENTS, ODOO_MISSING_ICS, LocalSite, odoo_site


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "https://mainfranken.odoo.com/event/tag-der-industrie-42",
            "https://mainfranken.odoo.com/event/42/ics",
        ),
        ("https://x.odoo.com/event/tag-42/register", "https://x.odoo.com/event/42/ics"),
        ("https://x.odoo.com/event/page/2", None),
        ("https://x.odoo.com/event", None),
    ],
)
def test_each_event_page_has_its_ics_file(url: str, expected: str | None) -> None:
    assert ics_url(url) == expected


def test_the_register_sub_page_is_not_the_event_page() -> None:
    assert event_page("https://x.odoo.com/event/tag-42/register") == "https://x.odoo.com/event/tag-42"


@pytest.mark.slow
def test_events_come_from_ics_files_and_the_html_page_when_the_file_is_missing(tmp_path) -> None:
    env = isolated_env(tmp_path)
    site = odoo_site()
    with LocalSite(site) as local:
        (report,) = crawl_examples(env, local.url, "example-odoo")
    fetched = [hit.split()[1] for hit in site.hits if hit.startswith("GET")]
    assert {f"/event/{key}/ics" for key in ODOO_EVENTS} <= set(fetched)
    pages = [path for path in fetched if path.startswith("/event/") and not path.endswith("/ics")]
    assert pages == ["/event/page/2", f"/event/{ODOO_EVENTS[ODOO_MISSING_ICS][0]}-{ODOO_MISSING_ICS}"]
    assert report["new"] == len(ODOO_EVENTS)
    store = Store.from_settings(load_settings(env))
    events = {event.title: event for event in store.iter_events()}
    store.close()
    day = events["Tag der Industrie Mainfranken 2026"]
    assert day.start.isoformat() == "2026-03-19T14:00:00+01:00" and day.extraction.value == "icalendar"
    assert day.url.endswith("/event/tag-der-industrie-2026-41")
    fallback = events[ODOO_EVENTS[ODOO_MISSING_ICS][1]]
    assert fallback.extraction.value == "heuristics" and fallback.venue.city == "Karlstadt"
