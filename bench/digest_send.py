"""How fast is the weekly digest run? Prints figures; asserts nothing.

10,000 subscribers with varied saved searches (sectors, topics, formats, regions, radius around a
town, search words, German and English) over 20,000 invented events in a real Meilisearch; every
digest is selected, rendered and delivered over SMTP to a local aiosmtpd server running in its own
process. Prints mails per second and the peak memory of the sending process, then reruns the same
week to show that nothing is sent twice.

    .venv/bin/python bench/digest_send.py [--events 20000] [--subscribers 10000] [--seed 7]
"""

from __future__ import annotations

import argparse
import multiprocessing
import random
import socket
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psutil

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from sqlalchemy import update  # noqa: E402

from digest.mailer import SmtpMailer, parse_smtp_url  # noqa: E402
from digest.searches import saved_search  # noqa: E402
from digest.sending import send_digests  # noqa: E402
from digest.subscribers import SubscriberRow, Subscribers  # noqa: E402
from kontext.records import Audience, Event, Geo, Organizer, Tag, Venue  # noqa: E402
from kontext.services import start_meili, stop_meili  # noqa: E402
from kontext.settings import load_settings  # noqa: E402
from kontext.store import Store  # noqa: E402
from kontext.vocabulary import AudienceLabel, EventFormat, OrganizerKind  # noqa: E402
from search.index import SearchIndex  # noqa: E402
from search.sync import sync_index  # noqa: E402
from search.vocabulary import load_vocabulary  # noqa: E402

NOW = datetime(2027, 3, 1, 7, 0, tzinfo=UTC)
CONNECTIONS = 2
CITIES = [
    ("Hannover", "Niedersachsen", 52.3705, 9.7332),
    ("Hamburg", "Hamburg", 53.5511, 9.9937),
    ("Bremen", "Bremen", 53.0793, 8.8017),
    ("Berlin", "Berlin", 52.5200, 13.4050),
    ("Leipzig", "Sachsen", 51.3397, 12.3731),
    ("Dresden", "Sachsen", 51.0504, 13.7373),
    ("Köln", "Nordrhein-Westfalen", 50.9375, 6.9603),
    ("Düsseldorf", "Nordrhein-Westfalen", 51.2277, 6.7735),
    ("Dortmund", "Nordrhein-Westfalen", 51.5136, 7.4653),
    ("Frankfurt am Main", "Hessen", 50.1109, 8.6821),
    ("Stuttgart", "Baden-Württemberg", 48.7758, 9.1829),
    ("Karlsruhe", "Baden-Württemberg", 49.0069, 8.4037),
    ("München", "Bayern", 48.1351, 11.5820),
    ("Nürnberg", "Bayern", 49.4521, 11.0767),
    ("Erfurt", "Thüringen", 50.9848, 11.0299),
    ("Kiel", "Schleswig-Holstein", 54.3233, 10.1228),
]
WORDS = ["Messe", "Digitalisierung", "Workshop", "Export", "Nachhaltigkeit", "Fachkräfte", "Förderung",
         "Netzwerk", "Automatisierung", "Verpackung", "Wasserstoff", "Logistik"]  # fmt: skip
TITLES = ["Fachtagung", "Unternehmerfrühstück", "Praxisworkshop", "Branchentreff", "Sprechtag", "Fachmesse",
          "Webinar", "Netzwerkabend", "Kooperationsbörse", "Forum"]  # fmt: skip
AUDIENCES = (
    [AudienceLabel.SME] * 6 + [AudienceLabel.MIXED] * 2 + [AudienceLabel.STARTUP, AudienceLabel.PUBLIC]
)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def smtp_process(port: int, counter, ready) -> None:
    """A counting SMTP server in its own process, so it does not compete for the sender's GIL."""
    from aiosmtpd.controller import Controller

    class Counter:
        async def handle_DATA(self, server, session, envelope):
            with counter.get_lock():
                counter.value += 1
            return "250 OK"

    controller = Controller(Counter(), hostname="127.0.0.1", port=port)
    controller.start()
    ready.set()
    threading.Event().wait()


def make_events(count: int, rng: random.Random, sectors: list[str], topics: list[str]) -> list[Event]:
    events = []
    formats = list(EventFormat)
    for number in range(count):
        city, region, lat, lng = rng.choice(CITIES)
        word = rng.choice(WORDS)
        chosen = rng.sample(sectors, rng.choice([0, 1, 1, 1, 2]))
        events.append(
            Event(
                id=f"b{number:06d}",
                title=f"{rng.choice(TITLES)} {word} {city} {number}",
                description=f"{word} für Unternehmen der Region {region}. " * rng.randint(2, 8),
                start=NOW + timedelta(days=rng.uniform(0.5, 120), hours=rng.randint(0, 10)),
                venue=Venue(
                    name=f"Haus {number % 97}",
                    city=city,
                    region=region,
                    country="DE",
                    geo=Geo(lat=lat + rng.uniform(-0.2, 0.2), lng=lng + rng.uniform(-0.2, 0.2)),
                ),
                organizer=Organizer(name=f"Kammer {city}", kind=OrganizerKind.CHAMBER),
                format=rng.choice(formats),
                sectors=[Tag(code=code, evidence=[word, f"{code} Begriff"]) for code in chosen],
                topics=[
                    Tag(code=code, evidence=[word]) for code in rng.sample(topics, rng.choice([0, 0, 1]))
                ],
                audience=Audience(
                    label=rng.choice(AUDIENCES), sme_score=rng.random(), evidence=["Unternehmer"]
                ),
                url=f"https://veranstalter.example/{number}",
                source="bench",
            )
        )
    return events


