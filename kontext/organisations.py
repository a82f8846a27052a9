"""Organisation records: stable ids, kinds read from names, matching events to their organiser,
merging what several sources know, and seeding the store from official lists.

An organisation's id is the slug of its name, the same key the organiser pages use for events
that are not linked to a record (search.index.organizer_key), so linking an event never moves its
organiser page. Matching an event to a record tries the organiser's website first (host, plus the
chamber segment on hosts several chambers share), then the organiser's name without legal-form
suffixes and filler words ("Handwerkskammer für Unterfranken" = "HWK Unterfranken").

Seeding reads at run time (never copied into the repository): the XUnternehmen code lists of all
IHKs and HWKs, the trade associations of the Bundestag lobby register extract, and the organisers
of config/sources.yaml (which add websites and events pages).
"""

from __future__ import annotations

import csv
import logging
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

import yaml

from kontext.errors import UserError
from kontext.records import Event, Organisation
from kontext.sources import Source
from kontext.vocabulary import OrganizerKind

log = logging.getLogger(__name__)

# Hosts several organisations share: the first path segment names the organisation (ihk.de/koeln/).
SHARED_HOSTS = frozenset({"ihk.de"})
# Legal forms and filler words that do not tell two organisations apart.
_IGNORED_WORDS = frozenset(
    {"e", "v", "ev", "eingetragener", "verein", "gmbh", "mbh", "ag", "kg", "co", "ggmbh", "kdor",
     "der", "die", "das", "des", "fur", "zu", "und", "in", "im", "am", "the", "of", "for", "and"}
)  # fmt: skip
_ABBREVIATIONS = (
    (re.compile(r"industrie-? und handelskammer"), "ihk"),
    (re.compile(r"handwerkskammer"), "hwk"),
    (re.compile(r"wirtschaftskammer"), "wk"),
)
_SUFFIX = re.compile(r"\s*\((?:alt|s\.)[^)]*\)\s*$", re.IGNORECASE)
# Chamber districts named after a landscape or historic region rather than a town.
REGION_WORDS = {
    "oberbayern": "Bayern", "niederbayern": "Bayern", "oberpfalz": "Bayern", "oberfranken": "Bayern",
    "mittelfranken": "Bayern", "unterfranken": "Bayern", "schwaben": "Bayern",
    "ostwürttemberg": "Baden-Württemberg", "nordschwarzwald": "Baden-Württemberg",
    "südlicher oberrhein": "Baden-Württemberg", "schwarzwald baar heuberg": "Baden-Württemberg",
    "rhein-neckar": "Baden-Württemberg", "region stuttgart": "Baden-Württemberg",
    "bodensee": "Baden-Württemberg",
    "hochrhein": "Baden-Württemberg", "oberschwaben": "Baden-Württemberg", "lahn-dill": "Hessen",
    "pfalz": "Rheinland-Pfalz", "rheinhessen": "Rheinland-Pfalz", "saarlandes": "Saarland",
    "ostfriesland": "Niedersachsen", "südwestfalen": "Nordrhein-Westfalen",
    "nord westfalen": "Nordrhein-Westfalen",
    "mittlerer niederrhein": "Nordrhein-Westfalen", "ostthüringen": "Thüringen", "südthüringen": "Thüringen",
    "ostmecklenburg-vorpommern": "Mecklenburg-Vorpommern", "ostbrandenburg": "Brandenburg",
}  # fmt: skip


class SeedError(UserError):
    """A seed file is missing or not in the expected shape."""


def _fold(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text.casefold().replace("ß", "ss"))
    return "".join(char for char in folded if not unicodedata.combining(char))


def organisation_id(name: str) -> str:
    """The stable id of an organisation: the slug of its name (as search.index.organizer_key)."""
    slug = re.sub(r"[^a-z0-9]+", "-", _fold(name)).strip("-")
    return slug[:80] or "organisation"


def name_key(name: str) -> str:
    """A comparison key for organisation names: folded, abbreviated, legal forms and filler dropped."""
    text = _fold(name)
    for pattern, short in _ABBREVIATIONS:
        text = pattern.sub(short, _fold(text))
    words = [word for word in re.split(r"[^a-z0-9]+", text) if word and word not in _IGNORED_WORDS]
    return " ".join(words)


def site_key(url: str | None) -> str | None:
    """A comparison key for websites: host without www., plus the first path segment on shared hosts."""
    if not url:
        return None
    if "://" not in url:
        url = "https://" + url
    parts = urlsplit(url)
    host = (parts.hostname or "").lower().removeprefix("www.")
    if not host:
        return None
    if host in SHARED_HOSTS:
        segments = [segment for segment in parts.path.split("/") if segment]
        return f"{host}/{segments[0].lower()}" if segments else None
    return host


