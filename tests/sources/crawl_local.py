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
