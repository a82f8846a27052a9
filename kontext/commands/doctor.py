"""`kontext doctor`: checks everything Kontext needs and says what to do about what is missing."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass

import click

from kontext.errors import UserError
from kontext.settings import Settings, load_settings


@dataclass
class Check:
    name: str
    ok: bool
    detail: str
    advice: str = ""


def _run(name: str, probe: Callable[[], str], advice: str) -> Check:
    try:
        return Check(name, True, probe())
    except UserError as error:
        return Check(name, False, str(error), advice)
    except Exception as error:  # a doctor reports every failure instead of crashing on it
        return Check(name, False, f"{type(error).__name__}: {error}", advice)


def _meili(config: Settings) -> str:
    from kontext.services import MEILI_VERSION, find_meili_binary, healthy, running_meili

    if config.meili_url:
        if not healthy(config.meili_url):
            raise UserError(f"{config.meili_url} is not healthy")
        return f"external server at {config.meili_url}"
    binary = find_meili_binary(config)
    version = subprocess.run([str(binary), "--version"], capture_output=True, text=True, timeout=20).stdout.strip()
    if MEILI_VERSION not in version:
        raise UserError(f"{binary} is {version!r}, expected {MEILI_VERSION}")
    running = running_meili(config)
    state = f"running at {running.url}" if running else "not running (commands start it when needed)"
    return f"{version} at {binary}; {state}"


def _index(config: Settings) -> str:
    from kontext.services import Meili, running_meili
    from kontext.store import Store
    from search.index import SearchIndex

    if config.meili_url:
        meili = Meili(config.meili_url, config.meili_master_key, managed=False)
    else:
        meili = running_meili(config)
    if meili is None:
        return "not checked: Meilisearch is not running (`kontext services start` to check the index)"
    store = Store.from_settings(config)
    try:
        indexed = SearchIndex(meili, config.events_index).count()
        stored, dirty = store.count_events(), store.count_dirty()
    finally:
        store.close()
    if dirty:
        raise UserError(f"{dirty} store changes are not indexed yet ({indexed} in the index, {stored} stored)")
    return f"{indexed} events in the index, {stored} in the store"


def _store(config: Settings) -> str:
    from kontext.store import Store

    store = Store.from_settings(config)
    try:
        return f"{store.count_events()} events at {config.database_url.split('@')[-1]}"
    finally:
        store.close()


def _config(config: Settings) -> str:
    from kontext.sources import load_sources

    counts = []
    for name in ("sources.yaml", "sample_sources.yaml"):
        counts.append(f"{len(load_sources(config.config_dir / name))} in {name}")
    return "sources: " + ", ".join(counts)


def _tagger(config: Settings) -> str:
    from pipelines.tagging import TagInput, get_tagger

    tagger = get_tagger(config.config_dir)
    result = tagger.tag(TagInput(title="Fachtagung Maschinenbau für KMU"))
    return f"spaCy pipeline loaded; sample sectors: {[tag.code for tag in result.sectors]}"


def _places(config: Settings) -> str:
    from pipelines.places import parse_place

    place = parse_place("30159 Hannover")
    if place is None or place.region is None or place.lat is None:
        raise UserError("the gazetteer gives no region/coordinates for 30159 Hannover")
    return f"gazetteer: 30159 Hannover -> {place.region} ({place.lat:.2f}, {place.lng:.2f})"


@click.command()
def doctor() -> None:
    """Check binary, store, index, spaCy data and config; say what to do when something is missing."""
    checks = [Check("python", sys.version_info >= (3, 11), sys.version.split()[0], "use Python 3.11 or newer")]
    try:
        config = load_settings()
        checks.append(Check("settings", True, f"state in {config.home}"))
    except UserError as error:
        checks.append(Check("settings", False, str(error), "fix the environment variable named"))
        config = None
    if config is not None:
        checks += [
            _run("config", lambda: _config(config), "fix the file and field named above"),
            _run("meilisearch", lambda: _meili(config), "run `make install`, or set MEILI_BIN / MEILI_URL"),
            _run("store", lambda: _store(config), "check DATABASE_URL and that the state directory is writable"),
            _run("index", lambda: _index(config), "run `kontext index`"),
            _run("tagging", lambda: _tagger(config), "run `make install` (spaCy data, tagging model)"),
            _run("places", lambda: _places(config), "run `make install` (builds the gazetteer)"),
        ]
    for check in checks:
        mark = click.style("ok  ", fg="green") if check.ok else click.style("FAIL", fg="red")
        click.echo(f"{mark} {check.name:<12} {check.detail}")
        if not check.ok and check.advice:
            click.echo(f"     {'':<12} → {check.advice}")
    if not all(check.ok for check in checks):
        sys.exit(1)
