"""Fixtures shared by the whole suite: shared data, a real Meilisearch, isolated Kontext homes."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from kontext.services import Meili, start_meili, stop_meili
from kontext.settings import Settings, load_settings

REPO = Path(__file__).resolve().parent.parent
SHARED_DATA = REPO.parent / "shared" / "data"
KONTEXT = REPO / ".venv" / "bin" / "kontext"
# Variables of the developer's own set-up that must not leak into tests.
PRIVATE_VARIABLES = {"MEILI_URL", "MEILI_MASTER_KEY", "DATABASE_URL", "KONTEXT_HOME", "SMTP_URL", "REDIS_URL"}


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The third-party pages, feeds and labels in ../shared/data (read, never copied)."""
    if not SHARED_DATA.is_dir():
        pytest.fail(f"{SHARED_DATA} is missing: the suite expects ../shared beside the clone")
    return SHARED_DATA


def clean_environment() -> dict[str, str]:
    return {key: value for key, value in os.environ.items() if key not in PRIVATE_VARIABLES}


@pytest.fixture(scope="session")
def meili(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Meili]:
    """A real Meilisearch server on a free port with a temporary data dir, for the whole session."""
    home = tmp_path_factory.mktemp("meili-home")
    settings = load_settings({**clean_environment(), "KONTEXT_HOME": str(home)})
    server = start_meili(settings)
    yield server
    stop_meili(settings)


@pytest.fixture
def kontext_env(tmp_path: Path, meili: Meili) -> dict[str, str]:
    """Environment for one isolated Kontext instance: own state dir and store, own index names."""
    return {
        **clean_environment(),
        "KONTEXT_HOME": str(tmp_path / "home"),
        "MEILI_URL": meili.url,
        "MEILI_MASTER_KEY": meili.key or "",
        "KONTEXT_INDEX_PREFIX": f"t{uuid.uuid4().hex[:10]}",
    }


@pytest.fixture
def kontext_settings(kontext_env: dict[str, str]) -> Settings:
    return load_settings(kontext_env)


def run_kontext(env: dict[str, str], *args: str, input_text: str | None = None, timeout: float = 300):
    """Run the real CLI in a subprocess (as staff would), returning the CompletedProcess."""
    command = [str(KONTEXT)] if KONTEXT.exists() else [sys.executable, "-m", "kontext.cli"]
    return subprocess.run(
        [*command, *args], env=env, input=input_text, capture_output=True, text=True, timeout=timeout, cwd=REPO
    )
