"""How good and how fast is the tagger? Prints figures; asserts nothing.

Evaluates on the labelled dev events in ../shared/data/labels/*.jsonl (never used for training):
micro/macro F1 for sectors and topics, accuracy and confusion matrices for format and audience,
how often startup-scene events come out as `sme`, and events per second on one core. Two extra
checks read other real data: confs.tech tech conferences (expected: format conference, sector ict)
and hackathon listings (expected: format hackathon, audience not sme), and Berlin Blockchain Week
events (startup/tech scene: audience not sme).

    .venv/bin/python bench/tagging_eval.py [--labels DIR] [--errors] [--repeat N]
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import sys
import time
import tomllib
import zlib
from collections import Counter
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")  # one core, before numpy is imported
REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from kontext.vocabulary import AudienceLabel, EventFormat  # noqa: E402
from pipelines.tagging import Tagger, TagInput  # noqa: E402

SHARED = REPO.parent / "shared" / "data"


def load_labelled(paths: list[str]) -> list[dict]:
    rows = []
    for path in paths:
        with open(path, encoding="utf-8") as handle:
            for number, line in enumerate(handle, start=1):
                if line.strip():
                    row = json.loads(line)
                    row["_where"] = f"{Path(path).name}:{number}"
                    rows.append(row)
    return rows


def as_input(row: dict) -> TagInput:
    organizer = row.get("organizer")
    if isinstance(organizer, dict):
        organizer = organizer.get("name")
    return TagInput(
        title=row.get("title") or "",
        description=row.get("text") or row.get("description") or "",
        organizer=organizer,
        tags=tuple(row.get("tags") or ()),
        language=row.get("language"),
    )


def f1_scores(gold: list[set[str]], predicted: list[set[str]]) -> tuple[float, float, float, float]:
    """Micro precision, recall, F1 and macro F1 (over codes that occur in gold or predictions)."""
    tp, fp, fn = Counter(), Counter(), Counter()
    for expected, got in zip(gold, predicted, strict=True):
        for code in got & expected:
            tp[code] += 1
        for code in got - expected:
            fp[code] += 1
        for code in expected - got:
            fn[code] += 1
    all_tp, all_fp, all_fn = sum(tp.values()), sum(fp.values()), sum(fn.values())
    precision = all_tp / (all_tp + all_fp) if all_tp + all_fp else 1.0
    recall = all_tp / (all_tp + all_fn) if all_tp + all_fn else 1.0
    micro = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    per_code = []
    for code in set(tp) | set(fp) | set(fn):
        denominator = 2 * tp[code] + fp[code] + fn[code]
        per_code.append(2 * tp[code] / denominator if denominator else 1.0)
    macro = sum(per_code) / len(per_code) if per_code else 1.0
    return precision, recall, micro, macro


def confusion(gold: list[str], predicted: list[str], labels: list[str]) -> str:
    width = max(len(label) for label in labels) + 1
    lines = ["gold \\ predicted".ljust(width + 2) + "".join(label[:12].rjust(13) for label in labels)]
    counts = Counter(zip(gold, predicted, strict=True))
    for expected in labels:
        if not any(expected == g for g in gold):
            continue
        row = "".join(str(counts[(expected, got)] or ".").rjust(13) for got in labels)
        lines.append(f"  {expected.ljust(width)}{row}")
    return "\n".join(lines)


def evaluate(tagger: Tagger, rows: list[dict], show_errors: bool, brief: bool = False) -> None:
    results = tagger.tag_many(as_input(row) for row in rows)
    gold_sectors = [set(row.get("sectors") or ()) for row in rows]
    got_sectors = [{tag.code for tag in result.sectors} for result in results]
    gold_topics = [set(row.get("topics") or ()) for row in rows]
    got_topics = [{tag.code for tag in result.topics} for result in results]
    gold_format = [row["format"] for row in rows]
    got_format = [result.format.value for result in results]
    gold_audience = [row["audience"] for row in rows]
    got_audience = [result.audience.label.value for result in results]

    print(f"events: {len(rows)}")
    for name, gold, got in (("sectors", gold_sectors, got_sectors), ("topics", gold_topics, got_topics)):
        precision, recall, micro, macro = f1_scores(gold, got)
        exact = sum(g == p for g, p in zip(gold, got, strict=True)) / len(rows)
        print(
            f"{name:8s} micro-F1 {micro:.3f} (P {precision:.3f}, R {recall:.3f})  macro-F1 {macro:.3f}  "
            f"exact set {exact:.3f}"
        )
    for name, gold, got, labels in (
        ("format", gold_format, got_format, [fmt.value for fmt in EventFormat]),
        ("audience", gold_audience, got_audience, [label.value for label in AudienceLabel]),
    ):
        accuracy = sum(g == p for g, p in zip(gold, got, strict=True)) / len(rows)
        print(f"{name:8s} accuracy {accuracy:.3f}")
        if not brief:
            print(confusion(gold, got, labels))
    startup = [p for g, p in zip(gold_audience, got_audience, strict=True) if g == "startup"]
    print(f"startup-scene events tagged sme: {sum(p == 'sme' for p in startup)} of {len(startup)}")
    evidence_missing = sum(
        1 for result in results for decision in [*result.sectors, *result.topics] if not decision.evidence
    ) + sum(1 for result in results if not result.audience.evidence or not result.format_evidence)
    print(f"decisions without evidence: {evidence_missing}")
    if show_errors:
        for row, result, gs, ps, gf, pf, ga, pa in zip(
            rows,
            results,
            gold_sectors,
            got_sectors,
            gold_format,
            got_format,
            gold_audience,
            got_audience,
            strict=True,
        ):
            if gs != ps or gf != pf or ga != pa:
                print(f"- {row['_where']} {row['title'][:70]!r}")
                if gs != ps:
                    print(
                        f"    sectors  gold {sorted(gs)} got {[(t.code, t.score, t.evidence) for t in result.sectors]}"
                    )
                if gf != pf:
                    print(f"    format   gold {gf} got {pf} {result.format_evidence}")
                if ga != pa:
                    print(f"    audience gold {ga} got {pa} {result.audience.sme_score} {result.audience.evidence}")


def extra_checks(tagger: Tagger) -> None:
    conferences = []
    for path in sorted(glob.glob(str(SHARED / "conferences" / "confs-tech" / "*" / "*.json"))):
        with open(path, encoding="utf-8") as handle:
            conferences.extend(TagInput(title=item.get("name", "")) for item in json.load(handle))
    if conferences:
        results = tagger.tag_many(conferences)
        share_conf = sum(r.format == EventFormat.CONFERENCE for r in results) / len(results)
        share_ict = sum(any(t.code == "ict" for t in r.sectors) for r in results) / len(results)
        audiences = Counter(r.audience.label.value for r in results)
        print(
            f"confs.tech ({len(results)} tech conferences, names only): format conference {share_conf:.3f}, "
            f"sector ict {share_ict:.3f}, audience {dict(audiences.most_common())}"
        )
    hackathons = []
    for path in sorted(
        glob.glob(str(SHARED / "events-startup" / "Hackalist__Hackalist.github.io" / "**" / "*.json"), recursive=True)
    ):
        with open(path, encoding="utf-8") as handle:
            for items in json.load(handle).values():
                hackathons.extend(TagInput(title=item.get("title", ""), organizer=item.get("host")) for item in items)
    calendar = sorted(glob.glob(str(SHARED / "events-startup" / "johnjohndoe__Hackathon-Calendar" / "*.geojson")))
    if calendar:
        with open(calendar[-1], encoding="utf-8") as handle:
            hackathons.extend(
                TagInput(title=feature["properties"].get("title", ""))
                for feature in json.load(handle).get("features", [])
            )
    if hackathons:
        results = tagger.tag_many(hackathons)
        share = sum(r.format == EventFormat.HACKATHON for r in results) / len(results)
        sme = sum(r.audience.label == AudienceLabel.SME for r in results) / len(results)
        print(f"hackathon listings ({len(results)}): format hackathon {share:.3f}, audience sme {sme:.3f}")
    scene = []
    for path in sorted(
        glob.glob(str(SHARED / "events-startup" / "blockchainweek__data" / "**" / "index.toml"), recursive=True)
    ):
        with open(path, "rb") as handle:
            data = tomllib.load(handle)
        scene.append(
            TagInput(
                title=data.get("name", ""),
                description=data.get("description", ""),
                organizer=data.get("org"),
                tags=tuple(data.get("tags") or ()),
            )
        )
    if scene:
        results = tagger.tag_many(scene)
        audiences = Counter(r.audience.label.value for r in results)
        print(
            f"Berlin Blockchain Week ({len(results)} startup/tech-scene events): "
            f"audience {dict(audiences.most_common())}"
        )


def speed(tagger: Tagger, rows: list[dict], repeat: int) -> None:
    items = [as_input(row) for row in rows] * repeat
    tagger.tag_many(items[:50])  # warm caches the way a long-running process has them
    started, cpu = time.perf_counter(), time.process_time()
    tagger.tag_many(items)
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    print(
        f"speed: {len(items) / elapsed:.0f} events/s wall, {len(items) / cpu:.0f} events/s per CPU second "
        f"({len(items)} events, one process)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--labels", default=str(SHARED / "labels"), help="folder of labelled *.jsonl files")
    parser.add_argument("--errors", action="store_true", help="list every event with a wrong sector/format/audience")
    parser.add_argument("--repeat", type=int, default=5, help="passes over the dev set for the speed figure")
    args = parser.parse_args()

    started = time.perf_counter()
    tagger = Tagger.load(REPO / "config")
    print(f"load: {time.perf_counter() - started:.2f} s")
    paths = sorted(glob.glob(os.path.join(args.labels, "*.jsonl")))
    if not paths:
        sys.exit(f"no labelled *.jsonl files in {args.labels}")
    rows = load_labelled(paths)
    for path in paths:
        print(f"== {Path(path).name}")
        evaluate(tagger, [row for row in rows if row["_where"].startswith(Path(path).name + ":")], False)
    print("== all dev files")
    evaluate(tagger, rows, args.errors)
    half = [zlib.crc32(row["title"].encode()) % 2 for row in rows]
    for name, side in (("A", 0), ("B", 1)):
        print(f"== all dev files, half {name} (by a hash of the title: how much the figures move)")
        evaluate(tagger, [row for row, h in zip(rows, half, strict=True) if h == side], False, brief=True)
    print("== extra checks")
    extra_checks(tagger)
    speed(tagger, rows, args.repeat)


if __name__ == "__main__":
    main()
