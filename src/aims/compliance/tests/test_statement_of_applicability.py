"""The Statement of Applicability: one entry per Annex A control, a justification both ways, controls and the risks
requiring them derived from the register, versions frozen and compared, approved through the inbox by an AIMS manager
who did not submit it, exported as XLSX and PDF in English and French."""

import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from openpyxl import load_workbook

from aims.compliance import exports_soa, services
from aims.compliance.models import Requirement, SoAEntry, SoAVersion
from aims.compliance.services import soa
from aims.core import approvals
from aims.core.models import Task
from aims.core.testing import person_with_role
from aims.risks import services as risks

pytestmark = pytest.mark.django_db


def entry(ref: str) -> SoAEntry:
    return SoAEntry.objects.get(requirement__framework__key="iso42001", requirement__ref=ref)


def decide_all(actor, *, except_refs=()) -> None:
    for item in SoAEntry.objects.select_related("requirement"):
        if item.requirement.ref not in except_refs and item.applicability == "undecided":
            services.update_soa_entry(actor=actor, entry=item, changes={
                "applicability": "applicable", "justification": "Needed for our AI systems",
                "implementation": "planned"})


@pytest.fixture
def second_manager(unit):
    return person_with_role("aims_manager", None, home_unit=unit)


def test_every_annex_a_control_has_one_entry(frameworks):
    assert SoAEntry.objects.count() == 38
    assert set(SoAEntry.objects.values_list("applicability", flat=True)) == {"undecided"}


def test_a_justification_is_required_both_ways(frameworks, aims_manager):
    with pytest.raises(ValidationError, match="applicable"):
        services.update_soa_entry(actor=aims_manager, entry=entry("A.7.4"), changes={"applicability": "applicable"})
    with pytest.raises(ValidationError, match="excluded"):
        services.update_soa_entry(actor=aims_manager, entry=entry("A.10.4"), changes={"applicability": "excluded"})
    excluded = services.update_soa_entry(actor=aims_manager, entry=entry("A.10.4"), changes={
        "applicability": "excluded", "justification": "We provide no AI product to customers"})
    assert excluded.implementation == "not_started"


def test_linking_a_control_and_deriving_the_risks_that_require_it(frameworks, aims_manager, control_owner, unit):
    risks.load_default_method(actor=None)
    risk = risks.create_risk(actor=aims_manager, title="Biased training data", category="bias_discrimination",
                             owner=control_owner, unit=unit)
    control = services.create_control(actor=aims_manager, title="Data quality checks", owner=control_owner,
                                      links={"risks": [risk]})
    services.update_soa_entry(actor=aims_manager, entry=entry("A.7.4"), controls=[control],
                              changes={"applicability": "applicable", "justification": "We train credit models"},
                              reason="Clause 6.1.3: treatment of data-bias risks")
    assert list(control.requirements.values_list("ref", flat=True)) == ["A.7.4"]
    row = next(e for e in soa.entries_with_links() if e.requirement.ref == "A.7.4")
    assert row.linked_controls == [control] and row.risks == [risk]
    services.update_soa_entry(actor=aims_manager, entry=entry("A.7.4"), controls=[], changes={})
    assert not control.requirements.exists()


