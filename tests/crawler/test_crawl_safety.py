"""Where the crawler may go: never to loopback/private addresses for a public source (however the URL
spells them, checked on the resolved address), never off the source's domains (also after
redirects), and what a hostile site does — huge pages, endless redirects, 500s, garbage — ends as a
counted error, not a stuck or crashed crawl."""

from __future__ import annotations

import os
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from crawler.middlewares import error_kind
from crawler.safety import host_allowed, is_public, parse_address
from tests.crawler.test_crawl_sites import HTML, Site, crawl, event_page, html, listing, write_sources

BERLIN = ZoneInfo("Europe/Berlin")


@pytest.mark.parametrize(
    "address",
    ["127.0.0.1", "10.1.2.3", "172.16.0.9", "192.168.1.1", "169.254.169.254", "100.64.0.1", "0.0.0.0", "::1",
     "fe80::1", "fc00::1", "::ffff:127.0.0.1", "224.0.0.1", "255.255.255.255"],
)
def test_non_public_addresses_are_recognised(address: str) -> None:
    assert not is_public(address)


@pytest.mark.parametrize("address", ["8.8.8.8", "141.1.1.1", "2a00:1450:4001:80b::200e", "[2a00:1450::1]"])
def test_public_addresses_pass(address: str) -> None:
    assert is_public(address)


def test_host_strings_that_spell_an_address() -> None:
    assert str(parse_address("[::1]")) == "::1"
    assert parse_address("ihk.de") is None
    assert not is_public("not an address")


def test_only_a_sources_domains_and_their_subdomains_are_allowed() -> None:
    assert host_allowed("www.ihk.de", ["ihk.de"])
    assert host_allowed("IHK.DE.", ["ihk.de"])
    assert not host_allowed("evilihk.de", ["ihk.de"])
    assert not host_allowed("ihk.de.evil.example", ["ihk.de"])


def test_download_failures_have_short_names() -> None:
    from scrapy.exceptions import DownloadCancelledError, DownloadTimeoutError, IgnoreRequest

    assert error_kind(DownloadTimeoutError("slow")) == "timeout"
    assert error_kind(DownloadCancelledError("big")) == "too_large"
    assert error_kind(IgnoreRequest("max redirections reached")) == "redirect_loop"


