"""The search page in headless Chromium (Debian's package): type, filter, open an event, download
its .ics; and the same without JavaScript. A screenshot goes to test-artifacts/."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import icalendar
import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, expect, sync_playwright

from tests.search.conftest import LiveServer

pytestmark = [pytest.mark.browser, pytest.mark.meili, pytest.mark.slow]
CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        pytest.fail("Chromium is missing: `make install` installs Debian's chromium package")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield launched
        launched.close()


def watch_console(page: Page) -> list[str]:
    """Console errors (a CSP violation shows up here)."""
    errors: list[str] = []

    def record(message: ConsoleMessage) -> None:
        if message.type == "error":
            errors.append(message.text)

    page.on("console", record)
    page.on("pageerror", lambda error: errors.append(str(error)))
    return errors


def test_type_filter_open_and_add_to_calendar(browser: Browser, live: LiveServer, artifacts: Path) -> None:
    context = browser.new_context(accept_downloads=True, locale="de-DE", viewport={"width": 1280, "height": 1000})
    page = context.new_page()
    errors = watch_console(page)
    page.goto(f"{live.url}/")
    assert page.locator("h3 a").count() > 0

    page.locator("#q").press_sequentially("Maschinenbau", delay=40)  # results follow the typing
    page.wait_for_url("**/?q=Maschinenbau")
    page.wait_for_selector("#results mark")
    assert "Maschinenbau" in page.locator("#results .count").inner_text() or page.locator("#results h3").count() > 0

    page.locator("#facet-format input[value='trade-fair']").check()  # a facet applies on change
    page.wait_for_url("**format=trade-fair**")
    # Two machinery trade fairs (the CSP forbids Playwright's evaluated script strings: poll instead).
    expect(page.locator("#results h3")).to_have_count(2)
    titles = page.locator("#results h3 a").all_inner_texts()
    assert sorted(titles) == ["Internationale Verpackungsmesse", "Laufende Messe Maschinenbau"]

    page.get_by_role("link", name="Laufende Messe Maschinenbau").click()
    page.wait_for_selector("h1")
    assert "Laufende Messe Maschinenbau" in page.locator("h1").inner_text()
    page.screenshot(path=str(artifacts / "search-event-page.png"), full_page=True)

    with page.expect_download() as download_info:
        page.locator("a.ics").click()
    download = download_info.value
    assert download.suggested_filename == "kontext-ongoing.ics"
    calendar = icalendar.Calendar.from_ical(Path(download.path()).read_bytes())
    assert [str(event["summary"]) for event in calendar.walk("VEVENT")] == ["Laufende Messe Maschinenbau"]

    page.goto(f"{live.url}/?q=Maschinenbau&lang=en")
    page.screenshot(path=str(artifacts / "search-page.png"), full_page=True)
    assert errors == []
    context.close()


def test_the_page_works_without_javascript(browser: Browser, live: LiveServer) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{live.url}/")
    page.fill("#q", "Wasserstoff")
    page.locator(".query button[type=submit]").click()
    page.wait_for_url("**q=Wasserstoff**")
    assert page.locator("#results h3 a").first.inner_text() == "Wasserstoff-Stammtisch Südheide"
    page.locator("#facet-audience input[value='all']").check()
    page.locator(".actions button[type=submit]").click()
    page.wait_for_url("**audience=all**")
    assert page.locator("#results h3").count() >= 1
    context.close()
