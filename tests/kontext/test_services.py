import os
import stat
from pathlib import Path

import httpx
import pytest

from kontext.services import ServiceError, find_meili_binary, meili_session, running_meili, start_meili, stop_meili
from kontext.settings import load_settings
from tests.conftest import clean_environment

pytestmark = pytest.mark.meili


@pytest.fixture
def settings(tmp_path: Path):
    return load_settings({**clean_environment(), "KONTEXT_HOME": str(tmp_path / "home")})


def test_the_pinned_binary_is_found_and_executable(settings) -> None:
    binary = find_meili_binary(settings)
    assert os.access(binary, os.X_OK)


def test_managed_server_starts_with_a_private_key_is_reused_and_stops(settings) -> None:
    meili = start_meili(settings)
    try:
        key_file = settings.home / "meili.key"
        assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
        assert meili.url.startswith("http://127.0.0.1:")
        assert (settings.home / "meili" / "data.ms").is_dir()
        assert httpx.get(f"{meili.url}/indexes").status_code == 401  # the key is required
        headers = {"Authorization": f"Bearer {meili.key}"}
        assert httpx.get(f"{meili.url}/indexes", headers=headers).status_code == 200
        again = start_meili(settings)
        assert (again.pid, again.url) == (meili.pid, meili.url)
    finally:
        assert stop_meili(settings)
    assert running_meili(settings) is None
    assert not stop_meili(settings)


def test_a_session_stops_only_the_server_it_started(settings) -> None:
    with meili_session(settings) as meili:
        assert running_meili(settings).pid == meili.pid
    assert running_meili(settings) is None
    started = start_meili(settings)
    try:
        with meili_session(settings) as meili:
            assert meili.pid == started.pid
        assert running_meili(settings) is not None
    finally:
        stop_meili(settings)


def test_a_missing_meili_bin_is_a_clear_error(tmp_path: Path) -> None:
    settings = load_settings(
        {**clean_environment(), "KONTEXT_HOME": str(tmp_path), "MEILI_BIN": str(tmp_path / "nope")}
    )
    with pytest.raises(ServiceError, match=r"MEILI_BIN=.* does not exist"):
        find_meili_binary(settings)
