"""Shared by the digest tests: a real local SMTP server (aiosmtpd) and invented events."""

from __future__ import annotations

import asyncio
import email
import email.policy
import ipaddress
import re
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import uvicorn
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from kontext.records import Audience, Event, Geo, Organizer, Tag, Venue
from kontext.services import Meili
from kontext.settings import Settings
from kontext.store import Store
from kontext.vocabulary import AudienceLabel, EventFormat, OrganizerKind
from search.index import SearchIndex
from search.sync import sync_index

NOW = datetime(2027, 3, 1, 8, 0, tzinfo=UTC)  # a Monday


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Inbox:
    """The SMTP handler: keeps what it accepts; can be told to refuse or stall after N messages."""

    messages: list[EmailMessage] = field(default_factory=list)
    envelopes: list[tuple[str, list[str]]] = field(default_factory=list)
    accept: int | None = None  # accept this many, then answer `reply`
    reply: str = "451 4.3.0 Temporary failure, try again later"
    failures_before_accepting: int = 0  # refuse the next N attempts, then accept
    stall: threading.Event | None = None  # when set up: block before answering the message after `accept`
    attempts: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.lock:
            self.attempts += 1
            if self.failures_before_accepting > 0:
                self.failures_before_accepting -= 1
                return self.reply
            full = self.accept is not None and len(self.messages) >= self.accept
        if full and self.stall is not None:
            while not self.stall.is_set():  # hold the client waiting for our answer
                await asyncio.sleep(0.05)
            return self.reply
        if full:
            return self.reply
        message = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        with self.lock:
            self.messages.append(message)
            self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 2.0.0 OK"

    def to(self) -> list[str]:
        return [str(message["To"]) for message in self.messages]


class Credentials:
    def __init__(self, user: str, password: str) -> None:
        self.user, self.password = user.encode(), password.encode()

    def __call__(self, server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
        ok = isinstance(data, LoginPassword) and (data.login, data.password) == (self.user, self.password)
        return AuthResult(success=ok, handled=False)


@contextmanager
def smtp_server(inbox: Inbox | None = None, **options: Any) -> Iterator[tuple[Controller, Inbox]]:
    """A real SMTP server on a free local port for the length of the block."""
    inbox = inbox or Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port(), **options)
    controller.start()
    try:
        yield controller, inbox
    finally:
        if inbox.stall is not None:
            inbox.stall.set()
        controller.stop()


def wait_for(condition, timeout: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return condition()


def make_event(number: int, *, start: datetime | None = None, **fields: Any) -> Event:
    """An invented SME event with sector and audience evidence."""
    values: dict[str, Any] = {
        "id": f"ev{number:05d}",
        "title": f"Werkstattforum Maschinenbau {number}",
        "description": "Unternehmer aus dem Maschinenbau sprechen über Fertigung und Automatisierung.",
        "start": start or NOW + timedelta(days=3 + number % 20, hours=2),
        "venue": Venue(
            name="Haus der Wirtschaft",
            city="Hannover",
            region="Niedersachsen",
            country="DE",
            geo=Geo(lat=52.3759, lng=9.7320),
        ),
        "organizer": Organizer(name="IHK Beispielstadt", kind=OrganizerKind.CHAMBER),
        "format": EventFormat.NETWORKING,
        "sectors": [Tag(code="machinery", label="Maschinenbau", evidence=["Maschinenbau", "Fertigung"])],
        "audience": Audience(
            label=AudienceLabel.SME, sme_score=0.9, evidence=["organiser: chamber", "Unternehmer"]
        ),
        "url": f"https://kammer.example/termine/{number}",
        "source": "test",
    }
    values.update(fields)
    return Event(**values)


def store_events(settings: Settings, meili: Meili, events: list[Event], first_seen: datetime) -> None:
    """Put events in the settings' store as first seen at `first_seen`, and bring the index in line."""
    store = Store.from_settings(settings)
    index = SearchIndex(meili, settings.events_index)
    try:
        store.upsert_events(events, now=first_seen)
        sync_index(store, index)
    finally:
        index.close()
        store.close()


def message_links(message: EmailMessage) -> list[str]:
    """Every http(s) link in the plain-text part."""
    body = message.get_body(preferencelist=("plain",)).get_content()
    return re.findall(r"https?://\S+", body)


def write_certificate(directory: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 (cert, key), for the TLS tests."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=2))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return cert_path, key_path


class LiveApp:
    """An ASGI app served by uvicorn on `port` in a thread: real HTTP, as a mail reader's browser sees it."""

    def __init__(self, app: Any, port: int) -> None:
        self.url = f"http://127.0.0.1:{port}"
        config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", ws="none", http="h11")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> LiveApp:
        self.thread.start()
        if not wait_for(lambda: self.server.started or not self.thread.is_alive()) or not self.server.started:
            raise RuntimeError("the web app did not start")
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=30)
