"""Issue 12, point 6 in Chromium: a security researcher with no account reports a vulnerability through the public
form, keeps the private link, and answers through it. A real browser matters here: the private page's referrer
policy decides the Origin header of its own form posts, which the CSRF check reads (the test client sends none)."""

from __future__ import annotations

import re
import uuid

from playwright.sync_api import expect


def test_a_reporter_without_an_account_reports_and_replies_through_the_private_link(page, base_url):
    summary = f"Hidden text in PDFs steers the assistant {uuid.uuid4().hex[:6]}"
    page.goto(f"{base_url}/security/report/")
    page.get_by_label("Summary").fill(summary)
    page.get_by_label("Details").fill("Upload a PDF with white text; ask about leave days; it quotes the salary grid.")
    page.get_by_role("button", name="Send the report").click()

    link = page.locator("#case-link")
    expect(link).to_be_visible()
    page.goto(link.inner_text().strip())
    expect(page.locator("#case-status")).to_be_visible()
    expect(page.locator("#report")).to_contain_text(summary)

    page.locator("#cvd-reply-form textarea[name=body]").fill("I can share a second proof if useful.")
    page.locator("#cvd-reply-form").get_by_role("button", name="Send").click()
    expect(page.locator("#messages")).to_contain_text("I can share a second proof if useful.")
    expect(page.locator("body")).not_to_contain_text(re.compile("CSRF|Forbidden", re.I))