@lru_cache(maxsize=4)
def _kind_patterns(
    config_dir: Path,
) -> tuple[tuple[OrganizerKind, tuple[str, ...], tuple[re.Pattern, ...]], ...]:
    path = config_dir / "organizer_kinds.yaml"
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as error:
        raise UserError(f"{path}: cannot read the organiser kinds ({error})") from None
    patterns = []
    for code, entry in (data.get("kinds") or {}).items():
        kind = OrganizerKind(code)
        parts = tuple(_fold(str(part)) for part in (entry or {}).get("name_parts") or ())
        words = tuple(
            re.compile(rf"(?<!\w){re.escape(str(word))}(?!\w)")
            for word in (entry or {}).get("name_words") or ()
        )
        patterns.append((kind, parts, words))
    return tuple(patterns)


def kind_from_name(name: str, config_dir: Path) -> OrganizerKind:
    """The organiser kind a name states, by config/organizer_kinds.yaml (the tagger's rule: the
    pattern found earliest in the name wins, ties go to the kind listed first); unknown if none."""
    folded = _fold(name) + " "
    best: tuple[int, int] | None = None
    kind = OrganizerKind.UNKNOWN
    for rank, (candidate, parts, words) in enumerate(_kind_patterns(config_dir)):
        positions = [folded.find(part) for part in parts if part and part in folded]
        positions += [match.start() for word in words if (match := word.search(name))]
        if positions and (best is None or (min(positions), rank) < best):
            best, kind = (min(positions), rank), candidate
    return kind


def merge_organisation(known: Organisation, new: Organisation) -> Organisation:
    """What both records know: the newer record's values, the older one's where the newer has none."""
    update = {}
    for field in ("url", "events_url", "region", "city", "description"):
        if not getattr(new, field) and getattr(known, field):
            update[field] = getattr(known, field)
    if new.kind == OrganizerKind.UNKNOWN and known.kind != OrganizerKind.UNKNOWN:
        update["kind"] = known.kind
    if not new.sectors and known.sectors:
        update["sectors"] = known.sectors
    return new.model_copy(update={**update, "id": known.id}) if update or new.id != known.id else new


class OrganisationMatcher:
    """Finds the organisation record an event's organiser is, by website, then by name."""

    def __init__(self, organisations: Iterable[Organisation]) -> None:
        self.by_site: dict[str, str] = {}
        self.by_name: dict[str, str] = {}
        for organisation in organisations:
            for url in (organisation.url, organisation.events_url):
                key = site_key(url)
                if key:
                    self.by_site.setdefault(key, organisation.id)
            self.by_name.setdefault(name_key(organisation.name), organisation.id)

    def __len__(self) -> int:
        return len(self.by_name)

    def match(self, name: str | None, url: str | None = None) -> str | None:
        """The id of the record for an organiser with this name / website, or None."""
        key = site_key(url)
        if key and key in self.by_site:
            return self.by_site[key]
        if name:
            return self.by_name.get(name_key(name))
        return None

    def link(self, event: Event) -> Event:
        """The event with `organizer.organisation_id` set when its organiser has a record."""
        organizer = event.organizer
        if organizer is None or organizer.organisation_id:
            return event
        found = self.match(organizer.name, organizer.url)
        if found is None:
            return event
        return event.model_copy(update={"organizer": organizer.model_copy(update={"organisation_id": found})})


# --- seeding ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Place:
    city: str | None
    region: str | None


def _gazetteer():
    """The offline gazetteer, or None when it was never built (places are then left empty)."""
    from pipelines import gazetteer

    try:
        return gazetteer.load()
    except UserError as error:
        log.warning("organisation places stay empty: %s", error)
        return None


def place_of(name_or_town: str | None = None, postcode: str | None = None, country: str = "DE") -> Place:
    """City and region from a postcode, else from a town named in a text ("IHK Lippe zu Detmold")."""
    places = _gazetteer()
    if places is None:
        return Place(None, None)
    if postcode:
        found = places.postcode_centre(postcode, country)
        if found is not None:
            return Place(found.name, found.region)
    if not name_or_town:
        return Place(None, None)
    lowered = name_or_town.casefold()
    # A district named after a region fixes the Land; a town is only believed inside it
    # ("Frankfurt/Oder - Region Ostbrandenburg" is not Frankfurt am Main).
    hint = next(
        (
            region
            for words, region in REGION_WORDS.items()
            if re.search(rf"(?<!\w){re.escape(words)}(?!\w)", lowered)
        ),
        None,
    )
    parts = re.split(r"\s*(?:[-/,]|\b(?:zu|für|der|des|und|Region)\b)\s*", name_or_town)
    for candidate in [name_or_town, *parts, *name_or_town.split()]:
        candidate = candidate.strip()
        if len(candidate) < 3 or candidate.casefold() in REGION_WORDS:
            continue
        town = places.town(candidate, country)
        if town is not None and (hint is None or town.region == hint):
            return Place(town.name, town.region)
    return Place(None, hint)


