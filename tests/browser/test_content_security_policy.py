"""The Content-Security-Policy breaks nothing: pages, the sign-in and two-factor pages and the interactive API docs
run in Chromium without a single CSP violation."""

from __future__ import annotations

import re

from playwright.sync_api import expect


def _watch_csp(page) -> list[str]:
    violations: list[str] = []
    page.on("console", lambda message: "Content Security Policy" in message.text and violations.append(message.text))
    return violations


def test_pages_run_without_csp_violations(page, base_url, admin_credentials, login):
    violations = _watch_csp(page)
    page.goto(f"{base_url}/accounts/login/")
    page.goto(f"{base_url}/accounts/password/reset/")
    login(*admin_credentials)
    for path in ("/", "/me/", "/me/tokens/", "/me/tokens/new/", "/accounts/2fa/", "/risks/new/"):
        page.goto(base_url + path)
        expect(page.get_by_role("heading", level=1)).to_be_visible()
    # The searchable pickers (vendored Tom Select) run under the policy too: open one and choose.
    page.locator("#id_threats-ts-control").scroll_into_view_if_needed()
    page.locator("#id_threats-ts-control").focus()
    page.locator("#id_threats-ts-dropdown [data-selectable]").first.click()
    expect(page.locator("#id_threats option:checked")).to_have_count(1)
    assert violations == []


def test_interactive_api_docs_work_under_the_csp(page, base_url, admin_credentials, login):
    violations = _watch_csp(page)
    login(*admin_credentials)
    # Swagger UI renders every operation of the schema at once: on a loaded 2-core machine one step can take longer
    # than the suite's 10 s (and expect's 5 s) defaults, which says nothing about the policy.
    page.set_default_timeout(30_000)
    page.goto(f"{base_url}/api/v1/docs")

    expect(page.locator(".swagger-ui .info .title")).to_contain_text("AIMS API", timeout=30_000)
    # Opening an operation only changes the address's fragment: nothing to wait for but the operation's buttons
    # (a loaded machine can take longer than the click's own wait to render them).
    page.locator(".opblock-summary").first.click(no_wait_after=True)
    page.get_by_role("button", name="Try it out").click()
    page.get_by_role("button", name="Execute").click()
    expect(page.locator(".live-responses-table tbody .response-col_status").first).to_have_text(
        re.compile(r"\d{3}"), timeout=30_000)
    assert violations == []
