"""Source health from stored crawl runs: healthy, degraded or broken, with the reasons.

Each source's last run is compared with its own history (spidermon's idea: monitors with
thresholds after every crawl), so "no events where there were 40" is broken even though the crawl
itself finished without an error. Thresholds are data (config/health.yaml, per-source overrides in
config/sources.yaml); the verdict is a pure function of the runs, the thresholds and `now`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import yaml

from kontext.errors import UserError
from kontext.sources import HealthOverride, Source
from kontext.store import Store

HEALTHY, DEGRADED, BROKEN, UNKNOWN = "healthy", "degraded", "broken", "unknown"
_RANK = {UNKNOWN: 0, HEALTHY: 1, DEGRADED: 2, BROKEN: 3}


class HealthConfigError(UserError):
    """config/health.yaml is missing a value or has a wrong one."""


@dataclass(frozen=True)
class Thresholds:
    baseline_runs: int = 5
    min_baseline: float = 5
    broken_share: float = 0.1
    degraded_share: float = 0.5
    min_events: int = 1
    max_drop_share: float = 0.3
    broken_drop_share: float = 0.8
    max_errors: int = 3
    broken_errors: int = 25
    stale_days: int = 8
    finished_outcomes: tuple[str, ...] = ("finished", "closespider_pagecount", "closespider_itemcount")
    degraded_outcomes: tuple[str, ...] = ("interrupted", "shutdown", "cancelled")

    def for_source(self, override: HealthOverride | None) -> Thresholds:
        """These thresholds with a source's own values where it sets them."""
        if override is None:
            return self
        values = {key: value for key, value in override.model_dump().items() if value is not None}
        return Thresholds(**{**asdict(self), **values})


def load_thresholds(config_dir: Path) -> Thresholds:
    """config/health.yaml, or the defaults when the file does not exist."""
    path = config_dir / "health.yaml"
    if not path.exists():
        return Thresholds()
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError:
        raise HealthConfigError(f"{path}: not valid YAML") from None
    if not isinstance(data, dict):
        raise HealthConfigError(f"{path}: expected a mapping of thresholds")
    known = {item.name: item for item in fields(Thresholds)}
    values: dict[str, Any] = {}
    for key, value in data.items():
        if key not in known:
            raise HealthConfigError(f"{path}: unknown threshold {key!r}; known: {', '.join(known)}")
        default = getattr(Thresholds(), key)
        if isinstance(default, tuple):
            if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
                raise HealthConfigError(f"{path}: {key} must be a list of words")
            values[key] = tuple(value)
        elif not isinstance(value, int | float) or isinstance(value, bool) or value < 0:
            raise HealthConfigError(f"{path}: {key} must be a number >= 0 (got {value!r})")
        else:
            values[key] = type(default)(value)
    return Thresholds(**values)


@dataclass
class RunSummary:
    """What one stored crawl run says, in the terms staff read."""

    id: int
    started: str
    finished: str | None
    outcome: str
    pages: int = 0
    events: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    gone: int = 0
    dropped: dict[str, int] = field(default_factory=dict)
    skipped: dict[str, int] = field(default_factory=dict)
    errors: int = 0

    @property
    def dropped_total(self) -> int:
        return sum(self.dropped.values())

    @property
    def drop_share(self) -> float:
        total = self.dropped_total + self.events
        return self.dropped_total / total if total else 0.0

    @classmethod
    def from_run(cls, run: dict[str, Any]) -> RunSummary:
        stats = run.get("stats") or {}

        def number(key: str) -> int:
            value = stats.get(key, 0)
            return int(value) if isinstance(value, int | float) else 0

        prefix, skip = "kontext/dropped/", "kontext/skipped/"
        if "kontext/errors" in stats:  # the crawl's own count: fetch and extraction errors, error log lines
            errors = number("kontext/errors")
        else:
            server = sum(number(key) for key in stats if key.startswith("downloader/response_status_count/5"))
            errors = number("log_count/ERROR") + number("downloader/exception_count") + server
        events = number("kontext/events/seen") or number("kontext/organisations/seen")
        if not events:
            events = sum(
                number(f"kontext/events/{kind}") for kind in ("new", "updated", "unchanged", "merged")
            )
        return cls(
            id=int(run.get("id", 0)),
            started=str(run.get("started", "")),
            finished=run.get("finished"),
            outcome=str(run.get("outcome", "")),
            pages=number("kontext/pages"),
            events=events,
            new=number("kontext/events/new") or number("kontext/organisations/new"),
            updated=number("kontext/events/updated") or number("kontext/organisations/updated"),
            unchanged=number("kontext/events/unchanged") or number("kontext/organisations/unchanged"),
            gone=number("kontext/events/gone"),
            dropped={key[len(prefix) :]: number(key) for key in stats if key.startswith(prefix)},
            skipped={key[len(skip) :]: number(key) for key in stats if key.startswith(skip)},
            errors=errors,
        )


