"""Organisation directories: a page of associations, chambers or clusters in, `Organisation` records out.

Pure: no network, no Scrapy. Three ways to read a directory, most reliable first:
1. schema.org Organization nodes in JSON-LD (name, url, address) when the page has them;
2. the source's directory selectors (config/sources.yaml `directory.selectors`);
3. heuristics: repeated entries (list items, table rows, cards) that each name an organisation and
   link to its own website on another host.
Every record gets the kind the directory declares (else the kind its name states), the directory's
default sectors, a city and region from a postcode or town in the entry, and a stable id.
"""

from __future__ import annotations

import json
import logging
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

from lxml import etree
from lxml import html as lxml_html
from parsel import Selector

from kontext.organisations import kind_from_name, organisation_id, place_of
from kontext.records import Organisation
from kontext.settings import PROJECT_ROOT
from kontext.sources import DirectorySelectors, Source
from kontext.vocabulary import OrganizerKind

log = logging.getLogger(__name__)

ORGANISATION_TYPES = frozenset(
    {"Organization", "Corporation", "NGO", "GovernmentOrganization", "LocalBusiness", "ProfessionalService",
     "EducationalOrganization", "ResearchOrganization", "WorkersUnion", "Consortium"}
)  # fmt: skip
_POSTCODE_TOWN = re.compile(
    r"\b(?:D-)?(\d{5})\s+([A-ZÄÖÜ][\w.\-]*(?:\s(?:am|an der|im|in der|bei|\(\w+\))\s?[\w.\-]+)?)"
)
_EVENTS_LINK = re.compile(r"veranstaltung|termine|events?\b|kalender|calendar|seminare", re.IGNORECASE)
# Elements that hold one directory entry, most specific first; a <p> or <span> is part of an entry.
_ENTRY_TAGS = ("li", "tr", "article", "dd")
_BLOCK_TAGS = ("div", "section")
_NOT_A_NAME = re.compile(
    r"^(?:https?://|www\.)|^(?:mehr|weiter|website|homepage|zur website|details?|link)$", re.I
)
_SKIP_HOSTS = re.compile(r"(?:facebook|twitter|x|linkedin|instagram|youtube|xing|google|maps\.apple)\.\w+$")


@dataclass
class CrawledOrganisation:
    """What a directory spider yields: one organisation and the page it came from."""

    organisation: Organisation
    page_url: str


def _text(node: Any) -> str:
    if isinstance(node, str):
        return " ".join(node.split())
    return " ".join(" ".join(node.itertext()).split())


def _host(url: str) -> str:
    return (urlsplit(url).hostname or "").lower().removeprefix("www.")


def _record(
    name: str,
    *,
    source: Source | None,
    config_dir: Path,
    url: str | None = None,
    events_url: str | None = None,
    city: str | None = None,
    region: str | None = None,
    postcode: str | None = None,
    description: str = "",
) -> Organisation | None:
    name = " ".join(name.split()).strip(" ,;:-")
    if len(name) < 3 or _NOT_A_NAME.search(name):
        return None
    spec = source.directory if source else None
    kind = spec.kind if spec and spec.kind != OrganizerKind.UNKNOWN else kind_from_name(name, config_dir)
    if not (city and region):
        place = place_of(city, postcode=postcode) if (city or postcode) else None
        if place is not None:
            city, region = city or place.city, region or place.region
    return Organisation(
        id=organisation_id(name),
        name=name,
        kind=kind,
        sectors=list(spec.sectors if spec and spec.sectors else (source.sectors if source else [])),
        region=region or (spec.region if spec else None),
        city=city,
        url=url,
        events_url=events_url,
        description=description[:1000],
        source=source.name if source else "",
    )


def _jsonld_organisations(
    root: etree._Element, url: str, source: Source | None, config_dir: Path
) -> list[Organisation]:
    records = []
    for script in root.xpath("//script[@type='application/ld+json']"):
        try:
            data = json.loads(script.text or "")
        except ValueError:
            continue
        stack = [data]
        while stack:
            node = stack.pop()
            if isinstance(node, list):
                stack.extend(node)
                continue
            if not isinstance(node, dict):
                continue
            stack.extend(node.get("@graph") or [])
            stack.extend(value for key, value in node.items() if key in {"itemListElement", "item", "member"})
            types = node.get("@type")
            types = types if isinstance(types, list) else [types]
            if not any(str(kind).rsplit("/", 1)[-1] in ORGANISATION_TYPES for kind in types):
                continue
            address = node.get("address") if isinstance(node.get("address"), dict) else {}
            record = _record(
                str(node.get("name") or ""),
                source=source,
                config_dir=config_dir,
                url=urljoin(url, node["url"]) if isinstance(node.get("url"), str) else None,
                city=address.get("addressLocality"),
                region=address.get("addressRegion"),
                postcode=address.get("postalCode"),
                description=str(node.get("description") or ""),
            )
            if record is not None:
                records.append(record)
    return records


