"""Indexing speed: events from the store into Meilisearch through Kontext's outbox, against the raw
client's add-documents, in the same run, at 10,000 and 100,000 events. Prints figures; asserts nothing.

    .venv/bin/python bench/indexing.py [--sizes 10000 100000] [--batch 2000] [--seed 7] [--no-rebuild]

For each size, on one Meilisearch (MEILI_URL, else a throwaway server started here), each phase in
its own process so that its peak memory is its own (the largest resident set of that process):

    store upsert      the generated events into a fresh SQLite store (Store.upsert_events)
    kontext sync      `kontext index`'s work: read the outbox, build documents, add them, mark them
                      indexed (search.sync.sync_index, batches of --batch), into an index created
                      with its settings before the clock starts
    raw add-docs      the same events as documents built beforehand (not timed) sent with the
                      official client's add_documents_in_batches, waiting for every task, into an
                      index created with the same settings before the clock starts
    documents built   building those documents (search.index.event_document), timed on its own
    kontext rebuild   a full rebuild into a fresh index, swapped in (search.sync.rebuild_index)

Both index writes use the product's index settings (synonyms, filterable and sortable attributes),
so Meilisearch does the same work; the difference is Kontext's own cost. Meilisearch's peak memory
is sampled every 0.1 s while a phase runs (a managed server only). The last line of each size is
machine-readable (`RESULT {...}`) for bench/run_all.py.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import suppress
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psutil

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from kontext.records import Audience, Event, Geo, Organizer, Price, Tag, Venue  # noqa: E402
from kontext.services import MEILI_VERSION, Meili, meili_session  # noqa: E402
from kontext.settings import load_settings  # noqa: E402
from kontext.vocabulary import Attendance, AudienceLabel, EventFormat, OrganizerKind  # noqa: E402

REFERENCE = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
TOWNS = {
    "Hannover": (52.3759, 9.7320, "Niedersachsen"),
    "Bremen": (53.0793, 8.8017, "Bremen"),
    "Leipzig": (51.3397, 12.3731, "Sachsen"),
    "Stuttgart": (48.7758, 9.1829, "Baden-Württemberg"),
    "München": (48.1351, 11.5820, "Bayern"),
    "Köln": (50.9375, 6.9603, "Nordrhein-Westfalen"),
    "Kassel": (51.3127, 9.4797, "Hessen"),
    "Rostock": (54.0924, 12.0991, "Mecklenburg-Vorpommern"),
}
SECTORS = {
    "machinery": ["Maschinenbau", "Werkzeugmaschinen", "Antriebstechnik"],
    "logistics": ["Logistik", "Lagerlogistik", "Spedition"],
    "food": ["Lebensmittelindustrie", "Lebensmittelhandwerk", "Getränke"],
    "energy": ["Wasserstoffwirtschaft", "Energieeffizienz", "Photovoltaik"],
    "construction": ["Bauhandwerk", "Holzbau", "Gebäudetechnik"],
    "ict": ["Digitalisierung", "Cybersicherheit", "Softwareentwicklung"],
}
FORMATS = {
    "seminar": "Seminar",
    "conference": "Fachtagung",
    "networking": "Netzwerkabend",
    "trade-fair": "Messe",
    "webinar": "Webinar",
}
WORDS = [
    "Betriebe",
    "Unternehmer",
    "Mittelstand",
    "Fachkräfte",
    "Fördermittel",
    "Export",
    "Qualität",
    "Zulieferer",
    "Werkstatt",
    "Praxis",
    "Handwerk",
    "Innovation",
    "Nachfolge",
    "Vertrieb",
    "Einkauf",
    "Recht",
    "Steuern",
    "Ausbildung",
    "Normen",
    "Kunden",
]


def generate(count: int, seed: int) -> Iterator[Event]:
    """`count` plausible events, the same for the same seed (titles, ~80-word descriptions, places, tags)."""
    rng = random.Random(seed)
    towns = list(TOWNS)
    for number in range(count):
        sector = rng.choice(list(SECTORS))
        form = rng.choice(list(FORMATS))
        town = rng.choice(towns)
        lat, lng, region = TOWNS[town]
        start = REFERENCE + timedelta(days=rng.uniform(0, 365), hours=rng.choice([0, 2, 5, 9]))
        title = f"{FORMATS[form]} {rng.choice(SECTORS[sector])} {town} {number % 97 + 1}"
        description = f"{title}: " + " ".join(rng.choice(WORDS) for _ in range(80))
        yield Event(
            id=f"ix{number:07d}",
            title=title,
            description=description,
            url=f"https://kammer.example/termine/{number}",
            start=start,
            end=start + timedelta(hours=rng.choice([2, 3, 8])),
            attendance=Attendance.OFFLINE,
            venue=Venue(
                name=f"Saal {number % 50}",
                postcode=f"{10000 + number % 89999}",
                city=town,
                region=region,
                country="DE",
                geo=Geo(lat=lat, lng=lng),
            ),
            organizer=Organizer(name=f"Kammer {number % 300}", kind=OrganizerKind.CHAMBER),
            format=EventFormat(form),
            sectors=[Tag(code=sector, evidence=[rng.choice(SECTORS[sector])])],
            audience=Audience(label=AudienceLabel.SME, sme_score=round(rng.random(), 3), evidence=["Betriebe"]),
            price=Price(free=rng.random() < 0.3),
            source=f"source{number % 40}",
        )


# --- phases, each run in its own process ---------------------------------------------------------


def _meili(args: argparse.Namespace) -> Meili:
    return Meili(url=args.meili_url, key=os.environ.get("BENCH_MEILI_KEY") or None, managed=False)


def phase_store(args: argparse.Namespace) -> dict[str, Any]:
    from kontext.store import Store

    store = Store(f"sqlite:///{args.db}")
    started = time.perf_counter()
    chunk: list[Event] = []
    for event in generate(args.size, args.seed):
        chunk.append(event)
        if len(chunk) == 5000:
            store.upsert_events(chunk, now=REFERENCE)
            chunk = []
    store.upsert_events(chunk, now=REFERENCE)
    seconds = time.perf_counter() - started
    count = store.count_dirty()
    store.close()
    return {"seconds": seconds, "events": count}


def phase_sync(args: argparse.Namespace) -> dict[str, Any]:
    from kontext.store import Store
    from search.index import SearchIndex
    from search.sync import sync_index

    store = Store(f"sqlite:///{args.db}")
    index = SearchIndex(_meili(args), args.uid)
    index.ensure()  # created with its settings before the clock starts, as the raw phase's index is
    started = time.perf_counter()
    report = sync_index(store, index, batch=args.batch)
    seconds = time.perf_counter() - started
    result = {"seconds": seconds, "events": report.indexed, "remaining": report.remaining, "in_index": index.count()}
    index.close()
    store.close()
    return result


def phase_raw(args: argparse.Namespace) -> dict[str, Any]:
    import meilisearch

    from search.index import EVENT_INDEX_SETTINGS, event_document

    events = list(generate(args.size, args.seed))
    started = time.perf_counter()
    documents = [event_document(event) for event in events]
    built = time.perf_counter() - started
    del events
    client = meilisearch.Client(args.meili_url, os.environ.get("BENCH_MEILI_KEY") or None, timeout=600)
    client.wait_for_task(client.create_index(args.uid, {"primaryKey": "id"}).task_uid, timeout_in_ms=600_000)
    client.wait_for_task(client.index(args.uid).update_settings(EVENT_INDEX_SETTINGS).task_uid, timeout_in_ms=600_000)
    started = time.perf_counter()
    tasks = client.index(args.uid).add_documents_in_batches(documents, batch_size=args.batch, primary_key="id")
    for task in tasks:
        done = client.wait_for_task(task.task_uid, timeout_in_ms=3_600_000, interval_in_ms=20)
        if done.status != "succeeded":
            raise SystemExit(f"raw add-documents failed: {done.error}")
    seconds = time.perf_counter() - started
    count = client.index(args.uid).get_stats().number_of_documents
    return {"seconds": seconds, "events": len(documents), "build_seconds": built, "in_index": count}


def phase_rebuild(args: argparse.Namespace) -> dict[str, Any]:
    from kontext.store import Store
    from search.index import SearchIndex
    from search.sync import rebuild_index

    store = Store(f"sqlite:///{args.db}")
    index = SearchIndex(_meili(args), args.uid)
    started = time.perf_counter()
    count = rebuild_index(store, index)
    seconds = time.perf_counter() - started
    index.close()
    store.close()
    return {"seconds": seconds, "events": count}


PHASES = {"store": phase_store, "sync": phase_sync, "raw": phase_raw, "rebuild": phase_rebuild}


# --- the orchestration ---------------------------------------------------------------------------


class MemorySampler:
    """The peak resident set of one process (Meilisearch), sampled while a phase runs."""

    def __init__(self, pid: int | None) -> None:
        self.process = psutil.Process(pid) if pid else None
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set() and self.process is not None:
            try:
                self.peak = max(self.peak, self.process.memory_info().rss)
            except psutil.Error:
                return
            self._stop.wait(0.1)

    def __enter__(self) -> MemorySampler:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)


def run_phase(name: str, size: int, args: argparse.Namespace, meili: Meili, db: Path, uid: str) -> dict[str, Any]:
    """One phase in a child process: its figures, its own peak RSS and Meilisearch's."""
    command = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--phase",
        name,
        "--size",
        str(size),
        "--seed",
        str(args.seed),
        "--batch",
        str(args.batch),
        "--db",
        str(db),
        "--uid",
        uid,
        "--meili-url",
        meili.url,
    ]
    env = {**os.environ, "BENCH_MEILI_KEY": meili.key or "", "OMP_NUM_THREADS": "1"}
    with MemorySampler(meili.pid) as sampler:
        process = subprocess.Popen(command, stdout=subprocess.PIPE, env=env, text=True)
        assert process.stdout is not None
        output = process.stdout.read()
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise SystemExit(f"phase {name} at {size} events failed (exit {process.returncode})")
    result = json.loads(output.strip().splitlines()[-1])
    result["peak_mib"] = usage.ru_maxrss / 1024  # kilobytes on Linux
    result["meili_peak_mib"] = sampler.peak / 2**20 if sampler.peak else None
    return result


