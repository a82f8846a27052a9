"""Sources: the calendars Kontext crawls, as staff declare them in config/sources.yaml.

The file is validated on load; a mistake is reported as one line naming the entry and the
field at fault, e.g. ``config/sources.yaml: source 'ihk-hannover', field 'start_urls': …``.
Start URLs may contain ``{sample_site}``, replaced by the address of the bundled sample site.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from kontext.errors import UserError
from kontext.vocabulary import OrganizerKind

ExtractionMode = Literal["auto", "jsonld", "ics", "selectors", "heuristics", "directory"]


class SourceError(UserError):
    """config/sources.yaml (or another sources file) is invalid."""


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
    family: str | None = None  # a platform family with its own base spider (crawler/spiders/families)
    event_links: str | None = None  # regex on absolute URLs of links that lead to event pages
    follow_links: str | None = None  # regex on links to follow for more listing pages (pagination)
    selectors: Selectors | None = None
    max_pages: int = Field(default=500, ge=1)
    max_depth: int = Field(default=4, ge=0)
    max_response_bytes: int = Field(default=5_000_000, ge=10_000)
    local: bool = False  # may fetch loopback/private addresses (the bundled sample site, tests)
    enabled: bool = True
    checked: str | None = None  # how and when staff checked this source
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

    @model_validator(mode="after")
    def _selectors_for_mode(self) -> Source:
        if self.mode == "selectors" and self.selectors is None:
            raise ValueError("mode 'selectors' needs a 'selectors' block")
        return self

    def resolved(self, sample_site: str | None = None) -> Source:
        """A copy with ``{sample_site}`` filled in and allowed domains derived from start URLs."""
        urls = list(self.start_urls)
        if any("{sample_site}" in url for url in urls):
            if not sample_site:
                raise SourceError(f"source {self.name!r} needs the sample site, which is not running")
            urls = [url.replace("{sample_site}", sample_site.rstrip("/")) for url in urls]
        domains = self.allowed_domains or sorted({urlsplit(url).hostname or "" for url in urls} - {""})
        return self.model_copy(update={"start_urls": urls, "allowed_domains": domains})


def _describe(error: ValidationError) -> str:
    first = error.errors()[0]
    field = ".".join(str(part) for part in first["loc"]) or "(entry)"
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
