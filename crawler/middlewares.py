"""Per-source limits and the accounting of what happened to every request.

- `LimitsMiddleware` (spider middleware) checks each link a spider wants to follow: session ids
  are stripped, crawler traps (crawler/traps.py) and links beyond the source's `max_depth` are
  skipped. Following pagination ("next page" from a listing to a listing) does not add depth;
  pagination is bounded by the trap rules and the page budget instead.
- `PageBudgetMiddleware` (downloader middleware) lets at most `max_pages` fetches per source through
  (robots.txt and retries do not count; with Redis the budget is shared by all workers).
- `OutcomeMiddleware` (the outermost downloader middleware) sees the final outcome of every fetch
  after retries and redirects: it counts errors by kind under ``kontext/errors/...`` and tells the
  store stage which pages failed (their events are not "gone") and which answered 404/410 (their
  events are).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterable, Iterator
from typing import TYPE_CHECKING, Any

from scrapy import Request
from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadTimeoutError,
    IgnoreRequest,
    ResponseDataLossError,
)
from scrapy.http import Response
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet.defer import CancelledError
from twisted.internet.error import ConnectError, ConnectionLost, DNSLookupError, TimeoutError

from crawler.safety import Refused
from crawler.traps import trap_reason, without_session_ids

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

log = logging.getLogger(__name__)

# Sent by OutcomeMiddleware, received by the store stage: a page that could not be fetched
# (url, listing) and a page the site says no longer exists (url).
page_failed = object()
page_gone = object()

LISTING = "kontext_listing"
DEPTH = "kontext_depth"
GONE_STATUSES = (404, 410)


def _source(crawler: Crawler) -> Any:
    return getattr(crawler.spider, "source", None)


class LimitsMiddleware:
    """Skip links that are traps or too deep; strip session ids from the rest.

    It also gives every request the spider's `download_failed` errback (the failure is already
    counted and logged in one line by OutcomeMiddleware; without an errback Scrapy would log a
    traceback), and turns an exception in a spider callback into a counted one-line warning.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> LimitsMiddleware:
        return cls(crawler)

    async def process_start(self, start: AsyncIterator[Any]) -> AsyncIterator[Any]:
        async for output in start:
            if isinstance(output, Request):
                self._errback(output)
            yield output

    def process_spider_output(self, response: Response, result: Iterable[Any]) -> Iterator[Any]:
        for output in result:
            checked = self._check(response, output)
            if checked is not None:
                yield checked

    async def process_spider_output_async(self, response: Response, result: AsyncIterator[Any]) -> AsyncIterator[Any]:
        async for output in result:
            checked = self._check(response, output)
            if checked is not None:
                yield checked

    def process_spider_exception(self, response: Response, exception: Exception) -> Iterable[Any] | None:
        if isinstance(exception, HttpError):
            return None  # Scrapy's HttpErrorMiddleware deals with it (OutcomeMiddleware counted it)
        self.crawler.stats.inc_value(f"kontext/errors/spider_{type(exception).__name__}")
        log.warning("cannot process %s: %s: %s", response.url, type(exception).__name__, exception)
        return []

    def _errback(self, request: Request) -> None:
        fallback = getattr(self.crawler.spider, "download_failed", None)
        if request.errback is None and fallback is not None:
            request.errback = fallback

    def _check(self, response: Response, output: Any) -> Any:
        source = _source(self.crawler)
        if not isinstance(output, Request) or source is None:
            return output
        url = without_session_ids(output.url)
        if url != output.url:
            output = output.replace(url=url)
        self._errback(output)
        listing_to_listing = bool(response.meta.get(LISTING)) and bool(output.meta.get(LISTING))
        depth = response.meta.get(DEPTH, 0) + (0 if listing_to_listing else 1)
        output.meta[DEPTH] = depth
        reason = trap_reason(url, self.crawler.spider.now)
        if reason is None and depth > source.max_depth:
            reason = "depth_limit"
        if reason is not None:
            self.crawler.stats.inc_value(f"kontext/skipped/{reason}")
            log.debug("skipped %s: %s", url, reason)
            return None
        return output


