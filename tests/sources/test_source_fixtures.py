"""Every saved page of every source, through that source's own spider, offline.

A fixture folder (tests/sources/fixtures/<source>/<page>/) holds the page, expected.json and
meta.json; `kontext sources save-fixture` writes them. This one parametrised test picks up every
folder, so a source is tested the moment someone saves a page of it. Time is the fixture's own
crawl time (meta.json `now`), passed explicitly.
"""

from __future__ import annotations

import json

import pytest

from kontext.source_fixtures import fixture_dirs, load_fixture, run_fixture

FIXTURES = fixture_dirs()


def test_there_are_fixtures_for_every_family() -> None:
    families = {load_fixture(directory).meta["source"] for directory in FIXTURES}
    assert {
        "example-odav",
        "example-ihk",
        "example-wko",
        "example-fair-api",
        "example-ical",
        "example-odoo",
        "example-directory",
    } <= families


@pytest.mark.parametrize("directory", FIXTURES, ids=lambda path: f"{path.parent.name}/{path.name}")
def test_saved_page_gives_the_expected_output(directory) -> None:
    fixture = load_fixture(directory)
    assert fixture.expected is not None, (
        f"{directory}: expected.json is missing; run kontext sources save-fixture"
    )
    assert fixture.meta.get("reviewed") is True, (
        f"{directory}: nobody has checked expected.json yet; compare it with the page, fix what is wrong "
        '(or note it under known_gaps in meta.json), then set "reviewed": true'
    )
    actual = run_fixture(fixture)
    assert actual == fixture.expected, json.dumps(actual, ensure_ascii=False, indent=1)


@pytest.mark.parametrize("directory", FIXTURES, ids=lambda path: f"{path.parent.name}/{path.name}")
def test_invented_pages_say_so(directory) -> None:
    fixture = load_fixture(directory)
    if fixture.meta.get("invented"):
        assert fixture.meta.get("note"), "an invented page says where it came from"
        text = fixture.page.read_bytes().decode("utf-8", "replace")
        if fixture.page.suffix == ".html":
            assert "Invented by Kontext for tests" in text
        elif fixture.page.suffix == ".ics":
            assert "invented" in text.lower() or "Odoo-like" in text
