"""Incremental and resumable crawls: a second crawl asks "changed since?" and extracts nothing that
did not change; events that vanish from their source are flagged gone and leave search after a
grace period (at once when their page answers 404); a crawl killed with SIGKILL reruns without
duplicates or loss."""

from __future__ import annotations

import json
import signal
import subprocess
import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.conftest import KONTEXT, REPO, run_kontext
from tests.crawler.test_crawl_sites import (
    ALLOW_ALL,
    HTML,
    Site,
    crawl,
    event_page,
    listing,
    store_of,
    stored_titles,
    write_sources,
)

pytestmark = pytest.mark.slow
BERLIN = ZoneInfo("Europe/Berlin")
NOW = "2026-11-26T10:00"
LATER = "2026-11-29T10:00"  # after the 48-hour grace period


def calendar(titles: dict[str, str], linked: list[str], gone: list[str] = ()) -> dict:
    """A chamber calendar: event pages by slug, a listing that links `linked`, 404 for `gone`."""
    pages = {"/robots.txt": ALLOW_ALL, "/events": listing({f"/events/{slug}": titles[slug] for slug in linked})}
    for number, (slug, title) in enumerate(titles.items()):
        start = datetime(2027, 2, 10, 9, 0, tzinfo=BERLIN) + timedelta(days=number)
        pages[f"/events/{slug}"] = event_page(title, start, "Hannover", f"/events/{slug}")
    for slug in gone:
        pages[f"/events/{slug}"] = (404, HTML, b"<h1>Seite nicht gefunden</h1>")
    return pages


TITLES = {
    "a": "Fachtagung Verpackungslogistik",
    "b": "Sprechtag Außenwirtschaft Türkei",
    "c": "Netzwerkabend Familienunternehmen",
}


def test_a_second_crawl_revalidates_and_extracts_nothing_unchanged(tmp_path, kontext_env) -> None:
    site = Site(calendar(TITLES, ["a", "b", "c"]))
    with site:
        path = write_sources(tmp_path / "sources.yaml", [{"name": "ihk-test", "start_urls": [f"{site.url}/events"]}])
        first = crawl(kontext_env, path)["ihk-test"]
        site.hits.clear()
        second = crawl(kontext_env, path)["ihk-test"]
        revalidated = [hit for hit in site.hits if hit.path.startswith("/events")]
        site.hits.clear()
        site.pages["/events/b"] = event_page(
            TITLES["b"], datetime(2027, 2, 11, 9, 0, tzinfo=BERLIN), "Hannover", "/events/b", "Jetzt mit Programm."
        )
        third = crawl(kontext_env, path)["ihk-test"]
    assert (first["new"], first["pages"]) == (3, 4)
    # Every page was asked "changed since?" and answered 304; nothing was extracted again.
    assert all("If-None-Match" in hit.headers and hit.status == 304 for hit in revalidated)
    assert len(revalidated) == 4
    assert (second["new"], second["updated"], second["unchanged"]) == (0, 0, 3)
    assert second["pages_unchanged"] == second["pages"] == 4
    assert second["not_modified"] == 4
    # One page changed: only that page is extracted, its event updated.
    assert (third["new"], third["updated"], third["unchanged"]) == (0, 1, 2)
    assert third["pages_unchanged"] == 3


def search_titles(env: dict[str, str], text: str) -> list[str]:
    result = run_kontext(env, "search", text, "--audience", "all", "--json")
    assert result.returncode == 0, result.stderr[-2000:]
    return [hit["title"] for hit in json.loads(result.stdout)["hits"]]


def test_vanished_events_are_flagged_then_leave_search(tmp_path, kontext_env) -> None:
    site = Site(calendar(TITLES, ["a", "b", "c"]))
    with site:
        path = write_sources(tmp_path / "sources.yaml", [{"name": "ihk-test", "start_urls": [f"{site.url}/events"]}])
        env, index = kontext_env, ["crawl", "--sources-file", path, "--json"]

        def crawl_indexed(now: str) -> dict:
            result = run_kontext(env, *index, "--now", now)
            assert result.returncode == 0, result.stderr[-3000:]
            return json.loads(result.stdout)[0]

        crawl_indexed(NOW)
        assert search_titles(env, "Familienunternehmen") == [TITLES["c"]]
        # B's page is deleted (404); C is no longer listed but its page is still there.
        site.pages.update(calendar(TITLES, ["a"], gone=["b"]))
        second = crawl_indexed(NOW)
        assert (second["gone"], second["removed"]) == (1, 1)
        assert search_titles(env, "Außenwirtschaft") == []  # removed at once: the site said 404
        assert search_titles(env, "Familienunternehmen") == [TITLES["c"]]  # flagged, still searchable
        store = store_of(env)
        assert [version["page_url"].rsplit("/", 1)[-1] for version in store.gone_versions("ihk-test")] == ["c"]
        store.close()
        # Still missing after the grace period: C leaves search too.
        third = crawl_indexed(LATER)
        assert (third["gone"], third["removed"]) == (0, 1)
        assert search_titles(env, "Familienunternehmen") == []
        # C is listed again: it comes back.
        site.pages.update(calendar(TITLES, ["a", "c"], gone=["b"]))
        fourth = crawl_indexed(LATER)
        assert fourth["updated"] == 1
        assert search_titles(env, "Familienunternehmen") == [TITLES["c"]]
        # A crawl that could not read the listing judges nothing.
        site.pages["/events"] = (503, HTML, b"<h1>Wartung</h1>")
        broken = crawl_indexed("2026-12-10T10:00")
        assert not broken["complete"] and broken["gone"] == 0 and broken["errors"] >= 1
    assert stored_titles(env) == sorted([TITLES["a"], TITLES["c"]])


def test_a_crawl_killed_mid_run_reruns_without_duplicates_or_loss(tmp_path, kontext_env) -> None:
    titles = {f"e{number:02d}": f"Unternehmertreff Nummer {number}" for number in range(30)}
    site = Site(calendar(titles, list(titles)), delay=0.15)
    with site:
        path = write_sources(tmp_path / "sources.yaml", [{"name": "ihk-slow", "start_urls": [f"{site.url}/events"]}])
        command = [str(KONTEXT), "crawl", "--sources-file", path, "--no-index", "--json", "--now", NOW]
        log = (tmp_path / "killed.log").open("wb")
        worker = subprocess.Popen(command, env=kontext_env, cwd=REPO, stdout=subprocess.DEVNULL, stderr=log)
        try:
            stored = 0
            deadline = time.monotonic() + 120
            while stored < 5 and time.monotonic() < deadline and worker.poll() is None:
                time.sleep(0.3)
                stored = len(stored_titles(kontext_env)) if (tmp_path / "home" / "kontext.db").exists() else 0
            assert worker.poll() is None, "the crawl ended before it could be killed"
            worker.send_signal(signal.SIGKILL)
        finally:
            worker.wait(timeout=30)
            log.close()
        assert 5 <= stored < 30
        rerun = crawl(kontext_env, path)["ihk-slow"]
    in_store = stored_titles(kontext_env)
    assert in_store == sorted(titles.values())  # all of them, each once
    assert rerun["new"] + rerun["unchanged"] + rerun["updated"] == 30
    assert rerun["new"] <= 30 - 5
    store = store_of(kontext_env)
    runs = store.crawl_runs("ihk-slow")
    store.close()
    assert [run["outcome"] for run in runs] == ["finished", "interrupted"]
