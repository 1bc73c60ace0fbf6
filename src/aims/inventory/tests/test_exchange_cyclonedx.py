"""CycloneDX ML-BOM import (1.5-1.7) into components and the model card, export back to a valid 1.6 document, and
broken files that import nothing and say why."""

import json
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError

from aims.core.models import LedgerEvent
from aims.inventory import services
from aims.inventory.exchange import cyclonedx_export, cyclonedx_import
from aims.inventory.exchange.files import ImportFileError
from aims.inventory.models import Component, ComponentKind, Dependency, ModelCard, SystemComponent

FIXTURE = Path(__file__).parent / "data" / "cyclonedx_mlbom.json"


@pytest.fixture
def bom_bytes():
    return FIXTURE.read_bytes()


def _with(version=None, **changes) -> bytes:
    document = json.loads(FIXTURE.read_text())
    if version:
        document["specVersion"] = version
    document.update(changes)
    return json.dumps(document).encode()


def test_ml_bom_imports_model_datasets_links_and_model_card(manager, make_system, bom_bytes):
    system = make_system()
    events_before = LedgerEvent.objects.count()

    result = cyclonedx_import.apply_bom(actor=manager, data=bom_bytes, filename="bom.json", system=system)

    assert result.applied, result.problems
    model = Component.objects.get(kind=ComponentKind.MODEL, name="RankNet CV")
    assert (model.version_label, model.provider, model.origin) == ("3.2", "Acme AI", "supplier")
    assert model.licence == "Acme commercial licence"
    assert model.hash_or_url.startswith("SHA-256:9f86d0")
    assert (model.task, model.architecture) == ("ranking", "BERT-base fine-tuned")
    datasets = Component.objects.filter(kind=ComponentKind.DATASET).order_by("name")
    assert [d.name for d in datasets] == ["Hiring outcomes", "Historical CVs"]
    assert datasets[1].contains_personal_data and not datasets[0].contains_personal_data
    torch = Dependency.objects.get(name="torch")
    assert torch.component_links.get().component == model  # the model rests on the library (graph edge)
    assert set(SystemComponent.objects.filter(system=system).values_list("component__name", flat=True)) == {
        "RankNet CV", "Historical CVs", "Hiring outcomes"}

    card = ModelCard.objects.get(system=system)
    assert (card.approach, card.task, card.architecture_family) == ("supervised", "ranking", "transformer")
    assert {d["component_id"] for d in card.datasets} == {d.pk for d in datasets}
    assert card.inputs == [{"format": "text/plain"}] and card.outputs == [{"format": "application/json"}]
    assert card.performance_metrics == [{"type": "NDCG@10", "value": "0.81", "slice": "all applicants",
                                         "lower_bound": "0.79", "upper_bound": "0.83"}]
    assert card.technical_limitations == "English CVs only\nNo scanned documents"
    assert card.ethical_considerations == [{"name": "Gender bias", "mitigation_strategy": "Quarterly disparity audit"}]
    assert card.fairness_assessments[0]["group_at_risk"] == "Older applicants"
    # Ledgered through the services: 4 creations, 4 links (3 components + the model's library), 1 model card.
    assert LedgerEvent.objects.count() - events_before == 9


@pytest.mark.parametrize("version", ["1.5", "1.7"])
def test_other_supported_versions_import_too(manager, make_system, version):
    system = make_system()
    result = cyclonedx_import.apply_bom(actor=manager, data=_with(version), filename="bom.json", system=system)
    assert result.applied, result.problems
    assert ModelCard.objects.filter(system=system, task="ranking").exists()


