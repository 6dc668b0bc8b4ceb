"""Headless Chromium for the web tests: Debian's Chromium and ChromeDriver, JavaScript off.

Chromium and ChromeDriver come from Debian (installed with apt-get when missing; a failed install
fails the tests, it never skips them).
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"


def ensure_chromium() -> tuple[str, str]:
    """Debian's Chromium and ChromeDriver, installed with apt-get when missing."""
    if not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()):
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        for command in (
            ["apt-get", "update"],
            ["apt-get", "install", "-y", "chromium", "chromium-driver"],
        ):
            done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=1200)
            if done.returncode != 0:
                pytest.fail(
                    f"`{' '.join(command)}` failed:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}"
                )
    return CHROMIUM, CHROMEDRIVER


def start_chromium(profile: Path, downloads: Path | None = None) -> WebDriver:
    """A headless Chromium with JavaScript switched off (and downloads saved to ``downloads``)."""
    binary, driver_path = ensure_chromium()
    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for argument in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={profile}",
        "--window-size=1280,1600",
    ):
        options.add_argument(argument)
    prefs: dict[str, object] = {"profile.managed_default_content_settings.javascript": 2}
    if downloads is not None:
        prefs |= {
            "download.default_directory": str(downloads),
            "download.prompt_for_download": False,
        }
    options.add_experimental_option("prefs", prefs)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(driver_path), options=options)
    driver.set_page_load_timeout(30)
    return driver


def no_browser_errors(driver: WebDriver, origin: str | None = None) -> None:
    """No error in the browser's log (only those about ``origin``'s pages, when given)."""
    severe = [
        e
        for e in driver.get_log("browser")
        if e["level"] == "SEVERE" and (origin is None or e["message"].startswith(origin))
    ]
    assert not severe, severe


def wait_for_path(driver: WebDriver, fragment: str) -> None:
    try:
        WebDriverWait(driver, 15).until(lambda d: fragment in d.current_url)
    except TimeoutException:
        said = driver.find_elements(By.CSS_SELECTOR, "h1, .error-message")
        pytest.fail(
            f"waited 15 s for {fragment!r} in the address; at {driver.current_url!r}: "
            + " / ".join(e.text for e in said)
        )
