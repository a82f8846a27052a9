"""Venue/address parsing, town look-up and online/hybrid detection on the built gazetteer."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from hypothesis import given, settings
from hypothesis import strategies as st

from kontext.records import Venue
from kontext.vocabulary import Attendance
from pipelines import gazetteer
from pipelines.places import (
    Place,
    detect_attendance,
    distance_km,
    find_places,
    locate,
    parse_foreign_address,
    parse_place,
    town_named_in,
)


@pytest.fixture(scope="module", autouse=True)
def built_gazetteer() -> None:
    if gazetteer.built_id() != gazetteer.BUILD_ID:
        pytest.fail("the gazetteer is not built; run `make install` (python -m pipelines.gazetteer build)")


def near(place: Place | None, lat: float, lng: float, km: float = 15) -> bool:
    return place is not None and place.lat is not None and distance_km((place.lat, place.lng), (lat, lng)) < km


# postcode + town -> region and the town's rough centre (our own reference coordinates).
STATES = [
    ("70173 Stuttgart", "Baden-Württemberg", 48.78, 9.18),
    ("80331 München", "Bayern", 48.14, 11.58),
    ("10117 Berlin", "Berlin", 52.52, 13.39),
    ("14467 Potsdam", "Brandenburg", 52.40, 13.06),
    ("28195 Bremen", "Bremen", 53.08, 8.80),
    ("20095 Hamburg", "Hamburg", 53.55, 10.00),
    ("65183 Wiesbaden", "Hessen", 50.08, 8.24),
    ("19053 Schwerin", "Mecklenburg-Vorpommern", 53.63, 11.41),
    ("30159 Hannover", "Niedersachsen", 52.37, 9.74),
    ("40213 Düsseldorf", "Nordrhein-Westfalen", 51.23, 6.77),
    ("55116 Mainz", "Rheinland-Pfalz", 50.00, 8.27),
    ("66111 Saarbrücken", "Saarland", 49.23, 7.00),
    ("01067 Dresden", "Sachsen", 51.05, 13.74),
    ("39104 Magdeburg", "Sachsen-Anhalt", 52.13, 11.63),
    ("24103 Kiel", "Schleswig-Holstein", 54.32, 10.13),
    ("99084 Erfurt", "Thüringen", 50.98, 11.03),
]
AUSTRIA = [
    ("1010 Wien", "Wien", 48.21, 16.37),
    ("8010 Graz", "Steiermark", 47.07, 15.44),
    ("6020 Innsbruck", "Tirol", 47.27, 11.39),
    ("5020 Salzburg", "Salzburg", 47.80, 13.04),
    ("4020 Linz", "Oberösterreich", 48.31, 14.29),
    ("9020 Klagenfurt", "Kärnten", 46.62, 14.31),
    ("6900 Bregenz", "Vorarlberg", 47.50, 9.75),
    ("3100 St. Pölten", "Niederösterreich", 48.20, 15.62),
    ("7000 Eisenstadt", "Burgenland", 47.85, 16.52),
]
SWITZERLAND = [
    ("8001 Zürich", "Zürich", 47.37, 8.54),
    ("3011 Bern", "Bern", 46.95, 7.45),
    ("1201 Genève", "Genf", 46.21, 6.14),
    ("4051 Basel", "Basel-Stadt", 47.56, 7.59),
    ("1003 Lausanne", "Waadt", 46.52, 6.63),
    ("9000 St. Gallen", "St. Gallen", 47.42, 9.37),
    ("6900 Lugano", "Tessin", 46.00, 8.95),
    ("6003 Luzern", "Luzern", 47.05, 8.31),
]


@pytest.mark.parametrize(("text", "region", "lat", "lng"), STATES)
def test_every_german_state(text: str, region: str, lat: float, lng: float) -> None:
    place = parse_place(f"Beispielweg 1, {text}")
    assert place.region == region
    assert place.country == "DE"
    assert place.postcode == text.split()[0]
    assert place.city == text.split(" ", 1)[1]
    assert near(place, lat, lng)


@pytest.mark.parametrize(("text", "region", "lat", "lng"), AUSTRIA)
def test_austria(text: str, region: str, lat: float, lng: float) -> None:
    place = parse_place(f"A-{text}")
    assert (place.country, place.region) == ("AT", region)
    assert near(place, lat, lng)
    # Without the prefix the town decides between the Austrian and the Swiss postcode.
    assert parse_place(text).country == "AT"


@pytest.mark.parametrize(("text", "region", "lat", "lng"), SWITZERLAND)
def test_switzerland(text: str, region: str, lat: float, lng: float) -> None:
    place = parse_place(f"{text}, Schweiz")
    assert (place.country, place.region) == ("CH", region)
    assert near(place, lat, lng)
    assert parse_place(f"CH-{text}").region == region


def test_full_venue_address() -> None:
    place = parse_place("Congress Centrum Hannover, Theodor-Heuss-Platz 1-3, 30175 Hannover")
    assert place == Place(
        name="Congress Centrum Hannover",
        street="Theodor-Heuss-Platz 1-3",
        postcode="30175",
        city="Hannover",
        region="Niedersachsen",
        country="DE",
        lat=place.lat,
        lng=place.lng,
    )
    assert near(place, 52.37, 9.77)


def test_attendance_words_are_not_venue_names() -> None:
    place = parse_place("Hybrid-Veranstaltung, Haus der Wirtschaft, Kammerweg 19, 70174 Stuttgart")
    assert (place.name, place.street, place.city) == ("Haus der Wirtschaft", "Kammerweg 19", "Stuttgart")
    assert parse_place("Online, Kammerweg 19, 30159 Hannover").name is None


def test_label_and_chamber_venue() -> None:
    place = parse_place("Ort: IHK Lüneburg-Wolfsburg, Am Sande 1, 21335 Lüneburg")
    assert (place.name, place.street, place.postcode, place.city) == (
        "IHK Lüneburg-Wolfsburg",
        "Am Sande 1",
        "21335",
        "Lüneburg",
    )
    assert place.region == "Niedersachsen"


@pytest.mark.parametrize(
    ("text", "country", "city", "postcode"),
    [
        ("D-80331 München", "DE", "München", "80331"),
        ("A-1010 Wien", "AT", "Wien", "1010"),
        ("CH-8001 Zürich", "CH", "Zürich", "8001"),
        ("8001 Zürich, Schweiz", "CH", "Zürich", "8001"),
        ("1010 Lausanne", "CH", "Lausanne", "1010"),
        ("DE-10117 Berlin", "DE", "Berlin", "10117"),
    ],
)
def test_country_prefixes_and_four_digit_postcodes(text: str, country: str, city: str, postcode: str) -> None:
    place = parse_place(text)
    assert (place.country, place.city, place.postcode) == (country, city, postcode)


@pytest.mark.parametrize(
    ("text", "street"),
    [
        ("Hauptstraße 12a, 69117 Heidelberg", "Hauptstraße 12a"),
        ("Bahnhofstr. 5-7, 70173 Stuttgart", "Bahnhofstr. 5-7"),
        ("Platz der Republik 1, 11011 Berlin", "Platz der Republik 1"),
        ("Theodor-Heuss-Platz 1–3, 30175 Hannover", "Theodor-Heuss-Platz 1–3"),
        ("Königstraße 1/3, 70173 Stuttgart", "Königstraße 1/3"),
        ("An der Alster 12 b, 20099 Hamburg", "An der Alster 12 b"),
        ("Bahnhofstrasse 10, 8001 Zürich", "Bahnhofstrasse 10"),
        ("Stubenring 8-10, 1010 Wien", "Stubenring 8-10"),
        ("Domplatz, 39104 Magdeburg", "Domplatz"),
        ("Lindenallee 4 30159 Hannover", "Lindenallee 4"),
    ],
)
def test_street_forms(text: str, street: str) -> None:
    assert parse_place(text).street == street


def test_rooms_and_halls_are_not_streets() -> None:
    place = parse_place("Messe Beispielstadt, Halle 7, Stand B12, Messeplatz 1, 30521 Hannover")
    assert place.street == "Messeplatz 1"
    assert place.name == "Messe Beispielstadt, Halle 7, Stand B12"
    assert place.city == "Hannover"


@pytest.mark.parametrize(
    ("text", "name", "street"),
    [
        ("Tagungshotel Am Lindenpark, Parkweg 5, 30851 Langenhagen", "Tagungshotel Am Lindenpark", "Parkweg 5"),
        ("Congress am Flussbogen\nÜberseering 40\n28217 Bremen", "Congress am Flussbogen", "Überseering 40"),
        ("Gewerbepark Nord, Werk 2, Industriering 28, 31224 Peine", "Gewerbepark Nord, Werk 2", "Industriering 28"),
        (
            "Altstadt, Markt und Kirchgasse, Am Rathausplatz, 31785 Hameln",
            "Altstadt, Markt und Kirchgasse",
            "Am Rathausplatz",
        ),
        ("Beispielhaus - Holzweg 6-9 direkt am Bahnhof, 10179 Berlin", "Beispielhaus", "Holzweg 6-9"),
        ("Holzweg 6-9. 10179 Berlin", None, "Holzweg 6-9"),
        ("Straße des 17. Juni 135, 10623 Berlin", None, "Straße des 17. Juni 135"),
    ],
)
def test_venue_names_next_to_streets(text: str, name: str | None, street: str) -> None:
    place = parse_place(text)
    assert (place.name, place.street) == (name, street)


@pytest.mark.parametrize("text", ["Hanover, NH, United States", "Paris, France", "Bern, Indiana, USA", "London, UK"])
def test_towns_abroad_are_not_matched_to_namesakes(text: str) -> None:
    assert parse_place(text) is None


def test_multi_line_block_with_postcode_and_town_on_separate_lines() -> None:
    place = parse_place("Forum Lernen, Halle 2\nMesse Köln\nMesseplatz 1\n50679\nKöln")
    assert (place.street, place.postcode, place.city, place.region) == (
        "Messeplatz 1",
        "50679",
        "Köln",
        "Nordrhein-Westfalen",
    )
    assert place.name == "Forum Lernen, Halle 2, Messe Köln"


def test_town_before_postcode() -> None:
    place = parse_place("Anschrift:\nBautzener Str. 3\n,\nHorka /OL\n,\n02923")
    assert (place.street, place.city, place.postcode, place.region) == ("Bautzener Str. 3", "Horka", "02923", "Sachsen")


def test_venue_in_parenthesis_and_qualified_town() -> None:
    place = parse_place("Lindenstraße 4 (Kulturhaus am Markt)\n16321 Bernau bei Berlin")
    assert place.name == "Kulturhaus am Markt"
    assert (place.street, place.postcode, place.city, place.region) == (
        "Lindenstraße 4",
        "16321",
        "Bernau",
        "Brandenburg",
    )
    assert parse_place("Lindenstraße 4, 16321 Bernau (Kulturhaus am Markt)").name == "Kulturhaus am Markt"


@pytest.mark.parametrize(
    ("text", "city"),
    [
        ("D-86633 Neuburg a.d.D", "Neuburg an der Donau"),
        ("60327 Frankfurt a. M.", "Frankfurt am Main"),
        ("60327 Frankfurt/Main", "Frankfurt am Main"),
        ("15230 Frankfurt (Oder)", "Frankfurt (Oder)"),
        ("79098 Freiburg i. Br.", "Freiburg im Breisgau"),
        ("9000 Sankt Gallen", "St. Gallen"),
        ("50667 Koeln", "Köln"),
    ],
)
def test_town_variants_are_written_the_gazetteer_way(text: str, city: str) -> None:
    assert parse_place(text).city == city


def test_a_village_the_postcode_list_files_elsewhere_keeps_its_name_without_what_follows() -> None:
    # Kaltenberg is part of Geltendorf, the postcode's town in the postal data.
    place = parse_place("D-82269 Kaltenberg Ritterturnier auf der Schlosswiese")
    assert (place.city, place.postcode, place.region, place.country) == ("Kaltenberg", "82269", "Bayern", "DE")
    assert near(place, 48.12, 11.03)


@pytest.mark.parametrize(
    ("text", "city"),
    [
        ("79098 Freiburg statt", "Freiburg im Breisgau"),
        ("50667 Köln Weitere Informationen", "Köln"),
        ("60327 Frankfurt am Main Messegelände Halle 3", "Frankfurt am Main"),
        ("16321 Bernau bei Berlin Ortsteil Schönow", "Bernau"),
        ("70569 Stuttgart-Vaihingen", "Stuttgart"),
        ("Theodor-Heuss-Platz 1-3, 30175 Hannover Congress Centrum", "Hannover"),
    ],
)
def test_the_town_is_the_longest_known_start_of_the_words_after_the_postcode(text: str, city: str) -> None:
    assert parse_place(text).city == city


@pytest.mark.parametrize(
    ("text", "country", "city"),
    [("Ch-6000 Luzern", "CH", "Luzern"), ("d-80331 München", "DE", "München"), ("a-1010 Wien", "AT", "Wien")],
)
def test_country_prefixes_in_any_case(text: str, country: str, city: str) -> None:
    place = parse_place(text)
    assert (place.country, place.city) == (country, city)
    assert locate(text).city == city


def test_postcodes_with_wildcard_digits() -> None:
    place = parse_place("D-3539x Giessen")
    assert (place.postcode, place.city, place.region, place.country) == (None, "Gießen", "Hessen", "DE")
    assert near(place, 50.58, 8.68)
    assert parse_place("353xx Gießen, Hessen").city == "Gießen"
    # The words must name a town under the prefix; a namesake elsewhere is not meant.
    assert parse_place("D-3539x Frankfurt") is None
    # Two villages of that name under the prefix, far apart: the region only when both share it, and
    # no coordinates.
    twice = parse_place("D-172xx Grünow")
    assert (twice.city, twice.region, twice.country, twice.lat, twice.lng) == ("Grünow", None, "DE", None, None)
    same_state = parse_place("D-163xx Schönow")
    assert (same_state.city, same_state.region, same_state.lat) == ("Schönow", "Brandenburg", None)


@pytest.mark.parametrize(
    ("text", "city", "region"),
    [
        ("Hannover", "Hannover", "Niedersachsen"),
        ("in Stuttgart", "Stuttgart", "Baden-Württemberg"),
        ("Frankfurt", "Frankfurt am Main", "Hessen"),
        ("Frankfurt (Main)", "Frankfurt am Main", "Hessen"),
        ("Munich", "München", "Bayern"),
        ("Muenchen", "München", "Bayern"),
        ("Vienna, Austria", "Wien", "Wien"),
        ("St. Gallen", "St. Gallen", "St. Gallen"),
        ("Zürich", "Zürich", "Zürich"),
        ("Stuttgart-Vaihingen", "Stuttgart", "Baden-Württemberg"),
        ("Halle (Saale)", "Halle", "Sachsen-Anhalt"),
    ],
)
def test_bare_towns(text: str, city: str, region: str) -> None:
    place = parse_place(text)
    assert (place.name, place.street, place.postcode) == (None, None, None)
    assert (place.city, place.region) == (city, region)
    assert place.lat is not None


def test_venue_in_town() -> None:
    place = parse_place("Haus der Wirtschaft in Stuttgart")
    assert (place.name, place.city) == ("Haus der Wirtschaft", "Stuttgart")
    place = parse_place("Veranstaltungsort: Kulturzentrum, Marktplatz 3, Bernau")
    assert (place.name, place.street, place.city, place.region) == (
        "Kulturzentrum",
        "Marktplatz 3",
        "Bernau",
        "Brandenburg",
    )


# Addresses abroad: the town as written, no coordinates (no gazetteer covers them)


@pytest.mark.parametrize(
    ("text", "city", "region", "postcode", "country"),
    [
        ("Memphis, TN, US", "Memphis", "TN", None, "US"),
        ("Chicago, IL 60601", "Chicago", "IL", "60601", "US"),
        ("Springfield, Illinois 62701, USA", "Springfield", "IL", "62701", "US"),
        ("Hanover, NH, United States", "Hanover", "NH", None, "US"),
        ("Wilmington, DE 19801", "Wilmington", "DE", "19801", "US"),  # Delaware, not Germany
        ("London, UK", "London", None, None, "GB"),
        ("London SW1A 1AA", "London", None, "SW1A 1AA", "GB"),
        ("Paris, France", "Paris", None, None, "FR"),
    ],
)
def test_foreign_addresses(text: str, city: str, region: str | None, postcode: str | None, country: str) -> None:
    place = parse_foreign_address(text)
    assert (place.city, place.region, place.postcode, place.country) == (city, region, postcode, country)
    assert (place.lat, place.lng) == (None, None)


def test_foreign_address_with_a_street() -> None:
    place = parse_foreign_address("City Hall, 121 N. Example St, Chicago, IL, 60602, US")
    assert (place.street, place.city, place.region, place.postcode) == ("121 N. Example St", "Chicago", "IL", "60602")


@pytest.mark.parametrize(
    "text", ["Hannover, Deutschland", "30159 Hannover", "Chicago", "Berlin, Germany 10115", "", "Room 12, Hall B"]
)
def test_not_foreign_addresses(text: str) -> None:
    assert parse_foreign_address(text) is None


# Places in running text


def mentions(text: str, **options) -> list[tuple[str, str, str | None]]:
    return [(m.kind, text[m.begin : m.end], m.place.city) for m in find_places(text, **options)]


def test_an_address_inside_a_sentence_ends_with_its_town() -> None:
    text = "Die Tagung findet in der Stadthalle, Hauptstraße 5, 79098 Freiburg statt. Anmeldung: 0761 2018."
    assert mentions(text) == [("address", "in der Stadthalle, Hauptstraße 5, 79098 Freiburg", "Freiburg im Breisgau")]
    place = find_places(text)[0].place
    assert (place.name, place.street, place.postcode, place.region) == (
        "Stadthalle", "Hauptstraße 5", "79098", "Baden-Württemberg")
    assert mentions("Weitere Termine: 50667 Köln Weitere Informationen folgen") == [
        ("address", "50667 Köln", "Köln")]


def test_addresses_abroad_in_running_text() -> None:
    text = "Join us at City Hall, 121 N. Example St, Chicago, IL 60602 for the meeting, or online."
    assert mentions(text) == [("foreign", "Chicago, IL 60602", "Chicago")]  # "City Hall" is not Hall in Tirol
    assert mentions("Our office: London SW1A 1AA.") == [("foreign", "London SW1A 1AA", "London")]


def test_towns_named_in_passing() -> None:
    text = "Treffpunkt im Stuttgarter Rathaus, danach geht es nach Esslingen."
    assert mentions(text) == [("town", "Stuttgarter", "Stuttgart"), ("town", "Esslingen", "Esslingen am Neckar")]
    assert mentions("Halloween bei der Freiwilligen Feuerwehr Bernau") == [("town", "Bernau", "Bernau")]
    assert mentions(text, kinds=("address",)) == []


def test_state_names_are_not_towns() -> None:
    text = "Jahrestagung der Stiftung Baden-Württemberg am Samstag im Stuttgarter Rathaus"
    assert [city for _, _, city in mentions(text)] == ["Stuttgart"]
    assert town_named_in(text).city == "Stuttgart"


def test_the_town_a_short_text_names() -> None:
    assert town_named_in("Halloween-Party in Schönow").city == "Schönow"
    # An adjective names the town more surely than a clause's last word.
    assert town_named_in("Lesung im Potsdamer Kulturhaus, Gast aus Bernau").city == "Potsdam"
    assert town_named_in("Stammtisch im Ratskeller") is None
    assert town_named_in("") is None


@pytest.mark.parametrize(
    "text",
    [
        "Online",
        "online",
        "Webinar",
        "Online-Veranstaltung",
        "Zoom",
        "",
        "   ",
        "asdf qwer",
        "!!!",
        "12345",
        "10000 Besucher erwartet",
        "2025 Hannover",
        "12.03.2025 Hannover",
        "Telefon: 03338 750812",
        "Stadthalle",
        "Main Stage",
        "1. OG, Raum 2.01",
        "Siemens",
        "Die Veranstaltung findet in der Stadthalle statt.",
    ],
)
def test_no_place(text: str) -> None:
    assert parse_place(text) is None


def test_nothing_is_invented_from_a_postcode_alone() -> None:
    place = parse_place("Beispielstraße 4, 30159")
    assert (place.postcode, place.city, place.region) == ("30159", None, "Niedersachsen")


def test_to_venue() -> None:
    venue = parse_place("Theodor-Heuss-Platz 1-3, 30175 Hannover").to_venue()
    assert isinstance(venue, Venue)
    assert (venue.city, venue.region, venue.country) == ("Hannover", "Niedersachsen", "DE")
    assert venue.geo is not None and venue.geo.lat == pytest.approx(52.37, abs=0.1)
    assert Place(name="Raum 1").to_venue().geo is None


@given(st.text(max_size=200))
@settings(max_examples=300, deadline=None)
def test_any_text_parses_without_exceptions(text: str) -> None:
    place = parse_place(text)
    assert place is None or isinstance(place, Place)
    assert detect_attendance(text) in (None, *Attendance)


@given(st.from_regex(r"[A-ZÄÖÜ][a-zäöüß]{2,12}(str\.|straße|weg) \d{1,3}, \d{5} [A-ZÄÖÜ][a-zäöü]{3,10}"))
@settings(max_examples=100, deadline=None)
def test_address_shapes_never_raise(text: str) -> None:
    place = parse_place(text)
    assert place is None or place.postcode == text.split(", ")[1][:5]


# --- locate and distances ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "country", "city", "lat", "lng"),
    [
        ("Hannover", None, "Hannover", 52.37, 9.73),
        ("30159", None, "Hannover", 52.37, 9.74),
        ("CH-8001", None, "Zürich", 47.37, 8.54),
        ("8001 Zürich", None, "Zürich", 47.37, 8.54),
        ("1010", "AT", "Wien", 48.21, 16.37),
        ("Munich", None, "München", 48.14, 11.58),
        ("Frankfurt", None, "Frankfurt am Main", 50.11, 8.68),
        ("Zürich", None, "Zürich", 47.37, 8.54),
        ("near Köln", None, "Köln", 50.94, 6.96),
    ],
)
def test_locate(query: str, country: str | None, city: str, lat: float, lng: float) -> None:
    place = locate(query, country=country)
    assert place.city == city
    assert near(place, lat, lng)


@pytest.mark.parametrize("query", ["", "   ", "Atlantis", "99999", "!!!"])
def test_locate_nothing(query: str) -> None:
    assert locate(query) is None


def test_distance_between_located_towns() -> None:
    hannover, berlin = locate("Hannover"), locate("Berlin")
    assert distance_km((hannover.lat, hannover.lng), (berlin.lat, berlin.lng)) == pytest.approx(250, abs=10)


# --- attendance ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Online", Attendance.ONLINE),
        ("Ort: online\nPlenum der Ortsgruppe", Attendance.ONLINE),
        ("Webinar: Exportkontrolle für KMU", Attendance.ONLINE),
        ("Online-Seminar zur Förderberatung", Attendance.ONLINE),
        ("Die Veranstaltung findet online statt.", Attendance.ONLINE),
        ("Digitaler Stammtisch für Gründerinnen", Attendance.ONLINE),
        ("Virtuelle Messe für Zulieferer", Attendance.ONLINE),
        ("Die Zugangsdaten für das Zoom-Meeting erhalten Sie per E-Mail.", Attendance.ONLINE),
        ("Austausch per MS Teams", Attendance.ONLINE),
        ("This event takes place online.", Attendance.ONLINE),
        ("Join us online via Zoom", Attendance.ONLINE),
        ("Livestream der Preisverleihung", Attendance.ONLINE),
        ("Our online matchmaking days connect corporates and startups", Attendance.ONLINE),
        ("Wegen der Pandemie lief die Reihe diesmal virtuell.", Attendance.ONLINE),
        ("Der Abend fand digital statt.", Attendance.ONLINE),
        ("Die Veranstaltung findet hybrid statt.", Attendance.MIXED),
        ("Hybrid-Veranstaltung im Haus der Wirtschaft", Attendance.MIXED),
        ("Teilnahme vor Ort oder online möglich", Attendance.MIXED),
        ("Sie können vor Ort und online teilnehmen.", Attendance.MIXED),
        ("in person and online", Attendance.MIXED),
        ("Präsenzveranstaltung mit Livestream", Attendance.MIXED),
        ("Der Vortrag wird zusätzlich im Livestream übertragen.", Attendance.MIXED),
        ("Seminar in Präsenz", Attendance.OFFLINE),
        ("In-person event in Berlin", Attendance.OFFLINE),
        ("Kein Livestream. Vortrag im Rathaus.", Attendance.OFFLINE),
        ("Eine Online-Teilnahme ist nicht möglich; keine Online-Teilnahme.", Attendance.OFFLINE),
        ("Online-Anmeldung bis zum 3. März erforderlich.", None),
        ("Please use the online registration form.", None),
        ("Jetzt online anmelden und Platz sichern!", None),
        ("Online-Marketing für Handwerksbetriebe", None),
        ("Die Aufzeichnung wird online veröffentlicht.", None),
        ("Tickets können online erworben werden.", None),
        ("Workshop zu Hybridantrieben im Nutzfahrzeugbau", None),
        ("Digitalisierung im Mittelstand", None),
        ("Digitalgipfel der Landesregierung im Kongresshaus", None),
        ("Digitalmesse für das Handwerk", None),
        ("Hybridtage: Antriebe für Nutzfahrzeuge", None),
        ("Virtual Reality in der Produktion", None),
        ("Startup-Teams pitchen vor Investoren", None),
        ("", None),
    ],
)
def test_attendance_from_wording(text: str, expected: Attendance | None) -> None:
    assert detect_attendance(text) is expected


@pytest.mark.parametrize(
    "url",
    [
        "https://us02web.zoom.us/j/123456789?pwd=abc",
        "https://teams.microsoft.com/l/meetup-join/19%3ameeting_abc",
        "https://example.webex.com/meet/beispiel",
        "https://global.gotomeeting.com/join/123456789",
        "https://meet.google.com/abc-defg-hij",
    ],
)
def test_attendance_from_meeting_links(url: str) -> None:
    assert detect_attendance("Workshop", urls=[url]) is Attendance.ONLINE
    assert detect_attendance(f"Einwahl: {url}") is Attendance.ONLINE


def test_registration_links_are_not_meeting_links() -> None:
    assert detect_attendance("Workshop", urls=["https://www.ihk.de/anmeldung", "https://zoom-messe.example/"]) is None


@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        ("https://schema.org/OnlineEventAttendanceMode", Attendance.ONLINE),
        ("http://schema.org/OfflineEventAttendanceMode", Attendance.OFFLINE),
        ("MixedEventAttendanceMode", Attendance.MIXED),
        ("schema:MixedEventAttendanceMode", Attendance.MIXED),
        ("https://schema.org/OnlineEventAttendanceMode/", Attendance.ONLINE),
        ("nonsense", None),
    ],
)
def test_attendance_from_schema(mode: str, expected: Attendance | None) -> None:
    assert detect_attendance("Seminar", schema_mode=mode) is expected


def test_wording_overrides_a_default_offline_schema_mode() -> None:
    offline = "https://schema.org/OfflineEventAttendanceMode"
    assert detect_attendance("Webinar zur Exportförderung", schema_mode=offline) is Attendance.ONLINE
    assert detect_attendance("Die Tagung findet hybrid statt", schema_mode=offline) is Attendance.MIXED
    assert detect_attendance("Tagung", schema_mode=offline) is Attendance.OFFLINE


# --- the shapes real German pages write (read from ../shared/data, never copied) -------------------


def _lines(path: Path) -> list[str]:
    soup = BeautifulSoup(path.read_bytes(), "lxml")
    for tag in soup(["script", "style"]):
        tag.decompose()
    return [line.strip() for line in soup.get_text("\n").split("\n") if line.strip()]


def _block_after(lines: list[str], label: str, size: int) -> str:
    index = next(i for i, line in enumerate(lines) if line.rstrip(":") == label)
    return "\n".join(lines[index + 1 : index + 1 + size])


def test_real_page_expected_locations(shared_data: Path) -> None:
    adfc = json.loads((shared_data / "pages/touren-termine.adfc.de/expected_from_tests.json").read_text())
    place = parse_place(adfc["adfc1.html"]["location"])
    assert (place.city, place.region, place.country) == ("Leipzig", "Sachsen", "DE")
    assert place.street is not None and place.postcode is not None
    bund = json.loads((shared_data / "pages/bund-dresden.de/expected_from_tests.json").read_text())
    assert parse_place(bund["bund1.html"]["location"]) is None
    assert detect_attendance(bund["bund1.html"]["location"]) is Attendance.ONLINE


def test_real_page_address_blocks(shared_data: Path) -> None:
    pages = shared_data / "pages"
    trade_fair = parse_place(
        _block_after(_lines(pages / "beltz.de/didacta-2019-veranstaltung.html"), "Veranstaltungsort", 5)
    )
    assert (trade_fair.city, trade_fair.region, trade_fair.street) == ("Köln", "Nordrhein-Westfalen", "Messeplatz 1")
    assert trade_fair.name is not None
    market = parse_place(_block_after(_lines(pages / "wehranlage-horka.de/historischer-markt.html"), "Anschrift", 5))
    assert (market.city, market.region, market.postcode) == ("Horka", "Sachsen", "02923")
    assert market.street is not None
    portal = _lines(pages / "bernau-live.de/veranstaltungstipps-feiertag.html")
    line = next(line for line in portal if re.search(r"\d{5} Bernau", line))
    assert parse_place(line).region == "Brandenburg"


def test_real_market_calendar_towns(shared_data: Path) -> None:
    lines = _lines(shared_data / "pages/marktkalendarium.de/maerkte2022.html")
    towns = [line for line in lines if re.match(r"^D-\d{5}\s", line)]
    assert len(towns) >= 5
    places = [parse_place(town) for town in towns]
    located = [p for p in places if p is not None and p.region and p.lat is not None]
    assert len(located) / len(towns) >= 0.95
    assert all(p.country == "DE" for p in located)
