"""pipelines.dates: the date phrases event pages write, structured values, and dates in running text."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from pipelines.dates import When, find_dates, parse_datetime_value, parse_when, scanner

BERLIN = ZoneInfo("Europe/Berlin")


@pytest.fixture
def now() -> datetime:
    """A crawl on Thursday, 20 November 2025, 10:00 in Berlin."""
    return datetime(2025, 11, 20, 10, 0, tzinfo=BERLIN)


def iso(text: str, now: datetime, **options) -> dict | None:
    found = parse_when(text, now, **options)
    return found.iso() if found else None


# The shapes from issue 3


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("Mi, 03.12.2025, 14:00 – 17:30 Uhr", "2025-12-03T14:00", "2025-12-03T17:30"),
        ("12.–14. März 2026", "2026-03-12", "2026-03-14"),
        ("am 26. und 27. Januar", "2026-01-26", "2026-01-27"),
        ("22.Aug", "2026-08-22", None),
        ("ab 19 Uhr", "2025-11-20T19:00", None),
        ("Tue, Jan 5, 2027 6:00 PM", "2027-01-05T18:00", None),
        ("2025-12-03T18:30", "2025-12-03T18:30", None),
        ("2025-12-03", "2025-12-03", None),
        ("03.12.2025, ganztägig", "2025-12-03", None),
        ("vom 3. bis 5. Dezember", "2025-12-03", "2025-12-05"),
        ("6:00 PM - 8 PM, Dec 4", "2025-12-04T18:00", "2025-12-04T20:00"),
        ("Sa., 6. Dez. 2025, 10–16 Uhr", "2025-12-06T10:00", "2025-12-06T16:00"),
        ("vom 28.11. (14:00) bis 30.11. (18:00)", "2025-11-28T14:00", "2025-11-30T18:00"),
        ("Donnerstag, 11. Dezember 2025 von 9:30 bis 12:00 Uhr", "2025-12-11T09:30", "2025-12-11T12:00"),
        ("27.11.2025 ab 18.30 Uhr", "2025-11-27T18:30", None),
        ("15.01.2026, 19.00 Uhr", "2026-01-15T19:00", None),
        ("5 Nov 2026 1900-2130", "2026-11-05T19:00", "2026-11-05T21:30"),
    ],
)
def test_event_page_shapes(text: str, start: str, end: str | None, now: datetime) -> None:
    assert iso(text, now) == {"start": start, "end": end}


def test_weekday_and_times_in_brackets(now: datetime) -> None:
    # 5 November 2021 was a Friday; the page is from October 2021.
    found = parse_when("Freitag, 5. November (15.30 bis 19.30 Uhr)", datetime(2021, 10, 1, tzinfo=BERLIN))
    assert found.iso() == {"start": "2021-11-05T15:30", "end": "2021-11-05T19:30"}


def test_times_are_aware_in_the_source_zone(now: datetime) -> None:
    found = parse_when("Mi, 03.12.2025, 14:00 – 17:30 Uhr", now)
    assert found.start == datetime(2025, 12, 3, 14, 0, tzinfo=BERLIN)
    assert found.start.utcoffset() == timedelta(hours=1)
    assert parse_when("14:00", now, tz="Europe/London").start.tzinfo == ZoneInfo("Europe/London")


def test_a_date_stays_a_date(now: datetime) -> None:
    for text in ("heute", "03.12.2025", "am Freitag", "03.12.2025 abends", "ganztägig am 4.12."):
        found = parse_when(text, now)
        assert found.all_day, text
        assert not isinstance(found.start, datetime), text
    assert not parse_when("03.12.2025, 19 Uhr", now).all_day


def test_nothing_to_find(now: datetime) -> None:
    for text in ("", "   ", "ganztägig", "Anmeldung erforderlich", "Die Veranstaltung", "Eintritt frei"):
        assert parse_when(text, now) is None, text


# Missing years and weekdays


def test_missing_year_is_the_next_occurrence(now: datetime) -> None:
    assert iso("22.11.", now)["start"] == "2025-11-22"
    assert iso("19.11.", now)["start"] == "2026-11-19"
    assert iso("20.11.", now)["start"] == "2025-11-20"  # today still counts


def test_a_range_that_is_running_stays_this_year(now: datetime) -> None:
    assert iso("17.11. – 23.11.", now) == {"start": "2025-11-17", "end": "2025-11-23"}
    assert iso("28.12. bis 3.1.", now) == {"start": "2025-12-28", "end": "2026-01-03"}


def test_nearest_year_when_not_preferring_the_future(now: datetime) -> None:
    assert iso("19.11.", now, prefer_future=False)["start"] == "2025-11-19"
    assert iso("03.02.", now, prefer_future=False)["start"] == "2026-02-03"


def test_weekday_chooses_between_coming_and_past_occurrence(now: datetime) -> None:
    # 16 January 2026 is a Friday, 16 January 2025 was a Thursday.
    assert iso("Fr, 16.01.", now)["start"] == "2026-01-16"
    assert iso("Do, 16.01.", now)["start"] == "2025-01-16"


def test_a_full_date_wins_over_a_contradicting_weekday(now: datetime, caplog) -> None:
    caplog.set_level("INFO", logger="pipelines.dates.resolve")
    # 3 December 2025 is a Wednesday, not a Monday; the date has not passed, so it stands.
    assert iso("Montag, 03.12.2025", now)["start"] == "2025-12-03"
    assert "contradicts" in caplog.text
    # Past dates stand too when the weekday fits them, or fits the same day a year later no better:
    # 9 January 2025 was a Thursday; 12 August 2025 a Tuesday and 12 August 2026 is a Wednesday.
    assert iso("Do, 09.01.2025", now)["start"] == "2025-01-09"
    assert iso("Sa, 12.08.2025", now)["start"] == "2025-08-12"


def test_last_years_number_with_next_years_weekday(now: datetime) -> None:
    # A listing crawled in November 2025: 9 January 2025 was a Thursday, 9 January 2026 is a Friday.
    assert iso("Fr, 09.01.2025, 19 Uhr", now) == {"start": "2026-01-09T19:00", "end": None}
    assert iso("Freitag, 9. Januar 2025", now)["start"] == "2026-01-09"
    # A range moves as a whole, also when only one end carries the weekday.
    assert iso("Fr, 09.01.2025 – 11.01.2025", now) == {"start": "2026-01-09", "end": "2026-01-11"}
    assert iso("09.01.2025 – So, 11.01.2025", now) == {"start": "2026-01-09", "end": "2026-01-11"}
    # When the other end's weekday fits the written year, the text contradicts itself: as written.
    assert iso("Do, 09.01.2025 – So, 11.01.2025", now) == {"start": "2025-01-09", "end": "2025-01-11"}


def test_a_year_in_the_name_is_no_clock_time(now: datetime) -> None:
    # "2027" before the days, or beside a written time, is the year, not 20:27
    assert iso("Messe 2027 – 12. bis 14. März", now) == {"start": "2027-03-12", "end": "2027-03-14"}
    assert iso("Programm 2026: am 5. Mai um 18 Uhr", now) == {"start": "2026-05-05T18:00", "end": None}
    found = find_dates("Das Programm 2026: Am 5. Mai um 18 Uhr beginnt die Reihe.", now)
    assert [when.iso() for _, _, when in found] == [{"start": "2026-05-05T18:00", "end": None}]
    # four digits after the day stay a clock time, as in "on Sunday 1925" and "5 Nov 2026 1900-2130"
    assert iso("Dec 12 2215", now) == {"start": "2025-12-12T22:15", "end": None}
    assert iso("am Sonntag 1925", now) == {"start": "2025-11-23T19:25", "end": None}


def test_weekday_with_a_day_of_month_finds_the_month(now: datetime) -> None:
    # The next Sunday that falls on the 7th: 7 December 2025.
    assert iso("Sonntag, den 7.", now)["start"] == "2025-12-07"


# Relative expressions


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("heute", "2025-11-20", None),
        ("morgen", "2025-11-21", None),
        ("übermorgen", "2025-11-22", None),
        ("morgen 10 Uhr", "2025-11-21T10:00", None),
        ("heute Abend 19:30", "2025-11-20T19:30", None),
        ("Freitag", "2025-11-21", None),
        ("Donnerstag", "2025-11-27", None),  # said on a Thursday: next week's
        ("kommenden Montag", "2025-11-24", None),
        ("nächsten Freitag", "2025-11-28", None),
        ("next Tuesday", "2025-11-25", None),  # the Tuesday of next week
        ("Montag morgen", "2025-11-24", None),
        ("in 2 Wochen", "2025-12-04", None),
        ("in drei Tagen", "2025-11-23", None),
        ("nächste Woche", "2025-11-24", "2025-11-30"),
        ("kommende Woche Dienstag bis Donnerstag", "2025-11-25", "2025-11-27"),
        ("am Wochenende", "2025-11-22", "2025-11-23"),
        ("im März", "2026-03-01", "2026-03-31"),
        ("KW 50", "2025-12-08", "2025-12-14"),
        ("Pfingstmontag", "2026-05-25", None),
        ("Tag der Deutschen Einheit", "2026-10-03", None),
    ],
)
def test_relative_expressions(text: str, start: str, end: str | None, now: datetime) -> None:
    assert iso(text, now) == {"start": start, "end": end}


def test_a_clock_time_alone_is_the_next_time_it_shows(now: datetime) -> None:
    assert iso("um 18 Uhr", now)["start"] == "2025-11-20T18:00"
    assert iso("um 8 Uhr", now)["start"] == "2025-11-21T08:00"


def test_time_ranges_over_midnight_end_the_next_day(now: datetime) -> None:
    assert iso("Sa, 6.12.2025, 22:00 – 02:00 Uhr", now) == {"start": "2025-12-06T22:00", "end": "2025-12-07T02:00"}


def test_parts_of_the_day_set_the_half_of_the_clock(now: datetime) -> None:
    assert iso("am 4.12. abends um 7", now)["start"] == "2025-12-04T19:00"
    assert iso("4.12., 5 to 6pm", now) == {"start": "2025-12-04T17:00", "end": "2025-12-04T18:00"}
    assert iso("4.12. 10 Uhr bis abends", now)["start"] == "2025-12-04T10:00"


def test_an_hour_said_without_its_half_is_in_the_afternoon(now: datetime) -> None:
    assert iso("Samstag gegen 4", now)["start"] == "2025-11-22T16:00"
    assert iso("on 2 December at 3", now)["start"] == "2025-12-02T15:00"
    assert iso("um 5", now)["start"] == "2025-11-20T17:00"
    # Said with Uhr, a part of the day, am/pm, or as a range, the hour stays as written.
    assert iso("Samstag um 4 Uhr", now)["start"] == "2025-11-22T04:00"
    assert iso("Samstag früh um 4", now)["start"] == "2025-11-22T04:00"
    assert iso("Samstag at 4 am", now)["start"] == "2025-11-22T04:00"
    assert iso("Samstag um 9", now)["start"] == "2025-11-22T09:00"


def test_a_count_of_hours_or_days_is_no_clock_time(now: datetime) -> None:
    assert parse_when("Dauer ca. 2 Stunden", now) is None
    assert parse_when("etwa 3 Tage", now) is None


def test_now_in_another_zone_is_converted(now: datetime) -> None:
    # 23:30 UTC on 20 November is already 21 November in Berlin.
    late = datetime(2025, 11, 20, 23, 30, tzinfo=UTC)
    assert iso("heute", late)["start"] == "2025-11-21"
    assert iso("heute", datetime(2025, 11, 20, 23, 30))["start"] == "2025-11-20"  # naive: already Berlin


def test_ranges_of_months_and_months_ahead(now: datetime) -> None:
    assert iso("März bis Mai 2026", now) == {"start": "2026-03-01", "end": "2026-05-31"}
    assert iso("November bis Februar", now) == {"start": "2025-11-01", "end": "2026-02-28"}
    assert iso("in 2 Monaten", now) == {"start": "2026-01-20", "end": None}


def test_noon_is_a_time_only_when_said_exactly(now: datetime) -> None:
    assert iso("Dec 4 at noon", now)["start"] == "2025-12-04T12:00"
    assert iso("Dec 4 around noon", now)["start"] == "2025-12-04"


def test_typos_in_names_next_to_numbers(now: datetime) -> None:
    assert iso("Mitwoch, 3. Dezmber 2025", now)["start"] == "2025-12-03"
    assert iso("thursady 4th Dec", now)["start"] == "2025-12-04"
    assert parse_when("Wartung und Montage", now) is None


def test_a_year_after_the_clock_time_belongs_to_the_weekday_and_date(now: datetime) -> None:
    # Log and mail headers put the year last; the weekday in front is only a check on the date.
    assert iso("Wed Aug 05 19:30:00 2020", now)["start"] == "2020-08-05T19:30"
    assert iso("Donnerstag, 14. März 9 Uhr 2024", now)["start"] == "2024-03-14T09:00"


def test_a_reference_day_is_enough(now: datetime) -> None:
    assert iso("Fr, 16.01.", date(2025, 11, 20)) == {"start": "2026-01-16", "end": None}


# The traps dateparser falls into


def test_hours_are_not_days(now: datetime) -> None:
    assert iso("18 Uhr", now) == {"start": "2025-11-20T18:00", "end": None}
    assert iso("am 3.12. 18 Uhr", now)["start"] == "2025-12-03T18:00"


def test_words_are_not_dates(now: datetime) -> None:
    assert parse_when("Die", now) is None
    assert parse_when("Maifeld", now) is None
    assert parse_when("so früh wie möglich", now) is None
    assert parse_when("mit 20 Gästen", now) is None


def test_times_after_relative_days_are_kept(now: datetime) -> None:
    assert iso("morgen 10 Uhr", now)["start"] == "2025-11-21T10:00"
    assert iso("übermorgen um 14.30 Uhr", now)["start"] == "2025-11-22T14:30"


def test_when_iso_and_all_day() -> None:
    moment = datetime(2025, 12, 3, 14, 0, tzinfo=BERLIN)
    assert When(moment, moment + timedelta(hours=2)).iso() == {"start": "2025-12-03T14:00",
                                                               "end": "2025-12-03T16:00"}
    assert When(date(2025, 12, 3)).iso() == {"start": "2025-12-03", "end": None}
    assert When(date(2025, 12, 3)).all_day
    assert not When(moment).all_day


# Structured values


@pytest.mark.parametrize(
    ("value", "start", "end"),
    [
        ("2025-10-31T20:00", "2025-10-31T20:00", None),
        ("2025-10-31T20:00:00", "2025-10-31T20:00", None),
        ("2025-10-31T20:00:00+01:00", "2025-10-31T20:00", None),
        ("2025-10-31T19:00:00Z", "2025-10-31T20:00", None),
        ("2025-10-31T19:00:00.000Z", "2025-10-31T20:00", None),
        ("2025-10-31T20:00:00+0100", "2025-10-31T20:00", None),
        ("2025-06-30T18:00:00+00:00", "2025-06-30T20:00", None),  # summer time
        ("2025-10-31", "2025-10-31", None),
        ("20251031T200000Z", "2025-10-31T21:00", None),
        ("20251031T200000", "2025-10-31T20:00", None),
        ("20251031", "2025-10-31", None),
        ("2015-10-31 19:00:00", "2015-10-31T19:00", None),
        ("31.10.2015", "2015-10-31", None),
        ("31.10.2015 19:00", "2015-10-31T19:00", None),
        ("  2025-10-31T20:00 \n", "2025-10-31T20:00", None),
        ("&#8203;2025-10-31&nbsp;", "2025-10-31", None),
        ("<time>2025-10-31</time>", "2025-10-31", None),
        ("2025-10-31T24:00", "2025-11-01T00:00", None),
        ("Fri, 31 Oct 2025 19:00:00 GMT", "2025-10-31T20:00", None),
        ("2025-10-31T19:00/2025-10-31T22:00", "2025-10-31T19:00", "2025-10-31T22:00"),
        ("2025-10-31T20:00:00+01:00[Europe/Berlin]", "2025-10-31T20:00", None),
    ],
)
def test_structured_values(value: str, start: str, end: str | None) -> None:
    assert parse_datetime_value(value).iso() == {"start": start, "end": end}


def test_structured_values_keep_the_zone() -> None:
    found = parse_datetime_value("2025-10-31T20:00")
    assert found.start.tzinfo == BERLIN
    assert parse_datetime_value("2025-10-31T20:00", tz="Europe/Zurich").start.tzinfo == ZoneInfo("Europe/Zurich")
    assert parse_datetime_value("2025-10-31T19:00:00Z", tz="UTC").iso()["start"] == "2025-10-31T19:00"


@pytest.mark.parametrize(
    "value",
    ["0000-01-01", "0000-01-01T00:00:00", "9999-12-31T23:59:59Z", "0001-01-01T00:00:00+14:00",
     "2026-05-01T10:00:00+24:00", "2026-05-01T10:00:00+99:99"],
)
def test_values_beyond_the_calendar_are_no_dates(value: str, now: datetime) -> None:
    # Sentinels and broken offsets from feeds and APIs: no date, and never an exception.
    assert parse_datetime_value(value) is None
    assert parse_when(value, now) is None or parse_when(value, now).start.year < 9999
    assert all(when.start.year < 9999 for _, _, when in find_dates(f"Termin {value}", now))


@pytest.mark.parametrize("value", ["", "  ", "TBA", "31.10.", "2025-13-45", "heute", "Freitag", "tbd 2025"])
def test_structured_values_that_are_not_dates(value: str) -> None:
    assert parse_datetime_value(value) is None


# Dates in running text


def test_find_dates_reports_spans_in_order(now: datetime) -> None:
    text = ("Der Workshop findet am Mi, 03.12.2025, 14:00 – 17:30 Uhr statt. "
            "Anmeldung bis 26.11.2025 bei der IHK Hannover.")
    found = find_dates(text, now)
    assert [text[begin:end] for begin, end, _ in found] == ["Mi, 03.12.2025, 14:00 – 17:30 Uhr", "26.11.2025"]
    assert found[0][2].iso() == {"start": "2025-12-03T14:00", "end": "2025-12-03T17:30"}
    assert found[1][2].iso() == {"start": "2025-11-26", "end": "2025-11-26"}


def test_find_dates_labels_and_separate_mentions(now: datetime) -> None:
    text = "Datum: 05.02.2026 Uhrzeit: 18:30 Uhr | Folgetermin 12.03.2026"
    found = [(text[begin:end], when.iso()["start"]) for begin, end, when in find_dates(text, now)]
    assert found == [("05.02.2026 Uhrzeit: 18:30 Uhr", "2026-02-05T18:30"), ("12.03.2026", "2026-03-12")]


@pytest.mark.parametrize(
    "text",
    [
        "Eintritt 12.50 €, ermäßigt 8.50 €",
        "IHK Hannover, Schiffgraben 49, 30159 Hannover",
        "Telefon 0511 3107-0, Fax 0511 3107-333",
        "Artikel-Nr. 2024-11, Version 2.0, Vorgang 1.2.3",
        "Die Mitglieder treffen sich im Maifeld.",
        "Heute zählt die Zukunft von morgen.",
        "Im Mai gab es 3.5 Millionen Besucher.",
        "so früh wie möglich, mit 20 Gästen",
    ],
)
def test_find_dates_ignores_what_only_looks_like_a_date(text: str, now: datetime) -> None:
    assert find_dates(text, now) == []


def test_find_dates_accepts_weak_shapes_with_support(now: datetime) -> None:
    assert [w.iso()["start"] for _, _, w in find_dates("Stammtisch Freitag, 19 Uhr im Ratskeller", now)] == [
        "2025-11-21T19:00"]
    assert [w.iso()["start"] for _, _, w in find_dates("Treffen am Mo 1.12 um 18:00", now)] == [
        "2025-12-01T18:00"]


def test_find_dates_on_a_page_without_any_date_is_quick_and_empty(now: datetime) -> None:
    assert find_dates("Kontakt und Impressum " * 500, now) == []


# Line breaks: each line is read on its own; lines are joined only where they complete each other


def found_iso(text: str, now: datetime) -> list[tuple[str, dict]]:
    return [(text[begin:end], when.iso()) for begin, end, when in find_dates(text, now)]


def test_a_year_ending_the_line_above_is_no_clock_time(now: datetime) -> None:
    assert found_iso("HANNOVER MESSE 2025\n31. März", datetime(2025, 1, 10, tzinfo=BERLIN)) == [
        ("31. März", {"start": "2025-03-31", "end": None})]
    assert iso("HANNOVER MESSE 2025\n31. März", datetime(2025, 1, 10, tzinfo=BERLIN)) == {
        "start": "2025-03-31", "end": None}


def test_numbers_on_the_line_above_are_not_a_time_range(now: datetime) -> None:
    assert found_iso("Status for 23-0623\nDecember 1, 2023 11:00 AM", now) == [
        ("December 1, 2023 11:00 AM", {"start": "2023-12-01T11:00", "end": None})]


@pytest.mark.parametrize("label", ["Ende:", "End:", "bis:", "bis"])
def test_an_end_label_joins_start_and_end_across_lines(label: str, now: datetime) -> None:
    text = f"13. Mai 2012 11:00\n{label}\n13. Mai 2012 18:00"
    assert found_iso(text, now) == [(text, {"start": "2012-05-13T11:00", "end": "2012-05-13T18:00"})]
    assert iso(text, now) == {"start": "2012-05-13T11:00", "end": "2012-05-13T18:00"}


def test_end_labels_on_one_line(now: datetime) -> None:
    assert iso("Beginn: 04.12.2025 10:00 Uhr Ende: 04.12.2025 16:00 Uhr", now) == {
        "start": "2025-12-04T10:00", "end": "2025-12-04T16:00"}
    assert iso("Ende März", now) == {"start": "2026-03-01", "end": "2026-03-31"}  # a month, not a range


def test_lines_that_complete_each_other_are_one_date(now: datetime) -> None:
    assert found_iso("Mittwoch, 3. Dezember 2025\n14:00 – 17:30 Uhr", now) == [
        ("Mittwoch, 3. Dezember 2025\n14:00 – 17:30 Uhr", {"start": "2025-12-03T14:00", "end": "2025-12-03T17:30"})]
    assert found_iso("Freitag\n05.12.2025\n19 Uhr", now) == [
        ("Freitag\n05.12.2025\n19 Uhr", {"start": "2025-12-05T19:00", "end": None})]
    assert found_iso("12.12.2025 –\n14.12.2025", now) == [
        ("12.12.2025 –\n14.12.2025", {"start": "2025-12-12", "end": "2025-12-14"})]
    # The same day on the next line (a from/to layout) is the same mention.
    assert found_iso("12.1.2026\n12.1.2026", now) == [("12.1.2026\n12.1.2026", {"start": "2026-01-12", "end": None})]


def test_lines_that_do_not_complete_each_other_stay_apart(now: datetime) -> None:
    # Two entries of a list: each time is its own date's, never the next line's.
    assert found_iso("05.12.2025 19:00\n06.12.2025 20:00", now) == [
        ("05.12.2025 19:00", {"start": "2025-12-05T19:00", "end": None}),
        ("06.12.2025 20:00", {"start": "2025-12-06T20:00", "end": None})]
    assert found_iso("am 14th\nFebruary 11th", now) == [("February 11th", {"start": "2026-02-11", "end": None})]
    # In a phrase known to be one date, a time line above the date line still belongs to it.
    assert iso("19:00 Uhr\nSamstag, 06.12.2025", now) == {"start": "2025-12-06T19:00", "end": None}


@pytest.mark.parametrize("text", ["2025-12-03 8:75", "2025-12-03 25:10", "2025-12-03 2160pm"])
def test_an_impossible_time_leaves_the_date(text: str, now: datetime) -> None:
    assert iso(text, now) == {"start": "2025-12-03", "end": None}
    assert [when.iso() for _, _, when in find_dates(text, now)] == [{"start": "2025-12-03", "end": None}]


def test_am_pm_after_an_iso_date_and_time(now: datetime) -> None:
    assert iso("2025-08-24 8:00 AM – 12:00 PM", now) == {"start": "2025-08-24T08:00", "end": "2025-08-24T12:00"}
    assert iso("2025-08-24 8:00 PM", now) == {"start": "2025-08-24T20:00", "end": None}
    assert iso("2025-08-24T08:00:00+02:00", now) == {"start": "2025-08-24T08:00", "end": None}


def test_the_guarded_scanner_pattern_finds_what_trying_every_shape_finds() -> None:
    # The scanner's pattern only tries date shapes at digits that can start one (a speed-up); a shape
    # added later that starts differently must not be skipped silently.
    every_shape = re.compile("|".join(f"(?P<{name}>{pattern})" for name, pattern in scanner._SHAPES))
    text = scanner.normalise(
        "Mi, 03.12.2025, 14:00–17:30 Uhr; 2025-08-24 8:00 a.m. bis 12.30h, 1st/2nd of May 2016, +1 "
        "KW 12/2026, 05/2026, 2026-05, 9h15, 24.10.12017, 30 . 09 . 22, 7pmTuesday, Tel. 0511 3107-0")
    guarded = [(m.lastgroup, m.span()) for m in re.finditer(scanner._MASTER, text)]
    assert guarded == [(m.lastgroup, m.span()) for m in re.finditer(every_shape, text)]


# The shared corpora, as a guard against regressions (bench/dates_eval.py prints the full figures)


def test_ctparse_dev_accuracy_does_not_regress(shared_data) -> None:
    rows = json.loads((shared_data / "dates" / "ctparse" / "ctparse-dev.json").read_text(encoding="utf-8"))
    right = 0
    for row in rows:
        found = parse_when(row["text"], datetime.fromisoformat(row["now"]))
        right += (found.iso() if found else {"start": None, "end": None}) == {"start": row["start"],
                                                                             "end": row["end"]}
    assert right / len(rows) >= 0.93
