"""Base spiders per platform family (many chambers and associations share one CMS or event system).

A source names its family in config/sources.yaml (`family: odav`); `spider_for` picks the spider
class. Sources in mode `directory` get the directory spider (organisation records, not events);
sources without a family use the generic, config-driven SourceSpider. The registry's keys are
exactly the `Family` names kontext/sources.py accepts (tests/crawler/test_families_registry.py).
"""

from __future__ import annotations

from crawler.spiders.families.directory import DirectorySpider
from crawler.spiders.families.ical import IcalFeedSpider
from crawler.spiders.families.ihk import IhkSpider
from crawler.spiders.families.json_api import JsonApiSpider
from crawler.spiders.families.odav import OdavSpider
from crawler.spiders.families.odoo import OdooSpider
from crawler.spiders.source import SourceSpider
from kontext.sources import Source, SourceError

FAMILIES: dict[str, type[SourceSpider]] = {
    "odav": OdavSpider,
    "ihk": IhkSpider,
    "json-api": JsonApiSpider,
    "ical": IcalFeedSpider,
    "odoo": OdooSpider,
}


def spider_for(source: Source) -> type[SourceSpider]:
    """The spider class that crawls `source`."""
    if source.mode == "directory":
        return DirectorySpider
    if source.family is None:
        return SourceSpider
    try:
        return FAMILIES[source.family]
    except KeyError:
        raise SourceError(f"source {source.name!r}: no spider for family {source.family!r}") from None
