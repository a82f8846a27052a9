"""Places: venue and address text -> `Place`; online/hybrid detection; distances.

`parse_place` reads what German, Austrian and Swiss event pages write for a venue ("Congress
Centrum Hannover, Theodor-Heuss-Platz 1-3, 30175 Hannover", "D-80331 München", "CH-8001 Zürich",
"Messeplatz 1\\n50679\\nKöln", "in Stuttgart") and fills only what the text supports; region,
country and coordinates come from the offline gazetteer (pipelines/gazetteer.py) for a postcode or
a known town, and a town the gazetteer knows is written the gazetteer's way ("Frankfurt a. M." ->
"Frankfurt am Main"), so facets and filters see one name. A text that names no postcode and no
town ("Online", "Großer Saal") gives None: a venue name alone is the caller's to keep.

`find_places` finds the places named in running text: addresses with a postcode inside sentences
("… in der Stadthalle, 79098 Freiburg statt"), addresses abroad ("Chicago, IL 60601", "London SW1A
1AA", read by `parse_foreign_address` to town, region and country without coordinates) and towns
named in passing ("im Stuttgarter Rathaus", "Feuerwehr Bernau"); `town_named_in` picks the town a
short text most likely names.

`detect_attendance` decides online / mixed / offline from schema.org's eventAttendanceMode, the
wording of a page and meeting links. "Online-Anmeldung" and "online registration" are about
registering, not about attending, and are not signals.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from kontext.records import Geo, Venue
from kontext.vocabulary import Attendance
from pipelines import gazetteer
from pipelines.gazetteer import HEAD, LEVEL_FACTOR, Locality, distance_km, name_keys, query_keys

__all__ = [
    "PLACE_KINDS",
    "Place",
    "PlaceMention",
    "detect_attendance",
    "distance_km",
    "find_places",
    "locate",
    "parse_foreign_address",
    "parse_place",
    "town_named_in",
]


@dataclass(frozen=True)
class Place:
    """What a venue text says, completed from the gazetteer where a postcode or town allows."""

    name: str | None = None  # venue name ("Congress Centrum Hannover", "IHK Hannover, Saal 1")
    street: str | None = None
    postcode: str | None = None
    city: str | None = None
    region: str | None = None  # Bundesland / Land / canton, German names
    country: str | None = None  # ISO 3166-1 alpha-2
    lat: float | None = None
    lng: float | None = None

    def to_venue(self) -> Venue:
        """The event record's `Venue` for this place."""
        geo = Geo(lat=self.lat, lng=self.lng) if self.lat is not None and self.lng is not None else None
        return Venue(
            name=self.name,
            street=self.street,
            postcode=self.postcode,
            city=self.city,
            region=self.region,
            country=self.country,
            geo=geo,
        )


# --- text shapes -------------------------------------------------------------------------------

_INVISIBLE = re.compile("[\u00ad\u200b\u200c\u200d\u2060\ufeff]")
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]+")
# Segments of an address: lines, commas, semicolons, bars, bullets and spaced dashes.
_SEGMENT_SPLIT = re.compile(r"\s*(?:[\n\r;|•·]|,(?!\d)|\s[–—-]\s)\s*")
_LABEL = re.compile(
    r"^(?:veranstaltungsort|tagungsort|austragungsort|ort|adresse|anschrift|location|venue|address|where|wo|"
    r"treffpunkt|place|standort|veranstaltungsadresse|wann\s+und\s+wo)\s*:\s*",
    re.IGNORECASE,
)
_PREPOSITION = re.compile(r"^(?:in|im|bei|near|nahe|at)\s+(?=[A-ZÄÖÜ])")
# fmt: off
_COUNTRY_WORDS = {
    "deutschland": "DE", "germany": "DE", "bundesrepublik deutschland": "DE", "de": "DE", "d": "DE",
    "österreich": "AT", "oesterreich": "AT", "austria": "AT", "at": "AT", "a": "AT",
    "schweiz": "CH", "switzerland": "CH", "suisse": "CH", "svizzera": "CH", "ch": "CH",
}
# fmt: on
_COUNTRY_PREFIX = {"D": "DE", "DE": "DE", "A": "AT", "AT": "AT", "CH": "CH"}
_TRAILING_COUNTRY = re.compile(
    r"[\s,(]+(?:Deutschland|Germany|Österreich|Austria|Schweiz|Switzerland|Suisse|Svizzera)\)?\s*$"
)
# A postcode, perhaps with a country prefix in any case ("D-", "Ch-") or written with wildcards for
# its last digits ("D-3539x": one of the Gießen postcodes), and the words after it.
_POSTCODE_CODE = (r"(?<![\w+/.:-])(?:(?P<cc>(?i:d|de|a|at|ch))\s?[-–‑]\s?)?"
                  r"(?P<code>(?:\d{4}[xX*?]|\d{3}[xX*?]{2})(?!\w)|\d{4,5})(?![\d.,:/])")
_POSTCODE = re.compile(_POSTCODE_CODE + r"(?:\s+(?P<rest>[A-ZÄÖÜ][^\d,;|]*))?")
_HOUSE_NUMBER = r"\d{1,4}\s?[a-zA-Z]?(?:\s?[-–/+]\s?\d{1,4}\s?[a-zA-Z]?)?"
_STREET_NUMBERED = re.compile(rf"^(?P<street>[A-ZÄÖÜa-zäöü][\w.'’ -]*?[^\W\d_]\.?)\s*(?P<number>{_HOUSE_NUMBER})$")
# A street at the start of a longer segment: "Holzmarktstraße 6-9 direkt am Bahnhof".
_STREET_PREFIX = re.compile(
    rf"^(?P<street>[A-ZÄÖÜ][\w.'’ -]{{0,40}}?(?:straße|strasse|str\.|weg|platz|allee|gasse|ring|damm|ufer|chaussee))"
    rf"\s*(?P<number>{_HOUSE_NUMBER})(?=\s+[a-zäöü(]|\s*\()",
    re.IGNORECASE,
)
_STREET_WORD = re.compile(
    r"(?:straße|strasse|str\.|weg|platz|allee|gasse|ring|damm|ufer|chaussee|promenade|kai|quai|steig|stieg|"
    r"pfad|twiete|deich)$",
    re.IGNORECASE,
)
# Words that take a number but are not streets: rooms, halls, booths, parts of a programme.
# fmt: off
_NOT_STREET = frozenset({
    "halle", "hall", "saal", "säle", "raum", "räume", "room", "stand", "booth", "hörsaal", "etage", "stock",
    "stockwerk", "og", "eg", "ug", "gebäude", "building", "haus", "zimmer", "ebene", "level", "floor", "eingang",
    "tor", "gate", "bau", "block", "teil", "tag", "day", "modul", "gruppe", "kurs", "woche", "termin",
    "runde", "postfach", "seminarraum", "konferenzraum", "sitzungssaal", "track", "bühne", "stage", "nr", "no",
})
# fmt: on
_NOT_NAME = re.compile(
    r"(?i)(?:\b(?:tel|telefon|fon|fax|e-?mail|mail|www|http|uhr|anmeldung|eintritt|kosten|preis)\b|@|"
    r"\d{1,2}:\d{2}|\d{1,2}\.\d{1,2}\.(?:\d{2,4})?)"
)
# Segments that say how or whether one attends, not where: attendance is detected separately.
_ONLINE_SEGMENT = re.compile(
    r"(?i)^(?:online|digital|virtuell|virtual|remote|webinar|livestream|live-stream|stream|zoom|ms teams|"
    r"microsoft teams|webex|(?:online|hybrid|präsenz)[- ]?(?:veranstaltung|event|seminar|meeting|konferenz|workshop)|"
    r"hybrid|hybride veranstaltung|in präsenz|präsenz|vor ort|vor ort und online|online und vor ort|"
    r"(?:online|digital)\s+(?:via|per|über)\s+\w+(?:\s\w+)?|tba|tbd|n\.\s?n\.|wird noch bekannt gegeben)$"
)
_URL = re.compile(r"(?i)\b(?:https?://|www\.)\S+")
_CITY_WORDS = re.compile(r"^[A-ZÄÖÜ][\w.'’()/ -]*$")