def test_import_then_export_validates_against_the_official_1_6_schema(manager, make_system, bom_bytes):
    system = make_system()
    cyclonedx_import.apply_bom(actor=manager, data=bom_bytes, filename="bom.json", system=system)

    text = cyclonedx_export.system_bom_json(system)

    assert cyclonedx_export.validate_bom(text) == []
    document = json.loads(text)
    assert document["specVersion"] == "1.6"
    assert document["metadata"]["component"]["name"] == system.name
    types = sorted(c["type"] for c in document["components"])
    assert types == ["data", "data", "library", "machine-learning-model"]
    model = next(c for c in document["components"] if c["type"] == "machine-learning-model")
    card = model["modelCard"]
    assert card["modelParameters"]["task"] == "ranking"
    assert len(card["modelParameters"]["datasets"]) == 2 and all("ref" in d for d in card["modelParameters"]["datasets"])
    assert card["considerations"]["technicalLimitations"] == ["English CVs only", "No scanned documents"]
    system_node = next(d for d in document["dependencies"] if d["ref"] == document["metadata"]["component"]["bom-ref"])
    assert model["bom-ref"] in system_node["dependsOn"]


def test_export_reimports_without_duplicates(manager, make_system, bom_bytes):
    system = make_system()
    cyclonedx_import.apply_bom(actor=manager, data=bom_bytes, filename="bom.json", system=system)
    exported = cyclonedx_export.system_bom_json(system).encode()
    count = Component.objects.count()

    plan = cyclonedx_import.plan_bom(actor=manager, data=exported, filename="export.json")

    assert plan.system == system  # found from the reference carried in the metadata component
    assert plan.summary()["components_to_create"] == 0 and plan.summary()["dependencies_to_create"] == 0
    result = cyclonedx_import.apply_bom(actor=manager, data=exported, filename="export.json")
    assert result.applied and Component.objects.count() == count


def test_system_without_model_component_exports_its_card_on_the_system(manager, make_system):
    from aims.inventory import services

    system = make_system()
    services.save_model_card(actor=manager, system=system, changes={"task": "summarisation",
                                                                     "technical_limitations": "French only"})
    text = cyclonedx_export.system_bom_json(system)
    assert cyclonedx_export.validate_bom(text) == []
    metadata = json.loads(text)["metadata"]["component"]
    assert metadata["type"] == "machine-learning-model" and metadata["modelCard"]["modelParameters"]["task"] == "summarisation"


def _import_refused(manager, system, data) -> ImportFileError:
    before = (Component.objects.count(), LedgerEvent.objects.count())
    with pytest.raises(ImportFileError) as caught:
        cyclonedx_import.apply_bom(actor=manager, data=data, filename="broken.json", system=system)
    assert (Component.objects.count(), LedgerEvent.objects.count()) == before
    assert not ModelCard.objects.filter(system=system).exists()
    return caught.value


def test_truncated_json_says_line_and_column(manager, make_system, bom_bytes):
    system = make_system()
    error = _import_refused(manager, system, bom_bytes[:700])
    problem = error.problems[0]
    assert problem.line is not None and problem.col is not None
    assert f"line {problem.line}, column {problem.col}" in str(error)
    assert "malformed" in problem.message


def test_wrong_type_names_the_failing_json_path(manager, make_system):
    document = json.loads(FIXTURE.read_text())
    document["components"][0]["modelCard"]["considerations"]["technicalLimitations"] = "English only"
    error = _import_refused(manager, make_system(), json.dumps(document, indent=2).encode())
    assert error.problems[0].path == "$.components[0].modelCard.considerations.technicalLimitations"
    assert "Expected a list here, not a text." in error.problems[0].message


def test_unsupported_spec_version_is_refused(manager, make_system):
    error = _import_refused(manager, make_system(), _with("1.4"))
    assert error.problems[0].path == "$.specVersion"
    assert "1.4 is not supported" in str(error)


def test_not_a_cyclonedx_document_is_refused(manager, make_system):
    error = _import_refused(manager, make_system(), b'{"hello": "world"}')
    assert error.problems[0].path == "$.bomFormat"


