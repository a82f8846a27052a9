"""The weekly run: for every confirmed subscriber select, render and send their digest, once.

Exactly-once per subscriber and period rests on the send log (digest/subscribers.py): a digest is
logged as pending with its Message-ID and events before it is handed to the server, and marked
sent (moving the subscriber's cut-off) right after the server accepted it. A rerun of the same
period skips what was sent and re-sends a pending digest unchanged, with the same Message-ID.
The one window left — the server accepted, the process died before the log was written — can
repeat that single mail; its Message-ID is the same, so mail systems that deduplicate will.

Selecting and rendering (this thread) and delivering (one thread per SMTP connection) overlap,
so waiting for Meilisearch, the store or the mail server does not add up.

A temporary SMTP failure that outlasts the mailer's retries stops the run (`report.stopped`): the
rest stays unsent and the next run finishes it. A message the server refuses (5xx) is counted and
left pending, so later runs of the period try it again, up to `MAX_ATTEMPTS` refusals; several
refusals in a row mean the server refuses everything (quota, relay denied), which stops the run
like an outage instead of burning every subscriber's attempts.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import queue
import secrets
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path
from zoneinfo import ZoneInfo

from digest.mailer import Mailer, MailUnavailable, MessageRefused
from digest.render import MailContext, links_for, render_digest
from digest.selection import Selection, Selector
from digest.subscribers import SendRecord, SendStatus, Subscriber, Subscribers
from digest.tokens import secret_key
from kontext.errors import UserError
from kontext.settings import Settings
from kontext.store import Store
from search.index import SearchIndex
from search.vocabulary import load_vocabulary

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
REFUSALS_IN_A_ROW = 5
# Rendered digests waiting for a delivery thread; bounds memory, keeps the senders busy.
QUEUE_SIZE = 64


class DigestRunning(UserError):
    """Another `kontext digest send` holds the lock."""


@dataclass
class RunReport:
    period: str
    subscribers: int = 0
    sent: int = 0
    already_sent: int = 0
    empty: int = 0
    refused: int = 0
    attempts: int = 0
    queries: int = 0
    stopped: str | None = None

    def as_dict(self) -> dict[str, object]:
        return dict(self.__dict__)


def digest_period(now: datetime, timezone: str) -> str:
    """The digest period a moment belongs to: its ISO week in the product's zone, e.g. 2026-W48."""
    year, week, _ = now.astimezone(ZoneInfo(timezone)).isocalendar()
    return f"{year}-W{week:02d}"


def mail_context(settings: Settings) -> MailContext:
    return MailContext(
        base_url=settings.base_url,
        mail_from=settings.mail_from,
        labels=load_vocabulary(settings.config_dir),
        timezone=settings.timezone,
        key=secret_key(settings),
    )


def message_id(context: MailContext, period: str, subscriber: Subscriber) -> str:
    return f"<digest.{period}.{subscriber.id}.{secrets.token_hex(6)}@{context.domain}>"


@contextlib.contextmanager
def run_lock(home: Path) -> Iterator[None]:
    """One digest run at a time per state directory (a second one would race the send log)."""
    home.mkdir(parents=True, exist_ok=True)
    with (home / "digest.lock").open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise DigestRunning("another `kontext digest send` is running; wait for it to finish") from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _selection_for(selector: Selector, subscriber: Subscriber, record: SendRecord | None) -> Selection:
    if record is None:
        return selector.select(subscriber)
    # A digest logged but not sent: the same events again, as of the same cut-off, same total.
    since, _ = selector.window(subscriber)
    rebuilt = selector.build(subscriber, record.event_ids, record.total, since, record.cutoff)
    return rebuilt


@dataclass(frozen=True)
class _Outgoing:
    subscriber_id: int
    message: EmailMessage