def _clean(text: str) -> str:
    text = _INVISIBLE.sub("", text)
    return "\n".join(_SPACES.sub(" ", line).strip() for line in text.splitlines())


def _segments(text: str) -> list[str]:
    parts = []
    for part in _SEGMENT_SPLIT.split(_clean(text)):
        part = part.strip(" ,.:")
        while part and _LABEL.match(part):
            part = _LABEL.sub("", part, count=1).strip(" ,")
        if part:
            parts.append(part)
    return parts


# Countries outside the gazetteer's: a town of the same name there is not meant. name -> ISO code.
_FOREIGN_COUNTRIES: dict[str, str] = {}
for _code, _names in {
    "US": "united states|united states of america|usa|u.s.a.|u.s.a|u.s.|u.s|us",
    "GB": "united kingdom|uk|u.k.|england|scotland|wales|great britain|gb",
    "FR": "france|frankreich", "IT": "italy|italien", "ES": "spain|spanien", "NL": "netherlands|niederlande|holland",
    "BE": "belgium|belgien", "PL": "poland|polen", "CZ": "czech republic|czechia|tschechien",
    "DK": "denmark|dänemark", "SE": "sweden|schweden", "NO": "norway|norwegen", "FI": "finland|finnland",
    "PT": "portugal", "IE": "ireland|irland", "CA": "canada|kanada", "IN": "india|indien", "CN": "china",
    "JP": "japan", "AU": "australia|australien", "LU": "luxembourg|luxemburg", "HU": "hungary|ungarn",
    "GR": "greece|griechenland", "HR": "croatia|kroatien", "SI": "slovenia|slowenien", "SK": "slovakia|slowakei",
    "RO": "romania|rumänien", "BG": "bulgaria|bulgarien", "RS": "serbia|serbien", "TR": "turkey|türkei",
    "IL": "israel", "BR": "brazil|brasilien", "MX": "mexico|mexiko", "SG": "singapore|singapur",
    "ZA": "south africa|südafrika", "EE": "estonia|estland", "LV": "latvia|lettland", "LT": "lithuania|litauen",
    "UA": "ukraine", "RU": "russia|russland", "NZ": "new zealand|neuseeland", "NG": "nigeria", "KE": "kenya",
    "EG": "egypt|ägypten", "AE": "uae|united arab emirates",
}.items():
    for _name in _names.split("|"):
        _FOREIGN_COUNTRIES[_name] = _code
# fmt: off
_US_STATES: dict[str, str] = {
    "AL": "Alabama", "AK": "Alaska", "AZ": "Arizona", "AR": "Arkansas", "CA": "California", "CO": "Colorado",
    "CT": "Connecticut", "DE": "Delaware", "FL": "Florida", "GA": "Georgia", "HI": "Hawaii", "ID": "Idaho",
    "IL": "Illinois", "IN": "Indiana", "IA": "Iowa", "KS": "Kansas", "KY": "Kentucky", "LA": "Louisiana",
    "ME": "Maine", "MD": "Maryland", "MA": "Massachusetts", "MI": "Michigan", "MN": "Minnesota",
    "MS": "Mississippi", "MO": "Missouri", "MT": "Montana", "NE": "Nebraska", "NV": "Nevada",
    "NH": "New Hampshire", "NJ": "New Jersey", "NM": "New Mexico", "NY": "New York", "NC": "North Carolina",
    "ND": "North Dakota", "OH": "Ohio", "OK": "Oklahoma", "OR": "Oregon", "PA": "Pennsylvania",
    "RI": "Rhode Island", "SC": "South Carolina", "SD": "South Dakota", "TN": "Tennessee", "TX": "Texas",
    "UT": "Utah", "VT": "Vermont", "VA": "Virginia", "WA": "Washington", "WV": "West Virginia",
    "WI": "Wisconsin", "WY": "Wyoming", "DC": "District of Columbia",
}
# fmt: on
_US_STATE_CODES = {name.casefold(): code for code, name in _US_STATES.items()}


def _foreign(segment: str) -> bool:
    return segment.strip(" ()").casefold() in _FOREIGN_COUNTRIES or segment.strip() in _US_STATES


def _country_word(segment: str) -> str | None:
    return _COUNTRY_WORDS.get(segment.strip("() ").casefold())


@lru_cache(maxsize=65536)
def _keys_of(name: str) -> dict[str, int]:
    return name_keys(name)


def _match_level(written: str, name: str) -> int | None:
    """How well a written town name means a gazetteer name (FULL best), or None when it does not."""
    keys = _keys_of(name)
    levels = [keys[key] for key in query_keys(written) if key in keys]
    if not levels:
        head = gazetteer._head(written)
        if head != written:
            levels = [max(keys[key], HEAD) for key in query_keys(head) if key in keys]
    return min(levels) if levels else None


def _same_place(written: str, name: str) -> bool:
    """Does the written town name mean this gazetteer name? ("Frankfurt a.M." / "Frankfurt am Main")."""
    return _match_level(written, name) is not None


