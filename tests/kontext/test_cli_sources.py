"""`kontext sources …` as staff run it: the real CLI in a subprocess, against local sites."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import yaml

from kontext.sample_site import SampleSite
from kontext.settings import PROJECT_ROOT, load_settings
from kontext.source_fixtures import load_fixture, run_fixture
from kontext.sources import Source
from kontext.store import Store
from tests.conftest import run_kontext
from tests.sources.crawl_local import isolated_env
from tests.sources.invented import NOW, LocalSite, ihk_site, odav_site

EXAMPLES = str(PROJECT_ROOT / "tests" / "sources" / "example_sources.yaml")


def kontext(env: dict[str, str], *args: str, expect: int = 0):
    result = run_kontext(env, *args)
    assert result.returncode == expect, (result.stdout[-2000:], result.stderr[-2000:])
    return result


def test_list_shows_every_configured_source(tmp_path: Path) -> None:
    env = isolated_env(tmp_path)
    entries = json.loads(kontext(env, "sources", "list", "--json").stdout)
    assert len(entries) >= 25
    names = {entry["name"] for entry in entries}
    assert {"hwk-unterfranken", "wko-veranstaltungen", "messe-duesseldorf", "zdh-handwerkskammern"} <= names
    wko = next(entry for entry in entries if entry["name"] == "wko-veranstaltungen")
    assert wko["family"] == "json-api" and wko["checked"]["url"] == "seen"
    assert wko["checked_summary"].startswith("SEEN, not fetched live on 2026-11-26: SOURCES.md X1")
    table = kontext(env, "sources", "list").stdout
    assert "sources (" in table and "enabled)" in table


def test_a_broken_sources_file_is_one_line_naming_entry_and_field(tmp_path: Path) -> None:
    env = isolated_env(tmp_path)
    bad = tmp_path / "sources.yaml"
    bad.write_text(
        "sources:\n  - name: ok\n    organizer: {name: X}\n    start_urls: ['https://x.example/']\n"
        "    family: odaw\n",
        encoding="utf-8",
    )
    result = kontext(env, "sources", "list", "--sources-file", str(bad), expect=2)
    assert result.stderr.startswith("kontext: ") and result.stderr.count("\n") == 1
    assert "source 'ok', field 'family'" in result.stderr and "Traceback" not in result.stderr


def test_status_shows_health_from_stored_runs_and_can_fail_a_cron_job(tmp_path: Path) -> None:
    env = isolated_env(tmp_path)
    store = Store.from_settings(load_settings(env))
    now = datetime.fromisoformat("2026-11-20T08:00:00+00:00")
    for days, events in ((3, 30), (2, 30), (1, 0)):
        run = store.start_crawl_run("hwk-koblenz", now=now - timedelta(days=days))
        store.finish_crawl_run(run, "finished", {"kontext/pages": 5, "kontext/events/seen": events}, now=now)
    run = store.start_crawl_run("messe-duesseldorf", now=now - timedelta(hours=2))
    store.finish_crawl_run(run, "finished", {"kontext/pages": 1, "kontext/events/seen": 80}, now=now)
    store.close()
    args = (
        "sources",
        "status",
        "--now",
        "2026-11-20T09:00",
        "--source",
        "hwk-koblenz",
        "--source",
        "messe-duesseldorf",
    )
    healths = json.loads(kontext(env, *args, "--json").stdout)
    assert [(item["source"], item["status"]) for item in healths] == [
        ("hwk-koblenz", "broken"),
        ("messe-duesseldorf", "healthy"),
    ]
    assert "0 events where the previous 2 runs had 30" in healths[0]["reasons"]
    table = kontext(env, *args).stdout
    assert "hwk-koblenz" in table and "broken" in table
    kontext(env, *args, "--fail-on", "broken", expect=1)
    kontext(env, "sources", "status", "--now", "2026-11-20T09:00", "--source", "messe-duesseldorf", "--fail-on",
            "degraded")  # fmt: skip


@pytest.fixture(scope="module")
def sample_site():
    with SampleSite() as site:
        yield site


def proposal(stdout: str) -> dict:
    text = stdout.split("save a fixture):\n", 1)[1]
    (entry,) = yaml.safe_load(text)
    return entry


def test_probe_proposes_a_listing_entry_for_a_sample_calendar_page(tmp_path: Path, sample_site) -> None:
    env = isolated_env(tmp_path)
    result = kontext(env, "sources", "probe", f"{sample_site.url}/ihk/veranstaltungen", "--allow-private")
    assert "events on this page:" in result.stdout and "next-page links: 2" in result.stdout
    entry = proposal(result.stdout)
    assert entry["organizer"] == {"name": "IHK Musterland", "kind": "chamber"}
    assert entry["event_links"] == "/ihk/veranstaltungen/[^/?#]+/?$"
    assert "page=" in entry["follow_links"] and entry["local"] is True
    assert entry["checked"]["url"] == "live" and entry["checked"]["fetched"] is True
    source = Source.model_validate(entry)  # the proposal is a valid entry as it stands
    assert source.name == "local-ihk"


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/cluster/kalender.ics", {"family": "ical", "organizer": {"kind": "cluster"}}),
        ("/vmn/termine", {"event_links": "/vmn/termine/[^/?#]+/?$", "organizer": {"kind": "association"}}),
    ],
)
def test_probe_recognises_feeds_and_association_listings(tmp_path: Path, sample_site, path, expected) -> None:
    env = isolated_env(tmp_path)
    entry = proposal(kontext(env, "sources", "probe", sample_site.url + path, "--allow-private").stdout)
    for key, value in expected.items():
        if isinstance(value, dict):
            assert entry[key].items() >= value.items()
        else:
            assert entry[key] == value
    Source.model_validate(entry)


def test_probe_knows_a_platform_family_and_refuses_private_addresses_unless_allowed(tmp_path: Path) -> None:
    env = isolated_env(tmp_path)
    with LocalSite(odav_site()) as local:
        url = f"{local.url}/77,0,courselist.html?search-filter-template=0&limit=3&offset=0"
        report = json.loads(kontext(env, "sources", "probe", url, "--allow-private", "--json").stdout)
        refused = kontext(env, "sources", "probe", url, expect=2)
    assert report["platform"] == "odav" and report["proposal"]["family"] == "odav"
    assert "private, loopback or unknown address" in refused.stderr and "--allow-private" in refused.stderr


def test_save_fixture_round_trip_against_a_local_page(tmp_path: Path) -> None:
    env = isolated_env(tmp_path)
    fixtures = tmp_path / "fixtures"
    with LocalSite(ihk_site()) as local:
        url = f"{local.url}/beispielstadt/veranstaltungen/exporttag-nordamerika-5501240"
        result = kontext(
            env, "sources", "save-fixture", "example-ihk", url, "--sources-file", EXAMPLES,
            "--fixtures-dir", str(fixtures), "--now", NOW.isoformat(), "--json",
        )  # fmt: skip
    saved = json.loads(result.stdout)
    (event,) = saved["events"]
    assert event["title"] == "Exporttag Nordamerika für kleine und mittlere Unternehmen"
    assert event["start"] == "2026-04-23T09:30:00+02:00" and event["city"] == "Hannover"
    fixture = load_fixture(Path(saved["directory"]))
    assert fixture.page.read_bytes().startswith(b"<!doctype html>")
    assert fixture.meta["reviewed"] is False and fixture.meta["invented"] is False
    assert fixture.meta["sources_file"] == "tests/sources/example_sources.yaml"
    # Offline, with the site gone, the saved page gives the same output.
    assert run_fixture(fixture) == fixture.expected


def test_check_shows_what_a_few_pages_give_without_storing_anything(tmp_path: Path) -> None:
    env = isolated_env(tmp_path)
    with LocalSite(ihk_site()) as local:
        result = kontext(
            env, "sources", "check", "example-ihk", "--sources-file", EXAMPLES, "--sample-site", local.url,
            "--now", NOW.isoformat(), "--json",
        )  # fmt: skip
    checked = json.loads(result.stdout)
    assert checked["pages"] >= 4 and checked["errors"] == 0
    titles = {event["title"] for event in checked["events"]}
    assert "Sprechtag Unternehmensnachfolge" in titles
    assert all(event["organizer"]["name"] == "IHK Beispielstadt" for event in checked["events"])
    store = Store.from_settings(load_settings(env))
    assert store.count_events() == 0 and store.crawl_runs() == []
    store.close()


def test_check_of_an_unknown_source_is_one_line(tmp_path: Path) -> None:
    result = kontext(isolated_env(tmp_path), "sources", "check", "no-such-source", expect=2)
    assert "no source named 'no-such-source'" in result.stderr


def test_seed_organisations_stores_chambers_associations_and_configured_organisers(tmp_path: Path) -> None:
    env = isolated_env(tmp_path)
    first = json.loads(kontext(env, "sources", "seed-organisations", "--no-index", "--json").stdout)
    assert first["records"] >= 180 and first["new"] == first["records"] and first["indexed"] is None
    assert first["kinds"]["crafts_chamber"] == 53 and first["kinds"]["chamber"] >= 79
    again = json.loads(kontext(env, "sources", "seed-organisations", "--no-index", "--json").stdout)
    assert again["new"] == 0 and again["written"] == 0
    store = Store.from_settings(load_settings(env))
    koeln = store.get_organisation("ihk-koln")
    store.close()
    assert (
        koeln is not None
        and koeln.url == "https://www.ihk.de/koeln/"
        and koeln.region == "Nordrhein-Westfalen"
    )
    missing = kontext(env, "sources", "seed-organisations", "--data-dir", str(tmp_path / "none"), expect=2)
    assert "does not exist; pass --data-dir" in missing.stderr


@pytest.mark.meili
def test_seeded_organisations_are_searchable_from_the_terminal(kontext_env) -> None:
    kontext(kontext_env, "sources", "seed-organisations")
    found = json.loads(kontext(kontext_env, "sources", "organisations", "Bitkom", "--json").stdout)
    assert found["hits"][0]["name"] == "Bitkom e.V." and found["hits"][0]["url"] == "https://www.bitkom.org/"
    crafts = json.loads(
        kontext(
            kontext_env,
            "sources",
            "organisations",
            "--kind",
            "crafts_chamber",
            "--region",
            "Bayern",
            "--json",
        ).stdout
    )
    assert crafts["total"] == 6 and all(hit["kind"] == "crafts_chamber" for hit in crafts["hits"])
