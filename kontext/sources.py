"""Sources: the calendars Kontext crawls, as staff declare them in config/sources.yaml.

The file is validated on load; a mistake is reported as one line naming the entry and the
field at fault, e.g. ``config/sources.yaml: source 'ihk-hannover', field 'start_urls': …``.
Start URLs may contain ``{sample_site}``, replaced by the address of the bundled sample site.

Besides where to start and how to extract, an entry says how staff know the source is real
(`checked`: how the URL is known, the evidence, when, whether it was fetched live), which platform
family crawls it (`family`), how to call a JSON API behind a calendar (`api`), how to read an
organisation directory (`directory`), and may override the health thresholds (`health`).
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

import yaml
from lxml import etree
from parsel.csstranslator import HTMLTranslator
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from kontext.errors import UserError
from kontext.vocabulary import OrganizerKind

ExtractionMode = Literal["auto", "jsonld", "ics", "selectors", "heuristics", "directory"]
# Platform families with their own base spider (crawler/spiders/families); the registry there has
# exactly these keys (a test checks it), so a typo fails when the file is loaded, not mid-crawl.
Family = Literal["odav", "ihk", "json-api", "ical", "odoo"]
# How the start URL is known (the tags of SOURCES.md, plus "live" once staff fetched it for real).
UrlStatus = Literal["seen", "derived", "inferred", "root", "live"]


class SourceError(UserError):
    """config/sources.yaml (or another sources file) is invalid."""


_TRANSLATOR = HTMLTranslator()


def selector_xpath(selector: str) -> str:
    """The XPath of a configured selector (CSS, or XPath after ``xpath:``); ValueError when invalid."""
    selector = selector.strip()
    if selector.startswith("xpath:"):
        xpath = selector[len("xpath:") :].strip()
    else:
        try:
            xpath = _TRANSLATOR.css_to_xpath(selector)
        except Exception as error:  # cssselect raises several unrelated types for bad input
            raise ValueError(f"invalid CSS selector {selector!r}: {error}") from None
    try:
        etree.XPath(xpath)
    except etree.XPathSyntaxError as error:
        raise ValueError(f"invalid XPath {xpath!r}: {error}") from None
    return xpath


class SourceOrganizer(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    kind: OrganizerKind = OrganizerKind.UNKNOWN
    url: str | None = None


class Selectors(BaseModel):
    """Per-source CSS selectors (prefix ``xpath:`` for XPath), rung 3 of the extraction ladder.

    `item` selects one element per event; the other fields are evaluated inside it.
    """

    model_config = ConfigDict(extra="forbid")

    item: str
    title: str
    start: str
    end: str | None = None
    time: str | None = None
    location: str | None = None
    url: str | None = None
    description: str | None = None


class Checked(BaseModel):
    """How staff know a source is real: honest about what was and was not verified."""

    model_config = ConfigDict(extra="forbid")

    url: UrlStatus  # seen: this URL appears in stored material; derived: trimmed from a seen one; …
    evidence: str = Field(min_length=3)  # where it was seen (SOURCES.md row, stored page, code file)
    when: date | None = None  # the day of the check (not `on`: YAML reads that key as true)
    fetched: bool = False  # True only when the page was fetched live and looked at

    def summary(self) -> str:
        """One line for listings: "SEEN, not fetched live (evidence …)"."""
        fetched = "fetched live" if self.fetched else "not fetched live"
        when = f" on {self.when.isoformat()}" if self.when else ""
        return f"{self.url.upper()}, {fetched}{when}: {self.evidence}"


class ApiPaging(BaseModel):
    """How a JSON API pages: an offset or page number in the body (POST) or query (GET)."""

    model_config = ConfigDict(extra="forbid")

    param: str  # the body key or query parameter that carries the offset / page number
    kind: Literal["offset", "page"] = "offset"
    size: int = Field(default=50, ge=1, le=1000)  # items per request
    size_param: str | None = None  # where the page size goes, when the API takes one
    start: int = Field(default=0, ge=0)  # the first offset / page number
    total: str | None = None  # path to the total count in a response, e.g. "totalCount"
    max_requests: int = Field(default=50, ge=1, le=1000)  # a hard stop for runaway paging


class ApiFields(BaseModel):
    """Where an event's fields sit in one JSON item: dotted paths ("event.eventname", "x.0.raw")."""

    model_config = ConfigDict(extra="forbid")

    title: str
    start: str
    end: str | None = None
    url: str | None = None
    url_template: str | None = None  # e.g. "https://een.ec.europa.eu/events/{nid}" ({path} placeholders)
    description: str | None = None
    location: str | None = None  # free text: venue, street, town
    city: str | None = None
    venue: str | None = None
    cancelled: str | None = None  # a boolean field: true means cancelled
    status: str | None = None  # a text field read like page wording ("abgesagt", "cancelled")
    id: str | None = None  # the source's own id of the event
    registration_url: str | None = None
    tags: str | None = None  # a list or string of the source's categories


