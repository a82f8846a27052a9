"""`kontext crawl` as staff use it: an ad-hoc site by --start-url (private addresses only with
--allow-private), the report table and its stored copy, live progress figures, and one clear line
for every mistake."""

from __future__ import annotations

import json
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from rich.console import Console

from crawler.run import SourceReport, progress_snapshot
from kontext.commands.crawl import progress_table, report_table
from kontext.settings import load_settings
from kontext.store import Store
from tests.conftest import run_kontext
from tests.crawler.test_crawl_sites import ALLOW_ALL, Site, event_page, listing, write_sources

BERLIN = ZoneInfo("Europe/Berlin")

STATS = {
    "kontext/pages": 12,
    "kontext/pages/unchanged": 9,
    "kontext/pages/not_modified": 9,
    "kontext/events/new": 2,
    "kontext/events/updated": 1,
    "kontext/events/unchanged": 7,
    "kontext/events/merged": 1,
    "kontext/events/gone": 1,
    "kontext/events/removed": 1,
    "kontext/dropped/no_date": 3,
    "kontext/skipped/robots": 2,
    "kontext/skipped/calendar_range": 1,
    "kontext/errors/timeout": 1,
    "kontext/errors/http_500": 2,
    "kontext/complete": 1,
    "log_count/ERROR": 0,
    "finish_reason": "finished",
}


def test_the_report_reads_the_crawl_stats() -> None:
    report = SourceReport.from_stats("ihk-hannover", STATS)
    assert (report.pages, report.new, report.updated, report.unchanged, report.merged) == (12, 2, 1, 7, 1)
    assert (report.gone, report.removed, report.pages_unchanged, report.not_modified) == (1, 1, 9, 9)
    assert report.dropped == {"no_date": 3}
    assert report.skipped == {"robots": 2, "calendar_range": 1}
    assert report.errors == 3 and report.error_kinds == {"timeout": 1, "http_500": 2}
    assert report.complete and report.finish_reason == "finished"


def test_the_report_table_shows_every_figure() -> None:
    console = Console(width=250, record=True)
    console.print(report_table([SourceReport.from_stats("ihk-hannover", STATS)]))
    text = console.export_text()
    for expected in ("ihk-hannover", "12 (9 unchanged)", "1 (+1 removed)", "no_date 3", "calendar_range 1, robots 2",
                     "3 (http_500 2, timeout 1)", "finished"):
        assert expected in text, expected


def test_live_progress_figures() -> None:
    snapshot = progress_snapshot(STATS)
    assert snapshot == {"pages": 12, "events": 11, "new": 2, "skipped": 3, "errors": 3, "finished": True}
    console = Console(width=120, record=True)
    console.print(progress_table({"ihk-hannover": snapshot, "hwk-test": progress_snapshot({})}))
    text = console.export_text()
    assert "ihk-hannover" in text and "done" in text and "…" in text


@pytest.mark.slow
def test_an_ad_hoc_site_by_start_url(kontext_env) -> None:
    start = datetime(2027, 6, 1, 18, 0, tzinfo=BERLIN)
    site = Site(
        {
            "/robots.txt": ALLOW_ALL,
            "/termine": listing({"/termine/eins": "eins", "/termine/zwei": "zwei"}),
            "/termine/eins": event_page("Sommerfest des Handwerks", start, "Erfurt", "/termine/eins"),
            "/termine/zwei": event_page("Ausbildungsbörse Thüringen", start, "Jena", "/termine/zwei"),
        }
    )
    with site:
        url = f"{site.url}/termine"
        refused = run_kontext(kontext_env, "crawl", "--start-url", url, "--no-index", "--json")
        assert site.paths(robots=True) == []
        allowed = run_kontext(kontext_env, "crawl", "--start-url", url, "--allow-private", "--no-index")
    assert refused.returncode == 0, refused.stderr[-2000:]
    assert json.loads(refused.stdout)[0]["skipped"] == {"private_address": 1}
    assert allowed.returncode == 0, allowed.stderr[-2000:]
    assert "Crawl report" in allowed.stdout and "adhoc-127-0-0-1" in allowed.stdout
    assert sorted(site.paths()) == ["/termine", "/termine/eins", "/termine/zwei"]
    store = Store.from_settings(load_settings(kontext_env))
    (run, _) = store.crawl_runs("adhoc-127-0-0-1")
    titles = sorted(event.title for event in store.iter_events())
    store.close()
    assert titles == ["Ausbildungsbörse Thüringen", "Sommerfest des Handwerks"]
    assert run["outcome"] == "finished"
    assert run["stats"]["kontext/events/new"] == 2 and run["stats"]["kontext/pages"] == 3


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--start-url", "ftp://example.org/"], "is not an http(s) URL"),
        (["--source", "gibt-es-nicht"], "unknown source(s) gibt-es-nicht"),
        (["--sources-file", "/nonexistent/sources.yaml"], "file not found"),
    ],
)
def test_mistakes_are_one_clear_line(kontext_env, tmp_path, args, message) -> None:
    if "--source" in args:
        args = ["--sources-file", write_sources(tmp_path / "s.yaml", [{"name": "da", "start_urls": ["http://a.b/"]}]),
                *args]
    result = run_kontext(kontext_env, "crawl", *args, "--no-index")
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_narrow_terminals_get_the_report_per_source() -> None:
    from kontext.commands.crawl import report_blocks

    console = Console(width=60, record=True)
    for block in report_blocks([SourceReport.from_stats("ihk-hannover", STATS)]):
        console.print(block)
    text = console.export_text()
    assert "ihk-hannover" in text and "12 (9 unchanged)" in text and "no_date 3" in text


@pytest.mark.slow
def test_a_store_locked_by_another_writer_is_one_clear_line(kontext_env, tmp_path) -> None:
    import sqlite3

    store = Store.from_settings(load_settings(kontext_env))  # creates the database
    store.close()
    sources = write_sources(tmp_path / "s.yaml", [{"name": "da", "start_urls": ["http://127.0.0.1:9/x"]}])
    other = sqlite3.connect(tmp_path / "home" / "kontext.db", isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another writer holds the lock longer than the 30 s busy timeout
    try:
        result = run_kontext(kontext_env, "crawl", "--sources-file", sources, "--no-index", timeout=120)
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert result.returncode == 2
    assert "cannot write to the store" in result.stderr and "locked" in result.stderr
    assert "Traceback" not in result.stderr
