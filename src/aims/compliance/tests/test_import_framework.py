"""`aims catalogs import-framework FILE`: YAML or CSV, all or nothing with every problem listed, updates that retire
rather than delete, and shipped loads that never overwrite an administrator's own import."""

import io

import pytest
from django.core.management import CommandError, call_command

from aims.compliance import services
from aims.compliance.models import Framework, Requirement, RequirementMapping
from aims.core.models import LedgerEvent

pytestmark = pytest.mark.django_db

POLICY_YAML = """format: aims-framework
key: acme_ai_rules
version: "2026.1"
name: {en: "Acme AI rules", fr: "Règles IA d'Acme"}
requirements:
  - {ref: R1, kind: chapter, title: {en: "Governance", fr: "Gouvernance"}}
  - {ref: R1.1, parent: R1, kind: rule, title: {en: "Name an owner for every AI system", fr: "Nommer un propriétaire"}}
  - {ref: R1.2, parent: R1, kind: rule, title: {en: "Monitor models in production", fr: "Surveiller les modèles"}}
mappings:
  - {ref: R1.2, to: [iso42001/A.6.2.6]}
"""


def run(*args) -> str:
    out = io.StringIO()
    call_command("catalogs", "import-framework", *args, stdout=out)
    return out.getvalue()


def test_yaml_import_creates_the_framework_its_tree_and_mappings(frameworks, tmp_path):
    path = tmp_path / "acme.yaml"
    path.write_text(POLICY_YAML, encoding="utf-8")
    output = run(str(path))
    assert "acme_ai_rules 2026.1 imported: 3 created" in output
    framework = Framework.objects.get(key="acme_ai_rules")
    assert framework.source == "file:acme.yaml" and framework.name_fr == "Règles IA d'Acme"
    rule = Requirement.objects.get(framework=framework, ref="R1.2")
    assert rule.parent.ref == "R1" and rule.assessable and not rule.parent.assessable
    assert RequirementMapping.objects.filter(source=rule, target__ref="A.6.2.6").exists()
    event = LedgerEvent.objects.filter(action="compliance.framework.load", object_id=str(framework.pk)).get()
    assert event.actor_label == "cli:catalogs" and event.after_data["created"] == 3


def test_csv_import_with_header_options(frameworks, tmp_path):
    path = tmp_path / "rules.csv"
    path.write_text("ref,code,kind,parent,title_en,title_fr,guidance_en,guidance_fr,assessable,maps_to\n"
                    "C1,,chapter,,Data,Données,,,,\n"
                    "C1.1,1.1,rule,C1,Check data quality,Contrôler la qualité,,,,iso42001/A.7.4;nist_ai_rmf/MAP 2.3\n",
                    encoding="utf-8")
    run(str(path), "--key", "acme_data", "--version", "1", "--name-en", "Acme data rules")
    rule = Requirement.objects.get(framework__key="acme_data", ref="C1.1")
    assert rule.code == "1.1"
    assert set(RequirementMapping.objects.filter(source=rule).values_list("target__ref", flat=True)) == {
        "A.7.4", "MAP 2.3"}


def test_a_bad_file_imports_nothing_and_names_every_problem(frameworks, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("ref,title_en,parent,maps_to\n"
                    "X1,Fine,,\n"
                    ",No reference,,\n"
                    "X2,Orphan,NOPE,\n"
                    "X1,Twice,,\n"
                    "X3,Bad mapping,,iso42001/Z.9\n", encoding="utf-8")
    events = LedgerEvent.objects.count()
    with pytest.raises(CommandError) as error:
        run(str(path), "--key", "bad_one", "--version", "1", "--name-en", "Bad")
    message = str(error.value)
    assert "nothing imported" in message
    assert "line 3" in message and "'ref' is required" in message
    assert "parent 'NOPE' is not defined" in message and "appears twice" in message
    assert not Framework.objects.filter(key="bad_one").exists()
    assert LedgerEvent.objects.count() == events
    # A file whose rows are fine but whose mapping does not resolve is refused whole as well.
    path.write_text("ref,title_en,maps_to\nX1,Fine,iso42001/Z.9\n", encoding="utf-8")
    with pytest.raises(CommandError, match="iso42001/Z.9"):
        run(str(path), "--key", "bad_one", "--version", "1", "--name-en", "Bad")
    assert not Framework.objects.filter(key="bad_one").exists()


def test_csv_needs_the_framework_header_options(tmp_path):
    path = tmp_path / "rules.csv"
    path.write_text("ref,title_en\nX,Y\n", encoding="utf-8")
    with pytest.raises(CommandError, match="--key, --version, --name-en"):
        run(str(path))


def test_dry_run_loads_nothing(frameworks, tmp_path):
    path = tmp_path / "acme.yaml"
    path.write_text(POLICY_YAML, encoding="utf-8")
    assert "dry run, nothing loaded" in run(str(path), "--dry-run")
    assert not Framework.objects.filter(key="acme_ai_rules").exists()


def test_a_new_version_updates_in_place_and_retires_what_it_drops(frameworks, tmp_path):
    path = tmp_path / "acme.yaml"
    path.write_text(POLICY_YAML, encoding="utf-8")
    run(str(path))
    kept = Requirement.objects.get(framework__key="acme_ai_rules", ref="R1.1")
    path.write_text(POLICY_YAML.replace('"2026.1"', '"2026.2"').replace("Name an owner", "Name an owner and a backup")
                    .replace('  - {ref: R1.2, parent: R1, kind: rule, title: {en: "Monitor models in production", '
                             'fr: "Surveiller les modèles"}}\n', "").replace("mappings:\n  - {ref: R1.2, to: "
                                                                           "[iso42001/A.6.2.6]}\n", ""), encoding="utf-8")
    assert "1 updated, 1 retired" in run(str(path))
    kept.refresh_from_db()
    assert kept.title_en == "Name an owner and a backup for every AI system" and kept.version == 2
    dropped = Requirement.objects.get(framework__key="acme_ai_rules", ref="R1.2")
    assert dropped.is_active is False  # kept for what points at it, no longer offered
    assert Framework.objects.get(key="acme_ai_rules").catalogue_version == "2026.2"


def test_shipped_load_keeps_an_administrators_own_edition(frameworks, tmp_path):
    path = tmp_path / "nist.yaml"
    path.write_text('format: aims-framework\nkey: nist_ai_rmf\nversion: "1.0-acme"\nname: {en: "NIST AI RMF (Acme '
                    'profile)"}\nrequirements:\n  - {ref: GOVERN 1.1, title: {en: "Legal requirements"}}\n',
                    encoding="utf-8")
    run(str(path))
    results = services.load_packaged_frameworks(actor=None)
    assert results["nist_ai_rmf"] == {"kept": "file:nist.yaml"}
    assert results["mappings"]["skipped"] > 0  # pairs naming subcategories the Acme edition does not have
    assert Framework.objects.get(key="nist_ai_rmf").catalogue_version == "1.0-acme"


def test_broken_yaml_is_reported_with_its_position(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text("format: aims-framework\nkey: [unclosed\n", encoding="utf-8")
    with pytest.raises(CommandError, match=r"invalid YAML at line \d+, column \d+"):
        run(str(path))
