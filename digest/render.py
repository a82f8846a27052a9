"""Pure rendering: a subscriber and their selection in, an `EmailMessage` out.

Nothing here reads the clock, the store or the network, so a digest can be tested, previewed in
the browser and written to a file exactly as it would be sent. HTML uses tables and inline styles
(mail clients drop <style> blocks and most layout CSS) and stays under the ~100 kB at which
Gmail clips a message; every crawled string is escaped by Jinja2's autoescape.
"""

from __future__ import annotations

import email.policy
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, getaddresses
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode, urlsplit
from zoneinfo import ZoneInfo

import jinja2
from markupsafe import Markup

from digest.searches import search_params, summary_parts
from digest.selection import DigestItem, Selection
from digest.subscribers import Subscriber
from digest.tokens import Purpose, make_token
from search.vocabulary import Vocabulary

TEMPLATES = Path(__file__).resolve().parent / "templates"
MAX_TITLE = 180
MAX_EXCERPT = 220
HTML_LIMIT = 100_000

WEEKDAYS = {
    "de": ("Mo", "Di", "Mi", "Do", "Fr", "Sa", "So"),
    "en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
}
MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
AUDIENCE_COLOURS = {
    "sme": ("#e3f4e8", "#17612f"),
    "mixed": ("#e2eefa", "#174a7c"),
    "startup": ("#fbeee0", "#8a4b0f"),
    "professional": ("#eeeeee", "#444444"),
    "public": ("#f4e6f4", "#6b2a6b"),
}

# The inline styles, in one place so the templates stay readable (Markup: constants, no escaping).
STYLE = {
    name: Markup(value)
    for name, value in {
        "body": "margin:0;padding:0;background:#f3f4f6;",
        "outer": "width:100%;background:#f3f4f6;",
        "inner": "width:600px;max-width:100%;background:#ffffff;border-collapse:collapse;",
        "header": (
            "padding:20px 24px;background:#0b4f6c;color:#ffffff;font-family:Arial,Helvetica,sans-serif;"
        ),
        "brand": "font-size:22px;font-weight:bold;color:#ffffff;text-decoration:none;",
        "intro": "padding:16px 24px 4px;font-family:Arial,Helvetica,sans-serif;font-size:15px;color:#1d1d1f;",
        "group": (
            "padding:18px 24px 6px;font-family:Arial,Helvetica,sans-serif;font-size:13px;font-weight:bold;"
            "color:#0b4f6c;text-transform:uppercase;letter-spacing:0.5px;border-bottom:1px solid #d9e3ea;"
        ),
        "event": "padding:14px 24px;font-family:Arial,Helvetica,sans-serif;border-bottom:1px solid #eeeeee;",
        "title": "font-size:17px;font-weight:bold;color:#0b4f6c;text-decoration:none;",
        "meta": "margin:4px 0 0;font-size:14px;color:#444444;",
        "badge": "display:inline-block;padding:2px 8px;border-radius:10px;font-size:12px;font-weight:bold;",
        "why": "margin:6px 0 0;font-size:13px;color:#555555;",
        "excerpt": "margin:6px 0 0;font-size:13px;color:#333333;",
        "links": "margin:8px 0 0;font-size:13px;",
        "link": "color:#0b4f6c;",
        "more": "padding:16px 24px;font-family:Arial,Helvetica,sans-serif;font-size:14px;",
        "button": (
            "display:inline-block;padding:10px 18px;background:#0b4f6c;color:#ffffff;text-decoration:none;"
            "border-radius:4px;font-weight:bold;font-family:Arial,Helvetica,sans-serif;font-size:15px;"
        ),
        "footer": (
            "padding:18px 24px;font-family:Arial,Helvetica,sans-serif;font-size:12px;color:#666666;"
            "background:#f9fafb;border-top:1px solid #eeeeee;"
        ),
    }.items()
}


@dataclass(frozen=True)
class MailContext:
    """What every mail needs from the settings: where links point, who sends, how to label."""

    base_url: str
    mail_from: str
    labels: Vocabulary
    timezone: str
    key: bytes

    @property
    def domain(self) -> str:
        addresses = getaddresses([self.mail_from])
        address = addresses[0][1] if addresses else ""
        return address.rpartition("@")[2] or (urlsplit(self.base_url).hostname or "localhost")


@dataclass(frozen=True)
class SubscriberLinks:
    manage: str
    unsubscribe: str
    search: str


_environment = jinja2.Environment(
    loader=jinja2.FileSystemLoader(TEMPLATES),
    autoescape=jinja2.select_autoescape(enabled_extensions=("html",), default_for_string=False),
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)


