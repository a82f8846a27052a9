"""The tagger: sectors, topics, format and audience for an event, each with its evidence.

`Tagger.load(config_dir)` reads config/*.yaml and the trained model once (heavy: two spaCy
pipelines, the phrase matchers and the classifiers); `tag`/`tag_many` are then cheap. The
pipeline stage and `kontext tag` share one instance per process through `get_tagger()`.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from kontext.records import Audience, Event, Tag
from kontext.vocabulary import Attendance, EventFormat, EventStatus, OrganizerKind
from pipelines.tagging.config import LANGUAGES, Mode, TaggingConfig, load_config
from pipelines.tagging.decide import (
    SECTOR_POLICY,
    TOPIC_POLICY,
    OrganizerInfo,
    decide_audience,
    decide_format,
    decide_labels,
)
from pipelines.tagging.language import detect_language
from pipelines.tagging.matching import SEPARATOR, Entry, Hit, TermMatcher, fold
from pipelines.tagging.model import MODEL_DIR, EventClassifier, Prediction

log = logging.getLogger(__name__)

FIELDS = ("title", "description", "tags", "organizer")
# The start of a description says what an event is about; the rest mostly adds examples and noise
# (and time: tagging cost grows with length).
MAX_DESCRIPTION = 2000


@dataclass(frozen=True)
class TagInput:
    """What the tagger reads of an event."""

    title: str = ""
    description: str = ""
    organizer: str | None = None
    organizer_kind: OrganizerKind | None = None
    tags: tuple[str, ...] = ()  # source categories/keywords
    language: str | None = None  # "de"/"en"/None = detect
    online: bool = False  # the source says the event is online only (schema.org attendance mode)


@dataclass(frozen=True)
class Tagging:
    """The tagger's decisions for one event."""

    sectors: list[Tag]
    topics: list[Tag]
    format: EventFormat
    format_evidence: list[str]
    audience: Audience


@dataclass(frozen=True)
class Analysis:
    """One event read by a language pipeline: its matched terms and the model's features."""

    hits: list[Hit]
    features: list[str]
    organizer: OrganizerInfo
    online: bool = False


def _entries(config: TaggingConfig) -> list[Entry]:
    entries: list[Entry] = []
    for lexicon in (config.sectors, config.topics, config.formats):
        for label in lexicon.labels:
            entries.extend(
                Entry(lexicon.name, label.code, term.weight, term.text, mode=term.mode, lang=term.lang)
                for term in label.terms
            )
        entries.extend(Entry(lexicon.name, "", 1.0, term.text, lang=term.lang) for term in lexicon.neutral)
    entries.extend(Entry("all_industries", "all", 1.0, word) for word in config.all_industries)
    entries.extend(Entry("online", "online", 1.0, word, mode=Mode.EXACT) for word in config.online)
    for group, signal in enumerate(config.audience.signals):
        entries.extend(Entry("audience", signal.label.value, signal.weight, word, group) for word in signal.terms)
    return entries


def _joined(item: TagInput) -> tuple[str, list[tuple[str, int, int]]]:
    """The event's fields as one text, with the character range of each field."""
    parts = {
        "title": " ".join((item.title or "").split()),
        "description": _clip(" ".join((item.description or "").split()), MAX_DESCRIPTION),
        "tags": " ; ".join(" ".join(tag.split()) for tag in item.tags if tag and tag.strip()),
        "organizer": " ".join((item.organizer or "").split()),
    }
    text, fields = "", []
    for name in FIELDS:
        if not parts[name]:
            continue
        if text:
            text += SEPARATOR
        fields.append((name, len(text), len(text) + len(parts[name])))
        text += parts[name]
    return text, fields


