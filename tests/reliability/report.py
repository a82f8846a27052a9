"""The pytest plugin behind `make faults` and docs/reliability.md.

- Marks the scenario tests that live with their owners' tests (tests/reliability/scenarios.py) as
  `faults`, before `-m faults` selects, so one command runs every scenario.
- Records each test's outcome (passed, failed, skipped, a known bug pinned as a strict xfail) and
  time, and after a run of the whole scenario set (`pytest -m faults`, in one process) writes
  docs/reliability.md: each scenario, its promise, the command that proves it and the last result.
  A run of only some scenarios, or one spread over pytest-xdist workers, leaves the document alone
  (KONTEXT_RELIABILITY_REPORT=PATH writes it anyway, to PATH).
"""

from __future__ import annotations

import os
import platform
import subprocess
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.reliability.scenarios import SCENARIOS, Scenario, owns

REPO = Path(__file__).resolve().parents[2]
DOCUMENT = REPO / "docs" / "reliability.md"


@dataclass
class Outcome:
    nodeid: str
    result: str = "not run"  # passed, failed, error, skipped, known bug, fixed (xpass)
    seconds: float = 0.0
    detail: str = ""


def _short(text: str, limit: int = 300) -> str:
    """One line of at most `limit` characters, safe in Markdown (no raw HTML from payloads in reasons)."""
    text = " ".join(str(text).split()).replace("<", "&lt;").replace(">", "&gt;")
    return text if len(text) <= limit else text[: limit - 1] + "…"


class ReliabilityReport:
    NAME = "kontext-reliability-report"

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.outcomes: dict[str, Outcome] = {}
        self.selected: list[str] = []
        self.started = time.monotonic()
        self.written: Path | None = None
        self.skipped_note = ""

    # --- collection -----------------------------------------------------------------------

    @pytest.hookimpl(tryfirst=True)
    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        for item in items:
            if item.get_closest_marker("faults") is None and any(
                owns(entry, item.nodeid) for scenario in SCENARIOS for entry in scenario.tests
            ):
                item.add_marker(pytest.mark.faults)

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        self.selected = [item.nodeid for item in session.items]
        for nodeid in self.selected:
            self.outcomes.setdefault(nodeid, Outcome(nodeid))

    # --- outcomes -------------------------------------------------------------------------

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        outcome = self.outcomes.setdefault(report.nodeid, Outcome(report.nodeid))
        outcome.seconds += report.duration
        if report.when == "call" or (report.when == "setup" and not report.passed):
            if hasattr(report, "wasxfail"):
                outcome.result = "known bug" if report.skipped else "fixed (xpass)"
                outcome.detail = _short(report.wasxfail, 700)
            elif report.passed:
                outcome.result = "passed"
            elif report.skipped:
                outcome.result = "skipped"
                longrepr = report.longrepr
                outcome.detail = _short(longrepr[2] if isinstance(longrepr, tuple) else longrepr)
            else:
                outcome.result = "failed" if report.when == "call" else "error"
                crash = getattr(report.longrepr, "reprcrash", None)
                outcome.detail = _short(crash.message if crash is not None else report.longreprtext, 400)
        elif report.when == "teardown" and report.failed:
            outcome.result = "error"
            outcome.detail = _short(report.longreprtext, 400)

    # --- the document ---------------------------------------------------------------------

    def _target(self) -> Path | None:
        if self.config.option.collectonly:
            return None
        if hasattr(self.config, "workerinput"):
            # A pytest-xdist worker sees only its share of the run; `make faults` runs in one process.
            return None
        override = os.environ.get("KONTEXT_RELIABILITY_REPORT")
        if override:
            return Path(override)
        if (self.config.getoption("markexpr") or "").strip() != "faults":
            return None
        missing = [entry for scenario in SCENARIOS for entry in scenario.tests
                   if not any(owns(entry, nodeid) for nodeid in self.selected)]  # fmt: skip
        if missing:
            self.skipped_note = f"docs/reliability.md not written: this run left out {len(missing)} scenario test(s)"
            return None
        return DOCUMENT

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        target = self._target()
        if target is None:
            return
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(render(self.outcomes, time.monotonic() - self.started), encoding="utf-8")
        self.written = target

    def pytest_terminal_summary(self, terminalreporter) -> None:
        if self.written is not None:
            terminalreporter.write_line(f"reliability report written to {self.written}")
        elif self.skipped_note:
            terminalreporter.write_line(self.skipped_note)