# The first word of a place name, with a qualifier when one follows ("Neuburg a. d. Donau", "Au im Tal").
_FIRST_NAME = re.compile(
    r"[A-ZÄÖÜ][\w.'’-]*(?:\s+(?:a\.\s?d\.|i\.|am|an der|im|in|ob der|bei|vor der|auf der)\s+[A-ZÄÖÜ][\w.'’-]*)?"
)
_WORD_END = re.compile(r"(?=\s)|(?=-[A-ZÄÖÜ])")


def _prefixes(written: str, most: int = 6) -> list[str]:
    """The first words of what follows a postcode, longest first ("Freiburg statt" -> "Freiburg statt",
    "Freiburg"); a hyphen before a capital also ends a word ("Stuttgart-Vaihingen" -> "Stuttgart")."""
    ends = [match.start() for match in _WORD_END.finditer(written) if match.start() > 0][: most - 1]
    found = [written.strip(" -–/")]
    for end in reversed(ends):
        prefix = written[:end].strip(" -–/")
        if prefix and prefix not in found:
            found.append(prefix)
    return found


def _city_text(rest: str) -> str:
    """The town part of what follows a postcode: up to a parenthesis, without a trailing country."""
    rest = _TRAILING_COUNTRY.sub("", rest)
    paren = re.search(r"\s\((?![A-ZÄÖÜ][a-zäöü]+\))", rest)  # "Halle (Saale)" stays, "(Stadthalle)" goes
    if paren:
        rest = rest[: paren.start()]
    return rest.strip(" -–/")


# --- postcode + town -----------------------------------------------------------------------------


@dataclass
class _Found:
    index: int  # the segment the postcode (or town) is in
    start: int  # where in that segment the locality starts
    postcode: str | None
    city: str | None
    place: Locality | None  # where region, country and coordinates come from
    city_segment: int | None = None  # the segment holding the town when it is not `index`
    confident: bool = False  # town and postcode agree
    venue: str | None = None  # a parenthesis after the town: "30521 Hannover (Halle 13)"
    written: str | None = None  # the words after the postcode that name the town, as written
    located: bool = True  # False: `place` gives region and country, but its coordinates are a guess


def _known_town(
    written: str, code: str, places: list[Locality], countries: list[str], gz: gazetteer.Gazetteer,
    near: list[Locality] | None = None,
) -> _Found | None:
    """The town the words after a postcode name, as the gazetteer knows it: the longest first words
    that name a place under the postcode, else a town of that name close to it (to the postcode's
    centre, or to one of `near`)."""
    prefixes = _prefixes(written)
    for prefix in prefixes:
        matches = [
            (level, -p.weight, i)
            for i, p in enumerate(places)
            if p.name and (level := _match_level(prefix, p.name)) is not None
        ]
        if matches:
            place = places[min(matches)[2]]
            return _Found(-1, 0, code, place.name, place, confident=True, written=prefix)
    # A bulk-customer postcode ("30521 Hannover") or a town the postcode list files elsewhere.
    for prefix in prefixes:
        for candidate_country in countries:
            centre = gz.postcode_centre(code, candidate_country) if near is None else None
            for _, town in gz.towns(prefix, candidate_country)[:5]:
                points = [centre] if centre is not None else near or []
                if (near is None and centre is None) or any(
                        distance_km((town.lat, town.lng), (p.lat, p.lng)) < 25 for p in points):
                    return _Found(-1, 0, code, town.name, centre or town, confident=True, written=prefix)
    return None


def _resolve_postcode(
    code: str, country: str | None, written: str | None, gz: gazetteer.Gazetteer, default_country: str
) -> _Found | None:
    """Check a postcode (and the town written with it) against the gazetteer.

    The town is the longest start of the words after the postcode that the gazetteer knows there
    (see _known_town), written the gazetteer's way: "79098 Freiburg statt" and "50667 Köln Weitere
    Informationen" are Freiburg im Breisgau and Köln, never the text that follows. A village the
    postal data files under another name ("82269 Kaltenberg", part of Geltendorf) keeps its first
    word as written, and the postcode gives region and coordinates.
    """
    if not code.isdigit():
        return _resolve_wildcard(code, country, written, gz)
    countries = [country] if country else (["DE"] if len(code) == 5 else ["AT", "CH"])
    if len(code) == 5 and country not in (None, "DE"):
        return None
    places = [p for c in countries for p in gz.postcode(code, c)]
    if written:
        found = _known_town(written, code, places, countries, gz)
        if found is not None:
            return found
    if not places:
        return None
    explicit = country is not None or default_country in countries
    if len(code) == 4 and not explicit:
        return None  # four digits and a word: a year or a count as often as an Austrian or Swiss postcode
    centre = gz.postcode_centre(code, places[0].country)
    name = _FIRST_NAME.match(written) if written else None
    city = name.group(0) if name and _CITY_WORDS.match(name.group(0)) else None
    return _Found(-1, 0, code, city, centre, written=city)


def _resolve_wildcard(code: str, country: str | None, written: str | None, gz: gazetteer.Gazetteer) -> _Found | None:
    """"D-3539x Giessen": a German postcode with its last digits left open. The town is the one under
    a postcode of that prefix; region and coordinates only when the prefix leaves no doubt about them
    (one region, and the town's postcodes close together). No postcode: the text gives none."""
    if not written or country not in (None, "DE") or len(code) != 5:
        return None
    places = gz.postcodes_starting(code.rstrip("xX*?"), "DE")
    if not places:
        return None
    found = _known_town(written, code, places, ["DE"], gz, near=places)
    if found is None or found.city is None:
        return None
    same = [p for p in places if p.name == found.city] or [found.place]
    regions = {p.region for p in same}
    spread = max(distance_km((a.lat, a.lng), (b.lat, b.lng)) for a in same for b in same)
    located = len(regions) == 1 and spread < 25
    lat, lng = sum(p.lat for p in same) / len(same), sum(p.lng for p in same) / len(same)
    region = regions.pop() if len(regions) == 1 else None
    place = Locality(found.city, region, "DE", round(lat, 4), round(lng, 4), None, found.place.weight)
    return _Found(-1, 0, None, found.city, place, confident=True, written=found.written, located=located)


