"""`kontext dates`: one phrase, or JSON lines on stdin; bad input gives one clear line, never a traceback."""

from __future__ import annotations

import json

from click.testing import CliRunner

from kontext.cli import cli


def run(*args: str, stdin: str | None = None):
    return CliRunner().invoke(cli, ["dates", *args], input=stdin)


def test_one_phrase_as_json() -> None:
    result = run("Mi, 03.12.2025, 14:00 – 17:30 Uhr", "--now", "2025-11-20T10:00", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {"start": "2025-12-03T14:00", "end": "2025-12-03T17:30"}


def test_one_phrase_readable() -> None:
    result = run("22.Aug", "--now", "2025-11-20")
    assert result.exit_code == 0
    assert result.stdout.strip() == "2026-08-22 (Europe/Berlin)"


def test_nothing_found_is_null() -> None:
    result = run("Eintritt frei", "--now", "2025-11-20", "--json")
    assert result.exit_code == 0
    assert json.loads(result.stdout) == {"start": None, "end": None}


def test_time_zone_option() -> None:
    result = run("heute", "--now", "2025-11-20T23:30+00:00", "--tz", "Europe/Vienna", "--json")
    assert json.loads(result.stdout) == {"start": "2025-11-21", "end": None}


def test_bad_now_and_zone_are_one_line_errors() -> None:
    for args in (["x", "--now", "gestern"], ["x", "--tz", "Mars/Olympus"]):
        result = run(*args)
        assert result.exit_code == 2
        assert result.stderr.count("\n") == 1
        assert "Traceback" not in result.output + result.stderr


def test_json_lines_in_order_with_bad_lines() -> None:
    lines = [
        json.dumps({"text": "ab 19 Uhr", "now": "2025-11-20T10:00"}),
        "this is not json",
        json.dumps({"text": "12.–14. März 2026"}),
        json.dumps({"text": 42}),
        "",
        json.dumps({"text": "heute", "now": "not a date"}),
        json.dumps(["a", "list"]),
        json.dumps({"text": "morgen 10 Uhr", "now": "2025-11-20T10:00", "tz": "Europe/Zurich"}),
        json.dumps({"text": "Eintritt frei", "now": "2025-11-20"}),
    ]
    result = run("--now", "2025-11-20", stdin="\n".join(lines) + "\n")
    assert result.exit_code == 0
    out = [json.loads(line) for line in result.stdout.splitlines()]
    nothing = {"start": None, "end": None}
    assert out == [
        {"start": "2025-11-20T19:00", "end": None},
        nothing,
        {"start": "2026-03-12", "end": "2026-03-14"},
        nothing,
        nothing,
        nothing,
        {"start": "2025-11-21T10:00", "end": None},
        nothing,
    ]
    assert "4 of 8 lines were bad" in result.stderr
    assert "Traceback" not in result.stderr


def test_help_describes_both_modes() -> None:
    result = run("--help")
    assert result.exit_code == 0
    assert "JSON lines" in result.stdout
