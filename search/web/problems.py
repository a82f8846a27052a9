"""The answers other than 200 that the routes document, written once: `responses=problems(400, 503)`
for the JSON routes (the one-line body the app's handlers send), `responses=pages(404)` for the
server-rendered pages (digest links, staff preview).

The app's handlers (search/web/app.py) decide the body: JSON `Problem` under /api/, /feeds/ and for
.ics files, an HTML page everywhere else.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel


class Problem(BaseModel):
    """A one-line error; `param` names the search parameter at fault."""

    detail: str
    param: str | None = None


MEANINGS = {
    400: "A parameter value is wrong, or the search cannot be run (one line; `param` names the parameter)",
    401: "Staff login required",
    403: "Staff access is not configured",
    404: "Not found",
    503: "The search or mail server is unavailable right now",
}


def problems(*statuses: int, meanings: dict[int, str] | None = None) -> dict[int | str, dict[str, Any]]:
    """`responses=` of a JSON route: each status with the Problem body; `meanings` replaces the
    generic description of a status."""
    meanings = {**MEANINGS, **(meanings or {})}
    return {status: {"model": Problem, "description": meanings[status]} for status in statuses}


def pages(
    *statuses: int, meanings: dict[int, str] | None = None, media_type: str = "text/html"
) -> dict[int | str, dict[str, Any]]:
    """`responses=` of a route that answers with a page: each status as an HTML (or `media_type`) page."""
    meanings = {**MEANINGS, **(meanings or {})}
    return {status: {"description": meanings[status], "content": {media_type: {}}} for status in statuses}
