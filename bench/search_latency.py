"""Search latency at 100,000 events: through Kontext's HTTP API and directly against Meilisearch.

    .venv/bin/python bench/search_latency.py [--events 100000] [--queries 1000] [--seed 7]

Generates events (seeded, German titles and descriptions from a small vocabulary, sectors, topics,
formats, audiences, places around 30 German towns, dates over the next year), indexes them with
the product's own settings and documents (search/index.py), then runs one mix of searches — text
(compounds, synonyms, English), filters (sector, format, audience default or lifted, region,
radius, date period, attendance, free), facets, sorts, pages — three ways, one request at a time
over a persistent connection, in the same run:

    meilisearch raw     the exact request bodies Kontext sends (search, or multi-search when a
                        facet needs its own counts), straight to Meilisearch, fresh connections
    raw, kept alive     the same over one kept-alive connection (stalls on TCP delayed ACKs)
    meilisearch-python  the official client, one search per call (a new connection each time)
    api /api/events     `kontext serve` in its own process: query layer + Meilisearch + JSON
    page /              the same searches as the server-rendered HTML page

Targets (2-core machine): API p50 <= 20 ms, p99 <= 60 ms, API p50 within 2x of raw Meilisearch.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

import httpx
import meilisearch

from kontext.records import Audience, Event, Geo, Organizer, Price, Tag, Venue
from kontext.services import Meili, meili_session
from kontext.settings import PROJECT_ROOT, load_settings
from kontext.vocabulary import Attendance, AudienceLabel, EventFormat, OrganizerKind
from search.index import SearchIndex, event_document
from search.query import SearchQuery

KONTEXT = PROJECT_ROOT / ".venv" / "bin" / "kontext"
TOWNS = {
    "Hannover": (52.3705, 9.7332, "Niedersachsen"),
    "Celle": (52.6226, 10.0805, "Niedersachsen"),
    "Braunschweig": (52.2689, 10.5268, "Niedersachsen"),
    "Oldenburg": (53.1435, 8.2146, "Niedersachsen"),
    "Osnabrück": (52.2799, 8.0472, "Niedersachsen"),
    "Hamburg": (53.5511, 9.9937, "Hamburg"),
    "Bremen": (53.0793, 8.8017, "Bremen"),
    "Berlin": (52.5200, 13.4050, "Berlin"),
    "Potsdam": (52.3906, 13.0645, "Brandenburg"),
    "Leipzig": (51.3397, 12.3731, "Sachsen"),
    "Dresden": (51.0504, 13.7373, "Sachsen"),
    "Chemnitz": (50.8278, 12.9214, "Sachsen"),
    "Magdeburg": (52.1205, 11.6276, "Sachsen-Anhalt"),
    "Erfurt": (50.9848, 11.0299, "Thüringen"),
    "Köln": (50.9375, 6.9603, "Nordrhein-Westfalen"),
    "Düsseldorf": (51.2277, 6.7735, "Nordrhein-Westfalen"),
    "Dortmund": (51.5136, 7.4653, "Nordrhein-Westfalen"),
    "Bielefeld": (52.0302, 8.5325, "Nordrhein-Westfalen"),
    "Münster": (51.9607, 7.6261, "Nordrhein-Westfalen"),
    "Frankfurt am Main": (50.1109, 8.6821, "Hessen"),
    "Kassel": (51.3127, 9.4797, "Hessen"),
    "Mainz": (49.9929, 8.2473, "Rheinland-Pfalz"),
    "Saarbrücken": (49.2402, 6.9969, "Saarland"),
    "Stuttgart": (48.7758, 9.1829, "Baden-Württemberg"),
    "Karlsruhe": (49.0069, 8.4037, "Baden-Württemberg"),
    "Freiburg im Breisgau": (47.9990, 7.8421, "Baden-Württemberg"),
    "München": (48.1351, 11.5820, "Bayern"),
    "Nürnberg": (49.4521, 11.0767, "Bayern"),
    "Würzburg": (49.7913, 9.9534, "Bayern"),
    "Kiel": (54.3233, 10.1228, "Schleswig-Holstein"),
}
SECTOR_WORDS = {
    "machinery": ["Maschinenbau", "Anlagenbau", "Antriebstechnik", "Werkzeugmaschinen", "Robotik"],
    "energy": ["Wasserstoff", "Energieeffizienz", "Photovoltaik", "Stromspeicher", "Windenergie"],
    "logistics": ["Logistik", "Lagerautomatisierung", "Spedition", "Lieferketten", "Intralogistik"],
    "food": ["Lebensmittel", "Lebensmittelhandwerk", "Getränke", "Bäckerei", "Kennzeichnung"],
    "crafts": ["Handwerk", "Handwerksbetriebe", "Meisterkurs", "Betriebsnachfolge", "Elektrohandwerk"],
    "ict": ["IT-Sicherheit", "Software", "Cloud", "Digitalisierung", "Rechenzentren"],
    "construction": ["Bau", "Baustelle", "Holzbau", "Sanierung", "BIM"],
    "health": ["Medizintechnik", "Pflege", "Gesundheitswirtschaft", "Praxis", "Klinik"],
    "chemicals": ["Kunststoff", "Chemie", "Verpackung", "Recycling", "Pharma"],
    "vehicles": ["Fahrzeugbau", "Automobil", "Zulieferer", "Elektromobilität", "Luftfahrt"],
}
FORMAT_WORDS = {
    "trade-fair": ["Fachmesse", "Messe", "Verpackungsmesse", "Ausstellung"],
    "conference": ["Fachtagung", "Kongress", "Forum", "Branchentag"],
    "seminar": ["Seminar", "Workshop", "Praxisworkshop", "Lehrgang"],
    "webinar": ["Webinar", "Online-Seminar"],
    "networking": ["Stammtisch", "Unternehmerfrühstück", "Netzwerktreffen", "Business-Lunch"],
    "info-session": ["Sprechtag", "Infoabend", "Beratungstag"],
    "matchmaking": ["Kooperationsbörse", "Matchmaking"],
    "pitch": ["Pitch Night", "Demo Day"],
    "hackathon": ["Hackathon", "Barcamp"],
    "other": ["Sommerfest", "Markt"],
}
TOPICS = ["digitalization", "ai", "sustainability", "innovation", "funding", "workforce", "international", "succession"]
AUDIENCES = [("sme", 0.55), ("mixed", 0.1), ("startup", 0.12), ("professional", 0.13), ("public", 0.1)]
FILLER = (
    "Praxisnahe Vorträge, Austausch unter Unternehmen der Region und Gespräche mit Expertinnen und Experten. "
    "Die Teilnehmerzahl ist begrenzt; eine Anmeldung ist erforderlich. Kaffee und Imbiss sind inbegriffen."
)
TEXTS = [
    "Maschinenbau", "Messe", "Verpackungsmesse", "Wasserstoff", "hydrogen", "KMU", "Logistik", "Handwerk",
    "Digitalisierung", "trade fair", "mechanical engineering", "Stammtisch", "Energieeffizienz", "IT-Sicherheit",
    "Förderung", "Medizintechnik", "Nachfolge", "Wassersotff", "Kooperationsbörse", "Lebensmittel",
    "Photovoltaik Speicher", "Messe Hannover", "", "", "",
]  # fmt: skip


def generate(count: int, now: datetime, seed: int) -> Iterator[Event]:
    """`count` plausible events, the same for the same seed."""
    rng = random.Random(seed)
    towns = list(TOWNS)
    labels, weights = zip(*AUDIENCES, strict=True)
    for number in range(count):
        sector = rng.choice(list(SECTOR_WORDS))
        second = rng.choice(list(SECTOR_WORDS)) if rng.random() < 0.3 else None
        form = rng.choice(list(FORMAT_WORDS))
        town = rng.choice(towns)
        lat, lng, region = TOWNS[town]
        online = form == "webinar" or rng.random() < 0.08
        audience = rng.choices(labels, weights)[0]
        start = now + timedelta(days=rng.uniform(-30, 365), hours=rng.choice([0, 2, 5, 9]))
        topic = [rng.choice(TOPICS)] if rng.random() < 0.5 else []
        words = SECTOR_WORDS[sector]
        title = f"{rng.choice(FORMAT_WORDS[form])} {rng.choice(words)}" + (
            f" und {rng.choice(SECTOR_WORDS[second])}" if second else ""
        )
        title += f" {town}" if rng.random() < 0.5 else f" {number % 97 + 1}. Ausgabe"
        description = f"{title}: {rng.choice(words)} und {rng.choice(words)} für Betriebe. {FILLER}"
        place = Geo(lat=lat + rng.uniform(-0.05, 0.05), lng=lng + rng.uniform(-0.05, 0.05))
        venue = Venue(
            name=f"Saal {number % 50}", postcode=f"{10000 + number % 89999}", city=town, region=region, geo=place
        )
        codes = [code for code in dict.fromkeys([sector, second]) if code]
        yield Event(
            id=f"e{number:06d}",
            title=title,
            description=description,
            url=f"https://events.example/{number}",
            start=start,
            end=start + timedelta(hours=rng.choice([2, 3, 8, 26, 50])),
            attendance=Attendance.ONLINE if online else rng.choice([Attendance.OFFLINE] * 6 + [Attendance.MIXED]),
            venue=None if online else venue,
            organizer=Organizer(name=f"Organisation {number % 1500}", kind=rng.choice(list(OrganizerKind))),
            format=EventFormat(form),
            sectors=[Tag(code=code, evidence=[rng.choice(SECTOR_WORDS[code])]) for code in codes],
            topics=[Tag(code=code) for code in topic],
            audience=Audience(
                label=AudienceLabel(audience), sme_score=round(rng.random(), 3), evidence=["Fachbesucher"]
            ),
            price=Price(free=rng.random() < 0.3),
            source=f"source{number % 40}",
            first_seen=now - timedelta(days=rng.uniform(0, 60)),
            updated=now,
        )


def query_mix(count: int, seed: int) -> list[dict[str, str | list[str]]]:
    """Search-page parameter sets: text, filters, radius, dates, sorts, pages."""
    rng = random.Random(seed + 1)
    mix = []
    for _ in range(count):
        params: dict[str, str | list[str]] = {}
        text = rng.choice(TEXTS)
        if text:
            params["q"] = text
        if rng.random() < 0.35:
            params["sector"] = rng.sample(list(SECTOR_WORDS), rng.choice([1, 1, 2]))
        if rng.random() < 0.2:
            params["format"] = rng.choice(list(FORMAT_WORDS))
        if rng.random() < 0.15:
            params["audience"] = "all"
        if rng.random() < 0.15:
            params["region"] = TOWNS[rng.choice(list(TOWNS))][2]
        if rng.random() < 0.25:
            params["near"] = f"{TOWNS[rng.choice(list(TOWNS))][0]},{TOWNS[rng.choice(list(TOWNS))][1]}"
            params["km"] = rng.choice(["25", "50", "100"])
        if rng.random() < 0.3:
            params["to"] = rng.choice(["P30D", "P3M", "P6M"])
        if rng.random() < 0.1:
            params["attendance"] = rng.choice(["online", "offline"])
        if rng.random() < 0.1:
            params["free"] = "1"
        if rng.random() < 0.2:
            params["sort"] = rng.choice(["date", "sme"])
        if rng.random() < 0.15:
            params["page"] = rng.choice(["2", "3"])
        mix.append(params)
    return mix


@contextmanager
def kontext_serve(meili: Meili, prefix: str, home: Path) -> Iterator[str]:
    """`kontext serve` in its own process, as in production (one uvicorn worker)."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {
        **os.environ,
        "KONTEXT_HOME": str(home / "serve"),
        "MEILI_URL": meili.url,
        "MEILI_MASTER_KEY": meili.key or "",
        "KONTEXT_INDEX_PREFIX": prefix,
    }
    process = subprocess.Popen(
        [str(KONTEXT), "serve", "--port", str(port)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(
                    f"kontext serve did not start: {process.stderr.read().decode()[-500:] if process.stderr else ''}"
                )
            time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)


def timed(call, items) -> list[float]:
    """Milliseconds per call, one call at a time."""
    samples = []
    for item in items:
        started = time.perf_counter()
        call(item)
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def percentile(samples: list[float], share: float) -> float:
    """The nearest-rank percentile of the samples."""
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def main(argv: list[str] | None = None) -> int:
    """Run the bench and print its table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    now = datetime.now(UTC).replace(microsecond=0)
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    machine = f"{platform.node()}: {os.cpu_count()} CPUs, load average {load}"
    print(f"search latency bench {now.date().isoformat()} on {machine}")
    mix = query_mix(args.queries, args.seed)
    with (
        tempfile.TemporaryDirectory(prefix="kontext-latency-") as tmp,
        meili_session(load_settings({**os.environ, "KONTEXT_HOME": f"{tmp}/meili"})) as meili,
    ):
        prefix = f"lat{uuid.uuid4().hex[:8]}"
        index = SearchIndex(meili, f"{prefix}_events")
        started = time.perf_counter()
        documents = [event_document(event) for event in generate(args.events, now, args.seed)]
        built = time.perf_counter() - started
        started = time.perf_counter()
        index.rebuild(documents, batch=10_000)
        indexed = time.perf_counter() - started
        rate = args.events / indexed
        print(f"{index.count()} events: documents built in {built:.1f} s, indexed in {indexed:.1f} s ({rate:.0f}/s)")

        queries = [SearchQuery.from_params(params) for params in mix]
        bodies = []
        for query in queries:
            extra = query.facet_queries(now)
            if extra:
                main_body = {"indexUid": index.uid, **query.params(now)}
                bodies.append(
                    ("/multi-search", {"queries": [main_body, *({"indexUid": index.uid, **body} for _, body in extra)]})
                )
            else:
                bodies.append((f"/indexes/{index.uid}/search", query.params(now)))
        multi = sum(1 for path, _ in bodies if path == "/multi-search")
        print(f"{len(mix)} searches ({multi} with separate facet counts), each run once per way after a warm-up")
        headers = {"Authorization": f"Bearer {meili.key}"}
        raw = httpx.Client(
            base_url=meili.url, headers=headers, timeout=30, limits=httpx.Limits(max_keepalive_connections=0)
        )
        kept = httpx.Client(base_url=meili.url, headers=headers, timeout=30)
        official = meilisearch.Client(meili.url, meili.key).index(index.uid)
        results: dict[str, list[float]] = {}
        timed(lambda body: raw.post(body[0], json=body[1]).raise_for_status(), bodies[:100])
        results["meilisearch raw"] = timed(lambda body: raw.post(body[0], json=body[1]).raise_for_status(), bodies)
        results["raw, kept alive"] = timed(lambda body: kept.post(body[0], json=body[1]).raise_for_status(), bodies)
        plain = [query.params(now) for query in queries]
        results["meilisearch-python"] = timed(lambda params: official.search(params["q"], params), plain)
        with kontext_serve(meili, prefix, Path(tmp)) as url, httpx.Client(base_url=url, timeout=30) as api:
            paths = ["/api/events?" + urlencode(params, doseq=True) for params in mix]
            pages = ["/?" + urlencode(params, doseq=True) for params in mix]
            timed(lambda path: api.get(path).raise_for_status(), paths[:100])
            results["api /api/events"] = timed(lambda path: api.get(path).raise_for_status(), paths)
            results["page /"] = timed(lambda path: api.get(path).raise_for_status(), pages)
        raw.close()
        kept.close()
        index.client.delete_index(index.uid)
        index.close()

    print(f"{'way':<20} {'p50 ms':>8} {'p90 ms':>8} {'p99 ms':>8} {'mean ms':>8}")
    for way, samples in results.items():
        p50, p90, p99 = (percentile(samples, share) for share in (0.5, 0.9, 0.99))
        print(f"{way:<20} {p50:8.1f} {p90:8.1f} {p99:8.1f} {statistics.fmean(samples):8.1f}")
    print("load average at the end: " + ", ".join(f"{value:.1f}" for value in os.getloadavg()))
    api, base = results["api /api/events"], results["meilisearch raw"]
    ratio = percentile(api, 0.5) / percentile(base, 0.5)
    checks = [
        ("API p50 <= 20 ms", percentile(api, 0.5) <= 20),
        ("API p99 <= 60 ms", percentile(api, 0.99) <= 60),
        (f"API p50 within 2x of raw Meilisearch ({ratio:.2f}x)", ratio <= 2),
    ]
    for label, ok in checks:
        print(f"{'met' if ok else 'MISSED'}: {label}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
