"""What every router of the web app shares: settings, the events index, labels, templates, and the
helpers that write links (each link keeps the search and the chosen language)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.templating import Jinja2Templates
from markupsafe import Markup, escape
from starlette.responses import Response

from kontext.settings import Settings
from search.feeds import safe_url
from search.index import SearchIndex
from search.query import SearchQuery
from search.vocabulary import Vocabulary, load_vocabulary
from search.web.i18n import DEFAULT_LANGUAGE, LANGUAGES, choose_language, format_when, translate

HERE = Path(__file__).resolve().parent


def highlight(value: Any) -> Markup:
    """Escape crawled text first, then turn the index's highlight markers (\\x02, \\x03) into <mark>.

    The markers are control characters that documents never contain (search/index.py strips them),
    so nothing from a page can pose as a marker, and every other character is escaped."""
    escaped = str(escape(value if isinstance(value, str) else ""))
    return Markup(escaped.replace("\x02", "<mark>").replace("\x03", "</mark>"))


def plain(value: Any) -> str:
    """Highlighted text without its markers (for attributes and feeds)."""
    return value.replace("\x02", "").replace("\x03", "") if isinstance(value, str) else ""


@dataclass
class WebContext:
    """The shared state of one web app (one Kontext instance, one events index)."""

    settings: Settings
    index: SearchIndex
    vocabulary: Vocabulary = field(default_factory=load_vocabulary)
    templates: Jinja2Templates = field(default_factory=lambda: Jinja2Templates(directory=HERE / "templates"))
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))  # what "upcoming" counts from
    subscribe: bool = False  # the digest's POST /subscribe is part of the app: show the form

    def __post_init__(self) -> None:
        env = self.templates.env
        env.filters["highlight"] = highlight
        env.filters["plain"] = plain
        env.filters["safe_url"] = safe_url
        env.globals["languages"] = LANGUAGES

    @property
    def base_url(self) -> str:
        """The public URL of the site, for absolute links in feeds."""
        return self.settings.base_url

    def render(self, request: Request, template: str, lang: str, status: int = 200, **values: Any) -> Response:
        """A page in `lang`, with the helpers every template uses."""

        def t(key: str, **fill: Any) -> str:
            return translate(lang, key, **fill)

        def label(kind: str, code: Any) -> str:
            if kind == "free":
                return t("free_true" if str(code).lower() == "true" else "free_false")
            if kind == "attendance":
                return t(f"attendance_{code}")
            if kind in ("region", "organizer"):
                return str(code)
            vocabulary_kind = {"format": "formats", "audience": "audience"}.get(kind, kind)
            return self.vocabulary.label(vocabulary_kind, str(code), lang)

        def when(document: dict[str, Any]) -> str:
            return format_when(document.get("start"), document.get("end"), bool(document.get("all_day")), lang)

        context = {
            "lang": lang,
            "t": t,
            "label": label,
            "when": when,
            "search_url": lambda query, **changes: search_url(query, lang, **changes),
            "lang_url": lambda other: language_url(request, other),
            "with_lang": lambda path: with_language(path, lang),
            "subscribe": self.subscribe,
            **values,
        }
        return self.templates.TemplateResponse(request, template, context, status_code=status)


def get_context(request: Request) -> WebContext:
    """The web context of the app serving this request (a FastAPI dependency)."""
    return request.app.state.kontext


def language(request: Request) -> str:
    """The page language: ?lang=de|en, else the browser's preference, else German."""
    return choose_language(request.query_params.get("lang"), request.headers.get("accept-language"))


def with_language(path: str, lang: str) -> str:
    """A local path that keeps a non-default language."""
    if lang == DEFAULT_LANGUAGE:
        return path
    return f"{path}{'&' if '?' in path else '?'}lang={lang}"


def search_url(query: SearchQuery, lang: str, path: str = "/", **changes: Any) -> str:
    """The search page (or a feed, with `path`) for `query` with some parameters replaced.

    `changes` maps parameter names to a value, a list of values, or None to drop it; `page` is
    dropped unless given, because any other change starts again at page 1."""
    params = [(name, value) for name, value in query.to_params() if name not in changes and name != "page"]
    for name, value in changes.items():
        if value is None or (name == "page" and value == 1):
            continue
        values = value if isinstance(value, list | tuple) else [value]
        params.extend((name, str(item)) for item in values if item not in (None, ""))
    if lang != DEFAULT_LANGUAGE:
        params.append(("lang", lang))
    encoded = urlencode(params)
    return f"{path}?{encoded}" if encoded else path


def language_url(request: Request, lang: str) -> str:
    """The current page in another language (a local path: never an open redirect)."""
    params = [(name, value) for name, value in request.query_params.multi_items() if name != "lang"]
    params.append(("lang", lang))
    # "//host/..." would be a link to another site; the path stays on ours.
    path = "/" + request.url.path.lstrip("/\\")
    return f"{path}?{urlencode(params)}"
