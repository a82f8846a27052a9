"""One parsed page shared by every rung: decoded text, the lxml tree, title, dates, regions.

Parsing is the expensive part of extraction, so it happens once per page here and each rung
reads what it needs from the `Page`. Everything is computed lazily and cached.
"""

from __future__ import annotations

import html as htmllib
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cached_property, lru_cache
from urllib.parse import urljoin, urlsplit

from lxml import etree
from lxml import html as lxml_html  # fragments of markup values only
from w3lib.encoding import html_to_unicode

from kontext.sources import Source

DEFAULT_TIMEZONE = "Europe/Berlin"

# Elements whose text never belongs to the page's content.
_SKIP_TAGS = frozenset({"script", "style", "noscript", "template", "svg", "iframe", "object", "select", "button"})
_BLOCK_TAGS = frozenset(
    {
        "address", "article", "aside", "blockquote", "body", "br", "caption", "dd", "div", "dl", "dt",
        "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6",
        "header", "hr", "li", "main", "nav", "ol", "p", "pre", "section", "table", "tbody", "td",
        "tfoot", "th", "thead", "tr", "ul",
    }
)  # fmt: skip
# class/id words of regions around the content. "Hard" ones never hold an event's own data
# (navigation, footers, consent banners); "soft" ones may (an event page's date box often sits in
# a sidebar), so they are left out of the running text but still read for labelled fields.
_HARD_BOILERPLATE = re.compile(
    r"(?:^|[\s_-])(?:nav|navbar|navigation|menu|mainmenu|submenu|breadcrumbs?|footer|site-footer|cookie|"
    r"cookies|consent|gdpr|advert|ads|newsletter|social|share|sharing|pagination|pager|search|login|"
    r"topbar|toolbar|meta-nav|offcanvas|modal|popup|mega-menu|site-header|masthead)(?:$|[\s_-])",
    re.I,
)
_SOFT_BOILERPLATE = re.compile(
    r"(?:^|[\s_-])(?:sidebar|side-bar|related|comments?|teaser-list|more-posts|similar|recommend\w*)(?:$|[\s_-])",
    re.I,
)
_ANY_BOILERPLATE = re.compile(f"(?P<hard>{_HARD_BOILERPLATE.pattern})|(?P<soft>{_SOFT_BOILERPLATE.pattern})", re.I)
_HARD_TAGS = frozenset({"nav", "footer", "form"})
_SOFT_TAGS = frozenset({"aside"})
_NEVER_BOILERPLATE = frozenset({"html", "body", "main", "article", "h1"})
_SPACED_INLINE = frozenset({"span", "time", "abbr", "label", "data", "small"})
_HIDDEN_XPATH = ".//*[@hidden or @aria-hidden or @style]"
_BOILERPLATE_XPATH = ".//*[@class or @id or @role or self::nav or self::footer or self::form or self::aside]"
_MAIN_HINT = re.compile(r"(?:^|[\s_-])(?:content|main|entry|post|article|event|veranstaltung|termin|detail)", re.I)
_INVISIBLE = re.compile("[\u00ad\ufeff\u200b\u200c\u200d\u2060]")
_TITLE_SEPARATORS = re.compile(r"\s+(?:\||–|—|-|::|»|·|•|/)\s+")
_GENERIC_TITLES = frozenset(
    {
        "veranstaltung", "veranstaltungen", "veranstaltungsdetails", "termin", "termine", "terminkalender",
        "event", "events", "details", "detail", "startseite", "home", "kalender", "calendar", "news",
        "aktuelles", "artikel", "beitrag", "event details", "eventdetails", "seminar", "programm",
        "upcoming events", "event calendar", "events calendar", "veranstaltungskalender",
    }
)  # fmt: skip
_PREPARED = "data-kontext-prepared"
_BREAK = "\ue000"  # written where a block element ends (a private-use character); becomes a line break
_US_ADDRESS_TOWN = re.compile(
    r"\b([A-Z][a-z]+(?: [A-Z][a-z]+){0,2}),? (?:[A-Z]{2}|Illinois|Wisconsin|California|New York|Texas) \d{5}\b"
)
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>", re.I)
# Characters XML cannot hold. libxml2's HTML parser keeps them in text nodes, and lxml then refuses
# every text written next to them — one form feed in a page would cost all its events.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _render_breaks(text: str) -> str:
    """Line breaks where blocks end; a newline in the HTML source is only a space, as browsers show it."""
    return text.replace("\n", " ").replace(_BREAK, "\n")