def _find_postcode(
    segments: list[str], text_country: str | None, gz: gazetteer.Gazetteer, default_country: str
) -> _Found | None:
    best: _Found | None = None
    for index, segment in enumerate(segments):
        for match in _POSTCODE.finditer(segment):
            country = _COUNTRY_PREFIX.get((match["cc"] or "").upper()) or text_country
            code, rest = match["code"], match["rest"]
            written = _city_text(rest) if rest else None
            found = None
            if written:
                found = _resolve_postcode(code, country, written, gz, default_country)
                if found is not None:
                    _, found.venue = _split_parenthesis(_TRAILING_COUNTRY.sub("", rest))
                    if found.venue and found.venue in written:
                        found.venue = None
            elif match.start() == 0 and match.end() == len(segment):
                # A postcode on its own: the town is the segment after it ("50679 / Köln") or before it.
                for neighbour in (index + 1, index - 1):
                    if 0 <= neighbour < len(segments) and _CITY_WORDS.match(segments[neighbour]):
                        found = _resolve_postcode(code, country, _city_text(segments[neighbour]), gz, default_country)
                        if found and found.confident:
                            found.city_segment = neighbour
                            break
                else:
                    found = _resolve_postcode(code, country, None, gz, default_country)
                if found and not found.confident:
                    # A lone number is a postcode only next to a street or with a country prefix.
                    beside = [segments[i] for i in (index - 1, index + 1) if 0 <= i < len(segments)]
                    if not (match["cc"] or any(_street(s) for s in beside)):
                        found = None
                    else:
                        found.city = None
            if found is None:
                continue
            found.index, found.start = index, match.start()
            if found.confident:
                return found
            best = best or found
    return best


def _pick_town(candidates: list[tuple[int, Locality]], default_country: str) -> tuple[int, Locality] | None:
    """The most likely town, preferring the default country unless another is far more likely."""
    if not candidates:
        return None
    best = candidates[0]
    home = next((c for c in candidates if c[1].country == default_country), None)
    if home is not None and LEVEL_FACTOR[home[0]] * home[1].weight >= 0.25 * LEVEL_FACTOR[best[0]] * best[1].weight:
        return home
    return best


def _as_town(text: str, gz: gazetteer.Gazetteer, default_country: str, country: str | None) -> Locality | None:
    """A segment that is a town name (and only that): "Hannover", "in Stuttgart", "Frankfurt a. M."."""
    text = _PREPOSITION.sub("", _TRAILING_COUNTRY.sub("", text)).strip(" ()")
    if not text or not _CITY_WORDS.match(text) or len(text.split()) > 5:
        return None
    picked = _pick_town(gz.towns(text, country), default_country)
    if picked is None and "-" in text:
        # "Stuttgart-Vaihingen": a district of a large town.
        picked = _pick_town(gz.towns(text.split("-", 1)[0], country), default_country)
        if picked is not None and picked[1].weight < 15:
            picked = None
    if picked is None:
        return None
    level, town = picked
    # A bare word is a town only when it is a located place; a qualified name's head only for a real town.
    if town.weight < 1 or (level == HEAD and town.weight < 15):
        return None
    return town


_IN_TOWN = re.compile(r"^(?P<name>.+?)\s+(?:in|im)\s+(?P<town>[A-ZÄÖÜ][\w.'’()/ -]*)$")


def _find_town(
    segments: list[str], gz: gazetteer.Gazetteer, default_country: str, country: str | None
) -> _Found | None:
    for index in range(len(segments) - 1, -1, -1):
        segment = segments[index]
        town = _as_town(segment, gz, default_country, country)
        if town is not None:
            return _Found(index, 0, None, town.name, town, confident=True)
        match = _IN_TOWN.match(segment)
        if match:
            town = _as_town(match["town"], gz, default_country, country)
            if town is not None:
                return _Found(index, match.end("name"), None, town.name, town, confident=True)
    return None


# --- street and name ---------------------------------------------------------------------------------


def _street(segment: str, numbered_only: bool = False) -> str | None:
    """The segment as a street: "Theodor-Heuss-Platz 1-3", or without a number "Augustusplatz"."""
    segment = segment.strip(" ,")
    match = _STREET_NUMBERED.match(segment)
    if match:
        street = match["street"].strip()
        words = street.split()
        if (
            len(words) <= 6
            and any(c.isalpha() for c in street)
            and not any(word.casefold().strip(".") in _NOT_STREET for word in words)
            and (street[0].isupper() or words[0].casefold() in {"an", "am", "auf", "im", "in", "zum", "zur"})
        ):
            return f"{street} {match['number'].strip()}"
        return None
    prefix = _STREET_PREFIX.match(segment)
    if prefix and not any(w.casefold() in _NOT_STREET for w in prefix["street"].split()):
        return f"{prefix['street'].strip()} {prefix['number'].strip()}"
    words = segment.split()
    if numbered_only or not 1 <= len(words) <= 4 or not segment[0].isupper() or _NOT_NAME.search(segment):
        return None
    # Unnumbered only with an unmistakable street word, first or last: "Augustusplatz", "Uferweg an der Weser".
    if _STREET_WORD.search(words[-1]) or (len(words) > 1 and _STREET_WORD.search(words[0])):
        return segment
    return None


def _pick_street(segments: list[str]) -> tuple[int, str] | None:
    """The street among the segments before the town: the last numbered one, else the last unnumbered one."""
    for numbered_only in (True, False):
        for index in range(len(segments) - 1, -1, -1):
            street = _street(_split_parenthesis(segments[index])[0], numbered_only=numbered_only)
            if street:
                return index, street
    return None


def _name_part(segment: str) -> str | None:
    segment = segment.strip(" ,")
    if not segment or _NOT_NAME.search(segment) or _ONLINE_SEGMENT.match(segment) or _country_word(segment):
        return None
    if len(segment) > 80 or len(segment.split()) > 10 or re.search(r"[.!?]\s+[A-ZÄÖÜa-zäöü]", segment):
        return None  # a sentence, not a venue
    return segment


def _split_parenthesis(segment: str) -> tuple[str, str | None]:
    match = re.search(r"\s*\(([^()]{2,80})\)\s*$", segment)
    if match:
        return segment[: match.start()].strip(), match.group(1).strip()
    return segment, None


# --- public API -------------------------------------------------------------------------------------


