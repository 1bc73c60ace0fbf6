"""Supplier contracts: dates and the computed notice deadline, the clause checklist feeding the onboarding gate
(which names each missing clause), reminders before the notice deadline, the API and the pages (also in French)."""

import json
from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from aims.core.models import Task
from aims.core.testing import person_with_role
from aims.suppliers import services
from aims.suppliers import services_contracts as contracts
from aims.suppliers.models import Status, Supplier

pytestmark = pytest.mark.django_db

ALL_PRESENT = {key: {"status": "present"} for key in ("incident_notification", "change_notice", "audit_rights",
                                                       "data_return", "reversibility", "liability_ip",
                                                       "ai_act_documentation")}


def today():
    return timezone.localdate()


def contract_for(supplier, actor, **fields):
    fields.setdefault("title", "Master services agreement")
    fields.setdefault("start_date", today() - timedelta(days=100))
    return contracts.create_contract(actor=actor, supplier=supplier, **fields)


def test_the_end_comes_after_the_start_and_the_notice_deadline_is_computed(make_supplier, procurement):
    supplier = make_supplier()
    with pytest.raises(ValidationError) as error:
        contract_for(supplier, procurement, start_date=date(2026, 5, 1), end_date=date(2026, 5, 1))
    assert "end_date" in error.value.message_dict
    contract = contract_for(supplier, procurement, start_date=date(2026, 1, 1), end_date=date(2027, 12, 31),
                            notice_days=90, renewal="auto")
    assert contract.notice_deadline == date(2027, 10, 2)
    contract = contracts.update_contract(actor=procurement, contract=contract, changes={"notice_days": 30})
    assert contract.notice_deadline == date(2027, 12, 1)
    contract = contracts.update_contract(actor=procurement, contract=contract, changes={"end_date": None})
    assert contract.notice_deadline is None


def test_the_checklist_knows_only_catalogue_clauses_and_statuses(make_supplier, procurement):
    supplier = make_supplier()
    with pytest.raises(ValidationError):
        contract_for(supplier, procurement, clauses={"free_lunch": {"status": "present"}})
    with pytest.raises(ValidationError):
        contract_for(supplier, procurement, clauses={"audit_rights": {"status": "maybe"}})
    contract = contract_for(supplier, procurement, clauses={"audit_rights": "partial",
                                                            "data_return": {"status": "present", "reference": "§ 4"}})
    assert contract.clauses == {"audit_rights": {"status": "partial"},
                                "data_return": {"status": "present", "reference": "§ 4"}}


def test_a_reader_may_not_record_a_contract(make_supplier, org):
    from django.core.exceptions import PermissionDenied

    supplier = make_supplier()
    with pytest.raises(PermissionDenied):
        contract_for(supplier, person_with_role("viewer", org["north"]))


def test_the_gate_refuses_a_missing_clause_and_names_it(ready_supplier, procurement, manager):
    # The clauses declared on the supplier counted until a contract was recorded; now the contract's checklist does.
    assert services.onboarding_gaps(ready_supplier) == []
    clauses = dict(ALL_PRESENT, data_return={"status": "absent"}, incident_notification={"status": "partial"})
    contract = contract_for(ready_supplier, procurement, clauses=clauses)
    with pytest.raises(ValidationError) as error:
        services.submit_for_approval(actor=procurement, supplier=ready_supplier)
    message = " ".join(error.value.messages)
    assert "Missing contract clauses: Return and deletion of data." in message
    assert "Contract clauses only partly covered: Incident notification within an agreed time." in message
    assert services.missing_clauses(ready_supplier) == ["incident_notification", "data_return"]
    contracts.update_contract(actor=procurement, contract=contract, changes={"clauses": ALL_PRESENT})
    supplier = services.submit_for_approval(actor=procurement, supplier=Supplier.objects.get(pk=ready_supplier.pk))
    # Approval checks again: the contract ended meanwhile, so no clause is held any more.
    contracts.update_contract(actor=procurement, contract=contract,
                              changes={"start_date": today() - timedelta(days=400),
                                       "end_date": today() - timedelta(days=1)})
    with pytest.raises(ValidationError) as error:
        services.approve_supplier(actor=manager, supplier=supplier)
    assert "Return and deletion of data" in " ".join(error.value.messages)
    contract_for(ready_supplier, procurement, title="Renewed agreement", clauses=ALL_PRESENT)
    assert services.approve_supplier(actor=manager, supplier=supplier).status == Status.APPROVED


