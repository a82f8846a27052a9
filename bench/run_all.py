"""Run every benchmark under bench/, each in its own process, and write docs/benchmarks.md.

    .venv/bin/python bench/run_all.py [--only NAME ...] [--quick] [--output docs/benchmarks.md] [--list]

`make bench` runs it. For each benchmark it records the exact command, its wall time, peak resident
memory three ways — the benchmark's own process and its whole process tree (Meilisearch, the web app,
the SMTP server, crawl workers), both sampled every 0.25 s, and the largest single process (os.wait4's
ru_maxrss, exact) —, the load average before and after (other work on the machine shows in the
figures), and its full output. From the outputs it takes the
figures the issues set targets for and says met / MISSED; growth from 10,000 to 100,000 events is
shown for indexing, search latency and the digest. --quick runs small sizes to check the machinery
(its figures are not the product's).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import psutil

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
PYTHON = ".venv/bin/python"
OUTPUT = REPO / "docs" / "benchmarks.md"


@dataclass(frozen=True)
class Figure:
    """A number read from a benchmark's output, optionally with the target an issue set for it."""

    key: str
    label: str
    pattern: str  # a regex whose first group is the number (MULTILINE)
    unit: str = ""
    target: str = ""  # as the issue writes it, e.g. ">= 0.95"
    issue: str = ""
    meets: Callable[[float], bool] | None = None

    def read(self, output: str) -> float | None:
        found = re.search(self.pattern, output, re.MULTILINE)
        if not found:
            return None
        return float(found.group(1).replace(",", ""))


@dataclass(frozen=True)
class Bench:
    name: str
    what: str
    args: tuple[str, ...]
    quick_args: tuple[str, ...] | None = None
    figures: tuple[Figure, ...] = ()
    timeout: float = 3600
    events: int | None = None  # catalogue size, for the growth table


@dataclass
class Run:
    bench: Bench
    command: list[str]
    returncode: int | None = None
    seconds: float = 0.0
    peak_mib: float = 0.0  # the benchmark's own process (sampled)
    largest_mib: float = 0.0  # the largest single process: the benchmark or a server it started (wait4)
    tree_peak_mib: float = 0.0  # all its processes together (sampled)
    load_before: tuple[float, ...] = ()
    load_after: tuple[float, ...] = ()
    output: str = ""
    errors: str = ""
    values: dict[str, float | None] = field(default_factory=dict)


def at_least(limit: float) -> Callable[[float], bool]:
    return lambda value: value >= limit


def at_most(limit: float) -> Callable[[float], bool]:
    return lambda value: value <= limit


def below(limit: float) -> Callable[[float], bool]:
    return lambda value: value < limit


def latency_figures(events: int, targets: bool) -> tuple[Figure, ...]:
    row = r"^{way}\s+([\d.]+)\s+[\d.]+\s+[\d.]+"
    p99 = r"^{way}\s+[\d.]+\s+[\d.]+\s+([\d.]+)"
    tag = f"@{events // 1000}k"
    return (
        Figure(f"api_p50{tag}", f"API /api/events p50, {events:,} events", row.format(way=r"api /api/events"), "ms",
               "<= 20 ms" if targets else "", "issue 6", at_most(20) if targets else None),
        Figure(f"api_p99{tag}", f"API /api/events p99, {events:,} events", p99.format(way=r"api /api/events"), "ms",
               "<= 60 ms" if targets else "", "issue 6", at_most(60) if targets else None),
        Figure(f"raw_p50{tag}", f"raw Meilisearch p50, {events:,} events", row.format(way="meilisearch raw"), "ms"),
        Figure(f"raw_p99{tag}", f"raw Meilisearch p99, {events:,} events", p99.format(way="meilisearch raw"), "ms"),
        Figure(f"page_p50{tag}", f"search page / p50, {events:,} events", row.format(way=r"page /"), "ms"),
        Figure(f"ratio{tag}", f"API p50 / raw p50, {events:,} events", r"within 2x of raw Meilisearch \(([\d.]+)x\)",
               "x", "<= 2x" if targets else "", "issue 6", at_most(2) if targets else None),
        Figure(f"index_rate{tag}", f"rebuild while loading, {events:,} events", r"indexed in [\d.]+ s \((\d+)/s\)",
               "events/s"),
    )  # fmt: skip