def _selector_organisations(
    html: str, url: str, selectors: DirectorySelectors, source: Source | None, config_dir: Path
) -> list[Organisation]:
    def first(scope: Selector, query: str | None) -> str:
        if not query:
            return ""
        values = scope.xpath(query[len("xpath:") :]) if query.startswith("xpath:") else scope.css(query)
        texts = [value.get() if isinstance(value.root, str) else _text(value.root) for value in values]
        return " ".join(" ".join(texts).split())

    document = Selector(text=html)
    items = (
        document.xpath(selectors.item[len("xpath:") :])
        if selectors.item.startswith("xpath:")
        else document.css(selectors.item)
    )
    records = []
    for item in items:
        link = first(item, selectors.url)
        events = first(item, selectors.events_url)
        text = _text(item.root)
        postcode = _POSTCODE_TOWN.search(text)
        record = _record(
            first(item, selectors.name),
            source=source,
            config_dir=config_dir,
            url=urljoin(url, link) if link else None,
            events_url=urljoin(url, events) if events else None,
            city=first(item, selectors.city) or (postcode.group(2) if postcode else None),
            region=first(item, selectors.region) or None,
            postcode=postcode.group(1) if postcode else None,
            description=first(item, selectors.description),
        )
        if record is not None:
            records.append(record)
    return records


def _item_of(link: etree._Element) -> etree._Element | None:
    """The entry a link belongs to: its list item, table row or article, else a classed block."""
    block = None
    for ancestor in link.iterancestors():
        if ancestor.tag in _ENTRY_TAGS:
            return ancestor
        if block is None and ancestor.tag in _BLOCK_TAGS and ancestor.get("class"):
            block = ancestor
        if ancestor.tag in ("main", "body"):
            break
    return block


def _signature(element: etree._Element) -> tuple[str, str]:
    return element.tag, " ".join(sorted((element.get("class") or "").split()))


def _heuristic_organisations(
    root: etree._Element, url: str, source: Source | None, config_dir: Path
) -> list[Organisation]:
    own = _host(url)
    entries: dict[etree._Element, list[etree._Element]] = {}
    for link in root.xpath("//body//a[@href]"):
        target = urljoin(url, link.get("href", ""))
        host = _host(target)
        if (
            not target.startswith(("http://", "https://"))
            or not host
            or host == own
            or _SKIP_HOSTS.search(host)
        ):
            continue
        if any(ancestor.tag in {"nav", "footer", "header"} for ancestor in link.iterancestors()):
            continue
        item = _item_of(link)
        if item is not None:
            entries.setdefault(item, []).append(link)
    # A directory repeats one entry shape; lone external links elsewhere on the page are not entries.
    shapes = Counter(_signature(item) for item in entries)
    records = []
    for item, links in entries.items():
        if shapes[_signature(item)] < 2:
            continue
        website = urljoin(url, links[0].get("href", ""))
        heading = item.xpath(".//h1|.//h2|.//h3|.//h4|.//h5|.//strong|.//b|.//th|.//dt")
        name = _text(heading[0]) if heading else ""
        if not name or _NOT_A_NAME.search(name):
            name = _text(links[0])
        if not name or _NOT_A_NAME.search(name):
            name = next(
                (line.strip() for line in "\n".join(item.itertext()).splitlines() if len(line.strip()) > 2),
                "",
            )
        events = next(
            (
                urljoin(url, a.get("href", ""))
                for a in item.xpath(".//a[@href]")
                if _EVENTS_LINK.search(_text(a) + " " + a.get("href", ""))
            ),
            None,
        )
        text = _text(item)
        postcode = _POSTCODE_TOWN.search(text)
        record = _record(
            name,
            source=source,
            config_dir=config_dir,
            url=website,
            events_url=events,
            city=postcode.group(2) if postcode else None,
            postcode=postcode.group(1) if postcode else None,
        )
        if record is not None:
            records.append(record)
    return records


def extract_organisations(
    html: str | bytes, url: str, *, source: Source | None = None, config_dir: Path | None = None
) -> list[Organisation]:
    """The organisations a directory page lists (one record per id, first mention wins)."""
    config_dir = config_dir or PROJECT_ROOT / "config"
    text = html.decode("utf-8", "replace") if isinstance(html, bytes) else html
    if not text.strip():
        return []
    try:
        root = lxml_html.document_fromstring(text)
    except (etree.ParserError, ValueError):
        log.info("not an HTML page: %s", url)
        return []
    records = _jsonld_organisations(root, url, source, config_dir)
    spec = source.directory if source else None
    if not records and spec is not None and spec.selectors is not None:
        records = _selector_organisations(text, url, spec.selectors, source, config_dir)
    if not records and (spec is None or spec.selectors is None):
        records = _heuristic_organisations(root, url, source, config_dir)
    unique: dict[str, Organisation] = {}
    for record in records:
        unique.setdefault(record.id, record)
    return list(unique.values())
