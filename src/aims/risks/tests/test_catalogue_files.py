"""The shipped catalogue files parse, and a malformed ATLAS file is reported precisely."""

import pytest

from aims.risks import catalogs
from aims.risks.atlas import parse_atlas
from aims.risks.catalogs import CatalogError
from aims.risks.choices import RiskCategory


def test_taxonomy_has_the_eight_categories_in_both_languages():
    data = catalogs.parse_taxonomy()
    categories = [e for e in data.entries if e.kind == "category"]
    assert {c.external_id for c in categories} == set(RiskCategory.values)
    assert all(e.name_en and e.name_fr for e in data.entries)
    assert {"hallucination", "drift", "prompt_injection", "training_data_leakage", "outage"} <= {
        e.external_id for e in data.entries}


def test_owasp_llm_2025_has_ids_llm01_to_llm10_with_official_titles():
    data = catalogs.parse_threat_file(catalogs.THREAT_FILES[0])
    titles = {e.external_id: e.name_en for e in data.entries}
    assert sorted(titles) == [f"LLM{n:02d}" for n in range(1, 11)]
    assert titles["LLM01"] == "Prompt Injection" and titles["LLM10"] == "Unbounded Consumption"
    assert all(e.name_fr and e.description_en and e.description_fr for e in data.entries)


def test_crisis_threats_cover_the_six_attack_families():
    data = catalogs.parse_threat_file(catalogs.THREAT_FILES[1])
    assert len(data.entries) == 6


def test_atlas_sample_parses_with_tactics_and_subtechniques():
    data = parse_atlas(catalogs.ATLAS_SAMPLE_FILE)
    by_id = {e.external_id: e for e in data.entries}
    assert by_id["AML.T0051"].name_en == "LLM Prompt Injection"
    assert "AML.TA0004" in by_id["AML.T0051"].tactics
    assert by_id["AML.T0051.001"].parent == "AML.T0051"
    assert data.licence == "Apache-2.0"
    assert (catalogs.ATLAS_SAMPLE_FILE.parent / "NOTICE").read_text().count("The MITRE Corporation") >= 1


def test_broken_yaml_is_reported_with_line_and_column():
    text = "id: ATLAS\nmatrices:\n- id: ATLAS\n  tactics:\n  - id: AML.TA0001\n   name: badly indented\n"
    with pytest.raises(CatalogError, match=r"bad\.yaml: invalid YAML at line 6, column 4"):
        parse_atlas("bad.yaml", text=text)


def test_atlas_file_without_matrices_is_refused():
    with pytest.raises(CatalogError, match="matrices"):
        parse_atlas("x.yaml", text="id: ATLAS\nname: something else\n")


def test_atlas_problems_name_the_bad_entries():
    text = """
matrices:
- id: ATLAS
  tactics:
  - {id: AML.TA0001, name: Staging}
  techniques:
  - {id: AML.T9, name: Broken id}
  - {id: AML.T0043, name: Craft Adversarial Data, tactics: [AML.TA0099]}
"""
    with pytest.raises(CatalogError) as caught:
        parse_atlas("x.yaml", text=text)
    message = str(caught.value)
    assert "matrices[0].techniques[0].id" in message
    assert "unknown tactics AML.TA0099" in message


def test_impact_template_and_suggestion_rules_are_well_formed():
    template = catalogs.impact_template()
    questions = catalogs.template_questions(template)
    assert {"affected_groups", "rights_at_stake", "societal_impacts", "environmental_impacts", "severity",
            "likelihood", "mitigations", "residual_impact"} <= set(questions)
    assert all(q["label_en"] and q["label_fr"] for q in questions.values())
    assert catalogs.suggestion_rules()