def clean_text(text: str | None) -> str:
    """Whitespace collapsed to single spaces, entities decoded, invisible characters removed."""
    if not text:
        return ""
    if "&" in text:
        text = htmllib.unescape(text)
    if _INVISIBLE.search(text):
        text = _INVISIBLE.sub("", text)
    return " ".join(text.replace(_BREAK, " ").split())


def html_to_text(fragment: str | None) -> str:
    """Plain text of an HTML fragment (a description in markup may carry tags and entities)."""
    if not fragment:
        return ""
    value = htmllib.unescape(fragment) if "&lt;" in fragment or "&amp;lt;" in fragment else fragment
    if "<" not in value or ">" not in value:
        return clean_multiline(value)
    try:
        root = lxml_html.fragment_fromstring(xml_safe(value), create_parent="div")
    except (etree.ParserError, ValueError):
        return clean_multiline(re.sub(r"<[^>]+>", " ", value))
    return block_text(root)


def inline_text(element: etree._Element) -> str:
    """The text of an element on one line, line breaks (<br>, blocks) read as spaces."""
    return " ".join(block_text(element).split("\n"))


def clean_multiline(text: str) -> str:
    """Whitespace collapsed within lines; empty lines dropped; entities decoded."""
    if "&" in text:
        text = htmllib.unescape(text)
    text = _INVISIBLE.sub("", text).replace("\\n", "\n")
    return "\n".join(filter(None, (" ".join(line.split()) for line in text.split("\n"))))


def block_text(element: etree._Element, *, skip_boilerplate: bool = False, keep_soft: bool = False) -> str:
    """Visible text of an element, one line per block element, boilerplate optionally left out.

    With `keep_soft`, sidebars and related-content boxes stay in (only navigation, footers and the
    like are left out). On a tree prepared by `Page.prepare` (boilerplate gone, line breaks written
    in) this is lxml's own text_content, which is many times faster.
    """
    if _is_prepared(element):
        return clean_multiline(text_content(element))
    parts: list[str] = []
    _collect(element, parts, (not keep_soft) if skip_boilerplate else None)
    return clean_multiline(_render_breaks("".join(parts)))


def _collect(element: etree._Element, parts: list[str], soft: bool | None) -> None:
    tag = element.tag if isinstance(element.tag, str) else ""
    if tag in _SKIP_TAGS or (soft is not None and is_boilerplate(element, soft=soft)) or _hidden(element):
        if element.tail:
            parts.append(element.tail)
        return
    block = tag in _BLOCK_TAGS
    if block:
        parts.append(_BREAK)
    elif tag in _SPACED_INLINE:
        parts.append(" ")
    if element.text and tag:
        parts.append(element.text)
    for child in element:
        if isinstance(child.tag, str):
            _collect(child, parts, soft)
        elif child.tail:  # comments and processing instructions keep their tail text
            parts.append(child.tail)
    if block:
        parts.append(_BREAK)
    elif tag in _SPACED_INLINE:
        parts.append(" ")  # "<span>14. Mai 2024</span><span>18:00</span>" reads as two words
    if element.tail:
        parts.append(element.tail)


def _hidden(element: etree._Element) -> bool:
    if element.get("hidden") is not None or element.get("aria-hidden") == "true":
        return True
    style = element.get("style")
    return bool(style and re.search(r"display\s*:\s*none|visibility\s*:\s*hidden", style))


def _is_prepared(element: etree._Element) -> bool:
    root = element.getroottree().getroot()
    return root is not None and root.get(_PREPARED) is not None


