"""Crawl benchmark: Kontext's full crawl pipeline against `scrapy bench`, in the same run.

A local mirror of the sample site's event pages (>= 2,000 detail pages in its JSON-LD, microdata
and plain-HTML shapes, each a distinct event, plus paginated listings) is served by a separate
process. Kontext crawls it with politeness off (no AutoThrottle, no delay; robots.txt, the address
guard, traps, limits and the HTTP cache stay on): fetch -> extract -> normalise (dates, places,
spaCy tagging) -> cross-source versions -> store. Then a second, incremental crawl of the unchanged
mirror (conditional requests, nothing re-extracted). `scrapy bench` (Scrapy's own link-following
benchmark, no processing at all) runs in the same run for the reference rate.

Rates are pages per second of crawl time (Scrapy's elapsed_time_seconds: from spider opened to
closed, so the spaCy model load before it is excluded — `scrapy bench` is measured the same way);
wall time including start-up is printed too. Peak memory is the crawling process's max RSS.

    .venv/bin/python bench/crawl.py [--pages 2000] [--json]
"""

from __future__ import annotations

import argparse
import hashlib
import html
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

BERLIN = ZoneInfo("Europe/Berlin")
PER_LISTING = 25
TARGET_SHARE = 0.5
TARGET_MB = 500


# --------------------------------------------------------------------------------------- the mirror


