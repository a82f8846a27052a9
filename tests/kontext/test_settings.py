from pathlib import Path

import pytest

from kontext.settings import SettingsError, load_settings


def test_defaults_put_state_and_store_under_kontext_home(tmp_path: Path) -> None:
    settings = load_settings({"KONTEXT_HOME": str(tmp_path / "state")})
    assert settings.home == (tmp_path / "state").resolve()
    assert settings.database_url == f"sqlite:///{settings.home / 'kontext.db'}"
    assert settings.managed_meili
    assert settings.events_index == "kontext_events"


def test_external_meilisearch_is_used_when_configured(tmp_path: Path) -> None:
    settings = load_settings(
        {"KONTEXT_HOME": str(tmp_path), "MEILI_URL": "https://search.example/", "MEILI_MASTER_KEY": "k" * 20}
    )
    assert not settings.managed_meili
    assert settings.meili_url == "https://search.example"
    assert "k" * 20 not in repr(settings)


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"MEILI_URL": "search.example:7700"}, "MEILI_URL must start with http"),
        ({"MEILI_MASTER_KEY": "changeme"}, "placeholder"),
        ({"KONTEXT_STAFF_USER": "anna"}, "KONTEXT_STAFF_PASSWORD"),
        ({"KONTEXT_CONFIG": "/nonexistent/config"}, "does not exist"),
        ({"KONTEXT_STORE_BUSY_SECONDS": "lange"}, "KONTEXT_STORE_BUSY_SECONDS must be a number"),
        ({"KONTEXT_STORE_BUSY_SECONDS": "0"}, "KONTEXT_STORE_BUSY_SECONDS must be a number"),
    ],
)
def test_bad_settings_fail_with_one_clear_line(tmp_path: Path, env: dict, message: str) -> None:
    with pytest.raises(SettingsError, match=message) as error:
        load_settings({"KONTEXT_HOME": str(tmp_path), **env})
    assert "\n" not in str(error.value)


def test_the_store_waits_as_long_as_the_setting_says(tmp_path: Path) -> None:
    from kontext.store import BUSY_SECONDS, Store

    default = Store.from_settings(load_settings({"KONTEXT_HOME": str(tmp_path)}))
    short = Store.from_settings(load_settings({"KONTEXT_HOME": str(tmp_path), "KONTEXT_STORE_BUSY_SECONDS": "1.5"}))
    assert (default.busy_seconds, short.busy_seconds) == (BUSY_SECONDS, 1.5)
    default.close()
    short.close()
