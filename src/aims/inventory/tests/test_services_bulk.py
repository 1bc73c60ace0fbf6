"""The bulk services an import runs: the same refusals and one ledger event per object as the one-by-one services,
in a number of queries that does not grow with the number of rows."""

import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from aims.core import ledger
from aims.core.models import LedgerEvent
from aims.inventory import services
from aims.inventory.exchange import cyclonedx_import
from aims.inventory.models import Component, ComponentKind, Dependency, DependencyKind, ModelCard, SystemComponent

pytestmark = pytest.mark.django_db


def _rows(count: int, kind=ComponentKind.MODEL, start: int = 0) -> list[dict]:
    return [{"kind": kind, "name": f"model-{i:04d}", "version_label": "1.0", "provider": "Acme"}
            for i in range(start, start + count)]


def test_components_are_created_with_one_ledger_event_each(manager, org):
    events = LedgerEvent.objects.count()
    created = services.create_components(actor=manager, rows=_rows(3), owner_unit=org["north"], reason="Imported")
    assert [c.name for c in created] == ["model-0000", "model-0001", "model-0002"] and all(c.pk for c in created)
    assert LedgerEvent.objects.count() == events + 3
    event = ledger.history(created[1]).get()
    assert (event.action, event.actor_id, event.reason) == ("inventory.component.create", manager.pk, "Imported")
    assert json.loads(event.after)["name"] == "model-0001" and json.loads(event.after)["owner_unit_id"] == org["north"].pk
    assert ledger.verify().ok


def test_a_duplicate_in_the_inventory_or_in_the_rows_is_refused_by_row_and_nothing_is_created(manager, org):
    services.create_component(actor=manager, kind=ComponentKind.MODEL, name="model-0001", version_label="1.0",
                              provider="Acme", owner_unit=org["north"])
    rows = _rows(3) + _rows(1, start=2)  # model-0001 exists already; model-0002 twice
    with pytest.raises(services.RowErrors) as error:
        services.create_components(actor=manager, rows=rows, owner_unit=org["north"])
    assert sorted(error.value.rows) == [1, 3]
    assert "already in the inventory" in error.value.rows[1].messages[0]
    assert Component.objects.count() == 1


def test_an_invalid_row_is_named_by_its_index(manager, org):
    rows = _rows(2)
    rows[1]["name"] = "x" * 300
    with pytest.raises(services.RowErrors) as error:
        services.create_components(actor=manager, rows=rows, owner_unit=org["north"])
    assert list(error.value.rows) == [1] and "name" in error.value.rows[1].message_dict
    assert not Component.objects.exists()


def test_an_unknown_field_is_refused(manager, org):
    with pytest.raises(services.RowErrors) as error:
        services.create_dependencies(actor=manager, owner_unit=org["north"],
                                     rows=[{"kind": DependencyKind.LIBRARY, "name": "torch", "provider": "x"}])
    assert "provider" in error.value.rows[0].message_dict


def test_someone_who_may_not_add_to_the_unit_is_refused(role_user, org):
    viewer = role_user("viewer", org["north"])
    with pytest.raises(PermissionDenied):
        services.create_components(actor=viewer, rows=_rows(1), owner_unit=org["north"])
    contributor = role_user("contributor", org["north"])
    with pytest.raises(PermissionDenied):  # not in a unit outside their own
        services.create_components(actor=contributor, rows=_rows(1), owner_unit=org["south"])
    assert not Component.objects.exists()


def test_links_refuse_a_pair_already_linked_and_cards_need_a_model_the_system_uses(manager, org, make_system):
    system = make_system()
    first, second = services.create_components(actor=manager, rows=_rows(2), owner_unit=org["north"])
    services.link_components(actor=manager, system=system, components=[first])
    with pytest.raises(services.RowErrors) as error:
        services.link_components(actor=manager, system=system, components=[second, first])
    assert list(error.value.rows) == [1]
    assert SystemComponent.objects.filter(system=system).count() == 1

    with pytest.raises(services.RowErrors) as error:
        services.create_model_cards(actor=manager, system=system, cards=[(first, {"task": "a"}), (second, {"task": "b"})])
    assert list(error.value.rows) == [1] and not ModelCard.objects.exists()
    cards = services.create_model_cards(actor=manager, system=system, cards=[(first, {"task": "ranking"})])
    assert cards[0].component == first and ledger.history(cards[0]).get().action == "inventory.modelcard.create"
    with pytest.raises(services.RowErrors):  # a model keeps one card: a second goes through save_model_card
        services.create_model_cards(actor=manager, system=system, cards=[(first, {"task": "other"})])


