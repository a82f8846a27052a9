"""Loopback, link-local and private addresses are never fetched for a public source, however the URL
spells them: each spelling below is the start URL of its own public source, pointing (where it can) at
a live local site that records every request. The site must see none; each source must report the
refusal as `private_address`, never as a failed attempt (a timeout would mean a connection was tried).

tests/crawler/test_crawl_safety.py covers three spellings, redirects to other hosts and DNS answers;
this widens the spellings to what SSRF filters are usually fooled by."""

from __future__ import annotations

import pytest

from tests.crawler.test_crawl_sites import ALLOW_ALL, Site, crawl, html, write_sources

pytestmark = [pytest.mark.faults, pytest.mark.slow]

LOOPBACK_SPELLINGS = {
    "dotted": "127.0.0.1",
    "short": "127.1",
    "octal": "0177.0.0.1",
    "hex-parts": "0x7f.0.0.1",
    "hex": "0x7f000001",
    "decimal": "2130706433",
    "padded": "127.000.000.001",
    "other-loopback": "127.127.127.127",
    "unspecified": "0.0.0.0",
    "ipv6": "[::1]",
    "ipv6-long": "[0:0:0:0:0:0:0:1]",
    "ipv4-mapped": "[::ffff:127.0.0.1]",
    "ipv4-mapped-hex": "[::ffff:7f00:1]",
    "localhost": "localhost",
    "localhost-dot": "localhost.",
    "localhost-upper": "LOCALHOST",
    "userinfo": "kammer.example@127.0.0.1",
}
# Addresses no test site listens on: a refusal is counted as skipped, an attempt would end as an error.
UNREACHABLE = {
    "private-10": "10.0.0.1",
    "private-172": "172.16.0.1",
    "private-192": "192.168.0.1",
    "link-local": "169.254.169.254",
    "cgnat": "100.64.0.1",
    "ipv6-link-local": "[fe80::1]",
    "ipv6-unique-local": "[fc00::1]",
}


def test_no_spelling_of_a_non_public_address_is_fetched_for_a_public_source(tmp_path, kontext_env) -> None:
    page = html("<h1>Veranstaltungen</h1><p>Diese Seite darf eine öffentliche Quelle nie abrufen.</p>")
    with Site({"/robots.txt": ALLOW_ALL, "/events": page}) as site:
        entries = [
            {"name": f"public-{name}", "local": False, "start_urls": [f"http://{host}:{site.port}/events"]}
            for name, host in LOOPBACK_SPELLINGS.items()
        ] + [
            {"name": f"public-{name}", "local": False, "start_urls": [f"http://{host}/events"]}
            for name, host in UNREACHABLE.items()
        ]
        reports = crawl(kontext_env, write_sources(tmp_path / "sources.yaml", entries), "--download-timeout", "3")
        contacted = site.paths(robots=True)
    assert contacted == [], "a public source reached the local site"
    outcomes = {entry["name"]: (reports[entry["name"]]["skipped"], reports[entry["name"]]["error_kinds"])
                for entry in entries}  # fmt: skip
    refused = {"private_address": 1}
    # Refused before any connection: by the address guard, or (names only) by the guarded DNS resolver.
    wrong = {
        name: outcome
        for name, outcome in outcomes.items()
        if outcome != (refused, {}) and not (name.startswith("public-localhost") and outcome == ({}, {"dns": 1}))
    }
    assert not wrong, wrong  # fmt: skip
    assert all(reports[entry["name"]]["pages"] == 0 for entry in entries)