def test_a_clause_is_held_when_any_contract_in_force_holds_it(make_supplier, procurement):
    supplier = make_supplier()  # nothing depends on it: the lowest level's clauses are required
    contract_for(supplier, procurement, clauses={"incident_notification": {"status": "present"}})
    assert services.missing_clauses(supplier) == ["data_return"]
    contract_for(supplier, procurement, title="Data processing agreement",
                 clauses={"data_return": {"status": "present", "reference": "Art. 9"}})
    assert services.missing_clauses(supplier) == []
    coverage = contracts.clause_coverage(supplier)
    assert coverage["data_return"]["reference"] == "Art. 9"


def test_the_sweep_opens_a_task_for_the_owner_before_the_notice_deadline(make_supplier, procurement):
    supplier = make_supplier()
    soon = contract_for(supplier, procurement, title="Soon", end_date=today() + timedelta(days=80), notice_days=60)
    contract_for(supplier, procurement, title="Far", end_date=today() + timedelta(days=400), notice_days=60)
    contract_for(supplier, procurement, title="Passed", end_date=today() + timedelta(days=10), notice_days=60)
    assert contracts.send_notice_reminders() == 1
    task = Task.objects.get(assignee=procurement, source__startswith="suppliers.contract_notice.")
    assert task.url == reverse("suppliers:contract_detail", args=[supplier.pk, soon.pk])
    assert task.due_date == soon.notice_deadline
    assert "Soon" in task.title and supplier.legal_name in task.title
    assert contracts.send_notice_reminders() == 0  # idempotent
    # A week before the deadline, the next threshold reminds again.
    assert contracts.send_notice_reminders(today=soon.notice_deadline - timedelta(days=5)) == 1
    assert Task.objects.filter(assignee=procurement, source__startswith="suppliers.contract_notice.").count() == 2


def test_the_periodic_job_runs_the_sweep(make_supplier, procurement):
    from aims.suppliers.tasks_contracts import remind_contract_notice_deadlines

    contract_for(make_supplier(), procurement, end_date=today() + timedelta(days=40), notice_days=30)
    assert remind_contract_notice_deadlines.call_local() == 1


# --- API -------------------------------------------------------------------------------------------------------------

def send(client, method, url, body):
    return getattr(client, method)(url, json.dumps(body), content_type="application/json")


def test_api_records_a_contract_and_reports_the_clauses(client, make_supplier, procurement, org):
    supplier = make_supplier()
    client.force_login(procurement)
    url = f"/api/v1/suppliers/{supplier.pk}/contracts"
    response = send(client, "post", url, {"title": "MSA", "start_date": "2026-01-01", "end_date": "2025-01-01"})
    assert response.status_code == 422 and "end_date" in response.content.decode()
    response = send(client, "post", url, {"title": "MSA", "start_date": "2026-01-01", "end_date": "2027-01-01",
                                          "notice_days": 31, "clauses": {"data_return": {"status": "partial"}}})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["notice_deadline"] == "2026-12-01" and body["clauses"] == {"data_return": {"status": "partial"}}
    assert send(client, "post", url, {"title": "X", "start_date": "2026-01-01",
                                      "clauses": {"nope": {"status": "present"}}}).status_code == 422
    response = send(client, "patch", f"/api/v1/supplier-contracts/{body['id']}",
                    {"version": body["version"], "clauses": {"data_return": {"status": "present", "reference": "§2"}}})
    assert response.status_code == 200 and response.json()["clauses"]["data_return"]["reference"] == "§2"
    coverage = {row["key"]: row for row in client.get(f"/api/v1/suppliers/{supplier.pk}/clauses").json()}
    assert coverage["data_return"]["status"] == "present" and coverage["data_return"]["contract_id"] == body["id"]
    assert coverage["incident_notification"]["status"] == "" and coverage["incident_notification"]["required"]
    onboarding = client.get(f"/api/v1/suppliers/{supplier.pk}/onboarding").json()
    assert onboarding["missing_clauses"] == ["incident_notification"]
    client.force_login(person_with_role("viewer", org["south"]))
    assert client.get(f"/api/v1/supplier-contracts/{body['id']}").status_code == 404


