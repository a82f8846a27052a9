"""Run a crawl of some sources in this process and report per source what happened.

One Scrapy crawler per source, all in one CrawlerProcess. With ``REDIS_URL`` set, each source's
crawl is shared with the other workers crawling it (crawler/scale.py). `progress`, if given, is
called about twice a second from the crawl's thread with a snapshot per source.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from scrapy.crawler import Crawler, CrawlerProcess
from scrapy.exceptions import ScrapyDeprecationWarning
from scrapy.settings import Settings as ScrapySettings

from crawler.safety import source_domains
from crawler.scale import SharedCrawl
from crawler.settings import scrapy_settings
from crawler.spiders.families import spider_for
from kontext.services import Meili
from kontext.settings import Settings
from kontext.sources import Source
from kontext.store import Store
from pipelines.scrapy_stages import error_count

log = logging.getLogger(__name__)

# A floor between two requests to one public site; AutoThrottle raises it when the site slows down.
POLITE_DELAY = 1.0
PROGRESS_SECONDS = 0.5


class _AtLeast(logging.Filter):
    """Drops records below a level (Scrapy resets logger levels while it starts up, not filters)."""

    def __init__(self, level: int) -> None:
        super().__init__()
        self.level = level

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno >= self.level


def _grouped(stats: dict[str, Any], prefix: str) -> dict[str, int]:
    return {key[len(prefix) :]: int(value) for key, value in stats.items() if key.startswith(prefix)}


@dataclass
class SourceReport:
    source: str
    pages: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    merged: int = 0
    gone: int = 0
    removed: int = 0
    dropped: dict[str, int] = field(default_factory=dict)
    skipped: dict[str, int] = field(default_factory=dict)
    errors: int = 0
    error_kinds: dict[str, int] = field(default_factory=dict)
    pages_unchanged: int = 0
    not_modified: int = 0
    complete: bool = False
    finish_reason: str = ""
    indexed: int | None = None

    @classmethod
    def from_stats(cls, source: str, stats: dict[str, Any]) -> SourceReport:
        return cls(
            source=source,
            pages=int(stats.get("kontext/pages", 0)),
            new=int(stats.get("kontext/events/new", 0)),
            updated=int(stats.get("kontext/events/updated", 0)),
            unchanged=int(stats.get("kontext/events/unchanged", 0)),
            merged=int(stats.get("kontext/events/merged", 0)),
            gone=int(stats.get("kontext/events/gone", 0)),
            removed=int(stats.get("kontext/events/removed", 0)),
            dropped=_grouped(stats, "kontext/dropped/"),
            skipped=_grouped(stats, "kontext/skipped/"),
            errors=error_count(stats),
            error_kinds=_grouped(stats, "kontext/errors/"),
            pages_unchanged=int(stats.get("kontext/pages/unchanged", 0)),
            not_modified=int(stats.get("kontext/pages/not_modified", 0)),
            complete=bool(stats.get("kontext/complete", 0)),
            finish_reason=str(stats.get("finish_reason", "")),
            indexed=stats.get("kontext/index/indexed"),
        )

    @property
    def store_refused(self) -> bool:
        """The store refused writes (locked past the busy wait, unreachable) and the crawl ended
        incomplete: events may not be stored, and nothing was judged gone. A rerun stores them."""
        return bool(self.error_kinds.get("store_unavailable")) and not self.complete


def progress_snapshot(stats: dict[str, Any]) -> dict[str, Any]:
    """What a progress display shows for one source while it runs."""
    events = sum(int(stats.get(f"kontext/events/{kind}", 0)) for kind in ("new", "updated", "unchanged", "merged"))
    return {
        "pages": int(stats.get("kontext/pages", 0)),
        "events": events,
        "new": int(stats.get("kontext/events/new", 0)),
        "skipped": sum(_grouped(stats, "kontext/skipped/").values()),
        "errors": error_count(stats),
        "finished": "finish_reason" in stats,
    }


def source_settings(base: ScrapySettings, source: Source, shared: SharedCrawl | None) -> ScrapySettings:
    """The settings of one source's crawler: the base, a polite delay for public sites, Redis keys.

    Set at "spider" priority: the process merges its own ("project") settings into each crawler.
    """
    values = base.copy()
    if source.local:
        # Our own sample site and test sites: no waiting for a server that is not shared with anyone.
        values.set("AUTOTHROTTLE_START_DELAY", 0, priority="spider")
    elif values.getfloat("DOWNLOAD_DELAY") == 0 and values.getbool("AUTOTHROTTLE_ENABLED"):
        values.set("DOWNLOAD_DELAY", POLITE_DELAY, priority="spider")
    if shared is not None:
        values.update(shared.scrapy_settings(), priority="spider")
    return values


def run_crawl(
    settings: Settings,
    sources: list[Source],
    *,
    meili: Meili | None,
    now: datetime | None = None,
    polite: bool = True,
    extra_settings: dict[str, Any] | None = None,
    refresh: bool = False,
    scale_out: bool = False,
    progress: Callable[[dict[str, dict[str, Any]]], None] | None = None,
) -> list[SourceReport]:
    """Crawl the given (resolved) sources; store and index what they yield. Blocks until done.

    `refresh` re-extracts every page and bypasses the HTTP cache (after extractor or tagger
    changes). `scale_out` shares each source's crawl with other workers through REDIS_URL (only
    `kontext crawl` does; checks and demos crawl alone); it raises UserError before crawling when
    Redis cannot be reached.
    """
    now = now or datetime.now(UTC)
    # Open the store once before crawling: a wrong DATABASE_URL or a store locked by another writer
    # is one clear line, not a failed crawl.
    store = Store.from_settings(settings)
    try:
        store.check_writable()
    finally:
        store.close()
    # scrapy-redis 0.9.1 still uses Scrapy APIs that warn; nothing the staff can act on.
    warnings.filterwarnings("ignore", category=ScrapyDeprecationWarning, module="scrapy_redis")
    values = scrapy_settings(settings, polite=polite)
    values["KONTEXT_MEILI"] = meili
    values["LOG_INSTALL_ROOT_HANDLER"] = False
    values["KONTEXT_LOCAL_HOSTS"] = sorted({host for item in sources if item.local for host in source_domains(item)})
    if refresh:
        values["KONTEXT_REFRESH"] = True
        values["HTTPCACHE_ENABLED"] = False
    values.update(extra_settings or {})
    shared: dict[str, SharedCrawl] = {}
    if scale_out and settings.redis_url:
        shared = {source.name: SharedCrawl.join(settings.redis_url, source.name) for source in sources}
    # Scrapy configures its loggers for DEBUG (and logs its versions while doing so); follow the
    # level the command line chose instead.
    level = logging.getLogger().getEffectiveLevel()
    quiet = _AtLeast(level)
    start_up = [logging.getLogger(name) for name in ("scrapy.utils.log", "scrapy.crawler")]
    for logger in start_up:
        logger.addFilter(quiet)
    try:
        process = CrawlerProcess(values)
    finally:
        for logger in start_up:
            logger.removeFilter(quiet)
    for name in ("scrapy", "twisted", "py.warnings", "scrapy_redis"):
        logging.getLogger(name).setLevel(level)
    crawlers: list[tuple[Source, Crawler]] = []
    for position, source in enumerate(sources):
        own = source_settings(process.settings, source, shared.get(source.name))
        crawler = Crawler(spider_for(source), own, init_reactor=position == 0)
        crawlers.append((source, crawler))
        process.crawl(crawler, source=source, now=now)
    loop = _start_progress(progress, crawlers) if progress is not None and crawlers else None
    process.start()
    if loop is not None and loop.running:
        loop.stop()
    if progress is not None:
        progress({source.name: progress_snapshot(crawler.stats.get_stats()) for source, crawler in crawlers})
    return [SourceReport.from_stats(source.name, crawler.stats.get_stats()) for source, crawler in crawlers]


def _start_progress(
    progress: Callable[[dict[str, dict[str, Any]]], None], crawlers: list[tuple[Source, Crawler]]
) -> Any:
    from twisted.internet import reactor, task

    def report() -> None:
        snapshot = {}
        for source, crawler in crawlers:
            stats = getattr(crawler, "stats", None)
            snapshot[source.name] = progress_snapshot(stats.get_stats() if stats is not None else {})
        progress(snapshot)

    loop = task.LoopingCall(report)
    reactor.callWhenRunning(loop.start, PROGRESS_SECONDS)
    return loop
