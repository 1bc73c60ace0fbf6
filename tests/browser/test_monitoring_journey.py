"""Issue 13's journey in Chromium against the real demo server: a system owner defines an accuracy KPI with
thresholds; a pipeline pushes a week of values through the API with a push token; the breach alerts the owner and
opens a review of the linked risk; a drift run on a shifted sample, executed by the background worker while the page
shows its progress, flags two columns with their charts; the closure grid is filled, submitted and signed by someone
else, and the dashboard prints to PDF.
"""

from __future__ import annotations

import json
import re
import subprocess
import urllib.request
from datetime import UTC, datetime, timedelta

import numpy as np
from browser_harness import aims_command, clean_env
from playwright.sync_api import expect

from aims.risks.demo import CHATBOT_REFERENCE

SOPHIE = "sophie.durand@example.com"  # Head of Recruitment, system owner over Human Resources
CLAIRE = "claire.martin@example.com"  # Chief AI Officer, AIMS manager (and on the governance committee)


def switch_person(page, login, email: str, password: str) -> None:
    page.context.clear_cookies()
    login(email, password)


def api(page, base_url: str, method: str, path: str, data=None):
    """A call with the page's session (and its CSRF token, as the site's own scripts send it)."""
    csrf = next((c["value"] for c in page.context.cookies() if c["name"] == "csrftoken"), "")
    response = page.request.fetch(base_url + path, method=method, data=json.dumps(data) if data is not None else None,
                                  headers={"X-CSRFToken": csrf, "Content-Type": "application/json",
                                           "Referer": page.url})
    assert response.ok, (response.status, response.text()[:500])
    return response.json()


def samples(folder):
    """A reference sample and a current one where income and region shifted (and three columns did not)."""
    rng = np.random.default_rng(13)
    paths = {}
    for name, shifted, rows in (("reference", False, 3000), ("current", True, 2000)):
        income = rng.normal(3400 if shifted else 3000, 800, rows)
        region = rng.choice(["north", "south", "east", "west"], rows,
                            p=[.1, .2, .3, .4] if shifted else [.4, .3, .2, .1])
        age = rng.integers(18, 80, rows)
        ratio = rng.beta(2, 5, rows)
        guarantor = rng.random(rows) < 0.3
        lines = ["income,region,age,debt_ratio,has_guarantor"] + [
            f"{income[i]:.2f},{region[i]},{age[i]},{ratio[i]:.4f},{str(guarantor[i]).lower()}" for i in range(rows)]
        paths[name] = folder / f"{name}.csv"
        paths[name].write_text("\n".join(lines) + "\n")
    return paths


