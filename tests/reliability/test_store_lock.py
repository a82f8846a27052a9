"""The store locked by another writer: an open write transaction in another process on the SQLite
file while `kontext import` or `kontext crawl` runs. Kontext must wait and finish, or fail with one
clear line; either way nothing is lost — neither its own events nor the other writer's work."""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path

import pytest

from kontext.settings import load_settings
from tests.conftest import KONTEXT, REPO, run_kontext
from tests.crawler.test_crawl_sites import Site, crawl, send_page, store_of, stored_titles, write_sources
from tests.reliability.helpers import (
    WriteLock,
    calendar_site,
    other_writer_rows,
)

pytestmark = pytest.mark.faults
NOW = "2026-11-26T10:00"
# Longer than the store waits for a lock (SQLite busy timeout, 30 s) plus start-up.
LONG_LOCK = 45.0


def partner_file(path: Path, titles: list[str]) -> Path:
    """A partner's JSON-lines export with one event per title."""
    lines = [
        {"title": title, "start": f"2027-03-{number + 1:02d}T10:00", "location": "Marktstraße 1, 30159 Hannover",
         "organizer": "IHK Hannover", "id": f"partner-{number}"}
        for number, title in enumerate(titles)
    ]  # fmt: skip
    path.write_text("".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines), encoding="utf-8")
    return path


def database(env: dict[str, str]) -> Path:
    """The SQLite file of this environment's store, created (empty) if it is not there yet."""
    store_of(env).close()
    return Path(load_settings(env).database_url.removeprefix("sqlite:///"))


def one_clear_line(stderr: str) -> bool:
    lines = [line for line in stderr.strip().splitlines() if line.strip()]
    return len(lines) == 1 and "Traceback" not in stderr


def test_import_waits_for_another_writer_and_loses_nothing(tmp_path, kontext_env) -> None:
    titles = [f"Sprechtag Außenwirtschaft {number}" for number in range(12)]
    export = partner_file(tmp_path / "partner.jsonl", titles)
    db = database(kontext_env)
    with WriteLock(db, seconds=4) as lock:
        result = run_kontext(kontext_env, "import", str(export), "--no-index", "--now", NOW)
        finished = time.time()
        released = lock.wait()
    assert result.returncode == 0, result.stderr[-2000:]
    assert finished > released  # it waited for the other writer instead of giving up
    assert "12 new" in result.stdout
    assert stored_titles(kontext_env) == sorted(titles)
    assert other_writer_rows(db) == 1


def test_crawl_waits_for_another_writer_and_loses_nothing(tmp_path, kontext_env) -> None:
    titles = [f"Unternehmerfrühstück Nummer {number}" for number in range(8)]
    db = database(kontext_env)
    with Site(calendar_site(titles)) as site:
        sources = write_sources(tmp_path / "sources.yaml", [{"name": "ihk-lock", "start_urls": [f"{site.url}/events"]}])
        with WriteLock(db, seconds=5) as lock:
            report = crawl(kontext_env, sources)["ihk-lock"]
            finished = time.time()
            released = lock.wait()
    assert finished > released
    assert (report["new"], report["errors"], report["complete"]) == (8, 0, True)
    assert stored_titles(kontext_env) == sorted(titles)
    assert other_writer_rows(db) == 1


@pytest.mark.slow
def test_a_lock_held_past_the_wait_ends_in_one_clear_line_and_a_rerun_stores_everything(tmp_path, kontext_env) -> None:
    event_titles = [f"Werkstattgespräch Vertrieb {number}" for number in range(6)]
    page_titles = [f"Netzwerkabend Handwerk {number}" for number in range(6)]
    export = partner_file(tmp_path / "partner.jsonl", event_titles)
    db = database(kontext_env)
    with Site(calendar_site(page_titles)) as site:
        sources = write_sources(tmp_path / "sources.yaml", [{"name": "ihk-lock", "start_urls": [f"{site.url}/events"]}])
        crawl_command = [str(KONTEXT), "crawl", "--sources-file", sources, "--no-index", "--json", "--now", NOW]
        import_command = [str(KONTEXT), "import", str(export), "--no-index", "--now", NOW]
        with WriteLock(db, seconds=LONG_LOCK):
            # Both start while the other writer holds the store, and both outlast their wait.
            running = [
                subprocess.Popen(command, env=kontext_env, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                 text=True)
                for command in (import_command, crawl_command)
            ]  # fmt: skip
            outcomes = [process.communicate(timeout=LONG_LOCK + 120) for process in running]
        codes = [process.returncode for process in running]
        first_titles = stored_titles(kontext_env)
        # The other writer is gone: a rerun of both brings everything in, once.
        rerun_import = run_kontext(kontext_env, "import", str(export), "--no-index", "--now", NOW)
        rerun_crawl = crawl(kontext_env, sources)["ihk-lock"]
    for code, (stdout, stderr), expected in zip(codes, outcomes, (event_titles, page_titles), strict=True):
        if code == 0:  # it waited long enough: then everything must be there
            assert set(expected) <= set(first_titles), stdout[-2000:]
            assert "Traceback" not in stderr
        else:
            assert one_clear_line(stderr), stderr[-3000:]
            assert "lock" in stderr.lower()
    assert rerun_import.returncode == 0, rerun_import.stderr[-2000:]
    assert rerun_crawl["complete"] and rerun_crawl["errors"] == 0
    assert stored_titles(kontext_env) == sorted(event_titles + page_titles)
    assert other_writer_rows(db) == 1