def _clip(text: str, limit: int) -> str:
    """`text` cut to at most `limit` characters, at a word boundary."""
    if len(text) <= limit:
        return text
    cut = text.rfind(" ", 0, limit)
    return text[: cut if cut > limit // 2 else limit]


class Tagger:
    """Tags events; load once per process (see `get_tagger`)."""

    def __init__(self, config: TaggingConfig, classifier: EventClassifier | None) -> None:
        self.config = config
        self.classifier = classifier
        entries = _entries(config)
        self.matchers = {lang: TermMatcher(lang, entries) for lang in LANGUAGES}
        self._kind_words = [
            (
                spec,
                [fold(part) for part in spec.name_parts],
                [re.compile(rf"(?<!\w){re.escape(word)}(?!\w)") for word in spec.name_words],
            )
            for spec in config.kinds
        ]

    @classmethod
    def load(cls, config_dir: Path, model_dir: Path | None = None) -> Tagger:
        """Read config and the trained model (default: pipelines/tagging_model); heavy, once per process."""
        config = load_config(Path(config_dir))
        return cls(config, EventClassifier.load(model_dir or MODEL_DIR))

    def organizer(self, item: TagInput) -> OrganizerInfo:
        """The organiser's kind: as given, else read from its name, else unknown.

        When a name lists several organisers ("Stadt Filderstadt mit IHK …"), the first one named
        decides; between patterns at the same place, the kind listed first in the config.
        """
        name = " ".join((item.organizer or "").split()) or None
        kind, detected = item.organizer_kind, False
        if kind in (None, OrganizerKind.UNKNOWN) and name:
            folded = fold(name) + " "
            best: tuple[int, int] | None = None
            for rank, (spec, parts, words) in enumerate(self._kind_words):
                positions = [folded.find(part) for part in parts if part in folded]
                positions += [match.start() for word in words if (match := word.search(name))]
                if positions and (best is None or (min(positions), rank) < best):
                    best, kind = (min(positions), rank), spec.kind
            detected = best is not None
        spec = self.config.kind(kind) if kind else None
        return OrganizerInfo(name, kind, spec, detected)

    def analyse(self, items: list[TagInput]) -> list[Analysis]:
        """Read every item with the pipeline of its language: matched terms and model features."""
        analyses: list[Analysis | None] = [None] * len(items)
        by_lang: dict[str, list[int]] = {}
        for index, item in enumerate(items):
            lang = (item.language or "")[:2].lower()
            if lang not in LANGUAGES:
                lang = detect_language(f"{item.title} {item.description}")
            by_lang.setdefault(lang, []).append(index)
        for lang, indices in by_lang.items():
            matcher = self.matchers[lang]
            joined = [_joined(items[index]) for index in indices]
            for index, (_, fields), doc in zip(indices, joined, matcher.pipe(text for text, _ in joined), strict=True):
                hits = matcher.find(doc, fields)
                organizer = self.organizer(items[index])
                online = items[index].online
                analyses[index] = Analysis(hits, _features(doc, fields, hits, organizer), organizer, online)
        return [analysis for analysis in analyses if analysis is not None]

    def tag(self, item: TagInput) -> Tagging:
        """Tag one event."""
        return self.tag_many([item])[0]

    def tag_many(self, items: Iterable[TagInput]) -> list[Tagging]:
        """Tag many events in one pass through the pipelines (much faster than one by one)."""
        items = list(items)
        analyses = self.analyse(items)
        if self.classifier is not None:
            predictions = self.classifier.predict(analysis.features for analysis in analyses)
        else:
            predictions = [Prediction({}, {}, {}, {}) for _ in items]
        return [self._decide(analysis, prediction) for analysis, prediction in zip(analyses, predictions, strict=True)]

    def _decide(self, analysis: Analysis, prediction: Prediction) -> Tagging:
        by_dimension: dict[str, list[Hit]] = {}
        for hit in analysis.hits:
            by_dimension.setdefault(hit.entry.dimension, []).append(hit)
        config = self.config
        if by_dimension.get("all_industries"):
            sectors: list[Tag] = []
        else:
            sectors = decide_labels(
                config.sectors, by_dimension.get("sectors", []), prediction.sectors, SECTOR_POLICY, analysis.organizer
            )
        topics = decide_labels(config.topics, by_dimension.get("topics", []), prediction.topics, TOPIC_POLICY)
        event_format, format_evidence = decide_format(
            config.formats,
            by_dimension.get("formats", []),
            by_dimension.get("online", []),
            prediction.format,
            online_only=analysis.online,
        )
        format_label = config.formats.label(event_format.value)
        audience = decide_audience(
            config.audience,
            by_dimension.get("audience", []),
            event_format,
            format_label.de if format_label else event_format.value,
            analysis.organizer,
            prediction.audience,
            sectors,
        )
        return Tagging(sectors, topics, event_format, format_evidence, audience)


def _features(doc, fields: list[tuple[str, int, int]], hits: list[Hit], organizer: OrganizerInfo) -> list[str]:
    """The classifier's input: lemmas (title twice), the terms found inside compounds, the organiser kind.

    Bare numbers (years, editions) are left out: they say nothing about an event, yet the model learned
    them as evidence from the few hundred names it was trained on.
    """
    title_end = next((end for name, _, end in fields if name == "title"), 0)
    words = []
    for text, offset, norm, is_word in doc.user_data["words"]:
        if not is_word or text == "|" or norm.isdigit():
            continue
        words.append(norm)
        if offset < title_end:
            words.append(norm)
    for hit in hits:
        if fold(hit.surface) != fold(hit.entry.term):
            words.append(fold(hit.entry.term))
    if organizer.kind not in (None, OrganizerKind.UNKNOWN):
        words.extend([f"__kind_{organizer.kind.value}"] * 2)
    return words


_TAGGERS: dict[Path, Tagger] = {}


def get_tagger(config_dir: Path | None = None) -> Tagger:
    """The process-wide tagger for `config_dir` (default: the settings' config dir), loaded on first use."""
    if config_dir is None:
        from kontext.settings import load_settings

        config_dir = load_settings().config_dir
    key = Path(config_dir).resolve()
    if key not in _TAGGERS:
        _TAGGERS[key] = Tagger.load(key)
    return _TAGGERS[key]


def input_for(event: Event) -> TagInput:
    """What the tagger reads of an Event."""
    organizer = event.organizer
    return TagInput(
        title=event.title,
        description=event.description or "",
        organizer=organizer.name if organizer else None,
        organizer_kind=organizer.kind if organizer else None,
        tags=tuple(event.tags),
        language=event.language,
        online=event.attendance == Attendance.ONLINE or event.status == EventStatus.MOVED_ONLINE,
    )


def tag_event(event: Event, tagger: Tagger | None = None) -> Event:
    """A copy of `event` with sectors, topics, format and audience set by the tagger."""
    tagging = (tagger or get_tagger()).tag(input_for(event))
    return event.model_copy(
        update={
            "sectors": tagging.sectors,
            "topics": tagging.topics,
            "format": tagging.format,
            "audience": tagging.audience,
        }
    )