def build_mirror(base_url: str, pages: int, today: date) -> dict[str, bytes]:
    """path -> HTML of the mirror: `pages` event pages /m/<n> and listings /m/list?page=<p>."""
    from kontext.sample_site import expected_events, render

    templates = []
    for item in expected_events(today):
        if item["markup"] == "ics":  # their detail pages point at .ics files the mirror does not copy
            continue
        status, _, body = render(item["path"], today, base_url)
        if status == 200:
            templates.append((item["path"], item["title"], body.decode("utf-8")))
    site: dict[str, bytes] = {}
    for number in range(pages):
        path, title, text = templates[number % len(templates)]
        new_path, new_title = f"/m/{number}", f"{title} ({number})"
        text = text.replace(base_url + path, base_url + new_path).replace(f'"{path}"', f'"{new_path}"')
        for old, new in ((title, new_title), (html.escape(title), html.escape(new_title))):
            text = text.replace(old, new)
        text = text.replace(json.dumps(title)[1:-1], json.dumps(new_title)[1:-1])
        site[new_path] = text.encode("utf-8")
    listings = -(-pages // PER_LISTING)
    for page in range(1, listings + 1):
        links = "".join(
            f'<li><a href="/m/{number}">Termin {number}</a></li>'
            for number in range((page - 1) * PER_LISTING, min(page * PER_LISTING, pages))
        )
        more = f'<a rel="next" href="/m/list?page={page + 1}">weiter</a>' if page < listings else ""
        body = f"<!doctype html><html lang='de'><body><h1>Veranstaltungen</h1><ul>{links}</ul>{more}</body></html>"
        site[f"/m/list?page={page}"] = body.encode("utf-8")
    site["/robots.txt"] = b"User-agent: *\nAllow: /\n"
    return site


class _MirrorHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server: Any

    def do_GET(self) -> None:
        body = self.server.site.get(self.path)
        if body is None:
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        etag = '"' + hashlib.sha1(body, usedforsecurity=False).hexdigest()[:16] + '"'
        if etag in self.headers.get("If-None-Match", ""):
            self.send_response(304)
            self.send_header("ETag", etag)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_response(200)
        content_type = "text/plain" if self.path == "/robots.txt" else "text/html; charset=utf-8"
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("ETag", etag)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


def serve_mirror(pages: int, today: date) -> None:
    """Child process: serve the mirror and print its URL on the first line of stdout."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _MirrorHandler)
    server.daemon_threads = True
    url = f"http://127.0.0.1:{server.server_address[1]}"
    server.site = build_mirror(url, pages, today)
    print(url, len(server.site), flush=True)
    server.serve_forever()


# ----------------------------------------------------------------------------------------- crawling


def crawl_mirror(url: str, home: str, now: datetime) -> dict[str, Any]:
    """Child process: one full-pipeline crawl of the mirror with politeness off."""
    from crawler.run import run_crawl
    from kontext.settings import load_settings
    from kontext.sources import Source, SourceOrganizer

    settings = load_settings({**os.environ, "KONTEXT_HOME": home})
    source = Source(
        name="mirror",
        organizer=SourceOrganizer(name="IHK Musterland (Spiegel)", kind="chamber"),
        start_urls=[f"{url}/m/list?page=1"],
        event_links=r"/m/\d+$",
        follow_links=r"/m/list\?page=\d+$",
        local=True,
        max_pages=10_000,
    ).resolved()
    started = time.perf_counter()
    (report,) = run_crawl(settings, [source], meili=None, now=now, polite=False, extra_settings={"STATS_DUMP": False})
    wall = time.perf_counter() - started
    from kontext.store import Store

    store = Store.from_settings(settings)
    runs = store.crawl_runs("mirror", limit=1)
    events = store.count_events(source="mirror")
    store.close()
    run_stats = runs[0]["stats"]
    return {
        "pages": report.pages,
        "responses": int(run_stats.get("response_received_count", 0)),
        "seconds": float(run_stats.get("elapsed_time_seconds", 0.0)),
        "wall_seconds": wall,
        "new": report.new,
        "unchanged": report.unchanged,
        "pages_unchanged": report.pages_unchanged,
        "not_modified": report.not_modified,
        "errors": report.errors,
        "events_in_store": events,
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def run_child(*args: str) -> dict[str, Any]:
    result = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True, cwd=REPO)
    if result.returncode != 0:
        sys.exit(f"bench child {args[0]} failed:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def scrapy_bench() -> dict[str, Any]:
    """`scrapy bench` (10 s of link following on Scrapy's own local server, no processing)."""
    scrapy = Path(sys.executable).with_name("scrapy")
    command = [str(scrapy), "bench", "-s", "LOG_LEVEL=INFO"]
    with tempfile.TemporaryDirectory() as empty:  # not inside a Scrapy project
        result = subprocess.run(command, capture_output=True, text=True, cwd=empty)
    log = result.stderr
    received = re.search(r"'response_received_count': (\d+)", log)
    elapsed = re.search(r"'elapsed_time_seconds': ([\d.]+)", log)
    peak = re.search(r"'memusage/max': (\d+)", log)
    if result.returncode != 0 or not received or not elapsed:
        sys.exit(f"scrapy bench did not report its stats:\n{log[-3000:]}")
    return {
        "pages": int(received[1]),
        "seconds": float(elapsed[1]),
        "peak_mb": int(peak[1]) / 1024 / 1024 if peak else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=2000, help="event pages in the mirror (default 2000)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--crawl", metavar="URL", help=argparse.SUPPRESS)
    parser.add_argument("--home", help=argparse.SUPPRESS)
    args = parser.parse_args()
    today = datetime.now(BERLIN).date()
    now = datetime.now(BERLIN)
    if args.serve:
        serve_mirror(args.pages, today)
        return
    if args.crawl:
        print(json.dumps(crawl_mirror(args.crawl, args.home, now)))
        return

    server = subprocess.Popen(
        [sys.executable, __file__, "--serve", "--pages", str(args.pages)], stdout=subprocess.PIPE, text=True, cwd=REPO
    )
    try:
        url, served = server.stdout.readline().split()
        reference = scrapy_bench()
        with tempfile.TemporaryDirectory() as home:
            cold = run_child("--crawl", url, "--home", home)
            warm = run_child("--crawl", url, "--home", home)
    finally:
        server.terminate()
        server.wait(timeout=10)

    reference["rate"] = reference["pages"] / reference["seconds"]
    for run in (cold, warm):
        run["rate"] = run["responses"] / run["seconds"] if run["seconds"] else 0.0
    figures = {
        "mirror_pages": int(served) - 1,
        "scrapy_bench": reference,
        "kontext_cold": cold,
        "kontext_incremental": warm,
        "share_of_scrapy_bench": cold["rate"] / reference["rate"],
        "target_share": TARGET_SHARE,
        "target_peak_mb": TARGET_MB,
    }
    if args.json:
        print(json.dumps(figures, indent=2))
        return
    print(f"mirror: {figures['mirror_pages']} pages ({args.pages} event pages + listings), served locally")
    print(
        f"scrapy bench:              {reference['pages']:6d} pages in {reference['seconds']:6.1f} s = "
        f"{reference['rate']:6.1f} pages/s"
        + (f", peak {reference['peak_mb']:.0f} MB" if reference["peak_mb"] else "")
    )
    for label, run in (("kontext crawl (first)", cold), ("kontext crawl (again)", warm)):
        print(
            f"{label:26} {run['responses']:6d} pages in {run['seconds']:6.1f} s = {run['rate']:6.1f} pages/s, "
            f"peak {run['peak_mb']:.0f} MB, wall {run['wall_seconds']:.1f} s incl. start-up; "
            f"events new {run['new']}, unchanged {run['unchanged']}, pages not modified {run['not_modified']}, "
            f"not re-extracted {run['pages_unchanged']}, errors {run['errors']}"
        )
    share = figures["share_of_scrapy_bench"]
    verdict = "met" if share >= TARGET_SHARE and cold["peak_mb"] < TARGET_MB else "MISSED"
    print(
        f"full pipeline at {share:.0%} of the scrapy bench rate (target >= {TARGET_SHARE:.0%}), "
        f"peak {cold['peak_mb']:.0f} MB (target < {TARGET_MB} MB): {verdict}"
    )


if __name__ == "__main__":
    main()