def digest_figures(tag: str, targets: bool) -> tuple[Figure, ...]:
    return (
        Figure(f"digest_seconds{tag}", "whole digest run", r"^time: ([\d.]+) s for", "s",
               "< 5 min" if targets else "", "issue 7", below(300) if targets else None),
        Figure(f"digest_rate{tag}", "mails per second", r"^throughput: ([\d.]+) mails/s", "mails/s"),
        Figure(f"digest_memory{tag}", "peak RSS of the sending process", r"^peak memory[^:]*: ([\d.]+) MiB", "MiB"),
    )  # fmt: skip


def indexing_result(key: str, size: int) -> str:
    """The pattern of one figure in bench/indexing.py's machine-readable RESULT line for `size` events."""
    return r'^RESULT \{"events": ' + str(size) + r', .*"' + key + r'": ([\d.]+)'


def indexing_figures() -> tuple[Figure, ...]:
    rows = (
        ("sync_rate", "sync_rate", "kontext sync", "events/s"),
        ("raw_rate", "raw_rate", "raw add-documents", "events/s"),
        ("sync_ratio", "ratio", "sync / raw rate", "x"),
        ("rebuild_rate", "rebuild_rate", "kontext rebuild + swap", "events/s"),
        ("sync_peak", "sync_peak_mib", "sync peak RSS", "MiB"),
        ("meili_peak", "meili_peak_mib", "Meilisearch peak RSS", "MiB"),
    )
    return tuple(
        Figure(f"{key}@{size // 1000}k", f"{label}, {size:,} events", indexing_result(field, size), unit)
        for size in (10_000, 100_000)
        for key, field, label, unit in rows
    )


