"""Base spiders per platform family (many chambers and associations share one CMS or event system).

A source names its family in config/sources.yaml (`family: odav`); `spider_for` picks the spider
class. Sources without a family use the generic, config-driven SourceSpider.
"""

from __future__ import annotations

from crawler.spiders.source import SourceSpider
from kontext.sources import Source

FAMILIES: dict[str, type[SourceSpider]] = {}


def spider_for(source: Source) -> type[SourceSpider]:
    if source.family is None:
        return SourceSpider
    return FAMILIES[source.family]
