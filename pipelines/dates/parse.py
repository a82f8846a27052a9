"""parse_when: an event page's date phrase -> When."""

from __future__ import annotations

import html
import re
from datetime import datetime
from functools import lru_cache

from pipelines.dates.grammar import parse_tokens
from pipelines.dates.model import Reading
from pipelines.dates.resolve import resolve, resolver_for
from pipelines.dates.scanner import correct_typos, normalise, scan
from pipelines.dates.when import When

_TAG = re.compile(r"<[^>]+>")


def clean(text: str) -> str:
    """Markup and entities out, so "14:00&nbsp;&ndash;&nbsp;17:30" reads like the page shows it."""
    if "<" in text:
        text = _TAG.sub(" ", text)
    if "&" in text:
        text = html.unescape(text)
    return text


@lru_cache(maxsize=8192)
def reading(text: str) -> Reading | None:
    """The grammar's reading of a phrase (independent of `now`, so it is cached)."""
    cleaned = clean(text)
    return parse_tokens(correct_typos(scan(cleaned, normalise(cleaned))))


def parse_when(text: str, now: datetime, tz: str = "Europe/Berlin", *, prefer_future: bool = True) -> When | None:
    """The date phrase of an event page -> When, or None when it names no date or time.

    `now` is the reference (crawl or publication time). A missing year is the next occurrence
    on or after `now` when `prefer_future` (listings), else the nearest one. German and English.
    """
    if not text or not text.strip():
        return None
    return _resolved(text, now, tz, prefer_future)


@lru_cache(maxsize=8192)
def _resolved(text: str, now: datetime, tz: str, prefer_future: bool) -> When | None:
    # Listings repeat the same phrases against the same reference time (one page, one crawl).
    found = reading(text)
    if found is None:
        return None
    span = resolve(found, resolver_for(now, tz, prefer_future))
    if span is None:
        return None
    return When(*span)


def clear_caches() -> None:
    """Forget cached readings and results, so a bench measures what parsing costs."""
    reading.cache_clear()
    _resolved.cache_clear()