def parse_place(text: str, default_country: str = "DE") -> Place | None:
    """Venue/address text -> Place, or None when it names no postcode and no town (see module doc)."""
    if not text or not isinstance(text, str):
        return None
    text = _URL.sub(" ", text[:2000])
    segments = [s for s in _segments(text) if not _ONLINE_SEGMENT.match(s)]
    if not segments:
        return None
    gz = gazetteer.load()
    if len(segments) > 1 and any(_foreign(segment) for segment in segments[1:]):
        return None  # "Hanover, NH, United States"
    text_country = next((c for c in map(_country_word, segments) if c and len(segments) > 1), None)
    segments = [s for s in segments if not _country_word(s)]
    found = _find_postcode(segments, text_country, gz, default_country)
    if found is None:
        found = _find_town(segments, gz, default_country, text_country)
    if found is None:
        return None

    # Whatever stands before the locality in its segment belongs to the address ("Hauptstr. 1 12345 Ort").
    before = segments[: found.index]
    if found.city_segment is not None and found.city_segment < found.index:
        before = segments[: found.city_segment]
    head = segments[found.index][: found.start].strip(" ,") if found.start else ""
    head = re.sub(r"(?<=\d)\.$", "", head)  # "Holzmarktstraße 6-9. 10179 Berlin"
    head = re.sub(r"\s+(?:in|im)$", "", head)
    if head:
        before = [*before, head]
    street = None
    picked = _pick_street(before)
    if picked is not None:
        position, street = picked
        # "Hussitenstraße 1 (Stadthalle Bernau)": a parenthesis after the street names the venue.
        parenthesis = _split_parenthesis(before[position])[1]
        before = before[:position] if position or not parenthesis else []
        if not before and parenthesis:
            before = [parenthesis]
    name_parts = [part for part in map(_name_part, before) if part]
    if not name_parts and found.venue and _name_part(found.venue):
        # "Messeplatz 1, 30521 Hannover (Halle 13)": a parenthesis after the town names the venue.
        name_parts = [found.venue]
    place = found.place
    located = place is not None and found.located
    return Place(
        name=", ".join(name_parts[-4:]) or None,
        street=street,
        postcode=found.postcode,
        city=found.city,
        region=place.region if place else None,
        country=place.country if place else None,
        lat=place.lat if located else None,
        lng=place.lng if located else None,
    )


_LOCATE_POSTCODE = re.compile(r"^(?:(?P<cc>(?i:d|de|a|at|ch))\s?[-–]\s?)?(?P<code>\d{4,5})\b")


def locate(query: str, country: str | None = None) -> Place | None:
    """A town name or postcode -> its centre, for radius search ("Hannover", "30159", "CH-8001")."""
    if not query or not query.strip():
        return None
    query = _clean(query).replace("\n", " ").strip()
    gz = gazetteer.load()
    country = country.upper() if country else None
    match = _LOCATE_POSTCODE.match(query)
    if match:
        code = match["code"]
        code_country = _COUNTRY_PREFIX.get((match["cc"] or "").upper()) or country
        centre = None
        if code_country:
            centre = gz.postcode_centre(code, code_country)
        else:
            for candidate in ["DE"] if len(code) == 5 else ["DE", "AT", "CH"]:
                centre = centre or gz.postcode_centre(code, candidate)
            rest = query[match.end() :].strip(" ,")
            if rest and len(code) == 4:
                # "8001 Zürich": the town says which country's postcode it is.
                for candidate in ("AT", "CH"):
                    places = gz.postcode(code, candidate)
                    if any(p.name and _same_place(_city_text(rest), p.name) for p in places):
                        centre = gz.postcode_centre(code, candidate)
        if centre is not None:
            return Place(
                postcode=code,
                city=centre.name,
                region=centre.region,
                country=centre.country,
                lat=centre.lat,
                lng=centre.lng,
            )
    text = _PREPOSITION.sub("", _TRAILING_COUNTRY.sub("", query)).strip(" ,")
    picked = _pick_town(gz.towns(text, country), country or "DE")
    if picked is not None:
        town = picked[1]
        return Place(city=town.name, region=town.region, country=town.country, lat=town.lat, lng=town.lng)
    place = parse_place(query, default_country=country or "DE")
    if place is not None and place.lat is not None:
        return Place(
            postcode=place.postcode,
            city=place.city,
            region=place.region,
            country=place.country,
            lat=place.lat,
            lng=place.lng,
        )
    return None


# --- addresses abroad -----------------------------------------------------------------------------

_STATE_NAMES = "|".join(sorted((re.escape(name) for name in _US_STATES.values()), key=len, reverse=True))
# The end of a US address: a state (code or name), a ZIP code, or both ("IL 60602", "Illinois", "60602").
_STATE_ZIP = re.compile(
    rf"(?:(?P<state>[A-Z]{{2}}|{_STATE_NAMES})\.?)?\s*(?P<zip>\d{{5}}(?:-\d{{4}})?)?"
)
_UK_POSTCODE = re.compile(r"(?P<postcode>\b[A-Z]{1,2}\d[A-Z\d]?\s?\d[A-Z]{2})$")
_HOUSE_NUMBER_FIRST = re.compile(r"^\d{1,6}[A-Za-z]?\s+\S")


def _foreign_country(segment: str) -> str | None:
    """The ISO code of a country name ("United States", "UK", "Frankreich") or code ("FR"); a US
    state code ("IN", "DE", "CA") is a state here, not a country."""
    segment = segment.strip(" ()")
    if segment in _US_STATES:
        return None
    code = _FOREIGN_COUNTRIES.get(segment.casefold())
    if code is None and len(segment) == 2 and segment.isupper() and segment in _FOREIGN_COUNTRIES.values():
        code = segment
    return code


def _us_state_and_zip(segment: str) -> tuple[str | None, str | None] | None:
    """("IL", "60602") for "IL 60602", "Illinois 60602", "IL", "60602"; None when the segment is neither."""
    match = _STATE_ZIP.fullmatch(segment.strip())
    if match is None or not (match["state"] or match["zip"]):
        return None
    state = match["state"]
    if state is not None:
        state = state if state in _US_STATES else _US_STATE_CODES.get(state.casefold())
        if state is None:
            return None
    return state, match["zip"]


def parse_foreign_address(text: str) -> Place | None:
    """An address outside Germany, Austria and Switzerland -> Place with the town as written, the
    region (a US state code), the postcode and the country; no coordinates, as no gazetteer covers it.

    "Memphis, TN, US", "121 N. La Salle, Chicago, IL, 60602, US", "Chicago, IL 60601", "London, UK",
    "London SW1A 1AA", "Paris, France". None for addresses in DE/AT/CH (parse_place reads those) and
    for text that names no country, US state or UK postcode.
    """
    if not text or not isinstance(text, str):
        return None
    segments = [segment.strip() for segment in re.split(r"[,\n;]", _clean(text[:500])) if segment.strip()]
    if not segments:
        return None
    country = _foreign_country(segments[-1]) if len(segments) >= 2 else None
    if country is None and len(segments) >= 2 and _country_word(segments[-1]):
        return None  # "…, Deutschland": the place stage's
    if country is not None:
        segments = segments[:-1]
    region = postcode = None
    while len(segments) >= 2 and (state_zip := _us_state_and_zip(segments[-1])) is not None:
        region, postcode = state_zip[0] or region, state_zip[1] or postcode
        country = country or "US"
        segments = segments[:-1]
    if segments and country in (None, "GB") and (uk := _UK_POSTCODE.search(segments[-1])) is not None:
        town = segments[-1][: uk.start()].strip(" ,")
        if town:
            postcode, country = uk["postcode"], "GB"
            segments = [*segments[:-1], town]
    if country is None or not segments:
        return None
    city = segments[-1]
    if re.search(r"\d", city) or len(city) > 40 or not city[:1].isupper():
        return None
    street = segments[-2] if len(segments) >= 2 and _HOUSE_NUMBER_FIRST.match(segments[-2]) else None
    return Place(street=street, postcode=postcode, city=city, region=region, country=country)


