from pathlib import Path

import pytest

from kontext.settings import PROJECT_ROOT
from kontext.sources import SourceError, load_sources

GOOD = """
sources:
  - name: ihk-test
    organizer: {name: IHK Test, kind: chamber}
    start_urls: ["https://www.ihk.example/veranstaltungen"]
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "sources.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_valid_entry_gets_defaults_and_its_domain(tmp_path: Path) -> None:
    (source,) = load_sources(write(tmp_path, GOOD))
    assert source.organizer.kind == "chamber"
    assert source.timezone == "Europe/Berlin"
    assert source.resolved().allowed_domains == ["www.ihk.example"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (GOOD.replace("kind: chamber", "kind: chambre"), "source 'ihk-test', field 'organizer.kind'"),
        (GOOD.replace('["https://www.ihk.example/veranstaltungen"]', "[]"), "field 'start_urls'"),
        (GOOD.replace("https://", "ftp://"), "not an http(s) URL"),
        (GOOD + "    event_links: '([a-z'\n", "field 'event_links'"),
        (GOOD + "    mode: selectors\n", "needs a 'selectors' block"),
        (GOOD + GOOD.replace("sources:\n", ""), "the name is used twice"),
        ("sources: [1, 2]", "entry #1: expected a mapping"),
        ("sources:\n  - name: [unclosed", "not valid YAML"),
        ("events: []", "expected a top-level 'sources:' list"),
    ],
)
def test_mistakes_name_the_entry_and_the_field(tmp_path: Path, text: str, expected: str) -> None:
    with pytest.raises(SourceError) as error:
        load_sources(write(tmp_path, text))
    assert expected in str(error.value)
    assert "\n" not in str(error.value)


def test_the_sample_site_placeholder_needs_the_site(tmp_path: Path) -> None:
    (source,) = load_sources(write(tmp_path, GOOD.replace("https://www.ihk.example", "{sample_site}")))
    with pytest.raises(SourceError, match="sample site"):
        source.resolved()
    resolved = source.resolved("http://127.0.0.1:8123/")
    assert resolved.start_urls == ["http://127.0.0.1:8123/veranstaltungen"]
    assert resolved.allowed_domains == ["127.0.0.1"]


@pytest.mark.parametrize("name", ["sources.yaml", "sample_sources.yaml"])
def test_the_shipped_source_files_are_valid(name: str) -> None:
    assert load_sources(PROJECT_ROOT / "config" / name)


def test_an_invalid_selector_stops_the_load(tmp_path: Path) -> None:
    text = GOOD + "    mode: selectors\n    selectors: {item: li, title: h2, start: 'xpath://[['}\n"
    with pytest.raises(SourceError, match=r"source 'ihk-test', field 'selectors'.*selector 'start'"):
        load_sources(write(tmp_path, text))
