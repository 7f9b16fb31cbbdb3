"""Headless Chromium from Debian's packages (chromium, chromium-driver) driven by Selenium;
nothing downloads a browser. Screenshots go under the test run's output folder."""
from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from selenium import webdriver
from selenium.webdriver.chrome.service import Service

REPO = Path(__file__).resolve().parents[2]
CHROMEDRIVER = "/usr/bin/chromedriver"
# The flags this closed network needs: no first-run, sync, component or background fetches
# (each would try the internet and stall), QUIC off, a throw-away profile.
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-dev-shm-usage", "--lang=zh-CN")
PHONE_WIDTH = 375


def output_dir(*parts: str) -> Path:
    """var/test-output/<parts> (LIANXIN_TEST_OUTPUT moves it), created."""
    root = Path(os.environ.get("LIANXIN_TEST_OUTPUT", REPO / "var" / "test-output"))
    folder = root.joinpath(*parts)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


class Browser:
    """One Chromium with an empty profile; ``close()`` ends it and removes the profile."""

    def __init__(self, width: int = PHONE_WIDTH, height: int = 800, *, javascript: bool = True):
        if not os.path.exists(CHROMEDRIVER):
            raise RuntimeError(f"{CHROMEDRIVER} is missing: apt-get install chromium chromium-driver (.ci/run does)")
        self.profile = tempfile.mkdtemp(prefix="lianxin-chromium-")
        options = webdriver.ChromeOptions()
        for flag in FLAGS:
            options.add_argument(flag)
        options.add_argument(f"--user-data-dir={self.profile}")
        options.add_argument(f"--window-size={width},{height}")
        options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
        if not javascript:   # pages' own scripts off, as a browser with JavaScript disabled
            options.add_experimental_option("prefs", {"profile.managed_default_content_settings.javascript": 2})
        self.driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
        self.driver.set_page_load_timeout(60)
        self.driver.set_script_timeout(60)   # axe-core on a busy machine
        self.width = width
        self.emulate(height)

    def emulate(self, height: int) -> None:
        """A viewport of exactly ``width`` CSS pixels (headless windows are at least 500 wide),
        as a phone of that width shows it."""
        self.driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
            "width": self.width, "height": height, "deviceScaleFactor": 1, "mobile": self.width < 600})

    def screenshot(self, folder: Path, name: str) -> Path:
        """The whole page (its full height) as PNG at the browser's width."""
        d = self.driver
        height = d.execute_script("return Math.max(document.body.scrollHeight, document.documentElement.scrollHeight)")
        self.emulate(max(600, min(int(height), 6000)))
        path = folder / f"{name}.png"
        d.save_screenshot(str(path))
        self.emulate(800)
        return path

    def close(self) -> None:
        try:
            self.driver.quit()
        finally:
            shutil.rmtree(self.profile, ignore_errors=True)


def wait_replaced(driver, old, seconds: float = 30) -> None:
    """Waits until the page whose <html> element is ``old`` has been replaced and the new one
    has loaded. Chromium may answer a question about the old element mid-navigation with an
    inspector error rather than 'stale' (Selenium's staleness_of then fails): asked again."""
    from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
    from selenium.webdriver.support.ui import WebDriverWait

    def gone(_) -> bool:
        try:
            old.is_enabled()
            return False
        except StaleElementReferenceException:
            return True
        except WebDriverException:
            return False
    WebDriverWait(driver, seconds).until(gone)
    WebDriverWait(driver, seconds).until(lambda d: d.execute_script("return document.readyState") == "complete")
