"""The tagger: sectors, topics, format and audience with evidence, German and English, compounds."""

from __future__ import annotations

from pathlib import Path

import pytest

from kontext.records import Event, Organizer
from kontext.vocabulary import Attendance, AudienceLabel, EventFormat, OrganizerKind
from pipelines.tagging import Tagger, Tagging, TagInput, get_tagger, tag_event
from pipelines.tagging.decide import decide_format
from pipelines.tagging.matching import Entry, Hit

CONFIG = Path(__file__).resolve().parents[2] / "config"


@pytest.fixture(scope="module")
def tagger() -> Tagger:
    return get_tagger(CONFIG)


def sectors(tagging: Tagging) -> set[str]:
    return {tag.code for tag in tagging.sectors}


def topics(tagging: Tagging) -> set[str]:
    return {tag.code for tag in tagging.topics}


@pytest.mark.parametrize(
    ("title", "sector", "word"),
    [
        ("Fachtagung für Maschinenbauunternehmen", "machinery", "Maschinenbauunternehmen"),
        ("Branchentreff der Lebensmittelindustrie", "food", "Lebensmittelindustrie"),
        ("Forum Wasserstoffwirtschaft Nord", "energy", "Wasserstoffwirtschaft"),
        ("Netzwerkabend für Handwerksbetriebe", "crafts", "Handwerksbetriebe"),
        ("Workshop für Kunststoffverarbeiter", "chemicals", "Kunststoffverarbeiter"),
    ],
)
def test_german_compounds_hit_their_sector(tagger: Tagger, title: str, sector: str, word: str) -> None:
    tagging = tagger.tag(TagInput(title=title))
    assert sector in sectors(tagging)
    tag = next(tag for tag in tagging.sectors if tag.code == sector)
    assert f"Begriff: „{word}“" in tag.evidence


def test_compound_parts_must_leave_a_word(tagger: Tagger) -> None:
    # "Maschinenbau|unternehmen" is machinery, not construction via "Bau|unternehmen"
    assert sectors(tagger.tag(TagInput(title="Maschinenbauunternehmen im Dialog"))) == {"machinery"}
    # "Friedrichshafen" is a town, not a port ("-hafen")
    assert sectors(tagger.tag(TagInput(title="Gründerabend in Friedrichshafen"))) == set()


def test_longer_terms_win_over_the_words_inside(tagger: Tagger) -> None:
    tagging = tagger.tag(TagInput(title="Energieeffizienz im Betrieb", description="Förderprogramme für KMU."))
    assert "energy" not in sectors(tagging)
    assert "sustainability" in topics(tagging)
    chamber = tagger.tag(TagInput(title="Sprechtag der Industrie- und Handelskammer"))
    assert "trade" not in sectors(chamber)


def test_lemmas_and_capitals(tagger: Tagger) -> None:
    tagging = tagger.tag(TagInput(title="FACHMESSEN FÜR DEN MASCHINENBAU"))
    assert tagging.format == EventFormat.TRADE_FAIR
    assert "machinery" in sectors(tagging)
    # a lower-case verb is not the noun: "messen" (to measure) is no trade fair
    assert tagger.tag(TagInput(title="Wir messen die Luftqualität")).format != EventFormat.TRADE_FAIR


@pytest.mark.parametrize(
    ("title", "event_format", "word"),
    [
        ("PyCon Greece", EventFormat.CONFERENCE, "PyCon"),
        ("KubeCon + CloudNativeCon Europe", EventFormat.CONFERENCE, "KubeCon"),
        ("JSConf EU", EventFormat.CONFERENCE, "JSConf"),
        ("Devopsdays Prague", EventFormat.CONFERENCE, "Devopsdays"),
        ("PGDay Paris", EventFormat.CONFERENCE, "PGDay"),
        ("PyCon-Sprints Berlin", EventFormat.CONFERENCE, "PyCon-Sprints"),
        ("Craft Con Budapest", EventFormat.CONFERENCE, "Con"),
        ("nwHacks", EventFormat.HACKATHON, "nwHacks"),
        ("HackTX", EventFormat.HACKATHON, "HackTX"),
        ("OxfordHack 2026", EventFormat.HACKATHON, "OxfordHack"),
    ],
)
def test_brand_names_glue_their_format_words(tagger: Tagger, title: str, event_format: EventFormat, word: str) -> None:
    tagging = tagger.tag(TagInput(title=title))
    assert tagging.format == event_format
    assert f"Begriff: „{word}“" in tagging.format_evidence


