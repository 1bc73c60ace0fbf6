"""A supplier's CycloneDX BOM links its components to the supplier: imported through the inventory's import, a Supply
recorded for each component (not for the libraries), all or nothing, and the systems using them then depend on the
supplier (criticality, go-live gate, dependency view)."""

import json
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied

import aims.inventory.tests as inventory_tests
from aims.core.testing import person_with_role
from aims.inventory import services as inventory
from aims.inventory.models import Component, Dependency
from aims.suppliers.gates import suppliers_of_system
from aims.suppliers.models import Supplier, Supply
from aims.suppliers.services_bom import import_supplier_bom, plan_supplier_bom

pytestmark = pytest.mark.django_db

BOM = (Path(inventory_tests.__file__).parent / "data" / "cyclonedx_mlbom.json").read_bytes()


def standalone_bom() -> bytes:
    """The vendor's own BOM: its metadata describes its product, not one of our systems."""
    document = json.loads(BOM)
    document["metadata"]["component"] = {"type": "application", "name": "Vendor ranking suite"}
    return json.dumps(document).encode()


def test_each_component_of_the_bom_is_recorded_as_supplied(make_supplier, procurement):
    supplier = make_supplier()
    plan = plan_supplier_bom(actor=procurement, supplier=supplier, data=standalone_bom(), filename="vendor.json")
    assert plan.ok and not Component.objects.exists()  # the dry run changes nothing

    result = import_supplier_bom(actor=procurement, supplier=supplier, data=standalone_bom(), filename="vendor.json")
    assert result.applied, result.problems
    supplied = set(Supply.objects.filter(supplier=supplier).values_list("component__name", flat=True))
    assert supplied == {"RankNet CV", "Historical CVs", "Hiring outcomes"}
    assert not Supply.objects.filter(dependency__isnull=False).exists()  # torch is a library, not theirs
    assert Dependency.objects.filter(name="torch").exists()
    assert set(Component.objects.values_list("owner_unit", flat=True)) == {supplier.unit_id}

    again = import_supplier_bom(actor=procurement, supplier=supplier, data=standalone_bom(), filename="vendor.json")
    assert again.applied and again.supplies == [] and again.already_linked == 3
    assert Supply.objects.filter(supplier=supplier).count() == 3


def test_a_system_using_the_components_then_depends_on_the_supplier(make_supplier, procurement, manager, org):
    supplier = make_supplier()
    system = inventory.create_system(actor=manager, name="CV screening", unit=org["north"], owner=procurement,
                                     criticality="high")
    result = import_supplier_bom(actor=procurement, supplier=supplier, data=standalone_bom(), filename="vendor.json",
                                 system=system)
    assert result.applied, result.problems
    assert list(suppliers_of_system(system)) == [supplier]
    assert Supplier.objects.get(pk=supplier.pk).criticality == "high"


def test_all_or_nothing_and_only_for_those_who_may_change_the_supplier(make_supplier, procurement, org,
                                                                        monkeypatch):
    from django.core.exceptions import ValidationError

    from aims.inventory.exchange.files import ImportFileError
    from aims.suppliers import services

    supplier = make_supplier()
    broken = json.loads(standalone_bom())
    broken["components"][0]["type"] = "not-a-type"
    with pytest.raises(ImportFileError):
        import_supplier_bom(actor=procurement, supplier=supplier, data=json.dumps(broken).encode(),
                            filename="vendor.json")
    assert not Component.objects.exists() and not Supply.objects.exists()

    # A supply refused after the components were created: nothing of the import is kept.
    real, calls = services.link_supply, []

    def refuse_the_second(**kwargs):
        calls.append(kwargs)
        if len(calls) == 2:
            raise ValidationError("refused")
        return real(**kwargs)

    monkeypatch.setattr(services, "link_supply", refuse_the_second)
    with pytest.raises(ValidationError):
        import_supplier_bom(actor=procurement, supplier=supplier, data=standalone_bom(), filename="vendor.json")
    assert not Component.objects.exists() and not Supply.objects.exists()
    monkeypatch.undo()

    outsider = person_with_role("system_owner", org["south"])
    with pytest.raises(PermissionDenied):
        import_supplier_bom(actor=outsider, supplier=supplier, data=standalone_bom(), filename="vendor.json")
    assert not Component.objects.exists()


def test_the_page_checks_then_imports_on_confirmation(client, make_supplier, procurement):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    supplier = make_supplier()
    url = reverse("suppliers:supplier_bom", args=[supplier.pk])
    client.force_login(procurement)
    assert url in client.get(supplier.get_absolute_url()).content.decode()
    assert client.get(url).status_code == 200
    check = client.post(url, {"step": "preview", "file": SimpleUploadedFile("vendor.json", standalone_bom())})
    page = check.content.decode()
    assert check.status_code == 200 and 'data-supplied="3"' in page and "Components to create: 3" in page
    assert not Component.objects.exists()  # checked, nothing imported
    done = client.post(url, {"step": "apply", "token": check.context["token"]})
    assert done.status_code == 302 and done["Location"] == supplier.get_absolute_url() + "#supplies"
    assert Supply.objects.filter(supplier=supplier).count() == 3
    # The same confirmation again imports nothing more: the file was forgotten.
    again = client.post(url, {"step": "apply", "token": check.context["token"]})
    assert again.status_code == 302 and Supply.objects.filter(supplier=supplier).count() == 3

    broken = client.post(url, {"step": "preview", "file": SimpleUploadedFile("bad.json", b"{not json")})
    assert broken.status_code == 400 and not broken.context.get("plan")
