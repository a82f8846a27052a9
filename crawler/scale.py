"""Scale-out: several `kontext crawl` workers share one crawl through Redis (scrapy-redis).

With ``REDIS_URL`` set, every worker that crawls a source joins the source's current *generation*
(one crawl of it, shared by all workers started while it runs) or starts a new one:

- requests go through one Redis-backed scheduler queue and one duplicate filter per generation,
  so each page is fetched by exactly one worker;
- the page budget (`Source.max_pages`) is one counter for all workers;
- a worker that runs out of work waits (keeps its spider open) while another worker is still busy,
  because that worker's pages may add requests to the shared queue;
- the last worker to leave judges vanished events for everyone (with every worker's failed and
  404 pages), then deletes the generation's keys, so the next crawl starts afresh.

Workers announce themselves in sorted sets scored by an expiry time from the Redis server's
clock; a worker killed with SIGKILL simply expires, and the next worker to start a crawl of the
source begins a new generation.
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from typing import Any

from scrapy import signals
from scrapy.exceptions import DontCloseSpider, NotConfigured
from scrapy.utils.asyncio import create_looping_call

from kontext.errors import UserError

log = logging.getLogger(__name__)

ALIVE_SECONDS = 15  # a worker that stops heart-beating is gone after this long
# From joining until its spider opens (loading the tagging model takes a while) a worker beats
# no heart; it counts as alive this long, so that workers starting together share one crawl.
STARTUP_SECONDS = 180
BUSY_SECONDS = 5
HEARTBEAT_SECONDS = 1.0
KEEP_SECONDS = 7 * 24 * 3600  # leftovers of killed crawls expire after a week

_JOIN = """
local now = tonumber(redis.call('TIME')[1])
local current = redis.call('GET', KEYS[1])
if current then
  local alive = ARGV[4] .. ':' .. current .. ':alive'
  redis.call('ZREMRANGEBYSCORE', alive, '-inf', now)
  if redis.call('ZCARD', alive) > 0 then
    redis.call('ZADD', alive, now + tonumber(ARGV[3]), ARGV[2])
    return current
  end
end
redis.call('SET', KEYS[1], ARGV[1], 'EX', tonumber(ARGV[5]))
local alive = ARGV[4] .. ':' .. ARGV[1] .. ':alive'
redis.call('ZADD', alive, now + tonumber(ARGV[3]), ARGV[2])
redis.call('EXPIRE', alive, tonumber(ARGV[5]))
return ARGV[1]
"""

_HEARTBEAT = """
local now = tonumber(redis.call('TIME')[1])
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
if ARGV[3] == '1' then
  redis.call('ZADD', KEYS[2], now + tonumber(ARGV[4]), ARGV[1])
else
  redis.call('ZREM', KEYS[2], ARGV[1])
end
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[5]))
redis.call('EXPIRE', KEYS[2], tonumber(ARGV[5]))
return 1
"""

_OTHERS_BUSY = """
local now = tonumber(redis.call('TIME')[1])
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
return redis.call('ZCARD', KEYS[1])
"""

_LEAVE = """
local now = tonumber(redis.call('TIME')[1])
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) > 0 then
  return 0
end
if redis.call('GET', KEYS[3]) == ARGV[2] then
  redis.call('DEL', KEYS[3])
