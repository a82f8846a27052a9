"""The gazetteer build (on small wheels made here) and the built file's coverage."""

from __future__ import annotations

import gzip
import io
import json
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from kontext.errors import UserError
from pipelines import gazetteer
from pipelines.gazetteer import (
    FULL,
    HEAD,
    POSTAL,
    TOWNS,
    clean_place,
    is_organisation,
    name_keys,
    query_keys,
    region_name,
)


def _row(country: str, code: str, city: str, state: str, lat: float, lng: float, accuracy: float = 4.0) -> dict:
    return {
        "country_code": country,
        "postal_code": code,
        "city": city,
        "state": state,
        "latitude": lat,
        "longitude": lng,
        "accuracy": accuracy,
        "source": "allCountries",
    }


# Invented rows in the shapes of the GeoNames postal export (coordinates roughly right).
POSTAL_ROWS = [
    _row("DE", "30159", "Hannover", "Niedersachsen", 52.37, 9.74),
    _row("DE", "30161", "Hannover", "Niedersachsen", 52.38, 9.75),
    _row("DE", "30173", "Hannover", "Niedersachsen", 52.36, 9.76),
    _row("DE", "30521", "Hannover", "Lower Saxony", 52.32, 9.81, accuracy=0.0),
    _row("DE", "30625", "Beispiel Versicherung AG", "Lower Saxony", 52.36, 9.80, accuracy=0.0),
    _row("DE", "30627", "Finanzamt Hannover-Nord", "Niedersachsen", 52.39, 9.80, accuracy=0.0),
    _row("DE", "30163", "Hannover List", "Niedersachsen", 52.39, 9.75, accuracy=0.0),
    _row("DE", "60311", "Frankfurt am Main", "Hessen", 50.11, 8.68),
    _row("DE", "60313", "Frankfurt am Main", "Hessen", 50.12, 8.68),
    _row("DE", "15230", "Frankfurt (Oder)", "Brandenburg", 52.35, 14.55),
    _row("DE", "04109", "Leipzig", "Saxony", 51.34, 12.37),
    _row("DE", "87491", "Jungholz", "", 47.57, 10.45, accuracy=0.0),
    _row("DE", "02999", "Kleindorf", "Sachsen", 51.30, 14.60, accuracy=0.0),
    _row("AT", "1030", "Wien, Landstraße", "Wien", 48.20, 16.39),
    _row("AT", "1010", "Wien, Innere Stadt", "Wien", 48.21, 16.37),
    _row("AT", "8010", "Graz,06.Bez.:Jakomini", "Steiermark", 47.06, 15.44, accuracy=3.0),
    _row("CH", "8001", "Zürich", "Kanton Zürich", 47.37, 8.54),
    _row("CH", "1010", "Lausanne", "Canton de Vaud", 46.54, 6.66),
    _row("CH", "5001", "Aarau 1", "Kanton Aargau", 47.39, 8.05, accuracy=0.0),
    _row("FR", "75001", "Paris", "Île-de-France", 48.86, 2.34),
]
TOWN_ROWS = {
    "1": {"name": "Hanover", "latitude": 52.37, "longitude": 9.73, "countrycode": "DE", "population": 515140,
          "alternatenames": ["Hannover", "HAJ"]},
    "2": {"name": "Frankfurt am Main", "latitude": 50.11, "longitude": 8.68, "countrycode": "DE",
          "population": 650000, "alternatenames": ["Frankfurt"]},
    "3": {"name": "Frankfurt (Oder)", "latitude": 52.35, "longitude": 14.55, "countrycode": "DE",
          "population": 57000, "alternatenames": []},
    "4": {"name": "Vienna", "latitude": 48.21, "longitude": 16.37, "countrycode": "AT", "population": 1690000,
          "alternatenames": ["Wien"]},
}  # fmt: skip


def _wheel(path: Path, member: str, payload: bytes) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(member, payload)
    return path


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[gazetteer.Gazetteer, Path, dict]]:
    directory = tmp_path_factory.mktemp("gazetteer")
    lines = "\n".join(json.dumps(row, ensure_ascii=False) for row in POSTAL_ROWS).encode()
    buffer = io.BytesIO()
    with gzip.GzipFile(fileobj=buffer, mode="wb") as handle:
        handle.write(lines)
    wheels = {
        POSTAL.package: _wheel(directory / POSTAL.wheel, POSTAL.member, buffer.getvalue()),
        TOWNS.package: _wheel(directory / TOWNS.wheel, TOWNS.member, json.dumps(TOWN_ROWS).encode()),
    }
    path = directory / "gazetteer.sqlite"
    counts = gazetteer.build(path, wheels=wheels)
    assert counts is not None
    gz = gazetteer.load(path)
    yield gz, path, {"counts": counts, "wheels": wheels}
    gz.close()


def test_build_counts_and_leaves_other_countries_out(small) -> None:
    gz, _, built = small
    assert built["counts"]["DE"]["postcodes"] == 13
    assert built["counts"]["AT"]["postcodes"] == 3
    assert built["counts"]["CH"]["postcodes"] == 3
    assert gz.postcode("75001") == []


def test_build_is_idempotent_and_forced_rebuild_works(small) -> None:
    _, path, built = small
    assert gazetteer.build(path, wheels=built["wheels"]) is None
    assert gazetteer.built_id(path) == gazetteer.BUILD_ID
    assert gazetteer.build(path, force=True, wheels=built["wheels"]) is not None