# --- places in running text -----------------------------------------------------------------------


@dataclass(frozen=True)
class PlaceMention:
    """A place named in running text: where it is written (`text[begin:end]`) and what it is.

    kind: "address" (a postcode and its town, perhaps with the venue and street before them),
    "foreign" (an address outside Germany, Austria and Switzerland) or "town" (a town named in
    passing: "in Schönow", "im Stuttgarter Rathaus", "Feuerwehr Bernau").
    """

    begin: int
    end: int
    place: Place
    kind: str


PLACE_KINDS = frozenset({"address", "foreign", "town"})
# An address inside a sentence: the venue after a preposition and a street may come before the postcode
# ("… findet in der Stadthalle, Hauptstraße 5, 79098 Freiburg statt").
_ADDRESS_IN_TEXT = re.compile(
    r"(?:\b(?:in der|in dem|im|in|auf der|auf dem|bei|am|an der)\s+(?P<venue>[^,.;:\d\n]{1,40}),\s*)?"
    r"(?:(?P<street>[A-ZÄÖÜ][^,;:\d\n]{1,40}?\s?\d{1,4}\s?[a-zA-Z]?(?:\s?[-–/]\s?\d{1,4})?),\s*)?"
    + _POSTCODE_CODE
    + r"[ \t]+(?P<town>[A-ZÄÖÜ][^\d,;|\n]{0,80})"
)
# Matches start only where a word starts and take a few words at most, so long text costs linear time.
_US_ADDRESS_IN_TEXT = re.compile(
    rf"(?<![\w.'-])[A-Z][a-zA-Z.'-]+(?: [A-Z][a-zA-Z.'-]+){{0,3}},\s+(?:[A-Z]{{2}}|{_STATE_NAMES})\.?,?\s+"
    rf"\d{{5}}(?:-\d{{4}})?\b"
)
_UK_ADDRESS_IN_TEXT = re.compile(
    r"(?<![\w'-])[A-Z][a-zA-Z'-]+(?: [A-Z][a-zA-Z'-]+){0,2},?\s+[A-Z]{1,2}\d[A-Z\d]?\s?\d[A-Z]{2}\b"
)
# Towns named in passing: "im Stuttgarter Rathaus", a town ending a clause ("Feuerwehr Bernau"), "in Schönow".
_ADJECTIVE_TOWN = re.compile(r"\b(?P<town>[A-ZÄÖÜ][a-zäöüß]{3,})er\s+(?=[A-ZÄÖÜ])")
_TRAILING_TOWN = re.compile(
    r"(?:\b(?:in|im|bei|nach|aus|am|auf|an)\s+(?:der\s+|dem\s+|den\s+)?)?"
    r"(?<![\w.-])(?P<town>[A-ZÄÖÜ][\wäöüß.-]+(?:\s+(?:a\.\s?d\.|am|an\s+der|bei|im|in|ob\s+der)\s+[A-ZÄÖÜ][\wäöüß.-]+)?)"
    r"\s*$"
)
_CLAUSE = re.compile(r"[^,;:–—()\n]+")
_IN_NAMED_TOWN = re.compile(r"\b(?:in|im|bei|nach)\s+(?:der\s+|dem\s+)?(?P<town>[A-ZÄÖÜ][\wäöüß.-]+)")


def find_places(text: str, default_country: str = "DE", kinds: Iterable[str] = PLACE_KINDS) -> list[PlaceMention]:
    """Places named in running text, in text order (see PlaceMention), of the `kinds` asked for.

    An address's town is the one the gazetteer knows (as in parse_place); a foreign address is read by
    parse_foreign_address; a town named in passing counts only when the gazetteer knows it as a town
    (a located place; a qualified name's head only for a real town). Where finds overlap, an address
    wins over a town.
    """
    if not text or not isinstance(text, str):
        return []
    kinds = frozenset(kinds)
    text = text[:20000]
    digits = any(char.isdigit() for char in text)
    found: list[PlaceMention] = []
    if "address" in kinds and digits:
        found += _addresses_in(text, default_country)
    abroad = _foreign_in(text) if digits and kinds & {"foreign", "town"} else []
    if "foreign" in kinds:
        found += abroad
    if "town" in kinds and not abroad:  # next to an address abroad, "City Hall" does not name Hall in Tirol
        taken = [(mention.begin, mention.end) for mention in found]
        found += [mention for mention in _town_mentions(text, default_country)
                  if not any(begin < mention.end and mention.begin < end for begin, end in taken)]
    return sorted(found, key=lambda mention: (mention.begin, -mention.end))


def _addresses_in(text: str, default_country: str) -> list[PlaceMention]:
    gz = gazetteer.load()
    found = []
    for match in _ADDRESS_IN_TEXT.finditer(text):
        country = _COUNTRY_PREFIX.get((match["cc"] or "").upper())
        resolved = _resolve_postcode(match["code"], country, _city_text(match["town"]), gz, default_country)
        if resolved is None or not resolved.city or not resolved.written:
            continue
        end = match.start("town") + len(resolved.written)
        # The venue without its preposition ("in der Stadthalle" is the Stadthalle).
        place = parse_place(text[match.start("venue") if match["venue"] else match.start() : end], default_country)
        if place is not None and place.city:
            found.append(PlaceMention(match.start(), end, place, "address"))
    return found


def _foreign_in(text: str) -> list[PlaceMention]:
    found = []
    for pattern in (_US_ADDRESS_IN_TEXT, _UK_ADDRESS_IN_TEXT):
        for match in pattern.finditer(text):
            place = parse_foreign_address(match.group(0))
            if place is not None:
                found.append(PlaceMention(match.start(), match.end(), place, "foreign"))
    return found


