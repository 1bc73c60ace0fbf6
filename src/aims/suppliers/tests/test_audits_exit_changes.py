"""Supplier audits (findings, actions with owners and tasks), the exit and continuity plan with its overdue test, and
supplier change events requesting reviews of the risks linked to the affected systems."""

import json
from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import formats, timezone, translation
from django.urls import reverse

from aims.core.models import Task
from aims.core.testing import person_with_role
from aims.inventory import services as inventory
from aims.risks import services as risks
from aims.risks.models import RiskReview
from aims.suppliers import services
from aims.suppliers import services_contracts as contracts

pytestmark = pytest.mark.django_db


def today():
    return timezone.localdate()


@pytest.fixture
def audit(make_supplier, procurement):
    return contracts.record_audit(actor=procurement, supplier=make_supplier(), title="Yearly audit",
                                  audit_date=date(2026, 3, 1), auditor="Internal audit")


def test_an_action_on_a_finding_gives_its_owner_a_task_closed_when_done(audit, procurement, backup, org):
    finding = contracts.add_finding(actor=procurement, audit=audit, title="No restore test", severity="high")
    with pytest.raises(ValidationError):
        contracts.add_finding(actor=procurement, audit=audit, title="X", severity="catastrophic")
    outsider = person_with_role("system_owner", org["south"])
    with pytest.raises(ValidationError):  # may not act on the supplier: not offered as owner
        contracts.add_audit_action(actor=procurement, finding=finding, title="Ask", owner=outsider)
    action = contracts.add_audit_action(actor=procurement, finding=finding, title="Ask for a restore test",
                                        owner=backup, due_date=today() + timedelta(days=30))
    task = Task.objects.get(assignee=backup, source=f"suppliers.audit_action.{action.pk}")
    assert task.url == audit.get_absolute_url() and task.done_at is None
    with pytest.raises(PermissionDenied):
        contracts.complete_audit_action(actor=person_with_role("viewer", org["north"]), action=action)
    contracts.complete_audit_action(actor=backup, action=action)
    task.refresh_from_db()
    assert task.done_at is not None
    with pytest.raises(ValidationError):
        contracts.complete_audit_action(actor=backup, action=action)


def test_the_exit_plan_shows_an_overdue_test(make_supplier, procurement):
    supplier = make_supplier()
    with pytest.raises(ValidationError):
        contracts.save_exit_plan(actor=procurement, supplier=supplier, changes={"alternatives": "Other vendor"})
    plan = contracts.save_exit_plan(actor=procurement, supplier=supplier, changes={"strategy": "Switch vendors"})
    assert contracts.exit_test_overdue(plan)  # never tested
    plan = contracts.save_exit_plan(actor=procurement, supplier=supplier,
                                    changes={"last_tested_on": today() - timedelta(days=400)})
    assert contracts.exit_test_overdue(plan) and plan.version == 2
    plan = contracts.save_exit_plan(actor=procurement, supplier=supplier,
                                    changes={"last_tested_on": today() - timedelta(days=30)})
    assert not contracts.exit_test_overdue(plan)
    assert contracts.exit_test_due(plan) > today()
    with pytest.raises(ValidationError):
        contracts.save_exit_plan(actor=procurement, supplier=supplier,
                                 changes={"last_tested_on": today() + timedelta(days=1)})


def test_a_critical_supplier_needs_an_exit_plan(make_supplier, procurement, manager, org):
    supplier = make_supplier()
    assert not contracts.exit_plan_required(supplier)
    system = inventory.create_system(actor=manager, name="Screening", unit=org["north"], owner=procurement,
                                     criticality="critical")
    model = inventory.create_component(actor=manager, kind="external_api", name="Model", origin="supplier",
                                       provider="Lumen")
    inventory.link_component(actor=manager, system=system, component=model)
    services.link_supply(actor=procurement, supplier=supplier, component=model)
    supplier.refresh_from_db()
    assert supplier.criticality == "critical" and contracts.exit_plan_required(supplier)


@pytest.fixture
def supplied_system(make_supplier, procurement, manager, org):
    """A supplier whose model a system uses, with an open risk on the system and one on the component."""
    risks.load_builtin_catalogs(actor=None)
    risks.load_default_method(actor=None)
    supplier = make_supplier()
    system = inventory.create_system(actor=manager, name="HR chatbot", unit=org["north"], owner=procurement)
    model = inventory.create_component(actor=manager, kind="external_api", name="Lumen chat", origin="supplier",
                                       provider="Lumen")
    inventory.link_component(actor=manager, system=system, component=model)
    services.link_supply(actor=procurement, supplier=supplier, component=model)
    risk = risks.create_risk(actor=manager, title="Hallucinated policy answers", category="security",
                             owner=procurement, systems=[system], inherent_likelihood=2, inherent_impact=2)
    other = inventory.create_system(actor=manager, name="Unrelated", unit=org["north"], owner=procurement)
    unrelated = risks.create_risk(actor=manager, title="Unrelated", category="security", owner=procurement,
                                  systems=[other], inherent_likelihood=2, inherent_impact=2)
    return supplier, risk, unrelated


def test_a_supplier_change_requests_reviews_of_the_linked_risks(supplied_system, procurement):
    supplier, risk, unrelated = supplied_system
    with pytest.raises(ValidationError):
        contracts.record_supplier_change(actor=procurement, supplier=supplier, kind="weather", occurred_on=today(),
                                         description="x")
    change = contracts.record_supplier_change(actor=procurement, supplier=supplier, kind="model_change",
                                              occurred_on=today(), description="Model v5 replaces v4")
    assert change.reviews_requested == 1
    review = RiskReview.objects.get(risk=risk)
    assert review.source == "supplier_change" and "Model v5 replaces v4" in review.reason_text
    with translation.override("fr"):  # a fact: the kind of change and its date read in the reader's language
        french = review.reason_text
        assert formats.date_format(today(), "DATE_FORMAT") in french
    assert "Changement de modèle" in french and "Model change" not in french and "Model v5 replaces v4" in french
    assert not RiskReview.objects.filter(risk=unrelated).exists()


