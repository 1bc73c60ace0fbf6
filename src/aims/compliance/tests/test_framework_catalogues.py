"""The frameworks AIMS ships: complete, bilingual, exactly the public identifiers, and consistent with the AI Act
classification catalogue they share their keys with."""

import re
from pathlib import Path

import pytest

from aims.catalogs import load_catalog
from aims.compliance import framework_files, services
from aims.compliance.models import Framework, Requirement, RequirementMapping
from aims.core.models import LedgerEvent

pytestmark = pytest.mark.django_db
DOMAIN = Path("/work/shared/DOMAIN.md")


def _annex_a_from_domain() -> dict[str, str]:
    """ref -> title of the 38 Annex A controls as DOMAIN.md lists them (when the file is there)."""
    text = DOMAIN.read_text(encoding="utf-8")
    controls = {}
    for line in text.splitlines():
        if line.startswith("- A.") and ":" in line:
            for item in line.split(":", 1)[1].split(";"):
                match = re.match(r"\s*(A\.[\d.]+)\s+(.+?)\s*$", item)
                if match:
                    controls[match.group(1)] = match.group(2)
    return controls


def test_shipped_frameworks_have_the_expected_shape(frameworks):
    iso = Requirement.objects.filter(framework__key="iso42001")
    assert iso.filter(kind="control").count() == 38
    assert set(iso.filter(kind="group").values_list("ref", flat=True)) == {f"A.{n}" for n in range(2, 11)}
    assert iso.get(ref="A.6.2.6").title_en == "AI system operation and monitoring"
    assert iso.get(ref="6.1.3").parent.ref == "6.1" and not iso.get(ref="6.1").assessable
    nist = Requirement.objects.filter(framework__key="nist_ai_rmf")
    assert nist.filter(kind="function").count() == 4
    assert nist.filter(kind="category").count() == 19
    assert nist.filter(kind="subcategory", assessable=True).count() == 72
    assert nist.get(ref="MANAGE 4.3").parent.ref == "MANAGE 4"
    assert Framework.objects.get(key="nist_ai_rmf").catalogue_version == "1.0"


@pytest.mark.skipif(not DOMAIN.exists(), reason="the shared domain description is not on this machine")
def test_annex_a_ids_and_titles_are_exactly_those_of_the_domain_description(frameworks):
    expected = _annex_a_from_domain()
    assert len(expected) == 38
    shipped = dict(Requirement.objects.filter(framework__key="iso42001", kind="control").values_list("ref", "title_en"))
    assert shipped == expected


def test_every_requirement_has_a_french_title(frameworks):
    missing = list(Requirement.objects.exclude(kind="group", code="").filter(title_fr="").values_list("ref", flat=True))
    assert missing == []
    untranslated_guidance = Requirement.objects.exclude(guidance_en="").filter(guidance_fr="")
    assert not untranslated_guidance.exists()


def test_ai_act_framework_reuses_the_classification_catalogue_keys_and_dates(frameworks):
    catalogue = load_catalog("ai_act")
    keys = {o["key"] for o in catalogue["obligations"]}
    ai_act = Requirement.objects.filter(framework__key="eu_ai_act", kind="obligation")
    assert set(ai_act.values_list("ref", flat=True)) == keys
    monitoring = ai_act.get(ref="post_market_monitoring")
    assert monitoring.code == "Art. 72" and monitoring.facts["roles"] == ["provider"]
    assert monitoring.facts["tiers"] == ["high_risk"]
    # The 2026/1744 shift is read from the catalogue, never written here.
    assert monitoring.facts["applies_from_by_route"] == {
        "annex_iii": catalogue["dates"]["high_risk_annex_iii"]["date"],
        "annex_i": catalogue["dates"]["high_risk_annex_i"]["date"]}
    assert ai_act.get(ref="ai_literacy").facts["applies_from"] == catalogue["dates"]["prohibitions"]["date"]
    assert Framework.objects.get(key="eu_ai_act").catalogue_version == str(catalogue["version"])


def test_cross_mappings_link_the_three_frameworks(frameworks):
    a626 = Requirement.objects.get(framework__key="iso42001", ref="A.6.2.6")
    linked = set(RequirementMapping.objects.filter(source=a626).values_list("target__framework__key", "target__ref"))
    assert {("eu_ai_act", "post_market_monitoring"), ("nist_ai_rmf", "MEASURE 2.4")} <= linked
    every_annex_a_control_is_mapped = not Requirement.objects.filter(framework__key="iso42001", kind="control").exclude(
        mappings_out__isnull=False).exists()
    assert every_annex_a_control_is_mapped


def test_every_shipped_mapping_resolves(db):
    results = services.load_packaged_frameworks(actor=None)
    assert results["mappings"]["skipped"] == 0 and results["mappings"]["mappings"] > 100


def test_loading_again_changes_nothing_and_is_ledgered_once_per_file(frameworks):
    before = Requirement.objects.count()
    results = services.load_packaged_frameworks(actor=None)
    assert results["iso42001"]["created"] == results["iso42001"]["updated"] == 0
    assert Requirement.objects.count() == before
    loads = LedgerEvent.objects.filter(action="compliance.framework.load")
    assert loads.count() == 6  # three frameworks, loaded twice
    assert loads.last().actor_label.startswith("system") or loads.last().actor_id is None


def test_the_packaged_files_parse_without_problems():
    for name in framework_files.PACKAGED_FRAMEWORKS:
        assert framework_files.parse_yaml(framework_files.PACKAGED_DIR / name).requirements
    assert framework_files.parse_mappings(framework_files.PACKAGED_DIR / framework_files.PACKAGED_MAPPINGS).pairs
