"""config/sources.yaml: real sources, every entry valid and honest about how it was checked."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from kontext.settings import PROJECT_ROOT
from kontext.sources import Checked, SourceError, load_sources

SOURCES = load_sources(PROJECT_ROOT / "config" / "sources.yaml")
SECTOR_CODES = set((yaml.safe_load((PROJECT_ROOT / "config" / "sectors.yaml").read_text()) or {})["sectors"])


def test_at_least_25_real_sources_with_most_kinds_of_organiser() -> None:
    assert len(SOURCES) >= 25
    kinds = {source.organizer.kind.value for source in SOURCES}
    assert {"chamber", "crafts_chamber", "association", "public_agency", "company", "cluster"} <= kinds
    assert all(".example" not in url for source in SOURCES for url in source.start_urls)


@pytest.mark.parametrize("source", SOURCES, ids=lambda source: source.name)
def test_each_source_says_how_it_was_checked(source) -> None:
    assert isinstance(source.checked, Checked), "a structured checked block: url, evidence, when"
    assert source.checked.when is not None
    assert "SOURCES.md" in source.checked.evidence
    # Nothing was fetched from our machines; an entry claiming otherwise would be dishonest.
    assert source.checked.fetched is False and source.checked.url != "live"


@pytest.mark.parametrize("source", SOURCES, ids=lambda source: source.name)
def test_unverified_or_browser_sources_are_disabled_with_a_reason(source) -> None:
    if source.checked.url in ("derived", "inferred", "root"):
        assert not source.enabled, "only URLs seen in stored material are crawled"
    if not source.enabled:
        assert source.notes, "a disabled source says why"


@pytest.mark.parametrize("source", SOURCES, ids=lambda source: source.name)
def test_sector_codes_exist(source) -> None:
    codes = set(source.sectors) | set(source.directory.sectors if source.directory else [])
    assert codes <= SECTOR_CODES


def test_names_in_the_file_are_unique_and_families_are_known(tmp_path: Path) -> None:
    text = (PROJECT_ROOT / "config" / "sources.yaml").read_text(encoding="utf-8")
    path = tmp_path / "sources.yaml"
    path.write_text(text.replace("family: odav", "family: odaw", 1), encoding="utf-8")
    with pytest.raises(SourceError, match=r"source 'hwk-unterfranken', field 'family'"):
        load_sources(path)


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ("family: json-api", "family 'json-api' needs an 'api' block"),
        (
            "api: {url: 'https://x.example/api', fields: {title: t, start: s}}",
            "only read by family 'json-api'",
        ),
        (
            "family: json-api\n    api: {url: 'https://x.example/api'}",
            "field 'api': Value error, json items need",
        ),
        (
            "family: json-api\n    api: {url: 'ftp://x.example/api', fields: {title: t, start: s}}",
            "field 'api.url'",
        ),
        ("directory: {kind: cluster}", "needs mode 'directory'"),
        ("checked: {url: seen}", "field 'checked.evidence'"),
        ("checked: {url: maybe, evidence: somewhere}", "field 'checked.url'"),
        ("health: {max_drop_share: 2}", "field 'health.max_drop_share'"),
    ],
)
def test_new_blocks_are_validated_with_the_entry_and_field(tmp_path: Path, entry: str, message: str) -> None:
    path = tmp_path / "sources.yaml"
    path.write_text(
        "sources:\n  - name: new-source\n    organizer: {name: X}\n    start_urls: ['https://x.example/']\n"
        f"    {entry}\n",
        encoding="utf-8",
    )
    with pytest.raises(SourceError) as error:
        load_sources(path)
    assert "source 'new-source'" in str(error.value)
    assert message in str(error.value)
