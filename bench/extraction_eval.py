"""Extraction quality on the labelled real pages: found / expected / spurious and field accuracy.

    .venv/bin/python bench/extraction_eval.py [--labels tests/crawler/expected_pages.yaml]
                                              [--data ../shared/data/pages] [--verbose] [--page SUBSTRING]

Columns: count = events the page announces, got = events extracted, label = events labelled (all, or
a sample of a long listing), found = labelled events found, spur = spurious events; then found,
title, start, end and city as a share of the labelled events (end and city of those that have one),
hl = events made from an article's own headline, ms = extraction time.

Labels are ours (tests/crawler/expected_pages.yaml, see its header). An expected event is *found*
when an extracted event has its title and its start: the exact start on pages with markup, the
start day (and the city, where labelled) on pages without. Field accuracy counts, over all
expected events, how often title, start, end and city come out right. On pages whose labels list
every event, an extracted event matching none is *spurious*; on sampled listings, events beyond
the labelled count are. Article pages must never yield an event made from their own headline.

A held-out set of pages can be scored the same way: point --labels and --data at it.
"""

from __future__ import annotations

import argparse
import difflib
import html
import json
import re
import sys
import time
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from crawler.extract import extract_events  # noqa: E402
from kontext.records import Event  # noqa: E402
from kontext.sources import Source, SourceOrganizer  # noqa: E402
from pipelines.places import parse_place  # noqa: E402


def norm(text: str) -> str:
    folded = unicodedata.normalize("NFKD", html.unescape(text or "").casefold().replace("ß", "ss"))
    folded = "".join(char for char in folded if not unicodedata.combining(char))
    return " ".join(re.findall(r"[a-z0-9#]+", folded))


def title_similarity(label: str, got: str) -> float:
    a, b = norm(label), norm(got)
    if not a or not b:
        return 0.0
    tokens = set(a.split())
    if tokens <= set(b.split()):
        return 1.0
    overlap = len(tokens & set(b.split())) / len(tokens)
    return max(overlap * 0.9, difflib.SequenceMatcher(None, a, b).ratio())


@dataclass
class Moment:
    """A labelled start/end: an instant when a time is given, else a day."""

    day: date
    instant: datetime | None


def moment(value: Any, zone: ZoneInfo) -> Moment | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        value = value.isoformat()
    if isinstance(value, date):
        return Moment(value, None)
    text = str(value).strip().replace("Z", "+00:00")
    if "T" not in text and " " not in text.strip():
        return Moment(date.fromisoformat(text[:10]), None)
    parsed = datetime.fromisoformat(text.replace(" ", "T"))
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=zone)
    return Moment(parsed.astimezone(zone).date(), parsed)


@dataclass
class Expected:
    title: str
    start: Moment | None
    end: Moment | None
    city: list[str]
    status: str = "scheduled"


def expected_from_file(path: Path, zone: ZoneInfo) -> list[Expected]:
    """Events in an extruct expected-output file (JSON-LD list, {"items": …} or {"json-ld", "microdata"})."""
    data = json.loads(path.read_text(encoding="utf-8"))
    nodes: list[dict] = []
    stack: list[Any] = [data]
    while stack:
        current = stack.pop()
        if isinstance(current, list):
            stack.extend(reversed(current))
        elif isinstance(current, dict):
            kind = str(current.get("@type") or current.get("type") or "")
            props = current.get("properties", current)
            if kind.endswith("Event"):
                nodes.append(props)
            else:
                stack.extend(reversed([v for k, v in current.items() if k not in ("properties",)]))
                if "properties" in current:
                    stack.append(current["properties"])
    result = []
    for node in nodes:
        location = node.get("location") or {}
        location = location.get("properties", location) if isinstance(location, dict) else {}
        address = location.get("address") or {}
        address = address.get("properties", address) if isinstance(address, dict) else {}
        city = address.get("addressLocality") if isinstance(address, dict) else None
        start = str(node.get("startDate") or "")
        end = str(node.get("endDate") or "") or None
        start = re.sub(r"([+-]\d{2})(\d{2})$", r"\1:\2", start)
        end = re.sub(r"([+-]\d{2})(\d{2})$", r"\1:\2", end) if end else None
        result.append(Expected(str(node.get("name") or ""), moment(start, zone), moment(end, zone),
                               [city] if city else []))
    return result


def to_expected(entry: dict, zone: ZoneInfo) -> Expected:
    city = entry.get("city")
    cities = city if isinstance(city, list) else ([city] if city else [])
    return Expected(str(entry.get("title", "")), moment(entry.get("start"), zone), moment(entry.get("end"), zone),
                    [str(c) for c in cities], str(entry.get("status", "scheduled")))


def event_city(event: Event) -> str | None:
    """The city the normalisation stage would settle on: the venue's, else parsed from location_text."""
    if event.venue and event.venue.city:
        return event.venue.city
    if event.location_text:
        place = parse_place(event.location_text)
        if place is not None:
            return place.city
    return None


