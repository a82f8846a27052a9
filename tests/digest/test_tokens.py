"""Link tokens: unforgeable, bound to one purpose and subscriber, revocable, confirm links expire."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from digest.tokens import Purpose, make_token, new_nonce, parse_token, secret_key, verify
from kontext.settings import load_settings
from tests.conftest import clean_environment

KEY = b"k" * 48
NOW = datetime(2027, 3, 1, 8, 0, tzinfo=UTC)


def check(token: str, purpose: Purpose, nonce: str, now: datetime = NOW, key: bytes = KEY) -> bool:
    claim = parse_token(token)
    return claim is not None and verify(key, purpose, claim, nonce, now)


def test_a_token_verifies_for_its_purpose_and_subscriber_only() -> None:
    nonce = new_nonce()
    token = make_token(KEY, Purpose.UNSUBSCRIBE, 7, nonce, NOW)
    assert check(token, Purpose.UNSUBSCRIBE, nonce)
    assert not check(token, Purpose.MANAGE, nonce)
    assert not check(token, Purpose.CONFIRM, nonce)
    assert not check(token, Purpose.UNSUBSCRIBE, nonce, key=b"another key")


def test_altering_any_part_of_a_token_fails() -> None:
    nonce = new_nonce()
    token = make_token(KEY, Purpose.MANAGE, 7, nonce, NOW)
    subscriber, issued, mac = token.split(".")
    for forged in (
        f"8.{issued}.{mac}",  # another subscriber's id under this MAC
        f"{subscriber}.{issued}1.{mac}",
        f"{subscriber}.{issued}.{mac[:-1]}{'A' if mac[-1] != 'A' else 'B'}",
        f"{subscriber}.{issued}.",
        f"{subscriber}.{issued}.{mac}.x",
    ):
        assert not check(forged, Purpose.MANAGE, nonce), forged


@pytest.mark.parametrize(
    "garbage",
    ["", "x", "1.2", "a.b.c", "-1.0.abc", "1.zz!.abc", "1." + "a" * 200 + ".b", "١.0.abc", "1 .0.abc"],
)
def test_malformed_tokens_are_not_claims(garbage: str) -> None:
    claim = parse_token(garbage)
    assert claim is None or not verify(KEY, Purpose.MANAGE, claim, new_nonce(), NOW)


def test_rotating_the_nonce_revokes_every_earlier_token() -> None:
    old, new = new_nonce(), new_nonce()
    token = make_token(KEY, Purpose.UNSUBSCRIBE, 3, old, NOW)
    assert check(token, Purpose.UNSUBSCRIBE, old)
    assert not check(token, Purpose.UNSUBSCRIBE, new)


def test_confirmation_links_expire_after_a_week_digest_links_do_not() -> None:
    nonce = new_nonce()
    confirm = make_token(KEY, Purpose.CONFIRM, 1, nonce, NOW)
    leave = make_token(KEY, Purpose.UNSUBSCRIBE, 1, nonce, NOW)
    assert check(confirm, Purpose.CONFIRM, nonce, now=NOW + timedelta(days=6))
    assert not check(confirm, Purpose.CONFIRM, nonce, now=NOW + timedelta(days=8))
    assert check(leave, Purpose.UNSUBSCRIBE, nonce, now=NOW + timedelta(days=800))


def test_without_a_configured_key_one_is_generated_once_and_kept_private(tmp_path: Path) -> None:
    env = {key: value for key, value in clean_environment().items() if key != "KONTEXT_SECRET_KEY"}
    settings = load_settings({**env, "KONTEXT_HOME": str(tmp_path)})
    first = secret_key(settings)
    assert first == secret_key(settings)
    assert len(first) >= 32
    assert (tmp_path / "secret.key").stat().st_mode & 0o077 == 0
    configured = load_settings({**env, "KONTEXT_HOME": str(tmp_path), "KONTEXT_SECRET_KEY": "s3cr3t-k"})
    assert secret_key(configured) == b"s3cr3t-k"