def links_for(subscriber: Subscriber, context: MailContext, issued: datetime) -> SubscriberLinks:
    """The manage, unsubscribe and saved-search links of one subscriber (absolute URLs)."""
    manage = make_token(context.key, Purpose.MANAGE, subscriber.id, subscriber.token_nonce, issued)
    leave = make_token(context.key, Purpose.UNSUBSCRIBE, subscriber.id, subscriber.token_nonce, issued)
    query = urlencode(search_params(subscriber.search), doseq=True)
    return SubscriberLinks(
        manage=f"{context.base_url}/manage/{manage}",
        unsubscribe=f"{context.base_url}/unsubscribe/{leave}",
        search=f"{context.base_url}/" + (f"?{query}" if query else ""),
    )


def confirm_url(subscriber: Subscriber, context: MailContext, issued: datetime) -> str:
    token = make_token(context.key, Purpose.CONFIRM, subscriber.id, subscriber.token_nonce, issued)
    return f"{context.base_url}/confirm/{token}"


# --- formatting -----------------------------------------------------------------------------


def _shorten(text: str | None, limit: int) -> str:
    text = " ".join((text or "").split())
    if len(text) <= limit:
        return text
    return text[: limit - 1].rsplit(" ", 1)[0].rstrip(",.;:–-") + "…"


def format_day(day: date, language: str, *, weekday: bool = True) -> str:
    """3.12.2026 style in German, 3 Dec 2026 in English, optionally with the weekday."""
    name = WEEKDAYS[language][day.weekday()] if weekday else ""
    if language == "de":
        text = f"{day.day}.{day.month}.{day.year}"
        return f"{name}, {text}" if name else text
    text = f"{day.day} {MONTHS_EN[day.month - 1]} {day.year}"
    return f"{name} {text}" if name else text


def format_when(
    start: datetime | None, end: datetime | None, all_day: bool, zone: ZoneInfo, language: str
) -> str:
    """The event's date and time in its own zone, as people write it."""
    if start is None:
        return "Termin folgt" if language == "de" else "Date to be announced"
    local_start = start.astimezone(zone)
    local_end = end.astimezone(zone) if end else None
    text = format_day(local_start.date(), language)
    if local_end and local_end.date() != local_start.date():
        text += " – " + format_day(local_end.date(), language)
    if all_day:
        return text
    clock = local_start.strftime("%H:%M")
    if local_end and local_end.date() == local_start.date() and local_end > local_start:
        clock += "–" + local_end.strftime("%H:%M")
    return f"{text}, {clock} Uhr" if language == "de" else f"{text}, {clock}"


def _safe_url(url: str | None) -> str | None:
    """Only http(s) links from crawled data reach a mail (no javascript:, data:, mailto: tricks)."""
    if not url:
        return None
    parts = urlsplit(url.strip())
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        return None
    return url.strip()


def _place(item: DigestItem, language: str) -> str:
    event = item.event
    venue = event.venue
    online = "online"
    pieces = []
    if venue:
        pieces = [part for part in (venue.name, venue.city) if part]
    if event.attendance and event.attendance.value == "online" and not pieces:
        return online
    text = ", ".join(dict.fromkeys(pieces))
    if event.attendance and event.attendance.value == "mixed":
        text += " + online" if text else online
    return text


def _event_view(item: DigestItem, context: MailContext, language: str) -> dict[str, Any]:
    event, reasons = item.event, item.reasons
    labels = context.labels
    zone = ZoneInfo(event.timezone or context.timezone)
    audience = reasons.audience
    background, colour = AUDIENCE_COLOURS.get(audience or "", ("#eeeeee", "#444444"))
    event_path = quote(event.id, safe="")
    return {
        "title": _shorten(event.title, MAX_TITLE),
        "when": format_when(event.start, event.end, event.all_day, zone, language),
        "place": _place(item, language),
        "organizer": _shorten(event.organizer.name, 120) if event.organizer else "",
        "format": labels.label("formats", event.format.value, language) if event.format else "",
        "audience": labels.label("audience", audience, language) if audience else "",
        "badge_style": Markup(f"{STYLE['badge']}background:{background};color:{colour};"),
        "audience_evidence": [_shorten(text, 80) for text in reasons.audience_evidence],
        "sectors": [
            (labels.label("sectors", code, language), [_shorten(e, 60) for e in ev])
            for code, ev in reasons.sectors
        ],
        "topics": [
            (labels.label("topics", code, language), [_shorten(e, 60) for e in ev])
            for code, ev in reasons.topics
        ],
        "terms": [_shorten(term, 40) for term in reasons.terms],
        "distance_km": reasons.distance_km,
        "near": reasons.near,
        "excerpt": _shorten(event.description, MAX_EXCERPT),
        "event_url": f"{context.base_url}/events/{event_path}",
        "ics_url": f"{context.base_url}/events/{event_path}.ics",
        "source_url": _safe_url(event.url),
        "cancelled": event.status.value != "scheduled",
        "status": event.status.value,
    }


