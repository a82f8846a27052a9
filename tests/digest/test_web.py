"""The subscription pages in the running app (create_app + the digest router) against a real
Meilisearch and a real SMTP server: double opt-in, links from the mail, one-click unsubscribe,
forged tokens, staff preview."""

import re
from collections.abc import Iterator
from datetime import timedelta
from html.parser import HTMLParser
from urllib.parse import urlencode

import httpx
import pytest

from digest.mailer import SmtpMailer, parse_smtp_url
from digest.sending import send_digests
from digest.subscribers import Status, Subscribers
from kontext.services import Meili
from kontext.settings import Settings, load_settings
from kontext.store import Store
from search.index import SearchIndex
from search.web.app import create_app
from tests.digest.helpers import NOW, Inbox, LiveApp, free_port, make_event, smtp_server, store_events

pytestmark = pytest.mark.meili
XSS = "<script>alert(1)</script>"
STAFF = {"KONTEXT_STAFF_USER": "staff", "KONTEXT_STAFF_PASSWORD": "correct horse battery"}


class Forms(HTMLParser):
    """The forms of a page: action -> [(name, value)] of its hidden inputs."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: dict[str, list[tuple[str, str]]] = {}
        self._action: str | None = None

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        if tag == "form":
            self._action = values.get("action") or ""
            self.forms[self._action] = []
        elif tag == "input" and self._action is not None and values.get("type") == "hidden":
            self.forms[self._action].append((values["name"], values.get("value") or ""))

    def handle_endtag(self, tag):
        if tag == "form":
            self._action = None


@pytest.fixture
def inbox() -> Iterator[tuple[int, Inbox]]:
    with smtp_server() as (controller, box):
        yield controller.port, box


def make_settings(kontext_env: dict[str, str], smtp_port: int, web_port: int, **extra: str) -> Settings:
    return load_settings(
        {
            **kontext_env,
            "SMTP_URL": f"smtp://127.0.0.1:{smtp_port}",
            # Links in the mails point at the running app, so following them is a real request.
            "KONTEXT_BASE_URL": f"http://127.0.0.1:{web_port}",
            "KONTEXT_SECRET_KEY": "a-test-secret-key-0123456789",
            **extra,
        }
    )


@pytest.fixture
def web_port() -> int:
    return free_port()


@pytest.fixture
def settings(kontext_env: dict[str, str], inbox, meili: Meili, web_port: int) -> Settings:
    settings = make_settings(kontext_env, inbox[0], web_port, **STAFF)
    events = [make_event(n) for n in range(1, 4)] + [make_event(9, title=f"Messe {XSS}")]
    store_events(settings, meili, events, NOW - timedelta(days=1))
    return settings


class Clock:
    """The app's "now", frozen, moved on by the test."""

    def __init__(self) -> None:
        self.now = NOW

    def __call__(self):
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def client(settings: Settings, meili: Meili, web_port: int, clock: Clock) -> Iterator[httpx.Client]:
    with (
        LiveApp(create_app(settings, meili, clock=clock), web_port) as live,
        httpx.Client(base_url=live.url, timeout=30) as client,
    ):
        yield client


def run_digest(settings: Settings, meili: Meili, now=NOW):
    store = Store.from_settings(settings)
    index = SearchIndex(meili, settings.events_index)
    mailer = SmtpMailer(parse_smtp_url(settings.smtp_url), attempts=1)
    try:
        return send_digests(settings, store, index, mailer, now)
    finally:
        mailer.close()
        index.close()
        store.close()


def post_form(client: httpx.Client, path: str, fields: list[tuple[str, str]]) -> httpx.Response:
    """POST an HTML form with repeated fields, as a browser sends it."""
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    return client.post(path, content=urlencode(fields), headers=headers)


