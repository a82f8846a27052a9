"""Training the classifiers: our own data is valid and complete, training is reproducible by seed."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner

from kontext.cli import cli
from kontext.vocabulary import AudienceLabel, EventFormat
from pipelines.tagging import Tagger, TagInput
from pipelines.tagging.config import TaggingConfigError, load_config
from pipelines.tagging.model import MODEL_DIR
from pipelines.tagging.training import load_examples, train

REPO = Path(__file__).resolve().parents[2]
CONFIG = REPO / "config"
TRAINING = CONFIG / "training"


@pytest.fixture(scope="module")
def examples():
    return load_examples(TRAINING, load_config(CONFIG))


def small_set(tmp_path: Path, examples, size: int = 60) -> Path:
    """Every n-th committed example, so that all formats and audiences appear."""
    data = tmp_path / "data"
    data.mkdir()
    lines = [line for path in sorted(TRAINING.glob("*.jsonl")) for line in path.read_text().splitlines() if line]
    step = max(1, len(lines) // size)
    (data / "sample.jsonl").write_text("\n".join(lines[::step]) + "\n", encoding="utf-8")
    return data


def test_training_data_covers_every_label_in_both_languages(examples) -> None:
    assert len(examples) >= 400
    assert {example.labels.format for example in examples} == {fmt.value for fmt in EventFormat}
    assert {example.labels.audience for example in examples} == {label.value for label in AudienceLabel}
    sectors = Counter(code for example in examples for code in example.labels.sectors)
    assert set(sectors) == set(load_config(CONFIG).sectors.codes)
    assert {example.item.language for example in examples} == {"de", "en"}


def test_training_data_is_not_the_dev_data(examples, shared_data: Path) -> None:
    dev_titles = {
        json.loads(line)["title"].strip().casefold()
        for path in (shared_data / "labels").glob("*.jsonl")
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip()
    }
    ours = {example.item.title.strip().casefold() for example in examples}
    assert not ours & dev_titles


def test_bad_training_line_names_file_and_line(tmp_path: Path) -> None:
    (tmp_path / "bad.jsonl").write_text(
        '{"title": "A", "format": "seminar", "audience": "sme", "sectors": ["banking"]}\n', encoding="utf-8"
    )
    with pytest.raises(TaggingConfigError, match=r"bad\.jsonl:1: 'banking' is not a code of sectors\.yaml"):
        load_examples(tmp_path, load_config(CONFIG))
    (tmp_path / "bad.jsonl").write_text('{"title": "A", "format": "gala", "audience": "sme"}\n', encoding="utf-8")
    with pytest.raises(TaggingConfigError, match="format 'gala'"):
        load_examples(tmp_path, load_config(CONFIG))


@pytest.mark.slow
def test_same_seed_same_model(tmp_path: Path, examples) -> None:
    data = small_set(tmp_path, examples)
    first = train(CONFIG, data, tmp_path / "one", seed=5, epochs=3)
    second = train(CONFIG, data, tmp_path / "two", seed=5, epochs=3)
    assert first.losses == second.losses
    for task in ("sectors", "topics", "format", "audience"):
        assert (tmp_path / "one" / task / "model").read_bytes() == (tmp_path / "two" / task / "model").read_bytes()
    other = train(CONFIG, data, tmp_path / "three", seed=6, epochs=3)
    assert other.losses != first.losses


@pytest.mark.slow
def test_trained_model_is_used_by_the_tagger(tmp_path: Path, examples) -> None:
    data = small_set(tmp_path, examples)
    train(CONFIG, data, tmp_path / "model", seed=1, epochs=5)
    tagger = Tagger.load(CONFIG, tmp_path / "model")
    assert tagger.classifier is not None
    features = tagger.analyse([TagInput(title="Konzert im Park")])[0].features
    prediction = tagger.classifier.predict([features])[0]
    assert abs(sum(prediction.audience.values()) - 1.0) < 1e-4
    assert set(prediction.format) == {fmt.value for fmt in EventFormat}
    assert set(prediction.sectors) == set(load_config(CONFIG).sectors.codes)


def test_missing_model_means_terms_only(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    tagger = Tagger.load(CONFIG, tmp_path / "nowhere")
    assert tagger.classifier is None
    assert "kontext train" in caplog.text
    assert {tag.code for tag in tagger.tag(TagInput(title="Fachmesse Maschinenbau")).sectors} == {"machinery"}


def test_committed_model_exists_and_is_small() -> None:
    size = sum(path.stat().st_size for path in MODEL_DIR.rglob("*") if path.is_file())
    assert (MODEL_DIR / "meta.json").is_file()
    assert size < 5_000_000


@pytest.mark.slow
def test_train_command(tmp_path: Path, examples) -> None:
    data = small_set(tmp_path, examples, size=40)
    result = CliRunner().invoke(
        cli, ["train", "--config", str(CONFIG), "--data", str(data), "--out", str(tmp_path / "m"), "--epochs", "2"]
    )
    assert result.exit_code == 0, result.output
    assert "seed 13" in result.stdout
    assert (tmp_path / "m" / "meta.json").is_file()
    bad = CliRunner().invoke(cli, ["train", "--config", str(CONFIG), "--data", str(tmp_path / "empty")])
    assert bad.exit_code == 2
    assert bad.stderr.startswith("kontext: no training data")
