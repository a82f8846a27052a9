"""Run a crawl of some sources in this process and report per source what happened."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from scrapy.crawler import CrawlerProcess

from crawler.settings import scrapy_settings
from crawler.spiders.families import spider_for
from kontext.services import Meili
from kontext.settings import Settings
from kontext.sources import Source

log = logging.getLogger(__name__)


@dataclass
class SourceReport:
    source: str
    pages: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    dropped: dict[str, int] = field(default_factory=dict)
    errors: int = 0
    finish_reason: str = ""
    indexed: int | None = None

    @classmethod
    def from_stats(cls, source: str, stats: dict[str, Any]) -> SourceReport:
        prefix = "kontext/dropped/"
        return cls(
            source=source,
            pages=int(stats.get("kontext/pages", 0)),
            new=int(stats.get("kontext/events/new", 0)),
            updated=int(stats.get("kontext/events/updated", 0)),
            unchanged=int(stats.get("kontext/events/unchanged", 0)),
            dropped={key[len(prefix) :]: int(value) for key, value in stats.items() if key.startswith(prefix)},
            errors=int(stats.get("log_count/ERROR", 0)) + int(stats.get("downloader/exception_count", 0)),
            finish_reason=str(stats.get("finish_reason", "")),
            indexed=stats.get("kontext/index/indexed"),
        )


def run_crawl(
    settings: Settings,
    sources: list[Source],
    *,
    meili: Meili | None,
    now: datetime | None = None,
    polite: bool = True,
    extra_settings: dict[str, Any] | None = None,
) -> list[SourceReport]:
    """Crawl the given (resolved) sources; store and index what they yield. Blocks until done."""
    now = now or datetime.now(UTC)
    values = scrapy_settings(settings, polite=polite)
    values["KONTEXT_MEILI"] = meili
    values["LOG_INSTALL_ROOT_HANDLER"] = False
    values.update(extra_settings or {})
    process = CrawlerProcess(values)
    # Scrapy configures its loggers for DEBUG; follow the level the command line chose instead.
    level = logging.getLogger().getEffectiveLevel()
    for name in ("scrapy", "twisted", "py.warnings"):
        logging.getLogger(name).setLevel(level)
    crawlers = []
    for source in sources:
        crawler = process.create_crawler(spider_for(source))
        crawlers.append((source, crawler))
        process.crawl(crawler, source=source, now=now)
    process.start()
    return [SourceReport.from_stats(source.name, crawler.stats.get_stats()) for source, crawler in crawlers]
