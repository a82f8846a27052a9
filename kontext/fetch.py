"""Fetching one page outside a crawl (for `kontext extract` and `kontext sources probe`).

Refuses loopback, link-local and private addresses unless allowed (the same rule as the crawler,
crawler/safety.py: every address the host resolves to must be public, checked again after each
redirect), limits size and redirects.
"""

from __future__ import annotations

import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx

from crawler.safety import is_public
from kontext.errors import UserError

MAX_BYTES = 10_000_000


@dataclass
class Page:
    url: str
    body: bytes
    content_type: str
    status: int


def is_public_host(host: str) -> bool:
    """True when every address the host resolves to is a public one."""
    try:
        infos = socket.getaddrinfo(host, None)
    except (socket.gaierror, UnicodeError):
        return False
    return bool(infos) and all(is_public(info[4][0].split("%")[0]) for info in infos)


def fetch_page(url: str, *, user_agent: str, allow_private: bool = False, timeout: float = 20.0) -> Page:
    current = url
    with httpx.Client(timeout=timeout, headers={"User-Agent": user_agent}, follow_redirects=False) as client:
        for _ in range(6):
            host = urlsplit(current).hostname or ""
            if not allow_private and not is_public_host(host):
                raise UserError(
                    f"{host} is a private, loopback or unknown address; use --allow-private for local sites"
                )
            try:
                with client.stream("GET", current) as response:
                    if response.is_redirect:
                        current = str(response.url.join(response.headers.get("location", "")))
                        continue
                    body = bytearray()
                    for chunk in response.iter_bytes():
                        body += chunk
                        if len(body) > MAX_BYTES:
                            raise UserError(f"{current} is larger than {MAX_BYTES // 1_000_000} MB")
                    if response.status_code >= 400:
                        raise UserError(f"{current} answered HTTP {response.status_code}")
                    return Page(
                        url=str(response.url),
                        body=bytes(body),
                        content_type=response.headers.get("content-type", "text/html").lower(),
                        status=response.status_code,
                    )
            except httpx.HTTPError as error:
                raise UserError(f"cannot fetch {current}: {error}") from None
    raise UserError(f"{url} redirects too often")
