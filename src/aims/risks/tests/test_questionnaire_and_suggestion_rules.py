"""Impact answers are checked against the template; suggestion rules match system characteristics."""

import pytest
from django.core.exceptions import ValidationError

from aims.risks import catalogs
from aims.risks.questionnaire import check_answers, dpia_required
from aims.risks.suggest import matching_suggestions


def complete_answers() -> dict:
    answers = {}
    for key, q in catalogs.template_questions(catalogs.impact_template()).items():
        answers[key] = {"text": "Described.", "boolean": False, "choice": (q.get("options") or [{}])[0].get("key"),
                        "multichoice": [(q.get("options") or [{}])[0].get("key")], "scale": 2}[q["type"]]
    return answers


def test_a_draft_may_be_partial_but_a_submission_must_be_complete():
    template = catalogs.impact_template()
    assert check_answers(template, {"purpose": "  Screening CVs  "}, complete=False) == {"purpose": "Screening CVs"}
    with pytest.raises(ValidationError) as caught:
        check_answers(template, {"purpose": "x"}, complete=True)
    assert "rights_at_stake" in caught.value.message_dict
    assert check_answers(template, complete_answers(), complete=True)


def test_wrong_answer_types_and_unknown_questions_are_named():
    template = catalogs.impact_template()
    with pytest.raises(ValidationError) as caught:
        check_answers(template, {"severity": 9, "personal_data": "yes", "people_count": "lots", "nope": 1},
                      complete=False)
    assert set(caught.value.message_dict) == {"severity", "personal_data", "people_count", "nope"}


def test_dpia_screening_needs_personal_data_and_two_criteria():
    template = catalogs.impact_template()
    assert not dpia_required(template, {"personal_data": True, "large_scale": True})
    assert dpia_required(template, {"personal_data": True, "large_scale": True, "vulnerable_subjects": True})
    assert not dpia_required(template, {"personal_data": False, "large_scale": True, "vulnerable_subjects": True})


def traits(**overrides):
    base = {"text": "", "component_kinds": set(), "uses_supplier_components": False, "ai_act_tier": "",
            "personal_data": False, "special_category_data": False, "external_exposure": "internal",
            "autonomy": "human_in_the_loop", "criticality": "medium", "deployment_mode": ""}
    return {**base, **overrides}


def test_llm_chatbot_gets_prompt_injection_hallucination_and_disclosure():
    keys = {s["key"] for s in matching_suggestions(traits(text="customer service chatbot on our website"))}
    assert {"prompt_injection", "hallucination", "sensitive_information_disclosure"} <= keys


def test_credit_scoring_model_gets_bias_drift_and_explainability():
    keys = {s["key"] for s in matching_suggestions(traits(text="credit scoring for consumer loans"))}
    assert keys == {"discriminatory_outcome", "drift", "lack_of_explainability"}


def test_a_suggestion_shared_by_two_rules_is_proposed_once():
    found = matching_suggestions(traits(text="credit scoring and recruitment of candidates"))
    assert [s["key"] for s in found].count("discriminatory_outcome") == 1


def test_characteristic_rules_and_no_match():
    assert {s["key"] for s in matching_suggestions(traits(ai_act_tier="high_risk", uses_supplier_components=True))} == {
        "high_risk_obligations_unmet", "vendor_lock_in", "supply_chain_compromise"}
    assert matching_suggestions(traits(text="internal document classifier")) == []