def _rows(path: Path, required: set[str]) -> Iterator[dict[str, str]]:
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            missing = required - set(reader.fieldnames or ())
            if missing:
                raise SeedError(f"{path}: expected the columns {', '.join(sorted(missing))}")
            yield from reader
    except FileNotFoundError:
        raise SeedError(f"{path}: file not found") from None


def chamber_records(directory: Path) -> list[Organisation]:
    """All current IHKs and HWKs from the XUnternehmen code lists (merged chambers skipped)."""
    records: list[Organisation] = []
    for row in _rows(directory / "german-chambers" / "ihk_xunternehmen_codeliste.csv", {"code", "name"}):
        raw = row["name"].strip()
        if _SUFFIX.search(raw):  # "Bremerhaven (alt, jetzt Bremen)", "Zwickau (s. Chemnitz)"
            continue
        name = f"IHK {raw}"
        place = place_of(raw)
        records.append(
            Organisation(
                id=organisation_id(name),
                name=name,
                kind=OrganizerKind.CHAMBER,
                region=place.region,
                city=place.city,
                source="xunternehmen-ihk",
                description=f"Industrie- und Handelskammer (XUnternehmen code {row['code'].strip()})",
            )
        )
    for row in _rows(directory / "german-chambers" / "hwk_xunternehmen_codeliste.csv", {"code", "name"}):
        name = row["name"].strip()
        if not name or _SUFFIX.search(name):
            continue
        place = place_of(re.sub(r"^Handwerkskammer\s+(?:für|zu|der|des)?\s*", "", name))
        records.append(
            Organisation(
                id=organisation_id(name),
                name=name,
                kind=OrganizerKind.CRAFTS_CHAMBER,
                sectors=["crafts"],
                region=place.region,
                city=place.city,
                source="xunternehmen-hwk",
                description=f"Handwerkskammer (XUnternehmen code {row['code'].strip()})",
            )
        )
    return records


def association_records(directory: Path, config_dir: Path) -> list[Organisation]:
    """The trade associations (ACT_TRADE_ASSOC) of the lobby register extract; companies filed
    there as associations are left out."""
    records = []
    path = directory / "lobbyregister-bundestag" / "data.csv"
    for row in _rows(path, {"name", "activity_code", "zip"}):
        name = " ".join(row["name"].split())
        if row["activity_code"] != "ACT_TRADE_ASSOC" or not name:
            continue
        kind = kind_from_name(name, config_dir)
        if kind == OrganizerKind.COMPANY:
            continue
        # The register files them as trade associations; a name only overrides that for chambers.
        kind = kind if kind == OrganizerKind.CHAMBER else OrganizerKind.ASSOCIATION
        postcode = row["zip"].split(".")[0].strip()
        postcode = postcode.zfill(5) if postcode.isdigit() else None
        place = place_of(postcode=postcode) if postcode else Place(None, None)
        records.append(
            Organisation(
                id=organisation_id(name),
                name=name,
                kind=kind,
                region=place.region,
                city=place.city,
                source="lobbyregister",
                description="Wirtschafts- oder Gewerbeverband (Lobbyregister des Bundestages)",
            )
        )
    return records


def source_records(sources: Iterable[Source]) -> list[Organisation]:
    """The organisers of the configured sources, with their websites and events pages."""
    records = []
    for source in sources:
        if source.mode == "directory":
            continue  # a directory's publisher is not what it lists
        organizer = source.organizer
        events_url = next((url for url in source.start_urls if not url.startswith("{")), None)
        records.append(
            Organisation(
                id=organisation_id(organizer.name),
                name=organizer.name,
                kind=organizer.kind,
                sectors=list(source.sectors),
                region=source.region,
                url=organizer.url,
                events_url=events_url,
                source=f"sources:{source.name}",
            )
        )
    return records


def merged(records: Iterable[Organisation]) -> list[Organisation]:
    """One record per organisation: records that match by website or name are merged (later wins)."""
    result: dict[str, Organisation] = {}
    matcher = OrganisationMatcher([])
    for record in records:
        known_id = matcher.match(record.name, record.url)
        if known_id is not None:
            record = merge_organisation(result[known_id], record)
        result[record.id] = record
        matcher = _extend(matcher, record)
    return list(result.values())


def _extend(matcher: OrganisationMatcher, record: Organisation) -> OrganisationMatcher:
    for url in (record.url, record.events_url):
        key = site_key(url)
        if key:
            matcher.by_site.setdefault(key, record.id)
    matcher.by_name.setdefault(name_key(record.name), record.id)
    return matcher


def seed_records(data_dir: Path, config_dir: Path, sources: Iterable[Source]) -> list[Organisation]:
    """Chambers, associations and configured organisers, merged into one record each."""
    if not data_dir.is_dir():
        raise SeedError(
            f"{data_dir} does not exist; pass --data-dir with the organizations folder of shared data"
        )
    return merged(
        [*chamber_records(data_dir), *association_records(data_dir, config_dir), *source_records(sources)]
    )
