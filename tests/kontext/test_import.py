"""`kontext import FILE.jsonl`: partners' events through the real pipeline into the store and index."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kontext.services import Meili
from kontext.settings import load_settings
from kontext.store import Store
from search.index import SearchIndex
from tests.conftest import run_kontext

pytestmark = [pytest.mark.meili, pytest.mark.slow]
NOW = "2026-03-02T09:00"

GOOD = [
    {
        "id": "partner-1",
        "title": "Fachtag Maschinenbau: Instandhaltung im Mittelstand",
        "description": "Für Geschäftsführer und Instandhalter aus Maschinenbaubetrieben der Region.",
        "start": "2026-04-14T09:30",
        "end": "2026-04-14T16:00",
        "location": "Hannover Congress Centrum, Theodor-Heuss-Platz 1-3, 30175 Hannover",
        "url": "https://partner.example/events/1",
        "organizer": {"name": "Verband Maschinenbau Nord", "kind": "association"},
        "tags": ["Instandhaltung"],
    },
    {
        "title": "Wasserstoff-Stammtisch",
        "description": "Unternehmerinnen und Unternehmer aus der Energiewirtschaft treffen sich.",
        "start": "Donnerstag, 16. April 2026, 18:30 Uhr",
        "venue": {"name": "Kulturhaus", "postcode": "29221", "city": "Celle"},
        "organizer": "Clusterinitiative Südheide",
        "free": True,
    },
    {
        "title": "Online-Seminar <script>alert(1)</script> Exportkontrolle",
        "start": "2026-05-05",
        "attendance": "online",
        "organizer": "IHK Musterland",
        "price": 49,
    },
]
BAD = [
    "not json at all",
    json.dumps({"description": "no title", "start": "2026-04-01"}),
    json.dumps({"title": "no date"}),
    json.dumps({"title": "bad attendance", "start": "2026-04-01", "attendance": "telepathy"}),
    json.dumps({"title": "bad tags", "start": "2026-04-01", "tags": "Maschinenbau"}),
    json.dumps(["a", "list"]),
]


def write_lines(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_import_runs_lines_through_the_pipeline_into_store_and_index(
    kontext_env: dict[str, str], meili: Meili, tmp_path: Path
) -> None:
    file = write_lines(tmp_path / "partner.jsonl", [json.dumps(item) for item in GOOD] + [""] + BAD)
    result = run_kontext(kontext_env, "import", str(file), "--now", NOW, "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert (report["read"], report["skipped"], report["new"], report["indexed"]) == (9, 6, 3, 3)
    assert "line 5: not JSON" in result.stderr and "line 6: `title` is missing" in result.stderr
    assert "line 7: `start` is missing" in result.stderr and "telepathy" in result.stderr
    assert "Traceback" not in result.stderr

    settings = load_settings(kontext_env)
    store = Store.from_settings(settings)
    events = {event.title: event for event in store.iter_events()}
    store.close()
    fachtag = events["Fachtag Maschinenbau: Instandhaltung im Mittelstand"]
    assert fachtag.source == "import:partner" and fachtag.extraction.value == "import"
    assert fachtag.venue.city == "Hannover" and fachtag.venue.postcode == "30175" and fachtag.venue.geo is not None
    assert "machinery" in [tag.code for tag in fachtag.sectors]
    assert fachtag.audience is not None and fachtag.tags == ["Instandhaltung"]
    stammtisch = events["Wasserstoff-Stammtisch"]
    assert stammtisch.start.isoformat() == "2026-04-16T18:30:00+02:00"
    assert stammtisch.venue.city == "Celle" and stammtisch.price.free is True
    online = next(event for title, event in events.items() if title.startswith("Online-Seminar"))
    assert online.all_day and online.attendance.value == "online" and online.price.amount == 49

    index = SearchIndex(meili, settings.events_index)
    assert index.count() == 3
    assert index.document(fachtag.id)["title"] == fachtag.title
    index.close()

    again = run_kontext(kontext_env, "import", str(file), "--now", NOW, "--json")
    assert json.loads(again.stdout)["new"] == 0 and json.loads(again.stdout)["unchanged"] == 3  # stable ids


def test_import_store_only_and_user_mistakes(kontext_env: dict[str, str], meili: Meili, tmp_path: Path) -> None:
    file = write_lines(tmp_path / "one.jsonl", [json.dumps(GOOD[0])])
    result = run_kontext(kontext_env, "import", str(file), "--no-index", "--source", "partner-x", "--now", NOW)
    assert result.returncode == 0, result.stderr
    assert "1 lines: 1 new" in result.stdout
    settings = load_settings(kontext_env)
    index = SearchIndex(meili, settings.events_index)
    assert index.count() == 0
    index.close()
    store = Store.from_settings(settings)
    assert [event.source for event in store.iter_events()] == ["partner-x"] and store.count_dirty() == 1
    store.close()

    missing = run_kontext(kontext_env, "import", str(tmp_path / "nope.jsonl"))
    assert (
        missing.returncode == 2
        and missing.stderr.startswith("kontext: cannot read")
        and len(missing.stderr.splitlines()) == 1
    )
    zone = run_kontext(kontext_env, "import", str(file), "--tz", "Mars/Olympus")
    assert zone.returncode == 2 and "is not a time zone" in zone.stderr
