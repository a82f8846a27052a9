"""XSS payloads from the crawl to the web page and the email: a local site whose JSON-LD, microdata-free
HTML and links carry script tags, event handlers, javascript: and data: URLs, template syntax and a
header injection is crawled and indexed for real; then every page that shows those events (search
page, event pages, organiser page, feeds, API) and the digest mail rendered for them must keep the
payloads inert — shown as text, never as markup, links or headers.

tests/search/test_web.py and tests/digest/test_render.py check escaping on hand-made records; this
follows the payloads through extraction, normalisation, the store and the index."""

from __future__ import annotations

import email
import email.policy
import json
import re
from datetime import datetime, timedelta
from pathlib import Path

import httpx
import lxml.etree
import lxml.html
import pytest

from kontext.services import Meili
from kontext.settings import load_settings
from search.web.app import create_app
from tests.conftest import run_kontext
from tests.crawler.test_crawl_sites import ALLOW_ALL, HTML, Site, html, listing, store_of, write_sources
from tests.reliability.helpers import BERLIN
from tests.search.conftest import LiveServer

pytestmark = [pytest.mark.faults, pytest.mark.meili, pytest.mark.slow]
NOW = datetime(2026, 11, 26, 10, 0, tzinfo=BERLIN)
MARKERS = [f"kx{number}" for number in range(1, 14)]
PAYLOADS = [
    '<script>alert("kx1")</script>',
    '"><img src=x onerror=alert("kx2")>',
    "'><svg onload=alert('kx3')>",
    "<a href=\"javascript:alert('kx4')\">kx4</a>",
    '</script><script>alert("kx5")</script>',
    '<iframe src="data:text/html,kx6"></iframe>',
    "<style>body{background:url('javascript:kx7')}</style>",
    "<meta http-equiv=refresh content='0;url=https://evil.example/kx8'>",
    "{{ 7*7 }}kxT {% raw %}kx9",
    # No tags at all, so tag stripping cannot help: attribute break-outs and entity-encoded markup.
    '" onmouseover="alert(\'kx10\')" x="',
    "' autofocus onfocus='alert(`kx11`)",
    "&lt;script&gt;alert('kx12')&lt;/script&gt;",
    "&#60;img src=x onerror=alert('kx13')&#62;",
]
DANGEROUS_TAGS = {"iframe", "object", "embed", "base", "svg", "math", "frame", "frameset", "applet", "style", "img"}
LINK_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "poster", "data", "srcset", "background"}


def jsonld_event_page(path: str, start: datetime) -> tuple[int, str, bytes]:
    """An event page whose every JSON-LD string field carries payloads."""
    node = {
        "@context": "https://schema.org",
        "@type": "BusinessEvent",
        "name": "Fachtagung Verpackung " + PAYLOADS[0] + PAYLOADS[1] + PAYLOADS[9] + PAYLOADS[11],
        # The meta-refresh payload goes into the page text below: inside JSON-LD the crawler would follow
        # it (test_hostile_source.py::test_a_meta_refresh_inside_a_script_does_not_swallow_the_page).
        "description": " ".join(payload for payload in PAYLOADS if "refresh" not in payload),
        "startDate": start.isoformat(),
        "url": "javascript:alert('kx4')",
        "image": "javascript:alert('kx4')",
        "location": {"@type": "Place", "name": "Saal " + PAYLOADS[2],
                     "address": {"@type": "PostalAddress", "streetAddress": "Marktstraße 1 " + PAYLOADS[5],
                                 "postalCode": "30159", "addressLocality": "Hannover"}},
        "organizer": {"@type": "Organization", "name": "Verband " + PAYLOADS[3], "url": "javascript:alert('kx4')"},
        "offers": {"@type": "Offer", "url": "data:text/html,<script>alert('kx6')</script>", "price": "0"},
        "keywords": PAYLOADS[6],
    }  # fmt: skip
    # "<\/" as sites write it inside a script block: the parsed strings still hold "</script>".
    block = json.dumps(node, ensure_ascii=False).replace("</", "<\\/")
    body = f"<script type='application/ld+json'>{block}</script><h1>Fachtagung</h1>"
    return html(body, "Fachtagung")


