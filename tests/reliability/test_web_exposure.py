"""What the web app must never give away, checked over real HTTP on the app `kontext serve` runs
(create_app against a real Meilisearch): the master key (and the other secrets) in no response —
pages, API, feeds, OpenAPI, error pages, also while Meilisearch is down; staff pages refuse without
credentials; unsubscribe links cannot be forged."""

from __future__ import annotations

import base64
import dataclasses
import string
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from digest.subscribers import Status, Subscribers
from digest.tokens import Purpose, make_token, parse_token, secret_key, verify
from kontext.services import Meili
from kontext.settings import Settings
from kontext.store import Store
from search.web.app import create_app
from tests.reliability.conftest import SECRET, STAFF_PASSWORD, STAFF_USER
from tests.reliability.fuzz import FUZZ
from tests.search.conftest import NOW, LiveServer

pytestmark = [pytest.mark.faults, pytest.mark.meili]


def secrets_of(web_settings: Settings) -> dict[str, str]:
    """Every secret and the forms it could leak in (base64 in an echoed header, URL-quoted)."""
    values = {"master key": web_settings.meili_master_key or "", "staff password": STAFF_PASSWORD, "secret key": SECRET}
    forms = {}
    for name, value in values.items():
        assert len(value) >= 8, name
        forms[name] = value
        forms[f"{name} (base64)"] = base64.b64encode(value.encode()).decode()
        forms[f"{name} (quoted)"] = quote(value, safe="")
    return forms


def assert_no_secret(response: httpx.Response, secrets: dict[str, str]) -> None:
    headers = "\n".join(f"{name}: {value}" for name, value in response.headers.items())
    for name, value in secrets.items():
        where = f"{response.request.method} {response.request.url.raw_path.decode()}"
        assert value not in response.text, f"{name} in the body of {where}"
        assert value not in headers, f"{name} in the headers of {where}"
    assert "Traceback" not in response.text


def requests_to_try(web_subscriber: int) -> list[tuple[str, str, dict]]:
    """(method, path, options): every kind of page, API answer, feed and error the app gives."""
    token = "1.abc.forged"
    return [
        ("GET", "/", {}),
        ("GET", "/?q=Maschinenbau&audience=all&sort=date", {}),
        ("GET", "/?q=%3Cscript%3E&lang=en", {}),
        ("GET", "/?from=gestern&km=-5&page=0", {}),  # bad parameters: a 400 page
        ("GET", "/events/vpm", {}),
        ("GET", "/events/vpm.ics", {}),
        ("GET", "/events/nope", {}),
        ("GET", "/events/..%2F..%2Fetc%2Fpasswd", {}),
        ("GET", "/organisers/ihk-musterland", {}),
        ("GET", "/organisations", {}),
        ("GET", "/feeds/events.ics?sector=machinery", {}),
        ("GET", "/feeds/events.atom?q=Messe", {}),
        ("GET", "/api/events?q=Maschinenbau", {}),
        ("GET", "/api/events?sort=nonsense", {}),
        ("GET", "/api/events/vpm", {}),
        ("GET", "/api/events/nope", {}),
        ("GET", "/api/facets", {}),
        ("GET", "/api/organisations?q=IHK", {}),
        ("GET", "/openapi.json", {}),
        ("GET", "/health", {}),
        ("GET", "/static/kontext.js", {}),
        ("GET", "/no/such/page", {}),
        ("POST", "/api/events", {}),
        ("DELETE", "/api/events/vpm", {}),
        ("GET", f"/confirm/{token}", {}),
        ("GET", f"/manage/{token}", {}),
        ("GET", f"/unsubscribe/{token}", {}),
        ("POST", f"/unsubscribe/{token}", {}),
        ("POST", "/subscribe", {"data": {"email": "kein-mail", "sector": "machinery"}}),
        ("GET", f"/preview/{web_subscriber}", {}),
        ("GET", f"/preview/{web_subscriber}", {"auth": (STAFF_USER, STAFF_PASSWORD)}),
        ("GET", f"/preview/{web_subscriber}?part=text", {"auth": (STAFF_USER, STAFF_PASSWORD)}),
        ("GET", f"/preview/{web_subscriber}", {"headers": {"Authorization": "Bearer " + "x" * 40}}),
        ("GET", "/staff", {}),
        ("GET", "/staff", {"auth": (STAFF_USER, STAFF_PASSWORD)}),
        ("GET", "/staff/health.json", {"auth": (STAFF_USER, STAFF_PASSWORD)}),
    ]


