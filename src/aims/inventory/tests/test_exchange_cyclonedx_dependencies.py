"""The dependency register keeps what a CycloneDX BOM says about a library, framework or platform (licences, hashes,
purl, references, the supplier or manufacturer as given, properties) and gives it back on export; what it cannot
hold is a warning."""

import json
from pathlib import Path

from aims.core.models import LedgerEvent
from aims.inventory import services
from aims.inventory.exchange import cyclonedx_export, cyclonedx_import
from aims.inventory.models import Dependency

FIXTURE = Path(__file__).parent / "data" / "cyclonedx_mlbom.json"

TORCH = {
    "type": "library", "bom-ref": "lib-torch", "name": "torch", "version": "2.3.1", "group": "pytorch",
    "manufacturer": {"name": "PyTorch Foundation", "url": ["https://pytorch.org"]},
    "description": "Tensors and neural networks",
    "licenses": [{"license": {"id": "BSD-3-Clause"}}, {"license": {"name": "NVIDIA CUDA EULA",
                                                                   "url": "https://docs.nvidia.com/cuda/eula"}}],
    "hashes": [{"alg": "SHA-256", "content": "c6c1e1d4b6d2f8f1e8d0a5a6f1b1f7c4e3d2b1a0f9e8d7c6b5a4f3e2d1c0b9a8"}],
    "purl": "pkg:pypi/torch@2.3.1",
    "externalReferences": [{"type": "vcs", "url": "https://github.com/pytorch/pytorch"}],
    "tags": ["deep-learning"],
    "properties": [{"name": "pip:index", "value": "https://pypi.org/simple"}],
}


def _bom(**library) -> bytes:
    document = json.loads(FIXTURE.read_text())
    document["components"][3] = {**json.loads(json.dumps(TORCH)), **library}
    return json.dumps(document).encode()


def test_a_library_keeps_what_the_bom_says_and_the_export_gives_it_back(manager, make_system):
    system = make_system()
    result = cyclonedx_import.apply_bom(actor=manager, data=_bom(), filename="bom.json", system=system)
    assert result.applied, result.problems

    torch = Dependency.objects.get(name="torch")
    assert (torch.supplier, torch.notes) == ("PyTorch Foundation", "Tensors and neural networks")
    for key in ("group", "manufacturer", "licenses", "hashes", "purl", "externalReferences", "tags", "properties"):
        assert torch.cyclonedx[key] == TORCH[key], key

    exported = cyclonedx_export.system_bom(system)
    entry = next(c for c in exported["components"] if c["name"] == "torch")
    for key in ("group", "manufacturer", "licenses", "hashes", "purl", "externalReferences", "tags"):
        assert entry[key] == TORCH[key], key
    assert "supplier" not in entry  # the manufacturer as given, not turned into a supplier
    assert TORCH["properties"][0] in entry["properties"]
    assert cyclonedx_export.validate_bom(json.dumps(exported)) == []


def test_a_supplier_changed_by_a_person_wins_over_the_one_the_bom_gave(manager, make_system):
    system = make_system()
    assert cyclonedx_import.apply_bom(actor=manager, data=_bom(), filename="bom.json", system=system).applied
    torch = Dependency.objects.get(name="torch")
    services.update_dependency(actor=manager, dependency=torch, changes={"supplier": "Linux Foundation"})

    entry = next(c for c in cyclonedx_export.system_bom(system)["components"] if c["name"] == "torch")
    assert entry["supplier"] == {"name": "Linux Foundation"} and "manufacturer" not in entry
    assert entry["purl"] == TORCH["purl"]  # the rest is still given back


def test_what_a_component_says_that_the_product_cannot_hold_is_a_warning(manager, make_system):
    system = make_system()
    document = json.loads(_bom())
    document["specVersion"] = "1.7"
    document["components"][3].update(isExternal=True, versionRange="vers:pypi/>=2.3|<3")
    document["components"][3].pop("version")
    document["components"][1]["isExternal"] = False
    document["components"][3]["modelCard"] = {"modelParameters": {"task": "tensors"}}

    plan = cyclonedx_import.plan_bom(actor=manager, data=json.dumps(document).encode(), filename="b.json",
                                     system=system)

    assert plan.ok, plan.problems
    assert "$.components[3]: the product does not keep “versionRange”; it is not imported." in plan.warnings
    assert ("$.components[1] and 1 other component: the product does not keep “isExternal”; it is not imported."
            in plan.warnings)
    assert any(w.startswith("$.components[3] (torch): only models keep a model card") for w in plan.warnings)


def test_the_export_of_a_library_imports_back_to_the_same_details_and_writes_nothing_twice(manager, make_system):
    system = make_system(reference_code="AIS-DEPS")
    assert cyclonedx_import.apply_bom(actor=manager, data=_bom(), filename="bom.json", system=system).applied
    first = cyclonedx_export.system_bom_json(system)

    events = LedgerEvent.objects.count()
    again = cyclonedx_import.apply_bom(actor=manager, data=first.encode(), filename="out.json", system=system)
    assert again.applied and again.created_dependencies == 0 and LedgerEvent.objects.count() == events
    assert json.loads(cyclonedx_export.system_bom_json(system))["components"] == json.loads(first)["components"]

    # Another organisation's inventory (here: the old entry renamed away) gets the library with the same details.
    original = Dependency.objects.get(name="torch")
    services.update_dependency(actor=manager, dependency=original, changes={"name": "torch (old)"})
    result = cyclonedx_import.apply_bom(actor=manager, data=first.encode(), filename="out.json", system=system)
    assert result.applied and result.created_dependencies == 1
    copy = Dependency.objects.get(name="torch")
    assert copy.pk != original.pk and copy.cyclonedx == original.cyclonedx
    assert copy.cyclonedx["licenses"] == TORCH["licenses"]
