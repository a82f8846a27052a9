"""Scrapy settings for every Kontext crawl: a polite, identifiable guest on other people's sites.

- robots.txt obeyed the RFC 9309 way (crawler/robots.py): unreachable means disallow;
- an identifying user agent with a contact URL (KONTEXT_USER_AGENT);
- AutoThrottle, at most two concurrent requests per domain, retries with back-off only for
  transient failures;
- only a source's own domains, never private addresses unless the source is local
  (crawler/safety.py); page, depth and size limits per source, crawler-trap rules
  (crawler/middlewares.py, crawler/traps.py);
- conditional requests through an HTTP cache kept in the store (crawler/cache.py).

`polite=False` is for benchmarks on a local mirror only.
"""

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
        # No consoles into a running crawl (Scrapy's telnet and remote-control servers).
        "TELNETCONSOLE_ENABLED": False,
        "REMOTE_CONTROL_ENABLED": False,
        "LOG_LEVEL": "WARNING",
        "DOWNLOAD_TIMEOUT": 30,
        "DNS_TIMEOUT": 20,
        # Per source (Source.max_response_bytes) via request meta; this is the ceiling for the rest.
        "DOWNLOAD_MAXSIZE": 10_000_000,
        "DOWNLOAD_WARNSIZE": 0,
        "RETRY_TIMES": 2,
        "RETRY_GIVE_UP_LOG_LEVEL": "WARNING",
        "REDIRECT_MAX_TIMES": 5,
        # A meta refresh inside a script is text, not markup: CMSs write HTML into JSON-LD descriptions,
        # and Scrapy's default (noscript only) followed such a "redirect" and never extracted the page.
        "METAREFRESH_IGNORE_TAGS": ["noscript", "script"],
        "CONCURRENT_REQUESTS": 16,
        "CONCURRENT_REQUESTS_PER_DOMAIN": 2,
        "AUTOTHROTTLE_ENABLED": True,
        "AUTOTHROTTLE_START_DELAY": 1.0,
        "AUTOTHROTTLE_MAX_DELAY": 30.0,
        "AUTOTHROTTLE_TARGET_CONCURRENCY": 1.0,
        "DEPTH_PRIORITY": 1,
        "TWISTED_DNS_RESOLVER": "crawler.safety.GuardedResolver",
        "DOWNLOADER_MIDDLEWARES": {
            # Scrapy's offsite filter lets dont_filter requests and their redirects through; ours does not.
            "scrapy.downloadermiddlewares.offsite.OffsiteMiddleware": None,
            "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
            "crawler.middlewares.OutcomeMiddleware": 30,
            "crawler.safety.GuardMiddleware": 40,
            "crawler.robots.StrictRobotsTxtMiddleware": 100,
            "crawler.middlewares.PageBudgetMiddleware": 110,
        },
        "SPIDER_MIDDLEWARES": {
            "crawler.middlewares.LimitsMiddleware": 850,
        },
        "HTTPCACHE_ENABLED": True,
        "HTTPCACHE_POLICY": "crawler.cache.RevalidatingPolicy",
        "HTTPCACHE_STORAGE": "crawler.cache.StoreCacheStorage",
        "ITEM_PIPELINES": {
            "pipelines.scrapy_stages.NormaliseStage": 100,
            "crawler.organisation_stages.LinkOrganisations": 700,
            "pipelines.scrapy_stages.StoreStage": 800,
        },
        "EXTENSIONS": {
            "crawler.cache.PageMemory": 100,
            "pipelines.scrapy_stages.IndexAfterCrawl": 500,
            "crawler.scale.SharedCrawlHeartbeat": 600,
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
