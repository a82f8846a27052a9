"""`kontext tag`: JSON lines in, one result line per input line, bad lines never stop the run."""

from __future__ import annotations

import json

from click.testing import CliRunner

from kontext.cli import cli


def run(*lines: str, args: tuple[str, ...] = ()):
    return CliRunner().invoke(cli, ["tag", *args], input="".join(f"{line}\n" for line in lines))


def test_one_result_line_per_input_line_in_order() -> None:
    result = run(
        json.dumps({"title": "Fachmesse für Maschinenbau", "tags": ["Nur für Fachbesucher"]}),
        json.dumps({"title": "Pitch Night", "description": "Start-ups pitchen vor Investoren."}),
        json.dumps({"title": "Sommerkonzert", "url": "https://example.org", "start": "2026-07-01"}),
    )
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(lines) == 3
    fair, pitch, concert = lines
    assert fair["format"] == "trade-fair"
    assert fair["sectors"][0]["code"] == "machinery"
    assert set(fair["sectors"][0]) == {"code", "score", "evidence"}
    assert fair["audience"]["label"] == "sme"
    assert set(fair["audience"]) == {"label", "sme_score", "evidence"}
    assert pitch["format"] == "pitch"
    assert pitch["audience"]["label"] == "startup"
    assert pitch["audience"]["sme_score"] < 0.3
    assert concert["audience"]["label"] == "public"
    assert concert["sectors"] == []
    assert result.stderr == ""


def test_organizer_as_string_or_object() -> None:
    result = run(
        json.dumps({"title": "Jahresversammlung", "organizer": "Handwerkskammer Hannover"}),
        json.dumps({"title": "Jahresversammlung", "organizer": {"name": "Wer auch immer", "kind": "crafts_chamber"}}),
        json.dumps({"title": "Jahresversammlung", "organizer": {"kind": "chamber"}}),
    )
    by_name, by_kind, kind_only = (json.loads(line) for line in result.stdout.splitlines())
    assert by_name["audience"]["evidence"][0] == "Veranstalter: Handwerkskammer Hannover (Handwerkskammer)"
    assert by_kind["audience"]["evidence"][0] == "Veranstalter: Wer auch immer (Handwerkskammer)"
    assert kind_only["audience"]["evidence"][0] == "Veranstalterart: Kammer"
    assert by_name["sectors"][0]["code"] == "crafts"


def test_missing_fields_are_allowed() -> None:
    result = run("{}", json.dumps({"description": "Webinar für Handwerksbetriebe, online per Zoom."}))
    empty, description_only = (json.loads(line) for line in result.stdout.splitlines())
    assert empty["sectors"] == [] and empty["format"] == "other" and empty["audience"]["evidence"]
    assert description_only["format"] == "webinar"
    assert result.stderr == ""


def test_bad_lines_give_empty_results_and_a_counted_warning() -> None:
    result = run(
        json.dumps({"title": "Fachmesse"}),
        "this is not json",
        "[1, 2]",
        json.dumps({"title": {"nested": True}}),
        json.dumps({"title": "Seminar", "organizer": {"name": "X", "kind": "guild"}}),
        json.dumps({"title": "Seminar", "tags": [1, 2]}),
        "",
        json.dumps({"title": "Pitch Night"}),
    )
    assert result.exit_code == 0
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(lines) == 8
    assert lines[0]["format"] == "trade-fair" and lines[-1]["format"] == "pitch"
    for bad in lines[1:7]:
        assert bad["sectors"] == [] and bad["topics"] == []
        assert bad["format"] is None and bad["audience"] is None
        assert bad["error"]
    stderr = result.stderr.splitlines()
    assert stderr[0].startswith("kontext tag: line 2: not JSON")
    assert any("line 5: organizer kind 'guild'" in line for line in stderr)
    assert stderr[-1] == "kontext tag: 6 of 8 lines could not be read"
    assert "Traceback" not in result.output


def test_config_option_and_bad_config(tmp_path) -> None:
    result = run(json.dumps({"title": "Messe"}), args=("--config", str(tmp_path)))
    assert result.exit_code == 2
    assert result.stderr.startswith("kontext: ")
    assert "sectors.yaml is missing" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_help() -> None:
    result = CliRunner().invoke(cli, ["tag", "--help"])
    assert result.exit_code == 0
    assert "JSON lines" in result.stdout
