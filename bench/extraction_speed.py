"""Extraction speed on one core: pages per second for typical 100–300 kB pages.

    .venv/bin/python bench/extraction_speed.py [--data ../shared/data/pages] [--min-kb 100] [--max-kb 300]
                                               [--rounds 5]

Runs extract_events over every saved page in the size range (all rungs as the crawler runs them,
at the crawl date the page is labelled with in tests/crawler/expected_pages.yaml), `--rounds`
times after one warm-up round, in this one process (one core), and prints pages/s and the time
of each page. Times are CPU time of this process (time.process_time), so other load on the
machine counts less; the first figure uses each page's median over the rounds, the second all
rounds. Pages outside the range are timed separately for information.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from crawler.extract import extract_events  # noqa: E402

DEFAULT_NOW = datetime(2025, 1, 1, tzinfo=UTC)
LABELS = REPO / "tests" / "crawler" / "expected_pages.yaml"


def _crawl_dates(data: Path) -> dict[Path, datetime]:
    """The crawl date each labelled page is read at, so every rung does the work it does in a crawl."""
    dates: dict[Path, datetime] = {}
    for entry in yaml.safe_load(LABELS.read_text(encoding="utf-8"))["pages"]:
        if "now" in entry:
            value = entry["now"]
            if isinstance(value, str):
                value = datetime.fromisoformat(value)
            moment = value if isinstance(value, datetime) else datetime.combine(value, datetime.min.time())
            dates[data / entry["file"]] = moment.replace(tzinfo=moment.tzinfo or UTC)
    return dates


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data" / "pages")
    parser.add_argument("--min-kb", type=int, default=100)
    parser.add_argument("--max-kb", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args(argv)
    crawl_dates = _crawl_dates(args.data)
    pages = sorted(p for p in args.data.rglob("*.html"))
    typical = [p for p in pages if args.min_kb * 1024 <= p.stat().st_size <= args.max_kb * 1024]
    others = [p for p in pages if p not in typical]
    if not typical:
        print("no pages in the size range", file=sys.stderr)
        return 1
    bodies = {page: page.read_bytes() for page in pages}
    url = "https://example.org/page"

    def now(page: Path) -> datetime:
        return crawl_dates.get(page, DEFAULT_NOW)

    for page in pages:  # warm-up: imports, gazetteer, caches of the date grammar
        extract_events(bodies[page], url, now(page))
    timings: dict[Path, list[float]] = {page: [] for page in typical}
    began = time.process_time()
    for _ in range(args.rounds):
        for page in typical:
            start = time.process_time()
            extract_events(bodies[page], url, now(page))
            timings[page].append(time.process_time() - start)
    cpu = time.process_time() - began
    count = len(typical) * args.rounds
    total_kb = sum(len(bodies[p]) for p in typical) / 1024
    print(f"typical pages ({args.min_kb}-{args.max_kb} kB): {len(typical)} pages, {total_kb / len(typical):.0f} kB "
          f"on average, {args.rounds} rounds")
    medians = {page: statistics.median(times) for page, times in timings.items()}
    typical_page = statistics.mean(medians.values())
    print(f"  {1 / typical_page:.1f} pages/s on one core ({1000 * typical_page:.1f} ms CPU per page, "
          f"each page's median of {args.rounds} rounds)")
    print(f"  {count / cpu:.1f} pages/s over all rounds ({1000 * cpu / count:.1f} ms CPU per page, "
          "including rounds slowed by other load on the machine)")
    print("  per page (median CPU time):")
    for page, seconds in sorted(medians.items(), key=lambda item: -item[1]):
        print(f"    {1000 * seconds:7.1f} ms  {len(bodies[page]) / 1024:6.0f} kB  {page.relative_to(args.data)}")
    print(f"other pages (outside the range, for information): {len(others)}")
    for page in sorted(others, key=lambda p: -len(bodies[p])):
        start = time.process_time()
        extract_events(bodies[page], url, now(page))
        print(f"    {1000 * (time.process_time() - start):7.1f} ms  {len(bodies[page]) / 1024:6.0f} kB  "
              f"{page.relative_to(args.data)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
