"""Family `odav`: the course catalogues of the Handwerkskammern on the ODAV CMS (SOURCES.md F1).

URL grammar seen in public scrapers of these sites:
  list    /<onr>,0,courselist.html?search-filter-template=0[&search-type=6|&search-topic=N]&limit=L&offset=O
  detail  /<slug>-<onr>,0,coursedetail.html?id=<id>  (canonical: /<onr>,0,coursedetail.html?id=<id>)
The first list page states the total ("Treffer 1 bis 20 von 57; Seite 1 von 3"), so every further
page is requested by offset; without a total the spider follows the page's "next" links. Detail
pages carry date, place (Lehrgangsort) and fee and go through the extraction ladder.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import scrapy
from scrapy.http import TextResponse

from crawler.spiders.families.detail_first import DetailFirstSpider

DETAIL = re.compile(r"/(?:[^/?]*-)?(\d+),0,coursedetail\.html\?(?:[^#]*&)?id=(\d+)")
LISTING = re.compile(r"/(?:[^/?]*-)?\d+,0,courselist\.html")
# "… von 57; Seite 1 von 3", "57 Treffer", "57 Kurse gefunden"
TOTAL = re.compile(
    r"\bvon\s+(\d{1,5})\s*(?:;|Treffer|Kurs|Ergebnis|Angebot|Veranstaltung)"
    r"|\b(\d{1,5})\s+(?:Treffer|Kurse|Ergebnisse)\b",
    re.IGNORECASE,
)


def canonical_detail(url: str) -> str | None:
    """/<slug>-<onr>,0,coursedetail.html?id=<id>&search-onr=… -> /<onr>,0,coursedetail.html?id=<id>."""
    match = DETAIL.search(url)
    if match is None:
        return None
    parts = urlsplit(url)
    path = f"/{match.group(1)},0,coursedetail.html"
    return urlunsplit((parts.scheme, parts.netloc, path, f"id={match.group(2)}", ""))


def with_offset(url: str, offset: int, limit: int) -> str:
    """The list URL with `limit` and `offset` set (other parameters kept in order)."""
    parts = urlsplit(url)
    query = [
        (key, value)
        for key, value in parse_qsl(parts.query, keep_blank_values=True)
        if key not in {"limit", "offset"}
    ]
    query += [("limit", str(limit)), ("offset", str(offset))]
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), ""))


def page_window(url: str) -> tuple[int, int | None]:
    """The (offset, limit) a list URL asks for; limit None when the URL leaves it to the site."""
    query = dict(parse_qsl(urlsplit(url).query))
    try:
        offset = int(query.get("offset", 0))
        limit = int(query["limit"]) if "limit" in query else None
    except ValueError:
        return 0, None
    return offset, limit


def total_of(text: str) -> int | None:
    """The number of courses a list page says it has, if it says."""
    match = TOTAL.search(text)
    if match is None:
        return None
    return int(match.group(1) or match.group(2))


class OdavSpider(DetailFirstSpider):
    """ODAV course lists: offset paging from the stated total, canonical detail pages."""

    def is_detail(self, url: str) -> bool:
        return DETAIL.search(url) is not None

    def _is_event_page(self, url: str) -> bool:
        if self.event_links is not None:
            return bool(self.event_links.search(url))
        return self.is_detail(url)

    def _follow(self, response: TextResponse) -> Iterator[scrapy.Request]:
        seen: set[str] = set()
        for link in response.css("a[href]"):
            url = response.urljoin(link.attrib.get("href", ""))
            if urlsplit(url).hostname not in self.allowed_domains:
                continue
            canonical = canonical_detail(url)
            if canonical is not None and self._is_event_page(url) and canonical not in seen:
                seen.add(canonical)
                yield response.follow(canonical, callback=self.parse)
        yield from self._pages(response)

    def _pages(self, response: TextResponse) -> Iterator[scrapy.Request]:
        offset, limit = page_window(response.url)
        total = total_of(" ".join(response.css("body ::text").getall()))
        if total is not None and LISTING.search(response.url):
            first = response.meta.get("kontext_odav_first", True)
            if not first:
                return
            # Without a limit in the URL the site chose the page size: as many as this page shows.
            size = limit or len(
                {canonical_detail(url) for url in response.css("a::attr(href)").getall()} - {None}
            )
            if size <= 0:
                return
            # Pages are counted against the source's page limit like any other request.
            budget = max(self.source.max_pages - 1, 0)
            for number, next_offset in enumerate(range(offset + size, total, size)):
                if number >= budget:
                    self._stat("listing/pages_over_limit")
                    break
                yield response.follow(
                    with_offset(response.url, next_offset, size),
                    callback=self.parse,
                    meta={"kontext_listing": True, "kontext_odav_first": False},
                )
            return
        for link in response.css("a[href]"):
            url = response.urljoin(link.attrib.get("href", ""))
            text = " ".join(link.css("::text").getall())
            if LISTING.search(url) and self._is_next_page(url, text, link.attrib.get("rel", "")):
                yield self.listing_request(url, response)