def test_no_response_carries_a_secret(web_client: httpx.Client, web_settings: Settings, web_subscriber: int) -> None:
    secrets = secrets_of(web_settings)
    statuses = {}
    for method, path, options in requests_to_try(web_subscriber):
        response = web_client.request(method, path, **options)
        assert response.status_code < 500, (method, path, response.status_code)
        assert_no_secret(response, secrets)
        statuses[(method, path)] = response.status_code
    # The sweep reached real content, not only errors.
    assert statuses[("GET", "/events/vpm")] == 200 and statuses[("GET", "/api/events?q=Maschinenbau")] == 200
    assert statuses[("GET", "/openapi.json")] == 200


DOWN_PATHS = [
    "/", "/?q=Messe", "/events/vpm", "/events/vpm.ics", "/api/events", "/api/events/vpm", "/api/facets",
    "/feeds/events.atom", "/feeds/events.ics", "/organisations", "/api/organisations", "/health",
]  # fmt: skip


def test_no_error_page_carries_a_secret_while_meilisearch_is_down(web_settings: Settings) -> None:
    # Same settings and key, but the server is gone: every answer is an error page or a 503.
    down = Meili(url="http://127.0.0.1:9", key=web_settings.meili_master_key, managed=False)
    secrets = secrets_of(web_settings)
    with (
        LiveServer(create_app(web_settings, down, clock=lambda: NOW)) as live,
        httpx.Client(base_url=live.url, timeout=30) as http,
    ):
        for path in DOWN_PATHS:
            response = http.get(path)
            assert response.status_code in {200, 400, 404, 503}, (path, response.status_code)
            assert_no_secret(response, secrets)
            assert "127.0.0.1:9" not in response.text, path  # nor where the search server lives


STAFF_PATHS = [
    pytest.param("/staff", id="staff-page"),
    pytest.param("/staff/health.json", id="staff-health"),
    pytest.param("/preview/{subscriber}", id="digest-preview"),
    pytest.param("/preview/{subscriber}?part=text", id="digest-preview-text"),
]
WRONG_CREDENTIALS = [
    {},
    {"auth": (STAFF_USER, "")},
    {"auth": (STAFF_USER, STAFF_PASSWORD.upper())},
    {"auth": (STAFF_USER, STAFF_PASSWORD + " ")},
    {"auth": ("", STAFF_PASSWORD)},
    {"auth": (STAFF_USER.upper(), STAFF_PASSWORD)},
    {"auth": ("stäff", "pässwort" * 200)},
    {"headers": {"Authorization": "Basic not-base64!!"}},
    {"headers": {"Authorization": "Basic " + base64.b64encode(b"no-colon").decode()}},
    {"headers": {"Authorization": "Bearer " + STAFF_PASSWORD}},
    {"headers": {"Authorization": "Digest username=staff"}},
]


@pytest.mark.parametrize("path", STAFF_PATHS)
def test_staff_pages_refuse_without_the_right_credentials(
    web_client: httpx.Client, web_subscriber: int, path: str
) -> None:
    path = path.format(subscriber=web_subscriber)
    for options in WRONG_CREDENTIALS:
        response = web_client.get(path, **options)
        assert response.status_code in {401, 403}, (path, options, response.status_code)
        assert "leser@example.org" not in response.text
        assert response.headers.get("cache-control", "").find("public") < 0
    allowed = web_client.get(path, auth=(STAFF_USER, STAFF_PASSWORD))
    assert allowed.status_code == 200, (path, allowed.status_code)


def test_staff_pages_refuse_everyone_when_no_credentials_are_configured(
    web_settings: Settings, meili: Meili, web_subscriber: int
) -> None:
    closed = dataclasses.replace(web_settings, staff_user=None, staff_password=None)
    with (
        LiveServer(create_app(closed, meili, clock=lambda: NOW)) as live,
        httpx.Client(base_url=live.url, timeout=30) as http,
    ):
        for path in ("/staff", "/staff/health.json", f"/preview/{web_subscriber}"):
            for options in ({}, {"auth": (STAFF_USER, STAFF_PASSWORD)}, {"auth": ("", "")}):
                response = http.get(path, **options)
                assert response.status_code == 403, (path, options, response.status_code)
                assert "leser@example.org" not in response.text and "ihk" not in response.text.lower()


