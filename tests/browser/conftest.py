"""Browser journeys: one real demo server per test session, a fresh browser context per test.

On failure the page's screenshot and HTML, and the server's log, go to test-artifacts/, named after the test.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from browser_harness import DemoServer, launch_chromium, log_in, new_context
from playwright.sync_api import sync_playwright

BROWSER_DIR = Path(__file__).resolve().parent
_REPORTS = pytest.StashKey[dict]()


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist reads the groups
def pytest_collection_modifyitems(config, items):
    # This hook sees the whole session's items, not only this directory's.
    for item in items:
        if BROWSER_DIR in Path(item.path).resolve().parents:
            item.add_marker(pytest.mark.browser)
            # Under pytest-xdist (`--dist loadgroup`), every journey goes to the same worker: one demo server per
            # run instead of one per worker, and the largest group starts first.
            item.add_marker(pytest.mark.xdist_group("browser"))


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    item.stash.setdefault(_REPORTS, {})[report.when] = report
    return report


@pytest.fixture(scope="session")
def aims_server(tmp_path_factory):
    """The product started as a person would: `aims demo --no-serve`, then `aims serve` on a free loopback port."""
    server = DemoServer(data_dir=tmp_path_factory.mktemp("aims-browser-data")).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def base_url(aims_server) -> str:
    return aims_server.base_url


@pytest.fixture(scope="session")
def admin_credentials(aims_server) -> tuple[str, str]:
    """The administrator's login exactly as `aims demo` printed it."""
    return aims_server.email, aims_server.password


@pytest.fixture(scope="module")
def chromium():
    # Per module, not per session: while Playwright's sync API is started it keeps an asyncio loop running in the
    # main thread, and Django's ORM then refuses to work in any database test that pytest runs afterwards.
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        yield browser
        browser.close()


@pytest.fixture
def page(request, chromium, aims_server):
    context = new_context(chromium)
    # Fail fast with a clear locator error instead of waiting Playwright's default 30 s.
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    call = request.node.stash.get(_REPORTS, {}).get("call")
    if call is not None and call.failed:
        _save_artifacts(request, page, aims_server)
    context.close()


def _save_artifacts(request, page, server) -> None:
    folder = Path(request.config.rootpath) / "test-artifacts"
    folder.mkdir(exist_ok=True)
    stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.nodeid)
    # The server's traceback is usually the real explanation of what the screenshot shows.
    (folder / f"{stem}.server.log").write_text("\n".join(server.log().splitlines()[-300:]) + "\n")
    try:
        page.screenshot(path=str(folder / f"{stem}.png"), full_page=True)
        (folder / f"{stem}.html").write_text(page.content())
    except Exception as error:  # noqa: BLE001 - a broken page must not hide the test's own failure
        (folder / f"{stem}.error.txt").write_text(f"could not capture the page: {error}\n")


@pytest.fixture
def login(page, base_url):
    """login(email, password): sign in on this test's page."""
    def _login(email: str, password: str):
        log_in(page, base_url, email, password)
        return page

    return _login
