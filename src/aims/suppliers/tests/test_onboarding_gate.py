"""A supplier is approved only with an owner and a backup, a completed assessment at or above the required score (or a
justified exception) and the clauses its criticality needs; through the "To approve" inbox, never by the person who
submitted it."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from aims.core import approvals
from aims.core.models import LedgerEvent, Notification, Task
from aims.core.testing import person_with_role
from aims.suppliers import services
from aims.suppliers.models import Status, Supplier

from .conftest import ALL_CLAUSES

pytestmark = pytest.mark.django_db


def gaps(supplier):
    return [services.describe_gap(gap) for gap in services.onboarding_gaps(supplier)]


def test_a_new_supplier_lists_everything_missing(org, procurement):
    supplier = services.create_supplier(actor=procurement, legal_name="DeskFlow SAS", unit=org["north"])
    missing = " ".join(gaps(supplier))
    assert "internal owner" in missing and "backup owner" in missing
    assert "due-diligence assessment (required score: 70)" in missing
    assert "Incident notification within an agreed time" in missing
    with pytest.raises(ValidationError):
        services.submit_for_approval(actor=procurement, supplier=supplier)
    assert Supplier.objects.get(pk=supplier.pk).status == Status.DRAFT


def test_a_score_below_the_bar_needs_a_justified_exception(make_supplier, procurement):
    supplier = make_supplier(clauses=ALL_CLAUSES)
    assessment = services.start_assessment(actor=procurement, supplier=supplier)
    services.complete_assessment(actor=procurement, assessment=assessment, score=55)
    assert gaps(supplier) == ["The last assessment scored 55, below the required 70: raise it or justify an exception."]
    supplier = services.update_supplier(actor=procurement, supplier=supplier, changes={
        "score_exception": "Only public data is sent; compensating controls agreed."})
    assert gaps(supplier) == []
    supplier = services.update_supplier(actor=procurement, supplier=supplier, changes={
        "score_exception": "", "required_score": 50})
    assert gaps(supplier) == []


def test_a_missing_clause_is_a_gap_and_the_criticality_decides_which(make_supplier, procurement, org):
    supplier = make_supplier(clauses=["incident_notification", "data_return"])
    assessment = services.start_assessment(actor=procurement, supplier=supplier)
    services.complete_assessment(actor=procurement, assessment=assessment, score=90)
    assert gaps(supplier) == []  # nothing depends on it yet: the lowest criticality's clauses
    supplier.criticality = "high"
    assert gaps(supplier) == ["Missing contract clauses: Notice of model or sub-processor changes, Audit rights, "
                              "Reversibility and exit assistance, Liability and IP indemnity, AI Act documentation "
                              "duties."]
    assert services.missing_clauses(supplier) == ["change_notice", "audit_rights", "reversibility", "liability_ip",
                                                  "ai_act_documentation"]


def test_submission_asks_the_approvers_and_never_the_author(ready_supplier, procurement, manager, org):
    outsider = person_with_role("aims_manager", org["south"])
    services.submit_for_approval(actor=procurement, supplier=ready_supplier)
    source = approvals.task_source(services.APPROVAL, ready_supplier)
    assert set(Task.objects.filter(source=source, done_at__isnull=True).values_list("assignee", flat=True)) == {
        manager.pk}
    assert Notification.objects.filter(recipient=manager, kind="approval").exists()
    assert not Task.objects.filter(source=source, assignee__in=[procurement, outsider]).exists()
    assert [w.obj.pk for w in approvals.waiting_for(manager) if w.kind.key == services.APPROVAL] == [ready_supplier.pk]
    assert not [w for w in approvals.waiting_for(procurement) if w.kind.key == services.APPROVAL]

    with pytest.raises(PermissionDenied):
        services.approve_supplier(actor=procurement, supplier=ready_supplier)
    services.approve_supplier(actor=manager, supplier=ready_supplier, comment="Due diligence complete.")
    supplier = Supplier.objects.get(pk=ready_supplier.pk)
    assert supplier.status == Status.APPROVED and supplier.approved_by == manager
    assert not Task.objects.filter(source=source, done_at__isnull=True).exists()
    assert not [w for w in approvals.waiting_for(manager) if w.kind.key == services.APPROVAL]
    assert LedgerEvent.objects.filter(action="suppliers.supplier.approve", object_id=str(supplier.pk)).count() == 1


def test_an_aims_manager_who_submitted_may_not_approve_it(ready_supplier, manager):
    services.submit_for_approval(actor=manager, supplier=ready_supplier)
    with pytest.raises(PermissionDenied):
        services.approve_supplier(actor=manager, supplier=ready_supplier)


def test_approval_checks_the_gate_again(ready_supplier, procurement, manager):
    services.submit_for_approval(actor=procurement, supplier=ready_supplier)
    services.update_supplier(actor=procurement, supplier=Supplier.objects.get(pk=ready_supplier.pk),
                             changes={"clauses": ["incident_notification"]})
    with pytest.raises(ValidationError, match="Return and deletion of data"):
        services.approve_supplier(actor=manager, supplier=ready_supplier)


def test_returned_with_a_comment_goes_back_to_the_owner(ready_supplier, procurement, manager):
    services.submit_for_approval(actor=procurement, supplier=ready_supplier)
    with pytest.raises(ValidationError):
        services.return_supplier(actor=manager, supplier=ready_supplier, comment="")
    services.return_supplier(actor=manager, supplier=ready_supplier, comment="Attach the SOC 2 report.")
    supplier = Supplier.objects.get(pk=ready_supplier.pk)
    assert supplier.status == Status.DRAFT and supplier.decision_comment == "Attach the SOC 2 report."
    assert Notification.objects.filter(recipient=procurement, body="Attach the SOC 2 report.").exists()


def test_the_owner_must_be_able_to_act_on_the_supplier(org, procurement):
    viewer = person_with_role("viewer", org["north"])
    with pytest.raises(ValidationError) as error:
        services.create_supplier(actor=procurement, legal_name="X", unit=org["north"], owner=viewer)
    assert "owner" in error.value.message_dict


def test_the_owner_and_the_backup_are_two_people(make_supplier, procurement):
    with pytest.raises(ValidationError) as error:
        make_supplier(backup=procurement)
    assert "backup" in error.value.message_dict


def test_the_sign_off_page_shows_the_button_to_approvers_only(client, ready_supplier, procurement, manager):
    services.submit_for_approval(actor=procurement, supplier=ready_supplier)
    client.force_login(procurement)
    page = client.get(ready_supplier.get_absolute_url()).content.decode()
    assert "Approve the supplier" not in page and 'id="sign-off"' in page
    client.force_login(manager)
    page = client.get(ready_supplier.get_absolute_url()).content.decode()
    assert "Approve the supplier" in page
    response = client.post(f"/suppliers/{ready_supplier.pk}/approve/", {"comment": "OK"})
    assert response.status_code == 302
    assert Supplier.objects.get(pk=ready_supplier.pk).status == Status.APPROVED
