"""Text cleanup, written once for every source: HTML to plain text, entities, whitespace, limits."""

from __future__ import annotations

import html
import re
import warnings
from urllib.parse import urljoin, urlsplit

from bs4 import BeautifulSoup, MarkupResemblesLocatorWarning

from kontext.records import Event

MAX_TITLE = 300
MAX_DESCRIPTION = 20_000
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b\u200e\u200f\ufeff]")
_SPACES = re.compile(r"[ \t\u00a0\u2009\u202f]+")
_BLANK_LINES = re.compile(r"\n\s*\n\s*\n+")
_BLOCKS = ("p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "section", "article", "dd", "dt")


def html_to_text(value: str) -> str:
    """Plain text from an HTML fragment (or from text that merely contains entities)."""
    if "<" not in value:
        return normalise_space(html.unescape(value), keep_lines=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MarkupResemblesLocatorWarning)
        soup = BeautifulSoup(value, "lxml")
    for junk in soup(["script", "style", "noscript", "template"]):
        junk.decompose()
    for block in soup.find_all(_BLOCKS):
        block.insert_before("\n")
        block.insert_after("\n")
    return normalise_space(soup.get_text(), keep_lines=True)


def normalise_space(value: str, *, keep_lines: bool = False) -> str:
    value = _CONTROL.sub("", value)
    if not keep_lines:
        return _SPACES.sub(" ", value.replace("\r", " ").replace("\n", " ")).strip()
    lines = [_SPACES.sub(" ", line).strip() for line in value.replace("\r\n", "\n").split("\n")]
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


def clean_url(value: str | None, base: str | None = None) -> str | None:
    """An absolute http(s) URL, or None for anything else (javascript:, mailto:, garbage)."""
    if not value:
        return None
    value = html.unescape(value.strip())
    if base:
        value = urljoin(base, value)
    parts = urlsplit(value)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        return None
    return value


def clean_event(event: Event) -> Event:
    """Plain-text title and description, absolute URLs, bounded sizes."""
    title = normalise_space(html_to_text(event.title))[:MAX_TITLE]
    description = html_to_text(event.description)[:MAX_DESCRIPTION] if event.description else ""
    base = event.url or (event.source_urls[0] if event.source_urls else None)
    update = {
        "title": title or event.title,
        "description": description,
        "url": clean_url(event.url, base),
        "registration_url": clean_url(event.registration_url, base),
        "image": clean_url(event.image, base),
        "tags": list(dict.fromkeys(normalise_space(html_to_text(tag)) for tag in event.tags if tag.strip())),
    }
    if event.when_text:
        update["when_text"] = normalise_space(html_to_text(event.when_text))
    if event.location_text:
        update["location_text"] = html_to_text(event.location_text)
    return event.model_copy(update=update)
