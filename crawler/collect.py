"""An item stage that keeps items in memory instead of storing them (`kontext sources check`).

The list to fill is passed as the setting KONTEXT_COLLECT; nothing reaches the store or the index.
"""

from __future__ import annotations

from typing import Any

from scrapy import Spider
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured


class CollectItems:
    def __init__(self, items: list[Any]) -> None:
        self.items = items

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CollectItems:
        items = crawler.settings.get("KONTEXT_COLLECT")
        if items is None:
            raise NotConfigured("KONTEXT_COLLECT is not set")
        return cls(items)

    def process_item(self, item: Any, spider: Spider | None = None) -> Any:
        self.items.append(item)
        return item