def test_name_parts_end_camel_case_names_only(tagger: Tagger) -> None:
    # formats.yaml lists "-con" and "-day" as name_parts: PyCon and PGDay, never falcon or holiday
    assert tagger.tag(TagInput(title="PGDay Lowlands")).format == EventFormat.CONFERENCE
    for title in ("Holiday Market am Hafen", "Falcon Flugshow", "Silicon Saxony Jahresempfang"):
        evidence = tagger.tag(TagInput(title=title)).format_evidence
        assert not any(word in line for line in evidence for word in ("Holiday", "Falcon", "Silicon")), evidence


def test_capitals_inside_a_name_are_no_format_word(tagger: Tagger) -> None:
    # "TOUR" in capitals is a shout inside a name, not a guided tour
    for title in ("Heinze ArchitekTOUR Hamburg", "Heinze-ArchitekTOUR Hamburg"):
        evidence = tagger.tag(TagInput(title=title)).format_evidence
        assert not any("ArchitekTOUR" in line for line in evidence), evidence


def test_a_format_word_counts_once_per_field_however_inflected(tagger: Tagger) -> None:
    # "days", "Days" and "day" are one word; "matchmaking" in the title and again in the text is two mentions
    conference = Entry("formats", "conference", 0.5, "days", lang="en")
    matchmaking = Entry("formats", "matchmaking", 1.0, "matchmaking", lang="en")
    hits = [
        Hit(matchmaking, "matchmaking", "title", 7, 18, "matchmaking"),
        Hit(conference, "days", "title", 19, 23, "day"),
        Hit(matchmaking, "matchmaking", "description", 60, 71, "matchmaking"),
        Hit(conference, "Days", "description", 80, 84, "day"),
        Hit(conference, "day", "description", 90, 93, "day"),
    ]
    event_format, evidence = decide_format(tagger.config.formats, hits, [], {"conference": 0.98})
    assert event_format == EventFormat.MATCHMAKING
    assert evidence[0] == "Begriff: „matchmaking“"


def test_english_event(tagger: Tagger) -> None:
    tagging = tagger.tag(
        TagInput(
            title="Renewable Energy Expo",
            description="Exhibition of solar, wind and storage technology for installers. Trade visitors only.",
        )
    )
    assert "energy" in sectors(tagging)
    assert tagging.format == EventFormat.TRADE_FAIR
    assert tagging.audience.label == AudienceLabel.SME


def test_chamber_seminar_is_an_sme_room(tagger: Tagger) -> None:
    tagging = tagger.tag(
        TagInput(
            title="Exportkontrolle kompakt",
            description="Das Seminar zeigt Unternehmen und Geschäftsführern die Grundlagen der Exportkontrolle.",
            organizer="IHK Hannover",
        )
    )
    assert tagging.format == EventFormat.SEMINAR
    assert tagging.audience.label == AudienceLabel.SME
    assert tagging.audience.sme_score >= 0.7
    assert tagging.audience.evidence[0] == "Veranstalter: IHK Hannover (Kammer)"
    assert "international" in topics(tagging)


@pytest.mark.parametrize(
    ("title", "description", "event_format"),
    [
        ("Pitch Night", "Sechs Start-ups pitchen vor Business Angels und Investoren.", EventFormat.PITCH),
        ("Demo Day of our accelerator", "Founders present to investors.", EventFormat.PITCH),
        (
            "Hackathon Mobilität",
            "48 Stunden, Teams aus Entwicklern, Preisgeld für die besten Prototypen.",
            EventFormat.HACKATHON,
        ),
        ("Gründerstammtisch", "Lockerer Austausch für Gründerinnen und Gründer.", EventFormat.NETWORKING),
    ],
)
def test_startup_scene_is_not_sme(tagger: Tagger, title: str, description: str, event_format: EventFormat) -> None:
    tagging = tagger.tag(TagInput(title=title, description=description))
    assert tagging.format == event_format
    assert tagging.audience.label == AudienceLabel.STARTUP
    assert tagging.audience.sme_score < 0.3


def test_startups_meet_mittelstand_is_mixed(tagger: Tagger) -> None:
    tagging = tagger.tag(
        TagInput(
            title="Startups treffen Mittelstand",
            description="Mittelständische Unternehmen stellen Aufgaben vor, Start-ups präsentieren Lösungen.",
        )
    )
    assert tagging.audience.label == AudienceLabel.MIXED
    assert tagging.format == EventFormat.MATCHMAKING


