"""Search relevance: German and English queries with the events they must return, per index option.

    .venv/bin/python bench/relevance.py [--variant NAME ...] [--per-query]

Two corpora: the bundled sample site's events (examples/sample_site, ours) and the real labelled
events of ../shared/data/labels (read at run time, never copied). Documents carry the gold sector,
format and audience labels, so the figures measure the search, not the tagger. The queries and the
rules that say which events each must return are in bench/relevance_queries.yaml.

The options compared (each a fresh index on a throwaway Meilisearch, or MEILI_URL):
    plain              Meilisearch defaults for German text, no synonyms
    synonyms           + our DE<->EN synonym groups (config/synonyms.yaml)
    localized          Meilisearch's German segmentation (localizedAttributes deu), no synonyms
    localized+syn      localized + synonyms
    parts              our decompounded fields (search/compounds.py), no synonyms
    parts+syn          parts + synonyms
    parts+syn+query    parts + synonyms + compounds in the query split too  (what Kontext ships)

Printed per option and query kind: recall@10 (found / min(relevant, 10)), nDCG@10 (binary gains)
and, for the noise queries, noise@10 (share of the top 10 that are compound fragments' false hits).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import sys
import tempfile
import uuid
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml

from kontext.records import Audience, Event, Organizer, Price, Tag, Venue
from kontext.sample_site import expected_events, load_content
from kontext.services import Meili, meili_session
from kontext.settings import PROJECT_ROOT, load_settings
from kontext.vocabulary import AudienceLabel, EventFormat
from search.index import SearchIndex, event_document, event_index_settings
from search.query import SearchQuery

QUERIES = Path(__file__).resolve().parent / "relevance_queries.yaml"
LABELS = PROJECT_ROOT.parent / "shared" / "data" / "labels"
NOW = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
SME_SCORE = {"sme": 0.9, "mixed": 0.6, "professional": 0.35, "startup": 0.2, "public": 0.1}
KINDS = ("plain", "compound", "synonym", "english", "typo", "noise")


@dataclass
class Variant:
    """One index option to measure."""

    name: str
    synonyms: bool
    localized: bool = False
    parts: bool = False
    split_query: bool = False


VARIANTS = [
    Variant("plain", synonyms=False),
    Variant("synonyms", synonyms=True),
    Variant("localized", synonyms=False, localized=True),
    Variant("localized+syn", synonyms=True, localized=True),
    Variant("parts", synonyms=False, parts=True),
    Variant("parts+syn", synonyms=True, parts=True),
    Variant("parts+syn+query", synonyms=True, parts=True, split_query=True),
]


@dataclass
class Gold:
    """An event with the labels the rules read."""

    event: Event
    sectors: list[str]
    topics: list[str]
    format: str
    audience: str

    @property
    def text(self) -> str:
        return " ".join([self.event.title, self.event.description, *self.event.tags])


@dataclass
class Result:
    """The figures of one query."""

    recall: float
    ndcg: float
    noise: float | None
    relevant: int
    found: list[str] = field(default_factory=list)


# --- corpora -------------------------------------------------------------------------------------


def _event(key: str, title: str, text: str, start: datetime, gold: dict[str, Any], **extra: Any) -> Gold:
    audience = gold.get("audience") or "public"
    sectors = list(gold.get("sectors") or [])
    topics = list(gold.get("topics") or [])
    form = gold.get("format") or "other"
    event = Event(
        id=re.sub(r"[^A-Za-z0-9_-]", "-", key)[:100],
        title=title,
        description=text,
        start=start,
        end=start + timedelta(hours=3),
        format=EventFormat(form),
        sectors=[Tag(code=code) for code in sectors],
        topics=[Tag(code=code) for code in topics],
        audience=Audience(label=AudienceLabel(audience), sme_score=SME_SCORE[audience]),
        source="bench",
        **extra,
    )
    return Gold(event, sectors, topics, form, audience)


def sample_corpus() -> list[Gold]:
    """The sample site's events (our own invented content), with their gold labels."""
    content = load_content()
    specs = {(spec.section, spec.title): spec for spec in content.events}
    corpus = []
    for number, item in enumerate(expected_events(NOW.date())):
        spec = specs[(item["section"], item["title"])]
        start = datetime.fromisoformat(item["start"]) if "T" in item["start"] else NOW + timedelta(days=number)
        venue = Venue(city=item["city"], postcode=item["postcode"], name=item["venue"]) if item["city"] else None
        corpus.append(
            _event(
                f"s{number}",
                item["title"],
                f"{spec.summary} {spec.description}",
                start.astimezone(UTC),
                item,
                venue=venue,
                organizer=Organizer(name=item["organiser"]),
                price=Price(free=item["free"]),
                language=item["language"],
            )
        )
    return corpus