def _groups(items: Sequence[DigestItem], context: MailContext, language: str) -> list[dict[str, Any]]:
    """Events grouped by the week they start in (Monday first)."""
    zone = ZoneInfo(context.timezone)
    groups: dict[date | None, list[dict[str, Any]]] = {}
    for item in items:
        start = item.event.start
        monday = None
        if start is not None:
            local = start.astimezone(zone).date()
            monday = local - timedelta(days=local.weekday())
        groups.setdefault(monday, []).append(_event_view(item, context, language))
    return [
        {"monday": format_day(monday, language, weekday=False) if monday else None, "events": events}
        for monday, events in groups.items()
    ]


# --- messages -------------------------------------------------------------------------------


def _message(
    *,
    subject: str,
    sender: str,
    recipient: str,
    now: datetime,
    message_id: str,
    text: str,
    html: str,
) -> EmailMessage:
    message = EmailMessage(policy=email.policy.SMTP)
    message["Subject"] = subject
    message["From"] = sender
    message["To"] = Address(addr_spec=recipient)
    message["Date"] = format_datetime(now)
    message["Message-ID"] = message_id
    message["Auto-Submitted"] = "auto-generated"
    # Text stays readable on the wire (and in dry-run files); HTML goes as base64, which the
    # standard library encodes in C — quoted-printable is pure Python and the costliest step here.
    message.set_content(text, cte="quoted-printable")
    message.add_alternative(html, subtype="html", cte="base64")
    return message


def digest_subject(selection: Selection, language: str) -> str:
    count = selection.total
    if language == "de":
        noun = "neue Veranstaltung" if count == 1 else "neue Veranstaltungen"
        return f"Kontext: {count} {noun} für Ihre Suche"
    noun = "new event" if count == 1 else "new events"
    return f"Kontext: {count} {noun} for your search"


def render_digest(
    subscriber: Subscriber,
    selection: Selection,
    *,
    context: MailContext,
    links: SubscriberLinks,
    now: datetime,
    message_id: str,
) -> EmailMessage:
    """The weekly digest of one subscriber as a multipart/alternative message (text + HTML)."""
    language = subscriber.language
    data = {
        "s": STYLE,
        "subscriber_email": subscriber.email,
        "first": selection.since is None,
        "since": format_day(selection.since.astimezone(ZoneInfo(context.timezone)).date(), language)
        if selection.since
        else None,
        "count": selection.total,
        "shown": len(selection.items),
        "groups": _groups(selection.items, context, language),
        "search": summary_parts(subscriber.search, context.labels, language),
        "links": links,
        "base_url": context.base_url,
    }
    html = _environment.get_template(f"digest.{language}.html").render(data)
    text = _environment.get_template(f"digest.{language}.txt").render(data)
    message = _message(
        subject=digest_subject(selection, language),
        sender=context.mail_from,
        recipient=subscriber.email,
        now=now,
        message_id=message_id,
        text=text,
        html=html,
    )
    message["List-Id"] = f"Kontext digest <digest.{context.domain}>"
    message["List-Unsubscribe"] = f"<{links.unsubscribe}>"
    message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message["Precedence"] = "bulk"
    return message


def render_confirmation(
    subscriber: Subscriber,
    *,
    context: MailContext,
    confirm: str,
    now: datetime,
    message_id: str,
) -> EmailMessage:
    """The double opt-in mail: one link that confirms the subscription."""
    language = subscriber.language
    data = {
        "s": STYLE,
        "confirm_url": confirm,
        "search": summary_parts(subscriber.search, context.labels, language),
        "base_url": context.base_url,
        "subscriber_email": subscriber.email,
    }
    subject = (
        "Kontext: Bitte bestätigen Sie Ihr Abonnement"
        if language == "de"
        else "Kontext: please confirm your subscription"
    )
    return _message(
        subject=subject,
        sender=context.mail_from,
        recipient=subscriber.email,
        now=now,
        message_id=message_id,
        text=_environment.get_template(f"confirm.{language}.txt").render(data),
        html=_environment.get_template(f"confirm.{language}.html").render(data),
    )


def render_already_subscribed(
    subscriber: Subscriber,
    *,
    context: MailContext,
    links: SubscriberLinks,
    now: datetime,
    message_id: str,
) -> EmailMessage:
    """Sent when someone subscribes an address that is already confirmed: nothing changes, the
    owner learns where to manage the subscription."""
    language = subscriber.language
    data = {"s": STYLE, "links": links, "base_url": context.base_url, "subscriber_email": subscriber.email}
    subject = (
        "Kontext: Sie sind bereits angemeldet" if language == "de" else "Kontext: you are already subscribed"
    )
    return _message(
        subject=subject,
        sender=context.mail_from,
        recipient=subscriber.email,
        now=now,
        message_id=message_id,
        text=_environment.get_template(f"already.{language}.txt").render(data),
        html=_environment.get_template(f"already.{language}.html").render(data),
    )


def html_part(message: EmailMessage) -> str:
    """The HTML alternative of a rendered message (for the browser preview)."""
    part = message.get_body(preferencelist=("html",))
    return part.get_content() if part is not None else ""


def text_part(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    return part.get_content() if part is not None else ""
