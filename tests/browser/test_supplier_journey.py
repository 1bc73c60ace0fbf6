"""Issue 14's journey in Chromium against the real demo server.

Procurement (here the Chief AI Officer, who buys the organisation's AI services) registers an LLM vendor with its
contract clauses, names the HR system owner its internal owner and herself the backup, records a contact and sends
the due-diligence questionnaire. In a second browser context, with no session at all,
the vendor's contact opens the private link, answers every question, attaches a file and submits. The owner reviews
the answers: the computed score completes the assessment. The vendor's model is registered on the HR chatbot, so
the chatbot's go-live gate names the vendor as not approved; the owner submits the vendor for approval (her own
inbox does not offer it to her) and the Chief AI Officer, another person than the author, approves it from her
"To approve" inbox: the gate's supplier check now
passes. Finally a link past its date (the daily expiry job run under a clock a few days ahead, in the server's own
environment) is refused to the contact.
"""

from __future__ import annotations

import re
import subprocess
import sys
import uuid

from browser_harness import choose, clean_env, new_context
from playwright.sync_api import expect

from aims.risks.demo import CHATBOT_REFERENCE

SOPHIE = "sophie.durand@example.com"  # Head of Recruitment, system owner over Human Resources
CLAIRE = "claire.martin@example.com"  # Chief AI Officer, AIMS manager


def switch_person(page, login, email: str, password: str) -> None:
    page.context.clear_cookies()
    login(email, password)


def run_expiry_job_ahead(server, days: int) -> None:
    """The daily expiry job, run as the worker would, with the product's clock `days` ahead (aims.core.context)."""
    code = ("import django, datetime; django.setup()\n"
            "from django.utils import timezone\n"
            "from aims.core import context\n"
            "from aims.core.periodic import run_periodic\n"
            f"moment = timezone.now() + datetime.timedelta(days={days})\n"
            "with context.bound(clock=lambda: moment):\n"
            "    print(run_periodic('suppliers-questionnaire-expiry'))\n")
    env = {**clean_env(server.data_dir), "DJANGO_SETTINGS_MODULE": "aims.settings"}
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr


def send_questionnaire(page, days: int | None = None) -> str:
    """Send the questionnaire from the supplier's page; returns the private link shown once."""
    form = page.locator("#send-questionnaire")
    form.get_by_label("Send to").select_option(index=1)
    if days is not None:
        form.get_by_label("Link valid for (days)").fill(str(days))
    form.get_by_role("button", name="Send the questionnaire").click()
    expect(page.get_by_role("heading", name="Questionnaire sent")).to_be_visible()
    return page.locator("#questionnaire-link").input_value()


def onboarding_rows(page):
    return page.locator("table.approvals tbody tr[data-approval='suppliers.onboarding']")


def gate_check(page, system_url: str):
    page.goto(f"{system_url}?tab=lifecycle&target=deployment")
    return page.locator("[data-check='suppliers.approved']")


