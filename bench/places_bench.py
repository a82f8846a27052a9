"""How fast place parsing is: gazetteer open time, parse_place / locate / detect_attendance calls per second.

Run: .venv/bin/python bench/places_bench.py [--rounds N]
The strings are invented in the shapes event pages write (full addresses, postcode + town, bare
towns, venue-only and online texts that must give None, long descriptions).
"""

from __future__ import annotations

import argparse
import random
import statistics
import time

from pipelines import gazetteer
from pipelines.places import detect_attendance, locate, parse_place

STREETS = ["Hauptstraße", "Bahnhofstr.", "Am Markt", "Lindenallee", "Platz der Einheit", "Theodor-Heuss-Platz"]
TOWNS = [
    "30159 Hannover",
    "80331 München",
    "D-50667 Köln",
    "A-1010 Wien",
    "CH-8001 Zürich",
    "04109 Leipzig",
    "60311 Frankfurt a. M.",
    "16321 Bernau bei Berlin",
    "01067 Dresden",
    "20095 Hamburg",
    "6020 Innsbruck",
]
VENUES = ["IHK Beispielstadt, Saal 2", "Haus der Wirtschaft", "Congress Centrum", "Stadthalle", "Kulturforum"]
OTHERS = [
    "Online",
    "Webinar",
    "Hannover",
    "in Stuttgart",
    "Frankfurt",
    "Munich",
    "Stadthalle",
    "Raum 2.01",
    "Online-Veranstaltung via Zoom",
    "tba",
    "asdf qwer",
    "Halle 7, Stand B12",
]
DESCRIPTION = (
    "Das Seminar richtet sich an kleine und mittlere Unternehmen aus Handwerk und Industrie. "
    "Die Teilnahme ist kostenfrei, eine Online-Anmeldung ist erforderlich. Die Veranstaltung findet "
    "vor Ort statt; Parkplätze sind vorhanden. Referentin: Dr. Beispiel, Beispiel GmbH. "
) * 3


def corpus(size: int, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    texts = []
    for i in range(size):
        shape = i % 4
        if shape == 0:
            texts.append(f"{rng.choice(VENUES)}, {rng.choice(STREETS)} {rng.randint(1, 120)}, {rng.choice(TOWNS)}")
        elif shape == 1:
            texts.append(f"{rng.choice(STREETS)} {rng.randint(1, 40)}a\n{rng.choice(TOWNS)}\nDeutschland")
        elif shape == 2:
            texts.append(rng.choice(OTHERS))
        else:
            texts.append(rng.choice(TOWNS))
    return texts


def rate(function, items: list, rounds: int) -> tuple[float, float]:
    """Calls per second (median over rounds) and the median microseconds per call."""
    rates = []
    for _ in range(rounds):
        started = time.perf_counter()
        for item in items:
            function(item)
        rates.append(len(items) / (time.perf_counter() - started))
    best = statistics.median(rates)
    return best, 1e6 / best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--size", type=int, default=4000)
    args = parser.parse_args()

    started = time.perf_counter()
    gz = gazetteer.load()
    gz.postcode("30159")
    print(f"gazetteer open + first look-up: {(time.perf_counter() - started) * 1000:.1f} ms ({gazetteer.built_id()})")
    for country, counts in sorted(gz.stats().items()):
        print(f"  {country}: {counts['postcodes']} postcodes, {counts['towns']} towns")

    texts = corpus(args.size)
    started = time.perf_counter()
    for text in texts:
        parse_place(text)
    print(f"parse_place, first pass (cold caches): {args.size / (time.perf_counter() - started):,.0f}/s")
    per_second, micros = rate(parse_place, texts, args.rounds)
    print(f"parse_place: {per_second:,.0f} calls/s ({micros:.0f} µs per call, {args.size} mixed strings)")
    queries = ["Hannover", "30159", "Frankfurt", "CH-8001", "Munich", "Bernau bei Berlin", "1010", "Atlantis"]
    per_second, micros = rate(locate, queries * 200, args.rounds)
    print(f"locate: {per_second:,.0f} calls/s ({micros:.0f} µs per call)")
    attendance_texts = [*OTHERS, DESCRIPTION, "Die Veranstaltung findet hybrid statt: vor Ort und online."] * 100
    per_second, micros = rate(detect_attendance, attendance_texts, args.rounds)
    print(f"detect_attendance: {per_second:,.0f} calls/s ({micros:.0f} µs per call, incl. 700-char descriptions)")


if __name__ == "__main__":
    main()
