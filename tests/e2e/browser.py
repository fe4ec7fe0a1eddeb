"""A real browser for the tests: Debian's headless Chromium, driven by Selenium through Debian's
chromium-driver. Nothing is downloaded at run time: both come from the system packages that
`deploy/local/install.sh` installs; without them the browser tests skip and say so."""

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait

ARTEFACTS = Path(__file__).resolve().parents[2] / ".local" / "artefacts"


@contextmanager
def chromium() -> Iterator[WebDriver]:
    binary, driver = shutil.which("chromium"), shutil.which("chromedriver")
    if binary is None or driver is None:
        pytest.skip(
            "no headless browser: the Debian packages chromium and chromium-driver are not "
            "installed (deploy/local/install.sh installs them where apt-get can)"
        )
    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage"):
        options.add_argument(argument)
    options.add_argument("--window-size=720,680")
    browser = webdriver.Chrome(service=Service(executable_path=driver), options=options)
    try:
        yield browser
    finally:
        browser.quit()


def message(browser: WebDriver) -> str:
    """The page's message (`#message`), once the page shows one."""
    found: str = WebDriverWait(browser, 20).until(
        lambda b: b.find_element(By.ID, "message").text or False
    )
    return found


def press(browser: WebDriver, *, reason: str | None = None) -> str:
    """Fill in the reason (if given), press the page's one button, and return the next page's
    message."""
    if reason is not None:
        browser.find_element(By.ID, "reason").send_keys(reason)
    button = browser.find_element(By.ID, "answer")
    button.click()
    WebDriverWait(browser, 20).until(lambda b: not b.find_elements(By.ID, "answer"))
    return message(browser)


def screenshot(browser: WebDriver, name: str) -> Path:
    """Keep what the browser shows as a test artefact under `.local/artefacts/` (git ignores it)."""
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTEFACTS / name
    browser.save_screenshot(str(path))
    print(f"screenshot: {path}")
    return path


def show_at(browser: WebDriver, url: str, *, width: int, phone: bool) -> None:
    """Open `url` as a screen `width` CSS pixels wide (a phone's viewport when `phone`), as tall
    as the page, so a screenshot holds all of it. `at_default` undoes it."""
    metrics = {"width": width, "height": 800, "deviceScaleFactor": 1, "mobile": phone}
    browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", metrics)
    browser.get(url)
    height = browser.execute_script("return document.documentElement.scrollHeight")
    browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", metrics | {"height": height})


def at_default(browser: WebDriver) -> None:
    browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
