"""Issue 16, point 7 in Chromium: forms people enjoy.

A system owner registers a system with a long unbroken name, chooses its incident contact by typing in the people
picker and choosing with the keyboard, and saves; the name wraps instead of widening the page, on a desktop screen
and on a phone. In French the picker speaks French.
"""

from __future__ import annotations

import re
import uuid

from browser_harness import log_in
from playwright.sync_api import expect

SOPHIE = "sophie.durand@example.com"  # Head of Recruitment, system owner over Human Resources


def test_a_person_is_picked_by_keyboard_and_a_long_name_wraps(page, base_url, admin_credentials):
    log_in(page, base_url, SOPHIE, admin_credentials[1])
    name = "Résumé" + "ranking" * 20 + uuid.uuid4().hex[:6]  # one 150-character word
    page.goto(f"{base_url}/inventory/systems/new/")
    page.locator("#id_name").fill(name)
    page.locator("#id_purpose").fill("Rank CVs for recruiters")
    page.locator("#id_unit").select_option(label="Human Resources")

    # The people picker: a search box named by its label; typing filters, Enter picks the first person offered.
    control = page.get_by_role("combobox", name=re.compile(r"^Incident contact"))
    expect(control).to_have_id("id_incident_contact-ts-control")  # the label names the search box
    page.locator("#id_technical_lead-ts-control").focus()
    page.keyboard.press("Tab")  # from the field above, as a keyboard user moves
    expect(control).to_be_focused()
    control.press_sequentially("Durand")
    offered = page.locator("#id_incident_contact-ts-dropdown [data-selectable]")
    expect(offered.first).to_contain_text("Sophie Durand")
    control.press("Enter")
    expect(page.locator("#id_incident_contact option:checked")).to_contain_text("Sophie Durand")
    page.get_by_role("button", name="Register").click()

    expect(page).to_have_url(re.compile(r"/inventory/systems/\d+/$"))
    expect(page.locator("#responsibilities")).to_contain_text("Sophie Durand")
    system_page = page.url
    # The system's page, and the lists whose filters offer the system by name (a select is as wide as its option).
    for path in (system_page, f"{base_url}/risks/", f"{base_url}/risks/impact-assessments/", f"{base_url}/risks/heatmap/", f"{base_url}/evidence/"):
        if path != system_page:
            page.goto(path)
        for width in (1280, 390):
            page.set_viewport_size({"width": width, "height": 800})
            wide = page.evaluate("() => document.documentElement.scrollWidth")
            assert wide <= width, f"{path}: the page is {wide} px wide on a {width} px screen"
    page.set_viewport_size({"width": 1280, "height": 800})


def test_the_picker_speaks_french(page, base_url, admin_credentials):
    log_in(page, base_url, SOPHIE, admin_credentials[1])
    page.goto(f"{base_url}/")
    page.locator(".personmenu summary").click()
    page.locator(".langswitch button").click()
    page.wait_for_load_state()
    try:
        page.goto(f"{base_url}/inventory/systems/new/")
        control = page.locator("#id_incident_contact-ts-control")
        control.scroll_into_view_if_needed()
        control.focus()
        control.press_sequentially("zzzzzz")
        expect(page.locator("#id_incident_contact-ts-dropdown .no-results")).to_have_text("Aucun résultat")
    finally:
        page.goto(f"{base_url}/")
        page.locator(".personmenu summary").click()
        page.locator(".langswitch button").click()
        page.wait_for_load_state()
