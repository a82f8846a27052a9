"""Scrapy stages for organisation records.

`OrganisationStore` stores what a directory spider yields (merged with what the store already
knows of each organisation), records the crawl run like the event store stage does, and brings the
organisations index up to date when the crawl ends. `LinkOrganisations` sets
`organizer.organisation_id` on crawled events whose organiser has a record (by website, then name);
it belongs between the normalise stage and the store stage of every event crawl.
"""

from __future__ import annotations

import logging
from typing import Any

from scrapy import Spider
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from crawler.directory import CrawledOrganisation
from crawler.items import CrawledEvent
from kontext.organisations import OrganisationMatcher, merge_organisation
from kontext.records import Organisation
from kontext.settings import Settings
from kontext.store import Store, content_hash

log = logging.getLogger(__name__)
BATCH = 100


def _settings(crawler: Crawler) -> Settings:
    settings = crawler.settings.get("KONTEXT_SETTINGS")
    if settings is None:
        raise NotConfigured("KONTEXT_SETTINGS is not set")
    return settings


class OrganisationStore:
    """Stores crawled organisations; counts new / updated / unchanged; indexes them at the end."""

    def __init__(self, crawler: Crawler, settings: Settings) -> None:
        self.crawler = crawler
        self.settings = settings
        self.store: Store | None = None
        self.pending: dict[str, Organisation] = {}
        self.seen: set[str] = set()
        self.run_id: int | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> OrganisationStore:
        return cls(crawler, _settings(crawler))

    def open_spider(self, spider: Spider | None = None) -> None:
        spider = spider or self.crawler.spider
        self.store = Store.from_settings(self.settings)
        self.run_id = self.store.start_crawl_run(spider.source.name, now=spider.now)

    def process_item(self, item: Any, spider: Spider | None = None) -> Any:
        if not isinstance(item, CrawledOrganisation):
            return item
        record = item.organisation
        if record.id in self.pending:
            record = merge_organisation(self.pending[record.id], record)
        self.pending[record.id] = record
        self.seen.add(record.id)
        if len(self.pending) >= BATCH:
            self._flush()
        return item

    def _flush(self) -> None:
        if not self.pending or self.store is None:
            return
        stats = self.crawler.stats
        records = []
        for record in self.pending.values():
            known = self.store.get_organisation(record.id)
            if known is None:
                stats.inc_value("kontext/organisations/new")
                records.append(record)
                continue
            merged = merge_organisation(known, record)
            changed = content_hash(merged) != content_hash(known)
            stats.inc_value("kontext/organisations/updated" if changed else "kontext/organisations/unchanged")
            records.append(merged)
        self.store.upsert_organisations(records)
        self.pending.clear()

    def close_spider(self, spider: Spider | None = None) -> None:
        self._flush()
        if self.store is None:
            return
        stats = self.crawler.stats
        stats.set_value("kontext/organisations/seen", len(self.seen))
        meili = self.crawler.settings.get("KONTEXT_MEILI")
        if meili is not None:
            from search.index import SearchUnavailable
            from search.organisations import sync_organisations

            try:
                stats.set_value(
                    "kontext/organisations/indexed", sync_organisations(self.store, meili, self.settings)
                )
            except SearchUnavailable as error:
                log.warning("organisations index not updated: %s", error)
                stats.set_value("kontext/index/unavailable", 1)
        reason = stats.get_value("finish_reason", "finished")
        plain = {
            key: value for key, value in stats.get_stats().items() if isinstance(value, int | float | str)
        }
        self.store.finish_crawl_run(self.run_id, "finished" if reason == "finished" else str(reason), plain)
        self.store.close()


class LinkOrganisations:
    """Sets `organizer.organisation_id` on events whose organiser has a stored record."""

    def __init__(self, crawler: Crawler, settings: Settings) -> None:
        self.crawler = crawler
        self.settings = settings
        self.matcher = OrganisationMatcher([])

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> LinkOrganisations:
        return cls(crawler, _settings(crawler))

    def open_spider(self, spider: Spider | None = None) -> None:
        store = Store.from_settings(self.settings)
        try:
            self.matcher = OrganisationMatcher(store.iter_organisations())
        finally:
            store.close()

    def process_item(self, item: Any, spider: Spider | None = None) -> Any:
        if not isinstance(item, CrawledEvent) or not len(self.matcher):
            return item
        linked = self.matcher.link(item.event)
        if linked is not item.event:
            item.event = linked
            self.crawler.stats.inc_value("kontext/organisations/linked")
        return item