class ApiSpec(BaseModel):
    """A JSON API behind a calendar page (platform family `json-api`): request and response mapping."""

    model_config = ConfigDict(extra="forbid")

    url: str
    method: Literal["GET", "POST"] = "GET"
    params: dict[str, str | int | float | bool] = Field(default_factory=dict)  # query parameters
    body: dict[str, Any] | None = None  # the JSON body of a POST
    headers: dict[str, str] = Field(default_factory=dict)
    items: str = ""  # path to the list of items in a response ("" when the response is the list)
    item_format: Literal["json", "html"] = "json"  # html: items are server-rendered cards
    fields: ApiFields | None = None  # for json items
    paging: ApiPaging | None = None

    @field_validator("url")
    @classmethod
    def _http(cls, url: str) -> str:
        if not url.startswith(("http://", "https://", "{sample_site}")):
            raise ValueError(f"{url!r} is not an http(s) URL")
        return url

    @model_validator(mode="after")
    def _mapping(self) -> ApiSpec:
        if self.item_format == "json" and self.fields is None:
            raise ValueError("json items need a 'fields' mapping (title, start, …)")
        if self.body is not None and self.method != "POST":
            raise ValueError("a 'body' is only sent with method POST")
        return self


class DirectorySelectors(BaseModel):
    """Selectors for an organisation directory page: `item` per organisation, the rest inside it."""

    model_config = ConfigDict(extra="forbid")

    item: str
    name: str
    url: str | None = None  # the organisation's website (an href)
    events_url: str | None = None
    city: str | None = None
    region: str | None = None
    description: str | None = None


class DirectorySpec(BaseModel):
    """What a directory (mode `directory`) lists: organisations of one kind, with defaults."""

    model_config = ConfigDict(extra="forbid")

    kind: OrganizerKind = OrganizerKind.UNKNOWN  # unknown: read from each name
    sectors: list[str] = Field(default_factory=list)
    region: str | None = None
    selectors: DirectorySelectors | None = None  # none: the directory heuristics
    entry_links: str | None = None  # regex on links to an organisation's own page in the directory

    @field_validator("entry_links")
    @classmethod
    def _regex(cls, pattern: str | None) -> str | None:
        if pattern is not None:
            try:
                re.compile(pattern)
            except re.error as error:
                raise ValueError(f"not a valid regular expression: {error}") from None
        return pattern


class HealthOverride(BaseModel):
    """Per-source health thresholds over the defaults in config/health.yaml."""

    model_config = ConfigDict(extra="forbid")

    min_events: int | None = Field(default=None, ge=0)
    max_drop_share: float | None = Field(default=None, ge=0, le=1)
    max_errors: int | None = Field(default=None, ge=0)
    stale_days: int | None = Field(default=None, ge=1)


