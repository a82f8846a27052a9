"""Rung 3: per-source selectors from config/sources.yaml, for sites the generic rungs misread.

Each selector is CSS (parsel's dialect, so ``::attr(href)`` and ``::text`` work) or XPath when
prefixed with ``xpath:``. `item` selects one element per event; the other selectors are
evaluated inside it. Dates are handed to the date module as text, with the page's publication
date (or the crawl date) as the reference for missing years.
"""

from __future__ import annotations

import logging

from parsel import Selector

from crawler.extract.dating import parse_text_when, when_fields
from crawler.extract.page import Page, clean_text
from crawler.extract.wording import status_from_text, strip_status_prefix
from kontext.records import Event
from kontext.sources import Selectors, selector_xpath
from kontext.vocabulary import Extraction

log = logging.getLogger(__name__)


class SelectorError(ValueError):
    """A selector in config/sources.yaml cannot be compiled."""


def _xpath(selector: str) -> str:
    try:
        return selector_xpath(selector)
    except ValueError as error:
        raise SelectorError(str(error)) from None


def _texts(scope: Selector, selector: str | None) -> list[str]:
    if not selector:
        return []
    values = scope.xpath(_xpath(selector))
    texts: list[str] = []
    for value in values:
        root = value.root
        if isinstance(root, str):
            texts.append(clean_text(root))
        else:
            texts.append(clean_text(" ".join(value.xpath(".//text()").getall())))
    return [text for text in texts if text]


def _first(scope: Selector, selector: str | None) -> str:
    texts = _texts(scope, selector)
    return " ".join(texts) if texts else ""


def check_selectors(selectors: Selectors) -> None:
    """Raise SelectorError naming the first selector that is not valid CSS or XPath (for config checks)."""
    probe = Selector(text="<html><body></body></html>", type="html")
    for name, value in selectors.model_dump().items():
        if value:
            try:
                probe.xpath(_xpath(value))
            except ValueError as error:
                raise SelectorError(f"selector {name!r} ({value!r}): {error}") from None


def selector_events(page: Page, selectors: Selectors) -> list[Event]:
    """Events from the source's selectors; [] (logged) when the item selector matches nothing or a
    selector is invalid (config/sources.yaml is the staff's to fix; the crawl goes on)."""
    try:
        return _selector_events(page, selectors)
    except ValueError as error:  # SelectorError, or parsel's for invalid XPath
        log.error("invalid selector for %s: %s", page.url, error)
        return []


def _selector_events(page: Page, selectors: Selectors) -> list[Event]:
    document = Selector(root=page.root, type="html")
    items = document.xpath(_xpath(selectors.item))
    if not items:
        log.info("selector %r matched nothing on %s", selectors.item, page.url)
        return []
    events: list[Event] = []
    for item in items:
        title = strip_status_prefix(_first(item, selectors.title))
        start_text = _first(item, selectors.start)
        if not title or not start_text:
            continue
        when_text = " ".join(part for part in (start_text, _first(item, selectors.time)) if part)
        end_text = _first(item, selectors.end)
        if end_text:
            when_text = f"{when_text} – {end_text}"
        link = _first(item, selectors.url) if selectors.url else ""
        if not link:
            hrefs = item.xpath(".//a/@href").getall()
            link = hrefs[0] if hrefs else ""
        raw_text = clean_text(" ".join(item.xpath(".//text()").getall()))
        fields = {
            "title": title,
            "description": _first(item, selectors.description),
            "url": page.absolute(link) or page.url,
            "source_urls": [page.url],
            "location_text": _first(item, selectors.location) or None,
            "status": status_from_text(f"{title} {raw_text[:300]}") or None,
            "timezone": page.timezone,
            "language": page.language,
            "extraction": Extraction.SELECTORS,
        }
        when = parse_text_when(when_text, page)
        if when is not None:
            fields.update(when_fields(when, page))
        else:
            fields["when_text"] = when_text
        events.append(Event(**{key: value for key, value in fields.items() if value is not None}))
    return events
