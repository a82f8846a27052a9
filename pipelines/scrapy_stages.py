"""The pipeline stages as Scrapy components. Each wraps a plain function from pipelines/ or the
store, gets its configuration in `from_crawler`, loads heavy things once in `open_spider`, and
counts what it does (and every drop, by reason) in the crawl stats.
"""

from __future__ import annotations

import logging
import os
import socket
import time
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DontCloseSpider, DropItem, NotConfigured

from crawler.items import CrawledEvent, PageDone, PageSeen
from crawler.middlewares import connect as connect_outcomes
from kontext.records import Event
from kontext.settings import Settings
from kontext.store import UNAVAILABLE, Store
from pipelines.normalise import DropEvent, normalise
from pipelines.tagging import get_tagger
from search.index import SearchIndex, SearchUnavailable
from search.sync import sync_index

log = logging.getLogger(__name__)
STORE_BATCH = 50
FLUSH_SECONDS = 2.0
# After a refused write the next try waits 2, 4, 8 … s (at most this long): each try can block the
# crawl for the store's whole busy wait, and a full batch would otherwise try again at every item.
MAX_RETRY_SECONDS = 60.0
# At most this many pages of events a crawl did not find again are asked for once more.
RECHECK_LIMIT = 50
# Sent by StoreStage once a source's crawl is in the store (vanished events judged), before the
# run is recorded: the index catches up then (IndexAfterCrawl).
crawl_recorded = object()


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
    """Records a source's announcements in the store (crawler versions, cross-source merging),
    in small batches: every `STORE_BATCH` items or `FLUSH_SECONDS`, so a crawl killed at any moment
    loses at most the last few seconds, which the next crawl fetches again.

    After the crawl it judges vanished events (`Store.close_crawl`), lets the index catch up
    (`IndexAfterCrawl`), and stores the run with its stats. Counts per source: events new / merged
    (joined another source's event) / updated / unchanged / gone / removed.
    """

    def __init__(self, crawler: Crawler, settings: Settings) -> None:
        self.crawler = crawler
        self.settings = settings
        self.shared = crawler.settings.get("KONTEXT_SHARED")
        self.grace = timedelta(hours=crawler.settings.getfloat("KONTEXT_GONE_GRACE_HOURS", 48))
        self.store: Store | None = None
        self.run_id: int | None = None
        self.crawl = ""
        self.pending: list[tuple[Event, str]] = []
        self.pending_pages: dict[str, str] = {}
        self.page_events: dict[str, set[str]] = defaultdict(set)
        self.touched: list[str] = []
        self.counted: dict[str, str] = {}
        self.failed_urls: set[str] = set()
        self.gone_urls: set[str] = set()
        self.listing_failed = False
        self.fetched: set[str] = set()
        self.rechecked = False
        self.last_flush = time.monotonic()
        self.retry_wait = 0.0  # seconds until the next try after a refused write; 0 while writes succeed

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StoreStage:
        stage = cls(crawler, _kontext_settings(crawler))
        connect_outcomes(crawler, stage)
        crawler.signals.connect(stage.spider_idle, signal=signals.spider_idle)
        crawler.signals.connect(stage.spider_closed, signal=signals.spider_closed)
        return stage

    def page_failed(self, url: str, listing: bool) -> None:
        self.failed_urls.add(url)
        self.listing_failed = self.listing_failed or listing

    def page_gone(self, url: str) -> None:
        self.gone_urls.add(url)

    def open_spider(self, spider: Spider | None = None) -> None:
        spider = spider or self.crawler.spider
        self.store = Store.from_settings(self.settings)
        interrupted = self.store.mark_interrupted_runs(spider.source.name, now=spider.now)
        if interrupted:
            log.warning("%s: %d earlier crawl(s) were interrupted", spider.source.name, interrupted)
        marker = {"kontext/pid": os.getpid(), "kontext/host": socket.gethostname()}
        self.run_id = self.store.start_crawl_run(spider.source.name, now=spider.now, stats=marker)
        self.crawl = f"redis:{self.shared.generation}" if self.shared is not None else f"run:{self.run_id}"

    def process_item(self, item: Any, spider: Spider | None = None) -> Any:
        if isinstance(item, CrawledEvent):
            self.pending.append((item.event, item.page_url))
            self.page_events[item.page_url].add(item.event.id)
        elif isinstance(item, PageDone):
            self.pending_pages[item.url] = item.digest
            self.fetched.add(item.url)
        elif isinstance(item, PageSeen):
            self.touched.append(item.url)
            self.fetched.add(item.url)
        else:
            return item
        since = time.monotonic() - self.last_flush
        if self.retry_wait:
            if since > self.retry_wait:
                self._flush()
        elif len(self.pending) + len(self.touched) >= STORE_BATCH or since > FLUSH_SECONDS:
            self._flush()
        return item

    def _count(self, outcomes: dict[str, str]) -> None:
        stats = self.crawler.stats
        for version_id, outcome in outcomes.items():
            if version_id in self.counted:
                continue
            self.counted[version_id] = outcome
            stats.inc_value(f"kontext/events/{outcome}")

    def _flush(self) -> None:
        """Write what is pending. A store that stays locked or unreachable (busy_timeout passed) is
        a counted one-line warning (`kontext/store/retries`); the batch stays pending for the next
        flush, and pages whose events were not written are not remembered, so the next crawl
        extracts them again. Only what is still unwritten when the spider closes is an error."""
        self.last_flush = time.monotonic()
        if self.store is None:
            return
        source, now = self.crawler.spider.source.name, self.crawler.spider.now
        try:
            if self.pending:
                counts = self.store.record_sightings(self.pending, source=source, crawl=self.crawl, now=now)
                self._count(counts.outcomes)
                self.pending = []
            if self.touched:
                self._count(self.store.touch_pages(source, self.touched, crawl=self.crawl, now=now).outcomes)
                self.touched = []
            if self.pending_pages:
                pages = {
                    url: (digest, sorted(self.page_events.pop(url, set())))
                    for url, digest in self.pending_pages.items()
                }
                self.store.save_pages(source, pages, now=now)
                self.pending_pages = {}
            self.retry_wait = 0.0
        except UNAVAILABLE as error:
            self.crawler.stats.inc_value("kontext/store/retries")
            self.retry_wait = min(MAX_RETRY_SECONDS, max(FLUSH_SECONDS, 2 * self.retry_wait))
            log.warning("store not written (will retry in %.0f s): %s", self.retry_wait, error.orig)

    def close_spider(self, spider: Spider | None = None) -> None:
        self._flush()

    def _count_unwritten(self) -> None:
        """A write that later got through is no error; this is: the crawl ends with these unwritten."""
        if self.pending or self.touched or self.pending_pages:
            self.crawler.stats.inc_value("kontext/errors/store_unavailable")
            log.error(
                "the store refused writes to the end: %d events and %d pages of %s not stored; run the crawl again",
                len(self.pending), len(self.touched) + len(self.pending_pages), self.crawler.spider.source.name,
            )  # fmt: skip

    def spider_idle(self, spider: Spider) -> None:
        """Before a complete crawl ends, ask once more for the pages of events it did not find
        (not linked any more): a 404/410 there removes the event at once (see Store.close_crawl)."""
        self._flush()  # an idle worker's events are in the store before anyone judges
        recheck = getattr(spider, "recheck_request", None)
        if self.rechecked or self.store is None or recheck is None:
            return
        if self.shared is not None and not self.shared.ready_to_recheck():
            return  # other workers are still crawling (or one of them rechecks)
        self.rechecked = True
        stats = self.crawler.stats.get_stats()
        if self.listing_failed or stats.get("kontext/skipped/page_limit"):
            return
        known = self.fetched | self.failed_urls | self.gone_urls
        pages = self.store.unseen_pages(spider.source.name, crawl=self.crawl, now=spider.now, limit=RECHECK_LIMIT)
        pages = [url for url in pages if url not in known]
        for url in pages:
            self.crawler.engine.crawl(recheck(url))
        if pages:
            raise DontCloseSpider("asking for the pages of events not found again")

    def spider_closed(self, spider: Spider, reason: str) -> None:
        """Judge vanished events, let the index catch up, and store the run."""
        if self.store is None:
            return
        stats = self.crawler.stats
        try:
            self._flush()  # again, in case the store was locked at the last attempt
            self._count_unwritten()
            complete = self._complete(reason)
            judge, failed, gone = True, self.failed_urls, self.gone_urls
            if self.shared is not None:
                judge, complete, failed, gone = self.shared.leave(complete, failed, gone)
            if judge:
                vanished = self.store.close_crawl(
                    spider.source.name,
                    crawl=self.crawl,
                    now=spider.now,
                    complete=complete,
                    gone_urls=gone,
                    failed_urls=failed,
                    grace=self.grace,
                )
                stats.set_value("kontext/events/gone", vanished.gone)
                stats.set_value("kontext/events/removed", vanished.removed)
                if complete:  # an incomplete crawl did not look everywhere: its pages are not judged
                    pages, cached = self.store.forget_pages(spider.source.name, now=spider.now)
                    stats.set_value("kontext/pages/forgotten", pages)
                    stats.set_value("httpcache/forgotten", cached)
            stats.set_value("kontext/complete", int(complete))
            stats.set_value("kontext/events/seen", len(self.counted))
            stats.set_value("kontext/errors", error_count(stats.get_stats()))
            self.crawler.signals.send_catch_log(crawl_recorded, spider=spider)
            outcome = "finished" if reason == "finished" else str(reason)
            plain = {key: value for key, value in stats.get_stats().items() if isinstance(value, int | float | str)}
            plain["finish_reason"] = str(reason)
            self.store.finish_crawl_run(self.run_id, outcome, plain, now=datetime.now(UTC))
        except UNAVAILABLE as error:
            stats.inc_value("kontext/errors/store_unavailable")
            log.warning("crawl of %s not recorded, the store is unavailable: %s", spider.source.name, error.orig)
        finally:
            self.store.close()
            self.store = None

    def _complete(self, reason: str) -> bool:
        """Did this crawl see everything the source lists? Only then can missing events be judged."""
        stats = self.crawler.stats.get_stats()
        return (
            reason == "finished"
            and not self.pending
            and not self.touched
            and not self.listing_failed
            and not stats.get("kontext/skipped/page_limit")
            and not stats.get("kontext/skipped/robots_unreachable")
            # With Redis another worker may have fetched everything; the last one checks the total.
            and (self.shared is not None or stats.get("kontext/pages", 0) > 0)
        )