def labels_corpus() -> list[Gold]:
    """The real labelled events of ../shared/data/labels (only those that are events)."""
    corpus = []
    for path in sorted(LABELS.glob("*.jsonl")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines()):
            record = json.loads(line)
            if record.get("is_event") is False or not record.get("title", "").strip():
                continue
            start = NOW + timedelta(days=1 + number % 120, hours=number % 9)
            organizer = Organizer(name=record["organizer"]) if record.get("organizer") else None
            corpus.append(
                _event(
                    f"{path.stem[:6]}{number}",
                    record["title"],
                    record.get("text") or "",
                    start,
                    record,
                    tags=list(record.get("tags") or []),
                    organizer=organizer,
                    language=record.get("language"),
                )
            )
    return corpus


# --- judgments -----------------------------------------------------------------------------------


def rule(spec: dict[str, Any]) -> Callable[[Gold], bool]:
    """A predicate over gold events from a rule of relevance_queries.yaml."""
    if "any" in spec:
        parts = [rule(item) for item in spec["any"]]
        return lambda gold: any(part(gold) for part in parts)
    if "all" in spec:
        parts = [rule(item) for item in spec["all"]]
        return lambda gold: all(part(gold) for part in parts)
    if "not" in spec:
        inner = rule(spec["not"])
        return lambda gold: not inner(gold)
    (name, value), *rest = spec.items()
    if rest:
        raise ValueError(f"one condition per rule, got {spec}")
    if name in ("title", "text"):
        pattern = re.compile(value, re.IGNORECASE)
        return lambda gold: bool(pattern.search(gold.event.title if name == "title" else gold.text))
    if name in ("sector", "topic"):
        return lambda gold: value in getattr(gold, f"{name}s")
    if name in ("format", "audience"):
        return lambda gold: getattr(gold, name) == value
    raise ValueError(f"unknown rule {name!r}")


def score(ranked: list[str], relevant: set[str], noise: set[str] | None) -> Result:
    """recall@10, nDCG@10 and noise@10 of one ranking."""
    top = ranked[:10]
    hits = [1.0 if event_id in relevant else 0.0 for event_id in top]
    ideal = min(len(relevant), 10)
    dcg = sum(gain / math.log2(rank + 2) for rank, gain in enumerate(hits))
    idcg = sum(1 / math.log2(rank + 2) for rank in range(ideal))
    return Result(
        recall=sum(hits) / ideal if ideal else 1.0,
        ndcg=dcg / idcg if idcg else 1.0,
        noise=(sum(1 for event_id in top if event_id in noise) / len(top) if top else 0.0)
        if noise is not None
        else None,
        relevant=len(relevant),
        found=top,
    )


# --- runs ----------------------------------------------------------------------------------------


def index_for(meili: Meili, variant: Variant, corpus: list[Gold], tag: str) -> SearchIndex:
    """A fresh index of the corpus with the option's settings and documents."""
    settings = event_index_settings(None if variant.synonyms else {})
    if variant.localized:
        settings["localizedAttributes"] = [{"attributePatterns": ["*"], "locales": ["deu"]}]
    index = SearchIndex(meili, f"bench_rel_{tag}_{uuid.uuid4().hex[:8]}", settings)
    documents = []
    for gold in corpus:
        document = event_document(gold.event)
        if not variant.parts:
            document["title_parts"] = document["description_parts"] = ""
        documents.append(document)
    index.rebuild(documents)
    return index