def test_a_supplier_change_through_the_api_and_the_page(client, supplied_system, procurement, org):
    supplier, risk, _unrelated = supplied_system
    client.force_login(procurement)
    response = client.post(f"/api/v1/suppliers/{supplier.pk}/changes", json.dumps(
        {"kind": "acquisition", "occurred_on": str(today()), "description": "Bought by MegaCorp"}),
        content_type="application/json")
    assert response.status_code == 201 and response.json()["reviews_requested"] == 1
    response = client.post(reverse("suppliers:change_record", args=[supplier.pk]),
                           {"kind": "outage", "occurred_on": str(today()), "description": "Down for 6 hours"})
    assert response.status_code == 302
    page = client.get(supplier.get_absolute_url()).content.decode()
    assert "Acquisition or change of control" in page and "Down for 6 hours" in page
    client.force_login(person_with_role("viewer", org["north"]))
    assert client.post(reverse("suppliers:change_record", args=[supplier.pk]),
                       {"kind": "outage", "occurred_on": str(today()), "description": "x"}).status_code in (403, 404)
    assert supplier.change_events.count() == 2


def test_audits_and_exit_plan_through_the_api(client, make_supplier, procurement, backup):
    supplier = make_supplier()
    client.force_login(procurement)

    def post(url, body, method="post"):
        return getattr(client, method)(url, json.dumps(body), content_type="application/json")

    audit = post(f"/api/v1/suppliers/{supplier.pk}/audits", {"title": "On-site", "audit_date": "2026-03-01"})
    assert audit.status_code == 201, audit.content
    finding = post(f"/api/v1/supplier-audits/{audit.json()['id']}/findings", {"title": "Logs kept 7 days",
                                                                             "severity": "low"})
    assert finding.status_code == 201
    action = post(f"/api/v1/supplier-audit-findings/{finding.json()['id']}/actions",
                  {"title": "Ask for 90 days", "owner_id": backup.pk, "due_date": "2026-09-01"})
    assert action.status_code == 201
    body = client.get(f"/api/v1/supplier-audits/{audit.json()['id']}").json()
    assert body["findings"][0]["actions"][0]["owner_id"] == backup.pk
    client.force_login(backup)
    done = post(f"/api/v1/supplier-audit-actions/{action.json()['id']}/done", {})
    assert done.status_code == 200 and done.json()["done_at"]
    client.force_login(procurement)
    assert client.get(f"/api/v1/suppliers/{supplier.pk}/exit-plan").status_code == 404
    plan = post(f"/api/v1/suppliers/{supplier.pk}/exit-plan", {"strategy": "Switch"}, method="put")
    assert plan.status_code == 200 and plan.json()["test_overdue"] is True
    plan = post(f"/api/v1/suppliers/{supplier.pk}/exit-plan",
                {"version": plan.json()["version"], "last_tested_on": str(today())}, method="put")
    assert plan.json()["test_overdue"] is False and plan.json()["strategy"] == "Switch"


def test_audit_and_exit_plan_pages(client, audit, procurement, backup, org):
    supplier = audit.supplier
    client.force_login(procurement)
    page = client.get(supplier.get_absolute_url()).content.decode()
    assert "Yearly audit" in page and "No exit plan yet." in page and "No change recorded." in page
    url = reverse("suppliers:finding_add", args=[supplier.pk, audit.pk])
    assert client.post(url, {"title": "", "severity": "high"}).status_code == 400
    assert client.post(url, {"title": "No restore test", "severity": "high"}).status_code == 302
    finding = audit.findings.get()
    response = client.post(reverse("suppliers:audit_action_add", args=[supplier.pk, audit.pk, finding.pk]),
                           {"title": "Ask for a restore test", "owner": backup.pk, "due_date": "2027-01-15"})
    assert response.status_code == 302
    page = client.get(audit.get_absolute_url()).content.decode()
    assert "High" in page and "Ask for a restore test" in page and "Mark done" in page
    client.force_login(person_with_role("viewer", org["north"]))
    assert "Mark done" not in client.get(audit.get_absolute_url()).content.decode()
    client.force_login(procurement)
    assert client.get(reverse("suppliers:exit_plan", args=[supplier.pk])).status_code == 200
    response = client.post(reverse("suppliers:exit_plan_edit", args=[supplier.pk]),
                           {"strategy": "Switch", "last_tested_on": str(today() - timedelta(days=500))})
    assert response.status_code == 302
    page = client.get(reverse("suppliers:exit_plan", args=[supplier.pk])).content.decode()
    assert "test overdue" in page and "Switch" in page
    assert "test overdue" in client.get(supplier.get_absolute_url()).content.decode()
    response = client.post(reverse("suppliers:audit_create", args=[supplier.pk]),
                           {"title": "Remote review", "audit_date": "2026-06-01"})
    assert response.status_code == 302


def test_audit_pages_in_french(client, audit, procurement):
    contracts.add_finding(actor=procurement, audit=audit, title="Pas de test", severity="critical")
    contracts.save_exit_plan(actor=procurement, supplier=audit.supplier, changes={"strategy": "Changer"})
    procurement.language = "fr"
    procurement.save(update_fields=["language"])
    client.force_login(procurement)
    page = client.get(audit.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Constats" in page and "Critique" in page
    page = client.get(reverse("suppliers:exit_plan", args=[audit.supplier.pk])).content.decode()
    assert "Plan de sortie et de continuité" in page and "test en retard" in page