def error_count(stats: dict[str, Any]) -> int:
    """Fetch and extraction errors of a crawl (after retries), plus anything logged as an error."""
    prefix = "kontext/errors/"
    return sum(int(value) for key, value in stats.items() if key.startswith(prefix)) + int(
        stats.get("log_count/ERROR", 0)
    )


class IndexAfterCrawl:
    """When a source's crawl is recorded, drain the store's outbox into Meilisearch (if configured).

    An unreachable Meilisearch is logged and counted; the events stay in the outbox for `kontext index`.
    """

    def __init__(self, crawler: Crawler, settings: Settings) -> None:
        self.crawler = crawler
        self.settings = settings
        self.meili = crawler.settings.get("KONTEXT_MEILI")

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> IndexAfterCrawl:
        extension = cls(crawler, _kontext_settings(crawler))
        crawler.signals.connect(extension.crawl_recorded, signal=crawl_recorded)
        return extension

    def crawl_recorded(self, spider: Spider) -> None:
        if self.meili is None:
            return
        store = Store.from_settings(self.settings)
        try:
            report = sync_index(store, SearchIndex(self.meili, self.settings.events_index))
            self.crawler.stats.set_value("kontext/index/indexed", report.indexed)
            self.crawler.stats.set_value("kontext/index/deleted", report.deleted)
        except SearchUnavailable as error:
            log.warning("index not updated, events stay in the outbox: %s", error)
            self.crawler.stats.set_value("kontext/index/unavailable", 1)
        finally:
            store.close()