def test_a_service_refusal_rolls_everything_back(manager, make_system, bom_bytes, monkeypatch):
    """All or nothing: a refusal on the last step (the model card) undoes the components created before it."""
    from django.core.exceptions import ValidationError

    from aims.inventory import services

    system = make_system()
    services.save_model_card(actor=manager, system=system, changes={"task": "old"})
    card_version = ModelCard.objects.get(system=system).version

    def refusing(**kwargs):
        raise services.RowErrors({0: ValidationError({"task": "refused for the test"})})

    monkeypatch.setattr(services, "create_model_cards", refusing)
    result = cyclonedx_import.apply_bom(actor=manager, data=bom_bytes, filename="b.json", system=system)

    assert not result.applied and "refused for the test" in str(result.problems[0])
    assert result.problems[0].path == "$.components[0].modelCard"  # the refused row, where the document has it
    assert not Component.objects.exists() and not Dependency.objects.exists()
    assert not SystemComponent.objects.filter(system=system).exists()
    assert ModelCard.objects.get(system=system).version == card_version


def test_viewer_cannot_import_into_a_system(role_user, org, make_system, bom_bytes):
    from django.core.exceptions import PermissionDenied

    viewer = role_user("viewer", org["north"])
    system = make_system()
    with pytest.raises(PermissionDenied):
        cyclonedx_import.plan_bom(actor=viewer, data=bom_bytes, filename="bom.json", system=system)
    assert not Component.objects.exists()


def test_a_second_bom_that_states_fewer_fields_never_blanks_the_card(manager, make_system, bom_bytes):
    system = make_system()
    assert cyclonedx_import.apply_bom(actor=manager, data=bom_bytes, filename="first.json", system=system).applied
    before = ModelCard.objects.get(system=system)
    document = json.loads(bom_bytes)
    document["components"][0]["modelCard"] = {"modelParameters": {"task": "scoring"}}  # states the task only
    second = json.dumps(document).encode()

    plan = cyclonedx_import.plan_bom(actor=manager, data=second, filename="second.json", system=system)
    [card] = plan.cards
    assert [(row["field"], row["before"], row["after"]) for row in card.diff] == [("task", "ranking", "scoring")]
    assert cyclonedx_import.apply_bom(actor=manager, data=second, filename="second.json", system=system).applied
    after = ModelCard.objects.get(system=system)
    assert after.task == "scoring"
    for name in ("performance_metrics", "users", "use_cases", "technical_limitations", "ethical_considerations",
                 "fairness_assessments", "datasets", "approach"):
        assert getattr(after, name) == getattr(before, name), name


def test_reimporting_an_identical_card_is_unchanged_and_writes_nothing(manager, make_system, bom_bytes):
    system = make_system()
    assert cyclonedx_import.apply_bom(actor=manager, data=bom_bytes, filename="bom.json", system=system).applied
    events = LedgerEvent.objects.count()
    plan = cyclonedx_import.plan_bom(actor=manager, data=bom_bytes, filename="bom.json", system=system)
    assert [card.diff for card in plan.cards] == [[]] and plan.summary()["components_to_create"] == 0
    result = cyclonedx_import.apply_bom(actor=manager, data=bom_bytes, filename="bom.json", system=system)
    assert result.applied and not result.model_card
    assert LedgerEvent.objects.count() == events


