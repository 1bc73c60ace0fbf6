"""The layout holds at 1280 px and on a phone (390 px), in English and in French.

At 1280 px the header is one line and each page's tabs one row, with no label broken inside; on a phone nothing
makes the page wider than the screen (the navigation and tab strips scroll sideways instead).
"""

import pytest

from browser_harness import log_in

PAGES = ["/", "/inventory/", "/inventory/systems/1/", "/risks/", "/risks/methods/1/", "/ledger/", "/people/"]
ONE_LINE = 56  # px: the header's height when its items sit on one line (about 43 px)


def _switch_to(page, base_url, language):
    page.goto(f"{base_url}/")
    if page.locator("html").get_attribute("lang") != language:
        page.locator(".personmenu summary").click()
        page.locator(".langswitch button").click()
        page.wait_for_load_state()


@pytest.mark.parametrize("language", ["en", "fr"])
def test_header_and_tabs_hold_at_1280_px(page, base_url, admin_credentials, language):
    log_in(page, base_url, *admin_credentials)
    _switch_to(page, base_url, language)
    try:
        for path in PAGES:
            page.goto(base_url + path)
            header = page.locator(".topbar").bounding_box()
            assert header["height"] < ONE_LINE, f"{path}: the header wraps ({header['height']} px)"
            for tabs in page.locator(".tabs").all():
                box = tabs.bounding_box()
                assert box["height"] < ONE_LINE, f"{path}: the tabs wrap ({box['height']} px)"
            broken = page.evaluate("() => [...document.querySelectorAll('.tabs a, .mainnav a')]"
                                   ".filter(a => a.getClientRects().length > 1 || a.offsetHeight > 40)"
                                   ".map(a => a.textContent)")
            assert not broken, f"{path}: labels broken over two lines: {broken}"
    finally:
        _switch_to(page, base_url, "en")  # the other journeys expect the administrator in English


@pytest.mark.parametrize("language", ["en", "fr"])
def test_no_page_is_wider_than_a_phone(page, base_url, admin_credentials, language):
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(page, base_url, *admin_credentials)
    _switch_to(page, base_url, language)
    try:
        for path in PAGES:
            page.goto(base_url + path)
            width = page.evaluate("() => document.documentElement.scrollWidth")
            assert width <= 390, f"{path}: the page is {width} px wide on a 390 px screen"
    finally:
        _switch_to(page, base_url, "en")