def test_large_companies_alone_are_not_an_sme_audience(tagger: Tagger) -> None:
    # "Konzerne" is a bridge-only word: with founders it makes `mixed`, without them it adds nothing
    with_founders = tagger.tag(
        TagInput(
            title="Konzerne treffen Gründerteams",
            description="Innovationsmanager großer Konzerne hören kurze Pitches von Start-ups und vereinbaren Piloten.",
        )
    )
    assert with_founders.audience.label == AudienceLabel.MIXED
    assert any("Konzerne" in line for line in with_founders.audience.evidence)
    startup_scene = tagger.tag(
        TagInput(
            title="Gründerfestival mit DAX-Konzernen", description="Gründer, Investoren und Business Angels feiern."
        )
    )
    assert startup_scene.audience.label != AudienceLabel.SME


def test_a_chamber_named_in_the_text_speaks_for_businesses(tagger: Tagger) -> None:
    tagging = tagger.tag(
        TagInput(
            title="Neue Regeln für Zuschüsse",
            description="Anträge nimmt ab März die zuständige IHK oder Handwerkskammer entgegen.",
        )
    )
    assert tagging.audience.label == AudienceLabel.SME


def test_numbers_are_no_evidence_for_the_model(tagger: Tagger) -> None:
    plain, dated = tagger.tag_many([TagInput(title="Xylophon Quartett"), TagInput(title="Xylophon Quartett 2026")])
    assert (plain.format, plain.audience.label) == (dated.format, dated.audience.label)


def test_a_format_chosen_by_the_model_says_so(tagger: Tagger) -> None:
    for tagging in tagger.tag_many([TagInput(title=title) for title in ("2026", "Xylophon", "Quartett Nord", "Plugh")]):
        if tagging.format != EventFormat.OTHER:
            assert tagging.format_evidence[0].startswith("Textmodell: ")
        else:
            assert tagging.format_evidence


def test_concert_is_public_and_has_no_sector(tagger: Tagger) -> None:
    tagging = tagger.tag(TagInput(title="Sommerkonzert im Park", description="Eintritt frei, für die ganze Familie."))
    assert tagging.audience.label == AudienceLabel.PUBLIC
    assert tagging.format == EventFormat.OTHER
    assert tagging.sectors == []


def test_online_seminar_is_a_webinar(tagger: Tagger) -> None:
    tagging = tagger.tag(
        TagInput(title="Seminar Datenschutz", description="Die Schulung findet online über Zoom statt.")
    )
    assert tagging.format == EventFormat.WEBINAR
    assert tagging.format_evidence[0] == "Online: „online“"
    assert "Begriff: „Seminar“" in tagging.format_evidence


def test_all_industries_get_no_sector(tagger: Tagger) -> None:
    tagging = tagger.tag(
        TagInput(title="Unternehmertag", description="Branchenübergreifend: Handel, Handwerk, Logistik und IT.")
    )
    assert tagging.sectors == []


@pytest.mark.parametrize("item", [TagInput(), TagInput(title=" "), TagInput(title="X"), TagInput(title="2026")])
def test_empty_or_very_short_texts(tagger: Tagger, item: TagInput) -> None:
    tagging = tagger.tag(item)
    assert tagging.sectors == []
    assert tagging.topics == []
    assert tagging.format == EventFormat.OTHER
    assert tagging.format_evidence
    assert tagging.audience.evidence
    assert 0.0 <= tagging.audience.sme_score <= 1.0


def test_organiser_name_alone(tagger: Tagger) -> None:
    tagging = tagger.tag(TagInput(title="Jahresversammlung", organizer="Handwerkskammer Hannover"))
    assert "crafts" in sectors(tagging)
    assert tagging.audience.label == AudienceLabel.SME
    assert "Veranstalter: Handwerkskammer Hannover (Handwerkskammer)" in tagging.audience.evidence


def test_organiser_kind_alone(tagger: Tagger) -> None:
    tagging = tagger.tag(TagInput(title="Termin", organizer_kind=OrganizerKind.CHAMBER))
    assert tagging.audience.label == AudienceLabel.SME
    assert tagging.audience.evidence[0] == "Veranstalterart: Kammer"
    startup = tagger.tag(TagInput(title="Termin", organizer="Accelerator Nord"))
    assert startup.audience.label == AudienceLabel.STARTUP


