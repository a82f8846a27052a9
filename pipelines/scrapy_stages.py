"""The pipeline stages as Scrapy components. Each wraps a plain function from pipelines/ or the
store, gets its configuration in `from_crawler`, loads heavy things once in `open_spider`, and
counts what it does (and every drop, by reason) in the crawl stats.
"""

from __future__ import annotations

import logging
from typing import Any

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem, NotConfigured

from crawler.items import CrawledEvent
from kontext.settings import Settings
from kontext.store import Store
from pipelines.normalise import DropEvent, normalise
from pipelines.tagging import get_tagger
from search.index import SearchIndex, SearchUnavailable
from search.sync import sync_index

log = logging.getLogger(__name__)
STORE_BATCH = 50


def _kontext_settings(crawler: Crawler) -> Settings:
    settings = crawler.settings.get("KONTEXT_SETTINGS")
    if settings is None:
        raise NotConfigured("KONTEXT_SETTINGS is not set")
    return settings


class NormaliseStage:
    """clean -> dates -> place -> tag -> id, via pipelines.normalise."""

    def __init__(self, crawler: Crawler, settings: Settings) -> None:
        self.crawler = crawler
        self.settings = settings
        self.tagger = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> NormaliseStage:
        return cls(crawler, _kontext_settings(crawler))

    def open_spider(self, spider: Spider | None = None) -> None:
        self.tagger = get_tagger(self.settings.config_dir)

    def process_item(self, item: Any, spider: Spider | None = None) -> CrawledEvent:
        if not isinstance(item, CrawledEvent):
            return item
        spider = spider or self.crawler.spider
        try:
            event = normalise(
                item.event,
                now=spider.now,
                source=spider.source,
                tagger=self.tagger,
                shared_url=item.shared_url,
            )
        except DropEvent as drop:
            self.crawler.stats.inc_value(f"kontext/dropped/{drop.reason}")
            raise DropItem(str(drop)) from None
        item.event = event
        return item


class StoreStage:
    """Upserts events into the store in small batches; counts new/updated/unchanged."""

    def __init__(self, crawler: Crawler, settings: Settings) -> None:
        self.crawler = crawler
        self.settings = settings
        self.store: Store | None = None
        self.pending: dict[str, Any] = {}
        self.seen: set[str] = set()
        self.run_id: int | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StoreStage:
        return cls(crawler, _kontext_settings(crawler))

    def open_spider(self, spider: Spider | None = None) -> None:
        spider = spider or self.crawler.spider
        self.store = Store.from_settings(self.settings)
        self.run_id = self.store.start_crawl_run(spider.source.name, now=spider.now)

    def process_item(self, item: Any, spider: Spider | None = None) -> Any:
        if not isinstance(item, CrawledEvent):
            return item
        self.pending[item.event.id] = item.event
        self.seen.add(item.event.id)
        if len(self.pending) >= STORE_BATCH:
            self._flush()
        return item

    def _flush(self) -> None:
        if not self.pending or self.store is None:
            return
        counts = self.store.upsert_events(self.pending.values())
        stats = self.crawler.stats
        stats.inc_value("kontext/events/new", counts.new)
        stats.inc_value("kontext/events/updated", counts.updated)
        stats.inc_value("kontext/events/unchanged", counts.unchanged)
        self.pending.clear()

    def close_spider(self, spider: Spider | None = None) -> None:
        self._flush()
        if self.store is None:
            return
        stats = self.crawler.stats.get_stats()
        reason = stats.get("finish_reason", "finished")
        outcome = "finished" if reason == "finished" else str(reason)
        plain = {key: value for key, value in stats.items() if isinstance(value, int | float | str)}
        plain["kontext/events/seen"] = len(self.seen)
        self.store.finish_crawl_run(self.run_id, outcome, plain)
        self.store.close()


class IndexAfterCrawl:
    """When a source's crawl ends, drain the store's outbox into Meilisearch (if one is configured).

    An unreachable Meilisearch is logged and counted; the events stay in the outbox for `kontext index`.
    """

    def __init__(self, crawler: Crawler, settings: Settings) -> None:
        self.crawler = crawler
        self.settings = settings
        self.meili = crawler.settings.get("KONTEXT_MEILI")

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> IndexAfterCrawl:
        extension = cls(crawler, _kontext_settings(crawler))
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    def spider_closed(self, spider: Spider, reason: str) -> None:
        if self.meili is None:
            return
        store = Store.from_settings(self.settings)
        try:
            report = sync_index(store, SearchIndex(self.meili, self.settings.events_index))
            self.crawler.stats.set_value("kontext/index/indexed", report.indexed)
        except SearchUnavailable as error:
            log.warning("index not updated, events stay in the outbox: %s", error)
            self.crawler.stats.set_value("kontext/index/unavailable", 1)
        finally:
            store.close()