# --- unsubscribe links cannot be forged ---------------------------------------------------------

KEY = b"a-test-key-for-forgery-0123456789"
ISSUED = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)


def mutations(token: str) -> st.SearchStrategy[str]:
    """A real token changed a little: one character swapped, parts cut, added or exchanged."""
    alphabet = string.ascii_letters + string.digits + "-_.="
    position = st.integers(0, len(token) - 1)
    swapped = st.tuples(position, st.sampled_from(alphabet)).map(
        lambda change: token[: change[0]] + change[1] + token[change[0] + 1 :]
    )
    parts = token.split(".")
    return st.one_of(
        swapped,
        position.map(lambda cut: token[:cut]),
        st.text(alphabet, min_size=1, max_size=4).map(lambda extra: token + extra),
        st.integers(0, 10**12).map(lambda other: ".".join([str(other), *parts[1:]])),
        st.integers(0, 36**7).map(lambda issued: ".".join([parts[0], format(issued, "x"), parts[2]])),
        st.text(alphabet, max_size=40).map(lambda mac: ".".join([*parts[:2], mac])),
    ).filter(lambda forged: forged != token)


@FUZZ
@given(data=st.data(), subscriber=st.integers(1, 10**9), purpose=st.sampled_from(list(Purpose)))
def test_a_changed_token_never_verifies(data: st.DataObject, subscriber: int, purpose: Purpose) -> None:
    nonce = "0123456789abcdef0123456789abcdef"
    token = make_token(KEY, purpose, subscriber, nonce, ISSUED)
    forged = data.draw(mutations(token))
    claim = parse_token(forged)
    now = ISSUED + timedelta(hours=1)
    if claim is not None:
        for any_purpose in Purpose:
            assert not verify(KEY, any_purpose, claim, nonce, now), (token, forged)
    genuine = parse_token(token)
    assert genuine is not None and verify(KEY, purpose, genuine, nonce, now)
    # The genuine token is worth nothing for another purpose, another key or a rotated nonce.
    for other in Purpose:
        assert verify(KEY, other, genuine, nonce, now) == (other == purpose)
    assert not verify(KEY + b"x", purpose, genuine, nonce, now)
    assert not verify(KEY, purpose, genuine, nonce[::-1], now)


def test_forged_unsubscribe_links_change_nothing_and_the_real_one_works(
    web_client: httpx.Client, web_settings: Settings, web_subscriber: int
) -> None:
    store = Store.from_settings(web_settings)
    subscribers = Subscribers(store)
    try:
        subscriber = subscribers.get(web_subscriber)
        assert subscriber is not None and subscriber.status == Status.CONFIRMED
        key = secret_key(web_settings)
        real = make_token(key, Purpose.UNSUBSCRIBE, web_subscriber, subscriber.token_nonce, NOW)
        manage = make_token(key, Purpose.MANAGE, web_subscriber, subscriber.token_nonce, NOW)
        other_key = make_token(b"guessed-key", Purpose.UNSUBSCRIBE, web_subscriber, subscriber.token_nonce, NOW)
        stale_nonce = make_token(key, Purpose.UNSUBSCRIBE, web_subscriber, "0" * 32, NOW)
        neighbour = real.replace(f"{web_subscriber}.", f"{web_subscriber + 1}.", 1)
        forged = [manage, other_key, stale_nonce, neighbour, real[:-1] + ("A" if real[-1] != "A" else "B"),
                  real + "A", real.upper(), f"{web_subscriber}", "", "%00", "../" * 10]  # fmt: skip
        for token in forged:
            response = web_client.post(f"/unsubscribe/{quote(token, safe='')}")
            assert response.status_code in {404, 405}, (token, response.status_code)
            assert "leser@example.org" not in response.text
            current = subscribers.get(web_subscriber)
            assert current is not None and current.status == Status.CONFIRMED, token
        response = web_client.post(f"/unsubscribe/{real}")
        assert response.status_code == 200
        current = subscribers.get(web_subscriber)
        assert current is not None and current.status == Status.UNSUBSCRIBED
    finally:
        store.close()
