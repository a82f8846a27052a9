"""The `kontext` command line: the staff's front door.

Commands live one per module in kontext/commands/ and are imported only when used, so
`kontext --help` stays fast and a heavy import (spaCy, Scrapy) is paid only by the command
that needs it. Errors that are the user's to fix end as one line on stderr, exit code 2.
"""

from __future__ import annotations

import importlib
import logging
import sys

import click

from kontext.errors import UserError

# command name -> "module:attribute"; the order is the order of `kontext --help`.
COMMANDS = {
    "demo": "kontext.commands.demo:demo",
    "crawl": "kontext.commands.crawl:crawl",
    "index": "kontext.commands.index:index",
    "import": "kontext.commands.importer:import_events",
    "search": "kontext.commands.search:search",
    "serve": "kontext.commands.serve:serve",
    "digest": "kontext.commands.digest:digest",
    "subscribers": "kontext.commands.subscribers:subscribers",
    "sources": "kontext.commands.sources:sources",
    "extract": "kontext.commands.extract:extract",
    "dates": "kontext.commands.dates:dates",
    "places": "kontext.commands.places:places",
    "tag": "kontext.commands.tag:tag",
    "train": "kontext.commands.train:train",
    "services": "kontext.commands.services:services",
    "doctor": "kontext.commands.doctor:doctor",
}


def _available(name: str) -> bool:
    module = COMMANDS[name].split(":")[0]
    return importlib.util.find_spec(module) is not None


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return [name for name in COMMANDS if _available(name)]

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMANDS or not _available(cmd_name):
            return None
        module_name, attr = COMMANDS[cmd_name].split(":")
        return getattr(importlib.import_module(module_name), attr)

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except UserError as error:
            click.echo(f"kontext: {error}", err=True)
            sys.exit(2)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-v", "--verbose", count=True, help="More log output (-vv for debug).")
def cli(verbose: int) -> None:
    """Kontext finds the events where small and medium-sized companies meet."""
    level = logging.WARNING - 10 * min(verbose, 2)
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")


def main() -> None:
    cli()


if __name__ == "__main__":
    main()
