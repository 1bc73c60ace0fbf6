"""Crisis mode in Chromium against the real demo server (issue 12 point 4, seed 002's first hour): the Chief AI Officer
escalates an extraction attack on the demo HR chatbot to a crisis and leads its cell; she ticks a first-hour action,
names the data protection officer to the cell, logs a decision and the first message to customers from its template
(filled with the incident's facts); the executives' status summary shows all of it; then the cell stands down.
"""

from __future__ import annotations

import re

from browser_harness import choose, start_incident_report
from playwright.sync_api import expect

from aims.risks.demo import CHATBOT_REFERENCE

CLAIRE = "claire.martin@example.com"  # Chief AI Officer, AIMS manager over the whole organisation
TITLE = "Model extraction: thousands of scripted questions against the HR chatbot"


def test_an_incident_escalated_to_a_crisis_runs_its_first_hour_then_stands_down(page, base_url, admin_credentials,
                                                                                login):
    login(CLAIRE, admin_credentials[1])

    # --- The incident, on the HR chatbot.
    start_incident_report(page, base_url, TITLE, CHATBOT_REFERENCE, severity="critical")
    page.get_by_role("button", name="Report", exact=True).click()
    expect(page.get_by_text("was reported")).to_be_visible()
    reference = page.locator("h1").inner_text().split(" ")[0]

    # --- Escalated to a crisis: she leads the cell, whose first-hour checklist starts open.
    page.get_by_role("link", name="Escalate to a crisis").click()
    form = page.locator("#escalate-form")
    form.get_by_label("Why a crisis").fill("Scripted extraction at scale; the model may leave with our know-how.")
    choose(form, "id_lead", "Claire Martin")
    form.get_by_role("button", name="Activate the crisis cell").click()
    expect(page.get_by_text("The crisis cell is active.")).to_be_visible()
    assert re.search(r"/incidents/crises/\d+/$", page.url)
    crisis_url = page.url
    expect(page.locator("tr[data-role=crisis_lead]")).to_contain_text("Claire Martin")
    first_item = page.locator("#checklist li").first
    expect(first_item).to_have_attribute("data-done", "no")

    # --- A first-hour action is ticked with a note; the data protection officer joins the cell.
    first_action = first_item.locator("strong").inner_text()
    first_item.get_by_label("Note").fill("Rate limit and API keys rotated")
    first_item.get_by_role("button", name="Tick").click()
    expect(page.locator("#checklist li").first).to_have_attribute("data-done", "yes")
    page.locator("#cell summary").click()
    members = page.locator("#member-form")
    members.locator("#id_role").select_option("legal_dpo")
    choose(members, "id_person", "Nadia Haddad")
    members.get_by_role("button", name="Add to the cell").click()
    expect(page.get_by_text("The member was added to the cell.")).to_be_visible()
    expect(page.locator("tr[data-role=legal_dpo]")).to_contain_text("Nadia Haddad")

    # --- A decision and the first message to customers, from its template.
    page.locator("#decisions summary").click()
    decision = page.locator("#decision-form")
    decision.locator("#id_decision").fill("Serve the chatbot in degraded mode behind a stricter quota")
    decision.get_by_label("Rationale").fill("Keeps HR answering while the extraction is stopped.")
    decision.get_by_role("button", name="Log the decision").click()
    expect(page.get_by_text("The decision was logged.")).to_be_visible()
    page.locator("#communications summary").click()
    message = page.locator("#communication-form")
    message.locator("#id_audience").select_option("customers")
    message.locator("#id_channel").select_option("email")
    message.locator("#id_template").select_option("customers_first")
    message.get_by_role("button", name="Log the communication").click()
    expect(page.get_by_text("The communication was logged.")).to_be_visible()
    logged = page.locator("tr[data-audience=customers]")
    expect(logged).to_contain_text("We have detected an incident affecting")  # the template, filled with the facts
    assert "%(" not in logged.inner_text()

    # --- The executives' status summary holds it all.
    page.get_by_role("link", name="Status summary").first.click()
    expect(page.locator("#summary-cell")).to_contain_text("Nadia Haddad")
    expect(page.locator("#summary-checklist")).not_to_contain_text(first_action)  # ticked: no longer open
    expect(page.locator("#summary-decisions")).to_contain_text("degraded mode")
    expect(page.locator("#summary-communications")).to_contain_text("We have detected an incident affecting")

    # --- The cell stands down with its reason; the incident's page says so.
    page.goto(crisis_url)
    stand_down = page.locator("#stand-down-form")
    stand_down.get_by_label("Why the cell stands down").fill("Extraction stopped; quotas and key rotation hold.")
    stand_down.get_by_role("button", name="Stand the cell down").click()
    expect(page.get_by_text("The crisis cell stood down.")).to_be_visible()
    expect(page.locator("#stood-down")).to_contain_text("Extraction stopped")
    page.get_by_role("link", name=reference).first.click()
    expect(page.locator("#crisis-link")).to_have_attribute("data-status", "stood_down")