def _boilerplate_kind(element: etree._Element) -> str | None:
    """'hard' (navigation, footers, banners), 'soft' (sidebars, related boxes) or None."""
    tag = element.tag if isinstance(element.tag, str) else ""
    if tag in _HARD_TAGS:
        return "hard"
    if tag in _NEVER_BOILERPLATE:
        return None
    if tag in _SOFT_TAGS:
        return "soft"
    role = element.get("role")
    if role in ("navigation", "contentinfo", "search"):
        return "hard"
    kind = _marker_kind(f"{element.get('class', '')} {element.get('id', '')}")
    if kind is not None:
        return kind
    return "soft" if role == "complementary" else None


@lru_cache(maxsize=4096)
def _marker_kind(marker: str) -> str | None:
    """'hard', 'soft' or None for class + id text; pages repeat the same classes many times."""
    if not marker.strip():
        return None
    match = _ANY_BOILERPLATE.search(marker)
    if match is None:
        return None
    return "hard" if match.lastgroup == "hard" else "soft"


def is_boilerplate(element: etree._Element, *, soft: bool = True) -> bool:
    """True for navigation, footers, consent banners and similar regions (with `soft`: also sidebars)."""
    tag = element.tag if isinstance(element.tag, str) else ""
    if tag in _HARD_TAGS or (soft and tag in _SOFT_TAGS):
        return True
    if tag in _NEVER_BOILERPLATE:
        return False
    role = element.get("role")
    if role in ("navigation", "contentinfo", "search") or (soft and role == "complementary"):
        return True
    marker = f"{element.get('class', '')} {element.get('id', '')}"
    if not marker.strip():
        return False
    return _HARD_BOILERPLATE.search(marker) is not None or (soft and _SOFT_BOILERPLATE.search(marker) is not None)


def inside_boilerplate(element: etree._Element, stop: etree._Element | None = None) -> bool:
    """True when the element or one of its ancestors (up to `stop`) is boilerplate."""
    if _is_prepared(element):
        return False  # preparing the page removed all boilerplate
    node: etree._Element | None = element
    while node is not None and node is not stop:
        if is_boilerplate(node):
            return True
        node = node.getparent()
    return False


def decode(data: str | bytes) -> str:
    """Page bytes to text: BOM, HTTP-less meta charset and UTF-8/cp1252 sniffing via w3lib."""
    if isinstance(data, bytes):
        _, text = html_to_unicode(None, data)
    else:
        text = data
    return text.replace("\ufeff", "")


_PARSER = etree.HTMLParser(encoding="utf-8", remove_comments=True, remove_pis=True)


def xml_safe(text: str) -> str:
    """Control characters and non-characters become spaces (most are stray page breaks or tabs)."""
    return _NOT_XML.sub(" ", text) if _NOT_XML.search(text) else text


def parse_html(text: str) -> etree._Element:
    """A forgiving lxml parse; never raises for junk input (an empty document instead).

    Plain lxml.etree elements, not lxml.html's: those look their class up in Python for every
    element touched, which made walking a 200 kB page several times slower.
    """
    text = xml_safe(_XML_DECLARATION.sub("", text, count=1))
    try:
        root = etree.fromstring(text.encode("utf-8", "surrogatepass"), parser=_PARSER)
    except (etree.ParserError, etree.XMLSyntaxError, ValueError):
        root = None
    if root is None:
        root = etree.fromstring(b"<html><body></body></html>", parser=_PARSER)
    return root


def text_content(element: etree._Element) -> str:
    """All text inside an element (not its tail); on a prepared tree with a line break where blocks end."""
    return _render_breaks(etree.tostring(element, method="text", encoding="unicode", with_tail=False))


def drop_tree(element: etree._Element) -> None:
    """Remove an element and its children, keeping its tail text in place."""
    parent = element.getparent()
    if parent is None:
        return
    if element.tail:
        previous = element.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + element.tail
        else:
            parent.text = (parent.text or "") + element.tail
    parent.remove(element)


