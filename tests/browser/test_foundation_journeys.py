"""The foundation's main journeys, driven in Chromium against the real demo server.

The server is shared by the whole session, so each journey that changes a person uses a demo person of its own
(they share the administrator's printed password): the tests stay independent of their order.
"""

from __future__ import annotations

import re

from browser_harness import log_in, new_context
from playwright.sync_api import expect

from aims.core import demo

CLAIRE = "claire.martin@example.com"
LUCAS = "lucas.petit@example.com"
LOGOUT_BUTTON = "form[action='/accounts/logout/'] button"
PERSON_MENU = ".personmenu summary"
SUBMIT = re.compile(r"sign in|log in", re.I)


def test_admin_logs_in_with_the_printed_password_and_sees_real_counts(page, base_url, admin_credentials):
    email, password = admin_credentials
    page.goto(f"{base_url}/")
    # Anonymous visitors are sent to the login page first.
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    page.get_by_label(re.compile(r"e-?mail", re.I)).fill(email)
    page.get_by_label(re.compile(r"password", re.I)).fill(password)
    page.get_by_role("button", name=SUBMIT).click()

    expect(page).to_have_url(f"{base_url}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Ada")
    expect(page.locator("[data-count=units]")).to_have_text(str(len(demo.UNITS)))
    # The administrator plus one person per demo role.
    expect(page.locator("[data-count=people]")).to_have_text(str(len(demo.PEOPLE) + 1))
    expect(page.get_by_role("navigation", name="Product").get_by_role("link", name="Inventory")).to_be_visible()


def test_wrong_password_shows_an_error_and_keeps_the_person_out(page, base_url, admin_credentials):
    email, password = admin_credentials
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label(re.compile(r"e-?mail", re.I)).fill(email)
    page.get_by_label(re.compile(r"password", re.I)).fill(password + "-wrong")
    page.get_by_role("button", name=SUBMIT).click()

    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    expect(page.get_by_text(re.compile(r"not correct|incorrect|invalid", re.I))).to_be_visible()
    page.goto(f"{base_url}/")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))


def test_language_button_switches_to_french_and_the_choice_follows_the_person(
        page, chromium, base_url, admin_credentials, login):
    password = admin_credentials[1]
    login(CLAIRE, password)
    expect(page.locator("html")).to_have_attribute("lang", "en")

    # The language and the logout live in the person's menu, under their name in the header.
    page.locator(PERSON_MENU).click()
    page.get_by_role("button", name="Français").click()

    expect(page.locator("html")).to_have_attribute("lang", "fr")
    page.locator(PERSON_MENU).click()
    expect(page.get_by_role("button", name="English")).to_be_visible()

    page.locator(LOGOUT_BUTTON).click()
    expect(page).to_have_url(re.compile(r"/accounts/login/"))

    # A different browser with no cookie at all: French can only come from the person's stored preference.
    other = new_context(chromium)
    try:
        other_page = other.new_page()
        log_in(other_page, base_url, CLAIRE, password)
        expect(other_page.locator("html")).to_have_attribute("lang", "fr")
        expect(other_page.locator("[data-module=risks]")).to_have_text("Risques")
        expect(other_page.get_by_role("heading", level=1)).to_have_text("Bienvenue, Claire")

        # And back: the other journeys expect this shared demo person in English.
        other_page.locator(PERSON_MENU).click()
        other_page.get_by_role("button", name="English").click()
        expect(other_page.locator("html")).to_have_attribute("lang", "en")
        expect(other_page.locator("[data-module=risks]")).to_have_text("Risks")
    finally:
        other.close()


def test_profile_change_shows_in_the_profile_history(page, base_url, admin_credentials, login):
    login(LUCAS, admin_credentials[1])
    page.goto(f"{base_url}/me/")
    job_title = page.get_by_label("Job title")
    expect(job_title).to_have_value("Data Scientist")

    job_title.fill("Lead Data Scientist")
    page.get_by_role("button", name="Save").click()

    expect(page.get_by_text("Your profile was saved.")).to_be_visible()
    expect(page.get_by_label("Job title")).to_have_value("Lead Data Scientist")

    page.get_by_role("link", name="History", exact=True).click()
    # The newest change of the job title: the old value struck through, the new one beside it.
    change = (page.get_by_role("row")
              .filter(has=page.get_by_role("rowheader", name="Job title", exact=True))
              .filter(has=page.locator("del")))
    expect(change).to_have_count(1)
    expect(change.locator("del")).to_contain_text("Data Scientist")
    expect(change.locator("del")).not_to_contain_text("Lead")
    expect(change.locator("ins")).to_contain_text("Lead Data Scientist")
    expect(change.locator("del")).to_have_css("text-decoration-line", "line-through")


def test_login_form_works_with_the_keyboard_alone(page, base_url, admin_credentials):
    email, password = admin_credentials
    page.goto(f"{base_url}/accounts/login/")

    # Tab from the top of the page until the e-mail field has focus: it must be reachable, and soon.
    for _ in range(15):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement && document.activeElement.name") == "login":
            break
    assert page.evaluate("document.activeElement.name") == "login"

    page.keyboard.type(email)
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.name") == "password"
    page.keyboard.type(password)
    page.keyboard.press("Enter")

    expect(page).to_have_url(f"{base_url}/")
    expect(page.locator("[data-count=units]")).to_be_visible()