def town_named_in(text: str, default_country: str = "DE") -> Place | None:
    """The town a short text (a title, a venue line, a sentence) names in passing, the strongest
    evidence first: a town adjective ("im Stuttgarter Rathaus"), a town ending a clause ("Halloween
    bei der Feuerwehr Bernau"), a town after "in"/"bei"/"nach" ("Party in Schönow"). Only towns the
    gazetteer knows, in `default_country` or large ones abroad; None when no word is one. For
    addresses use parse_place or find_places."""
    if not text or not isinstance(text, str):
        return None
    return next((mention.place for mention in _town_mentions(text[:2000], default_country)), None)


def _town_mentions(text: str, default_country: str) -> list[PlaceMention]:
    """Towns named in passing, in the order of their evidence (see town_named_in)."""
    gz = gazetteer.load()
    # The names of German states are no towns, and a clause ends before them ("… Stiftung Baden-Württemberg").
    text = _STATE_NAMES_DE.sub(lambda match: " " * len(match.group(0)), text)
    candidates: dict[tuple[int, int], str] = {}
    for match in _ADJECTIVE_TOWN.finditer(text):
        candidates.setdefault((match.start("town"), match.end("town") + len("er")), match["town"])
    for clause in _CLAUSE.finditer(text):
        offset = clause.start()
        for part in re.split(r"(\s+-\s+)", clause.group(0)):
            match = _TRAILING_TOWN.search(part)
            if match:
                candidates.setdefault((offset + match.start("town"), offset + match.end("town")), match["town"])
            offset += len(part)
    for match in _IN_NAMED_TOWN.finditer(text):
        candidates.setdefault(match.span("town"), match["town"])
    found = []
    for (begin, end), written in candidates.items():
        name = written.rstrip(" .,:-")  # "… nach Esslingen."
        if text[begin:end] == written:
            end = begin + len(name)
        if not name or _ONLINE_SEGMENT.match(name):
            continue
        town = _as_town(name, gz, default_country, None)
        # Named in passing, a village abroad is more often a word ("Weitere Termine" and Termine TI).
        if town is not None and (town.country == default_country or town.weight >= 15):
            place = Place(city=town.name, region=town.region, country=town.country, lat=town.lat, lng=town.lng)
            found.append(PlaceMention(begin, end, place, "town"))
    return found


_STATE_NAMES_DE = re.compile(
    r"\b(?:" + "|".join(sorted(map(re.escape, gazetteer.GERMAN_STATES - {"Berlin", "Bremen", "Hamburg"}),
                                key=len, reverse=True)) + r")\b"
)


# --- attendance -------------------------------------------------------------------------------------

