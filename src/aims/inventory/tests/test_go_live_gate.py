"""The go-live gate: a system enters deployment only when its checks pass, or with an AIMS manager's override."""

import pytest
from django.core.exceptions import PermissionDenied

from aims.core.models import LedgerEvent
from aims.inventory import gates, services
from aims.inventory.models import GateOverride, Stage
from aims.inventory.queries import system_history
from aims.inventory.services import GateRefused

BUILTIN = {"inventory.owner_approval", "inventory.documentation", "inventory.supplier_evidence",
           "inventory.escalation_path"}


def failing_keys(excinfo):
    return {r.key for r in excinfo.value.failures}


def test_bare_system_is_refused_with_every_reason_and_a_fix_link(make_system, manager):
    system = make_system()
    services.move_to_stage(actor=manager, system=system, stage=Stage.VALIDATION)
    with pytest.raises(GateRefused) as excinfo:
        services.move_to_stage(actor=manager, system=system, stage=Stage.DEPLOYMENT)
    assert failing_keys(excinfo) == BUILTIN - {"inventory.supplier_evidence"}
    assert all(r.fix_url.startswith(f"/inventory/systems/{system.pk}/") for r in excinfo.value.failures)
    system.refresh_from_db()
    assert system.stage == Stage.VALIDATION


def test_fixing_each_reason_opens_the_gate(ready_system, manager, owner, supplier_model):
    services.link_component(actor=manager, system=ready_system, component=supplier_model, role="ranking model")
    with pytest.raises(GateRefused) as excinfo:
        services.move_to_stage(actor=manager, system=ready_system, stage=Stage.DEPLOYMENT)
    assert failing_keys(excinfo) == {"inventory.owner_approval", "inventory.supplier_evidence"}

    services.update_component(actor=manager, component=supplier_model,
                              changes={"evidence_links": [{"label": "SOC 2 report", "url": "https://acme.example/soc2"}]})
    services.approve_go_live(actor=owner, system=ready_system, comment="Tested with HR")
    system = services.move_to_stage(actor=manager, system=ready_system, stage=Stage.DEPLOYMENT)

    assert system.stage == Stage.DEPLOYMENT
    event = LedgerEvent.objects.filter(action="inventory.aisystem.move_stage", object_id=str(system.pk)).last()
    assert event.after_data == {"stage": "deployment"}


def test_documentation_check_needs_intended_use_and_limitations(make_system, manager, owner):
    system = make_system(incident_contact=owner)
    services.approve_go_live(actor=owner, system=system)
    services.save_model_card(actor=manager, system=system, changes={"task": "ranking"})
    results = {r.key: r for r in services.gate_status(system, Stage.DEPLOYMENT)}
    assert not results["inventory.documentation"].passed
    assert "intended use" in results["inventory.documentation"].message
    assert "limitations" in results["inventory.documentation"].message


def test_only_the_current_owner_approves_and_only_their_approval_counts(ready_system, manager, owner, org, role_user):
    with pytest.raises(PermissionDenied):
        services.approve_go_live(actor=manager, system=ready_system)
    services.approve_go_live(actor=owner, system=ready_system)
    new_owner = role_user("system_owner", org["north"])
    services.update_system(actor=manager, system=ready_system, changes={"owner": new_owner})
    results = {r.key: r for r in services.gate_status(ready_system, Stage.DEPLOYMENT)}
    assert not results["inventory.owner_approval"].passed


def test_skipping_stages_does_not_skip_the_go_live_gate(make_system, manager):
    system = make_system()
    with pytest.raises(GateRefused) as excinfo:
        services.move_to_stage(actor=manager, system=system, stage=Stage.OPERATION)
    assert "inventory.owner_approval" in failing_keys(excinfo)


def test_revised_system_goes_through_the_go_live_gate_again(ready_system, manager, owner, org, role_user):
    services.approve_go_live(actor=owner, system=ready_system)
    for stage in (Stage.DEPLOYMENT, Stage.OPERATION, Stage.REVISION):
        services.move_to_stage(actor=manager, system=ready_system, stage=stage)
    services.update_system(actor=manager, system=ready_system, changes={"incident_contact": None})
    with pytest.raises(GateRefused) as excinfo:
        services.move_to_stage(actor=manager, system=ready_system, stage=Stage.OPERATION)
    assert failing_keys(excinfo) == {"inventory.escalation_path"}


def test_other_modules_add_checks_through_the_registry(ready_system, manager, owner):
    services.approve_go_live(actor=owner, system=ready_system)
    gates.register_gate_check(Stage.DEPLOYMENT, "risks.accepted", "Risks accepted",
                              lambda system: (False, "2 risks not accepted", "/risks/?system=1"))
    try:
        with pytest.raises(GateRefused) as excinfo:
            services.move_to_stage(actor=manager, system=ready_system, stage=Stage.DEPLOYMENT)
        assert [(r.key, r.message, r.fix_url) for r in excinfo.value.failures] == [
            ("risks.accepted", "2 risks not accepted", "/risks/?system=1")]
    finally:
        gates.unregister_gate_check(Stage.DEPLOYMENT, "risks.accepted")


def test_a_crashing_check_blocks_instead_of_crashing_the_move(ready_system, manager, owner):
    services.approve_go_live(actor=owner, system=ready_system)

    def broken(system):
        raise RuntimeError("boom")

    gates.register_gate_check(Stage.DEPLOYMENT, "training.operators", "Operators trained", broken)
    try:
        with pytest.raises(GateRefused) as excinfo:
            services.move_to_stage(actor=manager, system=ready_system, stage=Stage.DEPLOYMENT)
        assert failing_keys(excinfo) == {"training.operators"}
    finally:
        gates.unregister_gate_check(Stage.DEPLOYMENT, "training.operators")


def test_contributor_cannot_override_a_failed_gate(make_system, contributor):
    system = make_system()
    with pytest.raises(PermissionDenied):
        services.move_to_stage(actor=contributor, system=system, stage=Stage.DEPLOYMENT,
                               justification="We are in a hurry")
    assert not GateOverride.objects.exists()


def test_manager_override_needs_a_justification_and_is_recorded_on_the_system(make_system, manager):
    system = make_system()
    with pytest.raises(GateRefused):
        services.move_to_stage(actor=manager, system=system, stage=Stage.DEPLOYMENT, justification="   ")

    system = services.move_to_stage(actor=manager, system=system, stage=Stage.DEPLOYMENT,
                                    justification="Regulator-mandated pilot; documentation due next week")
    assert system.stage == Stage.DEPLOYMENT
    override = system.gate_overrides.get()
    assert override.overridden_by == manager
    assert {c["key"] for c in override.failed_checks} == BUILTIN - {"inventory.supplier_evidence"}
    actions = set(system_history(system).values_list("action", flat=True))
    assert {"inventory.gateoverride.create", "inventory.aisystem.move_stage"} <= actions
    move = LedgerEvent.objects.get(action="inventory.aisystem.move_stage", object_id=str(system.pk))
    assert "Regulator-mandated pilot" in move.reason


def test_retirement_is_not_a_stage_move(make_system, manager):
    system = make_system()
    with pytest.raises(Exception) as excinfo:
        services.move_to_stage(actor=manager, system=system, stage=Stage.RETIRED)
    assert "retirement change decision" in str(excinfo.value)
