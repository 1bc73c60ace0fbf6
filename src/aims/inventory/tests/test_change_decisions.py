"""Change decisions: required approvers come from configuration; all must approve, one rejection rejects."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from aims.core.models import Notification, PeopleGroup, Task
from aims.core.testing import person_with_role
from aims.inventory import services
from aims.inventory.models import ChangeDecision


@pytest.fixture
def staffed_system(make_system, org):
    lead = person_with_role("contributor", org["north"])
    referent = person_with_role("viewer", org["north"])  # a business person: reads the system, approves its changes
    return make_system(technical_lead=lead, business_referent=referent), lead, referent


def test_minor_update_needs_technical_lead_and_business_referent(staffed_system, owner):
    system, lead, referent = staffed_system
    decision = services.request_change(actor=owner, system=system, kind="minor_update", description="Retrain on Q3 data")
    assert [s["key"] for s in decision.required_approvers] == ["technical_lead", "business_referent"]
    assert Task.objects.filter(source=f"approval.inventory.change_decision.{decision.pk}").count() == 2

    services.approve_change(actor=lead, decision=decision, comment="Metrics stable")
    decision.refresh_from_db()
    assert decision.status == ChangeDecision.Status.PENDING

    # The business referent holds no inventory role: being a required approver is the permission.
    decision = services.approve_change(actor=referent, decision=decision)
    assert decision.status == ChangeDecision.Status.APPROVED
    assert [(a.slot, a.approver) for a in decision.approvals.all()] == [("technical_lead", lead),
                                                                        ("business_referent", referent)]
    assert not Task.objects.filter(source=f"approval.inventory.change_decision.{decision.pk}", done_at__isnull=True).exists()
    assert Notification.objects.filter(recipient=owner, title__startswith="Approved").exists()

    decision = services.make_change_effective(actor=owner, decision=decision)
    assert decision.status == ChangeDecision.Status.EFFECTIVE and decision.effective_at is not None


def test_one_rejection_rejects_and_needs_a_reason(staffed_system, owner):
    system, lead, referent = staffed_system
    decision = services.request_change(actor=owner, system=system, kind="minor_update", description="Swap tokenizer")
    services.approve_change(actor=lead, decision=decision)
    with pytest.raises(ValidationError):
        services.reject_change(actor=referent, decision=decision, comment="  ")
    decision = services.reject_change(actor=referent, decision=decision, comment="Not before the audit")
    assert decision.status == ChangeDecision.Status.REJECTED
    with pytest.raises(ValidationError):
        services.make_change_effective(actor=owner, decision=decision)


def test_not_effective_before_every_approval(staffed_system, owner):
    system, lead, _referent = staffed_system
    decision = services.request_change(actor=owner, system=system, kind="minor_update", description="Threshold tweak")
    services.approve_change(actor=lead, decision=decision)
    with pytest.raises(ValidationError):
        services.make_change_effective(actor=owner, decision=decision)


def test_only_expected_approvers_decide_and_only_once(staffed_system, owner, manager):
    system, lead, _referent = staffed_system
    decision = services.request_change(actor=owner, system=system, kind="minor_update", description="New prompt")
    with pytest.raises(PermissionDenied):
        services.approve_change(actor=manager, decision=decision)  # even an AIMS manager is not a required approver
    services.approve_change(actor=lead, decision=decision)
    with pytest.raises(PermissionDenied):
        services.approve_change(actor=lead, decision=decision)


def test_request_refused_when_an_approver_is_missing_or_doubled(make_system, owner, org):
    system = make_system()
    with pytest.raises(ValidationError) as excinfo:
        services.request_change(actor=owner, system=system, kind="minor_update", description="x")
    assert "technical lead" in str(excinfo.value)
    same = person_with_role("viewer", org["north"])
    services.update_system(actor=owner, system=system, changes={"technical_lead": same, "business_referent": same})
    with pytest.raises(ValidationError) as excinfo:
        services.request_change(actor=owner, system=system, kind="minor_update", description="x")
    assert "distinct approvers" in str(excinfo.value)
    with pytest.raises(ValidationError):
        services.request_change(actor=owner, system=system, kind="major_update", description="x")  # no committee yet
    with pytest.raises(ValidationError):
        services.request_change(actor=owner, system=system, kind="teleport", description="x")


def test_major_update_is_decided_by_any_committee_member(make_system, owner, groups):
    system = make_system()
    second = person_with_role(None)
    PeopleGroup.objects.get(name="AI governance committee").members.add(second)
    decision = services.request_change(actor=owner, system=system, kind="major_update", description="New model family")
    assert Task.objects.filter(source=f"approval.inventory.change_decision.{decision.pk}").count() == 2
    decision = services.approve_change(actor=second, decision=decision, comment="Committee of 3 May")
    assert decision.status == ChangeDecision.Status.APPROVED


def test_viewer_cannot_request_a_change(make_system, role_user, org, groups):
    system = make_system()
    viewer = role_user("viewer", org["root"])
    with pytest.raises(PermissionDenied):
        services.request_change(actor=viewer, system=system, kind="major_update", description="x")


def test_approvers_are_configuration_data(make_system, owner, groups, settings, tmp_path):
    settings.DATA_DIR = tmp_path
    (tmp_path / "catalogs").mkdir()
    (tmp_path / "catalogs" / "change_decisions.yaml").write_text(
        'version: "local"\nkinds:\n  major_update:\n    approvers:\n'
        '      - {key: dpo, group: "Data protection officer"}\n', encoding="utf-8")
    system = make_system()
    decision = services.request_change(actor=owner, system=system, kind="major_update", description="x")
    assert decision.config_version == "local"
    assert [s["key"] for s in decision.required_approvers] == ["dpo"]