def start_ok(expected: Expected, event: Event, zone: ZoneInfo, *, exact: bool) -> bool:
    if expected.start is None or event.start is None:
        return False
    got_day = event.start.astimezone(zone).date() if not event.all_day else event.start.date()
    if not exact or expected.start.instant is None:
        return got_day == expected.start.day
    return _minute(event.start) == _minute(expected.start.instant)


def _minute(value: datetime) -> datetime:
    return value.replace(second=0, microsecond=0)


def end_ok(expected: Expected, event: Event, zone: ZoneInfo, *, exact: bool) -> bool:
    if expected.end is None:
        return True
    if event.end is None:
        # A date-only end on the start day says no more than "ends that day".
        return expected.end.instant is None and expected.start is not None and expected.end.day == expected.start.day
    got_day = event.end.astimezone(zone).date() if not event.all_day else event.end.date()
    if not exact or expected.end.instant is None:
        return got_day == expected.end.day
    return _minute(event.end) == _minute(expected.end.instant)


def city_ok(expected: Expected, event: Event) -> bool:
    if not expected.city:
        return True
    got = norm(event_city(event) or "")
    return bool(got) and any(norm(city) == got or norm(city) in got.split() or got in norm(city)
                             for city in expected.city)


@dataclass
class Score:
    expected: int = 0  # labelled events (all of the page's, or a sample of a long listing)
    count: int = 0  # events the page announces
    extracted: int = 0
    found: int = 0
    spurious: int = 0
    title: int = 0
    start: int = 0
    end: int = 0
    city: int = 0
    ends_labelled: int = 0
    cities_labelled: int = 0
    headline_events: int = 0
    pages: int = 0
    page_found_rates: list[float] = field(default_factory=list)
    seconds: float = 0.0

    def add(self, other: Score) -> None:
        for name in ("expected", "count", "extracted", "found", "spurious", "title", "start", "end", "city",
                     "ends_labelled", "cities_labelled", "headline_events", "pages"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.page_found_rates.extend(other.page_found_rates)
        self.seconds += other.seconds


def pair(expected: list[Expected], events: list[Event], zone: ZoneInfo) -> list[tuple[Expected, Event | None]]:
    """Each expected event with its best extracted counterpart (title first, then the day)."""
    candidates: list[tuple[float, int, int]] = []
    for i, exp in enumerate(expected):
        for j, event in enumerate(events):
            similarity = title_similarity(exp.title, event.title)
            same_day = start_ok(exp, event, zone, exact=False)
            if similarity >= 0.5 or (same_day and similarity >= 0.3):
                candidates.append((similarity + (1.0 if same_day else 0.0), i, j))
    candidates.sort(reverse=True)
    used_e: set[int] = set()
    used_x: set[int] = set()
    matched: dict[int, int] = {}
    for _, i, j in candidates:
        if i in used_e or j in used_x:
            continue
        matched[i] = j
        used_e.add(i)
        used_x.add(j)
    return [(exp, events[matched[i]] if i in matched else None) for i, exp in enumerate(expected)]


def page_headline(raw: bytes) -> str:
    text = raw.decode("utf-8", "replace")
    match = re.search(r'<meta[^>]+property=["\']og:title["\'][^>]+content=["\']([^"\']+)', text, re.I)
    if not match:
        match = re.search(r"<h1[^>]*>(.*?)</h1>", text, re.I | re.S)
    if not match:
        match = re.search(r"<title[^>]*>(.*?)</title>", text, re.I | re.S)
    headline = re.sub(r"<[^>]+>", " ", match.group(1)) if match else ""
    return re.split(r"\s+[|–—-]\s+", html.unescape(headline).strip())[0]


def evaluate(entry: dict, data: Path, verbose: bool) -> tuple[Score, str]:
    zone = ZoneInfo(entry.get("timezone", "Europe/Berlin"))
    path = data / entry["file"]
    raw = path.read_bytes()
    now_value = entry["now"]
    now = now_value if isinstance(now_value, datetime) else datetime.fromisoformat(str(now_value))
    if isinstance(now_value, date) and not isinstance(now_value, datetime):
        now = datetime.combine(now_value, datetime.min.time())
    now = now.replace(tzinfo=zone) if now.tzinfo is None else now
    source = Source(name="evaluation", organizer=SourceOrganizer(name="Evaluation"), start_urls=[entry["url"]],
                    timezone=str(zone), language="de")
    began = time.perf_counter()
    events = extract_events(raw, entry["url"], now, source=source)
    seconds = time.perf_counter() - began
    expected = [to_expected(e, zone) for e in entry.get("events") or []]
    if entry.get("expected_file"):
        expected.extend(expected_from_file(data / entry["expected_file"], zone))
    optional = [to_expected(e, zone) for e in entry.get("optional") or []]
    count = int(entry.get("count", len(expected)))
    exact = bool(entry.get("markup"))
    score = Score(expected=len(expected), count=count, extracted=len(events), pages=1, seconds=seconds)
    pairs = pair(expected, events, zone)
    lines = []
    matched_ids = set()
    for exp, event in pairs:
        if event is None:
            lines.append(f"    MISSING  {exp.title!r} {exp.start.instant or exp.start.day if exp.start else ''}")
            continue
        matched_ids.add(id(event))
        t = title_similarity(exp.title, event.title) >= 0.8
        s = start_ok(exp, event, zone, exact=exact)
        e = end_ok(exp, event, zone, exact=exact)
        c = city_ok(exp, event)
        score.title += t
        score.start += s
        if exp.end is not None:
            score.ends_labelled += 1
            score.end += e
        if exp.city:
            score.cities_labelled += 1
            score.city += c
        found = s and t and (exact or c) and (exp.status == "scheduled" or event.status.value == exp.status)
        score.found += found
        if verbose and not (found and e and c):
            start = event.start.isoformat() if event.start else None
            end = event.end.isoformat() if event.end else None
            lines.append(
                f"    {'FOUND' if found else 'WRONG'}    {exp.title!r}: got {event.title[:60]!r} {start} end={end} "
                f"city={event_city(event)} status={event.status.value} (title={t} start={s} end={e} city={c})"
            )
    unmatched = [event for event in events if id(event) not in matched_ids]
    if optional:
        for _, event in pair(optional, unmatched, zone):
            if event is not None:
                unmatched.remove(event)
    if count <= len(expected):
        score.spurious = len(unmatched)
    else:
        score.spurious = max(0, len(events) - count)
    if verbose:
        for event in unmatched[:8]:
            when = event.start.isoformat() if event.start else event.when_text
            lines.append(f"    EXTRA    {event.title[:70]!r} {when}")
    if entry.get("kind") == "article":
        headline = page_headline(raw)
        score.headline_events = sum(title_similarity(headline, event.title) >= 0.8 and
                                    title_similarity(event.title, headline) >= 0.8 for event in events)
    if expected:
        score.page_found_rates.append(score.found / len(expected))
    elif count == 0:
        score.page_found_rates.append(1.0 if not events else 0.0)
    return score, "\n".join(lines)


def percent(part: int, whole: int) -> str:
    return f"{100 * part / whole:5.1f}%" if whole else "    - "


def row(name: str, score: Score) -> str:
    return (
        f"{name[:52]:52} {score.count:5d} {score.extracted:5d} {score.expected:5d} {score.found:5d} "
        f"{score.spurious:5d}  "
        f"{percent(score.found, score.expected)} {percent(score.title, score.expected)} "
        f"{percent(score.start, score.expected)} {percent(score.end, score.ends_labelled)} "
        f"{percent(score.city, score.cities_labelled)} {score.headline_events:3d} {1000 * score.seconds:7.1f}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--labels", type=Path, default=REPO / "tests" / "crawler" / "expected_pages.yaml")
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data" / "pages")
    parser.add_argument("--verbose", action="store_true", help="list missing, wrong and extra events")
    parser.add_argument("--page", help="only pages whose file contains this text")
    args = parser.parse_args(argv)
    labels = yaml.safe_load(args.labels.read_text(encoding="utf-8"))["pages"]
    groups = {"with markup": Score(), "without markup": Score(), "without markup, no schedule pages": Score()}
    overall = Score()
    header = (f"{'page':52} {'count':>5} {'got':>5} {'label':>5} {'found':>5} {'spur':>5}  {'found':>6} {'title':>6} "
              f"{'start':>6} {'end':>6} {'city':>6} {'hl':>3} {'ms':>7}")
    print(header)
    print("-" * len(header))
    for entry in labels:
        if entry.get("kind") == "skip" or (args.page and args.page not in entry["file"]):
            continue
        score, details = evaluate(entry, args.data, args.verbose)
        print(row(("[M] " if entry.get("markup") else "[ ] ") + entry["file"], score))
        if details:
            print(details)
        overall.add(score)
        if entry.get("markup"):
            groups["with markup"].add(score)
        else:
            groups["without markup"].add(score)
            if entry.get("kind") != "schedule":
                groups["without markup, no schedule pages"].add(score)
    print("-" * len(header))
    for name, score in [*groups.items(), ("all pages", overall)]:
        print(row(f"{name} ({score.pages} pages)", score))
    print()
    print("events found (per event / mean per page):")
    for name, score in [*groups.items(), ("all pages", overall)]:
        mean = sum(score.page_found_rates) / len(score.page_found_rates) if score.page_found_rates else 0.0
        print(f"  {name:40} {percent(score.found, score.expected)} / {100 * mean:5.1f}%")
    print(f"events made from an article's own headline: {overall.headline_events}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
