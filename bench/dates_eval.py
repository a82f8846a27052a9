"""Exact-match accuracy and speed of pipelines.dates on the shared date corpora.

Run from the repo root:  .venv/bin/python bench/dates_eval.py [--data ../shared/data/dates] [--failures SET]

A case is right when start and end both equal the expected values at the expected granularity
("YYYY-MM-DD" for a day, "YYYY-MM-DDTHH:MM" for a time; seconds are not part of our output and
are cut from the expectations). How each set becomes (text, now, expected start, expected end):

ctparse (ctparse-dev.json)
    text, now, start, end as given; parse_when(text, now, prefer_future=True). The dev split is
    also reported in two halves (by a hash of the text) to show how much the figure moves.

    Label audit (bench/dates_audit.py, the honest ceiling): cases whose label contradicts their
    own text by mechanical checks are counted; the best any parser can score and our figure
    without them are printed too. --failures "ctparse dev" lists every flagged case with its reason.

Recognizers-Text, German and English (the *Parser.json and *Model.json specs)
    Every entry of "Results" is one case: its "Text" is parsed with parse_when, with the spec's
    Context.ReferenceDateTime as `now` (2016-11-07 when a spec has none) and prefer_future=True,
    so the FutureResolution (or, in Model specs, the latest listed value) is the expectation.
    - date / datetime: start = the resolved date / date-time, end = None.
    - daterange: start = startDate; Recognizers' endDate is exclusive for calendar units and
      counted spans ("diese Woche" -> 2016-11-07..2016-11-14, "nächsten 3 Tage" -> ..11-11), so we
      take the day before it as our inclusive last day, except when the text itself names the
      last day with a range word (bis, -, to, und, and, auf, through, till, until).
    - datetimerange: start/end as given; when the timex is a part of the day ("TEV", "TMO"...) the
      expectation is the date alone, because we never turn "abends" into invented clock times.
    - time / timerange (no date): only the clock part ("THH:MM") of start and end is compared.
    - Model specs list several readings of one text (the past and the future date; 7:30 and 19:30
      for "halb 8"): any of them counts, except a date before the reference when a later one is listed.
    - Not scored, and counted as skipped: durations and sets (no point in time), open ranges
      ("before"/"after" modifiers without both ends), parts of the day without a day ("Nachts"),
      and unresolved values.

dateparser (date_parser_cases_en_de.json)
    input with now = 2012-11-13 (the tests' RELATIVE_BASE) and prefer_future=False. dateparser always
    returns a datetime, so an expected "T00:00" also accepts a plain date when the input names no
    clock time. Its own default fills a missing year with the current one and a bare weekday with
    the last one; we take the nearest, so those cases count against us.

Speed: every string of every set is parsed once more with the grammar cache cleared; strings per
second and the median cost per string are printed. find_dates is timed on the full sentences of
the Recognizers-Text specs, as running text.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import time
import zlib
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.dates_audit import RANGE_WORDS, report_audit, shown
from pipelines.dates import find_dates, parse_when
from pipelines.dates.parse import clear_caches

DEFAULT_REFERENCE = datetime(2016, 11, 7)
PART_OF_DAY_TIMEX = re.compile(r"T(MO|AF|EV|NI|DT|MI|BH)\b|T(MO|AF|EV|NI)$")


@dataclass
class Case:
    text: str
    now: datetime
    start: str | None
    end: str | None
    prefer_future: bool = True
    clock_only: bool = False
    midnight_is_date: bool = False
    alternatives: tuple[tuple[str | None, str | None], ...] = ()


def _minutes(value: str | None) -> str | None:
    """'2016-11-07 16:00:00' -> '2016-11-07T16:00'."""
    if value is None:
        return None
    value = value.replace(" ", "T")
    return value[:16] if "T" in value else value[:10]


def load_ctparse(root: Path) -> list[Case]:
    rows = json.loads((root / "ctparse" / "ctparse-dev.json").read_text(encoding="utf-8"))
    return [Case(r["text"], datetime.fromisoformat(r["now"]), r["start"], r["end"]) for r in rows]


def load_dateparser(root: Path) -> list[Case]:
    data = json.loads((root / "dateparser" / "date_parser_cases_en_de.json").read_text(encoding="utf-8"))
    now = datetime(2012, 11, 13)
    return [Case(c["input"], now, _minutes(c["expected"]), None, prefer_future=False, midnight_is_date=True)
            for c in data["cases"]]


def _day_before(value: str) -> str:
    return (date.fromisoformat(value) - timedelta(days=1)).isoformat()


def _recognizers_case(text: str, now: datetime, kind: str, timex: str, mod: str | None,
                      resolution: dict) -> Case | None:
    """One Recognizers result -> a Case, or None when it is not a point or stretch in time."""
    if not resolution or "not resolved" in json.dumps(resolution) or kind in ("duration", "set"):
        return None
    if mod in ("before", "after", "since", "until", "since-end") or ("PRESENT_REF" in timex and kind != "datetime"):
        return None
    tuple_timex = timex.startswith("(")
    if kind == "date":
        return Case(text, now, resolution.get("date") or resolution.get("value"), None)
    if kind == "datetime":
        return Case(text, now, _minutes(resolution.get("dateTime") or resolution.get("value")), None)
    if kind == "daterange":
        start, end = resolution.get("startDate") or resolution.get("start"), \
            resolution.get("endDate") or resolution.get("end")
        if start is None or end is None:
            return None
        if not (tuple_timex and RANGE_WORDS.search(text.lower())):
            end = _day_before(end)
        return Case(text, now, start, end)
    if kind == "datetimerange":
        start = resolution.get("startDateTime") or resolution.get("start")
        end = resolution.get("endDateTime") or resolution.get("end")
        if start is None or end is None:
            return None
        if PART_OF_DAY_TIMEX.search(timex) and not tuple_timex:
            return Case(text, now, start[:10], None)
        return Case(text, now, _minutes(start), _minutes(end))
    if kind in ("time", "timerange"):
        if PART_OF_DAY_TIMEX.search(timex) or timex in ("TMO", "TAF", "TEV", "TNI"):
            return None
        start = resolution.get("time") or resolution.get("startTime") or resolution.get("start") \
            or resolution.get("value")
        end = resolution.get("endTime") or resolution.get("end")
        if start is None or (kind == "timerange" and end is None):
            return None
        return Case(text, now, "T" + start[:5], "T" + end[:5] if end else None, clock_only=True)
    return None


def _model_case(readings: list[Case], now: datetime) -> Case | None:
    """Model specs list alternative readings (past and future date, 7:30 and 19:30 for "halb 8").

    Any of them counts, except that a date before the reference day does not when a later
    reading exists (we resolve toward the future).
    """
    if not readings:
        return None
    dated = [r for r in readings if not r.clock_only and r.start and r.start[:10] >= now.date().isoformat()]
    if dated and len(dated) < len(readings):
        readings = dated
    first = readings[0]
    first.alternatives = tuple((r.start, r.end) for r in readings)
    return first


def load_recognizers(path: Path) -> tuple[list[Case], int]:
    specs = json.loads(path.read_text(encoding="utf-8-sig"))
    cases: list[Case] = []
    skipped = 0
    for spec in specs:
        reference = (spec.get("Context") or {}).get("ReferenceDateTime")
        now = datetime.fromisoformat(reference[:19]) if reference else DEFAULT_REFERENCE
        for result in spec.get("Results", []):
            case = None
            if "Value" in result:  # *Parser specs
                value = result["Value"] or {}
                case = _recognizers_case(result["Text"], now, result.get("Type", ""), value.get("Timex", ""),
                                         value.get("Mod"), value.get("FutureResolution") or {})
            elif "Resolution" in result:  # *Model specs: every reading they list
                values = (result.get("Resolution") or {}).get("values") or []
                readings = [_recognizers_case(result["Text"], now, v.get("type", ""), v.get("timex", ""),
                                              v.get("Mod"), v) for v in values]
                readings = [r for r in readings if r is not None]
                case = _model_case(readings, now)
            if case is None:
                skipped += 1
            else:
                cases.append(case)
    return cases, skipped


def _iso(case: Case) -> tuple[str | None, str | None]:
    found = parse_when(case.text, case.now, prefer_future=case.prefer_future)
    if found is None:
        return None, None
    got = found.iso()
    start, end = got["start"], got["end"]
    if case.clock_only:
        start = start[10:] if start and "T" in start else None
        end = end[10:] if end and "T" in end else None
    return start, end


def is_right(case: Case) -> bool:
    start, end = _iso(case)
    expected_start = case.start
    if case.midnight_is_date and expected_start and expected_start.endswith("T00:00") and start \
            and "T" not in start:
        expected_start = expected_start[:10]
    return (start, end) == (expected_start, case.end) or (start, end) in case.alternatives


def score(name: str, cases: list[Case], skipped: int = 0, failures: bool = False) -> list[bool]:
    """Print a set's figure (and, with `failures`, its failing cases); whether each case is right."""
    right = [is_right(case) for case in cases]
    accuracy = sum(right) / len(right) if right else 0.0
    note = f"  ({skipped} not scored)" if skipped else ""
    print(f"{name:<44} {sum(right):>5}/{len(right):<5} exact {accuracy:.3f}{note}")
    if failures:
        for case, ok in zip(cases, right, strict=True):
            if not ok:
                print(f"    {shown(case)} got={_iso(case)}")
    return right


