"""Helpers for the extraction tests: our labels of the shared pages, and reading pages at their crawl date."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml

from crawler.extract import extract_events
from kontext.records import Event
from kontext.sources import Source, SourceOrganizer

LABELS = Path(__file__).resolve().parent / "expected_pages.yaml"


def crawl_date(value: object, zone: ZoneInfo) -> datetime:
    """A label's `now` (a date, a datetime or ISO text) as an aware datetime in the page's zone."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if isinstance(value, date) and not isinstance(value, datetime):
        value = datetime.combine(value, datetime.min.time())
    assert isinstance(value, datetime)
    return value if value.tzinfo else value.replace(tzinfo=zone)


@pytest.fixture(scope="session")
def labels() -> dict[str, dict]:
    """Our labels, by file under pages/."""
    return {entry["file"]: entry for entry in yaml.safe_load(LABELS.read_text(encoding="utf-8"))["pages"]}


@pytest.fixture(scope="session")
def pages_dir(shared_data: Path) -> Path:
    return shared_data / "pages"


@pytest.fixture(scope="session")
def labelled_page(labels: dict[str, dict], pages_dir: Path) -> Callable[[str], tuple[dict, list[Event]]]:
    """Extract a labelled page as the crawler would: at its crawl date, with its source's time zone."""
    cache: dict[str, tuple[dict, list[Event]]] = {}

    def extract(file: str) -> tuple[dict, list[Event]]:
        if file not in cache:
            entry = labels[file]
            zone = ZoneInfo(entry.get("timezone", "Europe/Berlin"))
            source = Source(
                name="test-source",
                organizer=SourceOrganizer(name="Test"),
                start_urls=[entry["url"]],
                timezone=str(zone),
            )
            body = (pages_dir / file).read_bytes()
            cache[file] = entry, extract_events(body, entry["url"], crawl_date(entry["now"], zone), source=source)
        return cache[file]

    return extract


def berlin(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=ZoneInfo("Europe/Berlin"))
