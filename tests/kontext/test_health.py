"""Source health from stored crawl runs: healthy -> degraded -> broken, with the reasons."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from kontext.health import (
    BROKEN,
    DEGRADED,
    HEALTHY,
    UNKNOWN,
    HealthConfigError,
    Thresholds,
    assess,
    load_thresholds,
    source_health,
    worst,
)
from kontext.settings import PROJECT_ROOT
from kontext.sources import HealthOverride, Source, SourceOrganizer
from kontext.store import Store

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=ZoneInfo("Europe/Berlin"))
THRESHOLDS = load_thresholds(PROJECT_ROOT / "config")


def stats(events: int, *, pages: int = 12, dropped: dict[str, int] | None = None, errors: int = 0) -> dict:
    values = {"kontext/pages": pages, "kontext/events/seen": events, "kontext/events/unchanged": events}
    values |= {f"kontext/dropped/{reason}": count for reason, count in (dropped or {}).items()}
    values["kontext/errors"] = errors
    return values


def record(store: Store, source: str, days_ago: float, outcome: str = "finished", **values) -> None:
    started = NOW - timedelta(days=days_ago)
    run = store.start_crawl_run(source, now=started)
    store.finish_crawl_run(run, outcome, stats(**values), now=started + timedelta(minutes=5))


@pytest.fixture
def store(tmp_path: Path):
    store = Store(f"sqlite:///{tmp_path / 'kontext.db'}")
    yield store
    store.close()


def health_of(store: Store, source: str = "ihk-test", thresholds: Thresholds = THRESHOLDS):
    return assess(source, store.crawl_runs(source, limit=10), thresholds, NOW)


def test_a_source_goes_from_healthy_to_degraded_to_broken(store: Store) -> None:
    for day in (6, 5, 4, 3, 2):
        record(store, "ihk-test", day, events=40)
    assert health_of(store).status == HEALTHY
    record(store, "ihk-test", 1, events=15)
    degraded = health_of(store)
    assert degraded.status == DEGRADED
    assert "15 events, fewer than half of the usual 40" in degraded.reasons
    record(store, "ihk-test", 0.5, events=0)
    broken = health_of(store)
    assert broken.status == BROKEN
    assert any("0 events where the previous 5 runs had" in reason for reason in broken.reasons)
    assert broken.last.events == 0 and len(broken.runs) == 7


def test_never_crawled_is_unknown_and_no_pages_is_broken(store: Store) -> None:
    assert health_of(store).status == UNKNOWN
    record(store, "ihk-test", 1, events=0, pages=0)
    health = health_of(store)
    assert health.status == BROKEN and "the last run fetched no page" in health.reasons


@pytest.mark.parametrize(
    ("values", "status", "reason"),
    [
        ({"events": 30, "dropped": {"no_date": 20}}, DEGRADED, "40% of extracted items dropped (no_date 20)"),
        ({"events": 2, "dropped": {"no_date": 30}}, BROKEN, "94% of extracted items dropped (no_date 30)"),
        ({"events": 40, "errors": 5}, DEGRADED, "5 errors in the last run"),
        ({"events": 40, "errors": 25}, BROKEN, "25 errors in the last run"),
        ({"events": 40, "errors": 3}, HEALTHY, None),
    ],
)
def test_drops_and_errors_have_thresholds(store: Store, values: dict, status: str, reason: str | None) -> None:
    record(store, "ihk-test", 1, **values)
    health = health_of(store)
    assert health.status == status
    if reason:
        assert reason in health.reasons


@pytest.mark.parametrize(("outcome", "status"), [("interrupted", DEGRADED), ("memusage_exceeded", BROKEN)])
def test_a_run_that_did_not_finish_is_degraded_or_broken(store: Store, outcome: str, status: str) -> None:
    record(store, "ihk-test", 1, outcome=outcome, events=40)
    health = health_of(store)
    assert health.status == status and f"the last run ended with {outcome!r}" in health.reasons


def test_a_page_limit_ends_a_run_normally_and_stale_sources_degrade(store: Store) -> None:
    record(store, "ihk-test", 10.5, outcome="closespider_pagecount", events=40)
    health = health_of(store)
    assert health.status == DEGRADED
    assert health.reasons == ["no finished run since 2026-02-19 (10 days)"]


def test_a_run_still_going_is_judged_by_the_last_finished_one(store: Store) -> None:
    record(store, "ihk-test", 1, events=40)
    store.start_crawl_run("ihk-test", now=NOW - timedelta(minutes=10))
    health = health_of(store)
    assert health.status == HEALTHY and "a run is in progress" in health.reasons
    stuck = Store(store.url)
    stuck.start_crawl_run("other", now=NOW - timedelta(days=2))
    stuck.close()
    assert health_of(store, "other").status == BROKEN


def test_a_source_can_lower_its_own_expectations(store: Store) -> None:
    record(store, "ihk-test", 1, events=0)
    assert health_of(store).status == DEGRADED
    relaxed = THRESHOLDS.for_source(HealthOverride(min_events=0))
    assert health_of(store, thresholds=relaxed).status == HEALTHY


def test_health_of_configured_sources_and_the_worst(store: Store) -> None:
    sources = [
        Source(name=name, organizer=SourceOrganizer(name=name), start_urls=["https://x.example/"])
        for name in ("good", "bad", "new")
    ]
    record(store, "good", 1, events=10)
    record(store, "bad", 1, events=0, pages=0)
    healths = source_health(store, sources, THRESHOLDS, NOW)
    assert [health.status for health in healths] == [HEALTHY, BROKEN, UNKNOWN]
    assert worst(healths) == BROKEN
    assert healths[1].to_dict()["runs"][0]["pages"] == 0


def test_thresholds_are_data(tmp_path: Path) -> None:
    (tmp_path / "health.yaml").write_text("max_errors: 0\nfinished_outcomes: [finished]\n", encoding="utf-8")
    thresholds = load_thresholds(tmp_path)
    assert thresholds.max_errors == 0 and thresholds.finished_outcomes == ("finished",)
    assert load_thresholds(tmp_path / "nowhere") == Thresholds()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("max_errros: 3\n", "unknown threshold 'max_errros'"),
        ("max_errors: -1\n", "max_errors must be a number >= 0"),
        ("max_errors: many\n", "max_errors must be a number >= 0"),
        ("finished_outcomes: finished\n", "finished_outcomes must be a list of words"),
        ("- 1\n", "expected a mapping"),
        ("a: [\n", "not valid YAML"),
    ],
)
def test_a_wrong_threshold_is_one_clear_line(tmp_path: Path, text: str, message: str) -> None:
    (tmp_path / "health.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(HealthConfigError, match=message):
        load_thresholds(tmp_path)
