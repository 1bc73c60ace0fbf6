"""The risk journey of issue 4, in Chromium against the real demo server.

A risk manager defines a 4x4 method (a new version copied from the active one, a label changed, activated); the HR
system owner records a prompt-injection risk on the demo HR chatbot, sees it above appetite, is refused when she tries
to accept it (a "high" risk needs a risk manager or the governance committee), adds a treatment action, re-scores
the residual risk to a lower level, and the residual heatmap moves.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from browser_harness import choose
from playwright.sync_api import expect

from aims.risks.demo import CHATBOT_REFERENCE

KARIM = "karim.benali@example.com"  # risk manager, whole organisation
SOPHIE = "sophie.durand@example.com"  # system owner, scope HR
NEW_LABEL = "Likely (seen in testing)"


def heat_count(page, base_url: str, cell: str) -> int:
    page.goto(f"{base_url}/risks/heatmap/")
    return int(page.locator(f"[data-cell='{cell}']").get_attribute("data-count"))


def switch_person(page, login, email: str, password: str) -> None:
    page.context.clear_cookies()
    login(email, password)


def test_risk_manager_defines_a_method_and_an_owner_treats_a_high_risk(page, base_url, admin_credentials, login):
    password = admin_credentials[1]

    # --- The risk manager copies the active 4x4 method, renames a likelihood step and activates the new version.
    login(KARIM, password)
    page.goto(f"{base_url}/risks/methods/")
    page.get_by_role("button", name="New version from the active one").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("draft version")
    likely = page.locator("input[name='likelihood-2-label_en']")
    expect(likely).to_have_value("Likely")
    likely.fill(NEW_LABEL)
    page.get_by_role("button", name="Save the draft").click()
    expect(page.get_by_text("The draft was saved.")).to_be_visible()
    expect(page.locator("table.method-matrix")).to_contain_text(NEW_LABEL)
    expect(page.locator("table.method-matrix td.heat-cell")).to_have_count(16)
    page.get_by_role("link", name="Activate").click()
    page.get_by_label("Reason for the change").fill("Clearer likelihood labels")
    page.get_by_role("button", name="Activate").click()
    expect(page.get_by_text(re.compile(r"Version \d+ is now the active risk method"))).to_be_visible()

    # --- The HR system owner records a prompt-injection risk on the chatbot in her scope.
    switch_person(page, login, SOPHIE, password)
    residual_high_before = heat_count(page, base_url, "residual-3-3")
    residual_medium_before = heat_count(page, base_url, "residual-2-2")
    page.goto(f"{base_url}/risks/")
    page.get_by_role("link", name="New risk").click()
    expect(page).to_have_url(re.compile(r"/risks/new/$"))
    page.wait_for_load_state("load")
    page.get_by_label(re.compile(r"^Title")).fill("Prompt injection on the HR chatbot")
    page.get_by_label("Category").select_option("security")
    chatbot = page.locator("#id_systems option", has_text=CHATBOT_REFERENCE)
    choose(page, "id_systems", CHATBOT_REFERENCE, value=chatbot.get_attribute("value"))
    injection = page.locator("#id_threats option", has_text="Prompt Injection").first
    choose(page, "id_threats", "Prompt Injection", value=injection.get_attribute("value"))
    page.get_by_label(re.compile(r"^Event")).fill("An employee's message makes the bot reveal other employees' data")
    # Scores are chosen among the method's labels (the new label is there) and the level is computed.
    page.get_by_label("Inherent likelihood").select_option(label=f"3 · {NEW_LABEL}")
    page.get_by_label("Inherent impact").select_option(label="3 · Major")
    expect(page.locator("#inherent-level-preview")).to_contain_text("High")
    page.get_by_role("button", name="Record the risk").click()

    expect(page.get_by_text("was recorded")).to_be_visible()
    expect(page.locator("[data-score=inherent]")).to_contain_text("High")
    expect(page.locator("#appetite-status")).to_have_attribute("data-above-appetite", "yes")
    expect(page.locator("#appetite-status")).to_contain_text("Above appetite")
    risk_url = page.url
    # Until a residual score exists, the residual heatmap places the risk where its inherent score puts it.
    assert heat_count(page, base_url, "residual-3-3") == residual_high_before + 1
    page.goto(risk_url)

    # --- She cannot accept a "high" risk: no acceptance form for her, and the page says who may.
    acceptance = page.locator("#acceptance")
    expect(acceptance).to_contain_text("This risk is above appetite. Only these may accept it")
    expect(acceptance).to_contain_text("AI governance committee")
    expect(acceptance).to_contain_text("You may not accept it yourself")
    expect(acceptance.get_by_role("button", name="Accept the risk")).to_have_count(0)

    # --- She adds a treatment action.
    page.goto(risk_url)
    action = page.locator("#add-action")
    action.get_by_label("Action").fill("Deploy a prompt-injection filter")
    action.get_by_label("Due date").fill((date.today() + timedelta(days=30)).isoformat())
    action.get_by_role("button", name="Add the action").click()
    expect(page.get_by_text("The treatment action was added.")).to_be_visible()
    expect(page.locator("table.actions-table")).to_contain_text("Deploy a prompt-injection filter")

    # --- Re-scoring the residual risk lowers its level, back within appetite.
    page.get_by_role("link", name="Edit and score").click()
    # htmx (which asks the server for the computed level) starts once the new page has loaded.
    expect(page).to_have_url(re.compile(r"/risks/\d+/edit/$"))
    page.wait_for_load_state("load")
    page.get_by_label("Residual likelihood").select_option(label="2 · Possible")
    page.get_by_label("Residual impact").select_option(label="2 · Moderate")
    expect(page.locator("#residual-level-preview")).to_contain_text("Medium")
    page.get_by_label("Reason for the change").fill("Filter deployed and tested")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("The risk was saved.")).to_be_visible()
    expect(page.locator("[data-score=residual]")).to_contain_text("Medium")
    expect(page.locator("[data-score=inherent]")).to_contain_text("High")
    expect(page.locator("#appetite-status")).to_have_attribute("data-above-appetite", "no")

    # --- The residual heatmap moves: one risk left the "high" cell for the "medium" one.
    assert heat_count(page, base_url, "residual-3-3") == residual_high_before
    assert heat_count(page, base_url, "residual-2-2") == residual_medium_before + 1
    expect(page.locator("[data-cell='inherent-3-3']")).not_to_have_attribute("data-count", "0")
    # The count links to the register filtered on that cell, where the risk is listed.
    page.locator("[data-cell='residual-2-2'] a").click()
    expect(page.get_by_role("link", name="Prompt injection on the HR chatbot")).to_be_visible()
