"""Crawler traps: URLs that generate more URLs forever without new events.

Event calendars are full of them — "next month" links that never end (``?month=2031-07``), page
numbers nobody reaches (``?page=9999``), session ids that make every link new, filters that append
themselves to the query string again and again, relative links that grow the path
(``/termine/termine/termine/``). Each rule here is a pure function of the URL and the crawl time;
`trap_reason` names the first rule a URL breaks, `without_session_ids` removes what only
identifies a visitor. Page, depth and size limits per source bound whatever slips through.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import UTC, datetime
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

MAX_URL_LENGTH = 1000
MAX_QUERY_PARAMETERS = 12
MAX_REPEATED_PARAMETER = 2
MAX_PATH_SEGMENTS = 15
MAX_REPEATED_SEGMENT = 2
MAX_PAGE_NUMBER = 500
MAX_OFFSET = 20_000
# Calendars are crawled this far ahead and back; events outside are not what Kontext is for.
MONTHS_AHEAD = 24
MONTHS_BACK = 12

SESSION_PARAMETER = re.compile(
    r"^(jsessionid|phpsessid|sid|sessid|sessionid|session_id|aspsessionid\w*|cfid|cftoken|oscsid|zenid)$",
    re.IGNORECASE,
)
SESSION_PATH_PARAMETER = re.compile(r";(jsessionid|phpsessid|sid|sessionid)=[^/?#]*", re.IGNORECASE)
PAGE_PARAMETER = re.compile(r"^(page|p|pg|paged|seite|pagenum|page_no|pageno|pagenumber|currentpage)$", re.IGNORECASE)
OFFSET_PARAMETER = re.compile(r"^(start|offset|from|skip|begin)$", re.IGNORECASE)
PAGE_SEGMENT = re.compile(r"/(?:page|seite)/(\d+)(?:/|$)", re.IGNORECASE)
YEAR_PARAMETER = re.compile(r"^(year|jahr|y)$", re.IGNORECASE)
TIMESTAMP_PARAMETER = re.compile(r"^(ts|timestamp|time|t|date|datum)$", re.IGNORECASE)
# 2031-07, 2031/07, 2031.07, 2031-07-15 (years 1900-2199; the month must be a month).
YEAR_MONTH = re.compile(r"(?<!\d)(19\d{2}|2[01]\d{2})[-/._](0?[1-9]|1[0-2])(?!\d)")
# 15.07.2031, 07/2031
MONTH_YEAR = re.compile(r"(?<!\d)(?:\d{1,2}[./-])?(0?[1-9]|1[0-2])[./-](19\d{2}|2[01]\d{2})(?!\d)")


def without_session_ids(url: str) -> str:
    """The URL without session-id query or path parameters (they make every visit's links new)."""
    cleaned = SESSION_PATH_PARAMETER.sub("", url)
    parts = urlsplit(cleaned)
    if not parts.query:
        return cleaned
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    kept = [(key, value) for key, value in pairs if not SESSION_PARAMETER.match(key)]
    if len(kept) == len(pairs):
        return cleaned
    return urlunsplit(parts._replace(query=urlencode(kept)))


def _months(year: int, month: int) -> int:
    return year * 12 + month


def _calendar_out_of_range(text: str, now: datetime) -> bool:
    current = _months(now.year, now.month)
    months = [_months(int(year), int(month)) for year, month in YEAR_MONTH.findall(text)]
    months += [_months(int(year), int(month)) for month, year in MONTH_YEAR.findall(text)]
    return any(value - current > MONTHS_AHEAD or current - value > MONTHS_BACK for value in months)


def _number(value: str) -> int | None:
    return int(value) if value.isdigit() and len(value) < 12 else None


def trap_reason(url: str, now: datetime) -> str | None:
    """Why following `url` looks like a crawler trap (a short stat key), or None when it looks fine."""
    if len(url) > MAX_URL_LENGTH:
        return "long_url"
    parts = urlsplit(url)
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    if len(pairs) > MAX_QUERY_PARAMETERS:
        return "long_query"
    keys = Counter(key.lower() for key, _ in pairs)
    if keys and max(keys.values()) > MAX_REPEATED_PARAMETER:
        return "repeated_parameter"
    segments = [segment for segment in parts.path.split("/") if segment]
    if len(segments) > MAX_PATH_SEGMENTS:
        return "deep_path"
    repeats = Counter(segment.lower() for segment in segments)
    if repeats and max(repeats.values()) > MAX_REPEATED_SEGMENT:
        return "repeating_path"
    for key, value in pairs:
        number = _number(value.strip())
        if number is None:
            continue
        if PAGE_PARAMETER.match(key) and number > MAX_PAGE_NUMBER:
            return "page_number"
        if OFFSET_PARAMETER.match(key) and number > MAX_OFFSET:
            return "page_number"
        if YEAR_PARAMETER.match(key) and not now.year - MONTHS_BACK // 12 <= number <= now.year + MONTHS_AHEAD // 12:
            return "calendar_range"
        if TIMESTAMP_PARAMETER.match(key) and len(value) == 10:
            moment = datetime.fromtimestamp(number, UTC)
            if _calendar_out_of_range(f"{moment.year}-{moment.month:02d}", now):
                return "calendar_range"
    match = PAGE_SEGMENT.search(parts.path)
    if match and int(match[1]) > MAX_PAGE_NUMBER:
        return "page_number"
    if _calendar_out_of_range(f"{parts.path}?{parts.query}", now):
        return "calendar_range"
    return None
