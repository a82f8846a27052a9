"""Scale-out: two `kontext crawl` workers with REDIS_URL share one crawl of a local site through a
real Redis server — every page is fetched exactly once, both workers do part of the work, the
store gets every event once, and the crawl's keys are gone from Redis afterwards."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import time
from collections import Counter
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import redis

from kontext.settings import load_settings
from kontext.store import Store
from tests.conftest import KONTEXT, REPO
from tests.crawler.test_crawl_sites import ALLOW_ALL, Site, event_page, listing, write_sources

pytestmark = pytest.mark.slow
BERLIN = ZoneInfo("Europe/Berlin")
PAGES = 60


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def redis_url(tmp_path: Path) -> Iterator[str]:
    """A real redis-server (Debian package) on a free port, data in a temporary directory."""
    binary = shutil.which("redis-server") or "/usr/bin/redis-server"
    if not Path(binary).exists():
        pytest.fail("redis-server is missing; `make install` installs it (tools/install-system-packages.sh)")
    port = free_port()
    data = tmp_path / "redis"
    data.mkdir()
    server = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--dir", str(data), "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    client = redis.Redis.from_url(url)
    try:
        for _ in range(100):
            try:
                client.ping()
                break
            except redis.ConnectionError:
                time.sleep(0.05)
        yield url
    finally:
        client.close()
        server.terminate()
        server.wait(timeout=10)


def test_two_workers_share_one_crawl_without_fetching_a_page_twice(tmp_path, kontext_env, redis_url) -> None:
    first_day = datetime(2027, 5, 3, 10, 0, tzinfo=BERLIN)
    events = {f"/events/e{number:02d}": f"Betriebsbesichtigung Nummer {number}" for number in range(PAGES)}
    pages = {"/robots.txt": ALLOW_ALL, "/events": listing(events)}
    for number, (path, title) in enumerate(events.items()):
        pages[path] = event_page(title, first_day + timedelta(days=number), "Kassel", path)
    env = {**kontext_env, "REDIS_URL": redis_url}
    with Site(pages, delay=0.3) as site:
        sources = write_sources(tmp_path / "sources.yaml", [{"name": "verband", "start_urls": [f"{site.url}/events"]}])
        reports = run_workers(tmp_path, env, sources, "first")
        fetched = Counter(site.paths())
        # The association takes five events off its calendar and deletes two of their pages.
        dropped = list(events)[:5]
        site.pages["/events"] = listing({path: title for path, title in events.items() if path not in dropped})
        for path in dropped[:2]:
            site.pages[path] = (404, "text/html", b"<h1>weg</h1>")
        again = run_workers(tmp_path, env, sources, "again")

    assert set(fetched) == {"/events", *events}
    assert max(fetched.values()) == 1, [path for path, count in fetched.items() if count > 1]
    assert all(report["pages"] > 0 for report in reports), [report["pages"] for report in reports]
    assert sum(report["pages"] for report in reports) == PAGES + 1
    assert sum(report["new"] for report in reports) == PAGES
    # The last worker to leave judged the vanished events for both, once.
    assert sorted((report["gone"], report["removed"]) for report in again) == [(0, 0), (3, 2)]
    store = Store.from_settings(load_settings(env))
    titles = [event.title for event in store.iter_events()]
    gone = store.gone_versions("verband")
    runs = store.crawl_runs("verband")
    store.close()
    assert sorted(titles) == sorted(title for path, title in events.items() if path not in dropped[:2])
    assert sorted(version["page_url"].rsplit("/", 1)[-1] for version in gone) == ["e02", "e03", "e04"]
    assert [run["outcome"] for run in runs] == ["finished"] * 4
    client = redis.Redis.from_url(redis_url)
    leftovers = client.keys("kontext:crawl:*")
    client.close()
    assert leftovers == []


def run_workers(tmp_path: Path, env: dict[str, str], sources: str, label: str) -> list[dict]:
    """Start two `kontext crawl` workers at once and return their reports."""
    command = [str(KONTEXT), "crawl", "--sources-file", sources, "--no-index", "--json", "--now", "2026-11-26"]
    workers = []
    for number in range(2):
        log = (tmp_path / f"{label}{number}.log").open("wb")
        workers.append((subprocess.Popen(command, env=env, cwd=REPO, stdout=subprocess.PIPE, stderr=log), log))
    reports = []
    for number, (process, log) in enumerate(workers):
        output, _ = process.communicate(timeout=240)
        log.close()
        assert process.returncode == 0, (tmp_path / f"{label}{number}.log").read_text()[-2000:]
        reports.append(json.loads(output)[0])
    return reports


def test_an_unreachable_redis_is_one_clear_line(tmp_path, kontext_env) -> None:
    sources = write_sources(tmp_path / "sources.yaml", [{"name": "verband", "start_urls": ["http://127.0.0.1:9/x"]}])
    env = {**kontext_env, "REDIS_URL": f"redis://127.0.0.1:{free_port()}/0"}
    result = subprocess.run(
        [str(KONTEXT), "crawl", "--sources-file", sources, "--no-index"],
        env=env, cwd=REPO, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode != 0
    assert "cannot reach Redis at REDIS_URL" in result.stderr
    assert "Traceback" not in result.stderr