BENCHES: tuple[Bench, ...] = (
    Bench("dates", "date parser: exact-match accuracy on the shared corpora, strings per second",
          ("bench/dates_eval.py",),
          figures=(
              Figure("ctparse", "ctparse dev split, exact", r"^ctparse dev\s+\d+/\d+\s+exact ([\d.]+)", "",
                     ">= 0.95", "issue 3", at_least(0.95)),
              Figure("ctparse_ceiling", "ctparse dev, the best any parser can score (labels audited)",
                     r"the best any parser can score on this set is \d+/\d+ = ([\d.]+)"),
              Figure("ctparse_audited", "ctparse dev without the labels that contradict their text, exact",
                     r"^ctparse dev without those cases: \d+/\d+ = ([\d.]+)"),
              Figure("rec_date", "Recognizers German DateParser, exact",
                     r"^recognizers German DateParser\s+\d+/\d+\s+exact ([\d.]+)", "", ">= 0.90", "issue 3",
                     at_least(0.90)),
              Figure("rec_period", "Recognizers German DatePeriodParser, exact",
                     r"^recognizers German DatePeriodParser\s+\d+/\d+\s+exact ([\d.]+)", "", ">= 0.90", "issue 3",
                     at_least(0.90)),
              Figure("dates_median", "median cost per string", r"median ([\d.]+) ms per string", "ms", "< 1 ms",
                     "issue 3", below(1)),
              Figure("dates_rate", "strings per second", r"^speed\s+([\d,]+) strings/s", "strings/s"),
          )),
    Bench("extraction", "extraction quality on the labelled real pages", ("bench/extraction_eval.py",),
          figures=(
              Figure("markup", "events found, pages with markup", r"^\s+with markup\s+([\d.]+)% /", "%", ">= 98 %",
                     "issue 4", at_least(98)),
              Figure("nomarkup", "events found, pages without markup", r"^\s+without markup\s+([\d.]+)% /", "%",
                     ">= 85 %", "issue 4", at_least(85)),
              Figure("headlines", "events made from an article's own headline",
                     r"events made from an article's own headline: (\d+)", "", "0", "issue 4", at_most(0)),
          )),
    Bench("extraction-speed", "extraction speed on one core, typical 100-300 kB pages",
          ("bench/extraction_speed.py",), ("bench/extraction_speed.py", "--rounds", "1"),
          figures=(Figure("pages_s", "extraction, one core", r"([\d.]+) pages/s on one core", "pages/s", ">= 50",
                          "issue 4", at_least(50)),)),
    Bench("tagging", "tagger quality on the labelled dev events, events per second", ("bench/tagging_eval.py",),
          ("bench/tagging_eval.py", "--repeat", "1"),
          figures=(
              Figure("sectors", "sectors micro-F1", r"== all dev files[\s\S]*?^sectors\s+micro-F1 ([\d.]+)", "",
                     ">= 0.80", "issue 5", at_least(0.80)),
              Figure("audience", "audience accuracy", r"== all dev files[\s\S]*?^audience accuracy ([\d.]+)", "",
                     ">= 0.85", "issue 5", at_least(0.85)),
              Figure("format", "format accuracy", r"== all dev files[\s\S]*?^format\s+accuracy ([\d.]+)", "",
                     ">= 0.85", "issue 5", at_least(0.85)),
              Figure("startup_sme", "startup-scene events tagged sme (all dev files)",
                     r"== all dev files[\s\S]*?^startup-scene events tagged sme: (\d+) of", "", "almost never",
                     "issue 5"),
              Figure("tag_rate", "tagging speed (wall, one process)", r"^speed: (\d+) events/s wall", "events/s",
                     ">= 300", "issue 5", at_least(300)),
          )),
    Bench("places", "place parsing: gazetteer look-ups per second", ("bench/places_bench.py",),
          ("bench/places_bench.py", "--rounds", "1"),
          figures=(Figure("parse_place", "parse_place calls", r"^parse_place: ([\d,]+) calls/s", "calls/s"),)),
    Bench("relevance", "search relevance: recall@10 and nDCG@10 per index option", ("bench/relevance.py",),
          figures=(
              Figure("recall", "recall@10, shipped option, all queries",
                     r"^parts\+syn\+query\s+all\s+\d+\s+([\d.]+)", ""),
              Figure("ndcg", "nDCG@10, shipped option, all queries",
                     r"^parts\+syn\+query\s+all\s+\d+\s+[\d.]+\s+([\d.]+)", ""),
          )),
    Bench("search-10k", "search latency at 10,000 events: API vs raw Meilisearch",
          ("bench/search_latency.py", "--events", "10000"), ("bench/search_latency.py", "--events", "2000",
                                                              "--queries", "100"),
          figures=latency_figures(10_000, targets=False), events=10_000),
    Bench("search-100k", "search latency at 100,000 events: API vs raw Meilisearch",
          ("bench/search_latency.py", "--events", "100000"), ("bench/search_latency.py", "--events", "5000",
                                                               "--queries", "100"),
          figures=latency_figures(100_000, targets=True), events=100_000),
    Bench("indexing", "store -> outbox -> index vs raw add-documents, 10,000 and 100,000 events",
          ("bench/indexing.py", "--sizes", "10000", "100000"), ("bench/indexing.py", "--sizes", "500", "1000",
                                                                  "--no-rebuild"),
          figures=indexing_figures()),
    Bench("digest", "weekly digest: 10,000 subscribers x 20,000 events over SMTP",
          ("bench/digest_send.py", "--events", "20000", "--subscribers", "10000"),
          ("bench/digest_send.py", "--events", "1000", "--subscribers", "100"),
          figures=digest_figures("", targets=True), events=20_000),
    Bench("digest-10k", "digest growth: 2,000 subscribers over 10,000 events",
          ("bench/digest_send.py", "--events", "10000", "--subscribers", "2000"),
          ("bench/digest_send.py", "--events", "1000", "--subscribers", "50"),
          figures=digest_figures("@10k", targets=False), events=10_000),
    Bench("digest-100k", "digest growth: 2,000 subscribers over 100,000 events",
          ("bench/digest_send.py", "--events", "100000", "--subscribers", "2000"),
          ("bench/digest_send.py", "--events", "3000", "--subscribers", "50"),
          figures=digest_figures("@100k", targets=False), events=100_000),
    Bench("crawl", "crawl pipeline vs `scrapy bench` on a local 2,000-page mirror", ("bench/crawl.py",),
          ("bench/crawl.py", "--pages", "200"),
          figures=(
              Figure("crawl_share", "full pipeline rate as a share of scrapy bench",
                     r"full pipeline at (\d+)% of the scrapy bench rate", "%", ">= 50 %", "issue 8", at_least(50)),
              Figure("crawl_peak", "peak memory of the crawl", r"peak (\d+) MB \(target", "MB", "< 500 MB",
                     "issue 8", below(500)),
              Figure("crawl_rate", "kontext crawl (first), pages/s",
                     r"^kontext crawl \(first\)\s+\d+ pages in\s+[\d.]+ s =\s+([\d.]+) pages/s", "pages/s"),
              Figure("scrapy_rate", "scrapy bench, pages/s",
                     r"^scrapy bench:\s+\d+ pages in\s+[\d.]+ s =\s+([\d.]+) pages/s", "pages/s"),
          )),
)  # fmt: skip


