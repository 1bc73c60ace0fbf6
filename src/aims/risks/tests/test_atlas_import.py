"""`aims catalogs import-atlas FILE` imports tactics and techniques, all or nothing."""

import pytest
from django.core.management import CommandError, call_command

from aims.core.models import LedgerEvent
from aims.risks import catalogs
from aims.risks.models import Threat, ThreatCatalog

pytestmark = pytest.mark.django_db


def test_good_file_imports_tactics_techniques_and_their_links():
    call_command("catalogs", "import-atlas", str(catalogs.ATLAS_SAMPLE_FILE))
    catalog = ThreatCatalog.objects.get(key="mitre-atlas")
    assert catalog.licence == "Apache-2.0" and catalog.publisher == "The MITRE Corporation"
    injection = Threat.objects.get(catalog=catalog, external_id="AML.T0051")
    assert injection.kind == "technique" and injection.name_en == "LLM Prompt Injection"
    assert set(injection.tactics.values_list("external_id", flat=True)) == {"AML.TA0004", "AML.TA0006", "AML.TA0007"}
    assert Threat.objects.get(external_id="AML.T0051.001").parent == injection
    event = LedgerEvent.objects.get(action="risks.threatcatalog.import")
    assert event.actor_label == "cli:catalogs" and event.after_data["created"] == Threat.objects.count()


def test_reimport_is_idempotent_and_retires_what_disappeared(tmp_path):
    call_command("catalogs", "import-atlas", str(catalogs.ATLAS_SAMPLE_FILE))
    call_command("catalogs", "import-atlas", str(catalogs.ATLAS_SAMPLE_FILE))
    assert LedgerEvent.objects.filter(action="risks.threatcatalog.import").last().after_data["unchanged"] == 13
    smaller = catalogs.ATLAS_SAMPLE_FILE.read_text().replace(
        "  - id: AML.T0043\n    name: Craft Adversarial Data\n", "  - id: AML.T0043\n    name: Craft Adversarial Data v2\n")
    assert "v2" in smaller
    path = tmp_path / "ATLAS.yaml"
    path.write_text(smaller.replace("AML.T0010\n    name: ML Supply Chain Compromise", "AML.T0011\n    name: Other"))
    call_command("catalogs", "import-atlas", str(path))
    assert Threat.objects.get(external_id="AML.T0043").name_en == "Craft Adversarial Data v2"
    assert not Threat.objects.get(external_id="AML.T0010").is_active


@pytest.mark.parametrize("text, message", [
    ("id: ATLAS\nmatrices:\n- id: ATLAS\n  tactics:\n  - id: AML.TA0001\n   name: x\n", "line 6, column 4"),
    ("id: ATLAS\nmatrices:\n- tactics: []\n  techniques:\n  - {id: AML.T0043, name: Craft, tactics: [AML.TA0001]}\n",
     "unknown tactics AML.TA0001"),
])
def test_malformed_file_imports_nothing_and_says_where(tmp_path, text, message):
    path = tmp_path / "ATLAS.yaml"
    path.write_text(text)
    with pytest.raises(CommandError, match=message):
        call_command("catalogs", "import-atlas", str(path))
    assert not Threat.objects.exists() and not ThreatCatalog.objects.exists()
    assert not LedgerEvent.objects.filter(object_type__startswith="risks.").exists()


def test_load_installs_the_shipped_catalogues_and_method_without_shrinking_atlas(tmp_path):
    call_command("catalogs", "load")
    assert set(ThreatCatalog.objects.values_list("key", flat=True)) == {
        "aims-ai-risk-taxonomy", "owasp-llm-2025", "aims-crisis-threats", "mitre-atlas"}
    assert Threat.objects.filter(catalog__key="owasp-llm-2025").count() == 10
    atlas_count = Threat.objects.filter(catalog__key="mitre-atlas").count()
    call_command("catalogs", "load")
    assert Threat.objects.filter(catalog__key="mitre-atlas", is_active=True).count() == atlas_count
