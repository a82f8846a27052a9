"""Scrapy settings for every Kontext crawl: a polite, identifiable guest on other people's sites."""

from __future__ import annotations

from typing import Any

from kontext.settings import Settings


def scrapy_settings(settings: Settings, *, polite: bool = True) -> dict[str, Any]:
    """The Scrapy settings dict for a crawl; `polite=False` only for local mirrors in benchmarks."""
    values: dict[str, Any] = {
        "BOT_NAME": "kontext",
        "USER_AGENT": settings.user_agent,
        "ROBOTSTXT_OBEY": True,
        "COOKIES_ENABLED": False,
        "TELNETCONSOLE_ENABLED": False,
        "LOG_LEVEL": "WARNING",
        "DOWNLOAD_TIMEOUT": 30,
        "DOWNLOAD_MAXSIZE": 10_000_000,
        "DOWNLOAD_WARNSIZE": 0,
        "RETRY_TIMES": 2,
        "REDIRECT_MAX_TIMES": 5,
        "CONCURRENT_REQUESTS": 16,
        "CONCURRENT_REQUESTS_PER_DOMAIN": 2,
        "AUTOTHROTTLE_ENABLED": True,
        "AUTOTHROTTLE_START_DELAY": 1.0,
        "AUTOTHROTTLE_TARGET_CONCURRENCY": 1.0,
        "DEPTH_PRIORITY": 1,
        "ITEM_PIPELINES": {
            "pipelines.scrapy_stages.NormaliseStage": 100,
            "pipelines.scrapy_stages.StoreStage": 800,
        },
        "EXTENSIONS": {
            "pipelines.scrapy_stages.IndexAfterCrawl": 500,
        },
        "KONTEXT_SETTINGS": settings,
    }
    if not polite:
        values.update(
            {
                "AUTOTHROTTLE_ENABLED": False,
                "CONCURRENT_REQUESTS_PER_DOMAIN": 16,
                "DOWNLOAD_DELAY": 0,
            }
        )
    return values
