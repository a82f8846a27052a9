"""`kontext subscribers add/list/remove`: the digest's subscriber list, for staff."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

import click

from digest.mailer import MailUnavailable, MessageRefused, mailer_for
from digest.render import confirm_url, render_confirmation
from digest.searches import saved_search, summary_parts
from digest.sending import mail_context
from digest.subscribers import Status, Subscribers, describe
from kontext.commands.common import json_option, print_json, settings
from kontext.errors import UserError
from kontext.store import Store


@click.group()
def subscribers() -> None:
    """Digest subscribers: add, list, remove."""


@subscribers.command()
@click.argument("email")
@click.option("--query", "text", default="", help="Search words, as typed on the search page.")
@click.option("--sector", "sectors", multiple=True, help="Sector code (repeatable), e.g. machinery.")
@click.option("--topic", "topics", multiple=True, help="Topic code (repeatable), e.g. ai.")
@click.option("--format", "formats", multiple=True, help="Format code (repeatable), e.g. trade-fair.")
@click.option(
    "--audience", "audiences", multiple=True, help="Audience label (repeatable); default sme + mixed; `all`."
)
@click.option("--region", "regions", multiple=True, help="Bundesland / region (repeatable).")
@click.option("--near", help="Town or postcode for a radius search (with --km).")
@click.option("--km", type=click.FloatRange(min=1, max=500), help="Radius around --near in km.")
@click.option("--lang", "language", type=click.Choice(["de", "en"]), default="de", show_default=True)
@click.option("--confirmed", is_flag=True, help="Skip double opt-in (the person agreed elsewhere).")
def add(email, text, sectors, topics, formats, audiences, regions, near, km, language, confirmed) -> None:
    """Add EMAIL with a saved search; without --confirmed a confirmation mail goes out first."""
    if km is not None and not near:
        raise UserError("--km needs --near CITY (the place the radius is around)")
    config = settings()
    params: list[tuple[str, str]] = [("q", text), ("near", near or "")]
    params += [("km", f"{km:g}")] if km is not None else []
    for name, values in (
        ("sector", sectors),
        ("topic", topics),
        ("format", formats),
        ("audience", audiences),
        ("region", regions),
    ):
        params += [(name, value) for value in values]
    search = saved_search(params, config.timezone)
    store = Store.from_settings(config)
    try:
        book = Subscribers(store)
        now = datetime.now(UTC)
        subscriber, created = book.add(email, search, language, now, confirmed=confirmed)
        what = "added" if created else "updated"
        context = mail_context(config)
        described = (
            " · ".join(summary_parts(subscriber.search, context.labels, "en")) or "everything upcoming"
        )
        if subscriber.status is Status.CONFIRMED:
            click.echo(f"{what} {subscriber.email} (confirmed): {described}")
            return
        mailer = mailer_for(config.smtp_url, config.home / "outbox")
        message = render_confirmation(
            subscriber,
            context=context,
            confirm=confirm_url(subscriber, context, now),
            now=now,
            message_id=f"<subscription.{subscriber.id}.{secrets.token_hex(6)}@{context.domain}>",
        )
        try:
            mailer.send(message)
        except (MailUnavailable, MessageRefused) as error:
            raise UserError(
                f"{what} {subscriber.email}, but the confirmation mail failed: {error}; run the command again"
            ) from None
        finally:
            mailer.close()
        book.mark_confirmation_sent(subscriber.id, now)
        where = "sent" if config.smtp_url else f"written to {config.home / 'outbox'}"
        click.echo(f"{what} {subscriber.email} (pending): {described}; confirmation mail {where}")
    finally:
        store.close()


@subscribers.command("list")
@json_option
def list_subscribers(as_json: bool) -> None:
    """All subscribers with their state and saved search."""
    config = settings()
    store = Store.from_settings(config)
    try:
        everyone = Subscribers(store).all()
    finally:
        store.close()
    if as_json:
        print_json([describe(subscriber) for subscriber in everyone])
        return
    if not everyone:
        click.echo("no subscribers yet (add one with `kontext subscribers add EMAIL`)")
        return
    labels = mail_context(config).labels
    for subscriber in everyone:
        search = " · ".join(summary_parts(subscriber.search, labels, "en")) or "everything upcoming"
        last = subscriber.last_digest_at.date().isoformat() if subscriber.last_digest_at else "never"
        click.echo(
            f"{subscriber.id:>6}  {subscriber.email:<40} {subscriber.status.value:<12} "
            f"{subscriber.language}  last digest {last:<10}  {search}"
        )


@subscribers.command()
@click.argument("email")
def remove(email: str) -> None:
    """Delete EMAIL and its send log (all its links stop working)."""
    config = settings()
    store = Store.from_settings(config)
    try:
        removed = Subscribers(store).remove(email)
    finally:
        store.close()
    if not removed:
        raise UserError(f"no subscriber with the address {email!r} (see `kontext subscribers list`)")
    click.echo(f"removed {email}")