def test_owner_monitors_a_system_from_kpi_to_signed_closure(page, base_url, admin_credentials, login, aims_server,
                                                            tmp_path):
    password = admin_credentials[1]
    login(SOPHIE, password)
    system = api(page, base_url, "GET", f"/api/v1/systems?q={CHATBOT_REFERENCE}")["items"][0]
    risk = api(page, base_url, "POST", "/api/v1/risks", {"title": "The chatbot's answers degrade", "category":
                                              "quality_reliability", "system_ids": [system["id"]]})

    # --- The system owner defines an accuracy KPI with thresholds.
    page.goto(f"{base_url}/monitoring/systems/{system['id']}/")
    page.get_by_role("link", name="Define a KPI").click()
    page.get_by_label("KPI", exact=True).select_option(label="Accuracy")
    expect(page.get_by_label("Unit", exact=True)).to_have_value("%")  # filled from the catalogue
    page.get_by_label("Target", exact=True).fill("90")
    page.get_by_label("Warning threshold", exact=True).fill("85")
    page.get_by_label("Critical threshold", exact=True).fill("80")
    page.get_by_label("Why these thresholds", exact=True).fill("Commitments of the model card")
    page.get_by_role("button", name="Define the KPI").click()
    expect(page.get_by_text("was defined")).to_be_visible()
    expect(page.locator("tr[data-threshold-version='1']")).to_contain_text("Commitments of the model card")

    # --- A push token for the pipeline (its secret is shown once).
    page.goto(f"{base_url}/monitoring/systems/{system['id']}/?tab=settings")
    page.locator("#tokens").get_by_label("Name").fill("nightly evaluation")
    page.get_by_role("button", name="Create a push token").click()
    secret = page.locator("#push-token-secret").inner_text().strip()
    assert secret.startswith("aimsp_")

    # --- The pipeline pushes a week of values through the API; the last one is below the critical threshold.
    # Yesterday at 06:00 is the last value: none in the future, whatever the hour the journey runs at.
    today = (datetime.now(UTC) - timedelta(days=1)).replace(hour=6, minute=0, second=0, microsecond=0)
    week = [{"kpi": "accuracy", "at": (today - timedelta(days=6 - d)).isoformat(), "value": v}
            for d, v in enumerate([91.2, 90.8, 89.9, 88.1, 86.0, 83.5, 78.4])]
    request = urllib.request.Request(f"{base_url}/api/v1/monitoring/measurements", method="POST",
                                     data=json.dumps({"measurements": week}).encode(),
                                     headers={"Authorization": f"Bearer {secret}", "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        assert json.loads(response.read())["created"] == 7

    # --- The breach alerts the owner and opens a review of the linked risk.
    page.goto(f"{base_url}/notifications/")
    page.get_by_role("link", name=re.compile(r"Critical alert on .*Threshold breach")).first.click()
    expect(page.locator("#alert-description")).to_contain_text("78.4")
    expect(page.locator("[data-action='review_requested']")).to_contain_text(risk["title"])
    expect(page.locator("[data-suggestion]")).to_contain_text("Major update")
    page.locator("[data-action='review_requested']").get_by_role("link", name=risk["title"]).click()
    expect(page.get_by_text("KPI breach").first).to_be_visible()

    # --- A drift run on a shifted sample, run by the background worker while the page shows its progress.
    files = samples(tmp_path)
    page.goto(f"{base_url}/monitoring/systems/{system['id']}/?tab=drift")
    page.locator("#upload-reference").get_by_label("Name").fill("Training set, March")
    page.locator("#upload-reference input[type=file]").set_input_files(str(files["reference"]))
    page.get_by_role("button", name="Upload the reference").click()
    expect(page.get_by_text("is now the system's reference")).to_be_visible()
    page.locator("#new-drift-run input[type=file]").set_input_files(str(files["current"]))
    page.get_by_role("button", name="Run a drift check").click()
    expect(page.locator("#drift-progress")).to_be_visible()
    worker = subprocess.Popen([aims_command(), "worker"], env=clean_env(aims_server.data_dir),
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        expect(page.locator("#drift-verdict")).to_be_visible(timeout=90_000)
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    expect(page.locator("tr[data-drifted='yes']")).to_have_count(2)
    expect(page.locator("tr[data-column='income']")).to_have_attribute("data-drifted", "yes")
    expect(page.locator("tr[data-column='region']")).to_have_attribute("data-drifted", "yes")
    expect(page.locator("svg.chart-distribution")).to_have_count(5)

    # --- The closure grid: filled from the live KPIs, judged, submitted; the page names who may sign.
    page.goto(f"{base_url}/monitoring/systems/{system['id']}/?tab=closure")
    page.get_by_role("button", name="Start the closure grid").click()
    expect(page.locator("tr[data-axis='technical_performance']")).to_be_visible()
    for axis in ("technical_performance", "business_value", "adoption", "satisfaction", "governance"):
        page.locator(f"#assessment-{axis}").select_option("partly" if axis == "technical_performance" else "met")
    page.locator("#comment-technical_performance").fill("Accuracy fell below 80 % this week")
    page.get_by_label("Decision", exact=True).select_option("corrective_plan")
    page.get_by_label("Rationale", exact=True).fill("Retrain on recent conversations before closing the project")
    page.get_by_role("button", name="Submit for signature").click()
    expect(page.get_by_text("sent for signature")).to_be_visible()
    expect(page.locator("#who-may-sign")).to_contain_text("Claire Martin")
    expect(page.locator("#who-may-sign")).not_to_contain_text("Sophie Durand")
    expect(page.locator("#sign-form")).to_have_count(0)
    closure_url = page.url

    # --- Someone else signs it.
    switch_person(page, login, CLAIRE, password)
    page.goto(closure_url)
    page.get_by_label("Comment", exact=True).fill("Agreed: corrective plan")
    page.get_by_role("button", name="Sign the decision").click()
    expect(page.locator("[data-signed-by]")).to_contain_text("Claire Martin")

    # --- The dashboards show it and print cleanly to PDF.
    page.goto(f"{base_url}/monitoring/tactical/")
    expect(page.locator("#out-of-threshold")).to_contain_text(system["name"])
    page.emulate_media(media="print")
    expect(page.locator("header.topbar")).to_be_hidden()
    pdf = page.pdf(format="A4")
    assert pdf.startswith(b"%PDF") and len(pdf) > 5000
