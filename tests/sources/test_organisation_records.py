"""Organisation records: ids, kinds from names, matching, merging, and seeding from shared data
(read at run time from ../shared/data/organizations, never copied)."""

from __future__ import annotations

import pytest

from kontext.organisations import (
    OrganisationMatcher,
    SeedError,
    association_records,
    chamber_records,
    kind_from_name,
    merge_organisation,
    name_key,
    organisation_id,
    seed_records,
    site_key,
)
from kontext.records import Event, Organisation, Organizer
from kontext.settings import PROJECT_ROOT
from kontext.sources import load_sources
from kontext.vocabulary import OrganizerKind
from search.index import organizer_key

CONFIG = PROJECT_ROOT / "config"


@pytest.mark.parametrize(
    "name",
    ["IHK Würzburg-Schweinfurt", "Handwerkskammer für München und Oberbayern", "Bitkom e.V.", "Straße & Co"],
)
def test_ids_are_the_organiser_page_keys(name: str) -> None:
    assert organisation_id(name) == organizer_key(name)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Handwerkskammer für Unterfranken", "HWK Unterfranken"),
        ("Industrie- und Handelskammer Würzburg-Schweinfurt", "IHK Würzburg-Schweinfurt"),
        ("Bitkom e.V.", "BITKOM"),
        ("Verband der Beispielindustrie e. V.", "Verband Beispielindustrie"),
    ],
)
def test_names_that_mean_the_same_organisation_share_a_key(a: str, b: str) -> None:
    assert name_key(a) == name_key(b)


def test_websites_compare_by_host_and_by_chamber_on_ihk_de() -> None:
    assert site_key("https://www.bitkom.org/veranstaltungen/") == site_key("bitkom.org") == "bitkom.org"
    assert site_key("https://www.ihk.de/koeln/hauptnavigation/x-1") == "ihk.de/koeln"
    assert site_key("https://www.ihk.de/koeln/") != site_key("https://www.ihk.de/berlin/")
    assert site_key(None) is None and site_key("https://www.ihk.de/") is None


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("Handwerkskammer Cottbus", OrganizerKind.CRAFTS_CHAMBER),
        ("IHK Berlin", OrganizerKind.CHAMBER),
        ("Bundesverband IT-Mittelstand e.V. (BITMi)", OrganizerKind.ASSOCIATION),
        ("Cluster Leichtbau", OrganizerKind.CLUSTER),
        ("Fraunhofer IAO", OrganizerKind.RESEARCH),
        ("Irgendwer", OrganizerKind.UNKNOWN),
    ],
)
def test_kinds_are_read_from_names_by_the_organiser_kinds_config(name: str, kind: OrganizerKind) -> None:
    assert kind_from_name(name, CONFIG) == kind


def test_the_matcher_links_by_website_first_then_by_name() -> None:
    records = [
        Organisation(id="ihk-koeln", name="IHK Köln", url="https://www.ihk.de/koeln/"),
        Organisation(id="ihk-berlin", name="IHK Berlin", url="https://www.ihk.de/berlin/"),
        Organisation(id="hwk-ufr", name="Handwerkskammer für Unterfranken"),
    ]
    matcher = OrganisationMatcher(records)
    assert (
        matcher.match("Industrie- und Handelskammer", "https://www.ihk.de/koeln/veranstaltungen")
        == "ihk-koeln"
    )
    assert matcher.match("HWK Unterfranken") == "hwk-ufr"
    assert matcher.match("IHK Hamburg", "https://www.ihk.de/hamburg/") is None
    event = Event(title="Tag", organizer=Organizer(name="HWK Unterfranken"))
    assert matcher.link(event).organizer.organisation_id == "hwk-ufr"
    already = Event(title="Tag", organizer=Organizer(name="HWK Unterfranken", organisation_id="other"))
    assert matcher.link(already) is already


def test_merging_keeps_what_either_record_knows() -> None:
    known = Organisation(id="a", name="A", kind=OrganizerKind.CHAMBER, region="Bayern", city="Würzburg")
    new = Organisation(id="b", name="A", url="https://a.example/", events_url="https://a.example/termine")
    merged = merge_organisation(known, new)
    assert merged.id == "a" and merged.kind == OrganizerKind.CHAMBER
    assert (merged.region, merged.city, merged.url) == ("Bayern", "Würzburg", "https://a.example/")


def test_all_current_chambers_are_seeded_with_their_regions(shared_data) -> None:
    records = chamber_records(shared_data / "organizations")
    chambers = [record for record in records if record.kind == OrganizerKind.CHAMBER]
    crafts = [record for record in records if record.kind == OrganizerKind.CRAFTS_CHAMBER]
    assert len(crafts) == 53
    assert 79 <= len(chambers) <= 82  # 87 codes, minus merged chambers ("alt, jetzt …", "s. Chemnitz")
    names = {record.name for record in records}
    assert "IHK Würzburg-Schweinfurt" in names and "IHK Bremerhaven (alt, jetzt Bremen)" not in names
    by_name = {record.name: record for record in records}
    assert by_name["IHK Würzburg-Schweinfurt"].region == "Bayern"
    assert by_name["Handwerkskammer Frankfurt/Oder - Region Ostbrandenburg"].region == "Brandenburg"
    assert by_name["Handwerkskammer für Unterfranken"].sectors == ["crafts"]
    assert sum(1 for record in records if record.region) >= len(records) - 2


def test_trade_associations_come_from_the_lobby_register(shared_data) -> None:
    records = association_records(shared_data / "organizations", CONFIG)
    names = {record.name for record in records}
    assert "Bitkom e.V." in names and "Handelsverband Deutschland - HDE - e. V." in names
    assert "d&b audiotechnik GmbH&CoKG" not in names  # a company filed as an association
    assert {record.kind for record in records} <= {OrganizerKind.ASSOCIATION, OrganizerKind.CHAMBER}
    bitkom = next(record for record in records if record.name == "Bitkom e.V.")
    assert (bitkom.city, bitkom.region, bitkom.source) == ("Berlin", "Berlin", "lobbyregister")


def test_seeding_merges_the_configured_organisers_into_the_lists(shared_data) -> None:
    sources = load_sources(CONFIG / "sources.yaml")
    records = seed_records(shared_data / "organizations", CONFIG, sources)
    assert len({record.id for record in records}) == len(records)
    by_id = {record.id: record for record in records}
    # The code list knows the chamber; config adds its website and events page.
    koeln = by_id[organisation_id("IHK Köln")]
    assert koeln.url == "https://www.ihk.de/koeln/" and koeln.events_url == "https://www.ihk.de/koeln/"
    assert koeln.source.startswith("sources:")
    bitkom = by_id[organisation_id("Bitkom e.V.")]
    assert bitkom.url == "https://www.bitkom.org/" and bitkom.city == "Berlin"
    hwk = by_id[organisation_id("Handwerkskammer für Unterfranken")]
    assert hwk.events_url.startswith("https://www.hwk-ufr.de/") and hwk.region == "Bayern"
    assert not any(
        record.name == "Zentralverband des Deutschen Handwerks" for record in records
    )  # a directory


def test_a_missing_seed_folder_is_one_clear_line(tmp_path) -> None:
    with pytest.raises(SeedError, match="does not exist; pass --data-dir"):
        seed_records(tmp_path / "nowhere", CONFIG, [])
    (tmp_path / "german-chambers").mkdir()
    (tmp_path / "german-chambers" / "ihk_xunternehmen_codeliste.csv").write_text("nummer,titel\n1,x\n")
    with pytest.raises(SeedError, match="expected the columns code, name"):
        chamber_records(tmp_path)
