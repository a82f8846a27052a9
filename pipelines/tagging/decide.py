"""From matched terms, organiser kind and model scores to labels with short, readable evidence.

Evidence strings are shown on the search page and in the digest, so they quote what decided:
„Begriff: „Maschinenbau“", „Kategorie: „Nur für Fachbesucher“", „Veranstalter: IHK Hannover
(Kammer)", „Textmodell: 82 %".
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from kontext.records import Audience, Tag
from kontext.vocabulary import AudienceLabel, EventFormat, OrganizerKind
from pipelines.tagging.config import AudienceConfig, Lexicon, OrganizerKindSpec
from pipelines.tagging.matching import Hit, fold

MAX_EVIDENCE = 4

# How much a term counts by where it stands (sectors and topics).
FIELD_FACTOR = {"title": 1.0, "tags": 0.8, "description": 0.6, "organizer": 0.5}
TERM_STRENGTH = 0.9  # a strong term in the title alone gives 0.9
KIND_SECTOR_STRENGTH = 0.6  # an organiser kind's sector lean (crafts chamber -> crafts), enough alone


@dataclass(frozen=True)
class LabelPolicy:
    """How terms and model combine for a multi-label dimension (sectors, topics).

    Terms and model combine by noisy-or (the model counts `model_weight` x its score). Trained on a few
    hundred events, the model knows too few words to overrule the staff's term lists: with the default
    weight it can only add to what the terms found, and even with a higher one it must be very sure to
    add a label alone.
    """

    threshold: float = 0.6
    model_weight: float = 0.5
    max_labels: int = 3
    # A label seen only in the description must reach this when the title names a label itself or
    # the description runs through many of them (examples, not the event's focus).
    side_threshold: float = 0.9
    many: int = 3


# model_weight and side_threshold chosen by 5-fold cross-validation on config/training only (never on a
# dev set): the model alone reaches the threshold only when it is at least 86 % sure (0.7 x 0.86), and
# a second sector named in the description of a titled event needs 0.8 instead of 0.9.
SECTOR_POLICY = LabelPolicy(model_weight=0.7, side_threshold=0.8)
# Themes are often named in the description only: no stricter bar there.
TOPIC_POLICY = LabelPolicy(side_threshold=0.6)

# Formats: a term in the title counts double; the model adds FORMAT_MODEL_WEIGHT x its probability.
FORMAT_FIELD_FACTOR = {"title": 2.0, "tags": 1.0, "description": 1.0, "organizer": 0.3}
FORMAT_MODEL_WEIGHT = 0.9
FORMAT_DEFAULT = 0.3  # `other` when nothing speaks for a format
MODEL_TRUST = 0.3  # audience: share of the model in its mixture with a uniform guess


@dataclass(frozen=True)
class OrganizerInfo:
    name: str | None
    kind: OrganizerKind | None
    spec: OrganizerKindSpec | None
    detected: bool  # read from the name rather than given by the source


def quote(hit: Hit) -> str:
    """A hit as a short line of evidence."""
    if hit.field == "tags":
        return f"Kategorie: „{hit.surface}“"
    if hit.field == "organizer":
        return f"Veranstaltername: „{hit.surface}“"
    return f"Begriff: „{hit.surface}“"


def organizer_line(organizer: OrganizerInfo) -> str | None:
    if organizer.spec is None or organizer.kind in (None, OrganizerKind.UNKNOWN):
        return None
    if organizer.name:
        return f"Veranstalter: {organizer.name} ({organizer.spec.de})"
    return f"Veranstalterart: {organizer.spec.de}"


def model_line(score: float) -> str:
    return f"Textmodell: {round(score * 100)} %"


def _unique(lines: list[str]) -> list[str]:
    seen: list[str] = []
    for line in lines:
        if line not in seen:
            seen.append(line)
    return seen[:MAX_EVIDENCE]


def decide_labels(
    lexicon: Lexicon,
    hits: list[Hit],
    model: dict[str, float],
    policy: LabelPolicy,
    organizer: OrganizerInfo | None = None,
) -> list[Tag]:
    """Sectors or topics: every label whose blended score reaches the threshold, best first."""
    rule: dict[str, float] = {}
    evidence: dict[str, list[tuple[float, str]]] = {}
    seen: set[tuple[str, str, str]] = set()
    for hit in hits:
        # one word in one field counts once, however many spellings of it the config lists
        key = (hit.entry.label, fold(hit.surface), hit.field)
        if key in seen:
            continue
        seen.add(key)
        strength = TERM_STRENGTH * hit.entry.weight * FIELD_FACTOR.get(hit.field, 0.6)
        code = hit.entry.label
        rule[code] = 1 - (1 - rule.get(code, 0.0)) * (1 - strength)
        evidence.setdefault(code, []).append((strength, quote(hit)))
    if organizer is not None and organizer.spec is not None:
        line = organizer_line(organizer)
        for code in organizer.spec.sectors:
            rule[code] = 1 - (1 - rule.get(code, 0.0)) * (1 - KIND_SECTOR_STRENGTH)
            if line:
                evidence.setdefault(code, []).append((KIND_SECTOR_STRENGTH, line))
    fields: dict[str, set[str]] = {}
    for hit in hits:
        fields.setdefault(hit.entry.label, set()).add(hit.field)
    in_title = any("title" in where or "tags" in where for where in fields.values())
    described = sum(1 for where in fields.values() if "description" in where)
    tags = []
    for label in lexicon.labels:
        code = label.code
        terms = rule.get(code, 0.0)
        learned = model.get(code, 0.0)
        score = 1 - (1 - terms) * (1 - policy.model_weight * learned)
        side = code in fields and fields[code] <= {"description"}
        needed = policy.side_threshold if side and (in_title or described >= policy.many) else policy.threshold
        if score < needed:
            continue
        lines = [line for _, line in sorted(evidence.get(code, []), key=lambda item: -item[0])]
        if any(line.startswith("Veranstalter: ") for line in lines):
            lines = [line for line in lines if not line.startswith("Veranstaltername: ")]  # said once is enough
        if learned >= 0.5 and (not lines or terms < policy.threshold):
            lines.append(model_line(learned))
        tags.append(Tag(code=code, label=label.de, score=round(min(score, 1.0), 3), evidence=_unique(lines)))
    tags.sort(key=lambda tag: -tag.score)
    return tags[: policy.max_labels]


def decide_format(
    lexicon: Lexicon, hits: list[Hit], online: list[Hit], model: dict[str, float], *, online_only: bool = False
) -> tuple[EventFormat, list[str]]:
    """Exactly one format: the strongest terms, nudged by the model; online seminars become webinars."""
    scores = {label.code: 0.0 for label in lexicon.labels}
    evidence: dict[str, list[tuple[float, str]]] = {}
    seen: set[tuple[str, str, str]] = set()

    def strength(hit: Hit) -> float:
        return hit.entry.weight * FORMAT_FIELD_FACTOR.get(hit.field, 1.0)

    for hit in sorted(hits, key=lambda hit: -strength(hit)):
        # one format word counts once per field, however it is inflected ("days", "Day") or listed
        key = (hit.entry.label, hit.key or fold(hit.surface), hit.field)
        if key in seen:
            continue
        seen.add(key)
        scores[hit.entry.label] += strength(hit)
        evidence.setdefault(hit.entry.label, []).append((strength(hit), quote(hit)))
    scores[EventFormat.OTHER.value] += FORMAT_DEFAULT
    for code, probability in model.items():
        if code in scores:
            scores[code] += FORMAT_MODEL_WEIGHT * probability
    order = [label.code for label in lexicon.labels]
    best = max(order, key=lambda code: (scores[code], -order.index(code)))
    lines = [line for _, line in sorted(evidence.get(best, []), key=lambda item: -item[0])]
    if best in (EventFormat.SEMINAR, EventFormat.INFO_SESSION) and (online or online_only):
        first = min(online, key=lambda hit: hit.start) if online else None
        lines = [f"Online: „{first.surface}“" if first else "Online-Veranstaltung (laut Quelle)", *lines]
        best = EventFormat.WEBINAR.value
    if model.get(best, 0.0) >= 0.5 and len(lines) < 2:
        lines.append(model_line(model[best]))
    if not lines:
        # no format word: `other` by default, or the model's pick (quoted even when it is below 50 %)
        lines = ["kein Formatbegriff: Sonstiges"] if best == EventFormat.OTHER else [model_line(model.get(best, 0.0))]
    return EventFormat(best), _unique(lines)


def decide_audience(
    config: AudienceConfig,
    hits: list[Hit],
    event_format: EventFormat,
    format_name: str,
    organizer: OrganizerInfo,
    model: dict[str, float],
    sectors: list[Tag] | None = None,
) -> Audience:
    """One audience label and sme_score = P(sme) + ½·P(mixed) over the softmax of all totals."""
    totals = {label: config.base.get(label, 0.0) for label in AudienceLabel}
    evidence: dict[AudienceLabel, list[tuple[float, str]]] = {label: [] for label in AudienceLabel}
    words: dict[AudienceLabel, list[str]] = {label: [] for label in AudienceLabel}
    seen: set[tuple[int, str]] = set()
    established, established_words = 0.0, []  # bridge-only words: large, long-established companies
    for hit in hits:
        label = AudienceLabel(hit.entry.label)
        key = (hit.entry.group, hit.field)
        if key in seen or hit.field == "organizer":
            continue  # the organiser speaks through its kind, not twice through its name
        seen.add(key)
        weight = hit.entry.weight * (config.title_factor if hit.field == "title" else 1.0)
        if 0 <= hit.entry.group < len(config.signals) and config.signals[hit.entry.group].bridge_only:
            established += weight
            established_words.append(hit.surface)
            continue
        totals[label] += weight
        evidence[label].append((weight, quote(hit)))
        words[label].append(hit.surface)
    # Founders' words and Mittelstand (or other established-company) words in one text: an event that
    # brings both together.
    bridge = min(
        totals[AudienceLabel.STARTUP] - config.base.get(AudienceLabel.STARTUP, 0.0),
        totals[AudienceLabel.SME] - config.base.get(AudienceLabel.SME, 0.0) + established,
    )
    if bridge > 0 and config.bridge_weight:
        totals[AudienceLabel.MIXED] += config.bridge_weight * bridge
        partner = (words[AudienceLabel.SME] + established_words)[0]
        pair = f"„{words[AudienceLabel.STARTUP][0]}“ und „{partner}“"
        evidence[AudienceLabel.MIXED].append((config.bridge_weight * bridge, f"Start-ups und Etablierte: {pair}"))
    if organizer.spec is not None:
        line = organizer_line(organizer)
        for label, weight in organizer.spec.audience.items():
            totals[label] += weight
            if line and weight > 0:
                evidence[label].append((weight + 10, line))  # the organiser is named first
    for tag in sectors or []:
        for label, weight in config.sector_weights.get(tag.code, {}).items():
            totals[label] += weight
            if weight >= 0.5:
                evidence[label].append((weight, f"Branche: {tag.label}"))
    for label, weight in config.format_weights.get(event_format, {}).items():
        totals[label] += weight
        if weight > 0:
            evidence[label].append((weight, f"Format: {format_name}"))
    if model:
        # mixed with a uniform guess: a model sure of a label it has little evidence for (unseen words
        # fall back to the majority class) must not outvote the terms
        share = 1 / len(AudienceLabel)
        for label in AudienceLabel:
            probability = (1 - MODEL_TRUST) * share + MODEL_TRUST * model.get(label.value, 0.0)
            totals[label] += config.model_weight * math.log(probability)
    top = max(totals.values())
    exp = {label: math.exp(total - top) for label, total in totals.items()}
    norm = sum(exp.values())
    probability = {label: value / norm for label, value in exp.items()}
    best = max(AudienceLabel, key=lambda label: totals[label])
    sme_score = min(1.0, probability[AudienceLabel.SME] + 0.5 * probability[AudienceLabel.MIXED])
    lines = [line for _, line in sorted(evidence[best], key=lambda item: -item[0])]
    if best == AudienceLabel.PUBLIC and all(line.startswith("Format: ") for line in lines):
        lines.insert(0, "keine Hinweise auf ein Fachpublikum")
    learned = model.get(best.value, 0.0)
    if learned >= 0.5 and len(lines) < 2:
        lines.append(model_line(learned))
    if not lines:
        lines = [
            "keine Hinweise auf ein Fachpublikum"
            if best == AudienceLabel.PUBLIC
            else f"Grundannahme: {config.labels[best][0]}"
        ]
    return Audience(label=best, sme_score=round(sme_score, 3), evidence=_unique(lines))