def text_event_page(start: datetime) -> tuple[int, str, bytes]:
    """A page without markup whose visible text (escaped in its HTML) is the payload."""
    escaped = PAYLOADS[0].replace("<", "&lt;").replace(">", "&gt;")
    body = (
        f"<h1>Sprechtag Logistik {escaped} {PAYLOADS[8]}</h1>"
        f"<p>Termin: {start:%d.%m.%Y}, 10:00 Uhr</p><p>Ort: Haus der Wirtschaft, Marktstraße 1, 30159 Hannover</p>"
        f"<p>Beschreibung: {PAYLOADS[4].replace('<', '&lt;')} {PAYLOADS[7].replace('<', '&lt;')} für Betriebe</p>"
        "<p><a href=\"javascript:alert('kx4')\">Anmeldung</a></p>"
    )
    return 200, HTML, html(body, "Sprechtag Logistik")[2]


def injection_page(start: datetime) -> tuple[int, str, bytes]:
    """A title that tries to add mail headers and calendar properties."""
    node = {"@context": "https://schema.org", "@type": "Event", "startDate": start.isoformat(),
            "name": "Netzwerkabend\r\nBcc: victim@example.org\r\nX-kx9: injected",
            "description": "Zeile\r\nATTENDEE:mailto:victim@example.org\r\nBEGIN:VALARM kx9",
            "location": {"@type": "Place", "name": "Haus der Wirtschaft",
                         "address": {"@type": "PostalAddress", "addressLocality": "Hannover"}}}  # fmt: skip
    return html(f"<script type='application/ld+json'>{json.dumps(node)}</script><h1>Netzwerkabend</h1>")


def carries(marker: str, text: str) -> bool:
    """Whether `text` holds this marker itself (kx1, not the kx1 inside kx12)."""
    return re.search(re.escape(marker) + r"(?!\d)", text) is not None


def assert_inert(markup: str, where: str) -> None:
    """No element, attribute or link in `markup` came alive from a payload."""
    assert "49kxT" not in markup, f"{where}: template syntax was evaluated"
    document = lxml.html.document_fromstring(markup)
    for element in document.iter():
        if not isinstance(element.tag, str):
            continue
        tag = element.tag.lower()
        if tag in DANGEROUS_TAGS:
            own = " ".join([element.text or "", *element.attrib.values()])
            assert not any(carries(marker, own) for marker in MARKERS), f"{where}: <{tag}> from a payload"
        if tag == "script":
            assert element.get("src", "").startswith("/static/") and not (element.text or "").strip(), where
        if tag == "meta":
            assert (element.get("http-equiv") or "").lower() != "refresh", f"{where}: meta refresh"
        for name, value in element.attrib.items():
            assert not name.lower().startswith("on"), f"{where}: event handler {name}={value!r}"
            if name.lower() in LINK_ATTRIBUTES:
                scheme = "".join(value.split()).lower().split(":", 1)[0] if ":" in value else ""
                assert scheme in {"", "http", "https", "mailto"}, f"{where}: {name}={value!r}"


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory, meili: Meili) -> dict:
    """The hostile site crawled and indexed into a real Meilisearch, once for the module."""
    import uuid

    from tests.conftest import clean_environment

    tmp = tmp_path_factory.mktemp("xss")
    env = {
        **clean_environment(),
        "KONTEXT_HOME": str(tmp / "home"),
        "MEILI_URL": meili.url,
        "MEILI_MASTER_KEY": meili.key or "",
        "KONTEXT_INDEX_PREFIX": f"x{uuid.uuid4().hex[:10]}",
        "KONTEXT_BASE_URL": "https://kontext.test",
        "KONTEXT_SECRET_KEY": "xss-test-secret-0123456789",
    }
    start = NOW + timedelta(days=5)
    pages = {
        "/robots.txt": ALLOW_ALL,
        "/events/jsonld": jsonld_event_page("/events/jsonld", start),
        "/events/text": text_event_page(start + timedelta(days=1)),
        "/events/inject": injection_page(start + timedelta(days=2)),
    }
    pages["/events"] = listing({"/events/jsonld": "Fachtagung", "/events/text": "Sprechtag", "/events/inject": "Abend"})
    with Site(pages) as site:
        sources = write_sources(tmp / "sources.yaml", [{"name": "xss-site", "start_urls": [f"{site.url}/events"]}])
        result = run_kontext(env, "crawl", "--sources-file", sources, "--json", "--now", NOW.isoformat())
    assert result.returncode == 0, result.stderr[-3000:]
    store = store_of(env)
    try:
        events = list(store.iter_events())
    finally:
        store.close()
    assert len(events) == 3, [event.title for event in events]
    stored = " ".join(event.model_dump_json() for event in events)
    kept = {marker for marker in [*MARKERS, "kxT"] if carries(marker, stored)}
    return {"env": env, "events": events, "tmp": tmp, "kept": kept}