@dataclass
class Health:
    source: str
    status: str
    reasons: list[str]
    runs: list[RunSummary]
    baseline: float | None = None

    @property
    def last(self) -> RunSummary | None:
        return self.runs[0] if self.runs else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "status": self.status,
            "reasons": self.reasons,
            "baseline": self.baseline,
            "runs": [{**asdict(run), "drop_share": round(run.drop_share, 3)} for run in self.runs],
        }


def _parse(moment: str | None) -> datetime | None:
    try:
        return datetime.fromisoformat(moment) if moment else None
    except ValueError:
        return None


def assess(source: str, runs: list[dict[str, Any]], thresholds: Thresholds, now: datetime) -> Health:
    """The health of one source from its runs (most recent first)."""
    summaries = [RunSummary.from_run(run) for run in runs]
    if not summaries:
        return Health(source, UNKNOWN, ["never crawled"], [])
    status, reasons = HEALTHY, []

    def worse(level: str, reason: str) -> None:
        nonlocal status
        reasons.append(reason)
        if _RANK[level] > _RANK[status]:
            status = level

    last = summaries[0]
    finished = [run for run in summaries if run.outcome in thresholds.finished_outcomes]
    if last.outcome == "running":
        started = _parse(last.started)
        if started is not None and now - started > timedelta(days=1):
            worse(BROKEN, f"the last run started {started:%Y-%m-%d %H:%M} and never finished")
        else:
            reasons.append("a run is in progress")
            last = finished[0] if finished else last
    elif last.outcome in thresholds.degraded_outcomes:
        worse(DEGRADED, f"the last run ended with {last.outcome!r}")
    elif last.outcome not in thresholds.finished_outcomes:
        worse(BROKEN, f"the last run ended with {last.outcome!r}")

    history = [run for run in finished if run.id != last.id][: thresholds.baseline_runs]
    baseline = sum(run.events for run in history) / len(history) if history else None
    if last.pages == 0 and last.outcome != "running":
        refused = ", ".join(f"{reason} {count}" for reason, count in sorted(last.skipped.items()))
        worse(BROKEN, "the last run fetched no page" + (f" ({refused})" if refused else ""))
    if baseline is not None and baseline >= thresholds.min_baseline:
        share = last.events / baseline
        if share < thresholds.broken_share:
            worse(BROKEN, f"{last.events} events where the previous {len(history)} runs had {baseline:.0f}")
        elif share < thresholds.degraded_share:
            worse(DEGRADED, f"{last.events} events, fewer than half of the usual {baseline:.0f}")
    if last.events < thresholds.min_events and not any("events where" in reason for reason in reasons):
        worse(DEGRADED, f"{last.events} events (expected at least {thresholds.min_events})")
    if last.drop_share > thresholds.broken_drop_share:
        worse(BROKEN, f"{last.drop_share:.0%} of extracted items dropped ({_drops(last)})")
    elif last.drop_share > thresholds.max_drop_share:
        worse(DEGRADED, f"{last.drop_share:.0%} of extracted items dropped ({_drops(last)})")
    if last.errors >= thresholds.broken_errors:
        worse(BROKEN, f"{last.errors} errors in the last run")
    elif last.errors > thresholds.max_errors:
        worse(DEGRADED, f"{last.errors} errors in the last run")
    latest = _parse(finished[0].finished or finished[0].started) if finished else None
    if latest is not None and now - latest > timedelta(days=thresholds.stale_days):
        worse(DEGRADED, f"no finished run since {latest:%Y-%m-%d} ({(now - latest).days} days)")
    return Health(source, status, reasons, summaries, baseline)


def _drops(run: RunSummary) -> str:
    return ", ".join(
        f"{reason} {count}" for reason, count in sorted(run.dropped.items(), key=lambda item: -item[1])
    )


def source_health(
    store: Store, sources: list[Source], thresholds: Thresholds, now: datetime, runs: int = 10
) -> list[Health]:
    """The health of every source, from its last `runs` stored crawl runs."""
    return [
        assess(
            source.name, store.crawl_runs(source.name, limit=runs), thresholds.for_source(source.health), now
        )
        for source in sources
    ]


def worst(healths: list[Health]) -> str:
    """The worst status among sources (for exit codes and page titles)."""
    return max((health.status for health in healths), key=lambda status: _RANK[status], default=UNKNOWN)