def scenario_result(outcomes: list[Outcome]) -> str:
    results = [outcome.result for outcome in outcomes]
    if not results or all(result == "not run" for result in results):
        return "not run"
    if any(result in {"failed", "error", "fixed (xpass)"} for result in results):
        return "FAILED"
    bugs = results.count("known bug")
    skipped = results.count("skipped")
    text = "holds" if not bugs else f"holds except {bugs} known bug{'s' if bugs > 1 else ''} (pinned)"
    return text + (f", {skipped} skipped" if skipped else "")


def _git(*args: str) -> str:
    try:
        return subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""


def _command(entry: str) -> str:
    return f'.venv/bin/pytest "{entry}"'


def render(outcomes: dict[str, Outcome], seconds: float) -> str:
    """docs/reliability.md from the outcomes of one run."""
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    commit = _git("rev-parse", "--short", "HEAD") or "unknown"
    dirty = " (working tree with uncommitted changes)" if _git("status", "--porcelain", "--untracked-files=no") else ""
    counts: dict[str, int] = {}
    for outcome in outcomes.values():
        counts[outcome.result] = counts.get(outcome.result, 0) + 1
    tally = ", ".join(f"{count} {result}" for result, count in sorted(counts.items()))
    lines = [
        "# Reliability: faults and hostile input",
        "",
        "What Kontext promises when services fail, sites misbehave and input is hostile, the command that",
        "proves each promise, and the result of the last run. Generated by `make faults` (which runs",
        "`.venv/bin/pytest -m faults`) from tests/reliability/scenarios.py; edit that file, not this one.",
        "A *known bug* is a promise the code does not keep yet: a test pinned with a strict xfail that",
        "names the file at fault — it turns red when the bug is fixed, so the pin must go with the fix.",
        "",
        f"Last run: {now}, commit {commit}{dirty}, {platform.node()} ({os.cpu_count()} CPUs, Python "
        f"{platform.python_version()}), {seconds / 60:.1f} min. Tests: {tally}.",
        "",
        "| # | scenario | kind | result | tests | time |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    sections: list[str] = []
    bugs: list[tuple[str, str]] = []
    for number, scenario in enumerate(SCENARIOS, start=1):
        mine = [outcome for nodeid, outcome in sorted(outcomes.items())
                if any(owns(entry, nodeid) for entry in scenario.tests)]  # fmt: skip
        result = scenario_result(mine)
        took = sum(outcome.seconds for outcome in mine)
        lines.append(f"| {number} | {scenario.title} | {scenario.kind} | {result} | {len(mine)} | {took:.0f} s |")
        sections.extend(_section(number, scenario, mine, result))
        bugs.extend((outcome.nodeid, outcome.detail) for outcome in mine if outcome.result == "known bug")
    lines += ["", *sections]
    if bugs:
        lines += ["## Known bugs these scenarios pin", ""]
        lines += [f"- `{nodeid}`: {detail}" for nodeid, detail in dict(bugs).items()]
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def _section(number: int, scenario: Scenario, mine: list[Outcome], result: str) -> list[str]:
    lines = [
        f"## {number}. {scenario.title}",
        "",
        f"**Promise.** {scenario.promise}",
        "",
        "**Proved by:**",
        "",
        "```",
        *[_command(entry) for entry in scenario.tests],
        "```",
        "",
        f"**Last result: {result}.**",
        "",
    ]
    for outcome in mine:
        detail = f" — {outcome.detail}" if outcome.detail and outcome.result != "passed" else ""
        lines.append(f"- `{outcome.nodeid}`: {outcome.result} ({outcome.seconds:.1f} s){detail}")
    missing = [entry for entry in scenario.tests if not any(owns(entry, outcome.nodeid) for outcome in mine)]
    lines += [f"- `{entry}`: not found in this run (renamed or removed?)" for entry in missing]
    lines.append("")
    return lines