# --- running --------------------------------------------------------------------------------------


class TreeSampler:
    """The peak summed resident set of a process and all its descendants, sampled while it runs."""

    def __init__(self, pid: int) -> None:
        self.root = psutil.Process(pid)
        self.peak = 0
        self.root_peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                processes = [self.root, *self.root.children(recursive=True)]
            except psutil.Error:
                return
            total = 0
            for process in processes:
                try:
                    rss = process.memory_info().rss
                except psutil.Error:
                    continue
                total += rss
                if process.pid == self.root.pid:
                    self.root_peak = max(self.root_peak, rss)
            self.peak = max(self.peak, total)
            self._stop.wait(0.25)

    def __enter__(self) -> TreeSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)


def run_bench(bench: Bench, quick: bool) -> Run:
    """One benchmark in its own process; its figures, time, memory and output."""
    args = bench.quick_args if quick and bench.quick_args else bench.args
    command = [PYTHON, *args]
    run = Run(bench=bench, command=command, load_before=os.getloadavg())
    print(f"[{datetime.now(UTC):%H:%M:%S}] {bench.name}: {' '.join(command)}", file=sys.stderr, flush=True)
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    started = time.perf_counter()
    process = subprocess.Popen(
        [str(REPO / PYTHON), *args], cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    out: list[str] = []
    err: list[str] = []
    readers = [
        threading.Thread(target=out.extend, args=(process.stdout,), daemon=True),
        threading.Thread(target=err.extend, args=(process.stderr,), daemon=True),
    ]
    for reader in readers:
        reader.start()
    timer = threading.Timer(bench.timeout, process.kill)
    timer.start()
    with TreeSampler(process.pid) as sampler:
        _, status, usage = os.wait4(process.pid, 0)
    timer.cancel()
    process.returncode = os.waitstatus_to_exitcode(status)
    for reader in readers:
        reader.join(timeout=10)
    run.seconds = time.perf_counter() - started
    run.returncode = process.returncode
    run.peak_mib = sampler.root_peak / 2**20
    run.largest_mib = usage.ru_maxrss / 1024  # kilobytes on Linux
    run.tree_peak_mib = sampler.peak / 2**20
    run.load_after = os.getloadavg()
    run.output = "".join(out)
    run.errors = "".join(err)
    run.values = {figure.key: figure.read(run.output) for figure in bench.figures}
    print(f"[{datetime.now(UTC):%H:%M:%S}] {bench.name}: exit {run.returncode} after {run.seconds:.0f} s",
          file=sys.stderr, flush=True)  # fmt: skip
    return run


# --- the machine ----------------------------------------------------------------------------------


def machine() -> dict[str, str]:
    """What the figures were measured on."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    system = platform.platform()
    try:
        release = dict(line.split("=", 1) for line in Path("/etc/os-release").read_text().splitlines() if "=" in line)
        system = f"{release.get('PRETTY_NAME', '').strip(chr(34))}, Linux {platform.release()}"
    except OSError:
        pass
    return {
        "CPU": cpu,
        "cores": f"{os.cpu_count()} logical ({psutil.cpu_count(logical=False)} physical)",
        "RAM": f"{psutil.virtual_memory().total / 2**30:.1f} GiB",
        "OS": system,
        "Python": platform.python_version(),
        "Meilisearch": meilisearch_version(),
        "host": platform.node(),
    }


def meilisearch_version() -> str:
    from kontext.errors import UserError
    from kontext.services import find_meili_binary
    from kontext.settings import load_settings

    if os.environ.get("MEILI_URL"):
        return f"the server at MEILI_URL ({os.environ['MEILI_URL']})"
    try:
        binary = find_meili_binary(load_settings())
        answer = subprocess.run([str(binary), "--version"], capture_output=True, text=True, timeout=30)
    except (UserError, OSError, subprocess.SubprocessError) as error:
        return f"unknown ({error})"
    return answer.stdout.strip() or "unknown"


def git_state() -> str:
    def git(*args: str) -> str:
        try:
            return subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True, timeout=10).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            return ""

    commit = git("rev-parse", "--short", "HEAD") or "unknown"
    dirty = git("status", "--porcelain", "--untracked-files=no")
    return commit + (" (working tree with uncommitted changes)" if dirty else "")


# --- the report -----------------------------------------------------------------------------------


def _number(value: float | None, unit: str = "") -> str:
    if value is None:
        return "n/a"
    text = f"{value:,.0f}" if abs(value) >= 100 else f"{value:.3g}" if abs(value) < 10 else f"{value:.1f}"
    return f"{text} {unit}".strip()


def _load(values: tuple[float, ...]) -> str:
    return ", ".join(f"{value:.1f}" for value in values)


def targets_table(runs: list[Run], quick: bool = False) -> list[str]:
    lines = ["| target | issue | figure | benchmark | result |", "| --- | --- | --- | --- | --- |"]
    for run in runs:
        for figure in run.bench.figures:
            if not figure.target:
                continue
            value = run.values.get(figure.key)
            if value is None:
                verdict = "not measured (benchmark failed or its output changed)"
            elif quick:
                verdict = "not judged (quick run)"
            elif figure.meets is None:
                verdict = "see figure"
            else:
                verdict = "met" if figure.meets(value) else "**MISSED**"
            lines.append(f"| {figure.label} {figure.target} | {figure.issue} | {_number(value, figure.unit)} | "
                         f"{run.bench.name} | {verdict} |")  # fmt: skip
    return lines


def growth_table(values: dict[str, float | None]) -> list[str]:
    """How each cost grows from 10,000 to 100,000 events (10x the data)."""
    rows = [
        ("indexing: kontext sync", "sync_rate@10k", "sync_rate@100k", "events/s", True),
        ("indexing: raw add-documents", "raw_rate@10k", "raw_rate@100k", "events/s", True),
        ("indexing: kontext rebuild + swap", "rebuild_rate@10k", "rebuild_rate@100k", "events/s", True),
        ("indexing: Meilisearch peak RSS", "meili_peak@10k", "meili_peak@100k", "MiB", False),
        ("search: API p50", "api_p50@10k", "api_p50@100k", "ms", False),
        ("search: API p99", "api_p99@10k", "api_p99@100k", "ms", False),
        ("search: raw Meilisearch p50", "raw_p50@10k", "raw_p50@100k", "ms", False),
        ("search: page p50", "page_p50@10k", "page_p50@100k", "ms", False),
        ("digest (2,000 subscribers): mails/s", "digest_rate@10k", "digest_rate@100k", "mails/s", True),
        ("digest (2,000 subscribers): whole run", "digest_seconds@10k", "digest_seconds@100k", "s", False),
        ("digest (2,000 subscribers): peak RSS", "digest_memory@10k", "digest_memory@100k", "MiB", False),
    ]
    lines = [
        "| cost | 10,000 events | 100,000 events | 100k / 10k |",
        "| --- | --- | --- | --- |",
    ]
    for label, small, large, unit, rate in rows:
        first, last = values.get(small), values.get(large)
        if first and last:
            factor = f"{last / first:.2f}x" + (" (rate; below 1 = slower per event)" if rate else "")
        else:
            factor = "n/a"
        lines.append(f"| {label} | {_number(first, unit)} | {_number(last, unit)} | {factor} |")
    return lines


def render(runs: list[Run], info: dict[str, str], started: datetime, quick: bool) -> str:
    values: dict[str, float | None] = {}
    for run in runs:
        values.update(run.values)
    total = sum(run.seconds for run in runs)
    loads = [run.load_before for run in runs] + [run.load_after for run in runs]
    busiest = max((load[0] for load in loads if load), default=0.0)
    lines = [
        "# Benchmarks",
        "",
        "Generated by `make bench` (`.venv/bin/python bench/run_all.py`); do not edit by hand. Every benchmark",
        "ran in its own process, one after another; each section below gives its exact command, its output",
        "and its peak memory. Rerun one with its command from the repository root.",
        "",
    ]
    if quick:
        lines += ["**QUICK RUN (`--quick`): small sizes that only check the machinery — these are not the",
                  "product's figures and no target below is judged on them.**", ""]  # fmt: skip
    lines += [
        f"Run: {started:%Y-%m-%d %H:%M} UTC, {total / 60:.0f} min, commit {git_state()}.",
        "",
        "| machine | |",
        "| --- | --- |",
        *[f"| {key} | {value} |" for key, value in info.items()],
        f"| load average (1 min) | up to {busiest:.1f} while benchmarks ran (other work on the machine "
        "slows every figure) |",
        "",
        "## Targets from the issues",
        "",
        *targets_table(runs, quick),
        "",
        "## Growth from 10,000 to 100,000 events",
        "",
        "Indexing and search run at both sizes in the same `make bench`; the digest at both catalogue sizes",
        "with 2,000 subscribers (the 10,000 x 20,000 target run is its own row above).",
        "",
        *growth_table(values),
        "",
        "## Each benchmark",
        "",
        "Peak RSS: the benchmark's process / the largest single process (the benchmark or a server it",
        "started, e.g. Meilisearch, whose RSS counts its memory-mapped index) / all its processes together.",
        "",
        "| benchmark | command | exit | wall | peak RSS: process / largest / tree |",
        "| --- | --- | --- | --- | --- |",
    ]
    for run in runs:
        lines.append(f"| {run.bench.name} | `{' '.join(run.command)}` | {run.returncode} | {run.seconds:.0f} s | "
                     f"{run.peak_mib:.0f} / {run.largest_mib:.0f} / {run.tree_peak_mib:.0f} MiB |")  # fmt: skip
    lines.append("")
    for run in runs:
        lines += [
            f"### {run.bench.name}: {run.bench.what}",
            "",
            f"`{' '.join(run.command)}` — exit {run.returncode}, {run.seconds:.0f} s, peak RSS {run.peak_mib:.0f} MiB "
            f"(largest process {run.largest_mib:.0f} MiB, process tree {run.tree_peak_mib:.0f} MiB), "
            f"load average {_load(run.load_before)} before, {_load(run.load_after)} after.",
            "",
        ]
        figures = [(figure, run.values.get(figure.key)) for figure in run.bench.figures]
        if figures:
            lines += [f"- {figure.label}: {_number(value, figure.unit)}" for figure, value in figures]
            lines.append("")
        lines += ["```", run.output.rstrip() or "(no output)", "```", ""]
        if run.returncode != 0:
            tail = "\n".join(run.errors.rstrip().splitlines()[-15:])
            lines += ["It failed; the end of its error output:", "", "```", tail or "(none)", "```", ""]
    return "\n".join(lines).rstrip() + "\n"


def main(argv: list[str] | None = None) -> int:
    """Run the benchmarks and write the report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="+", metavar="NAME", help="run only these benchmarks (see --list)")
    parser.add_argument("--quick", action="store_true", help="small sizes, to check the machinery")
    parser.add_argument("--output", type=Path, default=OUTPUT, help="where to write the report")
    parser.add_argument("--list", action="store_true", help="list the benchmarks and their commands")
    args = parser.parse_args(argv)
    if args.list:
        for bench in BENCHES:
            print(f"{bench.name:18} {PYTHON} {' '.join(bench.args)}")
        return 0
    unknown = set(args.only or ()) - {bench.name for bench in BENCHES}
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(sorted(unknown))}; see --list")
    chosen = [bench for bench in BENCHES if not args.only or bench.name in args.only]
    started = datetime.now(UTC)
    info = machine()
    runs = [run_bench(bench, args.quick) for bench in chosen]
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(render(runs, info, started, args.quick), encoding="utf-8")
    failed = [run.bench.name for run in runs if run.returncode != 0]
    missed = [
        f"{figure.label} ({_number(run.values.get(figure.key), figure.unit)}, target {figure.target})"
        for run in runs
        for figure in run.bench.figures
        if figure.meets and run.values.get(figure.key) is not None and not figure.meets(run.values[figure.key])
    ]
    print(f"wrote {args.output.relative_to(REPO) if args.output.is_relative_to(REPO) else args.output}")
    if failed:
        print(f"failed benchmarks: {', '.join(failed)}")
    if missed and not args.quick:
        print("targets missed: " + "; ".join(missed))
    print(json.dumps({"failed": failed, "missed": len(missed)}))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