end
return 1
"""


def connect(url: str) -> Any:
    """A Redis client that answered PING; a UserError naming REDIS_URL otherwise."""
    import redis  # only needed for scale-out

    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=5)
        client.ping()
    except (redis.RedisError, ValueError) as error:
        raise UserError(f"cannot reach Redis at REDIS_URL {url!r}: {error}; start it or unset REDIS_URL") from None
    return client


class SharedCrawl:
    """One worker's membership in a source's shared crawl generation."""

    def __init__(self, client: Any, url: str, source: str, generation: str, worker: str) -> None:
        self.client = client
        self.url = url
        self.source = source
        self.generation = generation
        self.worker = worker
        self.prefix = f"kontext:crawl:{source}"
        self.base = f"{self.prefix}:{generation}"

    def __deepcopy__(self, memo: dict) -> SharedCrawl:
        # Scrapy copies settings per crawler; this is a handle on shared state, not a value.
        return self

    @classmethod
    def join(cls, url: str, source: str, worker: str | None = None) -> SharedCrawl:
        """Join the source's running generation, or start a new one when no worker is alive in it."""
        client = connect(url)
        worker = worker or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        proposed = uuid.uuid4().hex[:12]
        prefix = f"kontext:crawl:{source}"
        generation = client.eval(
            _JOIN, 1, f"{prefix}:current", proposed, worker, STARTUP_SECONDS, prefix, KEEP_SECONDS
        )
        generation = generation.decode() if isinstance(generation, bytes) else str(generation)
        shared = cls(client, url, source, generation, worker)
        action = "started" if generation == proposed else "joined"
        log.info("%s: worker %s %s crawl %s", source, worker, action, generation)
        return shared

    def key(self, name: str) -> str:
        return f"{self.base}:{name}"

    def scrapy_settings(self) -> dict[str, Any]:
        """Scheduler and duplicate filter of this generation (scrapy-redis)."""
        return {
            "SCHEDULER": "scrapy_redis.scheduler.Scheduler",
            "DUPEFILTER_CLASS": "scrapy_redis.dupefilter.RFPDupeFilter",
            "SCHEDULER_PERSIST": True,  # the last worker deletes the keys itself (see leave)
            "SCHEDULER_FLUSH_ON_START": False,
            "SCHEDULER_QUEUE_KEY": self.key("requests"),
            "SCHEDULER_DUPEFILTER_KEY": self.key("seen"),
            "REDIS_URL": self.url,
            "KONTEXT_SHARED": self,
        }

    def count_page(self) -> int:
        """Add one fetch to the generation's page count and return the total."""
        pipe = self.client.pipeline()
        pipe.incr(self.key("pages"))
        pipe.expire(self.key("pages"), KEEP_SECONDS)
        return int(pipe.execute()[0])

    def heartbeat(self, busy: bool) -> None:
        self.client.eval(
            _HEARTBEAT,
            2,
            self.key("alive"),
            self.key("busy"),
            self.worker,
            ALIVE_SECONDS,
            "1" if busy else "0",
            BUSY_SECONDS,
            KEEP_SECONDS,
        )

    def others_busy(self) -> int:
        """How many other workers are fetching or processing pages right now (this one is idle)."""
        return int(self.client.eval(_OTHERS_BUSY, 1, self.key("busy"), self.worker))

    def ready_to_recheck(self) -> bool:
        """True for exactly one worker, once the generation's work is done: nothing queued, no
        other worker busy, pages fetched. Asking for pages of events not found again any earlier
        would put their URLs in the duplicate filter before the listings that link them are read."""
        if self.others_busy() or not int(self.client.get(self.key("pages")) or 0):
            return False
        queue = self.key("requests")
        kind = self.client.type(queue)
        waiting = {b"zset": self.client.zcard, b"list": self.client.llen}.get(kind, lambda _key: 0)(queue)
        if waiting:
            return False
        return bool(self.client.set(self.key("rechecked"), 1, nx=True, ex=KEEP_SECONDS))

    def leave(
        self, complete: bool, failed_urls: set[str], gone_urls: set[str]
    ) -> tuple[bool, bool, set[str], set[str]]:
        """Leave the generation. Returns (last, complete, failed, gone): whether this worker was the
        last one (it then judges vanished events), and the crawl's outcome over all workers."""
        pipe = self.client.pipeline()
        if not complete:
            pipe.set(self.key("incomplete"), 1, ex=KEEP_SECONDS)
        if failed_urls:
            pipe.sadd(self.key("failed"), *failed_urls)
            pipe.expire(self.key("failed"), KEEP_SECONDS)
        if gone_urls:
            pipe.sadd(self.key("gone"), *gone_urls)
            pipe.expire(self.key("gone"), KEEP_SECONDS)
        pipe.execute()
        last = bool(
            self.client.eval(
                _LEAVE, 3, self.key("alive"), self.key("busy"), f"{self.prefix}:current", self.worker, self.generation
            )
        )
        if not last:
            return False, complete, failed_urls, gone_urls
        fetched = int(self.client.get(self.key("pages")) or 0)
        complete = fetched > 0 and not self.client.exists(self.key("incomplete"))
        failed = {url.decode() for url in self.client.smembers(self.key("failed"))}
        gone = {url.decode() for url in self.client.smembers(self.key("gone"))}
        names = ("requests", "seen", "pages", "incomplete", "failed", "gone", "alive", "busy", "rechecked")
        self.client.delete(*(self.key(name) for name in names))
        return True, complete, failed, gone


class SharedCrawlHeartbeat:
    """Keeps this worker alive in its generation and its spider open while other workers are busy."""

    def __init__(self, crawler: Any) -> None:
        shared = crawler.settings.get("KONTEXT_SHARED")
        if shared is None:
            raise NotConfigured
        self.crawler = crawler
        self.shared: SharedCrawl = shared
        self.loop: Any = None

    @classmethod
    def from_crawler(cls, crawler: Any) -> SharedCrawlHeartbeat:
        extension = cls(crawler)
        crawler.signals.connect(extension.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(extension.spider_idle, signal=signals.spider_idle)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    def spider_opened(self, spider: Any) -> None:
        self.loop = create_looping_call(self.beat)
        self.loop.start(HEARTBEAT_SECONDS, now=True)

    def beat(self) -> None:
        engine = self.crawler.engine
        busy = engine is not None and engine.spider is not None and not engine.spider_is_idle()
        try:
            self.shared.heartbeat(busy)
        except Exception as error:  # redis.RedisError; a missed beat is retried a second later
            log.warning("Redis heartbeat failed: %s", error)

    def spider_idle(self, spider: Any) -> None:
        if self.shared.others_busy():
            raise DontCloseSpider("other workers are still crawling this source")

    def spider_closed(self, spider: Any, reason: str) -> None:
        if self.loop is not None and self.loop.running:
            self.loop.stop()
