"""Mode `directory`: association, chamber and cluster directories -> organisation records.

The spider navigates like the generic one (start URLs, pagination by `follow_links` or "next"
links, an entry's own page by `directory.entry_links`) and hands every page to
crawler.directory.extract_organisations. Its items are organisations, not events, so it brings its
own item pipeline: crawler.organisation_stages.OrganisationStore (store, crawl run, index).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import scrapy
from scrapy.http import Response, TextResponse

from crawler.directory import CrawledOrganisation, extract_organisations
from crawler.spiders.source import SourceSpider
from kontext.settings import PROJECT_ROOT

log = logging.getLogger(__name__)


class DirectorySpider(SourceSpider):
    """Organisation directories: pages in, organisation records out."""

    @classmethod
    def update_settings(cls, settings: Any) -> None:
        """Organisation items need their own store stage; a check run (KONTEXT_COLLECT) only collects."""
        super().update_settings(settings)
        if settings.get("KONTEXT_COLLECT") is not None:
            stages = {"crawler.collect.CollectItems": 900}
        else:
            stages = {"crawler.organisation_stages.OrganisationStore": 800}
        settings.set("ITEM_PIPELINES", stages, priority="spider")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        spec = self.source.directory
        self.entry_links = re.compile(spec.entry_links) if spec and spec.entry_links else None

    @property
    def config_dir(self):
        crawler = getattr(self, "crawler", None)
        settings = crawler.settings.get("KONTEXT_SETTINGS") if crawler is not None else None
        return settings.config_dir if settings is not None else PROJECT_ROOT / "config"

    def parse(self, response: Response) -> Iterator[Any]:
        self._stat("pages")
        if not isinstance(response, TextResponse):
            self._stat("skipped/not_text")
            return
        try:
            records = extract_organisations(
                response.text, response.url, source=self.source, config_dir=self.config_dir
            )
        except Exception as error:  # a broken page must not stop the crawl
            self._stat(f"errors/extract_{type(error).__name__}")
            log.warning("cannot read organisations on %s: %s: %s", response.url, type(error).__name__, error)
            records = []
        self._stat("organisations/extracted", len(records))
        for record in records:
            yield CrawledOrganisation(organisation=record, page_url=response.url)
        yield from self._follow(response)

    def _follow(self, response: TextResponse) -> Iterator[scrapy.Request]:
        for link in response.css("a[href]"):
            url = response.urljoin(link.attrib.get("href", ""))
            if (
                not url.startswith(("http://", "https://"))
                or urlsplit(url).hostname not in self.allowed_domains
            ):
                continue
            text = " ".join(link.css("::text").getall())
            if self._is_next_page(url, text, link.attrib.get("rel", "")):
                yield response.follow(url, callback=self.parse, meta={"kontext_listing": True})
            elif self.entry_links is not None and self.entry_links.search(url):
                yield response.follow(url, callback=self.parse)
