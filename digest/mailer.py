"""The one place mail leaves Kontext: SMTP configured by SMTP_URL, or .eml files for a dry run.

``SMTP_URL`` forms: ``smtp://host:25`` (plain), ``smtps://user:pass@host:465`` (TLS from the start),
``smtp+starttls://user:pass@host:587`` (STARTTLS, required). User and password are percent-decoded;
``?timeout=SECONDS`` sets the socket timeout.

Failures are sorted once, here: a temporary one (4xx reply, dropped or refused connection) is
retried a bounded number of times with exponential backoff on a fresh connection, then reported as
`MailUnavailable`; a permanent refusal of one message (5xx) is `MessageRefused` and not retried;
a wrong login or missing TLS support is `MailConfigError` (no point retrying either).
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import smtplib
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from types import TracebackType
from typing import Protocol
from urllib.parse import parse_qs, unquote, urlsplit

from kontext.errors import UserError

log = logging.getLogger(__name__)

DEFAULT_PORTS = {"smtp": 25, "smtps": 465, "smtp+starttls": 587}
DEFAULT_TIMEOUT = 30.0


class MailConfigError(UserError):
    """SMTP_URL is malformed, or the server refuses our login or TLS: fix the configuration."""


class MailUnavailable(UserError):
    """The mail server could not take a message after all retries (temporary failure)."""


class MessageRefused(Exception):
    """The server permanently refused one message (a 5xx reply to the address or the content)."""

    def __init__(self, reply: str) -> None:
        super().__init__(reply)
        self.reply = reply


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int
    security: str  # plain | ssl | starttls
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    timeout: float = DEFAULT_TIMEOUT

    def describe(self) -> str:
        """Where mail goes, without the password (for logs and messages)."""
        who = f"{self.username}@" if self.username else ""
        return f"{self.security} {who}{self.host}:{self.port}"


def parse_smtp_url(url: str) -> SmtpConfig:
    """Read SMTP_URL; a MailConfigError names what is wrong (never echoing the password)."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        raise MailConfigError("SMTP_URL is not a valid URL (expected smtp://user:pass@host:port)") from None
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS:
        raise MailConfigError(
            f"SMTP_URL scheme {scheme or '(none)'!r} is not supported; use smtp://, smtps:// or smtp+starttls://"
        )
    if not parts.hostname:
        raise MailConfigError("SMTP_URL has no host (expected smtp://user:pass@host:port)")
    timeout = DEFAULT_TIMEOUT
    query = parse_qs(parts.query)
    if "timeout" in query:
        try:
            timeout = float(query["timeout"][-1])
        except ValueError:
            raise MailConfigError("SMTP_URL: timeout must be a number of seconds") from None
        if not 0 < timeout <= 600:
            raise MailConfigError("SMTP_URL: timeout must be between 0 and 600 seconds")
    username = unquote(parts.username) if parts.username else None
    password = unquote(parts.password) if parts.password is not None else None
    if username and password is None:
        raise MailConfigError("SMTP_URL names a user but no password (smtp://user:pass@host)")
    return SmtpConfig(
        host=parts.hostname,
        port=port or DEFAULT_PORTS[scheme],
        security={"smtp": "plain", "smtps": "ssl", "smtp+starttls": "starttls"}[scheme],
        username=username,
        password=password,
        timeout=timeout,
    )


class Mailer(Protocol):
    """Something that delivers a rendered message (SMTP) or keeps it (a directory)."""

    def send(self, message: EmailMessage) -> int:
        """Deliver one message; returns the number of attempts it took."""
        ...

    def close(self) -> None: ...


def _reply(code: int, text: bytes | str) -> str:
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return f"{code} {' '.join(text.split())}"


def _close_quietly(connection: smtplib.SMTP | None) -> None:
    if connection is not None:
        with contextlib.suppress(OSError):
            connection.close()


class SmtpMailer:
    """Delivers over one reused SMTP connection, reconnecting when it drops."""

    def __init__(
        self,
        config: SmtpConfig,
        *,
        attempts: int = 4,
        backoff: float = 1.0,
        max_backoff: float = 30.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.config = config
        self.attempts = max(1, attempts)
        self.backoff = backoff
        self.max_backoff = max_backoff
        self._sleep = sleep
        self._connection: smtplib.SMTP | None = None

    def __enter__(self) -> SmtpMailer:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()

    def _connect(self) -> smtplib.SMTP:
        config = self.config
        context = ssl.create_default_context()
        connection: smtplib.SMTP | None = None
        try:
            if config.security == "ssl":
                connection = smtplib.SMTP_SSL(
                    config.host, config.port, timeout=config.timeout, context=context
                )
            else:
                connection = smtplib.SMTP(config.host, config.port, timeout=config.timeout)
            connection.ehlo()
            if config.security == "starttls":
                if not connection.has_extn("starttls"):
                    raise MailConfigError(f"the SMTP server {config.host} does not offer STARTTLS")
                connection.starttls(context=context)
                connection.ehlo()
            if config.username:
                connection.login(config.username, config.password or "")
        except smtplib.SMTPAuthenticationError as error:
            _close_quietly(connection)
            raise MailConfigError(
                f"the SMTP server {config.host} refused the login of {config.username!r}: "
                f"{_reply(error.smtp_code, error.smtp_error)}"
            ) from None
        except smtplib.SMTPNotSupportedError as error:
            _close_quietly(connection)
            raise MailConfigError(f"the SMTP server {config.host} does not support {error}") from None
        except ssl.SSLCertVerificationError as error:
            _close_quietly(connection)
            raise MailConfigError(
                f"the SMTP server {config.host} has an untrusted certificate: {error}"
            ) from None
        except BaseException:
            _close_quietly(connection)
            raise
        return connection

    def _drop(self) -> None:
        _close_quietly(self._connection)
        self._connection = None

    def send(self, message: EmailMessage) -> int:
        """Deliver one message; retries temporary failures with backoff, raises on the rest."""
        last = ""
        for attempt in range(1, self.attempts + 1):
            try:
                if self._connection is None:
                    self._connection = self._connect()
                refused = self._connection.send_message(message)
            except smtplib.SMTPRecipientsRefused as error:
                code, text = next(iter(error.recipients.values()))
                last = _reply(code, text)
                if code >= 500:
                    raise MessageRefused(last) from None
            except smtplib.SMTPConnectError as error:
                last = f"connection refused: {_reply(error.smtp_code, error.smtp_error)}"
                self._drop()
            except smtplib.SMTPResponseException as error:
                # Sender or data refused, or an unexpected reply; smtplib has reset the transaction.
                last = _reply(error.smtp_code, error.smtp_error)
                if error.smtp_code >= 500:
                    raise MessageRefused(last) from None
                self._drop()  # a 421 closes the connection; start clean either way
            except OSError as error:
                # Dropped connections, refused connections and timeouts; a fresh connection may work.
                last = f"connection failed: {error}"
                self._drop()
            else:
                if refused:
                    code, text = next(iter(refused.values()))
                    raise MessageRefused(_reply(code, text))
                return attempt
            if attempt < self.attempts:
                delay = min(self.max_backoff, self.backoff * 2 ** (attempt - 1))
                log.warning("SMTP attempt %d failed (%s); retrying in %.1fs", attempt, last, delay)
                self._sleep(delay)
        raise MailUnavailable(
            f"the SMTP server {self.config.describe()} did not take the message "
            f"after {self.attempts} attempts: {last}"
        )

    def close(self) -> None:
        if self._connection is not None:
            with contextlib.suppress(smtplib.SMTPException, OSError):
                self._connection.quit()
            self._connection = None


_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


class DirectoryMailer:
    """Writes each message to DIR/<name>.eml instead of sending (dry runs, and the default when no
    SMTP server is configured)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        try:
            directory.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise MailConfigError(f"cannot write mail files to {directory}: {error.strerror}") from None
        self.written: list[Path] = []

    def send(self, message: EmailMessage) -> int:
        name = _UNSAFE.sub("_", str(message["Message-ID"] or "message").strip("<>"))[:150]
        path = self.directory / f"{name}.eml"
        partial = path.with_suffix(".eml.part")
        try:
            partial.write_bytes(message.as_bytes())
            os.replace(partial, path)
        except OSError as error:
            raise MailConfigError(f"cannot write {path}: {error.strerror}") from None
        self.written.append(path)
        return 1

    def close(self) -> None:
        return None


def mailer_for(smtp_url: str | None, outbox: Path, **options: float) -> SmtpMailer | DirectoryMailer:
    """SMTP when SMTP_URL is set, else a directory of .eml files (the one-machine default)."""
    if smtp_url:
        return SmtpMailer(parse_smtp_url(smtp_url), **options)
    return DirectoryMailer(outbox)
