"""Every inventory change writes its ledger event, in the same transaction, and the chain stays valid."""

from aims.core import ledger
from aims.core.models import LedgerEvent
from aims.inventory import services
from aims.inventory.models import ComponentKind, DependencyKind, Stage
from aims.inventory.testing import answers


def actions_since(start):
    """The inventory's own events (other modules react to some changes with events of theirs, tested there)."""
    return list(LedgerEvent.objects.filter(id__gt=start, action__startswith="inventory.")
                .values_list("action", flat=True))


def last_id():
    return LedgerEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0


def test_each_service_writes_its_event(make_system, manager, owner, org, role_user):
    reviewer = role_user("risk_manager", org["north"])
    start = last_id()
    system = make_system()
    assert actions_since(start) == ["inventory.aisystem.create"]

    steps = [
        (lambda: services.update_system(actor=manager, system=system, changes={"priority": 5}),
         ["inventory.aisystem.update"]),
        (lambda: services.classify_system(actor=manager, system=system, answers=answers()),
         ["inventory.classification.create", "inventory.aisystem.classify"]),
        (lambda: services.sign_off_classification(actor=reviewer, classification=system.classifications.get()),
         ["inventory.classification.sign_off"]),
        (lambda: services.save_model_card(actor=manager, system=system, changes={"task": "ranking"}),
         ["inventory.modelcard.create"]),
        (lambda: services.add_decision(actor=manager, system=system, decision="Go"),
         ["inventory.decisionlogentry.create"]),
        (lambda: services.create_playbook(actor=manager, system=system, title="Stop", body="Press the button"),
         ["inventory.playbook.create"]),
        (lambda: services.approve_go_live(actor=owner, system=system), ["inventory.ownerapproval.create"]),
        (lambda: services.move_to_stage(actor=manager, system=system, stage=Stage.DESIGN),
         ["inventory.aisystem.move_stage"]),
        (lambda: services.create_dependency(actor=manager, kind=DependencyKind.LIBRARY, name="numpy"),
         ["inventory.dependency.create"]),
        (lambda: services.create_component(actor=manager, kind=ComponentKind.PROMPT_CONFIG, name="System prompt"),
         ["inventory.component.create"]),
        (lambda: services.declare_shadow_ai(actor=role_user(None), tool_name="Notes AI", purpose="Minutes"),
         ["inventory.shadowaideclaration.create"]),
    ]
    for step, expected in steps:
        start = last_id()
        step()
        assert actions_since(start) == expected

    assert ledger.verify().ok


def test_the_diff_names_only_what_changed(make_system, manager):
    system = make_system(priority=2)
    services.update_system(actor=manager, system=system, changes={"priority": 4, "name": system.name},
                           reason="Board asked")
    event = LedgerEvent.objects.filter(action="inventory.aisystem.update").get()
    assert (event.before_data, event.after_data, event.reason) == ({"priority": 2}, {"priority": 4}, "Board asked")


def test_inventory_types_open_in_the_generic_history_and_journal():
    from aims.core import registry

    assert {"inventory.aisystem", "inventory.component", "inventory.dependency", "inventory.classification",
            "inventory.changedecision", "inventory.modelcard", "inventory.shadowaideclaration",
            "inventory.gateoverride"} <= set(registry.registered_types())
