"""The tagging vocabulary as staff edit it: config/sectors.yaml, topics.yaml, formats.yaml,
audience.yaml and organizer_kinds.yaml, validated on load.

A mistake is reported as one line naming the file, the entry and the field, e.g.
``config/formats.yaml: format 'seminars': not a format code (one of trade-fair, …)``.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from enum import StrEnum
from pathlib import Path
from typing import Any

import yaml

from kontext.errors import UserError
from kontext.vocabulary import AudienceLabel, EventFormat, OrganizerKind

LANGUAGES = ("de", "en")
STRONG = 1.0
WEAK = 0.5


class TaggingConfigError(UserError):
    """One of the tagging config files is missing or invalid."""


class Mode(StrEnum):
    """How a term may match: as a word or inside German compounds, or only in one of those ways."""

    TERM = "term"  # whole word/phrase, and single words of 4+ letters at a compound's start or end
    EXACT = "exact"  # whole word/phrase only
    PREFIX = "prefix"  # only as the first part of a compound ("Bau-")
    SUFFIX = "suffix"  # only as the last part of a compound ("-bau")
    NAME_PREFIX = "name-prefix"  # only as the first piece of a camel-case name ("Hack-": HackTX)
    NAME_SUFFIX = "name-suffix"  # only as the last piece of a camel-case name ("-con": PyCon)


@dataclass(frozen=True)
class Term:
    """One staff-written term of a label."""

    text: str
    label: str
    weight: float = STRONG
    mode: Mode = Mode.TERM
    lang: str = ""  # "de", "en" or "" (any); English terms never match inside compounds


@dataclass(frozen=True)
class Label:
    """A sector, topic or format: its code, display names and terms."""

    code: str
    de: str
    en: str
    terms: tuple[Term, ...] = ()


@dataclass(frozen=True)
class Lexicon:
    """All labels of one dimension (sectors, topics, …) plus the words that block matches."""

    name: str
    labels: tuple[Label, ...]
    neutral: tuple[Term, ...] = ()

    def label(self, code: str) -> Label | None:
        return next((label for label in self.labels if label.code == code), None)

    @property
    def codes(self) -> list[str]:
        return [label.code for label in self.labels]


@dataclass(frozen=True)
class Signal:
    """A group of audience words that pushes one audience label by `weight`.

    A `bridge_only` group (large, established companies) adds nothing on its own: its weight only
    counts on the established side of the founders-meet-established bridge to `mixed`.
    """

    label: AudienceLabel
    weight: float
    terms: tuple[str, ...]
    bridge_only: bool = False


@dataclass(frozen=True)
class AudienceConfig:
    labels: dict[AudienceLabel, tuple[str, str]]
    base: dict[AudienceLabel, float]
    model_weight: float
    signals: tuple[Signal, ...]
    format_weights: dict[EventFormat, dict[AudienceLabel, float]]
    title_factor: float
    bridge_weight: float = 0.0
    sector_weights: dict[str, dict[AudienceLabel, float]] = field(default_factory=dict)


@dataclass(frozen=True)
class OrganizerKindSpec:
    kind: OrganizerKind
    de: str
    en: str
    audience: dict[AudienceLabel, float]
    sectors: tuple[str, ...] = ()
    name_parts: tuple[str, ...] = ()
    name_words: tuple[str, ...] = ()


@dataclass(frozen=True)
class TaggingConfig:
    """Everything the tagger reads from config/, validated."""

    sectors: Lexicon
    topics: Lexicon
    formats: Lexicon
    all_industries: tuple[str, ...]
    online: tuple[str, ...]
    audience: AudienceConfig
    kinds: tuple[OrganizerKindSpec, ...]
    files: tuple[Path, ...] = field(default=())

    def kind(self, kind: OrganizerKind) -> OrganizerKindSpec | None:
        return next((spec for spec in self.kinds if spec.kind == kind), None)


def _read(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise TaggingConfigError(f"{path} is missing; the tagger needs it (see config/ in the repository)")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark else ""
        raise TaggingConfigError(f"{path}:{where} is not valid YAML ({getattr(error, 'problem', error)})") from None
    if not isinstance(data, dict):
        raise TaggingConfigError(f"{path}: expected a mapping at the top level")
    return data


def _words(value: Any, where: str) -> tuple[str, ...]:
    """A list of terms, or a mapping language -> list of terms, as a flat tuple of strings."""
    return tuple(word for _, word in _words_by_language(value, where))


def _words_by_language(value: Any, where: str) -> list[tuple[str, str]]:
    """(language, term) pairs from a list of terms ("" = any language) or a mapping language -> list."""
    if value is None:
        return []
    if isinstance(value, dict):
        unknown = set(value) - set(LANGUAGES)
        if unknown:
            raise TaggingConfigError(f"{where}: unknown language {sorted(unknown)[0]!r} (use de or en)")
        return [(lang, word) for lang in LANGUAGES for _, word in _words_by_language(value.get(lang), where)]
    if not isinstance(value, list):
        raise TaggingConfigError(f"{where}: expected a list of terms")
    words = []
    for item in value:
        if not isinstance(item, str | int | float) or not str(item).strip():
            raise TaggingConfigError(f"{where}: {item!r} is not a term")
        words.append(("", " ".join(str(item).split())))
    return words


def _names(value: Any, where: str) -> tuple[str, str]:
    if not isinstance(value, dict) or not all(isinstance(value.get(lang), str) for lang in LANGUAGES):
        raise TaggingConfigError(f"{where}: field 'label' needs a German and an English name ({{de: …, en: …}})")
    return value["de"], value["en"]


def _part(word: str, where: str, *, name: bool = False) -> Term:
    if word.endswith("-") and not word.startswith("-"):
        return Term(word[:-1], "", STRONG, Mode.NAME_PREFIX if name else Mode.PREFIX)
    if word.startswith("-") and not word.endswith("-"):
        return Term(word[1:], "", STRONG, Mode.NAME_SUFFIX if name else Mode.SUFFIX)
    raise TaggingConfigError(f'{where}: part {word!r} must start or end with \'-\' ("Bau-" or "-bau")')


def _lexicon(path: Path, data: dict[str, Any], key: str, what: str, allowed: list[str] | None) -> Lexicon:
    entries = data.get(key)
    if not isinstance(entries, dict) or not entries:
        raise TaggingConfigError(f"{path.name}: needs a '{key}' mapping of code -> entry")
    labels = []
    for code, entry in entries.items():
        where = f"{path.name}: {what} {code!r}"
        if allowed is not None and code not in allowed:
            raise TaggingConfigError(f"{where}: not a {what} code (one of {', '.join(allowed)})")
        if not isinstance(entry, dict):
            raise TaggingConfigError(f"{where}: expected a mapping with label and terms")
        unknown = set(entry) - {"label", "nace", "terms", "parts", "name_parts", "exact", "weak"}
        if unknown:
            raise TaggingConfigError(f"{where}: unknown field {sorted(unknown)[0]!r}")
        de, en = _names(entry.get("label"), where)
        weak = {word.casefold() for word in _words(entry.get("weak"), f"{where}, field 'weak'")}
        written: list[tuple[str, Term]] = []  # each term with the word as the file writes it ("-con")
        for lang, word in _words_by_language(entry.get("terms"), f"{where}, field 'terms'"):
            written.append((word, Term(word, code, STRONG, Mode.TERM, lang)))
        for lang, word in _words_by_language(entry.get("exact"), f"{where}, field 'exact'"):
            written.append((word, Term(word, code, STRONG, Mode.EXACT, lang)))
        for field_name in ("parts", "name_parts"):
            for word in _words(entry.get(field_name), f"{where}, field '{field_name}'"):
                part = _part(word, f"{where}, field '{field_name}'", name=field_name == "name_parts")
                written.append((word, replace(part, label=code)))
        terms = [replace(term, weight=WEAK) if word.casefold() in weak else term for word, term in written]
        listed = {word.casefold() for word, _ in written}
        missing = sorted(weak - listed)
        if missing:
            raise TaggingConfigError(f"{where}: weak term {missing[0]!r} is not among its terms or exact words")
        if not terms:
            raise TaggingConfigError(f"{where}: has no terms")
        labels.append(Label(code, de, en, tuple(terms)))
    neutral = tuple(
        Term(word, "", STRONG, Mode.TERM, lang)
        for lang, word in _words_by_language(data.get("neutral"), f"{path.name}: field 'neutral'")
    )
    return Lexicon(key, tuple(labels), neutral)


def _audience_map(value: Any, where: str) -> dict[AudienceLabel, float]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise TaggingConfigError(f"{where}: expected a mapping audience label -> weight")
    result = {}
    for label, weight in value.items():
        if label not in AudienceLabel.__members__.values():
            raise TaggingConfigError(f"{where}: {label!r} is not an audience label ({', '.join(AudienceLabel)})")
        if not isinstance(weight, int | float):
            raise TaggingConfigError(f"{where}: weight of {label!r} must be a number")
        result[AudienceLabel(label)] = float(weight)
    return result


def _audience(path: Path, data: dict[str, Any]) -> AudienceConfig:
    labels_raw = data.get("labels") or {}
    labels = {}
    for label in AudienceLabel:
        if label.value not in labels_raw:
            raise TaggingConfigError(f"{path.name}: field 'labels' lacks the audience label {label.value!r}")
        labels[label] = _names(labels_raw[label.value], f"{path.name}: label {label.value!r}")
    signals = []
    for number, group in enumerate(data.get("signals") or [], start=1):
        where = f"{path.name}: signal group {number}"
        if not isinstance(group, dict) or set(group) - {"label", "weight", "terms", "bridge_only"}:
            raise TaggingConfigError(f"{where}: expected label, weight, terms and optionally bridge_only")
        if not isinstance(group.get("bridge_only", False), bool):
            raise TaggingConfigError(f"{where}: field 'bridge_only' must be true or false")
        mapping = _audience_map({group.get("label"): group.get("weight", 1.0)}, where)
        ((label, weight),) = mapping.items()
        terms = _words(group.get("terms"), f"{where}, field 'terms'")
        signals.append(Signal(label, weight, terms, bool(group.get("bridge_only", False))))
    format_weights = {}
    for fmt, weights in (data.get("format_weights") or {}).items():
        if fmt not in EventFormat.__members__.values():
            raise TaggingConfigError(f"{path.name}: format_weights: {fmt!r} is not a format code")
        format_weights[EventFormat(fmt)] = _audience_map(weights, f"{path.name}: format_weights {fmt!r}")
    for key in ("model_weight", "title_factor", "bridge_weight"):
        if not isinstance(data.get(key, 1.0), int | float):
            raise TaggingConfigError(f"{path.name}: field {key!r} must be a number")
    return AudienceConfig(
        labels=labels,
        base=_audience_map(data.get("base"), f"{path.name}: field 'base'"),
        model_weight=float(data.get("model_weight", 1.0)),
        signals=tuple(signals),
        format_weights=format_weights,
        title_factor=float(data.get("title_factor", 1.0)),
        bridge_weight=float(data.get("bridge_weight", 0.0)),
        sector_weights={
            str(code): _audience_map(weights, f"{path.name}: sector_weights {code!r}")
            for code, weights in (data.get("sector_weights") or {}).items()
        },
    )


def _kinds(path: Path, data: dict[str, Any], sector_codes: list[str]) -> tuple[OrganizerKindSpec, ...]:
    kinds = data.get("kinds")
    if not isinstance(kinds, dict):
        raise TaggingConfigError(f"{path.name}: needs a 'kinds' mapping of kind -> entry")
    specs = []
    for kind, entry in kinds.items():
        where = f"{path.name}: kind {kind!r}"
        if kind not in OrganizerKind.__members__.values():
            raise TaggingConfigError(f"{where}: not an organiser kind ({', '.join(OrganizerKind)})")
        if not isinstance(entry, dict):
            raise TaggingConfigError(f"{where}: expected a mapping")
        unknown = set(entry) - {"label", "audience", "sectors", "name_parts", "name_words"}
        if unknown:
            raise TaggingConfigError(f"{where}: unknown field {sorted(unknown)[0]!r}")
        sectors = _words(entry.get("sectors"), f"{where}, field 'sectors'")
        for code in sectors:
            if code not in sector_codes:
                raise TaggingConfigError(f"{where}, field 'sectors': {code!r} is not in sectors.yaml")
        de, en = _names(entry.get("label"), where)
        specs.append(
            OrganizerKindSpec(
                kind=OrganizerKind(kind),
                de=de,
                en=en,
                audience=_audience_map(entry.get("audience"), f"{where}, field 'audience'"),
                sectors=sectors,
                # name parts keep their spaces: "Stadt " must not fire on "Stadtwerke"
                name_parts=tuple(str(part) for part in entry.get("name_parts") or ()),
                name_words=_words(entry.get("name_words"), f"{where}, field 'name_words'"),
            )
        )
    return tuple(specs)


def load_config(config_dir: Path) -> TaggingConfig:
    """Read and validate the five tagging files in `config_dir`."""
    config_dir = Path(config_dir)
    paths = {
        name: config_dir / f"{name}.yaml" for name in ("sectors", "topics", "formats", "audience", "organizer_kinds")
    }
    data = {name: _read(path) for name, path in paths.items()}
    sectors = _lexicon(paths["sectors"], data["sectors"], "sectors", "sector", None)
    formats = _lexicon(paths["formats"], data["formats"], "formats", "format", [fmt.value for fmt in EventFormat])
    audience = _audience(paths["audience"], data["audience"])
    for code in audience.sector_weights:
        if code not in sectors.codes:
            raise TaggingConfigError(f"audience.yaml: sector_weights: {code!r} is not in sectors.yaml")
    return TaggingConfig(
        sectors=sectors,
        topics=_lexicon(paths["topics"], data["topics"], "topics", "topic", None),
        formats=formats,
        all_industries=_words(data["sectors"].get("all_industries"), "sectors.yaml: field 'all_industries'"),
        online=_words(data["formats"].get("online"), "formats.yaml: field 'online'"),
        audience=audience,
        kinds=_kinds(paths["organizer_kinds"], data["organizer_kinds"], sectors.codes),
        files=tuple(paths.values()),
    )
