"""Disk full under Meilisearch's data directory: `kontext index` says so in one line, the store
keeps every event (still in the outbox), and once there is space again `kontext index` brings the
index exactly in line with the store.

Two ways to run out of space, both on the real server started the product's own way
(kontext.services.start_meili): a small tmpfs mounted on the data directory (needs root and
mount(8); skipped otherwise), and a file-size limit (RLIMIT_FSIZE, soft, with SIGXFSZ ignored so a
write fails instead of killing the server) set by a wrapper given as MEILI_BIN. Space is freed by
growing the tmpfs (remount) or lifting the soft limit of the running server (prlimit)."""

from __future__ import annotations

import random
import shutil
import subprocess
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psutil
import pytest

from kontext.records import Event
from kontext.services import Meili, find_meili_binary, start_meili, stop_meili
from kontext.settings import load_settings
from kontext.store import Store
from search.index import SearchIndex
from tests.conftest import clean_environment, run_kontext
from tests.search.test_sync import index_ids

pytestmark = [pytest.mark.faults, pytest.mark.meili, pytest.mark.slow]
SPACE = 6 * 2**20  # what Meilisearch gets: enough to start, not enough for the events below
EVENTS = 500
START = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
WORDS = [
    "Maschinenbau",
    "Logistik",
    "Verpackung",
    "Handwerk",
    "Digitalisierung",
    "Wasserstoff",
    "Fachkräfte",
    "Export",
    "Zulieferer",
]


def tmpfs_allowed(probe: Path) -> bool:
    """Whether this process may mount a tmpfs (root with mount(8), not inside a locked-down sandbox)."""
    if shutil.which("mount") is None or shutil.which("umount") is None:
        return False
    probe.mkdir(parents=True, exist_ok=True)
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(probe)], capture_output=True)
    if mounted.returncode != 0:
        return False
    subprocess.run(["umount", str(probe)], check=True)
    return True


@dataclass
class FullDisk:
    """A Meilisearch server whose data directory runs out of space; `free()` makes room."""

    meili: Meili
    free: Callable[[], None]
    how: str


def wide_events(count: int) -> list[Event]:
    """Events with long descriptions of varied words, so the index needs real space."""
    rng = random.Random(5)
    return [
        Event(
            id=f"full{number:05d}",
            title=f"Werkstattgespräch {number} " + " ".join(rng.choice(WORDS) for _ in range(3)),
            description=" ".join(f"{rng.choice(WORDS)}{rng.randrange(100_000)}" for _ in range(300)),
            start=START + timedelta(hours=number),
            source="disk-full",
        )
        for number in range(count)
    ]


@pytest.fixture(params=["tmpfs", "file-size limit"])
def full_disk(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[FullDisk]:
    home = tmp_path / "meili-home"
    data = home / "meili"
    data.mkdir(parents=True)
    env = {**clean_environment(), "KONTEXT_HOME": str(home)}
    mounted = False
    if request.param == "tmpfs":
        if not tmpfs_allowed(tmp_path / "probe"):
            pytest.skip("mounting a tmpfs is not allowed here (needs root and mount); the file-size limit runs")
        subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={SPACE}", "tmpfs", str(data)], check=True)
        mounted = True
    else:
        binary = find_meili_binary(load_settings(env))
        wrapper = tmp_path / "meilisearch"
        # `trap '' XFSZ` is inherited through exec: a too-big write fails with EFBIG instead of killing.
        wrapper.write_text(f"#!/bin/sh\ntrap '' XFSZ\nulimit -S -f {SPACE // 512}\nexec {binary} \"$@\"\n")
        wrapper.chmod(0o755)
        env["MEILI_BIN"] = str(wrapper)
    settings = load_settings(env)
    server = start_meili(settings)

    def free() -> None:
        if mounted:
            subprocess.run(["mount", "-o", "remount,size=512m", str(data)], check=True)
        else:
            process = psutil.Process(server.pid)
            hard = process.rlimit(psutil.RLIMIT_FSIZE)[1]
            process.rlimit(psutil.RLIMIT_FSIZE, (hard, hard))

    try:
        yield FullDisk(meili=server, free=free, how=request.param)
    finally:
        stop_meili(settings)
        if mounted:
            subprocess.run(["umount", str(data)], check=False)


def test_disk_full_is_one_clear_line_nothing_is_lost_and_index_succeeds_after_space_is_freed(
    full_disk: FullDisk, tmp_path: Path
) -> None:
    store = Store(f"sqlite:///{tmp_path / 'kontext.db'}")
    events = wide_events(EVENTS)
    store.upsert_events(events)
    prefix = f"full{uuid.uuid4().hex[:8]}"
    env = {
        **clean_environment(),
        "KONTEXT_HOME": str(tmp_path / "cli"),
        "DATABASE_URL": store.url,
        "MEILI_URL": full_disk.meili.url,
        "MEILI_MASTER_KEY": full_disk.meili.key or "",
        "KONTEXT_INDEX_PREFIX": prefix,
    }
    try:
        full = run_kontext(env, "index")
        assert full.returncode == 2, (full_disk.how, full.stdout, full.stderr[-2000:])
        lines = full.stderr.strip().splitlines()
        assert len(lines) == 1 and "Traceback" not in full.stderr, full.stderr[-2000:]
        assert "space" in lines[0].lower(), lines[0]
        # Nothing left the store; every event still waits in the outbox.
        assert store.event_ids() == {event.id for event in events}
        assert store.count_dirty() == EVENTS

        full_disk.free()
        again = run_kontext(env, "index")
        assert again.returncode == 0, again.stderr[-2000:]
        assert store.count_dirty() == 0
        index = SearchIndex(full_disk.meili, f"{prefix}_events")
        assert index_ids(index) == store.event_ids()
        index.close()
    finally:
        store.close()
