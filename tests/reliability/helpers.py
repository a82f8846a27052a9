"""What the reliability scenarios share: another process holding the store's write lock, reading
a store, and a small crawlable site of event pages."""

from __future__ import annotations

import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path
from types import TracebackType
from zoneinfo import ZoneInfo

from tests.crawler.test_crawl_sites import ALLOW_ALL, Page, event_page, listing

BERLIN = ZoneInfo("Europe/Berlin")
# The other writer: opens the SQLite file itself, takes the write lock with one row written in an
# open transaction, says so, holds it for the given seconds (or until told on stdin), commits and says so.
_HOLDER = """
import select, sqlite3, sys, time
connection = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=60)
connection.execute("CREATE TABLE IF NOT EXISTS other_writer (note TEXT)")
connection.execute("BEGIN IMMEDIATE")
connection.execute("INSERT INTO other_writer VALUES ('written while Kontext waited')")
print("locked", flush=True)
select.select([sys.stdin], [], [], float(sys.argv[2]))
connection.execute("COMMIT")
print(f"released {time.time()}", flush=True)
"""


class WriteLock:
    """Another process with an open write transaction on the SQLite file, for `seconds`."""

    def __init__(self, database: Path, seconds: float) -> None:
        self.database = database
        self.seconds = seconds
        self.process: subprocess.Popen[str] | None = None
        self.released_at: float | None = None

    def __enter__(self) -> WriteLock:
        self.process = subprocess.Popen(
            [sys.executable, "-c", _HOLDER, str(self.database), str(self.seconds)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout is not None
        first = self.process.stdout.readline().strip()
        assert first == "locked", f"the other writer could not take the lock: {first!r}"
        return self

    def release(self) -> float:
        """Tell the other writer to commit now (before its seconds are up); the time.time() it did."""
        if self.released_at is not None:
            return self.released_at
        assert self.process is not None and self.process.stdin is not None
        self.process.stdin.write("release\n")
        self.process.stdin.flush()
        return self.wait()

    def wait(self) -> float:
        """Wait until the other writer committed; the time.time() it did."""
        assert self.process is not None and self.process.stdout is not None
        line = self.process.stdout.readline().strip()
        self.process.wait(timeout=self.seconds + 60)
        assert line.startswith("released"), f"the other writer did not commit: {line!r}"
        self.released_at = float(line.split()[1])
        return self.released_at

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None):
        if self.process is not None and self.process.poll() is None:
            if kind is None:
                self.wait()
            else:
                self.process.kill()
                self.process.wait()
        if self.process is not None:
            for stream in (self.process.stdin, self.process.stdout):
                if stream is not None:
                    stream.close()


def other_writer_rows(database: Path) -> int:
    """Rows the other writer committed (its work must not be lost either)."""
    import sqlite3

    with sqlite3.connect(database) as connection:
        return connection.execute("SELECT count(*) FROM other_writer").fetchone()[0]


def calendar_site(titles: list[str], first: datetime | None = None) -> dict[str, Page]:
    """A chamber calendar: a listing linking one JSON-LD event page per title (one day apart)."""
    first = first or datetime(2027, 2, 10, 9, 0, tzinfo=BERLIN)
    pages: dict[str, Page] = {"/robots.txt": ALLOW_ALL}
    links = {}
    for number, title in enumerate(titles):
        path = f"/events/e{number:03d}"
        links[path] = title
        pages[path] = event_page(title, first + timedelta(days=number), "Hannover", path)
    pages["/events"] = listing(links)
    return pages