def endless_body(handler, announced: int | None) -> None:
    """A response that never ends (50 MB announced, or chunked without a length)."""
    handler.send_response(200)
    handler.send_header("Content-Type", HTML)
    if announced is not None:
        handler.send_header("Content-Length", str(announced))
    else:
        handler.send_header("Transfer-Encoding", "chunked")
    handler.end_headers()
    chunk = b"<p>" + b"x" * 65_000 + b"</p>"
    try:
        for _ in range(800):  # 50 MB at most
            if announced is None:
                handler.wfile.write(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
            else:
                handler.wfile.write(chunk)
    except OSError:  # the crawler hung up, as it should
        return


def redirect_to(location: str):
    def handler(request_handler) -> None:
        request_handler.send_response(302)
        request_handler.send_header("Location", location)
        request_handler.send_header("Content-Length", "0")
        request_handler.end_headers()

    return handler


def endless_redirects(handler) -> None:
    number = int(handler.path.rsplit("=", 1)[-1]) if "=" in handler.path else 0
    redirect_to(f"/events/loop?n={number + 1}")(handler)


@pytest.mark.slow
def test_private_addresses_other_hosts_and_hostile_pages(tmp_path, kontext_env) -> None:
    start = datetime(2027, 4, 14, 9, 0, tzinfo=BERLIN)
    other = Site({"/events/z": html("<p>nie abrufen</p>"), "/events/r": html("<p>nie abrufen</p>")}).start()
    target = Site(
        {
            "/events": listing({"/events/a": "A"}),
            "/events/a": event_page("Unternehmerfrühstück Nord", start, "Bremen", "/events/a"),
        }
    ).start()
    hostile_links = {
        "http://10.0.0.1/events/x": "intern",
        "http://169.254.169.254/latest/events/meta-data": "Metadaten",
        f"http://[::1]:{other.port}/events/y": "IPv6",
        f"http://localhost:{other.port}/events/z": "anderer Host",
        "/events/go": "Weiterleitung",
        "/events/big": "groß",
        "/events/chunked": "endlos",
        "/events/loop": "Schleife",
        "/events/broken": "kaputt",
        "/events/garbage": "Zeichensalat",
        "/events/ok": "gut",
    }
    hostile = Site(
        {
            "/robots.txt": (404, HTML, b""),
            "/events": listing(hostile_links),
            "/events/go": redirect_to(f"http://localhost:{other.port}/events/r"),
            "/events/big": lambda handler: endless_body(handler, 50_000_000),
            "/events/chunked": lambda handler: endless_body(handler, None),
            "/events/loop": endless_redirects,
            "/events/broken": (500, HTML, b"<h1>Interner Fehler</h1>"),
            "/events/garbage": (200, "text/html; charset=x-kaputt", os.urandom(20_000) + b"\xff\xfe<h1>\x00\x81"),
            "/events/ok": event_page("Fachforum Logistik Weser", start, "Bremen", "/events/ok"),
        }
    ).start()
    try:
        path = write_sources(
            tmp_path / "sources.yaml",
            [
                # Public sources (not local) whose addresses are loopback in disguise.
                {"name": "public-localhost", "local": False, "start_urls": [f"http://localhost:{target.port}/events"]},
                {"name": "public-decimal", "local": False, "start_urls": [f"http://2130706433:{target.port}/events"]},
                {"name": "public-ipv6", "local": False, "start_urls": [f"http://[::1]:{target.port}/events"]},
                # A local source whose site links and redirects elsewhere and misbehaves.
                {"name": "hostile", "start_urls": [f"{hostile.url}/events"], "max_response_bytes": 100_000},
            ],
        )
        reports = crawl(kontext_env, path, "--download-timeout", "10")
    finally:
        for site in (other, target, hostile):
            site.stop()

    assert target.paths(robots=True) == []
    for name in ("public-localhost", "public-decimal", "public-ipv6"):
        assert reports[name]["skipped"] == {"private_address": 1}, name
        assert reports[name]["pages"] == 0
    assert other.paths(robots=True) == [], "another host was contacted"
    report = reports["hostile"]
    assert report["skipped"] == {"offsite": 1}  # the redirect to another host
    kinds = report["error_kinds"]
    assert kinds.get("too_large") == 2
    assert kinds.get("redirect_loop") == 1
    assert kinds.get("http_500") == 1
    assert report["finish_reason"] == "finished"
    assert report["new"] >= 1  # the good page still made it
    loops = [path for path in hostile.paths() if path.startswith("/events/loop")]
    assert len(loops) == 6  # the first request and five redirects (REDIRECT_MAX_TIMES)
    assert hostile.paths().count("/events/broken") == 3  # two retries, then given up


def test_dns_answers_for_undeclared_names_must_be_public() -> None:
    from twisted.internet.error import DNSLookupError

    from crawler.safety import GuardedResolver

    with pytest.raises(DNSLookupError):
        GuardedResolver._check("127.0.0.1", "rebinding.example")
    assert GuardedResolver._check("8.8.8.8", "dns.example") == "8.8.8.8"



def test_fetching_one_page_follows_the_same_address_rule() -> None:
    from kontext.errors import UserError
    from kontext.fetch import fetch_page

    with Site({"/a": html("<p>A</p>")}) as site:
        with pytest.raises(UserError, match="private, loopback"):
            fetch_page(f"http://localhost:{site.port}/a", user_agent="KontextBot/0.1")
        page = fetch_page(f"http://localhost:{site.port}/a", user_agent="KontextBot/0.1", allow_private=True)
    assert page.status == 200 and b"<p>A</p>" in page.body
