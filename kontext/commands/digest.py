"""`kontext digest send`: this week's digest to every confirmed subscriber, each at most once."""

from __future__ import annotations

from contextlib import ExitStack, closing
from pathlib import Path

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from digest.mailer import DirectoryMailer, SmtpMailer, parse_smtp_url
from digest.sending import run_lock, send_digests
from kontext.commands.common import now_option, parse_now, settings
from kontext.errors import UserError
from kontext.services import meili_session
from kontext.store import Store
from search.index import SearchIndex
from search.sync import sync_index


@click.group()
def digest() -> None:
    """Weekly digest emails."""


@digest.command()
@now_option
@click.option(
    "--dry-run",
    "dry_run",
    type=click.Path(file_okay=False, path_type=Path),
    help="Write each digest as DIR/<message-id>.eml instead of sending; logs nothing as sent.",
)
@click.option(
    "--connections",
    default=2,
    show_default=True,
    type=click.IntRange(1, 8),
    help="SMTP connections used in parallel.",
)
def send(now_text: str | None, dry_run: Path | None, connections: int) -> None:
    """Send this period's digest (the ISO week of --now) to every confirmed subscriber who has not
    had it yet. Rerunning the same week sends only what is missing."""
    config = settings()
    now = parse_now(now_text, config.timezone)
    if dry_run is None and not config.smtp_url:
        raise UserError(
            "SMTP_URL is not set: set it (e.g. smtp+starttls://user:pass@host:587) or use --dry-run DIR"
        )
    if dry_run:
        mailers: list[DirectoryMailer | SmtpMailer] = [DirectoryMailer(dry_run)]
    else:
        smtp = parse_smtp_url(config.smtp_url or "")
        mailers = [SmtpMailer(smtp) for _ in range(connections)]
    store = Store.from_settings(config)
    console = Console(stderr=True)
    try:
        with ExitStack() as stack:
            stack.enter_context(run_lock(config.home))
            meili = stack.enter_context(meili_session(config))
            index = stack.enter_context(closing(SearchIndex(meili, config.events_index)))
            # Events stored but not yet indexed would be missed now and never counted as new again.
            synced = sync_index(store, index)
            if synced.remaining:
                console.print(f"warning: {synced.remaining} stored events are not in the index yet")
            with Progress(
                TextColumn("digest"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeRemainingColumn(),
                console=console,
                transient=True,
            ) as progress:
                task = progress.add_task("digest", total=None)

                def advance(done: int, total: int) -> None:
                    progress.update(task, completed=done, total=total)

                report = send_digests(
                    config, store, index, mailers, now, dry_run=dry_run is not None, progress=advance
                )
    finally:
        for mailer in mailers:
            mailer.close()
        store.close()
    verb = f"wrote {report.sent} to {dry_run}" if dry_run else f"sent {report.sent}"
    click.echo(
        f"digest {report.period}: {verb}, already sent {report.already_sent}, nothing new {report.empty}, "
        f"refused {report.refused} ({report.subscribers} subscribers)"
    )
    if report.stopped:
        raise UserError(f"stopped early: {report.stopped}. Rerun `kontext digest send` to send the rest")