class PageBudgetMiddleware:
    """At most `Source.max_pages` fetches per crawl of a source."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.shared = crawler.settings.get("KONTEXT_SHARED")
        self.count = 0
        self.warned = False

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> PageBudgetMiddleware:
        return cls(crawler)

    def process_request(self, request: Request) -> None:
        source = _source(self.crawler)
        if source is None or request.meta.get("dont_obey_robotstxt") or request.meta.get("retry_times"):
            return
        if request.meta.get("kontext_recheck"):
            return  # bounded by the store stage (RECHECK_LIMIT), not the source's budget
        self.count += 1
        total = self.shared.count_page() if self.shared is not None else self.count
        if total <= source.max_pages:
            return
        self.crawler.stats.inc_value("kontext/skipped/page_limit")
        if not self.warned:
            self.warned = True
            log.warning("source %s reached its limit of %d pages; the rest is skipped", source.name, source.max_pages)
        raise Refused("page_limit", f"page limit {source.max_pages} reached")


def error_kind(error: BaseException) -> str:
    """A short stat key for a failed download."""
    if isinstance(error, DownloadTimeoutError | TimeoutError):
        return "timeout"
    if isinstance(error, DownloadCancelledError | CancelledError):
        # Scrapy cancels a download that announces or reaches more than the size limit.
        return "too_large"
    if isinstance(error, CannotResolveHostError | DNSLookupError):
        return "dns"
    if isinstance(error, DownloadConnectionRefusedError | ConnectError | ConnectionLost):
        return "connection"
    if isinstance(error, ResponseDataLossError):
        return "data_loss"
    if isinstance(error, IgnoreRequest) and "redirect" in str(error):
        return "redirect_loop"
    return type(error).__name__


class OutcomeMiddleware:
    """Count the final outcome of each fetch; report failed and vanished pages to the store stage."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> OutcomeMiddleware:
        return cls(crawler)

    def process_response(self, request: Request, response: Response) -> Response:
        if request.meta.get("kontext_robots") or _source(self.crawler) is None:
            return response
        status = response.status
        listing = bool(request.meta.get(LISTING))
        if request.meta.get("kontext_stale"):
            # The server failed; the HTTP cache answered with the last good copy.
            self._failed(request, "stale_copy", f"{request.url}: server error, using the cached copy")
        elif "cached" in response.flags:
            self.stats.inc_value("kontext/pages/not_modified")
        elif status in GONE_STATUSES and not listing:
            self.stats.inc_value("kontext/pages/gone")
            self.crawler.signals.send_catch_log(page_gone, url=request.url)
        elif status >= 400:
            self._failed(request, f"http_{status}", f"{request.url} answered HTTP {status}")
        return response

    def process_exception(self, request: Request, exception: Exception) -> None:
        if isinstance(exception, Refused) or request.meta.get("kontext_robots") or _source(self.crawler) is None:
            return
        kind = error_kind(exception)
        self._failed(request, kind, f"{request.url}: {kind.replace('_', ' ')} ({exception})")

    def _failed(self, request: Request, kind: str, message: str) -> None:
        record_failure(self.crawler, request, kind, message)


def record_failure(crawler: Crawler, request: Request, kind: str, message: str) -> None:
    """Count a failed page under ``kontext/errors/<kind>``, log one line, tell the store stage."""
    crawler.stats.inc_value(f"kontext/errors/{kind}")
    log.warning("%s", message)
    crawler.signals.send_catch_log(page_failed, url=request.url, listing=bool(request.meta.get(LISTING)))


def record_ignored(crawler: Crawler, request: Request, error: BaseException) -> None:
    """A request a downloader middleware dropped on its way back (too many redirects): a failure
    the outcome middleware could not see. Our own refusals are counted where they happen."""
    # HttpError: an answer >= 400, already counted by OutcomeMiddleware.
    if isinstance(error, IgnoreRequest) and not isinstance(error, Refused | HttpError):
        kind = error_kind(error)
        record_failure(crawler, request, kind, f"{request.url}: {kind.replace('_', ' ')}")


def connect(crawler: Crawler, receiver: Any) -> None:
    """Connect a receiver object with `page_failed(url, listing)` and `page_gone(url)` methods."""
    crawler.signals.connect(receiver.page_failed, signal=page_failed)
    crawler.signals.connect(receiver.page_gone, signal=page_gone)