def test_regions_become_german_names(small) -> None:
    gz, _, _ = small
    assert gz.postcode_centre("04109").region == "Sachsen"
    assert gz.postcode_centre("8001", "CH").region == "Zürich"
    assert gz.postcode_centre("1010", "CH").region == "Waadt"
    assert gz.postcode_centre("87491").region == "Bayern"


def test_bulk_customer_postcodes_keep_region_but_name_no_place(small) -> None:
    gz, _, _ = small
    centre = gz.postcode_centre("30625")
    assert centre.name is None and centre.region == "Niedersachsen"
    assert gz.postcode_centre("30627").name is None
    assert gz.towns("Beispiel Versicherung AG") == []
    # A bulk postcode named after a real town keeps the town.
    assert gz.postcode_centre("30521").name == "Hannover"


def test_districts_fold_to_their_town(small) -> None:
    gz, _, _ = small
    assert gz.postcode_centre("30163").name == "Hannover"
    assert gz.postcode_centre("1030", "AT").name == "Wien"
    assert gz.postcode_centre("8010", "AT").name == "Graz"
    assert gz.postcode_centre("5001", "CH").name == "Aarau"


def test_four_digit_postcodes_exist_in_two_countries(small) -> None:
    gz, _, _ = small
    assert {p.country for p in gz.postcode("1010")} == {"AT", "CH"}
    assert gz.postcode("1010", "AT")[0].name == "Wien"


def test_population_ranks_homonyms_and_brings_exonyms(small) -> None:
    gz, _, _ = small
    assert gz.town("Frankfurt").name == "Frankfurt am Main"
    assert gz.town("Frankfurt (Oder)").name == "Frankfurt (Oder)"
    assert gz.town("Hanover").name == "Hannover"
    assert gz.town("Vienna").name == "Wien"
    assert gz.town("Wien").weight == 1690
    # GeoNames never located it and it has no population: known by postcode, never guessed from a word.
    assert gz.town("Kleindorf").weight == 0


def test_close_and_reopen(small) -> None:
    path = small[1]
    again = gazetteer.load(path)
    assert again.postcode_centre("30159").name == "Hannover"
    again.close()
    assert again.postcode_centre("30159").name == "Hannover"  # reopened on demand
    again.close()


def test_missing_file_is_a_clear_user_error(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="make install"):
        gazetteer.load(tmp_path / "nothing.sqlite")


def test_a_wheel_with_the_wrong_hash_is_refused(tmp_path: Path) -> None:
    wheel = tmp_path / POSTAL.wheel
    wheel.write_bytes(b"not the pinned wheel")
    with pytest.raises(UserError, match="sha256"):
        gazetteer.verified(wheel, POSTAL)
    assert not wheel.exists()


@pytest.mark.parametrize(
    ("raw", "country", "expected"),
    [
        ("Lower Saxony", "DE", "Niedersachsen"),
        ("Land Berlin", "DE", "Berlin"),
        ("Thüringen", "DE", "Thüringen"),
        ("Tirol", "AT", "Tirol"),
        ("Canton de Berne", "CH", "Bern"),
        ("Kanton St. Gallen", "CH", "St. Gallen"),
        ("Ticino", "CH", "Tessin"),
        ("", "DE", None),
    ],
)
def test_region_name(raw: str, country: str, expected: str | None) -> None:
    assert region_name(country, raw) == expected


@pytest.mark.parametrize(
    ("name", "organisation"),
    [
        ("Finanzamt Siegburg", True),
        ("Beispiel Logistik GmbH & Co. KG", True),
        ("AOK Niedersachsen", True),
        ("Universität Musterstadt", True),
        ("Bad Berleburg", False),
        ("Neustadt an der Weinstraße", False),
        ("Alt Tucheband", False),
    ],
)
def test_is_organisation(name: str, organisation: bool) -> None:
    assert is_organisation(name) is organisation


def test_clean_place() -> None:
    assert clean_place("AT", "Graz,10.Bez.:Ries") == "Graz"
    assert clean_place("CH", "Wettingen 3") == "Wettingen"
    assert clean_place("DE", "Chemnitz, Sachsen") == "Chemnitz"
    assert clean_place("DE", "Bad Saarow Bad Saarow") == "Bad Saarow"


def test_name_keys_meet_the_ways_people_write_a_town() -> None:
    keys = name_keys("Frankfurt am Main")
    assert keys["frankfurt main"] == FULL
    assert keys["frankfurt"] == HEAD
    for written in ("Frankfurt a. M.", "Frankfurt/M.", "Frankfurt (Main)", "Frankfurt a.M."):
        assert any(key in keys for key in query_keys(written)), written
    assert set(query_keys("Zürich")) == {"zuerich", "zurich"}
    assert query_keys("St. Gallen") == query_keys("Sankt Gallen")
    assert query_keys("Köln") == ["koeln", "koln"]


def test_distance_km() -> None:
    berlin, munich = (52.5200, 13.4050), (48.1372, 11.5756)
    assert gazetteer.distance_km(berlin, munich) == pytest.approx(504, rel=0.01)
    assert gazetteer.distance_km(berlin, berlin) == 0


def test_built_gazetteer_covers_germany_austria_switzerland() -> None:
    if gazetteer.built_id() != gazetteer.BUILD_ID:
        pytest.fail("the gazetteer is not built; run `make install` (python -m pipelines.gazetteer build)")
    stats = gazetteer.load().stats()
    assert stats["DE"]["postcodes"] > 8000
    assert stats["AT"]["postcodes"] > 2000
    assert stats["CH"]["postcodes"] > 3000
    assert all(stats[country]["towns"] > 2000 for country in ("DE", "AT", "CH"))