RICH = {
    "licenses": [{"license": {"id": "Apache-2.0", "url": "https://www.apache.org/licenses/LICENSE-2.0"}},
                 {"license": {"name": "Acme model addendum"}}],
    "hashes": [{"alg": "SHA-256", "content": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"},
               {"alg": "SHA-512", "content": "ee26b0dd4af7e749aa1a8ee3c10ae9923f618980772e473f8819a5d4940e0db2"
                                             "7ac185f8a0e1d5f84f88bc887fd67b143732c304cc5fa9ad8e6f57f50028a8ff"}],
    "externalReferences": [{"type": "model-card", "url": "https://models.example.org/ranknet/card"},
                           {"type": "vcs", "url": "https://git.example.org/ranknet"}],
    "tags": ["ranking", "nlp"],
    "manufacturer": {"name": "Acme Research"}, "publisher": "Acme AI Publishing",
    "properties": [{"name": "acme:training-run", "value": "2026-11-03"}],
}


def _rich_bom(bom_bytes) -> bytes:
    document = json.loads(bom_bytes)
    model = document["components"][0]
    for key in ("licenses", "hashes", "externalReferences"):
        model.pop(key, None)
    model.update(json.loads(json.dumps(RICH)))
    model["modelCard"]["bom-ref"] = "card-ranknet"
    model["modelCard"].setdefault("considerations", {})["environmentalConsiderations"] = {
        "energyConsumptions": [{"activity": "training", "energyProviders": [], "activityEnergyCost": {
            "value": 1200, "unit": "kWh"}}]}
    document["components"][1]["data"] = [{"type": "dataset", "name": "Historical CVs", "description": "2019-2025",
                                          "classification": "confidential", "contents": {"url": "https://d.example/cv"}}]
    document["services"] = [{"name": "scoring-api"}]
    return json.dumps(document).encode()


def test_everything_the_bom_says_is_kept_and_given_back(manager, make_system, bom_bytes):
    system = make_system()
    data = _rich_bom(bom_bytes)
    plan = cyclonedx_import.plan_bom(actor=manager, data=data, filename="rich.json", system=system)
    assert any("$.services" in w for w in plan.warnings)  # what the product cannot hold is a warning
    assert cyclonedx_import.apply_bom(actor=manager, data=data, filename="rich.json", system=system).applied
    model = Component.objects.get(name="RankNet CV")
    assert model.licence == "Apache-2.0, Acme model addendum"  # every licence, not the first only
    assert model.cyclonedx["licenses"] == RICH["licenses"]  # SPDX id kept as id, URL kept
    exported = cyclonedx_export.system_bom(system)
    entry = next(c for c in exported["components"] if c["name"] == "RankNet CV")
    for key in ("licenses", "hashes", "externalReferences", "tags", "manufacturer", "publisher"):
        assert entry[key] == RICH[key], key
    assert {"name": "acme:training-run", "value": "2026-11-03"} in entry["properties"]
    assert entry["modelCard"]["bom-ref"] == "card-ranknet"
    assert entry["modelCard"]["considerations"]["environmentalConsiderations"]["energyConsumptions"][0][
        "activityEnergyCost"] == {"value": 1200, "unit": "kWh"}
    dataset = next(c for c in exported["components"] if c["name"] == "Historical CVs")
    assert dataset["data"][0]["classification"] == "confidential" and dataset["data"][0]["description"] == "2019-2025"
    assert cyclonedx_export.validate_bom(json.dumps(exported)) == []


def _stable(text: str) -> dict:
    document = json.loads(text)
    document.pop("serialNumber")
    document["metadata"].pop("timestamp")
    return document


def test_export_import_export_is_stable_and_writes_nothing(manager, make_system, bom_bytes):
    system = make_system(reference_code="AIS-RT")
    assert cyclonedx_import.apply_bom(actor=manager, data=_rich_bom(bom_bytes), filename="in.json",
                                      system=system).applied
    first = cyclonedx_export.system_bom_json(system)
    events = LedgerEvent.objects.count()
    plan = cyclonedx_import.plan_bom(actor=manager, data=first.encode(), filename="out.json", system=None)
    assert plan.system == system  # found by the reference code the export carries
    assert plan.summary()["components_to_create"] == 0 and all(not card.diff for card in plan.cards)
    result = cyclonedx_import.apply_bom(actor=manager, data=first.encode(), filename="out.json")
    assert result.applied and LedgerEvent.objects.count() == events  # nothing changed, nothing ledgered
    second = cyclonedx_export.system_bom_json(system)
    assert _stable(second) == _stable(first)
    assert _masked(second) == _masked(first)  # byte for byte, the two volatile values aside
    assert _masked(first).count("<masked>") == 2


def _masked(text: str) -> str:
    """The exported text with only its serial number and timestamp values blanked, everything else byte for byte."""
    document = json.loads(text)
    for value in (document["serialNumber"], document["metadata"]["timestamp"]):
        assert text.count(json.dumps(value)) == 1
        text = text.replace(json.dumps(value), '"<masked>"')
    return text


def _two_models_bom(bom_bytes) -> bytes:
    document = json.loads(bom_bytes)
    second = json.loads(json.dumps(document["components"][0]))
    second.update({"bom-ref": "model-summariser", "name": "Summariser", "version": "1.0"})
    second["modelCard"] = {"modelParameters": {"task": "summarisation", "datasets": [{"ref": "data-outcomes"}]},
                           "considerations": {"technicalLimitations": ["French only"]}}
    document["components"].append(second)
    document["dependencies"][0]["dependsOn"].append("model-summariser")
    return json.dumps(document).encode()


def test_two_models_keep_two_cards_in_one_system_and_export_each_on_its_model(manager, make_system, bom_bytes):
    system = make_system()
    data = _two_models_bom(bom_bytes)
    result = cyclonedx_import.apply_bom(actor=manager, data=data, filename="two.json", system=system)
    assert result.applied and result.model_cards == 2
    ranknet, summariser = Component.objects.get(name="RankNet CV"), Component.objects.get(name="Summariser")
    assert ModelCard.objects.get(system=system, component=ranknet).task == "ranking"
    assert ModelCard.objects.get(system=system, component=summariser).technical_limitations == "French only"
    assert not ModelCard.objects.filter(system=system, component=None).exists()

    exported = cyclonedx_export.system_bom(system)
    cards = {c["name"]: c.get("modelCard") for c in exported["components"] if c["type"] == "machine-learning-model"}
    assert cards["RankNet CV"]["modelParameters"]["task"] == "ranking"
    assert cards["Summariser"]["modelParameters"]["task"] == "summarisation"
    assert "modelCard" not in exported["metadata"]["component"]
    refs = {c["name"]: c["bom-ref"] for c in exported["components"]}
    graph = {node["ref"]: set(node.get("dependsOn", [])) for node in exported["dependencies"]}
    assert graph[refs["Summariser"]] == {refs["Hiring outcomes"]}  # only the datasets of its own card
    assert refs["Historical CVs"] in graph[refs["RankNet CV"]]
    assert cyclonedx_export.validate_bom(json.dumps(exported)) == []
    events = LedgerEvent.objects.count()
    again = cyclonedx_import.apply_bom(actor=manager, data=json.dumps(exported).encode(), filename="again.json")
    assert again.applied and again.model_cards == 0 and LedgerEvent.objects.count() == events


def test_a_card_is_written_per_model_on_the_page_and_by_the_service(client, manager, make_system, supplier_model):
    system = make_system()
    services.link_component(actor=manager, system=system, component=supplier_model)
    card = services.save_model_card(actor=manager, system=system, component=supplier_model,
                                    changes={"task": "ranking"})
    assert card.component == supplier_model
    assert services.save_model_card(actor=manager, system=system, changes={"task": "whole"}).component is None
    other = services.create_component(actor=manager, kind="model", name="Unlinked", owner_unit=system.unit)
    with pytest.raises(ValidationError):
        services.save_model_card(actor=manager, system=system, component=other, changes={"task": "x"})
    client.force_login(manager)
    page = client.get(f"{system.get_absolute_url()}?tab=documentation").content.decode()
    assert f'data-model-card="{supplier_model.pk}"' in page and 'data-model-card="system"' in page
    assert f"?component={supplier_model.pk}" in page


def _next_release_bom(bom_bytes) -> bytes:
    """The same system a release later: RankNet 4.0 (a new version, with a card of its own) replaces 3.2."""
    document = json.loads(bom_bytes)
    model = document["components"][0]
    model.update({"version": "4.0"})
    model["modelCard"] = {"modelParameters": {"task": "re-ranking"},
                          "considerations": {"technicalLimitations": ["Trained on 2026 data only"]}}
    return json.dumps(document).encode()


def test_a_new_model_version_gets_its_own_card_and_the_earlier_version_keeps_its_card(manager, make_system,
                                                                                       bom_bytes):
    system = make_system()
    assert cyclonedx_import.apply_bom(actor=manager, data=bom_bytes, filename="v3.json", system=system).applied
    earlier = ModelCard.objects.get(system=system)
    plan = cyclonedx_import.plan_bom(actor=manager, data=_next_release_bom(bom_bytes), filename="v4.json",
                                     system=system)
    [card] = plan.cards
    assert not card.exists  # a new version is a new card, not a change to 3.2's
    result = cyclonedx_import.apply_bom(actor=manager, data=_next_release_bom(bom_bytes), filename="v4.json",
                                       system=system)
    assert result.applied and result.model_cards == 1
    v3, v4 = (Component.objects.get(name="RankNet CV", version_label=label) for label in ("3.2", "4.0"))
    assert v4.previous_version is None or v4.previous_version == v3
    assert ModelCard.objects.get(system=system, component=v4).task == "re-ranking"
    kept = ModelCard.objects.get(system=system, component=v3)
    assert (kept.pk, kept.version, kept.task, kept.technical_limitations) == (
        earlier.pk, earlier.version, earlier.task, earlier.technical_limitations)

    exported = cyclonedx_export.system_bom(system)
    cards = {c["version"]: c["modelCard"] for c in exported["components"] if c["type"] == "machine-learning-model"}
    assert (cards["3.2"]["modelParameters"]["task"], cards["4.0"]["modelParameters"]["task"]) == ("ranking",
                                                                                                  "re-ranking")

    # The system moves to 4.0: 3.2 is unlinked, its card stays with it, and the version it documents is kept.
    services.unlink_component(actor=manager, link=SystemComponent.objects.get(system=system, component=v3))
    with pytest.raises(ValidationError) as excinfo:
        services.delete_component(actor=manager, component=v3)
    assert "documented by its model card" in str(excinfo.value) and system.name in str(excinfo.value)
    assert ModelCard.objects.filter(system=system, component=v3).exists()


def test_the_import_page_shows_the_card_diff_field_by_field(client, manager, make_system, bom_bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    system = make_system()
    assert cyclonedx_import.apply_bom(actor=manager, data=bom_bytes, filename="first.json", system=system).applied
    document = json.loads(bom_bytes)
    document["components"][0]["modelCard"] = {"modelParameters": {"task": "scoring"}}
    client.force_login(manager)
    upload = SimpleUploadedFile("second.json", json.dumps(document).encode(), content_type="application/json")
    page = client.post(reverse("inventory:import"), {"step": "preview", "file": upload, "system": system.pk})
    text = page.content.decode()
    diff = text.split("data-card-diff", 1)[1].split("</table>", 1)[0]
    assert '<tr data-field="task"><td>Task</td><td>ranking</td><td>scoring</td></tr>' in diff
    assert diff.count("<tr data-field=") == 1  # only what the document states; nothing else would be blanked
    upload = SimpleUploadedFile("same.json", bom_bytes, content_type="application/json")
    text = client.post(reverse("inventory:import"), {"step": "preview", "file": upload,
                                                      "system": system.pk}).content.decode()
    assert "data-card-unchanged" in text and "data-card-diff" not in text


def test_a_version_other_records_keep_is_refused_in_plain_words(manager, monkeypatch):
    from django.db.models import ProtectedError

    model = services.create_component(actor=manager, kind=ComponentKind.MODEL, name="Rolled back to")

    def protected(self, *args, **kwargs):  # as an incident's roll-back decision (on_delete=PROTECT) makes it
        raise ProtectedError("protected", {object()})

    monkeypatch.setattr(Component, "delete", protected)
    with pytest.raises(ValidationError) as excinfo:
        services.delete_component(actor=manager, component=model)
    assert "named by 1 other records" in str(excinfo.value)
    assert not LedgerEvent.objects.filter(action="inventory.component.delete").exists()
