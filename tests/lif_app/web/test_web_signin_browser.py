"""Signed in, in a real browser: each role signs in at the test provider and does what it may.

Headless Chromium (JavaScript off) against `lif serve --signin` over a copy of the demo store and a
real OpenID Connect provider (tests/support/oidc_test_provider.py). Each person picks themselves
on the provider's authorisation page, as they would at their organisation's sign-in page.
"""

from __future__ import annotations

import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from browser import ensure_chromium, no_browser_errors, start_chromium, wait_for_path
from oidc_test_provider import ICB, LCC, SignedInServer, oidc_provider, signin_server
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import Select

from lif_core.audit.pack import check_pack


@pytest.fixture(scope="module")
def server(demo_store, tmp_path_factory) -> Iterator[SignedInServer]:
    demo_db = Path(demo_store.url.removeprefix("sqlite:///"))
    with oidc_provider() as issuer:
        workdir = tmp_path_factory.mktemp("signin-browser")
        with signin_server(issuer, demo_db, demo_store.home, workdir) as running:
            yield running


@pytest.fixture
def downloads(tmp_path: Path) -> Path:
    folder = tmp_path / "downloads"
    folder.mkdir()
    return folder


@pytest.fixture
def browser(tmp_path: Path, downloads: Path) -> Iterator[WebDriver]:
    """A fresh browser for each person: no cookie of the one before."""
    ensure_chromium()
    driver = start_chromium(tmp_path / "profile", downloads)
    try:
        yield driver
    finally:
        driver.quit()


def sign_in(browser: WebDriver, server: SignedInServer, subject: str, path: str) -> None:
    """Open ``path``; LIF sends the browser to the provider, where ``subject`` signs in."""
    browser.get(server.base + path)
    wait_for_path(browser, server.issuer + "/oauth2/authorize")
    browser.find_element(By.CSS_SELECTOR, f"button[name=sub][value='{subject}']").click()
    wait_for_path(browser, server.base + path)


def heading(browser: WebDriver) -> str:
    return browser.find_element(By.TAG_NAME, "h1").text


def last_trail_event(browser: WebDriver) -> str:
    return browser.find_elements(By.CSS_SELECTOR, "ol.timeline li.trail-event")[-1].text


def test_a_partner_records_progress_and_is_refused_what_is_not_theirs(server, browser, tmp_path):
    sign_in(browser, server, "icb-priya", "/actions/ACT-2025-035")
    who = browser.find_element(By.CSS_SELECTOR, "form.signed-in").text
    assert "Priya Shah" in who and f"partner ({ICB})" in who
    browser.save_screenshot(str(tmp_path / "1-action.png"))

    browser.find_element(By.LINK_TEXT, "Progress").click()
    wait_for_path(browser, "/decide/action/progress/ACT-2025-035")
    assert heading(browser) == "Progress ACT-2025-035"
    browser.find_element(By.ID, "d-note").send_keys("Route agreed with all five schools.")
    browser.find_element(By.ID, "d-rag").send_keys("green")
    browser.save_screenshot(str(tmp_path / "2-form.png"))
    browser.find_element(By.CSS_SELECTOR, "form.decision button[type=submit]").click()
    wait_for_path(browser, "/actions/ACT-2025-035#trail")

    assert (
        "Recorded: Action.ProgressReported on ACT-2025-035"
        in browser.find_element(By.CSS_SELECTOR, "p.flash").text
    )
    event = last_trail_event(browser)
    assert "Route agreed with all five schools." in event
    assert f"By Priya Shah (partner, {ICB}; signed in at {server.issuer} as icb-priya)" in event
    browser.save_screenshot(str(tmp_path / "3-recorded.png"))
    no_browser_errors(browser, server.base)

    browser.get(server.base + "/actions/ACT-2025-101")
    assert not browser.find_elements(By.CSS_SELECTOR, "section.decide")
    browser.get(server.base + "/decide/action/progress/ACT-2025-101")
    assert heading(browser) == "Not allowed"
    assert (
        f"this is {LCC}'s action, and you record for {ICB} only"
        in browser.find_element(By.CSS_SELECTOR, ".error-message").text
    )
    browser.get(server.base + "/decide/learning/accept/LRN-2025-019")
    assert (
        "`learning accept` is the business unit's decision"
        in browser.find_element(By.CSS_SELECTOR, ".error-message").text
    )
    browser.get(server.base + "/learning/LRN-2025-019")
    # On a learning item a partner is offered one decision only: its own cascade (issue 15).
    (offered,) = browser.find_elements(By.CSS_SELECTOR, "section.decide li a")
    assert offered.text == "Cascade"
    browser.save_screenshot(str(tmp_path / "4-refused.png"))

    browser.find_element(By.CSS_SELECTOR, "form.signed-in button").click()
    wait_for_path(browser, "/signed-out")
    assert heading(browser) == "Signed out"
    browser.get(server.base + "/register")
    wait_for_path(browser, server.issuer + "/oauth2/authorize")


