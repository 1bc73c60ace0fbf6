"""Issue 3's journey in Chromium against the real demo server: a system owner registers a CV-screening tool,
classifies it (high risk, Annex III employment), tries to move it to deployment, sees the gate refuse with its
reasons, fixes them, and the system passes to deployment.

Other modules add go-live checks of their own (the risk module: assessed risks, appetite, impact assessment). Their
pages are another journey; here an AIMS manager lets the system through those with a written justification once every
inventory check passes, which is exactly what the override is for, and the override is then shown on the system.
"""

from __future__ import annotations

import re
import uuid

from browser_harness import choose
from playwright.sync_api import expect

SOPHIE = "sophie.durand@example.com"  # Head of Recruitment, system owner over Human Resources
CLAIRE = "claire.martin@example.com"  # Chief AI Officer, AIMS manager
INVENTORY_CHECKS = ("inventory.owner_approval", "inventory.documentation", "inventory.supplier_evidence",
                    "inventory.escalation_path")


def field(page, label: str):
    """A form field by its label; required fields add " *" to it."""
    return page.get_by_label(re.compile(rf"^{re.escape(label)}( \*)?$"))


def check(page, key: str):
    return page.locator(f"[data-check='{key}']")


TAB_KEYS = {"Classification": "classification", "Lifecycle": "lifecycle"}


def open_tab(page, name: str):
    # Clicking the tab already shown would swap it again under our feet (htmx): only click to change tabs, then wait
    # for the new panel, so the next step never types into a panel that is about to be replaced.
    panel = page.locator(f".tab-panel[data-tab='{TAB_KEYS[name]}']")
    if panel.count() == 0:
        page.get_by_role("navigation", name="Sections").get_by_role("link", name=name, exact=True).click()
    expect(panel).to_be_visible()


def show_gate_to_deployment(page):
    open_tab(page, "Lifecycle")
    page.locator("select[name=target]").select_option("deployment")
    page.get_by_role("button", name="Show the gate").click()
    expect(page.get_by_role("heading", name="Move to Deployment")).to_be_visible()