def test_a_version_is_frozen_approved_by_another_aims_manager_and_compared(frameworks, aims_manager, second_manager):
    with pytest.raises(ValidationError, match="at least one"):
        services.submit_soa_version(actor=aims_manager, summary="First SoA")
    decide_all(aims_manager)
    v1 = services.submit_soa_version(actor=aims_manager, summary="First Statement of Applicability")
    assert v1.status == "submitted" and len(v1.entries) == 38 and len(v1.changes) > 38
    assert Task.objects.filter(assignee=second_manager, source=f"approval.compliance.soa.{v1.pk}").exists()
    assert not Task.objects.filter(assignee=aims_manager, source=f"approval.compliance.soa.{v1.pk}").exists()
    with pytest.raises(PermissionDenied, match="your own work"):
        services.approve_soa_version(actor=aims_manager, version=v1)
    assert [w.obj for w in approvals.waiting_for(second_manager)] == [v1]
    services.approve_soa_version(actor=second_manager, version=v1, comment="Reviewed with the committee")
    assert Task.objects.get(assignee=second_manager, source=f"approval.compliance.soa.{v1.pk}").done_at is not None
    # Later changes do not touch the frozen version; the next version says what changed and why.
    services.update_soa_entry(actor=aims_manager, entry=entry("A.10.4"), reason="No customer-facing AI product", changes={
        "applicability": "excluded", "justification": "We provide no AI product to customers"})
    v1.refresh_from_db()
    assert next(r for r in v1.entries if r["ref"] == "A.10.4")["applicability"] == "applicable"
    v2 = services.submit_soa_version(actor=aims_manager, summary="A.10.4 excluded")
    assert {(c["ref"], c["field"]) for c in v2.changes} == {("A.10.4", "applicability"), ("A.10.4", "justification"),
                                                           ("A.10.4", "implementation")}
    assert v2.previous == v1 and v2.changes[0]["reasons"] == ["No customer-facing AI product"]
    services.approve_soa_version(actor=second_manager, version=v2)
    v1.refresh_from_db()
    assert v1.status == "superseded" and SoAVersion.objects.get(status="approved") == v2


def test_a_returned_version_says_why(frameworks, aims_manager, second_manager):
    decide_all(aims_manager)
    version = services.submit_soa_version(actor=aims_manager, summary="Draft")
    with pytest.raises(ValidationError, match="must be corrected"):
        services.return_soa_version(actor=second_manager, version=version, comment="")
    services.return_soa_version(actor=second_manager, version=version, comment="Justify A.5.5 better")
    assert SoAVersion.objects.get(pk=version.pk).status == "returned"


def test_exports_in_english_and_french(frameworks, aims_manager):
    services.update_soa_entry(actor=aims_manager, entry=entry("A.7.4"), changes={
        "applicability": "applicable", "justification": "Qualité des données de crédit", "implementation": "partial"})
    rows = soa.snapshot()
    workbook = load_workbook(io.BytesIO(exports_soa.xlsx(rows, None, "fr")))
    sheet = workbook.worksheets[0]
    assert sheet.title == "Déclaration d'applicabilité"
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[0][:3] == ["Mesure", "Titre", "Applicabilité"]
    a74 = next(v for v in values if v[0] == "A.7.4")
    assert a74[1] == "Qualité des données pour les systèmes d'IA" and a74[2] == "Applicable" and a74[4] == \
        "Partiellement mis en œuvre"
    english = [[c.value for c in r] for r in load_workbook(io.BytesIO(exports_soa.xlsx(rows, None, "en"))).worksheets[
        0].iter_rows()]
    assert next(v for v in english if v[0] == "A.7.4")[1] == "Quality of data for AI systems"
    html = exports_soa.html(rows, None, "fr")
    assert "Déclaration d&#x27;applicabilité" in html and "Qualité des données pour les systèmes d&#x27;IA" in html
    assert exports_soa.pdf(rows, None, "fr").startswith(b"%PDF")


def test_soa_page_and_downloads(client, frameworks, aims_manager, django_assert_max_num_queries):
    client.force_login(aims_manager)
    with django_assert_max_num_queries(14):
        page = client.get(reverse("compliance:soa"))
    assert page.status_code == 200 and 'data-ref="A.7.4"' in page.content.decode()
    response = client.get(reverse("compliance:soa_export", args=["pdf"]), {"lang": "fr"})
    assert response["Content-Type"] == "application/pdf" and response.content.startswith(b"%PDF")
    assert "-fr-" in response["Content-Disposition"]
    xlsx = client.get(reverse("compliance:soa_export", args=["xlsx"]), {"lang": "en"})
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"


def test_only_organisation_wide_compliance_writers_edit_the_soa(frameworks, unit):
    with pytest.raises(PermissionDenied):
        services.update_soa_entry(actor=person_with_role("aims_manager", unit), entry=entry("A.7.4"),
                                  changes={"applicability": "applicable", "justification": "x"})
    with pytest.raises(PermissionDenied):
        services.update_soa_entry(actor=person_with_role("auditor"), entry=entry("A.7.4"),
                                  changes={"applicability": "applicable", "justification": "x"})
    assert Requirement.objects.filter(soa_entry__applicability="undecided").count() == 38