def crawl_with_a_lock_taken_midway(tmp_path, env, seconds: float, *, outlast: bool) -> tuple:
    """Crawl a calendar of eight events; when the fourth page is asked for, another writer takes the
    store for `seconds` (at most: it commits when the crawl has ended). A page answered 2.5 s later
    makes the crawl try to write while it is locked; unless `outlast`, the last page is answered only
    once the lock is gone."""
    titles = [f"Betriebsbesichtigung Logistik {number}" for number in range(8)]
    pages = calendar_site(titles)
    db = database(env)
    locks: list[WriteLock] = []

    def take_lock(handler, page=pages["/events/e003"]) -> None:
        if not locks:  # the first crawl only; the rerun finds the store free
            locks.append(WriteLock(db, seconds=seconds).__enter__())
        send_page(handler, page)

    def later(handler, page=pages["/events/e005"]) -> None:
        time.sleep(2.5)
        send_page(handler, page)

    def after_release(handler, page=pages["/events/e007"]) -> None:
        if not outlast:
            while not locks:
                time.sleep(0.05)
            locks[0].wait()
        send_page(handler, page)

    pages.update({"/events/e003": take_lock, "/events/e005": later, "/events/e007": after_release})
    with Site(pages) as site:
        sources = write_sources(
            tmp_path / "sources.yaml", [{"name": "ihk-midway", "start_urls": [f"{site.url}/events"]}]
        )
        result = run_kontext(env, "crawl", "--sources-file", sources, "--no-index", "--json", "--now", NOW)
        for lock in locks:
            lock.release()  # the first crawl has ended: the other writer commits now
            lock.__exit__(None, None, None)
        rerun = run_kontext(env, "crawl", "--sources-file", sources, "--no-index", "--json", "--now", NOW)
    return titles, result, rerun, db


@pytest.mark.slow
def test_a_lock_taken_mid_crawl_and_released_costs_a_retry_not_an_error(tmp_path, kontext_env) -> None:
    env = {**kontext_env, "KONTEXT_STORE_BUSY_SECONDS": "0.5"}
    titles, result, rerun, db = crawl_with_a_lock_taken_midway(tmp_path, env, 4.0, outlast=False)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "will retry" in result.stderr  # a write was refused while the other writer held the store
    report = json.loads(result.stdout)[0]
    assert (report["new"], report["errors"], report["complete"]) == (8, 0, True), report
    assert stored_titles(env) == sorted(titles)
    assert json.loads(rerun.stdout)[0]["new"] == 0
    assert other_writer_rows(db) == 1


@pytest.mark.slow
def test_a_lock_held_past_the_end_of_a_crawl_is_one_error_one_line_and_a_rerun_stores_everything(
    tmp_path, kontext_env
) -> None:
    env = {**kontext_env, "KONTEXT_STORE_BUSY_SECONDS": "0.5"}
    titles, result, rerun, db = crawl_with_a_lock_taken_midway(tmp_path, env, 300.0, outlast=True)
    assert result.returncode == 2, result.stderr[-3000:]
    assert "Traceback" not in result.stderr
    assert "run the crawl again" in result.stderr.strip().splitlines()[-1]
    report = json.loads(result.stdout)[0]
    assert report["error_kinds"].get("store_unavailable", 0) >= 1 and not report["complete"], report
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    assert stored_titles(env) == sorted(titles)  # the rerun brought in what the lock kept out, once
    assert other_writer_rows(db) == 1


@pytest.mark.slow
def test_a_locked_store_is_tried_again_after_a_growing_wait_not_at_every_event(tmp_path, kontext_env) -> None:
    """Each try blocks the crawl for the whole busy wait; once a batch is full, trying again at every
    further event would add that wait per event. Tries back off (2, 4, 8 … s) instead."""
    env = {**kontext_env, "KONTEXT_STORE_BUSY_SECONDS": "0.3"}
    titles = [f"Sprechtag Außenwirtschaft {number}" for number in range(150)]
    pages = calendar_site(titles)
    db = database(env)
    locks: list[WriteLock] = []

    def take_lock(handler, page=pages["/events"]) -> None:
        if not locks:
            locks.append(WriteLock(db, seconds=300.0).__enter__())
        send_page(handler, page)

    pages["/events"] = take_lock
    with Site(pages) as site:
        sources = write_sources(tmp_path / "sources.yaml", [{"name": "ihk-many", "start_urls": [f"{site.url}/events"]}])
        result = run_kontext(env, "crawl", "--sources-file", sources, "--no-index", "--json", "--now", NOW)
        for lock in locks:
            lock.release()
            lock.__exit__(None, None, None)
        rerun = run_kontext(env, "crawl", "--sources-file", sources, "--no-index", "--json", "--now", NOW)
    assert result.returncode == 2, result.stderr[-3000:]
    tries = result.stderr.count("will retry")
    assert 1 <= tries <= 12, f"{tries} tries while locked"  # one per event after the first batch: ~100
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    assert stored_titles(env) == sorted(titles)
    assert other_writer_rows(db) == 1
