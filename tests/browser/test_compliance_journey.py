"""The compliance journey of issue 11, in Chromium against the real demo server.

The AIMS manager opens the Statement of Applicability, marks A.7.4 applicable with a justification and links the
data-quality control; she uploads a PDF as its evidence and the control becomes ready. Time moves forward (the daily
readiness job runs under a clock two months ahead, in the server's own environment): the evidence's validity has
passed, the control is no longer ready and its owner has a task. A policy's version 1 is approved, published and
acknowledged by a group while version 2 is drafted. Deleting evidence under retention is refused.
"""

from __future__ import annotations

import re
import subprocess
import sys
from datetime import date, timedelta

from browser_harness import choose, clean_env
from playwright.sync_api import expect

from aims.compliance.demo import JOURNEY_CONTROL, UNDECIDED_IN_DEMO, pdf_bytes

CLAIRE, KARIM, LUCAS = "claire.martin@example.com", "karim.benali@example.com", "lucas.petit@example.com"


def switch_person(page, login, email: str, password: str) -> None:
    page.context.clear_cookies()
    login(email, password)


def run_readiness_job_on(server, day: date) -> None:
    """The daily job, run as the worker would, but with the product's clock set to `day` (aims.core.context)."""
    code = ("import django, datetime; django.setup()\n"
            "from django.utils import timezone\n"
            "from aims.core import context\n"
            "from aims.core.periodic import run_periodic\n"
            f"moment = timezone.make_aware(datetime.datetime({day.year}, {day.month}, {day.day}, 7, 0))\n"
            "with context.bound(clock=lambda: moment):\n"
            "    print(run_periodic('compliance-readiness'))\n")
    env = {**clean_env(server.data_dir), "DJANGO_SETTINGS_MODULE": "aims.settings"}
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr


def test_soa_evidence_readiness_policy_and_retention(page, base_url, admin_credentials, login, aims_server, tmp_path):
    admin_email, password = admin_credentials

    # --- The AIMS manager decides A.7.4 in the Statement of Applicability and links the data-quality control.
    login(CLAIRE, password)
    page.goto(f"{base_url}/compliance/soa/")
    row = page.locator(f"tr[data-ref='{UNDECIDED_IN_DEMO}']")
    expect(row).to_have_attribute("data-applicability", "undecided")
    row.get_by_role("link", name=UNDECIDED_IN_DEMO).click()
    page.get_by_label("Applicable", exact=True).check()
    page.get_by_label("Justification").fill("Credit scoring trains on customer data: its quality is a key risk.")
    control_option = page.locator("#id_controls option", has_text=re.compile(rf"^{JOURNEY_CONTROL} "))
    choose(page, "id_controls", JOURNEY_CONTROL, value=control_option.get_attribute("value"))
    page.get_by_role("button", name="Save").click()
    row = page.locator(f"tr[data-ref='{UNDECIDED_IN_DEMO}']")
    expect(row).to_have_attribute("data-applicability", "applicable")
    expect(row).to_contain_text(JOURNEY_CONTROL)

    # --- The control is not ready: nothing proves it yet.
    row.get_by_role("link", name=JOURNEY_CONTROL).click()
    control_url = page.url
    expect(page.locator("[data-ready]").first).to_have_attribute("data-ready", "no")
    expect(page.locator("#readiness")).to_contain_text("No evidence is attached")

    # --- She uploads a PDF as its evidence, valid for a month: the control becomes ready.
    page.goto(control_url + "?tab=evidence")
    page.get_by_role("link", name="Upload evidence").click()
    report = tmp_path / "data-quality-checks.pdf"
    report.write_bytes(pdf_bytes("Data quality checks, November sample"))
    page.locator("input[name=file]").set_input_files(str(report))
    page.get_by_label("Title").fill("Data quality check sheet")
    page.get_by_label("Evidence type").select_option("test_report")
    page.get_by_label("Valid until").fill((date.today() + timedelta(days=30)).isoformat())
    page.get_by_role("button", name="Add the evidence").click()
    expect(page).to_have_url(re.compile(r"/compliance/controls/\d+/"))
    expect(page.locator("[data-ready]").first).to_have_attribute("data-ready", "yes")
    page.goto(control_url + "?tab=evidence")
    evidence_link = page.locator(".linked-evidence a", has_text="Data quality check sheet")
    evidence_url = evidence_link.get_attribute("href")

    # --- Two months later the evidence has expired: the control is no longer ready and its owner has a task.
    run_readiness_job_on(aims_server, date.today() + timedelta(days=60))
    page.goto(control_url)
    expect(page.locator("[data-ready]").first).to_have_attribute("data-ready", "no")
    expect(page.locator("#readiness")).to_contain_text("is not fresh")
    switch_person(page, login, LUCAS, password)
    page.goto(f"{base_url}/")
    task = page.locator("#tasks").get_by_role("link", name=re.compile(rf"Make control {JOURNEY_CONTROL}"))
    expect(task).to_be_visible()
    task.click()
    expect(page).to_have_url(re.compile(re.escape(control_url)))

    # --- A policy: version 1 approved by the AIMS manager, published, acknowledged by a group; version 2 drafted.
    switch_person(page, login, admin_email, password)
    page.goto(f"{base_url}/compliance/policies/new/")
    page.get_by_label("Title").fill("Use of generative AI tools")
    choose(page, "id_audience_groups", "AI governance committee")
    page.get_by_role("button", name="Create the draft").click()
    page.locator("#id_body").fill("## Rules\n1. Only approved tools.\n2. No customer data in prompts.")
    page.get_by_role("button", name="Save the draft").click()
    page.get_by_role("button", name="Submit for approval").click()
    expect(page.locator("[data-status]").first).to_have_attribute("data-status", "in_review")
    version_url = page.url
    switch_person(page, login, CLAIRE, password)
    page.goto(version_url)
    page.get_by_role("button", name="Approve this version").click()
    expect(page.locator("[data-status]").first).to_have_attribute("data-status", "approved")
    switch_person(page, login, admin_email, password)
    page.goto(version_url)
    page.get_by_role("button", name="Publish this version").click()
    policy_url = page.locator("a", has_text="Use of generative AI tools").first.get_attribute("href")
    for person in (CLAIRE, KARIM):  # the members of the governance committee
        switch_person(page, login, person, password)
        page.goto(base_url + policy_url)
        page.get_by_role("button", name="I have read this text and acknowledge it").click()
        expect(page.locator("[data-acknowledged]")).to_be_visible()
    switch_person(page, login, admin_email, password)
    page.goto(base_url + policy_url)
    page.get_by_role("button", name="Start a new version").click()
    page.locator("#id_body").fill("## Rules\n1. Only approved tools.\n2. No customer data.\n3. Label "
                                  "generated text.")
    page.locator("#id_change_summary").fill("Rule 3: label generated text.")
    page.get_by_role("button", name="Save the draft").click()
    expect(page.get_by_text("The draft was saved.")).to_be_visible()
    page.goto(base_url + policy_url)
    expect(page.locator("[data-acknowledged-count]")).to_have_attribute("data-acknowledged-count", "2")
    expect(page.locator("tr[data-version='1']")).to_have_attribute("data-status", "published")
    expect(page.locator("tr[data-version='2']")).to_have_attribute("data-status", "draft")

    # --- Deleting the evidence under retention is refused, with the reason.
    page.goto(base_url + evidence_url)
    page.get_by_role("link", name="Delete").click()
    expect(page.locator("[data-refusal]")).to_contain_text("must be kept until")
    expect(page.get_by_role("button", name="Delete for good")).to_have_count(0)
