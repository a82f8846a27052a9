"""Rung 1: every schema.org Event a page declares, whatever the syntax, each reported once.

JSON-LD is read first; microdata, RDFa and hCalendar items that describe the same event (same
title and start) only fill fields JSON-LD left empty (Cook County's JSON-LD has no URLs, its
microdata has them). Events nested in other items (a MusicGroup's `event`, an ItemList's
`itemListElement`, a `@graph`) are found; an Event's own `subEvent`s are not reported separately
unless the Event itself has no date (then it is a series and its sub-events are the dated ones).
"""

from __future__ import annotations

import logging
import re
import unicodedata
from typing import Any

from crawler.extract import jsonld
from crawler.extract.microdata import ELEMENT, read_hcalendar, read_microdata, read_rdfa
from crawler.extract.page import Page
from crawler.extract.schemaorg import MarkupReader, is_event_node
from kontext.records import Event
from kontext.vocabulary import Extraction

log = logging.getLogger(__name__)


def _event_nodes(roots: list[Any]) -> list[dict[str, Any]]:
    """Event nodes in document order, not descending into an Event (its performers, offers, sub-events)."""
    found: list[dict[str, Any]] = []
    stack: list[Any] = list(reversed(roots))
    while stack:
        current = stack.pop()
        if isinstance(current, list):
            stack.extend(reversed(current))
            continue
        if not isinstance(current, dict):
            continue
        if is_event_node(current):
            subs = current.get("subEvent") or current.get("subEvents")
            if subs and not current.get("startDate") and not current.get("eventSchedule"):
                stack.extend(reversed(subs if isinstance(subs, list) else [subs]))
            else:
                found.append(current)
            continue
        stack.extend(reversed([v for k, v in current.items() if k != ELEMENT]))
    return found


def _key(event: Event) -> tuple[str, str, str]:
    """Same title, same start and no different own URL: the same event read twice."""
    folded = unicodedata.normalize("NFKD", event.title.casefold())
    title = " ".join(re.findall(r"\w+", "".join(c for c in folded if not unicodedata.combining(c))))
    when = str(int(event.start.timestamp())) if event.start else (event.when_text or "")
    own_url = event.url if event.url and event.url not in event.source_urls else ""
    return title, when, own_url


def _merge(primary: Event, other: Event) -> Event:
    """Fields the primary event lacks, taken from another reading of the same event."""
    update: dict[str, Any] = {}
    for name in ("description", "registration_url", "registration_deadline", "image", "end", "venue",
                 "organizer", "attendance", "price", "location_text", "language"):
        if not getattr(primary, name) and getattr(other, name):
            update[name] = getattr(other, name)
    if primary.url in (None, *primary.source_urls) and other.url not in (None, *other.source_urls):
        update["url"] = other.url
    return primary.model_copy(update=update) if update else primary


def markup_events(page: Page, *, broken: list[int] | None = None) -> list[Event]:
    """All schema.org events of the page (JSON-LD, then microdata, RDFa, hCalendar), each once."""
    documents, unreadable = jsonld.read_blocks(page.json_ld_blocks()) if "ld+json" in page.text else ([], 0)
    if broken is not None:
        broken.append(unreadable)
    sources: list[tuple[Extraction, list[dict[str, Any]], dict[str, dict[str, Any]]]] = []
    if documents:
        sources.append((Extraction.JSONLD, _event_nodes(documents), jsonld.id_index(documents)))
    microdata_items = read_microdata(page)
    if microdata_items:
        sources.append((Extraction.MICRODATA, _event_nodes(microdata_items), {}))
    rdfa_items = read_rdfa(page)
    if rdfa_items:
        sources.append((Extraction.RDFA, _event_nodes(rdfa_items), {}))
    hcalendar = read_hcalendar(page)
    if hcalendar:
        sources.append((Extraction.MICROFORMAT, hcalendar, {}))
    total = sum(len(nodes) for _, nodes, _ in sources)
    events: list[Event] = []
    by_key: dict[tuple[str, str, str], int] = {}
    for extraction, nodes, index in sources:
        reader = MarkupReader(page, extraction, index)
        for node in nodes:
            for event in reader.events(node, single=total == 1):
                key = _key(event)
                same = by_key.get(key)
                if same is None and key[2]:
                    same = by_key.get((key[0], key[1], ""))  # the same event once with, once without URL
                if same is not None:
                    events[same] = _merge(events[same], event)
                    continue
                by_key[key] = len(events)
                events.append(event)
    return events