def test_an_llm_vendor_from_registration_to_go_live(page, chromium, base_url, admin_credentials, login, aims_server,
                                                    tmp_path):
    password = admin_credentials[1]
    vendor = f"Orion Language AI {uuid.uuid4().hex[:6]}"
    login(CLAIRE, password)

    # --- Procurement registers the LLM vendor with its contract clauses; the HR system owner will own it.
    page.goto(f"{base_url}/suppliers/new/")
    page.locator("#id_legal_name").fill(vendor)
    page.locator("#id_unit").select_option(label="Human Resources")
    # The contract's clauses first, by keyboard: nothing of the pickers below (their lists open and close) can then
    # be under the pointer when a box is ticked.
    for box in page.locator("input[name=clauses]").all():
        box.focus()
        box.press("Space")
        expect(box).to_be_checked()
    choose(page, "id_owner", "Sophie Durand")
    choose(page, "id_backup", "Claire Martin")
    page.locator("#id_country").fill("DE")
    page.locator("#id_services").fill("Hosted large language model API used to draft HR answers.")
    page.locator("#id_value_chain_role").select_option("gpai_provider")
    page.locator("#id_trains_on_our_data").select_option("no")
    page.get_by_role("button", name="Register", exact=True).click()
    expect(page.get_by_text("was registered")).to_be_visible()
    supplier_url = page.url
    assert re.search(r"/suppliers/\d+/$", supplier_url)
    expect(page.locator("h1 [data-status]")).to_have_attribute("data-status", "draft")

    # --- Its security contact is recorded and receives the questionnaire.
    contacts = page.locator("#contacts form.form")
    contacts.get_by_label("Name").fill("Ada Keller")
    contacts.get_by_label("E-mail").fill("security@orion.example.com")
    contacts.get_by_role("button", name="Add the contact").click()
    expect(page.get_by_text("The contact was added.")).to_be_visible()
    link = send_questionnaire(page)

    # --- The contact, with no account and no session, answers, attaches a file and submits.
    outsider = new_context(chromium)
    try:
        public = outsider.new_page()
        public.set_default_timeout(10_000)
        public.goto(link)
        expect(public.get_by_role("heading", level=1)).to_contain_text(vendor)
        expect(public.locator("nav").get_by_role("link", name="Suppliers")).to_have_count(0)
        form = public.locator("#questionnaire-form")
        for select in form.locator("select").all():
            select.select_option("yes")
        for area in form.locator("textarea").all():
            area.fill("Described in our security whitepaper, attached.")
        certificate = tmp_path / "iso27001-certificate.pdf"
        certificate.write_bytes(b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
        form.locator("#id_file").set_input_files(str(certificate))
        form.get_by_role("button", name="Submit my answers").click()
        expect(public.get_by_text("Thank you: your answers were submitted.")).to_be_visible()
        expect(public.get_by_role("heading", name="Your answers were submitted")).to_be_visible()
    finally:
        outsider.close()

    # --- The owner reviews the answers: the computed score completes the assessment.
    switch_person(page, login, SOPHIE, password)
    page.goto(supplier_url)
    row = page.locator("#questionnaires tbody tr").first
    expect(row.locator("[data-state]")).to_have_attribute("data-state", "submitted")
    row.get_by_role("link").first.click()
    expect(page.get_by_text("iso27001-certificate.pdf")).to_be_visible()
    page.get_by_label("Summary").fill("Every control in place; ISO/IEC 27001 certificate attached.")
    page.get_by_role("button", name="Accept the answers and complete the assessment").click()
    expect(page.get_by_text("The questionnaire was reviewed and the assessment completed")).to_be_visible()
    page.goto(supplier_url)
    expect(page.locator("#questionnaires tbody tr").first.locator("[data-state]")).to_have_attribute(
        "data-state", "reviewed")
    expect(page.locator("#assessments")).to_contain_text("score 100")

    # --- The vendor's model is registered on the HR chatbot and linked to the vendor.
    page.goto(f"{base_url}/inventory/?q={CHATBOT_REFERENCE}")
    page.get_by_role("link", name="HR assistant chatbot").first.click()
    system_url = page.url.split("?")[0]
    system_pk = re.search(r"/(\d+)/$", system_url).group(1)
    page.goto(f"{base_url}/inventory/components/new/?system={system_pk}")
    model = f"Orion chat {uuid.uuid4().hex[:4]}"
    page.locator("#id_kind").select_option("external_api")
    page.locator("#id_name").fill(model)
    page.locator("#id_provider").fill(vendor)
    page.locator("#id_origin").select_option("supplier")
    page.locator("#id_owner_unit").select_option(label="Human Resources")
    page.locator("#id_reason").fill("Second model for drafting answers.")
    page.get_by_role("button", name="Register", exact=True).click()
    expect(page.get_by_text("was registered and linked")).to_be_visible()
    page.goto(supplier_url)
    supplies = page.locator("#supplies form.form")
    choose(supplies, "id_component", model)
    supplies.get_by_role("button", name="Link").click()
    expect(page.get_by_text("The supplied item was linked.")).to_be_visible()

    # --- Not yet approved: the chatbot's go-live gate names the vendor.
    check = gate_check(page, system_url)
    expect(check).to_have_attribute("data-passed", "0")
    expect(check).to_contain_text(vendor)

    # --- Nothing is missing: the owner submits the vendor for approval.
    page.goto(supplier_url)
    expect(page.locator("#onboarding")).to_contain_text("Nothing is missing for approval.")
    page.locator("#onboarding").get_by_role("button", name="Submit for approval").click()
    expect(page.get_by_text("The supplier was submitted for approval.")).to_be_visible()
    # The author cannot approve her own submission: the inbox does not offer it to her.
    page.goto(f"{base_url}/approvals/")
    expect(onboarding_rows(page).filter(has_text=vendor)).to_have_count(0)

    # --- The Chief AI Officer approves it from her inbox.
    switch_person(page, login, CLAIRE, password)
    page.goto(f"{base_url}/approvals/")
    row = onboarding_rows(page).filter(has_text=vendor)
    expect(row).to_be_visible()
    row.get_by_role("link").first.click()
    page.locator("#sign-off").get_by_label("Comment").fill("Due diligence complete; clauses in place.")
    page.get_by_role("button", name="Approve the supplier").click()
    expect(page.get_by_text("The supplier was approved.")).to_be_visible()
    expect(page.locator("h1 [data-status]")).to_have_attribute("data-status", "approved")

    # --- The chatbot's go-live gate now shows the supplier check passing.
    check = gate_check(page, system_url)
    expect(check).to_have_attribute("data-passed", "1")

    # --- A link past its date is refused: nothing can be read or written through it.
    page.goto(supplier_url)
    late_link = send_questionnaire(page, days=1)
    run_expiry_job_ahead(aims_server, days=3)
    outsider = new_context(chromium)
    try:
        public = outsider.new_page()
        response = public.goto(late_link)
        assert response.status == 410
        expect(public.get_by_role("heading", name="This questionnaire link is closed")).to_be_visible()
        expect(public.locator("#questionnaire-form")).to_have_count(0)
        expect(public.get_by_text(vendor)).to_have_count(0)
    finally:
        outsider.close()
    page.goto(supplier_url)
    expect(page.locator("#questionnaires tbody tr").first.locator("[data-state]")).to_have_attribute(
        "data-state", "expired")


def test_the_demo_data_broker_is_under_re_assessment(page, base_url, admin_credentials, login):
    login(CLAIRE, admin_credentials[1])
    page.goto(f"{base_url}/suppliers/?q=DataHarbor")
    expect(page.locator("tbody tr").filter(has_text="DataHarbor").locator("[data-reassessment]")).to_have_attribute(
        "data-reassessment", "under_way")
