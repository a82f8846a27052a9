"""The tagging vocabulary in config/: every taxonomy code present, staff edits take effect, mistakes are one line."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from kontext.errors import UserError
from kontext.vocabulary import AudienceLabel, EventFormat, OrganizerKind
from pipelines.tagging import Tagger, TagInput
from pipelines.tagging.config import Mode, TaggingConfigError, load_config

CONFIG = Path(__file__).resolve().parents[2] / "config"
# The contract of ../shared/TAXONOMY.md.
SECTORS = [
    "agriculture", "food", "textiles", "wood-paper-print", "chemicals", "materials", "electronics", "machinery",
    "vehicles", "energy", "circular", "construction", "crafts", "trade", "logistics", "tourism", "media", "ict",
    "finance", "real-estate", "business-services", "engineering-research", "health", "education", "public",
    "culture-sport",
]  # fmt: skip
TOPICS = [
    "digitalization", "ai", "sustainability", "innovation", "funding", "workforce", "international", "succession",
    "founding", "law-tax", "cybersecurity", "supply-chain",
]  # fmt: skip
FILES = ("sectors", "topics", "formats", "audience", "organizer_kinds")


@pytest.fixture
def config_copy(tmp_path: Path) -> Path:
    for name in FILES:
        shutil.copy(CONFIG / f"{name}.yaml", tmp_path / f"{name}.yaml")
    return tmp_path


def edit(path: Path, change) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")


def test_every_taxonomy_code_with_german_and_english_terms() -> None:
    config = load_config(CONFIG)
    assert config.sectors.codes == SECTORS
    assert config.topics.codes == TOPICS
    assert sorted(config.formats.codes) == sorted(fmt.value for fmt in EventFormat)
    assert set(config.audience.labels) == set(AudienceLabel)
    assert {spec.kind for spec in config.kinds} == set(OrganizerKind)
    for lexicon in (config.sectors, config.topics, config.formats):
        for label in lexicon.labels:
            assert label.de and label.en
            languages = {term.lang for term in label.terms}
            assert {"de", "en"} <= languages, f"{lexicon.name} {label.code} needs German and English terms"


def test_staff_can_add_a_term_without_code(config_copy: Path) -> None:
    item = TagInput(title="Fachtag Quantenoptik")
    assert "electronics" not in {tag.code for tag in Tagger.load(config_copy).tag(item).sectors}
    edit(
        config_copy / "sectors.yaml", lambda data: data["sectors"]["electronics"]["terms"]["de"].append("Quantenoptik")
    )
    tagging = Tagger.load(config_copy).tag(item)
    electronics = next(tag for tag in tagging.sectors if tag.code == "electronics")
    assert electronics.evidence == ["Begriff: „Quantenoptik“"]


def test_parts_exact_and_weak_terms(config_copy: Path) -> None:
    def change(data: dict) -> None:
        entry = data["sectors"]["energy"]
        entry["parts"] = ["Strom-", "-watt"]
        entry["name_parts"] = ["-volt"]
        entry["exact"] = ["Netz"]
        entry["weak"] = ["Netz", "-watt"]

    edit(config_copy / "sectors.yaml", change)
    energy = next(label for label in load_config(config_copy).sectors.labels if label.code == "energy")
    modes = {(term.text, term.mode, term.weight) for term in energy.terms}
    assert ("Strom", Mode.PREFIX, 1.0) in modes
    assert ("watt", Mode.SUFFIX, 0.5) in modes
    assert ("volt", Mode.NAME_SUFFIX, 1.0) in modes
    assert ("Netz", Mode.EXACT, 0.5) in modes
    tagger = Tagger.load(config_copy)
    assert "energy" in {tag.code for tag in tagger.tag(TagInput(title="Treffen der SmartVolt Partner")).sectors}
    assert "energy" not in {tag.code for tag in tagger.tag(TagInput(title="Revolte im Hörsaal")).sectors}
    assert "energy" in {tag.code for tag in Tagger.load(config_copy).tag(TagInput(title="Stromanbieter-Tag")).sectors}


@pytest.mark.parametrize(
    ("name", "change", "message"),
    [
        ("formats", lambda d: d["formats"].update({"seminars": d["formats"].pop("seminar")}), "format 'seminars'"),
        ("sectors", lambda d: d["sectors"]["food"].update({"weak": ["Pizza"]}), "weak term 'pizza'"),
        ("sectors", lambda d: d["sectors"]["food"].update({"parts": ["Brot"]}), "must start or end with '-'"),
        ("sectors", lambda d: d["sectors"]["food"].update({"name_parts": ["Brot"]}), "field 'name_parts'"),
        ("sectors", lambda d: d["sectors"]["food"].update({"labels": "x"}), "unknown field 'labels'"),
        ("sectors", lambda d: d["sectors"]["food"]["terms"].update({"fr": ["pain"]}), "unknown language 'fr'"),
        ("audience", lambda d: d["format_weights"].update({"gala": {"public": 1}}), "'gala' is not a format code"),
        ("audience", lambda d: d["signals"][0].update({"label": "vip"}), "'vip' is not an audience label"),
        ("audience", lambda d: d["signals"][0].update({"bridge_only": "yes"}), "'bridge_only' must be true or false"),
        ("organizer_kinds", lambda d: d["kinds"]["chamber"].update({"sectors": ["banking"]}), "'banking'"),
        ("organizer_kinds", lambda d: d["kinds"].update({"guild": {}}), "kind 'guild'"),
    ],
)
def test_mistakes_are_one_line_naming_file_and_entry(config_copy: Path, name: str, change, message: str) -> None:
    edit(config_copy / f"{name}.yaml", change)
    with pytest.raises(TaggingConfigError) as raised:
        load_config(config_copy)
    text = str(raised.value)
    assert isinstance(raised.value, UserError)
    assert f"{name}.yaml" in text
    assert message in text
    assert "\n" not in text


def test_missing_file_and_broken_yaml(config_copy: Path) -> None:
    (config_copy / "topics.yaml").unlink()
    with pytest.raises(TaggingConfigError, match=r"topics\.yaml is missing"):
        load_config(config_copy)
    (config_copy / "topics.yaml").write_text("topics: [unclosed", encoding="utf-8")
    with pytest.raises(TaggingConfigError, match=r"topics\.yaml: line \d+ is not valid YAML"):
        load_config(config_copy)
