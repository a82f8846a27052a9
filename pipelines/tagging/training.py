"""Training the classifiers from our own labelled events in config/training/*.jsonl.

Reproducible: the same data, config and seed give the same model. `cross_validate` estimates how
well the model generalises within our data (k folds), without touching any dev set.
"""

from __future__ import annotations

import hashlib
import json
import random
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from kontext.vocabulary import AudienceLabel, EventFormat, OrganizerKind
from pipelines.tagging.config import TaggingConfig, TaggingConfigError, load_config
from pipelines.tagging.model import EventClassifier, Labels
from pipelines.tagging.tagger import Tagger, TagInput

DEFAULT_SEED = 13
DEFAULT_EPOCHS = 25


@dataclass(frozen=True)
class Example:
    item: TagInput
    labels: Labels
    where: str  # file:line, for messages


@dataclass(frozen=True)
class TrainReport:
    examples: int
    losses: list[float]
    data_hash: str
    path: Path


def _strings(value: object, where: str, field: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise TaggingConfigError(f"{where}: field {field!r} must be a list of strings")
    return tuple(value)


def _example(data: dict, where: str, config: TaggingConfig) -> Example:
    for field, allowed in (("sectors", config.sectors.codes), ("topics", config.topics.codes)):
        for code in _strings(data.get(field), where, field):
            if code not in allowed:
                raise TaggingConfigError(f"{where}: {code!r} is not a code of {field}.yaml")
    if data.get("format") not in EventFormat.__members__.values():
        raise TaggingConfigError(f"{where}: format {data.get('format')!r} is not a format code")
    if data.get("audience") not in AudienceLabel.__members__.values():
        raise TaggingConfigError(f"{where}: audience {data.get('audience')!r} is not an audience label")
    kind = data.get("organizer_kind")
    if kind is not None and kind not in OrganizerKind.__members__.values():
        raise TaggingConfigError(f"{where}: organizer_kind {kind!r} is not an organiser kind")
    item = TagInput(
        title=data.get("title") or "",
        description=data.get("description") or "",
        organizer=data.get("organizer"),
        organizer_kind=OrganizerKind(kind) if kind else None,
        tags=_strings(data.get("tags"), where, "tags"),
        language=data.get("language"),
    )
    labels = Labels(
        sectors=_strings(data.get("sectors"), where, "sectors"),
        topics=_strings(data.get("topics"), where, "topics"),
        format=data["format"],
        audience=data["audience"],
    )
    return Example(item, labels, where)


def load_examples(data_dir: Path, config: TaggingConfig) -> list[Example]:
    """Every labelled event in `data_dir`/*.jsonl, validated against the config's codes."""
    paths = sorted(Path(data_dir).glob("*.jsonl"))
    if not paths:
        raise TaggingConfigError(f"no training data (*.jsonl) in {data_dir}")
    examples = []
    for path in paths:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if not line.strip():
                continue
            where = f"{path.name}:{number}"
            try:
                data = json.loads(line)
            except json.JSONDecodeError as error:
                raise TaggingConfigError(f"{where}: not JSON ({error.msg})") from None
            if not isinstance(data, dict):
                raise TaggingConfigError(f"{where}: not a JSON object")
            examples.append(_example(data, where, config))
    return examples


def _codes(config: TaggingConfig) -> dict[str, list[str]]:
    return {
        "sectors": config.sectors.codes,
        "topics": config.topics.codes,
        "format": [fmt.value for fmt in EventFormat],
        "audience": [label.value for label in AudienceLabel],
    }


def fit(tagger: Tagger, examples: Sequence[Example], seed: int, epochs: int) -> tuple[EventClassifier, list[float]]:
    """A classifier trained on `examples`, with features read by `tagger`'s language pipelines."""
    analyses = tagger.analyse([example.item for example in examples])
    classifier = EventClassifier.blank(_codes(tagger.config))
    data = [(analysis.features, example.labels) for analysis, example in zip(analyses, examples, strict=True)]
    losses = classifier.train(data, seed=seed, epochs=epochs)
    return classifier, losses


def data_hash(data_dir: Path, config: TaggingConfig) -> str:
    digest = hashlib.sha256()
    for path in [*sorted(Path(data_dir).glob("*.jsonl")), *config.files]:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def train(
    config_dir: Path, data_dir: Path, out_dir: Path, seed: int = DEFAULT_SEED, epochs: int = DEFAULT_EPOCHS
) -> TrainReport:
    """Train on all examples and save the model to `out_dir`."""
    config = load_config(config_dir)
    examples = load_examples(data_dir, config)
    tagger = Tagger(config, None)
    classifier, losses = fit(tagger, examples, seed, epochs)
    digest = data_hash(data_dir, config)
    classifier.nlp.meta.update(
        {
            "name": "kontext_tagging",
            "version": "1.0.0",
            "description": f"Kontext event classifiers; trained by `kontext train` (seed {seed}, "
            f"{epochs} epochs, {len(examples)} examples, data+config {digest})",
        }
    )
    classifier.save(out_dir)
    return TrainReport(len(examples), losses, digest, out_dir)


def cross_validate(
    config_dir: Path, data_dir: Path, folds: int = 5, seed: int = DEFAULT_SEED, epochs: int = DEFAULT_EPOCHS
) -> dict[str, float]:
    """Held-out quality within our own data: k folds, full tagger (terms + model) on each held-out fold."""
    config = load_config(config_dir)
    examples = load_examples(data_dir, config)
    order = list(range(len(examples)))
    random.Random(seed).shuffle(order)
    gold_sectors, got_sectors, right_format, right_audience = [], [], 0, 0
    for fold in range(folds):
        held = [examples[i] for i in order[fold::folds]]
        kept = [examples[i] for position, i in enumerate(order) if position % folds != fold]
        tagger = Tagger(config, None)
        tagger.classifier, _ = fit(tagger, kept, seed, epochs)
        for example, result in zip(held, tagger.tag_many(example.item for example in held), strict=True):
            gold_sectors.append(set(example.labels.sectors))
            got_sectors.append({tag.code for tag in result.sectors})
            right_format += result.format.value == example.labels.format
            right_audience += result.audience.label.value == example.labels.audience
    tp = sum(len(g & p) for g, p in zip(gold_sectors, got_sectors, strict=True))
    fp = sum(len(p - g) for g, p in zip(gold_sectors, got_sectors, strict=True))
    fn = sum(len(g - p) for g, p in zip(gold_sectors, got_sectors, strict=True))
    return {
        "examples": len(examples),
        "sectors_micro_f1": 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 1.0,
        "format_accuracy": right_format / len(examples),
        "audience_accuracy": right_audience / len(examples),
    }
