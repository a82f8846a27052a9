"""robots.txt as RFC 9309 reads it, not as Scrapy's default does.

Scrapy treats a robots.txt it cannot fetch as "allow all". RFC 9309 (section 2.3.1) says:

- 2xx: obey the file;
- 4xx ("unavailable"): the crawler may access everything;
- 5xx, and a network error or timeout ("unreachable"): assume complete disallow;
- redirects are followed (Scrapy's redirect middleware, at most five hops).

We also treat 429 Too Many Requests as unreachable: the server asks us to stay away. Pages refused
by robots.txt are counted under ``kontext/skipped/robots`` (or ``robots_unreachable``), and a
robots.txt that cannot be read is one warning line, never a traceback.

A ``Crawl-delay`` (not in RFC 9309, but what many chamber sites write) is honoured: the site's
download slot waits at least that long between two requests, without jitter and without
AutoThrottle shortening it; delays over MAX_CRAWL_DELAY are cut to it, with a warning.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.http import Request, Response
from scrapy.http.request import NO_CALLBACK
from scrapy.robotstxt import ProtegoRobotParser
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from twisted.internet.defer import Deferred

from crawler.safety import Refused

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.robotstxt import RobotParser

log = logging.getLogger(__name__)

# Longer waits would make a 200-page source a day's crawl; a site asking for more gets this.
MAX_CRAWL_DELAY = 60.0


class AllowAll:
    """robots.txt is unavailable (4xx): everything may be crawled."""

    reason = "robots"

    def allowed(self, url: str | bytes, user_agent: str | bytes) -> bool:
        return True


class DisallowAll:
    """robots.txt is unreachable (5xx, 429, network error, timeout): nothing may be crawled."""

    reason = "robots_unreachable"

    def __init__(self, why: str) -> None:
        self.why = why

    def allowed(self, url: str | bytes, user_agent: str | bytes) -> bool:
        return False


def parser_for_status(status: int, body: bytes, why: str) -> RobotParser | AllowAll | DisallowAll:
    """The robots rules an HTTP answer to /robots.txt stands for (after redirects)."""
    if 200 <= status < 300:
        return ProtegoRobotParser(body, None)
    if 400 <= status < 500 and status != 429:
        return AllowAll()
    return DisallowAll(why)


def crawl_delay(parser: object, user_agent: str) -> float | None:
    """The Crawl-delay robots.txt asks of `user_agent`, in seconds, or None."""
    rules = getattr(parser, "rp", None)  # Scrapy's ProtegoRobotParser keeps protego's parser here
    if rules is None or not hasattr(rules, "crawl_delay"):
        return None
    try:
        delay = rules.crawl_delay(user_agent)
    except (ValueError, TypeError):
        return None
    return float(delay) if delay and delay > 0 else None


def product_token(user_agent: str) -> str:
    """The name robots.txt groups match against: ``KontextBot`` in ``KontextBot/0.1 (+https://…)``."""
    return user_agent.split("/", 1)[0].split()[0] if user_agent.strip() else "*"


class StrictRobotsTxtMiddleware(RobotsTxtMiddleware):
    """Scrapy's robots.txt middleware with RFC 9309's handling of unavailable and unreachable files."""

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self._long_delays: set[str] = set()  # sites already warned about for a cut Crawl-delay

    async def robot_parser(self, request: Request) -> RobotParser | None:
        parts = urlparse_cached(request)
        netloc = parts.netloc
        if netloc not in self._parsers:
            waiting: Deferred = Deferred()
            self._parsers[netloc] = waiting
            robots_url = f"{parts.scheme}://{netloc}/robots.txt"
            robots_request = Request(
                robots_url,
                priority=self.DOWNLOAD_PRIORITY,
                meta={"dont_obey_robotstxt": True, "kontext_robots": True},
                callback=NO_CALLBACK,
            )
            self._stats.inc_value("robotstxt/request_count")
            try:
                response = await self.crawler.engine.download_async(robots_request)
                parser = self._from_response(response, robots_url)
            except Exception as error:  # every failure to fetch it means "unreachable"
                what = str(error) or type(error).__name__
                self._stats.inc_value(f"robotstxt/exception_count/{type(error).__name__}")
                parser = DisallowAll(f"{robots_url} could not be fetched ({what})")
            if isinstance(parser, DisallowAll):
                log.warning("%s; not crawling %s (RFC 9309: unreachable robots.txt means disallow)", parser.why, netloc)
            self._parsers[netloc] = parser
            waiting.callback(parser)
        parser = self._parsers[netloc]
        if isinstance(parser, Deferred):
            return await maybe_deferred_to_future(parser)
        return parser

    def _from_response(self, response: Response, robots_url: str) -> RobotParser | AllowAll | DisallowAll:
        self._stats.inc_value("robotstxt/response_count")
        self._stats.inc_value(f"robotstxt/response_status_count/{response.status}")
        return parser_for_status(response.status, response.body, f"{robots_url} answered HTTP {response.status}")

    def process_request_2(self, rp: RobotParser | None, request: Request) -> None:
        if rp is None:
            return
        user_agent = self._robotstxt_useragent or product_token(self._default_useragent or "")
        if rp.allowed(request.url, user_agent):
            self._honour_crawl_delay(rp, request, user_agent)
            return
        reason = getattr(rp, "reason", "robots")
        self._stats.inc_value("robotstxt/forbidden")
        self._stats.inc_value(f"kontext/skipped/{reason}")
        log.debug("forbidden by robots.txt: %s", request.url)
        raise Refused(reason, f"forbidden by robots.txt: {request.url}")

    def _honour_crawl_delay(self, rp: object, request: Request, user_agent: str) -> None:
        delay = crawl_delay(rp, user_agent)
        if delay is None:
            return
        netloc = urlparse_cached(request).netloc
        if delay > MAX_CRAWL_DELAY:
            if netloc not in self._long_delays:
                self._long_delays.add(netloc)
                log.warning("%s asks for a Crawl-delay of %.0f s; waiting %.0f s", netloc, delay, MAX_CRAWL_DELAY)
            delay = MAX_CRAWL_DELAY
        downloader = self.crawler.engine.downloader
        _, slot = downloader._get_slot(request)  # the slot the download will queue in (created if new)
        if slot.delay < delay or slot.jitter:
            slot.delay, slot.jitter = max(slot.delay, delay), 0.0
            self._stats.set_value(f"kontext/crawl_delay/{netloc}", delay)
        request.meta["autothrottle_dont_adjust_delay"] = True
