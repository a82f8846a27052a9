"""Hostile input for the date parser: whatever text or value comes in, `parse_when`, `find_dates`
and `parse_datetime_value` answer (None, [] or a well-formed When) without raising, and in bounded
time — also for inputs thousands of characters long."""

from __future__ import annotations

import json
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipelines.dates import When, find_dates, parse_datetime_value, parse_when
from tests.conftest import clean_environment, run_kontext
from tests.reliability.fuzz import FUZZ, FUZZ_HEAVY, ZONES, date_soup, iso_like, long_repeats, reference_times

pytestmark = [pytest.mark.faults, pytest.mark.timeout(240)]
TEXTS = st.one_of(st.text(max_size=200), date_soup())


def well_formed(when: When | None, zone: str) -> None:
    """A When the rest of Kontext can use: a date or an aware datetime, an ISO rendering."""
    if when is None:
        return
    assert isinstance(when, When)
    for value in (when.start, when.end):
        if value is None:
            continue
        assert isinstance(value, date)
        if isinstance(value, datetime):
            assert value.tzinfo is not None and value.utcoffset() is not None
    assert when.start is not None
    rendered = when.iso()
    assert rendered["start"] and (rendered["end"] is None or rendered["end"])


@FUZZ
@given(text=TEXTS, now=reference_times(), zone=st.sampled_from(ZONES), future=st.booleans())
def test_parse_when_answers_any_text(text: str, now: datetime, zone: str, future: bool) -> None:
    well_formed(parse_when(text, now, zone, prefer_future=future), zone)


@FUZZ_HEAVY
@given(text=long_repeats(), now=reference_times())
def test_parse_when_answers_long_repetitive_text(text: str, now: datetime) -> None:
    well_formed(parse_when(text, now), "Europe/Berlin")


@FUZZ
@given(text=TEXTS, now=reference_times(), zone=st.sampled_from(ZONES))
def test_find_dates_spans_lie_inside_the_text_in_order(text: str, now: datetime, zone: str) -> None:
    found = find_dates(text, now, zone)
    previous_end = 0
    for begin, end, when in found:
        assert 0 <= begin < end <= len(text)
        assert begin >= previous_end, found
        previous_end = end
        well_formed(when, zone)


@FUZZ_HEAVY
@given(text=st.one_of(long_repeats(), st.lists(date_soup(), max_size=40).map("\n".join)), now=reference_times())
def test_find_dates_on_long_running_text(text: str, now: datetime) -> None:
    for begin, end, when in find_dates(text, now):
        assert 0 <= begin < end <= len(text)
        well_formed(when, "Europe/Berlin")


@FUZZ
@given(value=iso_like(), zone=st.sampled_from(ZONES))
def test_parse_datetime_value_answers_any_value(value: str, zone: str) -> None:
    well_formed(parse_datetime_value(value, zone), zone)


@FUZZ
@given(value=st.one_of(st.none(), st.integers(), st.floats(), st.lists(st.text(max_size=5), max_size=3)))
def test_parse_datetime_value_refuses_what_is_no_text(value: object) -> None:
    assert parse_datetime_value(value) is None  # type: ignore[arg-type]


# Calendar edges that real feeds and CMS exports write as placeholders ("no end": 9999-12-31T23:59:59Z,
# .NET's DateTime.MinValue with an offset, a zero year), offsets out of range and clocks out of range
# ("0960h", found by the properties above in a deeper run). Each must give None or a When, never raise.
# (The first nine raised until 589de01/5de6058, after this suite pinned them.)
SENTINELS = [
    pytest.param(parse_datetime_value, "0000-01-01", id="value-year-0"),
    pytest.param(parse_datetime_value, "0000-01-01T00:00:00", id="value-year-0-time"),
    pytest.param(parse_datetime_value, "9999-12-31T23:59:59Z", id="value-max-utc"),
    pytest.param(parse_datetime_value, "0001-01-01T00:00:00+14:00", id="value-min-offset"),
    pytest.param(parse_when, "9999-12-31T23:59:59Z", id="text-max-utc"),
    pytest.param(parse_datetime_value, "2026-05-01T10:00:00+24:00", id="value-offset-24h"),
    pytest.param(parse_datetime_value, "2026-05-01T10:00:00+99:99", id="value-offset-99"),
    pytest.param(parse_when, "0960h", id="text-military-minute-60"),
    pytest.param(find_dates, "Termin 12.03.2027 0075H", id="find-military-minute-75"),
    pytest.param(parse_datetime_value, "0000-00-00 00:00:00", id="value-mysql-zero"),
    pytest.param(parse_datetime_value, "9999-12-31T23:59:59.9999999", id="value-dotnet-max"),
    pytest.param(parse_datetime_value, "0001-01-01T00:00:00Z", id="value-dotnet-min"),
    pytest.param(parse_when, "31.12.9999 23:59", id="text-last-minute"),
    pytest.param(parse_when, "01.01.0001 00:00", id="text-first-minute"),
]


@pytest.mark.parametrize(("parser", "text"), SENTINELS)
def test_calendar_edges_and_odd_clocks_do_not_crash(parser, text: str) -> None:
    now = datetime(2026, 11, 26, 10, 0, tzinfo=ZoneInfo("Europe/Berlin"))
    if parser is find_dates:
        for _, _, when in find_dates(text, now):
            well_formed(when, "Europe/Berlin")
        return
    well_formed(parser(text, now) if parser is parse_when else parser(text), "Europe/Berlin")


def cli_line(text: str, now: str, shape: str) -> str:
    """One line for `kontext dates` on stdin: the documented object, or something else."""
    if shape == "object":
        return json.dumps({"text": text, "now": now})
    if shape == "no-now":
        return json.dumps({"text": text})
    if shape == "not-a-string":
        return json.dumps({"text": [text], "now": now})
    if shape == "array":
        return json.dumps([text, now])
    return text.replace("\n", " ") or "-"  # not JSON at all


@settings(FUZZ, max_examples=3, deadline=None)
@given(
    lines=st.lists(
        st.builds(
            cli_line,
            st.one_of(date_soup(), st.text(max_size=60)),
            st.one_of(iso_like(), st.just("2026-11-26T10:00")),
            st.sampled_from(["object", "object", "object", "no-now", "not-a-string", "array", "raw"]),
        ),
        min_size=50,
        max_size=120,
    )
)
def test_kontext_dates_answers_every_line_of_stdin(lines: list[str]) -> None:
    lines = [line for line in lines if line.strip() and "\n" not in line and "\r" not in line]
    result = run_kontext(clean_environment(), "dates", input_text="\n".join(lines) + "\n", timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "Traceback" not in result.stderr
    answers = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(answers) == len(lines)
    assert all(set(answer) == {"start", "end"} for answer in answers)
