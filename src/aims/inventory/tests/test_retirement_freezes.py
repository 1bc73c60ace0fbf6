"""Retirement: committee + DPO + management approve; once effective the system is read-only and keeps its history."""

import pytest
from django.core.exceptions import ValidationError

from aims.core import ledger
from aims.inventory import services
from aims.inventory.models import ChangeDecision, Stage
from aims.inventory.queries import system_history
from aims.inventory.testing import answers


@pytest.fixture
def retired(make_system, owner, manager, groups, supplier_model):
    system = make_system(intended_use="Rank applications")
    services.add_decision(actor=manager, system=system, decision="Pilot approved")
    decision = services.request_change(actor=owner, system=system, kind="retirement", description="Replaced by vendor")
    assert [s["key"] for s in decision.required_approvers] == ["governance_committee", "dpo", "management"]
    for person in groups.values():
        decision = services.approve_change(actor=person, decision=decision)
    assert decision.status == ChangeDecision.Status.APPROVED
    services.make_change_effective(actor=owner, decision=decision)
    system.refresh_from_db()
    return system


def test_effective_retirement_freezes_the_system(retired):
    assert retired.stage == Stage.RETIRED and retired.is_frozen and retired.retired_at is not None


@pytest.mark.parametrize("attempt", [
    lambda s, a, c: services.update_system(actor=a, system=s, changes={"name": "Zombie"}),
    lambda s, a, c: services.move_to_stage(actor=a, system=s, stage=Stage.OPERATION, justification="revive"),
    lambda s, a, c: services.link_component(actor=a, system=s, component=c),
    lambda s, a, c: services.save_model_card(actor=a, system=s, changes={"task": "x"}),
    lambda s, a, c: services.add_decision(actor=a, system=s, decision="x"),
    lambda s, a, c: services.create_playbook(actor=a, system=s, title="x", body="x"),
    lambda s, a, c: services.classify_system(actor=a, system=s, answers=answers()),
    lambda s, a, c: services.request_change(actor=a, system=s, kind="retirement", description="again"),
    lambda s, a, c: services.delete_system(actor=a, system=s),
], ids=["update", "move", "link", "model-card", "decision-log", "playbook", "classify", "change", "delete"])
def test_every_change_to_a_retired_system_is_refused(retired, manager, supplier_model, attempt):
    with pytest.raises(ValidationError) as excinfo:
        attempt(retired, manager, supplier_model)
    assert "retired and read-only" in str(excinfo.value)


def test_retirement_keeps_the_history(retired):
    actions = list(system_history(retired).values_list("action", flat=True))
    assert actions[0] == "inventory.aisystem.retire"
    assert {"inventory.aisystem.create", "inventory.decisionlogentry.create", "inventory.changedecision.create",
            "inventory.changeapproval.create", "inventory.changedecision.effective"} <= set(actions)
    assert retired.decision_log.count() == 1
    assert ledger.verify().ok