def _rate(result: dict[str, Any]) -> float:
    return result["events"] / result["seconds"] if result["seconds"] else 0.0


def _memory(result: dict[str, Any]) -> str:
    meili = result.get("meili_peak_mib")
    return f"peak RSS {result['peak_mib']:.0f} MiB" + (f", Meilisearch {meili:.0f} MiB" if meili else "")


def measure(size: int, args: argparse.Namespace, meili: Meili, tmp: Path) -> dict[str, Any]:
    import meilisearch

    prefix = f"ix{uuid.uuid4().hex[:8]}"
    db = tmp / f"store-{size}.db"
    figures: dict[str, Any] = {"events": size}
    try:
        store = run_phase("store", size, args, meili, db, "")
        print(f"{size} events: store upsert {store['seconds']:.1f} s ({_rate(store):.0f} events/s, {_memory(store)})")
        sync = run_phase("sync", size, args, meili, db, f"{prefix}_sync")
        assert sync["in_index"] == size and sync["remaining"] == 0, sync
        print(
            f"  kontext sync (store -> outbox -> index)  {sync['seconds']:7.1f} s  {_rate(sync):7.0f} events/s  "
            f"{_memory(sync)}"
        )
        raw = run_phase("raw", size, args, meili, db, f"{prefix}_raw")
        assert raw["in_index"] == size, raw
        print(
            f"  raw add-documents (prebuilt documents)   {raw['seconds']:7.1f} s  {_rate(raw):7.0f} events/s  "
            f"{_memory(raw)}"
        )
        print(
            f"  documents built (event_document)         {raw['build_seconds']:7.1f} s  "
            f"{size / raw['build_seconds']:7.0f} documents/s"
        )
        figures.update(
            store_rate=_rate(store),
            sync_rate=_rate(sync),
            raw_rate=_rate(raw),
            build_rate=size / raw["build_seconds"],
            store_peak_mib=store["peak_mib"],
            sync_peak_mib=sync["peak_mib"],
            raw_peak_mib=raw["peak_mib"],
            meili_peak_mib=max(filter(None, [sync["meili_peak_mib"], raw["meili_peak_mib"]]), default=None),
        )
        if args.rebuild:
            rebuild = run_phase("rebuild", size, args, meili, db, f"{prefix}_sync")
            print(
                f"  kontext rebuild + swap                   {rebuild['seconds']:7.1f} s  "
                f"{_rate(rebuild):7.0f} events/s  {_memory(rebuild)}"
            )
            figures.update(rebuild_rate=_rate(rebuild), rebuild_peak_mib=rebuild["peak_mib"])
        figures["ratio"] = figures["sync_rate"] / figures["raw_rate"]
        print(f"  kontext sync / raw add-documents: {figures['ratio']:.2f}x the raw rate")
    finally:
        client = meilisearch.Client(meili.url, meili.key)
        for suffix in ("sync", "raw"):
            with suppress(meilisearch.errors.MeilisearchApiError):
                client.delete_index(f"{prefix}_{suffix}")
        db.unlink(missing_ok=True)
    print(
        "RESULT "
        + json.dumps({key: round(value, 2) if isinstance(value, float) else value for key, value in figures.items()})
    )
    return figures


