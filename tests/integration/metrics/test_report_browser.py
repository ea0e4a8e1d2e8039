"""The transparency report in headless Chromium: it renders with nothing fetched from anywhere,
and its screenshots go to docs/screenshots/ (report.png, report-topics.png)."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import pytest

from streams.metrics.report import sample
from streams.metrics.report.build import assemble
from streams.metrics.report.render import write

REPO = Path(__file__).resolve().parents[3]
SCREENSHOTS = REPO / "docs" / "screenshots"
CHROMIUM = Path(os.environ.get("CIVICMOD_CHROMIUM") or "/usr/bin/chromium")


def _browser_or_skip():
    required = os.environ.get("CIVICMOD_REQUIRE_CHROMIUM", "") not in ("", "0", "false", "no")
    problem = None
    if not CHROMIUM.is_file():
        problem = f"{CHROMIUM} is not installed"
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        problem = "Playwright for Python is not installed"
    if problem:
        if required:
            pytest.fail(problem)
        pytest.skip(problem)
    return sync_playwright


def test_report_renders_self_contained(tmp_path: Path):
    sync_playwright = _browser_or_skip()
    report = assemble(sample.records(), sample.scope(), now=datetime(2026, 11, 30, 9, tzinfo=UTC))
    paths = write(report, tmp_path / "report")
    requests: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 1500}, device_scale_factor=1)
            page.on("request", lambda r: requests.append(r.url))
            page.goto(paths.html.resolve().as_uri())
            page.wait_for_load_state("networkidle")
            # every chart drew, with its bars, and the page fits its width
            assert page.locator(".chart svg").count() == 3
            assert page.locator(".chart svg path, .chart svg rect").count() > 30
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= 1200, f"the page is {width}px wide: something overflows"
            assert page.locator("h1").inner_text() == "Harrowby Council"
            assert "potholes" in page.locator(".terms").inner_text()
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SCREENSHOTS / "report.png"))
            topics = page.locator("h2", has_text="Two-way engagement")
            topics.scroll_into_view_if_needed()
            box_top = topics.bounding_box()
            end = page.locator("h2", has_text="Statements of reasons").bounding_box()
            assert box_top and end
            scroll = page.evaluate("window.scrollY")
            page.screenshot(path=str(SCREENSHOTS / "report-topics.png"), full_page=True,
                            clip={"x": 0, "y": box_top["y"] + scroll - 20, "width": 1200,
                                  "height": end["y"] - box_top["y"] + 10})
        finally:
            browser.close()
    assert requests == [paths.html.resolve().as_uri()], "the report fetched something"
