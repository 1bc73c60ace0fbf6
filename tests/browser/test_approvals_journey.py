"""The "To approve" inbox in Chromium against the real demo server: a system owner classifies her new system; the page
names who may sign it off and gives her no button; the risk manager finds it in his inbox, signs it off from the
classification tab, and it leaves his inbox."""

from __future__ import annotations

import re
import uuid

from playwright.sync_api import expect
from test_inventory_journey import field, open_tab

SOPHIE = "sophie.durand@example.com"  # Head of Recruitment, system owner over Human Resources
KARIM = "karim.benali@example.com"  # AI Risk Manager, whole organisation
# The questionnaire's answers for a CV screener used by the bank (a deployer): Annex III employment, high risk.
CV_SCREENER = [("ai_system", "yes"), ("scope_exclusions", "none"), ("eu_nexus", "yes"), ("organisation_role", "deployer"),
               ("becomes_provider", "no"), ("deployer_type", "other"), ("prohibited_practices", "none"),
               ("annex_i_legislation", "none"), ("annex_iii_uses", "recruitment"), ("profiling", "yes"),
               ("art_6_3_conditions", "none"), ("transparency_cases", "none"), ("built_on_gpai", "no")]


def inbox_rows(page, base_url: str, name: str):
    page.goto(f"{base_url}/approvals/")
    expect(page.get_by_role("heading", level=1)).to_have_text("To approve")
    return page.locator("table.approvals tbody tr").filter(has_text=name)


def test_a_classification_reaches_the_approvers_inbox_is_signed_off_and_leaves_it(page, base_url, admin_credentials,
                                                                                  login):
    password = admin_credentials[1]
    name = f"Interview scheduler {uuid.uuid4().hex[:6]}"

    # --- Sophie registers a system and classifies it.
    login(SOPHIE, password)
    page.goto(f"{base_url}/inventory/systems/new/")
    field(page, "Name").fill(name)
    field(page, "Purpose").fill("Rank candidates for interviews")
    field(page, "Business unit").select_option(label="Human Resources")
    page.get_by_role("button", name="Register").click()
    expect(page).to_have_url(re.compile(r"/inventory/systems/\d+/$"))
    system_url = page.url
    open_tab(page, "Classification")
    for question, answer in CV_SCREENER:
        page.locator(f"input[name={question}][value={answer}]").check()
    expect(page.locator("#live-proposal [data-result=proposed-tier]")).to_have_text("High risk")
    page.get_by_role("button", name="Save the classification").click()
    expect(page.get_by_text("Its approvers were asked to sign it off.")).to_be_visible()

    # The page names who may sign it off, and has no sign-off button for her, its author.
    sign_off = page.locator("#sign-off")
    expect(sign_off.locator("[data-approvers]")).to_contain_text("Karim Benali")
    expect(sign_off).to_contain_text("You cannot approve your own work.")
    expect(sign_off.get_by_role("button", name="Sign off as reviewer")).to_have_count(0)
    assert inbox_rows(page, base_url, name).count() == 0  # not in her own inbox either

    # --- Karim finds it in his inbox (the header leads there) and opens it.
    page.context.clear_cookies()
    login(KARIM, password)
    page.locator("header [data-nav=approvals]").click()
    row = page.locator("table.approvals tbody tr").filter(has_text=name)
    expect(row).to_have_count(1)
    expect(row).to_contain_text("AI Act classification")
    expect(row).to_contain_text("Sophie Durand")
    row.get_by_role("link").click()
    expect(page).to_have_url(re.compile(r"tab=classification"))
    assert page.url.startswith(system_url)

    # He signs it off on the classification tab.
    sign_off = page.locator("#sign-off")
    sign_off.get_by_label("Reviewer comment").fill("Annex III, employment: agreed")
    sign_off.get_by_role("button", name="Sign off as reviewer").click()
    expect(page.get_by_text("The classification was signed off.")).to_be_visible()
    expect(page.locator("[data-classification-status]")).to_have_attribute("data-classification-status", "signed_off")

    # --- It has left his inbox.
    expect(inbox_rows(page, base_url, name)).to_have_count(0)
