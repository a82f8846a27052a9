"""The web app over a real Meilisearch, through real HTTP: defaults, filters, facets, pages, feeds,
languages, and what it must never do (run crawled markup, leak the key, redirect elsewhere)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from urllib.parse import urlsplit

import httpx
import icalendar
import pytest

from kontext.services import Meili
from kontext.settings import Settings
from search.web.app import create_app
from tests.search.conftest import IMG, NOW, SCRIPT, LiveServer

pytestmark = pytest.mark.meili
ATOM = "{http://www.w3.org/2005/Atom}"


def page_ids(html: str) -> list[str]:
    """The events a result page lists, in order."""
    return re.findall(r'<h3><a href="/events/([A-Za-z0-9_-]+)', html)


def api_ids(client: httpx.Client, query: str) -> list[str]:
    response = client.get(f"/api/events?{query}")
    assert response.status_code == 200, response.text
    return [hit["id"] for hit in response.json()["hits"]]


# --- defaults and filters ------------------------------------------------------------------------


def test_default_search_lists_upcoming_sme_and_mixed_events_by_date(client: httpx.Client) -> None:
    response = client.get("/")
    assert response.status_code == 200
    ids = page_ids(response.text)
    assert ids[:4] == ["ongoing", "kiweb", "wst", "cancel"]  # by date; the fair that started yesterday still runs
    assert "past" not in ids
    assert "pitch" not in ids and "fest" not in ids  # startup scene and public only when asked
    assert "matchx" in api_ids(client, "per_page=100")  # mixed is in the default
    # each result says why it counts as SME-heavy and offers its calendar file
    assert "Mittelstand &amp; KMU, weil: IHK als Veranstalter" in response.text
    assert 'href="/events/wst.ics" download' in response.text


def test_audience_all_lifts_the_default_and_one_audience_narrows_it(client: httpx.Client) -> None:
    everything = api_ids(client, "audience=all&per_page=100")
    assert {"pitch", "fest", "matchx", "vpm"} <= set(everything)
    assert "past" not in everything
    assert api_ids(client, "audience=startup") == ["pitch"]
    assert set(api_ids(client, "audience=startup&audience=public")) == {"pitch", "fest"}


def test_dates_from_to_and_periods(client: httpx.Client) -> None:
    assert set(api_ids(client, "from=2026-03-20&to=2026-03-31")) == {"mbforum", "munich"}
    assert set(api_ids(client, "to=P7D")) == {"ongoing", "kiweb", "wst", "cancel"}
    assert "past" in api_ids(client, "from=2026-02-01&to=2026-02-28")


def test_radius_search_around_a_town_or_postcode(client: httpx.Client) -> None:
    response = client.get("/api/events?near=Celle&km=10")
    assert response.status_code == 200
    hits = response.json()["hits"]
    assert {hit["id"] for hit in hits} == {"wst", "mbforum"}
    assert all(hit["distance_km"] < 1 for hit in hits)
    around_hannover = api_ids(client, "near=30159&km=5&per_page=100")
    assert "vpm" in around_hannover and "wst" not in around_hannover and "munich" not in around_hannover
    by_distance = client.get("/api/events?near=Hannover&km=50&sort=distance&per_page=100").json()["hits"]
    distances = [hit["distance_km"] for hit in by_distance]
    assert distances == sorted(distances) and distances[-1] > 20  # Celle is ~35 km from Hannover
    page = client.get("/?near=Celle&km=10")
    assert "im Umkreis von 10 km um Celle" in page.text and "0.0 km entfernt" in page.text


def test_attendance_free_format_sector_and_region_filters(client: httpx.Client) -> None:
    assert set(api_ids(client, "attendance=online")) == {"kiweb", "hybrid"}
    assert "kiweb" not in api_ids(client, "attendance=offline&per_page=100")
    assert "hybrid" in api_ids(client, "attendance=offline&per_page=100")
    assert api_ids(client, "attendance=mixed") == ["hybrid"]
    assert set(api_ids(client, "free=1")) == {"kiweb", "wst"}
    assert set(api_ids(client, "format=trade-fair")) == {"vpm", "ongoing"}
    assert set(api_ids(client, "sector=energy&sector=ict")) == {"wst", "matchx"}
    assert api_ids(client, "region=Bayern") == ["munich"]


def test_facet_counts_keep_other_values_of_a_chosen_facet(client: httpx.Client) -> None:
    answer = client.get("/api/facets?sector=machinery&lang=en").json()
    sectors = {option["value"]: option for option in answer["facets"]["sectors"]}
    assert sectors["machinery"]["selected"] and sectors["machinery"]["label"] == "Mechanical & plant engineering"
    assert sectors["logistics"]["count"] == 26 and not sectors["logistics"]["selected"]
    audiences = {option["value"]: option for option in answer["facets"]["audience"]}
    assert audiences["sme"]["selected"] and audiences["mixed"]["selected"] and not audiences["startup"]["selected"]
    formats = {option["value"]: option["count"] for option in answer["facets"]["format"]}
    assert formats["trade-fair"] == 2  # counted within the chosen sector
    page = client.get("/?sector=machinery")
    assert re.search(r'value="machinery" checked>\s*Maschinen- &amp; Anlagenbau <span class="count">\d+', page.text)


def test_pagination(client: httpx.Client) -> None:
    first = client.get("/api/events?sector=logistics&per_page=10").json()
    assert (first["total"], first["pages"], len(first["hits"])) == (26, 3, 10)
    third = client.get("/api/events?sector=logistics&per_page=10&page=3").json()
    assert len(third["hits"]) == 6 and not set(api_ids(client, "sector=logistics&per_page=10")) & {
        hit["id"] for hit in third["hits"]
    }
    page = client.get("/?sector=logistics&page=2").text
    assert 'rel="prev" href="/?sector=logistics"' in page
    assert 'rel="next" href="/?sector=logistics&amp;page=3"' not in page  # 20 per page: 2 pages
    assert "Seite 2 von 2" in page
    assert client.get("/api/events?page=10000").status_code == 400


def test_compounds_and_synonyms_find_events(client: httpx.Client) -> None:
    assert "vpm" in api_ids(client, "q=Messe&audience=all")
    assert api_ids(client, "q=Verpackungsmesse")[0] == "vpm"
    assert "wst" in api_ids(client, "q=hydrogen")
    assert "wst" in api_ids(client, "q=Wasserstoff")
    assert "vpm" in api_ids(client, "q=trade+fair")


# --- safety ---------------------------------------------------------------------------------------


def test_crawled_markup_renders_inert_also_inside_highlights(client: httpx.Client) -> None:
    for path in ("/?q=Maschinenbau", "/?q=alert", "/events/xss", "/organisers/ihk-musterland"):
        html = client.get(path).text
        assert "<script>alert" not in html and "<img src=x" not in html, path
        assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html, path
        assert 'href="javascript:' not in html, path
    highlighted = client.get("/?q=Maschinenbau").text
    assert "<mark>Maschinenbau</mark> &lt;script&gt;" in highlighted
    assert "<mark>alert</mark>" in client.get("/?q=alert").text
    assert all(
        script.endswith('src="/static/kontext.js" defer>') for script in re.findall(r"<script[^>]*>", highlighted)
    )
    assert client.get("/api/events/xss").json()["url"] is None  # a javascript: link is no link


def test_every_response_carries_the_content_security_policy(client: httpx.Client) -> None:
    for path in (
        "/",
        "/events/vpm",
        "/events/nope",
        "/api/events",
        "/feeds/events.ics",
        "/static/kontext.css",
        "/openapi.json",
    ):
        policy = client.get(path).headers["content-security-policy"]
        assert "script-src 'self'" in policy and "object-src 'none'" in policy and "frame-ancestors 'none'" in policy
        assert "unsafe-inline" not in policy and "unsafe-eval" not in policy


def test_the_master_key_never_reaches_a_response(client: httpx.Client, meili: Meili) -> None:
    assert meili.key
    paths = [
        "/",
        "/?q=Messe&lang=en",
        "/?near=Atlantis",
        "/events/vpm",
        "/events/vpm.ics",
        "/events/nope",
        "/organisers/ihk-musterland",
        "/api/events?q=x",
        "/api/events?sector=bad",
        "/api/events/vpm",
        "/api/facets",
        "/feeds/events.ics",
        "/feeds/events.atom",
        "/openapi.json",
        "/health",
        "/static/kontext.js",
    ]
    for path in paths:
        response = client.get(path)
        assert meili.key not in response.text, path
        assert all(meili.key not in value for value in response.headers.values()), path


@pytest.mark.parametrize(
    "path", ["//evil.example/", "//evil.example/%2e%2e", "/\\evil.example/", "/events/vpm/", "/%2F%2Fevil.example"]
)
def test_no_redirect_leaves_the_site(client: httpx.Client, live: LiveServer, path: str) -> None:
    response = client.get(path)
    if response.is_redirect:
        target = urlsplit(response.headers["location"])
        assert target.netloc in ("", urlsplit(live.url).netloc), response.headers["location"]
    html = response.text
    assert not re.search(r'href="(//|/\\|https?://evil)', html)


def test_a_search_server_outage_is_a_page_not_a_traceback(search_settings: Settings) -> None:
    dead = Meili("http://127.0.0.1:9", "unused-key", managed=False)
    with (
        LiveServer(create_app(search_settings, dead, clock=lambda: NOW)) as server,
        httpx.Client(base_url=server.url) as http,
    ):
        page = http.get("/?q=Messe")
        assert page.status_code == 503 and "nicht erreichbar" in page.text
        api = http.get("/api/events")
        assert api.status_code == 503 and api.json() == {"detail": "search is temporarily unavailable"}
        assert http.get("/health").json() == {"status": "degraded"}


def test_wrong_parameters_are_one_line_answers(client: httpx.Client) -> None:
    page = client.get("/?near=Atlantis&q=Messe")
    assert page.status_code == 400 and "Den Ort „Atlantis“ kennen wir nicht" in page.text
    assert 'value="Messe"' in page.text  # the query box keeps the text
    assert client.get("/api/events?km=abc&near=Celle").json() == {
        "detail": "km='abc': expected a number of kilometres",
        "param": "km",
    }
    assert client.get("/?page=abc").status_code == 400


# --- pages ----------------------------------------------------------------------------------------


def test_event_page_shows_all_fields_evidence_and_links(client: httpx.Client) -> None:
    html = client.get("/events/wst").text
    assert "<h1" in html and "Wasserstoff-Stammtisch Südheide" in html
    assert "Sa 07.03.2026, 09:00–12:00" in html
    assert "Saal wst" in html and "30159 Celle" in html and "Niedersachsen" in html
    assert 'href="/organisers/clusterinitiative-energie"' in html and "(Cluster)" in html
    assert "Warum diese Einordnung?" in html and "IHK als Veranstalter" in html and "KMU-Anteil 85 %" in html
    assert "Warum diese Branchen?" in html and "Begriff für energy" in html
    assert 'href="/events/wst.ics"' in html and 'href="https://events.example/wst"' in html
    assert client.get("/events/nope").status_code == 404
    assert client.get("/api/events/nope").json() == {"detail": "no such event"}


def test_organiser_page_lists_its_events_of_every_audience(client: httpx.Client) -> None:
    html = client.get("/organisers/grunderhaus").text
    assert "Veranstaltungen von Gründerhaus" in html and page_ids(html) == ["pitch"]
    assert client.get("/organisers/nobody").status_code == 404


def test_german_and_english_interface(client: httpx.Client) -> None:
    german = client.get("/?sector=machinery").text
    assert (
        '<html lang="de">' in german and "Veranstaltungen suchen" in german and "Maschinen- &amp; Anlagenbau" in german
    )
    english = client.get("/?sector=machinery&lang=en").text
    assert (
        '<html lang="en">' in english and "Search events" in english and "Mechanical &amp; plant engineering" in english
    )
    assert 'href="/events/mbforum?lang=en"' in english  # links keep the language
    assert "Sun 22 Mar 2026" in english
    preferred = client.get("/", headers={"Accept-Language": "en-GB,en;q=0.9"}).text
    assert '<html lang="en">' in preferred
    assert '<html lang="de">' in client.get("/?lang=xx").text


def test_subscribe_form_repeats_the_search(search_settings: Settings, meili: Meili) -> None:
    app = create_app(search_settings, meili, clock=lambda: NOW)
    if not app.state.kontext.subscribe:  # without digest/web.py: a stand-in for its POST /subscribe
        app.add_api_route("/subscribe", lambda: {}, methods=["POST"])
        app.state.kontext.subscribe = True
    with LiveServer(app) as server, httpx.Client(base_url=server.url) as http:
        html = http.get("/?q=Messe&sector=machinery&near=Celle&km=50&to=P3M&lang=en").text
    form = html[html.index('action="/subscribe"') :]
    form = form[: form.index("</form>")]
    hidden = dict(re.findall(r'type="hidden" name="([a-z]+)" value="([^"]*)"', form))
    assert hidden == {"q": "Messe", "sector": "machinery", "near": "Celle", "km": "50", "to": "P3M", "lang": "en"}
    assert 'name="email"' in form and "Get this search weekly" in html


# --- feeds and the API description ---------------------------------------------------------------


def test_event_ics_is_a_valid_calendar(client: httpx.Client) -> None:
    response = client.get("/events/vpm.ics")
    assert response.headers["content-type"].startswith("text/calendar")
    assert "attachment" in response.headers["content-disposition"]
    calendar = icalendar.Calendar.from_ical(response.content)
    (event,) = calendar.walk("VEVENT")
    assert str(event["summary"]) == "Internationale Verpackungsmesse"
    assert event.decoded("dtstart") == datetime(2026, 3, 12, 8, 0, tzinfo=UTC)
    assert event.decoded("dtend") == datetime(2026, 3, 15, 8, 0, tzinfo=UTC)
    assert str(event["uid"]).startswith("vpm@") and "30159 Hannover" in str(event["location"])


def test_search_ics_feed(client: httpx.Client) -> None:
    response = client.get("/feeds/events.ics?sector=logistics")
    calendar = icalendar.Calendar.from_ical(response.content)
    events = calendar.walk("VEVENT")
    assert len(events) == 26
    starts = [event.decoded("dtstart") for event in events]
    assert starts == sorted(starts)
    cancelled = [event for event in events if str(event["summary"]).startswith("Abgesagtes")]
    assert str(cancelled[0]["status"]) == "CANCELLED"


def test_search_atom_feed(client: httpx.Client) -> None:
    response = client.get("/feeds/events.atom?q=Maschinenbau")
    assert response.headers["content-type"].startswith("application/atom+xml")
    feed = ET.fromstring(response.content)
    assert feed.tag == f"{ATOM}feed"
    for required in ("id", "title", "updated", "author"):
        assert feed.find(f"{ATOM}{required}") is not None, required
    assert feed.find(f"{ATOM}link[@rel='self']").get("href").startswith("https://kontext.test/feeds/events.atom?q=")
    entries = feed.findall(f"{ATOM}entry")
    assert entries
    for entry in entries:
        for required in ("id", "title", "updated", "link"):
            assert entry.find(f"{ATOM}{required}") is not None, required
    titles = [entry.find(f"{ATOM}title").text for entry in entries]
    assert f"Maschinenbau {SCRIPT} Treffen {IMG}" in titles  # plain text, escaped by XML itself
    assert b"<script>" not in response.content


def test_openapi_description_is_served(client: httpx.Client) -> None:
    spec = client.get("/openapi.json").json()
    assert spec["openapi"].startswith("3.")
    assert {"/api/events", "/api/events/{event_id}", "/api/facets", "/feeds/events.ics", "/feeds/events.atom"} <= set(
        spec["paths"]
    )
    assert "/" not in spec["paths"]  # pages are HTML, not API
    names = {parameter["name"] for parameter in spec["paths"]["/api/events"]["get"]["parameters"]}
    assert {
        "q",
        "sector",
        "topic",
        "format",
        "audience",
        "region",
        "near",
        "km",
        "from",
        "to",
        "attendance",
        "free",
    } <= names
