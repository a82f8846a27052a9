"""`kontext search QUERY --json` takes the API's filters and defaults."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kontext.settings import load_settings
from kontext.store import Store
from search.index import SearchIndex
from search.sync import sync_index
from tests.conftest import run_kontext
from tests.search.conftest import catalogue

pytestmark = pytest.mark.meili
NOW = "2026-03-02T09:00"  # the catalogue's reference time


def search(env: dict[str, str], *args: str) -> list[str]:
    result = run_kontext(env, "search", *args, "--now", NOW, "--json", "--limit", "100")
    assert result.returncode == 0, result.stderr
    return [hit["id"] for hit in json.loads(result.stdout)["hits"]]


def test_search_command_filters_like_the_api(kontext_env: dict[str, str], meili, tmp_path: Path) -> None:
    settings = load_settings(kontext_env)
    store = Store.from_settings(settings)
    store.upsert_events(catalogue())
    index = SearchIndex(meili, settings.events_index)
    sync_index(store, index)
    index.close()
    store.close()

    default = search(kontext_env, "")
    assert default[:3] == ["ongoing", "kiweb", "wst"] and "pitch" not in default and "past" not in default
    assert "pitch" in search(kontext_env, "", "--audience", "all")
    assert search(kontext_env, "", "--audience", "startup") == ["pitch"]
    assert set(search(kontext_env, "Maschinenbau", "--format", "trade-fair")) == {"ongoing", "vpm"}
    assert set(search(kontext_env, "", "--near", "Celle", "--km", "10")) == {"wst", "mbforum"}
    assert set(search(kontext_env, "", "--from", "2026-03-20", "--to", "2026-03-31")) == {"mbforum", "munich"}
    assert set(search(kontext_env, "", "--attendance", "online")) == {"kiweb", "hybrid"}
    assert set(search(kontext_env, "", "--free")) == {"kiweb", "wst"}
    assert "wst" in search(kontext_env, "hydrogen")

    answer = json.loads(
        run_kontext(kontext_env, "search", "Messe", "--now", NOW, "--json", "--sector", "machinery").stdout
    )
    assert answer["query"] == {"q": ["Messe"], "sector": ["machinery"]}
    assert all("_formatted" not in hit and "title_parts" not in hit for hit in answer["hits"])

    text = run_kontext(kontext_env, "search", "Stammtisch", "--now", NOW, "--near", "Celle")
    assert (
        text.returncode == 0
        and "within 25 km of Celle" in text.stdout
        and "Wasserstoff-Stammtisch Südheide" in text.stdout
    )

    for args, message in (
        (("--near", "Atlantis"), "kontext: near='Atlantis': no such town or postcode"),
        (("--sector", "nope"), "kontext: sector='nope': unknown sector code"),
        (("--to", "someday"), "kontext: to='someday': expected an ISO date"),
    ):
        result = run_kontext(kontext_env, "search", "x", *args)
        assert result.returncode == 2 and result.stderr.startswith(message), result.stderr
        assert len(result.stderr.splitlines()) == 1
