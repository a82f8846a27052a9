"""The family registry: every family name sources.yaml accepts has a spider, and nothing else."""

from __future__ import annotations

from typing import get_args

import pytest

from crawler.spiders.families import FAMILIES, spider_for
from crawler.spiders.families.directory import DirectorySpider
from crawler.spiders.source import SourceSpider
from kontext.sources import Family, Source, SourceError, SourceOrganizer


def source(**fields) -> Source:
    return Source(name="x", organizer=SourceOrganizer(name="X"), start_urls=["https://x.example/"], **fields)


def test_registry_matches_the_family_names_sources_accept() -> None:
    assert set(FAMILIES) == set(get_args(Family))
    assert all(issubclass(spider, SourceSpider) for spider in FAMILIES.values())


@pytest.mark.parametrize("family", sorted(get_args(Family)))
def test_each_family_picks_its_spider(family: str) -> None:
    extra = {}
    if family == "json-api":
        extra["api"] = {"url": "https://x.example/api", "fields": {"title": "t", "start": "s"}}
    assert spider_for(source(family=family, **extra)) is FAMILIES[family]


def test_no_family_is_the_generic_spider_and_directories_get_theirs() -> None:
    assert spider_for(source()) is SourceSpider
    assert spider_for(source(mode="directory")) is DirectorySpider


def test_an_unregistered_family_is_a_clear_error() -> None:
    broken = source().model_copy(update={"family": "typo3"})
    with pytest.raises(SourceError, match="no spider for family 'typo3'"):
        spider_for(broken)
