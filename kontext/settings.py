"""All settings in one place. Secrets come only from the environment.

`load_settings()` reads the environment once and fails with one clear line when something is
missing or still a placeholder, so a misconfigured deployment stops at start-up, not mid-crawl.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from kontext.errors import UserError

PROJECT_ROOT = Path(__file__).resolve().parent.parent
PLACEHOLDERS = {"changeme", "change-me", "xxx", "todo", "secret", "password", "<key>"}


class SettingsError(UserError):
    """A setting is missing or wrong; the message says which and what to do."""


@dataclass(frozen=True)
class Settings:
    home: Path
    config_dir: Path
    database_url: str
    meili_url: str | None = None
    meili_master_key: str | None = field(default=None, repr=False)
    meili_bin: str | None = None
    index_prefix: str = "kontext"
    timezone: str = "Europe/Berlin"
    base_url: str = "http://127.0.0.1:8000"
    smtp_url: str | None = field(default=None, repr=False)
    mail_from: str = "Kontext <digest@kontext.localhost>"
    staff_user: str | None = None
    staff_password: str | None = field(default=None, repr=False)
    secret_key: str | None = field(default=None, repr=False)
    redis_url: str | None = None
    user_agent: str = "KontextBot/0.1 (+https://kontext.example/bot; events for SMEs and startups)"
    store_busy_seconds: float | None = None  # how long a write waits for another writer's lock (store default)

    @property
    def managed_meili(self) -> bool:
        """True when Kontext starts its own Meilisearch instead of using MEILI_URL."""
        return self.meili_url is None

    @property
    def events_index(self) -> str:
        return f"{self.index_prefix}_events"

    @property
    def organisations_index(self) -> str:
        return f"{self.index_prefix}_organisations"


def _clean(env: Mapping[str, str], name: str) -> str | None:
    value = env.get(name, "").strip()
    if not value:
        return None
    if value.lower() in PLACEHOLDERS:
        raise SettingsError(f"{name} is set to the placeholder {value!r}; set a real value or unset it")
    return value


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """Build the settings from the environment (default: os.environ)."""
    env = os.environ if env is None else env
    home = Path(env.get("KONTEXT_HOME") or Path.cwd() / ".kontext").resolve()
    config_dir = Path(env.get("KONTEXT_CONFIG") or PROJECT_ROOT / "config").resolve()
    if not config_dir.is_dir():
        raise SettingsError(f"config directory {config_dir} does not exist; set KONTEXT_CONFIG")

    meili_url = _clean(env, "MEILI_URL")
    meili_key = _clean(env, "MEILI_MASTER_KEY")
    if meili_url and not meili_url.startswith(("http://", "https://")):
        raise SettingsError(f"MEILI_URL must start with http:// or https:// (got {meili_url!r})")

    staff_user = _clean(env, "KONTEXT_STAFF_USER")
    staff_password = _clean(env, "KONTEXT_STAFF_PASSWORD")
    if bool(staff_user) != bool(staff_password):
        raise SettingsError("set both KONTEXT_STAFF_USER and KONTEXT_STAFF_PASSWORD, or neither")

    base_url = (env.get("KONTEXT_BASE_URL") or "http://127.0.0.1:8000").rstrip("/")
    busy = _clean(env, "KONTEXT_STORE_BUSY_SECONDS")
    try:
        store_busy_seconds = float(busy) if busy else None
    except ValueError:
        store_busy_seconds = -1.0
    if store_busy_seconds is not None and not 0 < store_busy_seconds <= 3600:
        raise SettingsError(f"KONTEXT_STORE_BUSY_SECONDS must be a number of seconds from 0 to 3600 (got {busy!r})")
    return Settings(
        home=home,
        config_dir=config_dir,
        database_url=_clean(env, "DATABASE_URL") or f"sqlite:///{home / 'kontext.db'}",
        meili_url=meili_url.rstrip("/") if meili_url else None,
        meili_master_key=meili_key,
        meili_bin=_clean(env, "MEILI_BIN"),
        index_prefix=_clean(env, "KONTEXT_INDEX_PREFIX") or "kontext",
        timezone=_clean(env, "KONTEXT_TIMEZONE") or "Europe/Berlin",
        base_url=base_url,
        smtp_url=_clean(env, "SMTP_URL"),
        mail_from=_clean(env, "KONTEXT_MAIL_FROM") or "Kontext <digest@kontext.localhost>",
        staff_user=staff_user,
        staff_password=staff_password,
        secret_key=_clean(env, "KONTEXT_SECRET_KEY"),
        redis_url=_clean(env, "REDIS_URL"),
        user_agent=_clean(env, "KONTEXT_USER_AGENT")
        or "KontextBot/0.1 (+https://kontext.example/bot; events for SMEs and startups)",
        store_busy_seconds=store_busy_seconds,
    )
