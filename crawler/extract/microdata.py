"""Rung 1b: schema.org items in microdata and RDFa (Lite), and hCalendar events.

All three are read in the same shape as JSON-LD nodes ({"@type": [...], "name": ..., nested
dicts}) so one mapping (schemaorg.py) turns them into events. Each item keeps a reference to its
element under ``ELEMENT`` so that a malformed date can fall back to the text the page shows.

A small reader of our own instead of extruct here: it keeps the elements, reads microdata and
RDFa in one pass over an already parsed tree, and costs a fraction of pyRdfa's time.
"""

from __future__ import annotations

from typing import Any

from lxml import etree

from crawler.extract.page import Page, clean_text, text_content

ELEMENT = "__element__"
_URL_ATTRIBUTES = {"a": "href", "area": "href", "link": "href", "img": "src", "audio": "src", "embed": "src",
                   "iframe": "src", "source": "src", "track": "src", "video": "src", "object": "data"}
_SCHEMA_PREFIXES = ("http://schema.org/", "https://schema.org/", "http://www.schema.org/", "schema:")


def _short(term: str) -> str:
    for prefix in _SCHEMA_PREFIXES:
        if term.startswith(prefix):
            return term[len(prefix):]
    if "://" in term:
        return term.rstrip("/").rsplit("/", 1)[-1].rsplit("#", 1)[-1]
    return term.split(":", 1)[-1]


def _value(element: etree._Element, page: Page, url_attribute_names: tuple[str, ...] = ()) -> str:
    if element.get("content") is not None:
        return clean_text(element.get("content"))
    for name in url_attribute_names:
        if element.get(name):
            raw = element.get(name, "")
            return page.absolute(raw) or clean_text(raw)
    tag = element.tag if isinstance(element.tag, str) else ""
    if tag in _URL_ATTRIBUTES and element.get(_URL_ATTRIBUTES[tag]):
        raw = element.get(_URL_ATTRIBUTES[tag], "")
        return page.absolute(raw) or clean_text(raw)
    if tag == "time" and element.get("datetime"):
        return clean_text(element.get("datetime"))
    if tag in ("data", "meter") and element.get("value"):
        return clean_text(element.get("value"))
    return clean_text(text_content(element))


def _add(item: dict[str, Any], name: str, value: Any) -> None:
    if name in item:
        existing = item[name]
        if isinstance(existing, list):
            existing.append(value)
        else:
            item[name] = [existing, value]
    else:
        item[name] = value


def read_microdata(page: Page) -> list[dict[str, Any]]:
    """Top-level microdata items (itemscope without itemprop), nested items included as values."""
    if "itemscope" not in page.text:
        return []
    items: list[dict[str, Any]] = []
    for element in page.root.iter():
        if not isinstance(element.tag, str) or element.get("itemscope") is None:
            continue
        if element.get("itemprop") is not None and _has_scope_ancestor(element, "itemscope"):
            continue
        items.append(_microdata_item(element, page))
    return items


def _has_scope_ancestor(element: etree._Element, attribute: str) -> bool:
    node = element.getparent()
    while node is not None:
        if node.get(attribute) is not None:
            return True
        node = node.getparent()
    return False


def _microdata_item(scope: etree._Element, page: Page) -> dict[str, Any]:
    types = [_short(t) for t in (scope.get("itemtype") or "").split()]
    item: dict[str, Any] = {"@type": types, ELEMENT: scope}
    if scope.get("itemid"):
        item["@id"] = scope.get("itemid")
    stack = list(reversed(list(scope)))
    for ref in (scope.get("itemref") or "").split():
        targets = page.root.xpath("//*[@id=$ref]", ref=ref)
        if targets:
            stack.append(targets[0])
    while stack:
        element = stack.pop()
        if not isinstance(element.tag, str):
            continue
        names = (element.get("itemprop") or "").split()
        nested = element.get("itemscope") is not None
        if names:
            value: Any = _microdata_item(element, page) if nested else _value(element, page)
            for name in names:
                _add(item, _short(name), value)
        if not nested:
            stack.extend(reversed(list(element)))
    return item


def read_rdfa(page: Page) -> list[dict[str, Any]]:
    """Top-level RDFa (Lite) items: typeof scopes, property values, vocab/prefix resolved to schema.org."""
    if "typeof" not in page.text:
        return []
    items: list[dict[str, Any]] = []
    for element in page.root.iter():
        if not isinstance(element.tag, str) or element.get("typeof") is None:
            continue
        if element.get("property") is not None and _has_scope_ancestor(element, "typeof"):
            continue
        items.append(_rdfa_item(element, page))
    return items


def _rdfa_item(scope: etree._Element, page: Page) -> dict[str, Any]:
    types = [_short(t) for t in (scope.get("typeof") or "").split()]
    item: dict[str, Any] = {"@type": types, ELEMENT: scope}
    if scope.get("resource") or scope.get("about"):
        item["@id"] = scope.get("resource") or scope.get("about")
    stack = list(reversed(list(scope)))
    while stack:
        element = stack.pop()
        if not isinstance(element.tag, str):
            continue
        names = (element.get("property") or "").split()
        nested = element.get("typeof") is not None
        if names:
            value: Any = (
                _rdfa_item(element, page) if nested else _value(element, page, ("resource", "href", "src"))
            )
            for name in names:
                _add(item, _short(name), value)
        if not nested:
            stack.extend(reversed(list(element)))
    return item


_HCAL_PROPERTIES = {
    "summary": "name", "dtstart": "startDate", "dtend": "endDate", "location": "location",
    "url": "url", "description": "description", "organizer": "organizer", "category": "keywords",
    "p-name": "name", "dt-start": "startDate", "dt-end": "endDate", "p-location": "location",
    "u-url": "url", "p-summary": "description", "e-content": "description", "p-description": "description",
    "p-organizer": "organizer",
}  # fmt: skip


def read_hcalendar(page: Page) -> list[dict[str, Any]]:
    """hCalendar (class="vevent") and h-event items as schema.org-shaped Event nodes."""
    if "vevent" not in page.text and "h-event" not in page.text:
        return []
    events: list[dict[str, Any]] = []
    for scope in page.root.xpath(
        "//*[contains(concat(' ', normalize-space(@class), ' '), ' vevent ')"
        " or contains(concat(' ', normalize-space(@class), ' '), ' h-event ')]"
    ):
        item: dict[str, Any] = {"@type": ["Event"], ELEMENT: scope}
        for element in scope.iter():
            if element is scope or not isinstance(element.tag, str):
                continue
            for cls in (element.get("class") or "").split():
                name = _HCAL_PROPERTIES.get(cls)
                if name and name not in item:
                    item[name] = _hcal_value(element, page, name)
        if item.get("name") or item.get("startDate"):
            events.append(item)
    return events


def _hcal_value(element: etree._Element, page: Page, name: str) -> str:
    titled = element.xpath(".//*[contains(concat(' ', @class, ' '), ' value-title ')][@title]")
    if titled:
        return clean_text(titled[0].get("title"))
    values = element.xpath(".//*[contains(concat(' ', @class, ' '), ' value ')]")
    if values:
        return " ".join(_value(value, page) for value in values)
    if element.tag == "abbr" and element.get("title"):
        return clean_text(element.get("title"))
    if name == "url" and element.get("href"):
        return page.absolute(element.get("href")) or ""
    return _value(element, page)