_SCHEMA_MODES = {
    "offlineeventattendancemode": Attendance.OFFLINE,
    "onlineeventattendancemode": Attendance.ONLINE,
    "mixedeventattendancemode": Attendance.MIXED,
    "offline": Attendance.OFFLINE,
    "online": Attendance.ONLINE,
    "mixed": Attendance.MIXED,
}
_EVENT_NOUNS = (
    r"veranstaltung\w*|seminar\w*|event\w*|workshop\w*|konferenz\w*|tagung\w*|meeting\w*|vortr(?:ag|äge)\w*|"
    r"sprechstunde\w*|schulung\w*|training\w*|session\w*|kurs\w*|format\w*|forum|foren|talk\w*|"
    r"info(?:rmations)?(?:veranstaltung|abend|stunde|termin)\w*|stammtisch\w*|sitzung\w*|kongress\w*|"
    r"messe\w*|fair\w*|conference\w*|lecture\w*|course\w*|panel\w*|plenum|treffen|austausch|summit\w*|"
    r"meetup\w*|sprechtag\w*|beratung\w*|coaching\w*|netzwerk\w*|networking|lesung\w*|diskussion\w*|"
    r"barcamp\w*|hackathon\w*|pitch\w*|fortbildung\w*|weiterbildung\w*|lehrgang\w*|frühstück\w*|"
    r"matchmaking\w*|vortragsreihe\w*|reihe|symposium\w*|gipfel\w*|dialog\w*|expo\w*|kolloquium\w*|webcast\w*"
)
# After "online" (never a topic prefix) a few more words name an event: "Online-Tag", "online days".
_ONLINE_NOUNS = _EVENT_NOUNS + r"|days?\b|tage?\b|abend\w*|sprint\w*|café|cafe"
_MEETING_TOOLS = (
    r"zoom|(?:ms|microsoft)[\s-]teams|teams|webex|gotomeeting|gotowebinar|go\s?to\s?meeting|jitsi|bigbluebutton|"
    r"big\s?blue\s?button|google\s?meet|skype|edudip|clickmeeting|hopin|alfaview|wonder\.me|gather\.town"
)
_NEGATION = r"(?<!\bkein\s)(?<!\bkeine\s)(?<!\bnicht\s)(?<!\bno\s)(?<!\bnot\s)"
_HYBRID = re.compile(
    r"\bhybrid(?:e|en|er|es)?[\s-]*(?:" + _EVENT_NOUNS + r"|form\b|modus|mode\b|präsenz|angebot|durchführung|"
    r"teilnahme|setting)"
    r"|\b(?:findet|läuft|wird|stattfinden|statt|takes\s+place|will\s+be\s+held|is)\b[^.\n]{0,40}\bhybrid\b"
    r"|\bals\s+hybrid|\(\s*hybrid\s*\)|^\s*hybrid\s*$|\b(?:format|modus|ort|location|venue|art|typ|type)\s*:\s*hybrid\b"
    r"|\bhybrid\s*(?:/|und|oder|&|and|or)\s*(?:online|vor\s+ort|präsenz)"
    r"|\b(?:vor\s+ort|in\s+präsenz|präsenz|persönlich|in[\s-]person|on[\s-]?site|im\s+saal)\s*(?:und|oder|sowie|/|&|\+|and|or|bzw\.?)\s*"
    r"(?:auch\s+)?(?:online|digital|virtuell|remote|per\s+(?:video|live)|im\s+live[\s-]?stream|via\s+live[\s-]?stream|"
    r"per\s+(?:" + _MEETING_TOOLS + r")|virtually)"
    r"|\b(?:online|digital|virtuell|remote|virtually)\s*(?:und|oder|sowie|/|&|\+|and|or|bzw\.?)\s*(?:auch\s+)?"
    r"(?:vor\s+ort|in\s+präsenz|präsenz|persönlich|in[\s-]person|on[\s-]?site)",
    re.IGNORECASE | re.MULTILINE,
)
_ONLINE = re.compile(
    _NEGATION + r"\bonline[\s-]*(?:" + _ONLINE_NOUNS + r")"
    # "digitale Veranstaltung", never the compound: a "Digitalgipfel" or "Digitalmesse" is about digital topics.
    r"|"
    + _NEGATION
    + r"\bdigital(?:e|en|er|es)\s+(?:"
    + _ONLINE_NOUNS
    + r")|\bdigital\s+(?:event|meeting|conference)s?\b"
    r"|" + _NEGATION + r"\bvirtuell(?:e|en|er|es)?[\s-]*(?:" + _EVENT_NOUNS + r"|raum|räume)"
    r"|" + _NEGATION + r"\bvirtual[\s-]+(?:" + _EVENT_NOUNS + r")"
    r"|\bweb(?:inar|seminar)\w*"
    r"|\b(?:findet|fand|finden|fanden|wird|wurde|werden|wurden)\b[^.\n]{0,60}?\b(?:online|digital|virtuell)\b[^.\n]{0,30}?"
    r"\b(?:statt|durchgeführt|abgehalten|angeboten)\b"
    r"|\b(?:läuft|lief|laufen|liefen)\b[^.\n]{0,30}?\b(?:online|digital|virtuell)\b"
    r"|\b(?:rein|nur|ausschließlich|komplett|vollständig|100\s?%)\s+(?:online|digital|virtuell)\b"
    r"|\b(?:online|digital|virtuell)\s+(?:via|per|über|mit|auf|in|im)\s+(?:der\s+|dem\s+)?(?:" + _MEETING_TOOLS + r")"
    r"|\b(?:via|per|über|on|auf|in|im)\s+(?:" + _MEETING_TOOLS + r")\b(?![\s-]*(?:app|account|konto))"
    r"|\b(?:" + _MEETING_TOOLS + r")[\s-]*(?:meeting|konferenz|call|webinar|link|session|sitzung|raum|room|einwahl)"
    r"|\(\s*(?:online|digital|virtuell|virtual)\s*\)|^\s*(?:online|digital|virtuell|virtual)\s*$"
    r"|\b(?:format|modus|ort|location|venue|where|wo|veranstaltungsort|art|typ|type)\s*:\s*(?:online|digital|virtuell|virtual)\b"
    r"|\b(?:takes\s+place|will\s+be\s+held|held|hosted|happening|runs|join\s+us)\s+(?:entirely\s+|fully\s+|exclusively\s+)?(?:online|virtually)\b"
    r"|\bonline[\s-]only\b|\bvirtual[\s-]only\b",
    re.IGNORECASE | re.MULTILINE,
)
# A live stream alongside a room is a mixed event; on its own an online one.
_STREAM = re.compile(_NEGATION + r"\b(?:live[\s-]?stream\w*|übertragung\s+im\s+internet|streaming)\b", re.IGNORECASE)
_OFFLINE_STRONG = re.compile(
    r"\b(?:in\s+präsenz|präsenz[\s-]*(?:"
    + _EVENT_NOUNS
    + r"|termin\w*|teilnahme)|in[\s-]person|on[\s-]?site\s+(?:event|only)|"
    r"nur\s+vor\s+ort|ausschließlich\s+vor\s+ort|keine?\s+online[\s-]*teilnahme|keine?\s+(?:live[\s-]?stream|übertragung))",
    re.IGNORECASE,
)
_OFFLINE_WEAK = re.compile(r"\bvor\s+ort\b", re.IGNORECASE)
# A stream "in addition" to the room, or a stream next to a street address: both mean mixed.
_STREAM_EXTRA = re.compile(
    r"\b(?:zusätzlich|parallel|gleichzeitig|außerdem|additionally|also)\b[^.\n]{0,40}"
    r"\b(?:live[\s-]?stream\w*|gestreamt|übertragen|streamed)",
    re.IGNORECASE,
)
_ADDRESS = re.compile(r"(?<![\d.])\d{5}\s+[A-ZÄÖÜ][a-zäöüß]")
# Meeting links, by their host and path (no sub-domain part: "us02web.zoom.us/j/…" matches on "zoom.us/j").
_MEETING_LINK = re.compile(
    r"(?i)\b(?:zoom\.us|zoom\.com|zoomgov\.com)/(?:j|w|webinar|meeting|my|s)\b"
    r"|\bteams\.microsoft\.com/(?:l/meetup-join|meet)|\bteams\.live\.com/meet"
    r"|\bwebex\.com/(?:meet|join|weblink|[\w-]{1,40}/j\.php)|\bgotomeeting\.com/join|\bmeet\.goto\.com"
    r"|\bgotowebinar\.com|\bmeet\.google\.com/|\bmeet\.jit\.si/|\bedudip\.com|\bclickmeeting\.com"
    r"|\bhopin\.com/events|\bbigbluebutton|\balfaview\.com"
)


def detect_attendance(text: str = "", urls: Iterable[str] = (), schema_mode: str | None = None) -> Attendance | None:
    """ONLINE / MIXED / OFFLINE from schema.org's mode, wording and meeting links; None when nothing says.

    Explicit hybrid wording always means MIXED. schema.org's Online and Mixed are taken as they
    are; its Offline is what many calendar plugins write by default, so a page that plainly says
    "Webinar" or links a Zoom meeting (and says nothing of a room) overrides it.
    """
    text = _clean(text or "")[:20000]
    links = " ".join(url for url in urls if isinstance(url, str))
    schema = None
    if schema_mode:
        schema = _SCHEMA_MODES.get(schema_mode.strip().rstrip("/").rsplit("/", 1)[-1].rsplit(":", 1)[-1].casefold())
    hybrid = bool(_HYBRID.search(text))
    online = bool(_ONLINE.search(text) or _MEETING_LINK.search(text) or _MEETING_LINK.search(links))
    stream = bool(_STREAM.search(text))
    offline_strong = bool(_OFFLINE_STRONG.search(text))
    offline = offline_strong or bool(_OFFLINE_WEAK.search(text))

    if hybrid or schema is Attendance.MIXED:
        return Attendance.MIXED
    if schema is Attendance.ONLINE:
        return Attendance.MIXED if offline_strong else Attendance.ONLINE
    if online:
        if offline_strong:
            return Attendance.MIXED
        return Attendance.ONLINE
    if stream:
        in_room = offline or schema is Attendance.OFFLINE or _ADDRESS.search(text) or _STREAM_EXTRA.search(text)
        return Attendance.MIXED if in_room else Attendance.ONLINE
    if schema is Attendance.OFFLINE or offline:
        return Attendance.OFFLINE
    return None
