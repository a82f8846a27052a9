"""The staff page: sources, last runs and health behind HTTP Basic auth, served over real HTTP."""

from __future__ import annotations

import base64
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest
from fastapi import FastAPI
from fastapi.security import HTTPBasicCredentials

from kontext.settings import load_settings
from kontext.staff_web import credentials_match, render_staff_page, router, staff_overview
from kontext.store import Store
from tests.conftest import clean_environment
from tests.search.conftest import LiveServer

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=ZoneInfo("Europe/Berlin"))
EVIL = "<img src=x onerror=alert(1)>"
SOURCES = """sources:
  - name: ihk-muster
    organizer: {name: "IHK Muster <b>&</b> Co", kind: chamber}
    start_urls: ["https://www.ihk.example/muster/veranstaltungen"]
  - name: hwk-muster
    organizer: {name: Handwerkskammer Muster, kind: crafts_chamber}
    start_urls: ["https://www.hwk.example/kurse"]
    enabled: false
    notes: "not verified"
  - name: never-crawled
    organizer: {name: Neu}
    start_urls: ["https://neu.example/"]
"""


def settings_for(tmp_path, **env):
    config = tmp_path / "config"
    config.mkdir(exist_ok=True)
    (config / "sources.yaml").write_text(SOURCES, encoding="utf-8")
    return load_settings({**clean_environment(), "KONTEXT_HOME": str(tmp_path / "home"), "KONTEXT_CONFIG": str(config),
                          **env})  # fmt: skip


def record_runs(settings) -> None:
    store = Store.from_settings(settings)
    for days, events in ((3, 40), (2, 40), (1, 0)):
        run = store.start_crawl_run("ihk-muster", now=NOW - timedelta(days=days))
        stats = {"kontext/pages": 9, "kontext/events/seen": events, "kontext/events/new": events // 4,
                 f"kontext/dropped/{EVIL}": 2, "kontext/errors": 1}  # fmt: skip
        store.finish_crawl_run(run, "finished", stats, now=NOW - timedelta(days=days) + timedelta(minutes=3))
    run = store.start_crawl_run("hwk-muster", now=NOW - timedelta(hours=5))
    store.finish_crawl_run(run, "finished", {"kontext/pages": 4, "kontext/events/seen": 12}, now=NOW)
    run = store.start_crawl_run("adhoc-127-0-0-1", now=NOW - timedelta(hours=1))
    store.finish_crawl_run(run, "finished", {"kontext/pages": 2, "kontext/events/seen": 3}, now=NOW)
    store.close()


def basic(user: str, password: str) -> dict[str, str]:
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


def serve(settings):
    app = FastAPI()
    app.include_router(router(settings, clock=lambda: NOW))
    return LiveServer(app)


def test_without_configured_credentials_everything_is_refused(tmp_path) -> None:
    settings = settings_for(tmp_path)
    with serve(settings) as live:
        for headers in ({}, basic("", ""), basic("admin", "admin")):
            for path in ("/staff", "/staff/health.json"):
                response = httpx.get(live.url + path, headers=headers)
                assert response.status_code == 403
                assert "www-authenticate" not in response.headers
                assert "KONTEXT_STAFF_USER" in response.text


def test_wrong_or_missing_credentials_ask_for_a_login(tmp_path) -> None:
    settings = settings_for(tmp_path, KONTEXT_STAFF_USER="staff", KONTEXT_STAFF_PASSWORD="s3cret-Pass")
    with serve(settings) as live:
        for headers in (
            {},
            basic("staff", "wrong"),
            basic("Staff", "s3cret-Pass"),
            {"Authorization": "Bearer x"},
        ):
            response = httpx.get(live.url + "/staff", headers=headers)
            assert response.status_code == 401
            assert response.headers["www-authenticate"].startswith('Basic realm="Kontext staff"')
            assert "ihk-muster" not in response.text


def test_with_credentials_the_page_shows_sources_runs_and_health_escaped(tmp_path) -> None:
    settings = settings_for(tmp_path, KONTEXT_STAFF_USER="staff", KONTEXT_STAFF_PASSWORD="s3cret-Pass")
    record_runs(settings)
    with serve(settings) as live:
        response = httpx.get(live.url + "/staff", headers=basic("staff", "s3cret-Pass"))
        data = httpx.get(live.url + "/staff/health.json", headers=basic("staff", "s3cret-Pass")).json()
    assert response.status_code == 200 and response.headers["cache-control"] == "no-store"
    text = response.text
    assert "ihk-muster" in text and "hwk-muster" in text and "never-crawled" in text
    assert "0 events where the previous 2 runs had 40" in text
    assert "broken" in text and "healthy" in text and "never crawled" in text
    assert "adhoc-127-0-0-1" in text and "not in config/sources.yaml" in text
    assert "earlier runs of ihk-muster" in text
    assert EVIL not in text and "&lt;img src=x onerror=alert(1)&gt;" in text
    assert "<b>&</b>" not in text and "IHK Muster &lt;b&gt;&amp;&lt;/b&gt; Co" in text
    statuses = {item["source"]: item["status"] for item in data["sources"]}
    assert statuses == {"ihk-muster": "broken", "hwk-muster": "healthy", "never-crawled": "unknown",
                        "adhoc-127-0-0-1": "healthy"}  # fmt: skip
    assert data["worst"] == "broken"


def test_credentials_are_compared_whole(tmp_path) -> None:
    settings = settings_for(tmp_path, KONTEXT_STAFF_USER="staff", KONTEXT_STAFF_PASSWORD="s3cret-Pass")
    assert credentials_match(settings, HTTPBasicCredentials(username="staff", password="s3cret-Pass"))
    assert not credentials_match(settings, HTTPBasicCredentials(username="staff", password="s3cret-Pas"))
    assert not credentials_match(settings, HTTPBasicCredentials(username="staf", password="s3cret-Pass"))
    assert not credentials_match(settings, None)
    assert not credentials_match(settings_for(tmp_path), HTTPBasicCredentials(username="", password=""))


def test_a_broken_sources_file_is_shown_not_raised(tmp_path) -> None:
    settings = settings_for(tmp_path)
    (settings.config_dir / "sources.yaml").write_text("sources: [1]\n", encoding="utf-8")
    html = render_staff_page(staff_overview(settings, NOW))
    assert "expected a mapping of fields" in html


@pytest.mark.parametrize("env", [{"KONTEXT_STAFF_USER": "staff"}, {"KONTEXT_STAFF_PASSWORD": "x-y-z-1"}])
def test_half_configured_credentials_stop_at_start_up(tmp_path, env) -> None:
    from kontext.settings import SettingsError

    with pytest.raises(SettingsError, match="set both KONTEXT_STAFF_USER and KONTEXT_STAFF_PASSWORD"):
        settings_for(tmp_path, **env)