# --- Pages -----------------------------------------------------------------------------------------------------------

def test_pages_record_a_contract_and_show_the_gaps(client, make_supplier, procurement):
    supplier = make_supplier()
    client.force_login(procurement)
    page = client.get(supplier.get_absolute_url()).content.decode()
    assert "No contract recorded yet" in page and "Record a contract" in page
    url = reverse("suppliers:contract_create", args=[supplier.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"title": "MSA", "start_date": "2026-03-01", "end_date": "2026-02-01",
                                 "renewal": "manual"})
    assert response.status_code == 400 and "The end date must come after the start date." in response.content.decode()
    response = client.post(url, {"title": "MSA", "reference": "C-1", "start_date": "2026-03-01",
                                 "end_date": "2029-02-28", "renewal": "auto", "notice_days": "90",
                                 "clause_incident_notification": "present",
                                 "clause_incident_notification_reference": "§ 9", "clause_data_return": "absent"})
    assert response.status_code == 302
    contract = supplier.contracts.get()
    assert contract.clauses == {"incident_notification": {"status": "present", "reference": "§ 9"},
                                "data_return": {"status": "absent"}}
    page = client.get(response.url).content.decode()
    assert "Renews automatically" in page and "Return and deletion of data" in page and 'id="contract-edit"' in page
    page = client.get(supplier.get_absolute_url()).content.decode()
    assert "Missing contract clauses: Return and deletion of data." in page and "MSA" in page
    edit = reverse("suppliers:contract_edit", args=[supplier.pk, contract.pk])
    response = client.post(edit, {"version": contract.version, "title": "MSA", "start_date": "2026-03-01",
                                  "renewal": "manual", "clause_data_return": "present"})
    assert response.status_code == 302
    contract.refresh_from_db()
    assert contract.clauses == {"data_return": {"status": "present"}} and contract.end_date is None


def test_a_reader_sees_the_contract_without_the_edit_button(client, make_supplier, procurement, org):
    supplier = make_supplier()
    contract = contract_for(supplier, procurement)
    client.force_login(person_with_role("viewer", org["north"]))
    page = client.get(contract.get_absolute_url()).content.decode()
    assert "Master services agreement" in page and 'id="contract-edit"' not in page
    assert client.get(reverse("suppliers:contract_edit", args=[supplier.pk, contract.pk])).status_code in (403, 404)


def test_contract_pages_in_french(client, make_supplier, procurement):
    supplier = make_supplier()
    contract = contract_for(supplier, procurement, end_date=today() + timedelta(days=200), notice_days=30,
                            renewal="auto", clauses={"data_return": {"status": "partial"}})
    procurement.language = "fr"
    procurement.save(update_fields=["language"])
    client.force_login(procurement)
    page = client.get(contract.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Restitution et suppression des données" in page and "Renouvellement automatique" in page
    assert "Partiellement couverte" in page and "Liste de contrôle des clauses" in page
    page = client.get(supplier.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Contrats" in page and "Clauses contractuelles couvertes en partie" in page


def test_history_shows_the_checklist_in_words(client, make_supplier, procurement):
    from aims.suppliers.models_contracts import Contract, clause_checklist_display

    text = clause_checklist_display({"data_return": {"status": "partial", "reference": "§ 4"}}, {}, {})
    assert text == "Return and deletion of data: Partly covered (§ 4)"
    assert Contract.ledger_display["clauses"] is clause_checklist_display