def test_a_retired_system_takes_no_links(manager, org, make_system):
    system = make_system()
    system.is_frozen = True
    system.save(update_fields=["is_frozen"])
    component = services.create_components(actor=manager, rows=_rows(1), owner_unit=org["north"])[0]
    with pytest.raises(ValidationError):
        services.link_components(actor=manager, system=system, components=[component])


def _bom(count: int) -> bytes:
    components = [{"type": "machine-learning-model", "bom-ref": f"m{i}", "name": f"model-{count}-{i}", "version": "1",
                   "modelCard": {"modelParameters": {"task": "classification", "datasets": [{"ref": f"d{i}"}]}}}
                  for i in range(count)]
    components += [{"type": "data", "bom-ref": f"d{i}", "name": f"data-{count}-{i}"} for i in range(count)]
    components += [{"type": "library", "bom-ref": f"l{i}", "name": f"lib-{count}-{i}", "version": "2"} for i in range(count)]
    graph = [{"ref": f"m{i}", "dependsOn": [f"d{i}", f"l{i}"]} for i in range(count)]
    return json.dumps({"bomFormat": "CycloneDX", "specVersion": "1.6", "version": 1, "components": components,
                       "dependencies": graph}).encode()


def test_an_import_costs_the_same_queries_for_5_or_50_models(manager, make_system):
    """No row costs a query of its own: the import of a 20,000-component BOM rests on this."""
    counts = []
    for count in (5, 50):
        system = make_system(name=f"System {count}")
        with CaptureQueriesContext(connection) as queries:
            result = cyclonedx_import.apply_bom(actor=manager, data=_bom(count), filename="b.json", system=system)
        assert result.applied, result.problems
        assert (result.created_components, result.created_dependencies, result.model_cards) == (2 * count, count, count)
        assert result.links == 2 * count + 2 * count - count  # models, datasets, and each model's library
        counts.append(len(queries))
        card = ModelCard.objects.get(system=system, component__name=f"model-{count}-1")
        dataset = Component.objects.get(name=f"data-{count}-1")
        assert card.datasets == [{"name": str(dataset), "component_id": dataset.pk}]
    # Ten times the rows, a handful more queries: only the INSERT batches grow (SQLite binds at most 999 values per
    # statement, so 30-40 rows go in each); on PostgreSQL the counts are equal.
    assert counts[1] - counts[0] <= 7 * 45 // 30, counts
    assert Dependency.objects.count() == 55 and ledger.verify().ok


def test_a_confirmed_refresh_costs_the_same_queries_for_5_or_50_changed_components(manager, make_system):
    """A newer BOM refreshing every component it names: one ledger event per changed object, but no query per row."""
    counts = []
    for count in (5, 50):
        system = make_system(name=f"Refreshed {count}")
        assert cyclonedx_import.apply_bom(actor=manager, data=_bom(count), filename="v1.json", system=system).applied
        newer = json.loads(_bom(count))
        for component in newer["components"]:
            component["description"] = f"Release 2 of {component['name']}"
        events = LedgerEvent.objects.count()
        with CaptureQueriesContext(connection) as queries:
            result = cyclonedx_import.apply_bom(actor=manager, data=json.dumps(newer).encode(), filename="v2.json",
                                               system=system, refresh=True)
        assert result.applied, result.problems
        assert (result.refreshed, result.created_components, result.model_cards) == (3 * count, 0, 0)
        assert LedgerEvent.objects.count() == events + 3 * count  # one event per refreshed object
        counts.append(len(queries))
    model = Component.objects.get(name="model-50-1")
    assert (model.description, model.version) == ("Release 2 of model-50-1", 2)
    assert Dependency.objects.get(name="lib-50-1").notes == "Release 2 of lib-50-1"
    event = ledger.history(model).first()
    assert (event.action, event.reason) == ("inventory.component.update", "Imported from v2.json")
    assert json.loads(event.before) == {"description": ""}
    assert json.loads(event.after) == {"description": "Release 2 of model-50-1"}
    assert counts[1] - counts[0] <= 7 * 45 // 30, counts  # only the statement batches grow, as for creation
    assert ledger.verify().ok
