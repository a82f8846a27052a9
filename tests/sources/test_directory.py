"""Organisation directories: pages in, organisation records out; a directory crawl stores them and
event crawls link their events to the organiser's record."""

from __future__ import annotations

import json

import pytest

from crawler.directory import extract_organisations
from kontext.organisations import organisation_id
from kontext.records import Organisation
from kontext.settings import load_settings
from kontext.sources import DirectorySpec, Source, SourceOrganizer
from kontext.store import Store
from kontext.vocabulary import OrganizerKind
from tests.sources.crawl_local import crawl_examples, isolated_env
from tests.sources.invented import DIRECTORY, LocalSite, directory_site, odav_site, page

URL = "https://www.bv-beispiel.example/mitglieder"


def directory_source(**spec) -> Source:
    return Source(
        name="dir", organizer=SourceOrganizer(name="BV"), start_urls=[URL], mode="directory",
        directory=DirectorySpec(**spec),
    )  # fmt: skip


def test_repeated_entries_with_their_own_websites_are_organisations() -> None:
    html = page(
        "Mitglieder",
        """<table class="members"><tr><th>Verband</th><th>Ort</th></tr>
        <tr><td><a href="https://www.vdbe.example/">Verband Deutscher Bauelemente e.V.</a></td>
            <td>10115 Berlin</td></tr>
        <tr><td><a href="https://www.ivh.example/">Industrieverband Hebetechnik</a></td>
            <td>60528 Frankfurt am Main</td></tr>
        </table>
        <p>Mehr bei <a href="https://www.presse.example/artikel">einem Artikel</a>.</p>
        <p><a href="/kontakt">Kontakt</a></p>""",
    )
    records = extract_organisations(html, URL, source=directory_source(sectors=["construction"]))
    assert [record.name for record in records] == [
        "Verband Deutscher Bauelemente e.V.",
        "Industrieverband Hebetechnik",
    ]
    first = records[0]
    assert first.kind == OrganizerKind.ASSOCIATION  # read from the name: no kind declared
    assert first.url == "https://www.vdbe.example/" and first.city == "Berlin" and first.region == "Berlin"
    assert first.sectors == ["construction"] and first.source == "dir"
    assert first.id == organisation_id("Verband Deutscher Bauelemente e.V.")


def test_declared_kind_and_selectors_win() -> None:
    html = page(
        "Kammern",
        """<div class="k"><span class="n">Handwerkskammer Nordwest</span><a class="w" href="https://hwk-nw.example/">x</a>
        <a class="e" href="https://hwk-nw.example/termine">Termine</a><span class="o">Oldenburg</span></div>
        <div class="k"><span class="n">Handwerkskammer Süd</span><a class="w" href="/hwk-sued">x</a></div>""",
    )
    spec = {
        "kind": "crafts_chamber",
        "sectors": ["crafts"],
        "selectors": {"item": "div.k", "name": "span.n", "url": "a.w::attr(href)", "events_url": "a.e::attr(href)",
                      "city": "span.o"},
    }  # fmt: skip
    records = extract_organisations(html, URL, source=directory_source(**spec))
    assert [(record.name, record.kind.value) for record in records] == [
        ("Handwerkskammer Nordwest", "crafts_chamber"),
        ("Handwerkskammer Süd", "crafts_chamber"),
    ]
    assert records[0].events_url == "https://hwk-nw.example/termine" and records[0].city == "Oldenburg"
    assert records[1].url == "https://www.bv-beispiel.example/hwk-sued"


def test_schema_org_organisations_in_json_ld_are_read_first() -> None:
    data = {
        "@context": "https://schema.org",
        "@graph": [
            {"@type": "Organization", "name": "Cluster Kunststoff Nord", "url": "https://kunststoff.example/",
             "address": {"@type": "PostalAddress", "postalCode": "20095", "addressLocality": "Hamburg"}},
            {"@type": "WebPage", "name": "Mitglieder"},
        ],
    }  # fmt: skip
    html = f'<html><head><script type="application/ld+json">{json.dumps(data)}</script></head><body></body></html>'
    (record,) = extract_organisations(html, URL)
    assert (record.name, record.kind, record.city, record.region) == (
        "Cluster Kunststoff Nord",
        OrganizerKind.CLUSTER,
        "Hamburg",
        "Hamburg",
    )


@pytest.mark.parametrize("html", ["", "<html><body><p>Keine Mitglieder.</p></body></html>", b"\x00\x01"])
def test_pages_without_a_directory_give_nothing(html) -> None:
    assert extract_organisations(html, URL) == []


@pytest.mark.slow
def test_a_directory_crawl_stores_organisations_and_records_its_run(tmp_path) -> None:
    env = isolated_env(tmp_path)
    with LocalSite(directory_site()) as local:
        crawl_examples(env, local.url, "example-directory")
        crawl_examples(env, local.url, "example-directory")
    store = Store.from_settings(load_settings(env))
    records = {record.name: record for record in store.iter_organisations()}
    runs = store.crawl_runs("example-directory")
    store.close()
    assert set(records) == {name for name, _url, _town in DIRECTORY}
    assert records["Fachverband Holz und Kunststoff Nord"].sectors == ["machinery"]
    assert [run["outcome"] for run in runs] == ["finished", "finished"]
    assert runs[1]["stats"]["kontext/organisations/new"] == 4
    assert runs[0]["stats"]["kontext/organisations/unchanged"] == 4
    assert runs[0]["stats"]["kontext/organisations/seen"] == 4


@pytest.mark.slow
def test_crawled_events_are_linked_to_their_organisers_record(tmp_path) -> None:
    env = isolated_env(tmp_path)
    store = Store.from_settings(load_settings(env))
    # Known by name only (as the chamber code lists give it): "HWK" = "Handwerkskammer".
    store.upsert_organisations(
        [Organisation(id="hwk-beispielland", name="HWK Beispielland", kind=OrganizerKind.CRAFTS_CHAMBER)]
    )
    store.close()
    with LocalSite(odav_site()) as local:
        (report,) = crawl_examples(env, local.url, "example-odav", link=True)
    store = Store.from_settings(load_settings(env))
    events = list(store.iter_events())
    runs = store.crawl_runs("example-odav")
    store.close()
    assert events and {event.organizer.organisation_id for event in events} == {"hwk-beispielland"}
    assert runs[0]["stats"]["kontext/organisations/linked"] == len(events) == report["new"]