def test_cv_screening_system_goes_from_registration_to_deployment(page, base_url, admin_credentials, login):
    password = admin_credentials[1]
    name = f"CV screening assistant {uuid.uuid4().hex[:6]}"
    login(SOPHIE, password)

    # Register the system from the portfolio.
    page.get_by_role("navigation", name="Product").get_by_role("link", name="Inventory").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("AI portfolio")
    page.get_by_role("link", name=re.compile(r"Register (an|the first) AI system")).first.click()
    field(page, "Name").fill(name)
    field(page, "Purpose").fill("Shortlist candidates for recruiters")
    field(page, "Business unit").select_option(label="Human Resources")
    expect(page.locator("#id_owner")).to_have_value(re.compile(r"\d+"))
    page.get_by_role("button", name="Register").click()
    expect(page).to_have_url(re.compile(r"/inventory/systems/\d+/$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text(name)
    system_url = page.url

    # Classify it with the guided questionnaire: questions appear as answers make them relevant, and the proposal is
    # recomputed live (htmx) before anything is saved.
    open_tab(page, "Classification")
    expect(page.locator("#q-organisation_role")).to_be_hidden()  # scope first
    expect(page.locator("#q-profiling")).to_be_hidden()
    page.locator("input[name=ai_system][value=yes]").check()
    page.locator("input[name=scope_exclusions][value=none]").check()
    page.locator("input[name=eu_nexus][value=yes]").check()
    page.locator("input[name=organisation_role][value=deployer]").check()
    page.locator("input[name=becomes_provider][value=no]").check()
    page.locator("input[name=deployer_type][value=other]").check()
    page.locator("input[name=prohibited_practices][value=none]").check()
    page.locator("input[name=annex_i_legislation][value=none]").check()
    expect(page.locator("#q-profiling")).to_be_hidden()  # no derogation question without an Annex III use
    page.locator("input[name=annex_iii_uses][value=recruitment]").check()
    expect(page.locator("#q-profiling")).to_be_visible()
    page.locator("input[name=profiling][value=yes]").check()
    page.locator("input[name=art_6_3_conditions][value=none]").check()
    page.locator("input[name=transparency_cases][value=none]").check()
    page.locator("input[name=built_on_gpai][value=no]").check()
    expect(page.locator("#live-proposal [data-result=proposed-tier]")).to_have_text("High risk")
    expect(page.locator("#live-proposal")).to_contain_text("Annex III point 4(a)")
    page.get_by_role("button", name="Save the classification").click()
    expect(page.locator("[data-result=tier]")).to_have_text("High risk")
    expect(page.locator("[data-result=annex-iii]").first).to_contain_text("Employment")
    expect(page.locator("table.obligations").first).to_contain_text("Art. 26(7)")

    # Try to go live: the gate refuses and says why.
    show_gate_to_deployment(page)
    page.get_by_role("button", name="Move to Deployment").click()
    expect(page.get_by_role("alert").filter(has_text="The gate refused the move")).to_be_visible()
    for key in ("inventory.owner_approval", "inventory.documentation", "inventory.escalation_path"):
        expect(check(page, key)).to_have_attribute("data-passed", "0")
    expect(page.locator("[data-current-stage]")).to_have_text("Idea")

    # Fix the documentation from the check's own link: intended use, then a model card with its limitations.
    check(page, "inventory.documentation").get_by_role("link", name="Fix this").click()
    expect(page).to_have_url(re.compile(r"tab=documentation"))
    page.get_by_role("link", name="Write the model card").click()
    field(page, "Technical limitations").fill("Trained on English CVs only\nDoes not read scanned images")
    field(page, "Use cases").fill("Shortlisting for high-volume roles")
    page.get_by_role("button", name="Save the model card").click()
    expect(page.locator("#model-card")).to_contain_text("Trained on English CVs only")

    # Intended use and an incident contact (the escalation path) on the system itself.
    page.goto(system_url)
    page.get_by_role("link", name="Edit", exact=True).click()
    field(page, "Intended use").fill("Rank applications; a recruiter reads every shortlisted CV")
    choose(page, "id_incident_contact", "Sophie Durand")
    field(page, "Escalation path").fill("Sophie Durand, then the HR director")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(name)

    # The owner approves the go-live.
    open_tab(page, "Lifecycle")
    page.get_by_role("button", name="Approve the go-live").click()
    expect(page.locator("[data-go-live-approved]")).to_be_visible()

    # Every inventory check now passes.
    show_gate_to_deployment(page)
    for key in INVENTORY_CHECKS:
        expect(check(page, key)).to_have_attribute("data-passed", "1")
    failing = page.locator(".gate-check[data-passed='0']")
    remaining = [failing.nth(i).get_attribute("data-check") for i in range(failing.count())]
    assert all(key.startswith(("risks.", "compliance.")) for key in remaining), remaining

    if not remaining:
        page.get_by_role("button", name="Move to Deployment").click()
    else:
        # Only the risk and compliance modules' checks are left (risk assessment, evidence of the AI Act obligations
        # in force): the AIMS manager lets the system through with a justification.
        page.get_by_role("button", name="Move to Deployment").click()
        expect(page.get_by_role("alert").filter(has_text="The gate refused the move")).to_be_visible()
        page.locator(".personmenu summary").click()  # the logout is in the person's menu
        page.locator("form[action='/accounts/logout/'] button").click()
        login(CLAIRE, password)
        page.goto(system_url)
        show_gate_to_deployment(page)
        field(page, "Override justification").fill(
            "Pilot on one recruitment campaign; the risk assessment is scheduled with the risk manager this month.")
        page.get_by_role("button", name="Move to Deployment").click()

    expect(page.get_by_text("The system moved to “Deployment”.")).to_be_visible()
    open_tab(page, "Lifecycle")
    expect(page.locator("[data-current-stage]")).to_have_text("Deployment")
    if remaining:
        expect(page.locator("#overrides")).to_contain_text("Pilot on one recruitment campaign")
