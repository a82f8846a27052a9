"""Rendering is pure: subscriber + selection in, a complete, safe, small message out."""

import email
import email.policy
import re
from datetime import timedelta
from html.parser import HTMLParser

import pytest

from digest.render import MailContext, links_for, render_confirmation, render_digest
from digest.selection import MAX_EVENTS, DigestItem, MatchReasons, Selection
from digest.subscribers import Status, Subscriber
from kontext.records import Audience, Organizer, Tag
from kontext.settings import PROJECT_ROOT
from kontext.vocabulary import AudienceLabel
from search.vocabulary import load_vocabulary
from tests.digest.helpers import NOW, make_event

XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'
CONTEXT = MailContext(
    base_url="https://kontext.example",
    mail_from="Kontext <digest@kontext.example>",
    labels=load_vocabulary(PROJECT_ROOT / "config"),
    timezone="Europe/Berlin",
    key=b"k" * 48,
)


def subscriber(language: str = "de", **search: list[str]) -> Subscriber:
    saved = search or {"sector": ["machinery"], "q": ["Maschinenbau"]}
    return Subscriber(4, "anna@example.org", language, saved, Status.CONFIRMED, "nonce", NOW)


def item(number: int, **fields) -> DigestItem:
    event = make_event(number, **fields)
    reasons = MatchReasons(
        sectors=[("machinery", ["Maschinenbau"])],
        terms=["Maschinenbau"],
        audience="sme",
        audience_evidence=event.audience.evidence if event.audience else [],
    )
    return DigestItem(event, reasons)


def render(person: Subscriber, items: list[DigestItem], total: int | None = None, first: bool = True):
    selection = Selection(items, total or len(items), None if first else NOW - timedelta(days=7), NOW)
    message = render_digest(
        person,
        selection,
        context=CONTEXT,
        links=links_for(person, CONTEXT, NOW),
        now=NOW,
        message_id="<digest.2027-W09.4.abc@kontext.example>",
    )
    # What a receiving client sees: the bytes on the wire, parsed back with the standard library.
    return email.message_from_bytes(message.as_bytes(), policy=email.policy.default)


class Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.hrefs: list[str] = []
        self.attributes: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attributes += [name for name, _ in attrs]
        self.hrefs += [value for name, value in attrs if name == "href"]


def parts(message) -> tuple[str, str]:
    return (
        message.get_body(preferencelist=("plain",)).get_content(),
        message.get_body(preferencelist=("html",)).get_content(),
    )


def test_headers_and_both_alternatives() -> None:
    message = render(subscriber(), [item(1), item(2)])
    assert message["From"] == "Kontext <digest@kontext.example>"
    assert message["To"] == "anna@example.org"
    assert message["Subject"] == "Kontext: 2 neue Veranstaltungen für Ihre Suche"
    assert message["Message-ID"] == "<digest.2027-W09.4.abc@kontext.example>"
    assert email.utils.parsedate_to_datetime(message["Date"]) == NOW
    unsubscribe = re.fullmatch(
        r"<(https://kontext\.example/unsubscribe/[^>]+)>", message["List-Unsubscribe"].strip()
    )
    assert unsubscribe
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message.get_content_type() == "multipart/alternative"
    text, html = parts(message)
    assert unsubscribe[1] in text and unsubscribe[1] in html  # visible in both parts
    for body in (text, html):
        assert "https://kontext.example/events/ev00001" in body
        assert "https://kontext.example/events/ev00001.ics" in body
        assert "IHK Beispielstadt" in body
        assert "Mittelstand & KMU" in body.replace("&amp;", "&")  # the audience badge
        assert "Maschinen- & Anlagenbau" in body.replace("&amp;", "&")  # why it matches
        assert "/manage/" in body


def test_english_subscribers_get_english_mail() -> None:
    message = render(subscriber("en"), [item(1)])
    text, html = parts(message)
    assert message["Subject"] == "Kontext: 1 new event for your search"
    assert "Unsubscribe" in html and "Abmelden" not in html
    assert "Organiser: IHK Beispielstadt" in text
    assert "SMEs & Mittelstand" in text


def test_events_are_grouped_by_the_week_they_start_in() -> None:
    monday = NOW.replace(hour=9)
    items = [item(n, start=monday + timedelta(days=days)) for n, days in ((1, 1), (2, 3), (3, 8))]
    text, _ = parts(render(subscriber(), items))
    headings = re.findall(r"== Woche ab Montag, (.+) ==", text)
    assert headings == ["1.3.2027", "8.3.2027"]
    assert text.index("Werkstattforum Maschinenbau 2") < text.index("== Woche ab Montag, 8.3.2027 ==")


def test_crawled_text_cannot_inject_markup_or_links() -> None:
    hostile = item(
        1,
        title=f"Messe {XSS}",
        description=f"Beschreibung {XSS}",
        organizer=Organizer(name=f"Verband {XSS}"),
        url="javascript:alert(1)",
        sectors=[Tag(code="machinery", evidence=[XSS])],
        audience=Audience(label=AudienceLabel.SME, sme_score=0.8, evidence=[XSS]),
    )
    hostile = DigestItem(
        hostile.event,
        MatchReasons(sectors=[("machinery", [XSS])], terms=[XSS], audience="sme", audience_evidence=[XSS]),
    )
    _, html = parts(render(subscriber(), [hostile]))
    parser = Tags()
    parser.feed(html)
    assert "script" not in parser.tags and "img" not in parser.tags
    assert "onerror" not in parser.attributes
    assert not any(href.startswith("javascript:") for href in parser.hrefs)
    assert "&lt;script&gt;" in html


def test_a_full_digest_stays_under_100_kb() -> None:
    longest = "Überbetriebliche Fachtagung für Verpackungsmaschinen und Intralogistik " * 20
    items = [
        DigestItem(
            make_event(n, title=longest, description=longest, organizer=Organizer(name=longest)),
            MatchReasons(
                sectors=[("machinery", [longest] * 5), ("logistics", [longest] * 5)],
                topics=[("digitalization", [longest] * 5)],
                terms=[longest] * 10,
                audience="sme",
                audience_evidence=[longest] * 10,
                distance_km=12.3,
                near="30159 Hannover",
            ),
        )
        for n in range(MAX_EVENTS)
    ]
    message = render(subscriber(), items, total=400)
    _, html = parts(message)
    assert len(html.encode()) < 100_000
    assert "Alle 400 Treffer ansehen" in html
    assert len(message.as_bytes()) < 250_000


def test_later_digests_say_since_when() -> None:
    text, _ = parts(render(subscriber(), [item(1)], first=False))
    assert "1 neue Veranstaltung zu Ihrer Suche seit dem Mo, 22.2.2027." in text


@pytest.mark.parametrize("language", ["de", "en"])
def test_the_confirmation_mail_holds_one_confirm_link(language: str) -> None:
    person = subscriber(language)
    message = render_confirmation(
        person,
        context=CONTEXT,
        confirm="https://kontext.example/confirm/4.abc.def",
        now=NOW,
        message_id="<subscription.4.x@kontext.example>",
    )
    text, html = parts(email.message_from_bytes(message.as_bytes(), policy=email.policy.default))
    assert (
        "https://kontext.example/confirm/4.abc.def" in text
        and "https://kontext.example/confirm/4.abc.def" in html
    )
    assert "List-Unsubscribe" not in message