def test_first_named_organiser_decides_the_kind(tagger: Tagger) -> None:
    info = tagger.organizer(TagInput(organizer="Stadt Filderstadt mit IHK Esslingen"))
    assert info.kind == OrganizerKind.PUBLIC_AGENCY
    assert info.detected
    given = tagger.organizer(TagInput(organizer="Irgendwer", organizer_kind=OrganizerKind.CLUSTER))
    assert (given.kind, given.detected) == (OrganizerKind.CLUSTER, False)


def test_tags_count_as_evidence(tagger: Tagger) -> None:
    tagging = tagger.tag(TagInput(title="Kazakhstan Machinery Fair", tags=("Auslandsmesse", "Nur für Fachbesucher")))
    assert "international" in topics(tagging)
    assert "Kategorie: „Nur für Fachbesucher“" in tagging.audience.evidence
    assert tagging.audience.label == AudienceLabel.SME


def test_language_is_detected_or_taken(tagger: Tagger) -> None:
    english = TagInput(title="Workshop on fairs", description="Learn how to plan your booth at trade fairs.")
    assert tagger.tag(english).format == tagger.tag(TagInput(**{**english.__dict__, "language": "en"})).format
    assert tagger.tag(TagInput(title="Messe", language="de-DE")).format == EventFormat.TRADE_FAIR


def test_every_decision_has_evidence(tagger: Tagger) -> None:
    items = [
        TagInput(title="Fachmesse für Oberflächentechnik", tags=("Nur für Fachbesucher",)),
        TagInput(title="Kongress der Deutschen Gesellschaft für Kardiologie"),
        TagInput(title="Innovationsforum Mittelstand", organizer="IHK Köln"),
        TagInput(title="Gründerinnen-Frühstück", description="Für Gründerinnen und Investorinnen."),
        TagInput(title="Weihnachtsmarkt"),
        TagInput(title="Cybersecurity für KMU", description="Webinar zu Phishing und Ransomware, online via Teams."),
        TagInput(title="UNHEILIG"),
    ]
    for tagging in tagger.tag_many(items):
        for tag in [*tagging.sectors, *tagging.topics]:
            assert tag.evidence, tag
            assert all(line.strip() and len(line) < 160 for line in tag.evidence)
            assert tag.label
        assert tagging.format_evidence
        assert tagging.audience.evidence


def test_tag_many_matches_tag(tagger: Tagger) -> None:
    items = [
        TagInput(title="Pitch Night"),
        TagInput(title="Renewable energy summit", description="Talks for utilities."),
        TagInput(title="Tag der Logistik"),
    ]
    assert tagger.tag_many(items) == [tagger.tag(item) for item in items]
    assert tagger.tag_many([]) == []


def test_tag_event_returns_a_tagged_copy(tagger: Tagger) -> None:
    event = Event(
        title="Branchentag Ernährungswirtschaft",
        description="Hersteller und Händler der Lebensmittelbranche treffen sich.",
        organizer=Organizer(name="Cluster Ernährung", kind=OrganizerKind.CLUSTER),
        tags=["Branchentreff"],
    )
    tagged = tag_event(event, tagger)
    assert tagged is not event
    assert event.sectors == [] and event.audience is None
    assert "food" in {tag.code for tag in tagged.sectors}
    assert tagged.format == EventFormat.CONFERENCE
    assert tagged.audience is not None and tagged.audience.label == AudienceLabel.SME
    assert "Veranstalter: Cluster Ernährung (Cluster & Netzwerk)" in tagged.audience.evidence
    assert tagged.title == event.title


def test_get_tagger_loads_once() -> None:
    assert get_tagger(CONFIG) is get_tagger(CONFIG)


def test_online_attendance_from_the_source(tagger: Tagger) -> None:
    tagging = tagger.tag(TagInput(title="Seminar Exportkontrolle", online=True))
    assert tagging.format == EventFormat.WEBINAR
    assert tagging.format_evidence[0] == "Online-Veranstaltung (laut Quelle)"
    event = Event(title="Seminar Exportkontrolle", attendance=Attendance.ONLINE)
    assert tag_event(event, tagger).format == EventFormat.WEBINAR


def test_long_descriptions_are_read_from_the_start(tagger: Tagger) -> None:
    filler = "Wir freuen uns auf Ihren Besuch und gute Gespräche. " * 80
    tail = "Logistik, Spedition, Güterverkehr und Lagerlogistik."
    short = tagger.tag(TagInput(title="Fachtag Lebensmittelindustrie", description=tail))
    assert {"food", "logistics"} <= sectors(short)
    long = tagger.tag(TagInput(title="Fachtag Lebensmittelindustrie", description=f"{filler} {tail}"))
    assert sectors(long) == {"food"}
