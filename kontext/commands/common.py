"""Small things every command needs: settings, JSON output, parsing of --now."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import click

from kontext.errors import UserError
from kontext.settings import Settings, load_settings


def settings() -> Settings:
    return load_settings()


def print_json(value: Any) -> None:
    json.dump(value, sys.stdout, ensure_ascii=False, indent=2, default=str)
    sys.stdout.write("\n")


def parse_now(value: str | None, tz: str = "Europe/Berlin") -> datetime:
    """--now as an ISO date or datetime (naive values in `tz`); the current time when absent."""
    if not value:
        return datetime.now(UTC)
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise UserError(
            f"--now {value!r} is not an ISO date or datetime (e.g. 2026-11-26 or 2026-11-26T10:00)"
        ) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=ZoneInfo(tz))


now_option = click.option("--now", "now_text", help="Reference time (ISO date/datetime); default: now.")
json_option = click.option("--json", "as_json", is_flag=True, help="Machine-readable JSON output.")
