"""Headless Chromium for the static site's tests, driven by Selenium (a helper module,
not a test file).

Debian's `chromium` and `chromium-driver` (`./bootstrap.sh --test` installs both), found
on PATH and handed to Selenium by path, so Selenium Manager never looks for a driver or
a browser to download (and SE_OFFLINE tells it not to, were it ever asked). Pages are
opened from file://, as a reader opens the site.

When the browser, its driver or selenium is missing, a test that needs them fails with
the command that installs them: CI must not pass by skipping the site's tests. Set
BUILDPROF_SKIP_BROWSER=1 to skip them instead, on a machine without a browser.

Screenshots go to $BUILDPROF_TEST_ARTIFACTS, else <repo>/test-artifacts/ (ignored by git).
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from selenium.webdriver.remote.webdriver import WebDriver

REPO = Path(__file__).resolve().parents[1]
SKIP_ENV = "BUILDPROF_SKIP_BROWSER"
ARTIFACTS_ENV = "BUILDPROF_TEST_ARTIFACTS"

FLAGS = ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
         "--disable-background-networking", "--disable-component-update", "--no-first-run",
         "--window-size=1280,900")

# Run before any script of every page: uncaught exceptions and rejected promises, kept
# where console_errors reads them (the browser log has them too, but not every driver
# keeps that log).
ERROR_HOOK = """
window.__bpErrors = [];
window.addEventListener('error', function (e) {
  window.__bpErrors.push('uncaught: ' + (e.error && e.error.stack || e.message) +
                         ' (' + e.filename + ':' + e.lineno + ')');
});
window.addEventListener('unhandledrejection', function (e) {
  window.__bpErrors.push('unhandled rejection: ' + (e.reason && e.reason.stack || e.reason));
});
"""


def missing() -> list[str]:
    """What the browser tests need and this machine lacks."""
    out = [name for name in ("chromium", "chromedriver") if not shutil.which(name)]
    try:
        import selenium  # noqa: F401
    except ImportError:
        out.append("selenium (Python)")
    return out


def require_browser() -> None:
    """Fail (or, with BUILDPROF_SKIP_BROWSER=1, skip) the calling test when the
    browser, its driver or selenium is missing."""
    lacking = missing()
    if not lacking:
        return
    what = ", ".join(lacking)
    if os.environ.get(SKIP_ENV) == "1":
        pytest.skip(f"{what} missing ({SKIP_ENV}=1)")
    pytest.fail(f"the browser tests need {what}: run ./bootstrap.sh --test (it installs "
                f"Debian's chromium and chromium-driver and the pinned selenium), or set "
                f"{SKIP_ENV}=1 to skip them", pytrace=False)


@contextmanager
def chromium() -> Iterator[WebDriver]:
    """A headless Chromium under chromedriver, quit (and its profile deleted) on exit."""
    require_browser()
    os.environ.setdefault("SE_OFFLINE", "true")  # Selenium Manager: never download
    os.environ.setdefault("SE_AVOID_STATS", "true")
    from selenium import webdriver
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.chrome.service import Service

    profile = Path(tempfile.mkdtemp(prefix="bp-chromium-"))
    log = profile.parent / f"{profile.name}-chromedriver.log"
    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or ""
    for flag in (*FLAGS, f"--user-data-dir={profile}"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    service = Service(executable_path=shutil.which("chromedriver"), log_output=str(log))
    try:
        driver = webdriver.Chrome(service=service, options=options)
    except WebDriverException as exc:
        tail = log.read_text(errors="replace")[-3000:] if log.exists() else ""
        shutil.rmtree(profile, ignore_errors=True)
        pytest.fail(f"headless Chromium did not start: {exc.msg}\n{tail}", pytrace=False)
    try:
        driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": ERROR_HOOK})
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)
        log.unlink(missing_ok=True)


def console_errors(driver: WebDriver) -> list[str]:
    """The page's errors: SEVERE entries of the browser log (console.error, failed
    loads, uncaught exceptions) logged since the last call, and the uncaught exceptions
    and unhandled rejections of the current page that the hook recorded."""
    logged = [f"{e.get('source', '')}: {e['message']}" for e in driver.get_log("browser")
              if e.get("level") == "SEVERE"]
    return logged + list(driver.execute_script("return window.__bpErrors || [];"))


def artifacts_dir() -> Path:
    path = Path(os.environ.get(ARTIFACTS_ENV) or REPO / "test-artifacts")
    path.mkdir(parents=True, exist_ok=True)
    return path


def shot(driver: WebDriver, name: str) -> Path:
    """A PNG screenshot of the window, `<artifacts>/<name>.png`."""
    path = artifacts_dir() / f"{re.sub(r'[^A-Za-z0-9._-]+', '-', name)}.png"
    assert driver.save_screenshot(str(path)), f"no screenshot written to {path}"
    return path


def wait_for(driver: WebDriver, js_condition: str, timeout: float = 10.0,
             interval: float = 0.05) -> Any:
    """Poll the JavaScript expression `js_condition` until it is truthy; return its
    value. Fails the test with the expression and the page's errors on timeout."""
    deadline = time.monotonic() + timeout
    while True:
        value = driver.execute_script(f"return ({js_condition});")
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout:g} s waiting for {js_condition!r}; page "
                        f"errors: {console_errors(driver)}", pytrace=False)
        time.sleep(interval)
