"""Issue 12's journey in Chromium against the real demo server: the HR system owner reports a prompt-injection
incident on the demo HR chatbot that exposed personal data, of which she became aware 48 hours ago; the product
proposes the GDPR regime, she confirms it and sees the 72-hour clock; the reminder job runs (as the worker does every
five minutes) and she and her manager, the Chief AI Officer, are reminded, the reminder opening the incident's
deadline; she records a controlled downgrade, which the chatbot's page shows; she records the
notification to the CNIL with its receipt; once resolved she lifts the downgrade and writes the post-incident review
with an action; the Chief AI Officer approves it from her "To approve" inbox (the reviews it asks of the owners of the
linked risks and evidence are counted on the page), and the incident is closed.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from browser_harness import choose, start_incident_report
from playwright.sync_api import expect

from aims.risks.demo import CHATBOT_REFERENCE

SOPHIE = "sophie.durand@example.com"  # Head of Recruitment, system owner over Human Resources
CLAIRE = "claire.martin@example.com"  # Chief AI Officer, AIMS manager
TITLE = "Prompt injection made the HR chatbot reveal employees' addresses"


def switch_person(page, login, email: str, password: str) -> None:
    page.context.clear_cookies()
    login(email, password)


def test_an_incident_from_report_to_closure(page, base_url, admin_credentials, login, aims_server):
    password = admin_credentials[1]
    login(SOPHIE, password)

    # --- She reports the incident on the HR chatbot.
    chatbot = start_incident_report(page, base_url, TITLE, CHATBOT_REFERENCE, severity="high")
    page.locator("#id_personal_data_breach").check()
    page.locator("#id_description").fill("A crafted question made the chatbot list home addresses from HR records.")
    # Time moves forward 48 hours: she detected it and became aware of it two days ago (in whatever time zone the
    # form reads, 46-50 hours: past the clock's half-time at 36 hours, short of its 80 % point at 57.6).
    two_days_ago = (datetime.now(UTC) - timedelta(hours=48)).strftime("%Y-%m-%dT%H:%M")
    page.locator("#id_detected_at").fill(two_days_ago)
    page.locator("#id_aware_at").fill(two_days_ago)
    page.get_by_role("button", name="Report", exact=True).click()
    expect(page.get_by_text("was reported")).to_be_visible()
    incident_url = page.url
    assert re.search(r"/incidents/\d+/$", incident_url)

    # --- The product proposes GDPR Art. 33; she confirms it and the 72-hour clock counts.
    regime = page.locator("[data-regime=gdpr_art33]")
    expect(regime).to_have_attribute("data-state", "proposed")
    regime.get_by_role("button", name="Confirm: this regime applies").click()
    expect(page.get_by_text("The regime applies: its deadlines are counting.")).to_be_visible()
    clock_row = page.locator("[data-regime=gdpr_art33] tr[data-clock=notification]")
    expect(clock_row).to_have_attribute("data-state", "running")
    expect(clock_row.locator(".countdown")).not_to_be_empty()
    reference = page.locator("h1").inner_text().split(" ")[0]  # the incident's reference, e.g. INC-2026-0004

    # --- The reminder job runs: the handler and her manager are reminded, and the reminder opens the deadline.
    aims_server.command("tasks", "run", "incident-clock-reminders")
    expected = f"Deadline approaching: Notification to the supervisory authority of {reference}"
    for person in (CLAIRE, SOPHIE):  # Sophie last: the journey goes on as her
        switch_person(page, login, person, password)
        page.goto(f"{base_url}/notifications/")
        reminder = page.locator(".notification-list a", has_text=expected)
        expect(reminder).to_have_count(1)
    reminder.click()
    page.wait_for_url(re.compile(r"/incidents/\d+/#clock-\d+$"))
    assert page.url.split("#")[0] == incident_url

    # --- A controlled downgrade is recorded; the chatbot's page shows it.
    page.locator("#containment summary").click()
    form = page.locator("#containment-form")
    form.locator("#id_kind").select_option("degraded_mode")
    choose(form, "id_system", CHATBOT_REFERENCE, value=chatbot)
    form.locator("#id_reason").fill("Answer without HR records until the filter is fixed.")
    form.get_by_role("button", name="Record the decision").click()
    expect(page.get_by_text("The decision was recorded.")).to_be_visible()
    expect(page.locator("tr[data-kind=degraded_mode]")).to_have_attribute("data-in-force", "yes")
    expect(page.locator("ol.timeline li[data-kind=decision]")).to_contain_text("Controlled downgrade")
    page.locator("tr[data-kind=degraded_mode] td a").first.click()
    expect(page.locator("#incident-status .containment-in-force")).to_contain_text("Controlled downgrade")
    page.goto(incident_url)

    # --- The notification to the CNIL is recorded with its receipt; the clock stops.
    submission = page.locator("form.submission-form").first
    submission.get_by_label("Authority").fill("CNIL")
    submission.get_by_label("Reference or receipt").fill("CNIL-2026-4471")
    submission.get_by_role("button", name="Record the submission").click()
    expect(page.get_by_text("The submission was recorded.")).to_be_visible()
    expect(page.locator("[data-regime=gdpr_art33] tr[data-clock=notification]")).to_have_attribute(
        "data-state", "submitted")
    expect(page.locator(".receipt")).to_contain_text("CNIL-2026-4471")

    # --- Resolved: the downgrade is lifted, the review written with an action and submitted for sign-off.
    status = page.locator("#status-form")
    status.locator("[name=status]").select_option("resolved")
    status.locator("[name=reason]").fill("Input filter deployed and tested.")
    status.get_by_role("button", name="Change the status").click()
    expect(page.get_by_text("The status was changed.")).to_be_visible()
    lift = page.locator("form.lift-form")
    lift.locator("input").last.fill("Filter in place: full service back.")
    lift.get_by_role("button", name="Lift").click()
    expect(page.get_by_text("The measure was lifted.")).to_be_visible()
    review = page.locator("#review-form")
    review.get_by_label("Root cause").fill("The chatbot's retrieval tool read HR records without filtering the asker.")
    review.get_by_label("What worked").fill("The downgrade kept the chatbot useful; the CNIL was told within a day.")
    review.get_by_label("Lessons learned").fill("Tools of an LLM act with the asker's rights, never the bot's.")
    review.get_by_role("button", name="Save the review").click()
    expect(page.get_by_text("The review was saved.")).to_be_visible()
    page.locator("#review details summary").click()
    action = page.locator("#action-form")
    action.get_by_label("Action").fill("Run prompt-injection tests before each release")
    choose(action, "id_owner", "Sophie Durand")
    action.get_by_role("button", name="Add the action").click()
    expect(page.get_by_text("The action was added.")).to_be_visible()
    page.get_by_role("button", name="Save and submit for sign-off").click()
    expect(page.get_by_text("The review was submitted for sign-off.")).to_be_visible()
    expect(page.locator("[data-review-status]")).to_have_attribute("data-review-status", "submitted")

    # --- The Chief AI Officer approves it from her inbox; the chatbot's risks get a triggered review.
    switch_person(page, login, CLAIRE, password)
    page.goto(f"{base_url}/approvals/")
    row = page.locator("table.approvals tbody tr").filter(has_text="Post-incident review")
    expect(row).to_be_visible()
    row.get_by_role("link").first.click()
    page.get_by_role("button", name="Approve the review").click()
    expect(page.get_by_text("The review was approved.")).to_be_visible()
    # What the approval asked of the risk owners and the evidence owners is said on the page.
    expect(page.locator(".review-triggers")).to_contain_text("requested")

    # --- The incident is closed.
    status = page.locator("#status-form")
    status.locator("[name=status]").select_option("closed")
    status.locator("[name=reason]").fill("Review approved; action owned by the HR system owner.")
    status.get_by_role("button", name="Change the status").click()
    expect(page.get_by_text("The status was changed.")).to_be_visible()
    expect(page.locator(".incident-headline [data-status]")).to_have_attribute("data-status", "closed")
