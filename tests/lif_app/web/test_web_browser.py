"""The web view in a real browser: `lif serve` in a subprocess, headless Chromium driven by Selenium.

JavaScript is switched off in the browser: every page, filter and link must work without it
(tests/support/browser.py). Screenshots go to each test's tmp_path.
"""

from __future__ import annotations

import json
import sqlite3
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from browser import ensure_chromium, no_browser_errors, start_chromium, wait_for_path
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import Select
from serving import lif_serve


@pytest.fixture(scope="session")
def chromium() -> tuple[str, str]:
    return ensure_chromium()


@pytest.fixture(scope="module")
def server(demo_store, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`lif serve` on a free port, polled until it answers (tests/support/serving.py)."""
    log = tmp_path_factory.mktemp("serve") / "serve.log"
    env = {"LIF_STORE": demo_store.url, "LIF_HOME": str(demo_store.home)}
    with lif_serve([], env, log) as base:
        yield base


@pytest.fixture(scope="module")
def browser(
    chromium: tuple[str, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[WebDriver]:
    driver = start_chromium(tmp_path_factory.mktemp("chromium-profile"))
    try:
        yield driver
    finally:
        driver.quit()


def api(base: str, path: str) -> Any:
    with urllib.request.urlopen(base + path, timeout=10) as answer:
        return json.loads(answer.read())


PAGES = {
    "home": "/",
    "register": "/register",
    "learning-item": "/learning/LRN-2025-014",
    "actions": "/actions",
    "action": "/actions/ACT-2025-035",
    "impact": "/impact",
    "measure": "/measures/MEA-CPP-REPEAT",
    "sources": "/sources",
    "rejections": "/rejections",
}


def test_javascript_is_really_off_in_this_browser(browser: WebDriver) -> None:
    browser.get("data:text/html,<title>plain</title><script>document.title='scripted'</script>")
    assert browser.title == "plain"


def test_every_page_loads_without_errors(server: str, browser: WebDriver, tmp_path: Path) -> None:
    for name, path in PAGES.items():
        browser.get(server + path)
        heading = browser.find_element(By.TAG_NAME, "h1")
        assert heading.is_displayed() and heading.text.strip(), path
        assert "· LIF learning platform" in browser.title
        stylesheet = browser.find_element(By.TAG_NAME, "header").value_of_css_property(
            "background-color"
        )
        assert stylesheet == "rgba(11, 12, 12, 1)", "the stylesheet is applied under the CSP"
        no_browser_errors(browser)
        browser.save_screenshot(str(tmp_path / f"{name}.png"))
    assert len(list(tmp_path.glob("*.png"))) == len(PAGES)


def test_filter_the_register_open_an_item_and_follow_its_trail(
    server: str, browser: WebDriver, tmp_path: Path
) -> None:
    browser.get(server + "/register")
    Select(browser.find_element(By.ID, "f-theme")).select_by_visible_text("Neglect")
    Select(browser.find_element(By.ID, "f-status")).select_by_visible_text("disseminated")
    browser.find_element(By.CSS_SELECTOR, "form.filters button[type=submit]").click()
    wait_for_path(browser, "themes=Neglect")
    expected = api(server, "/api/v1/learning-register?themes=Neglect&status=disseminated")
    rows = browser.find_elements(By.CSS_SELECTOR, "table.register tbody tr")
    assert len(rows) == expected["total"] >= 2
    assert browser.find_element(By.ID, "result-count").text.startswith(f"{expected['total']} ")
    assert Select(browser.find_element(By.ID, "f-theme")).first_selected_option.text == "Neglect"
    browser.save_screenshot(str(tmp_path / "register-filtered.png"))

    link = browser.find_element(By.LINK_TEXT, "LRN-2025-014")
    link.click()
    wait_for_path(browser, "/learning/LRN-2025-014")
    assert "LRN-2025-014" in browser.find_element(By.TAG_NAME, "h1").text
    trail = api(server, "/api/v1/learning-register/LRN-2025-014")["trail"]
    events = browser.find_elements(By.CSS_SELECTOR, "ol.timeline li.trail-event")
    assert len(events) == len(trail["events"]) == 13  # as test_web_pages counts them
    (prioritised,) = [e.text for e in events if "prioritised as high" in e.text]
    assert "By demo:business-unit" in prioritised
    assert "On evidence" in prioritised and "reviews.csv" in prioritised
    browser.save_screenshot(str(tmp_path / "learning-item.png"))

    browser.find_element(
        By.CSS_SELECTOR, "#trail ~ h3 + ul a[href='/actions/ACT-2025-032']"
    ).click()
    wait_for_path(browser, "/actions/ACT-2025-032")
    action_events = browser.find_elements(By.CSS_SELECTOR, "ol.timeline li.trail-event")
    assert action_events and "impact verified" in action_events[-1].text.lower()
    browser.find_element(By.LINK_TEXT, "LRN-2025-014").click()
    wait_for_path(browser, "/learning/LRN-2025-014")
    browser.save_screenshot(str(tmp_path / "action-and-back.png"))
    no_browser_errors(browser)


def test_each_chart_plots_one_point_per_period(
    server: str, browser: WebDriver, demo_store, tmp_path: Path
) -> None:
    with sqlite3.connect(demo_store.url.removeprefix("sqlite:///")) as db:
        periods = dict(
            db.execute(
                "SELECT measure, COUNT(*) FROM impact_monitoring GROUP BY measure"
            ).fetchall()
        )
    browser.get(server + "/impact")
    charts = browser.find_elements(By.CSS_SELECTOR, "svg.ttc")
    assert len(charts) == len(periods)
    for svg in charts:
        measure = (
            svg.get_attribute("aria-labelledby")
            .split()[0]
            .removeprefix("chart-")
            .removesuffix("-title")
        )
        points = svg.find_elements(By.CSS_SELECTOR, "circle.point")
        assert len(points) == periods[measure], measure
        assert all(p.size["width"] > 0 for p in points), "the points are drawn"
    browser.save_screenshot(str(tmp_path / "report-cards.png"))
    browser.get(server + "/measures/MEA-ICPC-15WD")
    assert (
        len(browser.find_elements(By.CSS_SELECTOR, "svg.ttc circle.point"))
        == periods["MEA-ICPC-15WD"]
    )


def test_from_a_measure_to_the_actions_and_evidence_behind_it(
    server: str, browser: WebDriver, tmp_path: Path
) -> None:
    browser.get(server + "/impact")
    browser.find_element(
        By.LINK_TEXT, "Initial child protection conferences within 15 working days"
    ).click()
    wait_for_path(browser, "/measures/MEA-ICPC-15WD")
    evidence = browser.find_elements(By.CSS_SELECTOR, "table.evidence tbody tr")
    assert len(evidence) == 3 and all("performance" in row.text for row in evidence)
    browser.save_screenshot(str(tmp_path / "measure.png"))
    browser.find_element(By.CSS_SELECTOR, "table.actions a[href='/actions/ACT-2025-101']").click()
    wait_for_path(browser, "/actions/ACT-2025-101")
    assert "ACT-2025-101" in browser.find_element(By.TAG_NAME, "h1").text


def test_pages_print_without_navigation_or_filters(
    server: str, browser: WebDriver, tmp_path: Path
) -> None:
    import base64

    browser.get(server + "/register")
    browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    try:
        assert (
            browser.find_element(By.CSS_SELECTOR, "header nav").value_of_css_property("display")
            == "none"
        )
        assert (
            browser.find_element(By.CSS_SELECTOR, "form.filters").value_of_css_property("display")
            == "none"
        )
        assert browser.find_element(By.CSS_SELECTOR, "table.register").is_displayed()
    finally:
        browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})
    pdf = base64.b64decode(browser.print_page())
    assert pdf.startswith(b"%PDF")
    (tmp_path / "register.pdf").write_bytes(pdf)


def test_the_published_report_renders_its_charts_with_only_published_points(
    browser: WebDriver, demo_store, tmp_path: Path
) -> None:
    data = json.loads((demo_store.report / "data.json").read_text(encoding="utf-8"))
    published = {
        m["reference"]: sum(1 for p in m["periods"] if not p["value"].startswith("withheld"))
        for card in data["report_cards"]
        for c in card["categories"]
        for m in c["measures"]
    }
    browser.get((demo_store.report / "report-cards.html").as_uri())
    charts = browser.find_elements(By.CSS_SELECTOR, "svg.ttc")
    assert len(charts) == len(published)
    for svg in charts:
        measure = (
            svg.get_attribute("aria-labelledby")
            .split()[0]
            .removeprefix("chart-")
            .removesuffix("-title")
        )
        assert len(svg.find_elements(By.CSS_SELECTOR, "circle.point")) == published[measure]
    # Times learning was shared counts no people: even its small values are plotted.
    [shared] = [
        m
        for card in data["report_cards"]
        for c in card["categories"]
        for m in c["measures"]
        if m["reference"] == "MEA-LEARNING-SHARED"
    ]
    assert published["MEA-LEARNING-SHARED"] == len(shared["periods"]) >= 2
    browser.save_screenshot(str(tmp_path / "published-report-cards.png"))
