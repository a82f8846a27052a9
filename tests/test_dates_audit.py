"""The label audit of bench/dates_eval.py flags labels that contradict their own text, and only those."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import pytest

from bench.dates_audit import audit_labels

NOW = datetime(2017, 11, 7, 10, 12)  # a Tuesday


@dataclass
class Labelled:
    text: str
    now: datetime
    start: str | None
    end: str | None = None


@pytest.mark.parametrize(
    ("text", "start", "check"),
    [
        ("Sunday morning", "2017-11-09", "a"),  # a Thursday
        ("13:00 Uhr 28.11.2017", "2017-11-28", "c"),  # the clock time is gone
        ("Wed, Nov 15 8:30 PM", "2017-11-15T08:30", "c"),  # pm written, am labelled
        ("22.11.", "2017-11-20", "d"),
        ("Donnerstag gegen 18:30", "2017-11-16T18:30", "e"),  # the coming Thursday is the 9th
        ("20:00 Uhr", "2018-02-16T20:00", "f"),
    ],
)
def test_a_label_against_its_text_is_flagged_with_its_check(text: str, start: str, check: str) -> None:
    audit = audit_labels([Labelled(text, NOW, start)])
    assert audit.count(check) == 1, audit.reasons


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("Donnerstag gegen 18:30", "2017-11-09T18:30", None),
        ("13:00 Uhr 28.11.2017", "2017-11-28T13:00", None),
        ("Wed, Nov 15 8:30 PM - 9:47 PM", "2017-11-15T20:30", "2017-11-15T21:47"),
        ("20:00 Uhr", "2017-11-07T20:00", None),
        ("vom 22. bis 23. November", "2017-11-22", "2017-11-23"),
        ("1845-1955", "2017-11-07T18:45", "2017-11-07T19:55"),
    ],
)
def test_a_label_the_text_allows_is_not_flagged(text: str, start: str, end: str | None) -> None:
    assert audit_labels([Labelled(text, NOW, start, end)]).reasons == {}


def test_the_same_text_labelled_twice_differently_counts_once_against_the_ceiling() -> None:
    cases = [Labelled("1 day", NOW, "2017-11-08", "2017-11-09"), Labelled("1 day", NOW, "2017-11-09", "2017-11-10"),
             Labelled("1 day", NOW, "2017-11-08", "2017-11-09")]  # fmt: skip
    audit = audit_labels(cases)
    assert list(audit.reasons) == [1] and audit.count("b") == 1
