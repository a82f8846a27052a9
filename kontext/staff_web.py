"""The staff page: `/staff` shows every source, its last crawl runs and its health, behind a login.

HTTP Basic auth with the credentials from KONTEXT_STAFF_USER / KONTEXT_STAFF_PASSWORD
(settings.staff_user / staff_password). When they are not set, the page refuses every request:
there is no default password. Both values are compared in constant time. The page is rendered on
the server with autoescaping (source names, error reasons and URLs come from config and crawls);
`/staff/health.json` gives the same data to scripts.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import jinja2
from fastapi import APIRouter, Depends, HTTPException
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.security import HTTPBasic, HTTPBasicCredentials

from kontext.errors import UserError
from kontext.health import Health, assess, load_thresholds, source_health, worst
from kontext.settings import Settings
from kontext.sources import Source, load_sources
from kontext.store import Store

TEMPLATES = Path(__file__).resolve().parent / "templates"
REALM = 'Basic realm="Kontext staff", charset="UTF-8"'
NO_STORE = {"Cache-Control": "no-store"}
# Module level: FastAPI reads the dependency from the (string) annotation in the module's namespace.
BASIC = HTTPBasic(auto_error=False, realm="Kontext staff")

_environment = jinja2.Environment(
    loader=jinja2.FileSystemLoader(TEMPLATES),
    autoescape=jinja2.select_autoescape(default=True),
    trim_blocks=True,
)


def credentials_match(settings: Settings, credentials: HTTPBasicCredentials | None) -> bool:
    """True only when staff credentials are configured and both given values match (constant time)."""
    if not settings.staff_user or not settings.staff_password or credentials is None:
        return False
    user_ok = secrets.compare_digest(credentials.username.encode(), settings.staff_user.encode())
    password_ok = secrets.compare_digest(credentials.password.encode(), settings.staff_password.encode())
    return user_ok & password_ok


def staff_overview(settings: Settings, now: datetime) -> dict[str, Any]:
    """Sources with their health and runs, plus crawled sources that are not configured (ad-hoc, sample)."""
    problems: list[str] = []
    try:
        sources: list[Source] = load_sources(settings.config_dir / "sources.yaml")
    except UserError as error:
        sources, problems = [], [str(error)]
    thresholds = load_thresholds(settings.config_dir)
    store = Store.from_settings(settings)
    try:
        healths = source_health(store, sources, thresholds, now)
        configured = {source.name for source in sources}
        others = sorted({run["source"] for run in store.crawl_runs(limit=500)} - configured)
        healths += [assess(name, store.crawl_runs(name, limit=10), thresholds, now) for name in others]
        organisations = sum(1 for _ in store.iter_organisations())
    finally:
        store.close()
    return {
        "sources": {source.name: source for source in sources},
        "healths": healths,
        "problems": problems,
        "organisations": organisations,
        "worst": worst(healths),
        "counts": {
            status: sum(1 for health in healths if health.status == status)
            for status in ("healthy", "degraded", "broken", "unknown")
        },
        "now": now,
    }


def render_staff_page(overview: dict[str, Any]) -> str:
    """The staff page as HTML (pure: the overview in, escaped HTML out)."""
    return _environment.get_template("staff.html").render(**overview)


def router(settings: Settings, clock: Callable[[], datetime] | None = None) -> APIRouter:
    """/staff and /staff/health.json for one Kontext instance; `clock` fixes "now" in tests."""
    now = clock or (lambda: datetime.now(UTC))
    staff = APIRouter(include_in_schema=False)

    def require_staff(credentials: Annotated[HTTPBasicCredentials | None, Depends(BASIC)]) -> None:
        if not settings.staff_user or not settings.staff_password:
            # No credentials configured: nobody gets in, and the browser is not asked for a login.
            raise HTTPException(
                403, "the staff page is off: set KONTEXT_STAFF_USER and KONTEXT_STAFF_PASSWORD"
            )
        if not credentials_match(settings, credentials):
            raise HTTPException(401, "staff login required", headers={"WWW-Authenticate": REALM})

    @staff.get("/staff", response_class=HTMLResponse, dependencies=[Depends(require_staff)])
    def staff_page() -> HTMLResponse:
        return HTMLResponse(render_staff_page(staff_overview(settings, now())), headers=NO_STORE)

    @staff.get("/staff/health.json", dependencies=[Depends(require_staff)])
    def staff_health() -> JSONResponse:
        overview = staff_overview(settings, now())
        healths: list[Health] = overview["healths"]
        body = {
            "worst": overview["worst"],
            "problems": overview["problems"],
            "organisations": overview["organisations"],
            "sources": [health.to_dict() for health in healths],
        }
        return JSONResponse(body, headers=NO_STORE)

    return staff
