"""EU AI Act classification: catalogue-driven proposals, the recorded classification, sign-off and re-classification."""

import pytest
from django.core.exceptions import ValidationError

from aims.catalogs import load_catalog
from aims.core.models import Notification, Task
from aims.inventory import ai_act, services
from aims.inventory.models import Classification

CV_SCREENING = {"organisation_role": "deployer", "prohibited_practices": [], "annex_i_product": "no",
                "annex_iii_uses": ["recruitment"], "profiling": "yes", "art_6_3_conditions": [],
                "transparency_cases": [], "gpai": "no"}


def obligation_keys(proposal):
    return {o["key"] for o in proposal.obligations}


def test_cv_screening_is_high_risk_under_annex_iii_employment():
    proposal = ai_act.propose(CV_SCREENING)
    assert (proposal.tier, proposal.role, proposal.routes) == ("high_risk", "deployer", ["annex_iii"])
    assert proposal.annex_iii_groups == ["employment"]
    assert [m["article"] for m in proposal.matched] == ["Annex III point 4(a)"]
    assert {"deployer_use_and_oversight", "deployer_monitoring_logs", "deployer_inform_workers", "fria",
            "ai_literacy"} <= obligation_keys(proposal)
    assert "risk_management" not in obligation_keys(proposal)  # a provider duty, not a deployer's
    dates = {o["key"]: o["applies_from"] for o in proposal.obligations}
    assert dates["deployer_use_and_oversight"] == "2027-12-02"
    assert dates["ai_literacy"] == "2025-02-02"
    assert "Annex III point 4(a)" in proposal.rationale_text("en")
    assert "Haut risque" in proposal.rationale_text("fr")


def test_provider_of_a_high_risk_system_gets_the_chapter_iii_duties():
    proposal = ai_act.propose({**CV_SCREENING, "organisation_role": "provider"})
    assert {"risk_management", "data_governance", "technical_documentation", "human_oversight_design",
            "quality_management", "conformity_assessment", "post_market_monitoring"} <= obligation_keys(proposal)
    assert "fria" not in obligation_keys(proposal)


def test_annex_i_product_applies_from_the_later_date():
    proposal = ai_act.propose({"organisation_role": "provider", "annex_i_product": "yes"})
    assert (proposal.tier, proposal.routes) == ("high_risk", ["annex_i"])
    assert {o["applies_from"] for o in proposal.obligations if o["key"] == "risk_management"} == {"2028-08-02"}
    assert "registration_provider" not in obligation_keys(proposal)  # Art. 49(1) registration is for Annex III


def test_prohibited_practice_wins_over_everything():
    proposal = ai_act.propose({**CV_SCREENING, "prohibited_practices": ["emotion_workplace_education"]})
    assert proposal.tier == "prohibited"
    assert "stop_prohibited" in obligation_keys(proposal)


def test_chatbot_has_transparency_obligations():
    proposal = ai_act.propose({"organisation_role": "provider", "transparency_cases": ["interacts_with_people"]})
    assert proposal.tier == "transparency"
    assert "disclose_interaction" in obligation_keys(proposal)
    assert {o["applies_from"] for o in proposal.obligations if o["key"] == "disclose_interaction"} == {"2026-08-02"}


def test_art_6_3_derogation_lifts_annex_iii_unless_the_system_profiles_people():
    answers = {**CV_SCREENING, "organisation_role": "provider", "profiling": "no",
               "art_6_3_conditions": ["preparatory_task"]}
    lifted = ai_act.propose(answers)
    assert lifted.tier == "minimal" and lifted.derogation
    assert {"document_derogation", "register_derogation"} <= obligation_keys(lifted)

    blocked = ai_act.propose({**answers, "profiling": "yes"})
    assert blocked.tier == "high_risk" and not blocked.derogation
    assert "profiles natural persons" in blocked.rationale_text("en")


def test_gpai_flag_and_systemic_duties():
    proposal = ai_act.propose({"organisation_role": "provider", "gpai": "gpai_systemic"})
    assert proposal.gpai and proposal.gpai_systemic and proposal.tier == "minimal"
    assert {"gpai_documentation", "gpai_copyright", "gpai_systemic"} <= obligation_keys(proposal)


def test_deployer_who_rebrands_becomes_provider():
    proposal = ai_act.propose({**CV_SCREENING, "becomes_provider": "yes"})
    assert proposal.role == "provider"
    assert "Art. 25(1)" in proposal.rationale_text("en")


