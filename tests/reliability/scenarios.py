"""The reliability scenarios: what Kontext promises when things break or input is hostile, and the
tests that prove each promise. docs/reliability.md is generated from this list and the last
`make faults` run; tests that live with their owners (the Meilisearch outage in tests/search, the
killed crawl in tests/crawler, the failing SMTP server in tests/digest …) are listed here rather than
copied, and `make faults` runs them too.

A test is named by its pytest node id without parameters ("path::function"), or by its file to mean
every test in it.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Scenario:
    title: str
    promise: str
    tests: tuple[str, ...]
    kind: str = "fault"  # "fault" (something breaks) or "hostile input"


SCENARIOS: tuple[Scenario, ...] = (
    Scenario(
        "Meilisearch killed during indexing and restarted",
        "Index writes go through the store's outbox and a row leaves it only once Meilisearch confirmed it. "
        "SIGKILL in the middle of `kontext index` leaves the rest in the outbox; `kontext index` against the "
        "dead server says so in one line (exit 2); after a restart on the same data it brings the index to "
        "exactly the store's events, removals included.",
        (
            "tests/search/test_sync.py::test_meilisearch_killed_during_indexing_then_kontext_index_restores_exactly_the_store",
            "tests/search/test_sync.py::test_sync_pushes_the_outbox_and_rebuild_swaps_without_emptying",
        ),
    ),
    Scenario(
        "The crawl SIGKILLed mid-run and rerun",
        "A crawl killed with SIGKILL at any moment loses at most the last few seconds of work; the rerun stores "
        "every event exactly once and the killed run is recorded as interrupted.",
        ("tests/crawler/test_crawl_incremental.py::test_a_crawl_killed_mid_run_reruns_without_duplicates_or_loss",),
    ),
    Scenario(
        "The SMTP server failing mid-digest",
        "A mail server that fails in the middle of `kontext digest send` (or refuses everything) stops the run "
        "without marking anyone as served; rerunning the same week delivers every missing mail exactly once.",
        (
            "tests/digest/test_sending.py::test_smtp_failure_mid_run_then_rerun_delivers_every_mail_exactly_once",
            "tests/digest/test_sending.py::test_a_server_refusing_everything_stops_the_run_without_giving_anyone_up",
            "tests/digest/test_mailer.py::test_temporary_failures_are_retried_with_growing_backoff",
        ),
    ),
    Scenario(
        "The store locked by another writer",
        "While another process holds an open write transaction on the SQLite store, `kontext import` and "
        "`kontext crawl` wait and finish with everything stored — or, when the lock outlasts their wait, end "
        "with one clear line; either way a rerun stores everything once and the other writer's work stays. "
        "A lock taken in the middle of a crawl and released before its end costs a retry, not an error, "
        "and a crawl kept out tries again after a growing wait (2, 4, 8 … s), not at every event.",
        (
            "tests/reliability/test_store_lock.py",
            "tests/crawler/test_crawl_cli.py::test_a_store_locked_by_another_writer_is_one_clear_line",
        ),
    ),
    Scenario(
        "A hostile source",
        "A source answering 500s (lasting and passing), timeouts, answers that stop halfway, endless redirects, "
        "50 MB and endless pages, gzip bombs, lying headers and garbage encodings: the crawl finishes, counts "
        "every failure once in its report, stores the good events (also from pages with broken encodings) and "
        "a rerun duplicates nothing.",
        (
            "tests/reliability/test_hostile_source.py",
            "tests/crawler/test_crawl_safety.py::test_private_addresses_other_hosts_and_hostile_pages",
            "tests/crawler/test_crawl_robots.py::test_robots_txt_allow_disallow_missing_failing_and_slow",
            "tests/crawler/test_crawl_traps.py::test_traps_end_and_limits_hold",
        ),
    ),
    Scenario(
        "Disk full under Meilisearch's data directory",
        "When Meilisearch runs out of space (a small tmpfs, or a file-size limit where mounting is not allowed), "
        "`kontext index` says so in one line (exit 2), the store keeps every event in the outbox, and once there "
        "is space again `kontext index` succeeds and the index equals the store.",
        ("tests/reliability/test_disk_full.py",),
    ),
    Scenario(
        "Hostile input: the date parser",
        "parse_when, find_dates and parse_datetime_value answer any text or value — generated date phrases, "
        "random text, thousands of repeated fragments, calendar edges — with None or a well-formed When, never "
        "an exception, within a generous per-input deadline.",
        ("tests/reliability/test_hostile_dates.py",),
        kind="hostile input",
    ),
    Scenario(
        "Hostile input: extractors and the JSON-LD / iCalendar readers",
        "extract_events and extract_ics answer any bytes, generated pages (nested markup, microdata/RDFa "
        "attributes, valid, broken and truncated JSON-LD) and generated feeds (odd zones, durations, recurrence "
        "rules) with well-formed events or nothing; the JSON-LD reader answers a value or None; no input hangs.",
        ("tests/reliability/test_hostile_extract.py",),
        kind="hostile input",
    ),
    Scenario(
        "Hostile input: the HTTP API against its OpenAPI description",
        "Schemathesis generates requests from /openapi.json for every operation against the real app and a real "
        "Meilisearch: no 5xx, answers that match the documented status codes, content types and schemas, and "
        "no secret in any answer.",
        ("tests/reliability/test_openapi.py",),
        kind="hostile input",
    ),
    Scenario(
        "XSS payloads from the crawl to the web page and the email",
        "Script tags, event handlers, javascript:/data: links, template syntax, entity-encoded markup and header "
        "injections in a crawled site end up as inert text on every page (search, event, organiser), in the "
        "feeds, the API and the digest mail; no payload becomes an element, attribute, link, header or iCalendar "
        "line.",
        (
            "tests/reliability/test_xss_end_to_end.py",
            "tests/search/test_web.py::test_crawled_markup_renders_inert_also_inside_highlights",
            "tests/digest/test_render.py::test_crawled_text_cannot_inject_markup_or_links",
        ),
        kind="hostile input",
    ),
    Scenario(
        "Loopback, link-local and private addresses never fetched by a public source",
        "However a URL spells a non-public address (short, octal, hex, decimal, IPv6, IPv4-mapped, localhost "
        "variants, userinfo tricks), a public source never connects to it, also not after redirects or through "
        "DNS answers; the refusal is counted, not an error of the source.",
        (
            "tests/reliability/test_private_addresses.py",
            "tests/crawler/test_crawl_safety.py::test_non_public_addresses_are_recognised",
            "tests/crawler/test_crawl_safety.py::test_dns_answers_for_undeclared_names_must_be_public",
        ),
        kind="hostile input",
    ),
    Scenario(
        "The master key (and every other secret) in no response",
        "No page, API answer, feed, calendar, OpenAPI description or error — also while Meilisearch is down — "
        "carries the Meilisearch master key, the staff password or the signing key, plain, base64 or URL-quoted.",
        (
            "tests/reliability/test_web_exposure.py::test_no_response_carries_a_secret",
            "tests/reliability/test_web_exposure.py::test_no_error_page_carries_a_secret_while_meilisearch_is_down",
            "tests/search/test_web.py::test_the_master_key_never_reaches_a_response",
        ),
        kind="hostile input",
    ),
    Scenario(
        "Staff pages refuse without credentials",
        "Every staff page of the app `kontext serve` runs answers 401/403 to missing, wrong, malformed or "
        "non-Basic credentials and 403 to everyone when no staff login is configured; the right login gets in.",
        (
            "tests/reliability/test_web_exposure.py::test_staff_pages_refuse_without_the_right_credentials",
            "tests/reliability/test_web_exposure.py::test_staff_pages_refuse_everyone_when_no_credentials_are_configured",
            "tests/sources/test_staff_page.py",
            "tests/digest/test_web.py::test_staff_preview_needs_credentials",
        ),
        kind="hostile input",
    ),
    Scenario(
        "Unsubscribe tokens cannot be forged",
        "A link token changed in any way (one character, cut, extended, another subscriber, another time, "
        "another purpose, another key, a rotated nonce) never verifies, and posting it to /unsubscribe changes "
        "nothing and reveals nothing; the genuine link works.",
        (
            "tests/reliability/test_web_exposure.py::test_a_changed_token_never_verifies",
            "tests/reliability/test_web_exposure.py::test_forged_unsubscribe_links_change_nothing_and_the_real_one_works",
            "tests/digest/test_tokens.py",
            "tests/digest/test_web.py::test_forged_or_misused_tokens_get_the_same_404_and_no_data",
        ),
        kind="hostile input",
    ),
)


def owns(entry: str, nodeid: str) -> bool:
    """Whether the test `nodeid` is (one of) the test(s) `entry` names."""
    if "::" not in entry:
        return nodeid.startswith(entry + "::")
    return nodeid == entry or nodeid.startswith(entry + "[")


def scenario_of(nodeid: str) -> Scenario | None:
    """The scenario a test belongs to (the first that names it)."""
    for scenario in SCENARIOS:
        if any(owns(entry, nodeid) for entry in scenario.tests):
            return scenario
    return None