def test_the_business_unit_prioritises_a_learning_item(server, browser, tmp_path):
    sign_in(browser, server, "bu-ruth", "/learning/CSPR-2024-02/LP04")
    browser.find_element(By.LINK_TEXT, "Prioritise").click()
    wait_for_path(browser, "/decide/learning/prioritise/CSPR-2024-02/LP04")
    browser.find_element(By.ID, "d-priority").send_keys("medium")
    browser.find_element(By.ID, "d-rationale").send_keys("Seen in one review; the audit will tell.")
    browser.find_element(By.CSS_SELECTOR, "form.decision button[type=submit]").click()
    wait_for_path(browser, "/learning/CSPR-2024-02/LP04#trail")

    state = browser.find_element(By.CSS_SELECTOR, "dl.state").text
    assert "medium" in state
    event = last_trail_event(browser)
    assert "prioritised as medium" in event
    assert "Seen in one review; the audit will tell." in event
    assert f"By Ruth Ahmed (business unit; signed in at {server.issuer} as bu-ruth)" in event
    browser.save_screenshot(str(tmp_path / "prioritised.png"))
    no_browser_errors(browser, server.base)


def test_the_business_unit_is_shown_a_stale_form_again_with_what_changed(server, browser):
    sign_in(browser, server, "bu-ruth", "/decide/learning/prioritise/DD-2025-01/F02")
    browser.find_element(By.ID, "d-priority").send_keys("low")
    browser.find_element(By.ID, "d-rationale").send_keys("Typed while someone else decided.")
    first = browser.current_window_handle
    browser.switch_to.new_window("tab")
    browser.get(server.base + "/decide/learning/prioritise/DD-2025-01/F02")
    browser.find_element(By.ID, "d-priority").send_keys("high")
    browser.find_element(By.ID, "d-rationale").send_keys("Decided first.")
    browser.find_element(By.CSS_SELECTOR, "form.decision button[type=submit]").click()
    wait_for_path(browser, "/learning/DD-2025-01/F02")
    browser.switch_to.window(first)
    browser.find_element(By.CSS_SELECTOR, "form.decision button[type=submit]").click()

    problem = browser.find_element(By.CSS_SELECTOR, ".error-message").text
    # v1 identified, v2 citing the deep dive's row: the form was shown at v2
    assert "DD-2025-01/F02 changed after v2" in problem
    assert "Learning.Prioritised by Ruth Ahmed (business unit; signed in at" in problem
    assert browser.find_element(By.ID, "d-rationale").get_attribute("value") == (
        "Typed while someone else decided."
    )


def test_an_auditor_reads_the_trail_and_downloads_the_pack_but_decides_nothing(
    server, browser, downloads, tmp_path
):
    sign_in(browser, server, "audit-ann", "/learning/LRN-2025-014")
    assert len(browser.find_elements(By.CSS_SELECTOR, "ol.timeline li.trail-event")) >= 6
    assert not browser.find_elements(By.CSS_SELECTOR, "section.decide")
    browser.find_element(By.PARTIAL_LINK_TEXT, "Download the audit pack of LRN-2025-014").click()
    deadline = time.monotonic() + 30
    pack = downloads / "pack-LRN-2025-014.zip"
    while not pack.exists() and time.monotonic() < deadline:
        time.sleep(0.2)  # the browser writes the file when the download finishes
    assert pack.exists(), list(downloads.iterdir())
    zipfile.ZipFile(pack).extractall(tmp_path / "unpacked")
    report = check_pack(tmp_path / "unpacked" / "pack-LRN-2025-014")
    assert report.ok, report

    browser.get(server.base + "/sources")
    assert heading(browser) == "Source catalogue"
    browser.get(server.base + "/decide/action/progress/ACT-2025-035")
    assert heading(browser) == "Not allowed"
    assert (
        "reads but changes nothing" in browser.find_element(By.CSS_SELECTOR, ".error-message").text
    )
    browser.save_screenshot(str(tmp_path / "auditor-refused.png"))


def test_a_viewer_reads_the_register_without_trails(server, browser, tmp_path):
    sign_in(browser, server, "viewer-vic", "/register")
    Select(browser.find_element(By.ID, "f-theme")).select_by_visible_text("Neglect")
    browser.find_element(By.CSS_SELECTOR, "form.filters button[type=submit]").click()
    wait_for_path(browser, "themes=Neglect")
    browser.find_element(By.LINK_TEXT, "LRN-2025-014").click()
    wait_for_path(browser, "/learning/LRN-2025-014")
    assert not browser.find_elements(By.CSS_SELECTOR, "ol.timeline")
    assert (
        "The audit trail names the people who decided"
        in browser.find_element(By.CSS_SELECTOR, "#trail + p.notice").text
    )
    no_browser_errors(browser, server.base)
    browser.get(server.base + "/rejections")
    assert heading(browser) == "Not allowed"
    browser.save_screenshot(str(tmp_path / "viewer.png"))