def test_bad_answers_are_refused_per_question():
    with pytest.raises(ValidationError) as excinfo:
        ai_act.propose({"annex_iii_uses": ["astrology"], "unknown": "x"})
    assert set(excinfo.value.message_dict) == {"annex_iii_uses", "unknown", "organisation_role"}


def test_dates_are_catalogue_data_an_administrator_can_override(settings, tmp_path):
    shipped = load_catalog("ai_act")
    assert shipped["dates"]["high_risk_annex_iii"]["date"] == "2027-12-02"
    text = (ai_act.__file__.rsplit("/inventory/", 1)[0] + "/catalogs/ai_act.yaml")
    override = open(text, encoding="utf-8").read().replace("2027-12-02", "2029-01-01").replace(
        'version: "2026.2"', 'version: "local-1"')
    settings.DATA_DIR = tmp_path
    (tmp_path / "catalogs").mkdir()
    (tmp_path / "catalogs" / "ai_act.yaml").write_text(override, encoding="utf-8")
    proposal = ai_act.propose(CV_SCREENING)
    assert proposal.catalogue_version == "local-1"
    assert {o["applies_from"] for o in proposal.obligations if o["key"] == "fria"} == {"2029-01-01"}


def test_classifying_sets_the_system_tier_and_keeps_the_rationale(make_system, manager):
    system = make_system()
    classification = services.classify_system(actor=manager, system=system, answers=CV_SCREENING)
    system.refresh_from_db()
    assert (system.ai_act_tier, system.ai_act_role) == ("high_risk", "deployer")
    assert classification.status == Classification.Status.AWAITING_SIGN_OFF
    assert classification.catalogue_version == load_catalog("ai_act")["version"]
    assert "Annex III point 4(a)" in classification.rationale
    assert any(o["key"] == "fria" for o in classification.obligations)


def test_departing_from_the_proposal_needs_a_written_rationale(make_system, manager):
    system = make_system()
    with pytest.raises(ValidationError) as excinfo:
        services.classify_system(actor=manager, system=system, answers=CV_SCREENING, final_tier="minimal")
    assert "rationale" in excinfo.value.message_dict
    classification = services.classify_system(actor=manager, system=system, answers=CV_SCREENING,
                                              final_tier="minimal", rationale="Only sorts by arrival date")
    assert classification.differs_from_proposal and classification.proposed_tier == "high_risk"


def test_sign_off_must_come_from_someone_else(make_system, manager, owner):
    system = make_system()
    classification = services.classify_system(actor=manager, system=system, answers=CV_SCREENING)
    with pytest.raises(ValidationError):
        services.sign_off_classification(actor=manager, classification=classification)
    signed = services.sign_off_classification(actor=owner, classification=classification, comment="Agreed")
    assert (signed.status, signed.reviewer) == (Classification.Status.SIGNED_OFF, owner)
    with pytest.raises(ValidationError):
        services.sign_off_classification(actor=owner, classification=signed)


def test_relevant_change_asks_the_owner_to_reclassify(make_system, manager, owner):
    system = make_system()
    classification = services.classify_system(actor=manager, system=system, answers=CV_SCREENING)
    services.update_system(actor=manager, system=system, changes={"name": "Renamed"})
    classification.refresh_from_db()
    assert classification.status == Classification.Status.AWAITING_SIGN_OFF  # the name is not relevant

    system = services.update_system(actor=manager, system=system, changes={"external_exposure": "public"})
    classification.refresh_from_db()
    assert system.needs_reclassification
    assert classification.status == Classification.Status.NEEDS_RECLASSIFICATION
    assert "external exposure" in classification.reclassification_reason
    assert Notification.objects.filter(recipient=owner, kind="inventory.reclassify").count() == 1
    task = Task.objects.get(assignee=owner, source=f"inventory.reclassify.{system.pk}")
    assert task.done_at is None

    services.classify_system(actor=manager, system=system, answers=CV_SCREENING)
    system.refresh_from_db()
    task.refresh_from_db()
    classification.refresh_from_db()
    assert not system.needs_reclassification and task.done_at is not None
    assert classification.status == Classification.Status.SUPERSEDED


def test_setting_a_relevant_field_to_its_current_value_changes_nothing(make_system, manager):
    system = make_system(external_exposure="public")
    services.classify_system(actor=manager, system=system, answers=CV_SCREENING)
    system = services.update_system(actor=manager, system=system, changes={"external_exposure": "public"})
    assert not system.needs_reclassification