class _Delivery:
    """The sending side of a run: threads, one per mailer (connection), take rendered digests from a
    queue, hand them to the server and log them as sent. Waiting for the server overlaps with the
    selection and rendering of the next digests; a stop (outage, a server refusing everything)
    leaves the queued digests pending for the next run."""

    def __init__(
        self, subscribers: Subscribers, period: str, now: datetime, dry_run: bool, report: RunReport
    ) -> None:
        self.subscribers = subscribers
        self.period = period
        self.now = now
        self.dry_run = dry_run
        self.report = report
        self.queue: queue.Queue[_Outgoing | None] = queue.Queue(maxsize=QUEUE_SIZE)
        self.stopped = threading.Event()
        self.lock = threading.Lock()
        self.refusals_in_a_row = 0
        self.failure: BaseException | None = None

    def stop(self, reason: str) -> None:
        with self.lock:
            if self.report.stopped is None:
                self.report.stopped = reason
        self.stopped.set()

    def put(self, outgoing: _Outgoing) -> bool:
        """Queue a digest; False once the run has been stopped."""
        while not self.stopped.is_set():
            try:
                self.queue.put(outgoing, timeout=0.2)
                return True
            except queue.Full:
                continue
        return False

    def work(self, mailer: Mailer) -> None:
        try:
            while (outgoing := self.queue.get()) is not None:
                if not self.stopped.is_set():
                    self._deliver(mailer, outgoing)
        except BaseException as error:  # reported by the run, after the other threads finished
            self.failure = error
            self.stopped.set()
            while self.queue.get() is not None:  # keep the producer from blocking
                pass

    def _deliver(self, mailer: Mailer, outgoing: _Outgoing) -> None:
        subscriber_id = outgoing.subscriber_id
        try:
            attempts = mailer.send(outgoing.message)
        except MessageRefused as refusal:
            log.warning("digest for subscriber %d refused: %s", subscriber_id, refusal.reply)
            if not self.dry_run:
                self.subscribers.note_failure(
                    subscriber_id, self.period, refusal.reply, counts=True, give_up=MAX_ATTEMPTS
                )
            with self.lock:
                self.report.refused += 1
                self.refusals_in_a_row += 1
                in_a_row = self.refusals_in_a_row
            if in_a_row >= REFUSALS_IN_A_ROW:
                self.stop(
                    f"the SMTP server refused {in_a_row} digests in a row ({refusal.reply}); "
                    "rerun `kontext digest send` when it accepts mail again"
                )
            return
        except MailUnavailable as error:
            if not self.dry_run:
                self.subscribers.note_failure(
                    subscriber_id, self.period, str(error), counts=False, give_up=MAX_ATTEMPTS
                )
            self.stop(str(error))
            return
        if not self.dry_run:
            self.subscribers.finish_send(subscriber_id, self.period, attempts, self.now)
        with self.lock:
            self.refusals_in_a_row = 0
            self.report.sent += 1
            self.report.attempts += attempts


def send_digests(
    settings: Settings,
    store: Store,
    index: SearchIndex,
    mailers: Mailer | Sequence[Mailer],
    now: datetime,
    *,
    dry_run: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> RunReport:
    """Send this period's digest to every confirmed subscriber who has not had it yet.

    Each mailer is one delivery thread (one SMTP connection). With `dry_run` the mailer (a
    DirectoryMailer) gets the messages and nothing is logged, so a dry run never stops a real one
    from sending. When the server stays unreachable the run stops early with `report.stopped`
    saying why; what was sent up to then is logged, the rest is sent by the next run.
    """
    now = now.astimezone(UTC)
    mailers = [mailers] if not isinstance(mailers, Sequence) else list(mailers)
    subscribers = Subscribers(store)
    context = mail_context(settings)
    period = digest_period(now, settings.timezone)
    report = RunReport(period=period)
    selector = Selector(index, store, now, settings.timezone)
    log_entries = subscribers.sends(period)
    total = subscribers.count_confirmed()
    if not settings.base_url.startswith("https://") and not dry_run:
        log.warning(
            "KONTEXT_BASE_URL %s is not https: one-click unsubscribe needs an https link", settings.base_url
        )
    delivery = _Delivery(subscribers, period, now, dry_run, report)
    threads = [
        threading.Thread(target=delivery.work, args=(mailer,), name=f"digest-delivery-{number}", daemon=True)
        for number, mailer in enumerate(mailers, start=1)
    ]
    for thread in threads:
        thread.start()
    try:
        for position, subscriber in enumerate(subscribers.iter_confirmed(), start=1):
            if delivery.stopped.is_set():
                break
            report.subscribers += 1
            if progress:
                progress(position, total)
            record = log_entries.get(subscriber.id)
            if record is not None and record.status is SendStatus.SENT:
                report.already_sent += 1
                continue
            if record is not None and record.status is SendStatus.FAILED:
                with delivery.lock:  # the delivery threads count refusals too
                    report.refused += 1
                continue
            selection = _selection_for(selector, subscriber, record)
            if selection.empty:
                report.empty += 1
                continue
            if record is None and not dry_run:
                record = subscribers.begin_send(
                    subscriber.id,
                    period,
                    message_id(context, period, subscriber),
                    [item.event.id for item in selection.items],
                    selection.cutoff,
                    now,
                    total=selection.total,
                )
            message = render_digest(
                subscriber,
                selection,
                context=context,
                links=links_for(subscriber, context, now),
                now=now,
                message_id=record.message_id if record else message_id(context, period, subscriber),
            )
            if not delivery.put(_Outgoing(subscriber.id, message)):
                break
    finally:
        for _ in threads:
            delivery.queue.put(None)
        for thread in threads:
            thread.join()
        report.queries = selector.queries
        log.info("digest %s: %s", period, report.as_dict())
    if delivery.failure is not None:
        raise delivery.failure
    return report
