"""Permission refusals: unit scoping of systems, the shared catalogue of components, and required owners."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from aims.inventory import services
from aims.inventory.models import AISystem, Component, ComponentKind, Dependency, DependencyKind, Stage
from aims.inventory.testing import answers


def test_viewer_reads_but_cannot_register_or_change(make_system, role_user, org, owner):
    system = make_system()
    viewer = role_user("viewer", org["root"])
    assert list(AISystem.objects.restrict(viewer, "view")) == [system]
    with pytest.raises(PermissionDenied):
        services.create_system(actor=viewer, name="x", unit=org["north"], owner=owner)
    with pytest.raises(PermissionDenied):
        services.update_system(actor=viewer, system=system, changes={"name": "y"})
    with pytest.raises(PermissionDenied):
        services.classify_system(actor=viewer, system=system, answers=answers())


def test_contributor_is_confined_to_their_units(make_system, contributor, org, owner):
    mine = services.create_system(actor=contributor, name="Mine", unit=org["north_east"], owner=owner)
    south = make_system(name="Theirs", unit=org["south"])
    assert list(AISystem.objects.restrict(contributor, "view")) == [mine]
    with pytest.raises(PermissionDenied):
        services.create_system(actor=contributor, name="x", unit=org["south"], owner=owner)
    with pytest.raises(PermissionDenied):
        services.update_system(actor=contributor, system=south, changes={"name": "y"})
    with pytest.raises(PermissionDenied):
        services.update_system(actor=contributor, system=mine, changes={"unit": org["south"]})
    with pytest.raises(PermissionDenied):
        services.delete_system(actor=contributor, system=mine)  # contributors write but do not delete


def test_people_without_a_role_see_no_system(make_system, role_user):
    make_system()
    assert not AISystem.objects.restrict(role_user(None), "view").exists()


def test_every_system_needs_an_active_owner_distinct_from_the_backup(manager, owner, org, role_user):
    with pytest.raises(ValidationError) as excinfo:
        services.create_system(actor=manager, name="x", unit=org["north"], owner=None)
    assert "owner" in excinfo.value.message_dict
    gone = role_user(None, is_active=False)
    with pytest.raises(ValidationError):
        services.create_system(actor=manager, name="x", unit=org["north"], owner=gone)
    with pytest.raises(ValidationError) as excinfo:
        services.create_system(actor=manager, name="x", unit=org["north"], owner=owner, backup_owner=owner)
    assert "backup_owner" in excinfo.value.message_dict
    system = services.create_system(actor=manager, name="x", unit=org["north"], owner=owner)
    with pytest.raises(ValidationError):
        services.update_system(actor=manager, system=system, changes={"owner": None})


def test_stage_and_classification_are_not_plain_fields(make_system, manager):
    system = make_system()
    with pytest.raises(ValidationError) as excinfo:
        services.update_system(actor=manager, system=system, changes={"stage": Stage.OPERATION, "ai_act_tier": "minimal"})
    assert set(excinfo.value.message_dict) == {"stage", "ai_act_tier"}


def test_links_must_be_http_urls(make_system, manager):
    system = make_system()
    with pytest.raises(ValidationError) as excinfo:
        services.update_system(actor=manager, system=system, changes={"links": [{"label": "x", "url": "javascript:1"}]})
    assert "links" in excinfo.value.message_dict
    system = services.update_system(actor=manager, system=system,
                                    changes={"links": [{"label": "Repo", "url": "https://git.example/cv"}]})
    assert system.reference_code == f"AIS-{system.pk:05d}"


def test_shared_components_are_visible_to_all_readers_but_changed_by_their_steward_unit(contributor, role_user, org,
                                                                                       manager):
    south_model = services.create_component(actor=manager, kind=ComponentKind.MODEL, name="South model",
                                            owner_unit=org["south"])
    org_wide = services.create_dependency(actor=manager, kind=DependencyKind.API, name="Maps API")
    assert list(Component.objects.restrict(contributor, "view")) == [south_model]
    assert list(Dependency.objects.restrict(contributor, "view")) == [org_wide]
    assert not Component.objects.restrict(contributor, "change").exists()
    with pytest.raises(PermissionDenied):
        services.update_component(actor=contributor, component=south_model, changes={"licence": "MIT"})
    with pytest.raises(PermissionDenied):
        services.create_component(actor=contributor, kind=ComponentKind.DATASET, name="x")  # no steward unit
    mine = services.create_component(actor=contributor, kind=ComponentKind.DATASET, name="North data",
                                     owner_unit=org["north"])
    with pytest.raises(PermissionDenied):
        services.update_component(actor=contributor, component=mine, changes={"owner_unit": org["south"]})
    assert not Component.objects.restrict(role_user(None), "view").exists()


def test_supplier_component_names_its_supplier_and_versions_chain(manager, org):
    with pytest.raises(ValidationError) as excinfo:
        services.create_component(actor=manager, kind=ComponentKind.MODEL, name="Vendor LLM", origin="supplier")
    assert "provider" in excinfo.value.message_dict
    v1 = services.create_component(actor=manager, kind=ComponentKind.MODEL, name="Vendor LLM", origin="supplier",
                                   provider="Acme", version_label="1.0", licence="proprietary")
    v2 = services.create_component_version(actor=manager, component=v1, version_label="1.1")
    assert (v2.previous_version, v2.provider, v2.licence) == (v1, "Acme", "proprietary")
    with pytest.raises(ValidationError):
        services.create_component_version(actor=manager, component=v2, version_label="1.1")


def test_linking_needs_rights_on_the_system(make_system, contributor, manager, org):
    south = make_system(name="South", unit=org["south"])
    model = services.create_component(actor=manager, kind=ComponentKind.MODEL, name="Shared")
    with pytest.raises(PermissionDenied):
        services.link_component(actor=contributor, system=south, component=model)
    services.link_component(actor=manager, system=south, component=model)
    with pytest.raises(ValidationError):
        services.link_component(actor=manager, system=south, component=model)
    with pytest.raises(ValidationError) as excinfo:
        services.delete_component(actor=manager, component=model)
    assert "unlink it first" in str(excinfo.value)