def sentences(root: Path) -> list[tuple[str, datetime]]:
    """The full sentences of the Recognizers-Text specs, as running text for find_dates."""
    found = []
    for path in sorted((root / "recognizers-text").glob("*/*.json")):
        for spec in json.loads(path.read_text(encoding="utf-8-sig")):
            reference = (spec.get("Context") or {}).get("ReferenceDateTime")
            found.append((spec["Input"], datetime.fromisoformat(reference[:19]) if reference else DEFAULT_REFERENCE))
    return found


def finder_speed(texts: list[tuple[str, datetime]]) -> None:
    costs = []
    for text, now in texts:
        t0 = time.perf_counter()
        find_dates(text, now)
        costs.append(time.perf_counter() - t0)
    chars = sum(len(text) for text, _ in texts)
    print(f"{'find_dates speed':<44} {chars / sum(costs):,.0f} chars/s, median {statistics.median(costs) * 1000:.3f} "
          f"ms per sentence ({len(texts)} sentences)")


def speed(cases: list[Case]) -> None:
    clear_caches()
    costs = []
    began = time.perf_counter()
    for case in cases:
        t0 = time.perf_counter()
        parse_when(case.text, case.now, prefer_future=case.prefer_future)
        costs.append(time.perf_counter() - t0)
    total = time.perf_counter() - began
    print(f"{'speed':<44} {len(cases) / total:,.0f} strings/s, median {statistics.median(costs) * 1000:.3f} ms "
          f"per string, p95 {sorted(costs)[int(len(costs) * 0.95)] * 1000:.3f} ms ({len(cases)} strings)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=Path("../shared/data/dates"))
    parser.add_argument("--failures", default="", help="print the failing cases of sets whose name contains this")
    args = parser.parse_args()
    root = args.data
    if not root.is_dir():
        parser.error(f"{root} not found: run from the repo root or pass --data")

    everything: list[Case] = []

    def report(name: str, cases: list[Case], skipped: int = 0) -> None:
        everything.extend(cases)
        score(name, cases, skipped, failures=bool(args.failures) and args.failures.lower() in name.lower())

    ctparse = load_ctparse(root)
    everything.extend(ctparse)
    show = bool(args.failures) and args.failures.lower() in "ctparse dev"
    report_audit("ctparse dev", ctparse, score("ctparse dev", ctparse, failures=show), show)
    half = [zlib.crc32(c.text.encode()) % 2 for c in ctparse]
    score("  ctparse dev, half A", [c for c, h in zip(ctparse, half, strict=True) if h == 0])
    score("  ctparse dev, half B", [c for c, h in zip(ctparse, half, strict=True) if h == 1])
    for language in ("German", "English"):
        for path in sorted((root / "recognizers-text" / language).glob("*.json")):
            cases, skipped = load_recognizers(path)
            report(f"recognizers {language} {path.stem}", cases, skipped)
    report("dateparser en/de cases", load_dateparser(root))
    speed(everything)
    finder_speed(sentences(root))


if __name__ == "__main__":
    main()