def main(argv: list[str] | None = None) -> int:
    """Run the bench (or, with --phase, one phase of it) and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--batch", type=int, default=2000, help="documents per write (sync_index's default)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--no-rebuild", dest="rebuild", action="store_false", help="skip the full rebuild")
    parser.add_argument("--phase", choices=sorted(PHASES), help=argparse.SUPPRESS)
    parser.add_argument("--size", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--db", help=argparse.SUPPRESS)
    parser.add_argument("--uid", help=argparse.SUPPRESS)
    parser.add_argument("--meili-url", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.phase:
        print(json.dumps(PHASES[args.phase](args)))
        return 0
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    print(
        f"indexing bench {datetime.now(UTC).date().isoformat()} on {platform.node()}: {os.cpu_count()} CPUs, "
        f"load average {load}"
    )
    with (
        tempfile.TemporaryDirectory(prefix="kontext-indexing-") as tmp,
        meili_session(load_settings({**os.environ, "KONTEXT_HOME": f"{tmp}/meili"})) as meili,
    ):
        print(
            f"Meilisearch {MEILI_VERSION if meili.managed else '(MEILI_URL)'} at {meili.url}; "
            f"writes of {args.batch} documents"
        )
        results = [measure(size, args, meili, Path(tmp)) for size in args.sizes]
    print()
    print(
        f"{'events':>8} {'store/s':>8} {'sync/s':>8} {'raw/s':>8} {'sync/raw':>9} {'rebuild/s':>10} "
        f"{'sync MiB':>9} {'meili MiB':>10}"
    )
    for row in results:
        rebuild = f"{row['rebuild_rate']:10.0f}" if "rebuild_rate" in row else f"{'-':>10}"
        meili_mib = f"{row['meili_peak_mib']:10.0f}" if row.get("meili_peak_mib") else f"{'-':>10}"
        print(
            f"{row['events']:>8} {row['store_rate']:8.0f} {row['sync_rate']:8.0f} {row['raw_rate']:8.0f} "
            f"{row['ratio']:8.2f}x {rebuild} {row['sync_peak_mib']:9.0f} {meili_mib}"
        )
    if len(results) > 1:
        first, last = results[0], results[-1]
        growth = last["events"] / first["events"]
        per_event = (first["events"] / first["sync_rate"], last["events"] / last["sync_rate"])
        print(
            f"growth {first['events']} -> {last['events']} events ({growth:.0f}x): sync time "
            f"{per_event[0]:.1f} s -> {per_event[1]:.1f} s ({per_event[1] / per_event[0]:.1f}x), "
            f"cost per event {1000 / first['sync_rate']:.2f} ms -> {1000 / last['sync_rate']:.2f} ms"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
