"""The scenario list behind docs/reliability.md names tests that exist, and the document says what
each scenario promises, how to prove it and how the last run went."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.reliability.report import REPO, Outcome, render, scenario_result
from tests.reliability.scenarios import SCENARIOS, owns, scenario_of

pytestmark = pytest.mark.faults


def functions_in(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {node.name for node in tree.body if isinstance(node, ast.FunctionDef) and node.name.startswith("test_")}


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda scenario: scenario.title[:40])
def test_every_scenario_names_tests_that_exist(scenario) -> None:
    assert scenario.promise.strip() and scenario.tests
    for entry in scenario.tests:
        path, _, name = entry.partition("::")
        assert (REPO / path).is_file(), entry
        if name:
            assert name in functions_in(REPO / path), f"{entry}: no such test (renamed?)"


def test_node_ids_match_whole_names_and_parameters_only() -> None:
    entry = "tests/x/test_a.py::test_one"
    assert owns(entry, "tests/x/test_a.py::test_one")
    assert owns(entry, "tests/x/test_a.py::test_one[tmpfs]")
    assert not owns(entry, "tests/x/test_a.py::test_one_more")
    assert owns("tests/x/test_a.py", "tests/x/test_a.py::test_two")
    assert not owns("tests/x/test_a.py", "tests/x/test_ab.py::test_two")
    assert scenario_of("tests/reliability/test_disk_full.py::test_x[tmpfs]").title.startswith("Disk full")


def test_the_document_shows_promise_command_result_and_known_bugs() -> None:
    first, second = SCENARIOS[0], SCENARIOS[3]
    outcomes = {
        first.tests[0]: Outcome(first.tests[0], "passed", 12.5),
        f"{second.tests[0]}::test_a": Outcome(f"{second.tests[0]}::test_a", "passed", 3.0),
        f"{second.tests[0]}::test_b": Outcome(f"{second.tests[0]}::test_b", "known bug", 50.0, "a traceback (x.py)"),
    }
    document = render(outcomes, 120)
    assert first.promise in document and second.promise in document
    assert f'.venv/bin/pytest "{first.tests[0]}"' in document
    assert "holds except 1 known bug (pinned)" in document
    assert "a traceback (x.py)" in document.split("## Known bugs")[1]
    assert "not found in this run" in document  # the first scenario's second test did not run
    assert scenario_result([Outcome("t", "passed"), Outcome("u", "failed")]) == "FAILED"
    assert scenario_result([Outcome("t", "fixed (xpass)")]) == "FAILED"
    assert scenario_result([]) == "not run"