class Source(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    title: str | None = None
    organizer: SourceOrganizer
    region: str | None = None
    country: str = "DE"
    sectors: list[str] = Field(default_factory=list)
    language: str = "de"
    timezone: str = "Europe/Berlin"
    start_urls: list[str] = Field(min_length=1)
    allowed_domains: list[str] = Field(default_factory=list)
    mode: ExtractionMode = "auto"
    family: Family | None = None  # a platform family with its own base spider (crawler/spiders/families)
    event_links: str | None = None  # regex on absolute URLs of links that lead to event pages
    follow_links: str | None = None  # regex on links to follow for more listing pages (pagination)
    selectors: Selectors | None = None
    max_pages: int = Field(default=500, ge=1)
    max_depth: int = Field(default=4, ge=0)
    max_response_bytes: int = Field(default=5_000_000, ge=10_000)
    local: bool = False  # may fetch loopback/private addresses (the bundled sample site, tests)
    enabled: bool = True
    checked: Checked | str | None = None  # how and when staff checked this source
    api: ApiSpec | None = None  # family json-api: the request and response mapping
    directory: DirectorySpec | None = None  # mode directory: what the directory lists
    health: HealthOverride | None = None
    notes: str | None = None

    @field_validator("start_urls")
    @classmethod
    def _urls(cls, urls: list[str]) -> list[str]:
        for url in urls:
            if not url.startswith(("http://", "https://", "{sample_site}")):
                raise ValueError(f"{url!r} is not an http(s) URL")
        return urls

    @field_validator("event_links", "follow_links")
    @classmethod
    def _regex(cls, pattern: str | None) -> str | None:
        if pattern is not None:
            try:
                re.compile(pattern)
            except re.error as error:
                raise ValueError(f"not a valid regular expression: {error}") from None
        return pattern

    @field_validator("selectors")
    @classmethod
    def _selectors_compile(cls, selectors: Selectors | None) -> Selectors | None:
        # A bad selector stops the load, not a crawl hours later.
        for name, value in (selectors.model_dump() if selectors else {}).items():
            if value:
                try:
                    selector_xpath(value)
                except ValueError as error:
                    raise ValueError(f"selector {name!r}: {error}") from None
        return selectors

    @model_validator(mode="after")
    def _selectors_for_mode(self) -> Source:
        if self.mode == "selectors" and self.selectors is None:
            raise ValueError("mode 'selectors' needs a 'selectors' block")
        if self.family == "json-api" and self.api is None:
            raise ValueError("family 'json-api' needs an 'api' block (url, items, fields)")
        if self.api is not None and self.family != "json-api":
            raise ValueError("an 'api' block is only read by family 'json-api'")
        if self.directory is not None and self.mode != "directory":
            raise ValueError("a 'directory' block needs mode 'directory'")
        return self

    @property
    def checked_summary(self) -> str:
        """How the source was checked, in one line ("" when nobody said)."""
        if isinstance(self.checked, Checked):
            return self.checked.summary()
        return self.checked or ""

    def resolved(self, sample_site: str | None = None) -> Source:
        """A copy with ``{sample_site}`` filled in and allowed domains derived from start URLs."""
        urls = list(self.start_urls)
        if any("{sample_site}" in url for url in urls):
            if not sample_site:
                raise SourceError(f"source {self.name!r} needs the sample site, which is not running")
            urls = [url.replace("{sample_site}", sample_site.rstrip("/")) for url in urls]
        update: dict[str, Any] = {"start_urls": urls}
        api_urls: list[str] = []
        if self.api is not None:
            api_url = self.api.url
            if "{sample_site}" in api_url:
                if not sample_site:
                    raise SourceError(f"source {self.name!r} needs the sample site, which is not running")
                api_url = api_url.replace("{sample_site}", sample_site.rstrip("/"))
            update["api"] = self.api.model_copy(update={"url": api_url})
            api_urls.append(api_url)
        hosts = {urlsplit(url).hostname or "" for url in [*urls, *api_urls]} - {""}
        update["allowed_domains"] = self.allowed_domains or sorted(hosts)
        return self.model_copy(update=update)


# Parts of an error location that name a union member or validator, not a field the staff wrote.
_NOT_A_FIELD = re.compile(
    r"^(?:[A-Z]\w*|str|int|float|bool|none|list\[.*|dict\[.*|function-\w+\[.*|literal\[.*)$"
)


def _describe(error: ValidationError) -> str:
    first = error.errors()[0]
    parts = [str(part) for part in first["loc"] if not _NOT_A_FIELD.match(str(part))]
    field = ".".join(parts) or "(entry)"
    return f"field {field!r}: {first['msg']}"


def load_sources(path: Path) -> list[Source]:
    """Read and validate a sources file; raise SourceError naming the entry and field at fault."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SourceError(f"{path}: file not found") from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark else ""
        raise SourceError(f"{path}: not valid YAML{where}") from None
    entries = (data or {}).get("sources") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        raise SourceError(f"{path}: expected a top-level 'sources:' list")
    sources: list[Source] = []
    seen: set[str] = set()
    for position, entry in enumerate(entries, start=1):
        name = entry.get("name") if isinstance(entry, dict) else None
        label = f"source {name!r}" if name else f"entry #{position}"
        if not isinstance(entry, dict):
            raise SourceError(f"{path}: {label}: expected a mapping of fields")
        try:
            source = Source.model_validate(entry)
        except ValidationError as error:
            raise SourceError(f"{path}: {label}, {_describe(error)}") from None
        if source.name in seen:
            raise SourceError(f"{path}: {label}: the name is used twice")
        seen.add(source.name)
        sources.append(source)
    return sources
