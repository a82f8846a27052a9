"""Run a real crawl of example sources at a fixed `now`, in its own process (Twisted's reactor
cannot restart, so every crawl of a test runs in a subprocess). Prints the reports as JSON.

    python -m tests.sources.crawl_local --sample-site URL --now ISO [--source NAME …] [--link]
"""

from __future__ import annotations

import argparse
import json
import logging
from datetime import datetime
from pathlib import Path

from crawler.run import run_crawl
from kontext.settings import load_settings
from kontext.sources import load_sources

EXAMPLES = Path(__file__).resolve().parent / "example_sources.yaml"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sample-site", required=True)
    parser.add_argument("--now", required=True, type=datetime.fromisoformat)
    parser.add_argument("--source", action="append", default=[])
    parser.add_argument("--sources-file", default=str(EXAMPLES))
    parser.add_argument("--link", action="store_true", help="Link events to organisation records.")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    settings = load_settings()
    sources = [
        source.resolved(args.sample_site)
        for source in load_sources(Path(args.sources_file))
        if not args.source or source.name in args.source
    ]
    extra = {}
    if args.link:
        extra["ITEM_PIPELINES"] = {
            "pipelines.scrapy_stages.NormaliseStage": 100,
            "crawler.organisation_stages.LinkOrganisations": 700,
            "pipelines.scrapy_stages.StoreStage": 800,
        }
    reports = run_crawl(settings, sources, meili=None, now=args.now, extra_settings=extra)
    print(json.dumps([report.__dict__ for report in reports]))


if __name__ == "__main__":
    main()


def crawl_examples(env: dict[str, str], site_url: str, *names: str, link: bool = False) -> list[dict]:
    """Crawl example sources of an invented site in a subprocess (at NOW of tests/sources/invented.py)."""
    import subprocess
    import sys

    from tests.sources.invented import NOW

    command = [sys.executable, "-m", "tests.sources.crawl_local", "--sample-site", site_url, "--now", NOW.isoformat()]
    for name in names:
        command += ["--source", name]
    if link:
        command.append("--link")
    result = subprocess.run(
        command, env=env, capture_output=True, text=True, timeout=300, cwd=Path(__file__).resolve().parents[2]
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def isolated_env(home: Path) -> dict[str, str]:
    """The environment of one Kontext instance with its own store under `home` (no search server)."""
    from tests.conftest import clean_environment

    return {**clean_environment(), "KONTEXT_HOME": str(home)}