def make_search(rng: random.Random, sectors: list[str], topics: list[str]) -> dict[str, list[str]]:
    params: list[tuple[str, str]] = [
        ("sector", code) for code in rng.sample(sectors, rng.choice([1, 1, 2, 3]))
    ]
    if rng.random() < 0.3:
        params.append(("topic", rng.choice(topics)))
    if rng.random() < 0.3:
        params.append(("q", rng.choice(WORDS)))
    roll = rng.random()
    if roll < 0.3:
        city = rng.choice(CITIES)
        params += [("near", city[0]), ("km", str(rng.choice([25, 50, 100, 200])))]
    elif roll < 0.5:
        params.append(("region", rng.choice(CITIES)[1]))
    if rng.random() < 0.1:
        params.append(("audience", "all"))
    if rng.random() < 0.1:
        params.append(("format", rng.choice(list(EventFormat)).value))
    return saved_search(params)


class PeakMemory:
    """Samples this process's resident memory every 50 ms while running."""

    def __init__(self) -> None:
        self.process = psutil.Process()
        self.peak = self.process.memory_info().rss
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stop.wait(0.05):
            self.peak = max(self.peak, self.process.memory_info().rss)

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self.process.memory_info().rss)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--subscribers", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rng = random.Random(args.seed)

    with tempfile.TemporaryDirectory(prefix="kontext-digest-bench-") as tmp:
        home = Path(tmp)
        port = free_port()
        counter, ready = multiprocessing.Value("l", 0), multiprocessing.Event()
        server = multiprocessing.Process(target=smtp_process, args=(port, counter, ready), daemon=True)
        server.start()
        ready.wait(30)
        base = {"KONTEXT_HOME": str(home), "KONTEXT_SECRET_KEY": "bench-secret-0123456789"}
        meili = start_meili(load_settings({"PATH": "/usr/bin:/bin", **base}))
        settings = load_settings(
            {
                "PATH": "/usr/bin:/bin",
                **base,
                "MEILI_URL": meili.url,
                "MEILI_MASTER_KEY": meili.key or "",
                "SMTP_URL": f"smtp://127.0.0.1:{port}",
                "KONTEXT_BASE_URL": "https://kontext.example",
            }
        )
        store = Store.from_settings(settings)
        index = SearchIndex(meili, settings.events_index)
        try:
            vocabulary = load_vocabulary(settings.config_dir)
            sectors, topics = vocabulary.codes("sectors"), vocabulary.codes("topics")
            started = time.perf_counter()
            events = make_events(args.events, rng, sectors, topics)
            # A quarter of the events are new since last week's digest, the rest older.
            cut = len(events) // 4
            store.upsert_events(events[cut:], now=NOW - timedelta(days=20))
            store.upsert_events(events[:cut], now=NOW - timedelta(days=2))
            sync_index(store, index)
            searches = [make_search(rng, sectors, topics) for _ in range(args.subscribers)]
            book = Subscribers(store)
            book.add_many(
                [
                    (f"s{n:05d}@bench.example", search, rng.choice(["de", "de", "en"]))
                    for n, search in enumerate(searches)
                ],
                NOW - timedelta(days=30),
            )
            with store.session() as session, session.begin():  # two thirds had last week's digest
                session.execute(
                    update(SubscriberRow)
                    .where(SubscriberRow.id % 3 != 0)
                    .values(last_digest_at=NOW - timedelta(days=7))
                )
            setup = time.perf_counter() - started
            distinct = len({repr(sorted(search.items())) for search in searches})
            del events, searches  # the run reads everything from the store and the index
            print(f"setup: {args.events} events stored and indexed, {args.subscribers} subscribers "
                  f"({distinct} distinct searches) in {setup:.1f} s")  # fmt: skip
            load = ", ".join(f"{value:.1f}" for value in psutil.getloadavg())
            print(f"machine: {psutil.cpu_count()} CPUs, load average {load} before the run")

            # As `kontext digest send` does by default: two SMTP connections.
            mailers = [SmtpMailer(parse_smtp_url(settings.smtp_url)) for _ in range(CONNECTIONS)]
            with PeakMemory() as memory:
                started = time.perf_counter()
                report = send_digests(settings, store, index, mailers, NOW)
                elapsed = time.perf_counter() - started
            for mailer in mailers:
                mailer.close()
            time.sleep(0.5)
            received = counter.value
            print(f"digest run: {report.sent} mails sent ({received} received by the SMTP server), "
                  f"{report.empty} with nothing new, {report.queries} Meilisearch queries")  # fmt: skip
            print(f"time: {elapsed:.1f} s for {report.subscribers} subscribers")
            rate, pace = report.sent / elapsed, report.subscribers / elapsed
            print(f"throughput: {rate:.1f} mails/s ({pace:.1f} subscribers/s)")
            print(f"peak memory (RSS of the sending process): {memory.peak / 2**20:.0f} MiB")

            mailer = SmtpMailer(parse_smtp_url(settings.smtp_url))
            started = time.perf_counter()
            rerun = send_digests(settings, store, index, mailer, NOW + timedelta(hours=1))
            mailer.close()
            print(f"rerun of the same week: {rerun.sent} sent, {rerun.already_sent} already sent, "
                  f"in {time.perf_counter() - started:.1f} s")  # fmt: skip
        finally:
            index.close()
            store.close()
            stop_meili(load_settings({"PATH": "/usr/bin:/bin", **base}))
            server.terminate()
            server.join(10)


if __name__ == "__main__":
    main()
