"""Signed tokens for the confirm, manage and unsubscribe links.

A token is ``<subscriber id>.<issued, base 36>.<HMAC-SHA256>``; the MAC covers the purpose, the
subscriber id, the issue time and the subscriber's ``token_nonce``. Nothing secret is stored: the
key comes from KONTEXT_SECRET_KEY (or a generated owner-only file under the state directory), and
rotating a subscriber's nonce revokes every link issued before. A token for one purpose is useless
for another, and an altered token never names another subscriber: the id is under the MAC.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from kontext.settings import Settings


class Purpose(StrEnum):
    CONFIRM = "confirm"
    MANAGE = "manage"
    UNSUBSCRIBE = "unsubscribe"


# Confirmation links expire; the links in digests must keep working in old mails.
MAX_AGE: dict[Purpose, timedelta | None] = {
    Purpose.CONFIRM: timedelta(days=7),
    Purpose.MANAGE: None,
    Purpose.UNSUBSCRIBE: None,
}
MAC_BYTES = 20
MAX_TOKEN_LENGTH = 120


@dataclass(frozen=True)
class TokenClaim:
    """What a well-formed token says; only `verify` decides whether to believe it."""

    subscriber_id: int
    issued: int
    mac: str


def new_nonce() -> str:
    """A fresh per-subscriber nonce; replacing it revokes all of that subscriber's tokens."""
    return secrets.token_hex(16)


def secret_key(settings: Settings) -> bytes:
    """KONTEXT_SECRET_KEY, else a key generated once under the state directory (owner-only)."""
    if settings.secret_key:
        return settings.secret_key.encode()
    settings.home.mkdir(parents=True, exist_ok=True)
    path = settings.home / "secret.key"
    if not path.exists():
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass  # another process created it first; read theirs
        else:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(secrets.token_urlsafe(48))
    return path.read_text(encoding="utf-8").strip().encode()


def _mac(key: bytes, purpose: Purpose, subscriber_id: int, issued: int, nonce: str) -> str:
    message = f"kontext-digest|{purpose.value}|{subscriber_id}|{issued}|{nonce}".encode()
    digest = hmac.new(key, message, hashlib.sha256).digest()[:MAC_BYTES]
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def make_token(key: bytes, purpose: Purpose, subscriber_id: int, nonce: str, issued: datetime) -> str:
    """A link token for one subscriber and purpose."""
    stamp = int(issued.timestamp())
    return f"{subscriber_id}.{_base36(stamp)}.{_mac(key, purpose, subscriber_id, stamp, nonce)}"


def parse_token(token: str) -> TokenClaim | None:
    """Split a token into its claim without trusting it; None when it is not even well-formed."""
    if not token or len(token) > MAX_TOKEN_LENGTH or not token.isascii():
        return None
    parts = token.split(".")
    if len(parts) != 3 or not parts[0].isdigit() or len(parts[0]) > 12:
        return None
    try:
        issued = int(parts[1], 36)
    except ValueError:
        return None
    return TokenClaim(subscriber_id=int(parts[0]), issued=issued, mac=parts[2])


def verify(key: bytes, purpose: Purpose, claim: TokenClaim, nonce: str, now: datetime) -> bool:
    """True when the claim was signed by us for this purpose, subscriber and nonce, and is not too old."""
    expected = _mac(key, purpose, claim.subscriber_id, claim.issued, nonce)
    if not hmac.compare_digest(expected.encode(), claim.mac.encode()):
        return False
    max_age = MAX_AGE[purpose]
    return not (max_age is not None and now.timestamp() - claim.issued > max_age.total_seconds())


def _base36(value: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    if value <= 0:
        return "0"
    out = []
    while value:
        value, remainder = divmod(value, 36)
        out.append(digits[remainder])
    return "".join(reversed(out))