def run_query(index: SearchIndex, variant: Variant, text: str) -> list[str]:
    """The ids the option returns for a query (top 10)."""
    query = SearchQuery(text=text, audiences=[], facets=False, per_page=10)
    params = query.params(NOW, fields=["id"])
    if not variant.split_query:
        params["q"] = text
    if variant.localized:
        params["locales"] = ["deu"]
    return [hit["id"] for hit in index.search(text, params)["hits"]]


def evaluate(
    meili: Meili, variant: Variant, corpora: dict[str, list[Gold]], queries: dict[str, list[dict]]
) -> list[tuple[str, dict, Result]]:
    """Every query of every corpus, against one option."""
    results = []
    for name, corpus in corpora.items():
        index = index_for(meili, variant, corpus, name)
        try:
            for spec in queries[name]:
                relevant_rule = rule(spec["relevant"])
                noise_rule = rule(spec["noise"]) if spec.get("noise") else None
                relevant = {gold.event.id for gold in corpus if relevant_rule(gold)}
                noise = {gold.event.id for gold in corpus if noise_rule(gold)} - relevant if noise_rule else None
                results.append((name, spec, score(run_query(index, variant, spec["q"]), relevant, noise)))
        finally:
            index.client.delete_index(index.uid)
            index.close()
    return results


def mean(values: list[float]) -> float:
    """The mean, NaN for none."""
    return sum(values) / len(values) if values else float("nan")


def main(argv: list[str] | None = None) -> int:
    """Run the bench and print its table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--variant", action="append", choices=[variant.name for variant in VARIANTS])
    parser.add_argument("--per-query", action="store_true", help="Also print every query's figures.")
    args = parser.parse_args(argv)
    variants = [variant for variant in VARIANTS if not args.variant or variant.name in args.variant]
    queries = yaml.safe_load(QUERIES.read_text(encoding="utf-8"))
    corpora = {"sample": sample_corpus()}
    if LABELS.is_dir():
        corpora["labels"] = labels_corpus()
    else:
        print(f"note: {LABELS} not found; only the sample corpus is used", file=sys.stderr)
    count = sum(len(queries[name]) for name in corpora)
    print(
        f"relevance bench {date.today().isoformat()}: {count} queries; corpora: "
        + ", ".join(f"{name} {len(corpus)} events" for name, corpus in corpora.items())
    )
    header = f"{'option':<17} {'kind':<9} {'n':>3} {'recall@10':>9} {'nDCG@10':>8} {'noise@10':>8}"
    with (
        tempfile.TemporaryDirectory(prefix="kontext-bench-") as home,
        meili_session(load_settings({**os.environ, "KONTEXT_HOME": home})) as meili,
    ):
        table: dict[str, list[tuple[str, dict, Result]]] = {}
        for variant in variants:
            table[variant.name] = evaluate(meili, variant, corpora, queries)
    print(header)
    for variant in variants:
        rows = table[variant.name]
        by_kind: dict[str, list[Result]] = defaultdict(list)
        for _, spec, result in rows:
            by_kind[spec["kind"]].append(result)
        for kind in (*KINDS, "all"):
            results = [result for _, _, result in rows] if kind == "all" else by_kind.get(kind, [])
            if not results:
                continue
            noise = [result.noise for result in results if result.noise is not None]
            noise_text = f"{mean(noise):8.2f}" if noise else f"{'-':>8}"
            print(
                f"{variant.name:<17} {kind:<9} {len(results):>3} {mean([r.recall for r in results]):9.3f} "
                f"{mean([r.ndcg for r in results]):8.3f} {noise_text}"
            )
        if args.per_query:
            for corpus, spec, result in rows:
                noise_text = f" noise {result.noise:.2f}" if result.noise is not None else ""
                print(
                    f"    {corpus:<6} {spec['kind']:<8} {spec['q']!r:<26} relevant {result.relevant:>3}"
                    f"  recall {result.recall:.2f}  nDCG {result.ndcg:.2f}{noise_text}"
                )
    return 0


if __name__ == "__main__":
    sys.exit(main())
