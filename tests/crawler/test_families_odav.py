"""Family odav: the URL grammar, and a real crawl of an invented ODAV course catalogue over HTTP."""

from __future__ import annotations

import pytest

from crawler.spiders.families.odav import canonical_detail, page_window, total_of, with_offset
from kontext.settings import load_settings
from kontext.store import Store
from tests.sources.crawl_local import crawl_examples, isolated_env
from tests.sources.invented import ODAV_COURSES, LocalSite, odav_site


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "https://www.hwk-ufr.de/kurse/meister-teil-iii-78,0,coursedetail.html?id=458053&search-onr=78&img=1",
            "https://www.hwk-ufr.de/78,0,coursedetail.html?id=458053",
        ),
        (
            "https://www.hwk-leipzig.de/3,0,coursedetail.html?id=74457",
            "https://www.hwk-leipzig.de/3,0,coursedetail.html?id=74457",
        ),
        ("https://www.hwk-ufr.de/kurse/liste-78,0,courselist.html?search-topic=1", None),
    ],
)
def test_detail_urls_are_made_canonical(url: str, expected: str | None) -> None:
    assert canonical_detail(url) == expected


def test_offsets_replace_the_window_and_keep_the_query() -> None:
    url = "https://x.example/65,0,courselist.html?search-filter-template=0&search-topic=7&limit=20&offset=0"
    assert with_offset(url, 40, 20) == (
        "https://x.example/65,0,courselist.html?search-filter-template=0&search-topic=7&limit=20&offset=40"
    )
    assert page_window(url) == (0, 20)
    assert page_window("https://x.example/7,0,courselist.html?search-type=6") == (0, None)


@pytest.mark.parametrize(
    ("text", "total"),
    [
        ("Treffer 1 bis 20 von 57; Seite 1 von 3", 57),
        ("57 Treffer", 57),
        ("Kurse 2026", None),
        ("von 2026 bis", None),
    ],
)
def test_the_total_is_read_from_the_page(text: str, total: int | None) -> None:
    assert total_of(text) == total


@pytest.mark.slow
def test_a_catalogue_is_paged_by_offset_and_every_course_page_fetched_once(tmp_path) -> None:
    kontext_env = isolated_env(tmp_path)
    site = odav_site()
    with LocalSite(site) as local:
        (report,) = crawl_examples(kontext_env, local.url, "example-odav")
    fetched = [hit.split()[1] for hit in site.hits if hit.startswith("GET") and "robots.txt" not in hit]
    assert len(fetched) == len(set(fetched)), "no page is fetched twice"
    offsets = sorted(hit.rsplit("offset=", 1)[1] for hit in fetched if "courselist" in hit)
    assert offsets == ["0", "3", "6"]
    details = [hit for hit in fetched if "coursedetail" in hit]
    assert sorted(details) == sorted(f"/77,0,coursedetail.html?id={course[0]}" for course in ODAV_COURSES)
    assert not any("coursebooking" in hit for hit in fetched)
    assert report["new"] == len(ODAV_COURSES) and report["errors"] == 0
    store = Store.from_settings(load_settings(kontext_env))
    events = {event.title: event for event in store.iter_events()}
    store.close()
    assert set(events) == {course[2] for course in ODAV_COURSES}
    breakfast = events["Unternehmerfrühstück: Digitalisierung im Handwerksbetrieb"]
    assert breakfast.start.date().isoformat() == "2026-03-24"
    assert breakfast.venue.city == "Kassel" and breakfast.organizer.name == "Handwerkskammer Beispielland"
