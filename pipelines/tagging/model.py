"""The trained text classifiers: spaCy bag-of-words textcat models on normalised lemmas.

One small spaCy pipeline holds four components: `sectors` and `topics` (textcat_multilabel),
`format` and `audience` (textcat). They read a Doc made of the event's normalised lemmas (the
language pipelines have already lemmatised and split compounds), so one model serves German and
English, and "Messen"/"MESSE"/"Fachmesse" are the same evidence. Category names carry their task
as prefix ("sector:machinery") because the components share `doc.cats`.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import spacy
from spacy.language import Language
from spacy.tokens import Doc
from spacy.training import Example
from spacy.util import fix_random_seed, minibatch

log = logging.getLogger(__name__)

MODEL_DIR = Path(__file__).resolve().parent.parent / "tagging_model"
TASKS = {
    "sectors": ("sector", True),
    "topics": ("topic", True),
    "format": ("format", False),
    "audience": ("audience", False),
}
# Hash-table rows per component: small enough to commit, large enough for our vocabulary.
BOW_LENGTH = {"sectors": 2**13, "topics": 2**13, "format": 2**13, "audience": 2**13}


@dataclass(frozen=True)
class Labels:
    """The gold labels of one training example."""

    sectors: tuple[str, ...]
    topics: tuple[str, ...]
    format: str
    audience: str


@dataclass(frozen=True)
class Prediction:
    sectors: dict[str, float]
    topics: dict[str, float]
    format: dict[str, float]
    audience: dict[str, float]


def _component_config(task: str, multilabel: bool) -> dict:
    return {
        "threshold": 0.5,
        "model": {
            "@architectures": "spacy.TextCatBOW.v3",
            "exclusive_classes": not multilabel,
            "ngram_size": 2,
            "no_output_layer": False,
            "length": BOW_LENGTH[task],
        },
    }


class EventClassifier:
    """Loads, applies and trains the four classifiers."""

    def __init__(self, nlp: Language) -> None:
        self.nlp = nlp

    @classmethod
    def blank(cls, codes: dict[str, Sequence[str]]) -> EventClassifier:
        """A fresh, untrained pipeline for the given label codes per task."""
        nlp = spacy.blank("xx")
        for task, (prefix, multilabel) in TASKS.items():
            factory = "textcat_multilabel" if multilabel else "textcat"
            component = nlp.add_pipe(factory, name=task, config=_component_config(task, multilabel))
            for code in codes[task]:
                component.add_label(f"{prefix}:{code}")
        return cls(nlp)

    @classmethod
    def load(cls, path: Path = MODEL_DIR) -> EventClassifier | None:
        """The trained pipeline at `path`, or None (with a warning) when there is none."""
        if not (path / "meta.json").is_file():
            log.warning("no trained tagging model at %s; tagging with terms only (run `kontext train`)", path)
            return None
        return cls(spacy.load(path))

    def doc(self, words: list[str]) -> Doc:
        return Doc(self.nlp.vocab, words=words or ["__empty__"])

    def predict(self, features: Iterable[list[str]]) -> list[Prediction]:
        predictions = []
        for doc in self.nlp.pipe((self.doc(words) for words in features), batch_size=256):
            split: dict[str, dict[str, float]] = {prefix: {} for prefix, _ in TASKS.values()}
            for name, score in doc.cats.items():
                prefix, code = name.split(":", 1)
                split[prefix][code] = float(score)
            predictions.append(Prediction(split["sector"], split["topic"], split["format"], split["audience"]))
        return predictions

    def train(self, data: list[tuple[list[str], Labels]], seed: int, epochs: int) -> list[float]:
        """Train all four components from (features, labels); returns the loss per epoch.

        Each component gets examples with only its own categories: an exclusive `textcat` refuses
        documents that carry the multi-label sector categories too.
        """
        fix_random_seed(seed)
        rng = random.Random(seed)
        examples = {task: [self._example(words, labels, task) for words, labels in data] for task in TASKS}
        for task in TASKS:
            self.nlp.get_pipe(task).initialize(lambda task=task: examples[task], nlp=self.nlp)
        optimizer = self.nlp.create_optimizer()
        order = list(range(len(data)))
        losses_per_epoch = []
        for _ in range(epochs):
            rng.shuffle(order)
            losses: dict[str, float] = {}
            for batch in minibatch(order, size=16):
                for task in TASKS:
                    component = self.nlp.get_pipe(task)
                    component.update([examples[task][i] for i in batch], sgd=optimizer, losses=losses, drop=0.1)
            losses_per_epoch.append(sum(losses.values()))
        return losses_per_epoch

    def _example(self, words: list[str], labels: Labels, task: str) -> Example:
        gold = {
            "sectors": set(labels.sectors),
            "topics": set(labels.topics),
            "format": {labels.format},
            "audience": {labels.audience},
        }[task]
        cats = {name: 1.0 if name.split(":", 1)[1] in gold else 0.0 for name in self.nlp.get_pipe(task).labels}
        return Example.from_dict(self.doc(words), {"cats": cats})

    def save(self, path: Path) -> None:
        path.mkdir(parents=True, exist_ok=True)
        self.nlp.to_disk(path)