def text_of(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def link(message, pattern: str) -> str:
    found = re.search(rf"http://127\.0\.0\.1:\d+/{pattern}\S*", text_of(message))
    assert found, f"no {pattern} link in the mail"
    return found[0]


def subscriber(settings: Settings, email: str):
    store = Store.from_settings(settings)
    try:
        return Subscribers(store).by_email(email)
    finally:
        store.close()


def test_double_opt_in_digest_links_and_one_click_unsubscribe(
    settings: Settings, meili: Meili, client: httpx.Client, inbox
) -> None:
    _, box = inbox
    page = client.get("/", params={"sector": "machinery", "sort": "date", "lang": "de"})
    forms = Forms()
    forms.feed(page.text)
    assert "/subscribe" in forms.forms, "the search page offers to get its search weekly"
    fields = [*forms.forms["/subscribe"], ("email", "Anna@Example.org")]
    answer = post_form(client, "/subscribe", fields)
    assert answer.status_code == 200 and "Bitte bestätigen" in answer.text
    assert answer.headers["cache-control"] == "no-store"
    assert subscriber(settings, "anna@example.org").status is Status.PENDING
    assert subscriber(settings, "anna@example.org").search == {"sector": ["machinery"]}

    assert run_digest(settings, meili).sent == 0  # nothing before confirming
    (confirmation,) = box.messages
    assert confirmation["To"] == "anna@example.org" and "List-Unsubscribe" not in confirmation
    confirmed = client.get(link(confirmation, "confirm/"))
    assert confirmed.status_code == 200 and "Anmeldung bestätigt" in confirmed.text

    assert run_digest(settings, meili).sent == 1
    digest = box.messages[-1]
    assert [part.get_content_type() for part in digest.iter_parts()] == ["text/plain", "text/html"]
    event_page = client.get(link(digest, "events/ev00001"))
    assert event_page.status_code == 200 and "Werkstattforum Maschinenbau 1" in event_page.text
    calendar = client.get(link(digest, r"events/ev00001\.ics"))
    assert calendar.status_code == 200 and calendar.headers["content-type"].startswith("text/calendar")
    assert "BEGIN:VEVENT" in calendar.text
    manage = client.get(link(digest, "manage/"))
    assert manage.status_code == 200 and "anna@example.org" in manage.text
    unsubscribe_url = digest["List-Unsubscribe"].strip().strip("<>")
    assert unsubscribe_url in text_of(digest)
    button = client.get(unsubscribe_url)
    assert button.status_code == 200 and 'method="post"' in button.text
    assert subscriber(settings, "anna@example.org").status is Status.CONFIRMED  # a GET changes nothing

    # RFC 8058: what a mail client sends when the user clicks "unsubscribe".
    one_click = client.post(
        unsubscribe_url,
        content="List-Unsubscribe=One-Click",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert one_click.status_code == 200
    assert client.post(unsubscribe_url, content="List-Unsubscribe=One-Click").status_code == 200  # idempotent
    assert subscriber(settings, "anna@example.org").status is Status.UNSUBSCRIBED
    store_events(settings, meili, [make_event(40, title="Neu nach der Abmeldung")], NOW + timedelta(days=2))
    next_week = run_digest(settings, meili, NOW + timedelta(days=7))
    assert next_week.subscribers == 0 and next_week.sent == 0
    assert len(box.messages) == 2


def test_forged_or_misused_tokens_get_the_same_404_and_no_data(
    settings: Settings, client: httpx.Client, inbox
) -> None:
    _, box = inbox
    for address in ("anna@example.org", "ben@example.org"):
        client.post("/subscribe", data={"email": address, "sector": "machinery", "lang": "de"})
    anna_confirm = "/confirm/" + link(box.messages[0], "confirm/").split("/confirm/")[1]
    assert client.get(anna_confirm).status_code == 200
    anna_id, issued, mac = anna_confirm.removeprefix("/confirm/").split(".")
    ben = subscriber(settings, "ben@example.org")
    forged = [
        f"/confirm/{ben.id}.{issued}.{mac}",  # anna's signature on ben's id
        f"/manage/{anna_id}.{issued}.{mac}",  # a confirm token used as a manage token
        f"/unsubscribe/{anna_id}.{issued}.{mac}",
        f"/manage/{anna_id}.{issued}.{mac[:-2]}xx",
        "/manage/1.0.AAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "/unsubscribe/%3Cscript%3E",
        f"/manage/{anna_id}",
    ]
    for path in forged:
        response = client.get(path)
        assert response.status_code == 404, path
        assert "example.org" not in response.text, path
    assert client.post(f"/unsubscribe/{ben.id}.{issued}.{mac}").status_code == 404
    assert subscriber(settings, "ben@example.org").status is Status.PENDING


def test_subscribing_does_not_reveal_known_addresses_and_does_not_mail_bomb(
    settings: Settings, client: httpx.Client, inbox, clock: Clock
) -> None:
    _, box = inbox
    client.post("/subscribe", data={"email": "anna@example.org", "sector": "machinery", "lang": "de"})
    client.get(link(box.messages[0], "confirm/"))
    clock.now += timedelta(hours=1)
    known = client.post("/subscribe", data={"email": "anna@example.org", "sector": "energy", "lang": "de"})
    new = client.post("/subscribe", data={"email": "ben@example.org", "lang": "de"})
    assert known.status_code == new.status_code == 200
    assert known.text == new.text
    anna_mails = [message for message in box.messages if message["To"] == "anna@example.org"]
    assert "bereits angemeldet" in str(anna_mails[-1]["Subject"])  # the owner learns of it ...
    assert subscriber(settings, "anna@example.org").search == {"sector": ["machinery"]}  # ... nothing changes
    for _ in range(3):
        client.post("/subscribe", data={"email": "ben@example.org", "lang": "de"})
    assert box.to().count("ben@example.org") == 1
    clock.now += timedelta(minutes=11)
    client.post("/subscribe", data={"email": "ben@example.org", "lang": "de"})
    assert box.to().count("ben@example.org") == 2


def test_bad_input_is_refused_with_an_escaped_page(settings: Settings, client: httpx.Client) -> None:
    bad_address = client.post("/subscribe", data={"email": f"{XSS}@example.org", "lang": "en"})
    assert bad_address.status_code == 400
    assert XSS not in bad_address.text and "&lt;script&gt;" in bad_address.text
    bad_search = client.post(
        "/subscribe", data={"email": "anna@example.org", "sector": "nonsense", "lang": "en"}
    )
    assert bad_search.status_code == 400 and "sector" in bad_search.text
    assert subscriber(settings, "anna@example.org") is None


def test_preferences_can_be_changed_from_the_manage_link(
    settings: Settings, client: httpx.Client, inbox
) -> None:
    _, box = inbox
    client.post("/subscribe", data={"email": "anna@example.org", "sector": "machinery", "lang": "de"})
    confirmed = client.get(link(box.messages[0], "confirm/"))
    manage_path = re.search(r'href="(/manage/[^"]+)"', confirmed.text)[1]
    saved = post_form(
        client,
        manage_path,
        [("action", "save"), ("lang", "en"), ("sector", "energy"), ("near", "Hannover"), ("km", "40")],
    )
    assert saved.status_code == 200 and "Saved." in saved.text
    anna = subscriber(settings, "anna@example.org")
    assert (anna.language, anna.search) == ("en", {"km": ["40"], "near": ["Hannover"], "sector": ["energy"]})
    refused = post_form(client, manage_path, [("action", "save"), ("lang", "en"), ("near", "Atlantis")])
    assert refused.status_code == 400 and "near" in refused.text
    assert subscriber(settings, "anna@example.org").search == anna.search


def test_staff_preview_needs_credentials(
    settings: Settings, meili: Meili, client: httpx.Client, inbox
) -> None:
    _, box = inbox
    client.post("/subscribe", data={"email": "anna@example.org", "sector": "machinery", "lang": "de"})
    anna = subscriber(settings, "anna@example.org")
    assert client.get(f"/preview/{anna.id}").status_code == 401
    assert client.get(f"/preview/{anna.id}").headers["www-authenticate"].startswith("Basic")
    assert client.get(f"/preview/{anna.id}", auth=("staff", "wrong")).status_code == 401
    shown = client.get(f"/preview/{anna.id}", auth=("staff", "correct horse battery"))
    assert shown.status_code == 200 and "Werkstattforum Maschinenbau 1" in shown.text
    assert XSS not in shown.text and "&lt;script&gt;" in shown.text
    assert "style-src 'unsafe-inline'" in shown.headers["content-security-policy"]
    text = client.get(f"/preview/{anna.id}", params={"part": "text"}, auth=("staff", "correct horse battery"))
    assert f"Abmelden: {settings.base_url}/unsubscribe/" in text.text
    assert client.get("/preview/999", auth=("staff", "correct horse battery")).status_code == 404
    assert not [message for message in box.messages if "Veranstaltung" in str(message["Subject"])]


def test_without_staff_credentials_configured_the_preview_is_closed(
    kontext_env: dict[str, str], meili: Meili, inbox, web_port: int
) -> None:
    settings = make_settings(kontext_env, inbox[0], web_port)
    with (
        LiveApp(create_app(settings, meili, clock=lambda: NOW), web_port) as live,
        httpx.Client(base_url=live.url) as client,
    ):
        assert client.get("/preview/1").status_code == 403
        assert client.get("/preview/1", auth=("staff", "")).status_code == 403