@dataclass
class Page:
    """A page being extracted, with everything the rungs share."""

    url: str
    text: str
    now: datetime
    source: Source | None = None
    root: etree._Element = field(init=False)
    span_cache: dict = field(init=False, default_factory=dict)
    memo: dict = field(init=False, default_factory=dict)  # per-page lookups: towns of venue lines, organisers
    _texts: dict[str, str] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        self.root = parse_html(self.text)

    def prepare(self) -> None:
        """Ready the tree for the text heuristics, once: it is changed in place, so markup (hidden
        hCalendar spans, microdata in footers) must have been read before.

        Scripts, styles and hidden elements go; line breaks are written after block elements and
        spaces around inline date parts, so lxml's text_content reads like `block_text`; then
        navigation and footers go (the text so far is `full_text`, used for the page's own
        addresses), then sidebars and related-content boxes (the text so far is `content_text`,
        where date boxes in sidebars are still found).
        """
        if "content" in self._texts:
            return
        json_ld = self.json_ld_blocks()  # the scripts are about to go
        body = self.body
        for element in [*body.iter(*_SKIP_TAGS), *filter(_hidden, body.xpath(_HIDDEN_XPATH))]:
            if element.getparent() is not None:
                drop_tree(element)
        for element in body.iter(*_BLOCK_TAGS):
            element.text = _BREAK + (element.text or "")
            element.tail = _BREAK + (element.tail or "")
        for element in body.iter(*_SPACED_INLINE):
            element.text = " " + (element.text or "")
            element.tail = " " + (element.tail or "")
        self._texts["full"] = text_content(body)  # cleaned when asked for
        hard: list[etree._Element] = []
        soft: list[etree._Element] = []
        for element in body.xpath(_BOILERPLATE_XPATH):
            kind = _boilerplate_kind(element)
            if kind == "hard":
                hard.append(element)
            elif kind == "soft":
                soft.append(element)
        for element in hard:
            drop_tree(element)
        self._texts["content"] = text_content(body)
        for element in soft:
            drop_tree(element)
        self.root.set(_PREPARED, "1")
        self._json_ld = json_ld

    @classmethod
    def parse(cls, data: str | bytes, url: str, now: datetime, source: Source | None = None) -> Page:
        return cls(url=url, text=decode(data), now=now, source=source)

    # -- addresses -------------------------------------------------------------------------------

    @cached_property
    def base_url(self) -> str:
        base = self.root.find(".//base[@href]")
        if base is not None:
            return urljoin(self.url, base.get("href", "").strip())
        return self.url

    def absolute(self, link: str | None) -> str | None:
        """An absolute http(s) URL for a link found on the page, or None for junk and mailto links."""
        if not link:
            return None
        link = clean_text(link)
        if not link or link.startswith(("javascript:", "mailto:", "tel:", "data:", "#")):
            return None
        if link.startswith("www."):
            link = "http://" + link
        absolute = urljoin(self.base_url, link)
        return absolute if urlsplit(absolute).scheme in ("http", "https") else None

    @cached_property
    def domain(self) -> str:
        host = urlsplit(self.url).hostname or ""
        return host.removeprefix("www.")

    # -- settings from the source ----------------------------------------------------------------

    @property
    def timezone(self) -> str:
        return self.source.timezone if self.source else DEFAULT_TIMEZONE

    @cached_property
    def language(self) -> str | None:
        lang = self.root.get("lang") or self.root.get("{http://www.w3.org/XML/1998/namespace}lang")
        if not lang:
            lang = self.meta("og:locale")
        if lang:
            return lang.replace("_", "-").split("-")[0].lower()[:2] or None
        return self.source.language if self.source else None

    # -- head ------------------------------------------------------------------------------------

    @cached_property
    def metas(self) -> dict[str, str]:
        found: dict[str, str] = {}
        for meta in self.root.iter("meta"):
            key = (meta.get("property") or meta.get("name") or meta.get("itemprop") or "").strip().lower()
            content = meta.get("content")
            if key and content and key not in found:
                found[key] = clean_text(content)
        return found

    def meta(self, *keys: str) -> str | None:
        for key in keys:
            value = self.metas.get(key)
            if value:
                return value
        return None

    @cached_property
    def site_name(self) -> str | None:
        return self.meta("og:site_name", "application-name", "twitter:site")

    @cached_property
    def html_title(self) -> str:
        title = self.root.find(".//title")
        return clean_text(text_content(title)) if title is not None else ""

    def strip_site_name(self, title: str) -> str:
        """A page title without the site name ("Veranstaltung | BELTZ" -> "Veranstaltung")."""
        parts = [part for part in _TITLE_SEPARATORS.split(title) if part.strip()]
        if len(parts) < 2:
            return title
        site_words = {w.lower() for w in re.findall(r"\w{3,}", f"{self.site_name or ''} {self.domain}")}

        def is_site(part: str) -> bool:
            words = {w.lower() for w in re.findall(r"\w{3,}", part)}
            return bool(words) and len(words & site_words) / len(words) >= 0.5

        kept = [part for part in parts if not is_site(part)]
        if not kept:
            return parts[0]
        if len(kept) < len(parts):
            return " – ".join(kept)
        # No part names the site: by convention the site name is the last part.
        return " – ".join(parts[:-1]) if len(parts[-1]) < len(" ".join(parts[:-1])) else title

    def is_generic_title(self, title: str) -> bool:
        simple = clean_text(title).lower().strip(" :|-–")
        if not simple or simple in _GENERIC_TITLES:
            return True
        site = (self.site_name or "").lower()
        return (bool(site) and simple == site) or simple == self.domain.lower()

    # -- headline and regions --------------------------------------------------------------------

    @cached_property
    def body(self) -> etree._Element:
        body = self.root.find("body")
        return body if body is not None else self.root

    @cached_property
    def headline_element(self) -> etree._Element | None:
        """The heading that names the page: an h1 in the content, else the heading matching og:title."""
        wanted = self.strip_site_name(self.meta("og:title") or self.html_title)
        wanted_words = _words(wanted)
        best: tuple[float, etree._Element] | None = None
        for level, tag in enumerate(("h1", "h2", "h3")):
            for heading in self.body.iter(tag):
                text = clean_text(text_content(heading))
                if len(text) < 3 or self.is_generic_title(text) or inside_boilerplate(heading):
                    continue
                overlap = _overlap(_words(text), wanted_words) if wanted_words else 0.0
                score = overlap * 2 - level * 0.6 + (0.5 if tag == "h1" else 0.0)
                if best is None or score > best[0]:
                    best = (score, heading)
        if best is None:
            return None
        score, heading = best
        # An h2/h3 only names the page when it matches the document title.
        if heading.tag != "h1" and score < 0.4:
            return None
        return heading

    @cached_property
    def headline(self) -> str:
        """The best title of the page itself: h1 / og:title / <title> minus the site name."""
        if self.headline_element is not None:
            return clean_text(text_content(self.headline_element))
        for candidate in (self.meta("og:title", "twitter:title"), self.html_title):
            if candidate:
                stripped = self.strip_site_name(candidate)
                if not self.is_generic_title(stripped):
                    return stripped
        return ""

    @cached_property
    def main(self) -> etree._Element:
        """The element holding the page's content: <main>, the <article>, or the headline's container."""
        candidates = self.root.xpath("//main | //*[@role='main']")
        if len(candidates) == 1 and len(block_text(candidates[0])) > 80:
            return candidates[0]
        articles = [a for a in self.body.iter("article") if not inside_boilerplate(a)]
        if len(articles) == 1:
            return articles[0]
        heading = self.headline_element
        if heading is not None:
            node = heading.getparent()
            while node is not None and node is not self.body:
                marker = f"{node.get('class', '')} {node.get('id', '')}"
                if len(block_text(node)) > 400 and _MAIN_HINT.search(marker):
                    return node
                node = node.getparent()
        return self.body

    @cached_property
    def main_text(self) -> str:
        """The text of the content element, without navigation, footers and sidebars."""
        self.prepare()
        return block_text(self.main)

    @cached_property
    def content_text(self) -> str:
        """The body's text without navigation and footers, sidebars included (date boxes live there)."""
        self.prepare()
        return clean_multiline(self._texts["content"])

    @cached_property
    def full_text(self) -> str:
        """All visible text of the body, footers included (where organisations write their address)."""
        self.prepare()
        return clean_multiline(self._texts["full"])

    # -- structured head data --------------------------------------------------------------------

    @cached_property
    def og_type(self) -> str:
        return (self.meta("og:type") or "").lower()

    @cached_property
    def ld_types(self) -> set[str]:
        """schema.org types named anywhere in JSON-LD or microdata (a string scan, no parsing)."""
        types: set[str] = set()
        for block in self.json_ld_blocks():
            types.update(re.findall(r'"@type"\s*:\s*"(?:https?://schema\.org/)?(\w+)"', block))
        if "itemtype" in self.text:
            for itemtype in self.root.xpath("//@itemtype"):
                types.update(re.findall(r"schema\.org/(\w+)", str(itemtype)))
        return types

    @cached_property
    def address_towns(self) -> frozenset[str]:
        """Towns the page itself names in full addresses ("Chicago, IL 60601", "Springfield IL 62701").

        Outside Germany, Austria and Switzerland there is no gazetteer; a town the page writes in
        an address is known to be a town when it reappears in a venue ("Chicago City Hall").
        """
        self.prepare()
        return frozenset(match.group(1) for match in _US_ADDRESS_TOWN.finditer(self._texts["full"]))

    @cached_property
    def address_town_pattern(self) -> re.Pattern[str] | None:
        """One pattern for the towns of `address_towns`, longest first."""
        if not self.address_towns:
            return None
        names = sorted(self.address_towns, key=len, reverse=True)
        return re.compile(r"\b(?:" + "|".join(re.escape(name) for name in names) + r")\b")

    @cached_property
    def published(self) -> date | None:
        """The publication date of the page (article metadata), if it states one."""
        for key in (
            "article:published_time", "og:published_time", "datepublished", "date", "dc.date",
            "dc.date.issued", "dcterms.date", "publish-date", "pubdate", "sailthru.date",
        ):  # fmt: skip
            value = self.metas.get(key)
            parsed = _iso_date(value)
            if parsed:
                return parsed
        match = re.search(r'"datePublished"\s*:\s*"([^"]+)"', self.text) if '"datePublished"' in self.text else None
        if match and (parsed := _iso_date(match.group(1))):
            return parsed
        for node in self.root.xpath(
            "//time[@datetime][@itemprop='datePublished' or contains(@class,'publish')"
            " or contains(@class,'entry-date') or contains(@class,'post-date')][1]"
        ):
            parsed = _iso_date(node.get("datetime"))
            if parsed:
                return parsed
        return None

    @cached_property
    def modified(self) -> date | None:
        """When the page says it was last changed, if it does."""
        for key in ("article:modified_time", "og:updated_time", "datemodified", "last-modified", "dc.date.modified"):
            parsed = _iso_date(self.metas.get(key))
            if parsed:
                return parsed
        match = re.search(r'"dateModified"\s*:\s*"([^"]+)"', self.text) if '"dateModified"' in self.text else None
        return _iso_date(match.group(1)) if match else None

    @cached_property
    def reference_date(self) -> datetime:
        """The date missing years are inferred from: when the page was written or last changed, else `now`.

        An article from 2016 that says "am 12. März" means March 2016, not next March; a page
        published in 2016 and changed last week speaks from last week.
        """
        stated = max((d for d in (self.published, self.modified) if d is not None), default=None)
        if stated and stated < self.now.date():
            return datetime.combine(stated, datetime.min.time(), tzinfo=self.now.tzinfo)
        return self.now

    def json_ld_blocks(self) -> list[str]:
        """The bodies of the page's JSON-LD scripts."""
        if hasattr(self, "_json_ld"):
            return self._json_ld
        return [
            script.text or "" for script in self.root.iter("script") if "ld+json" in (script.get("type") or "").lower()
        ]


def _iso_date(value: str | None) -> date | None:
    if not value:
        return None
    match = re.match(r"\s*(\d{4})-(\d{1,2})-(\d{1,2})", value)
    if not match:
        return None
    try:
        return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError:
        return None


def _words(text: str) -> set[str]:
    return {w.lower() for w in re.findall(r"\w{3,}", text)}


def _overlap(a: set[str], b: set[str]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / min(len(a), len(b))