def test_payloads_stay_inert_on_every_page_that_shows_crawled_events(crawled: dict, meili: Meili) -> None:
    settings = load_settings(crawled["env"])
    pages: dict[str, str] = {}
    with (
        LiveServer(create_app(settings, meili, clock=lambda: NOW)) as live,
        httpx.Client(base_url=live.url, timeout=30) as client,
    ):
        paths = ["/?audience=all", "/?q=Fachtagung&audience=all", "/?q=Sprechtag&audience=all&lang=en",
                 "/?q=%3Cscript%3E&audience=all"]  # fmt: skip
        for event in crawled["events"]:
            paths.append(f"/events/{event.id}")
        for path in paths:
            response = client.get(path)
            assert response.status_code == 200, (path, response.status_code)
            assert "text/html" in response.headers["content-type"]
            assert "script-src 'self'" in response.headers["content-security-policy"]
            assert_inert(response.text, path)
            pages[path] = response.text
        organiser_links = {
            link for text in pages.values() for link in lxml.html.document_fromstring(text).xpath("//a/@href")
            if link.startswith("/organisers/")
        }  # fmt: skip
        for path in sorted(organiser_links):
            response = client.get(path)
            assert response.status_code == 200, path
            assert_inert(response.text, path)
        atom = client.get("/feeds/events.atom", params={"audience": "all"})
        calendar = client.get("/feeds/events.ics", params={"audience": "all"})
        api = client.get("/api/events", params={"audience": "all"})
        one_ics = client.get(f"/events/{crawled['events'][0].id}.ics")

    # What the pipeline kept of the payloads (it strips tags) is shown, as text.
    shown = " ".join(lxml.html.document_fromstring(text).text_content() for text in pages.values())
    assert {"kx10", "kxT"} <= crawled["kept"]
    assert all(carries(marker, shown) for marker in crawled["kept"]), crawled["kept"]
    assert "{{ 7*7 }}kxT" in shown
    # Feeds: well-formed XML whose entries carry no markup from payloads; calendars without injected lines.
    feed = lxml.etree.fromstring(atom.content)
    for node in feed.iter():
        assert not (isinstance(node.tag, str) and node.tag.rsplit("}", 1)[-1].lower() in {"script", "iframe"})
    for body in (calendar.text, one_ics.text):
        lines = body.replace("\r\n ", "").splitlines()
        assert not any(line.startswith(("ATTENDEE", "BEGIN:VALARM", "Bcc", "X-kx9")) for line in lines), body
    assert api.headers["content-type"].startswith("application/json")
    assert api.headers["x-content-type-options"] == "nosniff"
    for hit in api.json()["hits"]:
        for field in ("url", "registration_url", "organizer_url", "image", "page"):
            value = hit.get(field)
            assert value is None or value.startswith(("http://", "https://", "/")), (field, value)


def test_payloads_stay_inert_in_the_digest_mail(crawled: dict, tmp_path: Path) -> None:
    env = crawled["env"]
    added = run_kontext(env, "subscribers", "add", "leserin@example.org", "--audience", "all", "--confirmed")
    assert added.returncode == 0, added.stderr[-2000:]
    outbox = tmp_path / "outbox"
    sent = run_kontext(env, "digest", "send", "--dry-run", str(outbox), "--now", (NOW + timedelta(hours=2)).isoformat())
    assert sent.returncode == 0, sent.stderr[-2000:]
    mails = sorted(outbox.glob("*.eml"))
    assert len(mails) == 1, sent.stdout
    message = email.message_from_bytes(mails[0].read_bytes(), policy=email.policy.default)
    # No header came from a title: nothing injected, and no header value spans lines.
    assert message["Bcc"] is None and message["X-kx9"] is None
    assert [str(message["To"])] == ["leserin@example.org"]
    for name, value in message.items():
        # Payload fragments, not bare markers: a random Message-ID may well contain "kx".
        assert not any(part in str(value) for part in ("\n", "victim@", "injected", "alert(")), (name, value)
    html_part = message.get_body(("html",))
    text_part = message.get_body(("plain",))
    assert html_part is not None and text_part is not None
    markup = html_part.get_content()
    assert_inert(markup, "digest mail")
    shown = lxml.html.document_fromstring(markup).text_content()
    assert "Fachtagung" in shown and "{{ 7*7 }}kxT" in shown
    for link in lxml.html.document_fromstring(markup).xpath("//a/@href"):
        assert link.startswith(("https://kontext.test/", "http://", "https://", "mailto:")), link
