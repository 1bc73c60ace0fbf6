"""EU AI Act classification: scope first, blanks refused, exclusions and derogations cited, duties that follow the role,
Annex I legislation named, general-purpose AI as its own track, "don't know" kept provisional; English and French."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from aims.catalogs import load_catalog
from aims.core.models import Notification, Task
from aims.inventory import ai_act, services
from aims.inventory.models import Classification
from aims.inventory.testing import CV_SCREENING, answers


def keys(proposal, *, others=False):
    return {o["key"] for o in proposal.obligations if bool(o["binds_other"]) == others}


def basis(proposal, language):
    return proposal.rationale_text(language)


# --- 1. Blank is not "No" -----------------------------------------------------------------------------------------

def test_only_the_role_is_refused_instead_of_reading_blanks_as_no():
    with pytest.raises(ValidationError) as excinfo:
        ai_act.propose({"organisation_role": "deployer"})
    assert "ai_system" in excinfo.value.message_dict


@pytest.mark.parametrize("blank", ["prohibited_practices", "annex_i_legislation", "annex_iii_uses",
                                   "transparency_cases", "deployer_type"])
def test_every_question_that_decides_the_tier_must_be_answered(blank):
    given = {k: v for k, v in CV_SCREENING.items() if k != blank}
    with pytest.raises(ValidationError) as excinfo:
        ai_act.propose(given)
    assert set(excinfo.value.message_dict) == {blank}


def test_a_derogation_with_profiling_left_blank_does_not_clear_the_system():
    claimed = {k: v for k, v in answers(annex_iii_uses=["recruitment"], art_6_3_conditions=["preparatory_task"]).items()
               if k != "profiling"}
    with pytest.raises(ValidationError) as excinfo:
        ai_act.propose(claimed)
    assert set(excinfo.value.message_dict) == {"profiling"}


def test_none_of_these_cannot_be_combined_with_an_answer():
    with pytest.raises(ValidationError) as excinfo:
        ai_act.propose(answers(annex_iii_uses=["none", "recruitment"]))
    assert "annex_iii_uses" in excinfo.value.message_dict


def test_dont_know_never_lowers_the_tier_and_keeps_the_proposal_provisional():
    proposal = ai_act.propose(answers(annex_iii_uses=["dont_know"]))
    assert (proposal.tier, proposal.provisional, proposal.unknowns) == ("high_risk", True, ["annex_iii_uses"])
    profiling_unknown = ai_act.propose(answers(annex_iii_uses=["recruitment"], profiling="dont_know",
                                               art_6_3_conditions=["narrow_procedural_task"]))
    assert profiling_unknown.tier == "high_risk" and not profiling_unknown.derogation
    assert "is not known" in basis(profiling_unknown, "en")
    assert "jusqu'à résolution" in basis(profiling_unknown, "fr")
    prohibited_unknown = ai_act.propose(answers(prohibited_practices=["dont_know"]))
    assert prohibited_unknown.tier == "prohibited" and prohibited_unknown.provisional


# --- 3. Exclusions and derogations are first-class ----------------------------------------------------------------

def test_fraud_detection_is_an_answer_of_its_own_and_cited_in_the_basis():
    proposal = ai_act.propose(answers(annex_iii_uses=["fraud_detection"]))
    assert proposal.tier == "minimal"
    assert [(e["article"], e["value"]) for e in proposal.exclusions] == [("Annex III point 5(b)", "fraud_detection")]
    assert "Annex III point 5(b), exclusion: Detecting financial fraud" in basis(proposal, "en")
    assert "annexe III, point 5 b), exclusion : Détecter la fraude financière" in basis(proposal, "fr")


def test_derogation_questions_are_asked_only_for_an_annex_iii_use():
    assert "profiling" not in ai_act.visible_questions(answers(annex_iii_uses=["none"]))
    assert "profiling" not in ai_act.visible_questions(answers(annex_iii_uses=["fraud_detection"]))
    assert {"profiling", "art_6_3_conditions"} <= set(ai_act.visible_questions(answers(annex_iii_uses=["recruitment"])))


def test_art_6_3_derogation_without_profiling_lifts_annex_iii_and_is_cited():
    lifted = ai_act.propose(answers(organisation_role="provider", annex_iii_uses=["recruitment"], profiling="no",
                                    art_6_3_conditions=["preparatory_task"]))
    assert (lifted.tier, lifted.derogation) == ("minimal", True)
    assert {"document_derogation", "register_derogation"} <= keys(lifted)
    assert "Art. 6(3) derogation applies (Art. 6(3)(d))" in basis(lifted, "en")
    assert "La dérogation de l'art. 6(3) s'applique (art. 6(3)(d))" in basis(lifted, "fr")


def test_art_6_3_derogation_with_profiling_stays_high_risk():
    blocked = ai_act.propose(answers(organisation_role="provider", annex_iii_uses=["recruitment"], profiling="yes",
                                     art_6_3_conditions=["preparatory_task"]))
    assert blocked.tier == "high_risk" and not blocked.derogation
    assert "profiles natural persons" in basis(blocked, "en")
    assert "profilage de personnes physiques" in basis(blocked, "fr")


# --- 4. Scope first -----------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("given", "article_en", "article_fr"), [
    ({"ai_system": "no"}, "Art. 3(1)", "art. 3(1)"),
    ({"scope_exclusions": ["military"]}, "Art. 2(3)", "art. 2(3)"),
    ({"scope_exclusions": ["scientific_research"]}, "Art. 2(6)", "art. 2(6)"),
    ({"scope_exclusions": ["personal_use"]}, "Art. 2(10)", "art. 2(10)"),
    ({"scope_exclusions": ["pre_market_research"]}, "Art. 2(8)", "art. 2(8)"),
    ({"eu_nexus": "no"}, "Art. 2(1)", "art. 2(1)"),
])
def test_out_of_scope_is_a_result_with_its_basis(given, article_en, article_fr):
    proposal = ai_act.propose(answers(annex_iii_uses=["recruitment"], **given))
    assert (proposal.tier, proposal.out_of_scope, proposal.obligations) == ("out_of_scope", True, [])
    assert basis(proposal, "en").startswith(f"{article_en}:") and "outside the AI Act" in basis(proposal, "en")
    assert basis(proposal, "fr").startswith(f"{article_fr} :") and "hors du champ" in basis(proposal, "fr")
    assert "annex_iii_uses" not in ai_act.validate_answers(answers(**given))  # the rest is not asked


# --- 5. Duties follow the role and the tier -----------------------------------------------------------------------

def test_a_deployer_of_a_code_assistant_is_not_shown_a_transparency_tier_whose_duty_binds_the_provider():
    deployer = ai_act.propose(answers(transparency_cases=["synthetic_content"]))
    assert (deployer.system_tier, deployer.tier) == ("transparency", "minimal")
    assert "mark_synthetic_content" in keys(deployer, others=True)
    assert next(o for o in deployer.obligations if o["key"] == "mark_synthetic_content")["binds"] == "provider"
    assert "bind another party in the chain" in basis(deployer, "en")
    assert "pèsent sur un autre acteur de la chaîne" in basis(deployer, "fr")
    provider = ai_act.propose(answers(organisation_role="provider", transparency_cases=["synthetic_content"]))
    assert provider.tier == "transparency" and "mark_synthetic_content" in keys(provider)


def test_deployer_and_provider_of_a_high_risk_system_get_their_own_duties():
    deployer = ai_act.propose(CV_SCREENING)
    assert {"deployer_use_and_oversight", "deployer_monitoring_logs", "deployer_inform_workers"} <= keys(deployer)
    assert "risk_management" not in keys(deployer)
    assert "conformity_assessment" in keys(deployer, others=True)  # the provider's, shown for information
    provider = ai_act.propose({**CV_SCREENING, "organisation_role": "provider"})
    assert {"risk_management", "technical_documentation", "quality_management", "registration_provider"} <= keys(provider)
    assert "fria" not in keys(provider)
    dates = {o["key"]: o["applies_from"] for o in provider.obligations}
    assert (dates["risk_management"], dates["ai_literacy"]) == ("2027-12-02", "2025-02-02")


@pytest.mark.parametrize(("deployer_type", "use", "expected"), [
    ("public_body", "recruitment", True),
    ("public_service", "education_admission", True),
    ("other", "recruitment", False),
    ("other", "credit_scoring", True),  # Annex III 5(b)
    ("other", "insurance_pricing", True),  # Annex III 5(c)
    ("dont_know", "recruitment", True),  # never lowers
])
def test_fundamental_rights_impact_assessment_binds_only_the_deployers_art_27_names(deployer_type, use, expected):
    proposal = ai_act.propose(answers(deployer_type=deployer_type, annex_iii_uses=[use], profiling="yes"))
    assert ("fria" in keys(proposal)) is expected


def test_critical_infrastructure_never_lists_art_27_or_86_and_public_deployers_register():
    infrastructure = ai_act.propose(answers(deployer_type="public_body", annex_iii_uses=["critical_infrastructure_safety"],
                                            profiling="no"))
    assert infrastructure.tier == "high_risk"
    assert not {"fria", "right_to_explanation", "deployer_registration"} & keys(infrastructure)
    public = ai_act.propose(answers(deployer_type="public_body", annex_iii_uses=["public_benefits"], profiling="yes"))
    assert {"fria", "right_to_explanation", "deployer_registration"} <= keys(public)
    assert next(o for o in public.obligations if o["key"] == "deployer_registration")["article"] == "Art. 26(8), Art. 49(3)"


def test_a_prohibited_result_lists_what_to_do_not_design_duties():
    proposal = ai_act.propose({**CV_SCREENING, "organisation_role": "provider",
                               "prohibited_practices": ["emotion_workplace_education"]})
    assert proposal.tier == "prohibited"
    assert keys(proposal) == {"stop_prohibited", "withdraw_prohibited"}


def test_a_deployer_who_rebrands_becomes_provider():
    proposal = ai_act.propose({**CV_SCREENING, "becomes_provider": "yes"})
    assert proposal.role == "provider" and "risk_management" in keys(proposal)
    assert "Treated as provider under Art. 25(1)." in basis(proposal, "en")
    assert "au titre de l'art. 25(1)" in basis(proposal, "fr")


# --- 6. Annex I names the product law ----------------------------------------------------------------------------

def test_annex_i_names_the_legislation_and_the_third_party_assessment():
    proposal = ai_act.propose(answers(organisation_role="product_manufacturer", annex_i_legislation=["medical_devices"],
                                      annex_i_safety_component="safety_component", annex_i_third_party="yes"))
    assert (proposal.tier, proposal.routes, proposal.acting_role) == ("high_risk", ["annex_i"], "provider")
    assert proposal.annex_i[0]["act"] == "Regulation (EU) 2017/745" and proposal.annex_i[0]["section"] == "A"
    assert ("Art. 6(1), Annex I Section A point 11: Regulation (EU) 2017/745 (Medical devices); the AI system is a "
            "safety component; third-party conformity assessment required → High risk.") in basis(proposal, "en")
    assert "art. 6(1), annexe I, section A, point 11 : règlement (UE) 2017/745 (Dispositifs médicaux)" in basis(proposal, "fr")
    assert {o["applies_from"] for o in proposal.obligations if o["key"] == "risk_management"} == {"2028-08-02"}
    assert "registration_provider" not in keys(proposal)  # Art. 49(1) registration is for Annex III


def test_annex_i_without_third_party_assessment_is_not_high_risk_and_says_why():
    proposal = ai_act.propose(answers(organisation_role="provider", annex_i_legislation=["toys"],
                                      annex_i_safety_component="product", annex_i_third_party="no"))
    assert proposal.tier == "minimal"
    assert "Directive 2009/48/EC (Toys)" in basis(proposal, "en") and "no third-party" in basis(proposal, "en")
    assert "directive 2009/48/CE (Jouets)" in basis(proposal, "fr")


def test_annex_i_section_b_is_high_risk_through_the_sector_legislation():
    proposal = ai_act.propose(answers(organisation_role="provider", annex_i_legislation=["motor_vehicles"],
                                      annex_i_safety_component="safety_component", annex_i_third_party="yes"))
    assert (proposal.tier, proposal.routes) == ("high_risk", ["annex_i_b"])
    assert keys(proposal) == {"sectoral_requirements"}
    assert "Art. 2(2)" in basis(proposal, "en") and "art. 2(2)" in basis(proposal, "fr")


# --- 7. General-purpose AI as its own track ----------------------------------------------------------------------

GPAI = answers(organisation_role="provider", gpai_model="yes", gpai_systemic="no", gpai_open_source="no")


def test_gpai_provider_without_systemic_risk():
    proposal = ai_act.propose(GPAI)
    assert (proposal.gpai_result, proposal.gpai_systemic, proposal.tier) == ("gpai_model", False, "minimal")
    assert {"gpai_documentation", "gpai_copyright"} <= keys(proposal)
    assert not {"gpai_systemic", "gpai_notify_commission", "gpai_authorised_representative"} & keys(proposal)
    assert "General-purpose AI track: Provider of a general-purpose AI model" in basis(proposal, "en")
    assert "Volet IA à usage général : Fournisseur d'un modèle d'IA à usage général" in basis(proposal, "fr")


def test_gpai_provider_with_systemic_risk_by_the_compute_presumption():
    proposal = ai_act.propose({**GPAI, "gpai_systemic": "compute_presumption", "established_outside_eu": "yes"})
    assert (proposal.gpai_result, proposal.gpai_systemic) == ("gpai_model_systemic", True)
    assert {"gpai_systemic", "gpai_notify_commission", "gpai_authorised_representative"} <= keys(proposal)
    assert "Systemic risk: Art. 51(2)." in basis(proposal, "en")
    assert "Risque systémique : art. 51(2)." in basis(proposal, "fr")
    designated = ai_act.propose({**GPAI, "gpai_systemic": "designated"})
    assert "gpai_systemic" in keys(designated) and "gpai_notify_commission" not in keys(designated)


def test_open_source_gpai_is_exempt_from_documentation_unless_systemic():
    open_model = ai_act.propose({**GPAI, "gpai_open_source": "yes", "established_outside_eu": "yes"})
    assert open_model.gpai_open_source_exempt
    assert "gpai_copyright" in keys(open_model)  # the exemption has limits: copyright duties stay
    assert not {"gpai_documentation", "gpai_authorised_representative"} & keys(open_model)
    assert "Art. 53(2)" in basis(open_model, "en") and "art. 53(2)" in basis(open_model, "fr")
    systemic = ai_act.propose({**GPAI, "gpai_open_source": "yes", "gpai_systemic": "compute_presumption"})
    assert not systemic.gpai_open_source_exempt and "gpai_documentation" in keys(systemic)


def test_a_system_on_a_third_party_gpai_model_records_the_model_and_what_its_provider_owes():
    proposal = ai_act.propose(answers(organisation_role="provider_on_gpai", upstream_gpai_model="Mistral Large, Mistral AI",
                                      annex_iii_uses=["recruitment"], profiling="yes"))
    assert (proposal.role, proposal.upstream_gpai, proposal.upstream_model) == ("provider", True,
                                                                               "Mistral Large, Mistral AI")
    assert proposal.gpai_result == ""  # a system, not a model provider
    upstream = next(o for o in proposal.obligations if o["key"] == "upstream_gpai_information")
    assert (upstream["binds"], upstream["binds_other"]) == ("gpai_provider", True)
    assert "supplier_agreement" in keys(proposal)  # Art. 25(4)
    assert "Mistral Large, Mistral AI" in basis(proposal, "fr")
    with pytest.raises(ValidationError) as excinfo:  # the model must be named
        ai_act.propose(answers(organisation_role="provider_on_gpai"))
    assert set(excinfo.value.message_dict) == {"upstream_gpai_model"}


def test_the_role_list_has_authorised_representative_and_product_manufacturer():
    catalogue = ai_act.catalogue()
    assert {"authorised_representative", "product_manufacturer"} <= {r["key"] for r in catalogue["roles"]}
    representative = ai_act.propose(answers(organisation_role="authorised_representative",
                                            annex_iii_uses=["recruitment"], profiling="yes"))
    assert {"authorised_representative_tasks", "registration_provider"} <= keys(representative)


# --- 8. Labels as wide as the Act ---------------------------------------------------------------------------------

def test_annex_iii_labels_are_as_wide_as_the_act():
    choices = {c["value"]: c["label"]["en"] for q in ai_act.catalogue()["questions"] if q["key"] == "annex_iii_uses"
               for c in q["choices"]}
    assert "grant, reduce, revoke or reclaim" in choices["public_benefits"]
    assert "reliability of evidence" in choices["asylum_visa_applications"]
    assert "applying the law to a concrete set of facts" in choices["judicial_assistance"]
    french = {c["value"]: c["label"]["fr"] for q in ai_act.catalogue()["questions"] if q["key"] == "annex_iii_uses"
              for c in q["choices"]}
    assert "accorder, réduire, révoquer ou récupérer" in french["public_benefits"]
    assert "fiabilité des preuves" in french["asylum_visa_applications"]
    assert "application du droit à un ensemble concret de faits" in french["judicial_assistance"]


def test_a_blank_answer_is_refused_in_the_readers_language():
    given = {k: v for k, v in CV_SCREENING.items() if k != "deployer_type"}
    with translation.override("fr"):
        with pytest.raises(ValidationError) as excinfo:
            ai_act.propose(given)
        with pytest.raises(ValidationError) as mixed:
            ai_act.propose(answers(annex_iii_uses=["none", "recruitment"]))
    assert excinfo.value.message_dict == {"deployer_type": ["Une réponse est requise pour cette question."]}
    assert "ne peuvent pas" in mixed.value.message_dict["annex_iii_uses"][0]


# --- 9. French throughout: facts stored, words rendered ------------------------------------------------------------

def test_citations_render_in_french():
    assert ai_act.cite("Annex III point 4(a)", "fr") == "annexe III, point 4 a)"
    assert ai_act.cite("Art. 53(1)(a)-(b), Annexes XI and XII", "fr") == "art. 53(1)(a)-(b), annexes XI et XII"
    assert ai_act.cite("Regulation (EU) No 168/2013", "fr") == "règlement (UE) n° 168/2013"
    assert ai_act.cite("Annex III point 4(a)", "en") == "Annex III point 4(a)"


def test_the_stored_basis_is_facts_not_sentences(make_system, manager):
    manager.language = "fr"
    classification = services.classify_system(actor=manager, system=make_system(), answers=CV_SCREENING)
    assert classification.rationale == ""  # nothing typed by the classifier: no sentence frozen in one language
    stored = classification.proposal["rationale"]
    assert stored[0] == {"text": "role", "params": {"role": {"en": "Deployer", "fr": "Déployeur"}}}
    assert ai_act.render_rationale(stored, "en")[0] == "Organisation role: Deployer."
    assert ai_act.render_rationale(stored, "fr")[0] == "Rôle de l'organisation : Déployeur."


# --- Catalogue as data ---------------------------------------------------------------------------------------------

def test_dates_are_catalogue_data_an_administrator_can_override(settings, tmp_path):
    shipped = load_catalog("ai_act")
    assert shipped["dates"]["high_risk_annex_iii"]["date"] == "2027-12-02"
    text = (ai_act.__file__.rsplit("/inventory/", 1)[0] + "/catalogs/ai_act.yaml")
    override = open(text, encoding="utf-8").read().replace("2027-12-02", "2029-01-01").replace(
        f'version: "{shipped["version"]}"', 'version: "local-1"')
    settings.DATA_DIR = tmp_path
    (tmp_path / "catalogs").mkdir()
    (tmp_path / "catalogs" / "ai_act.yaml").write_text(override, encoding="utf-8")
    proposal = ai_act.propose({**CV_SCREENING, "deployer_type": "public_body"})
    assert proposal.catalogue_version == "local-1"
    assert {o["applies_from"] for o in proposal.obligations if o["key"] == "fria"} == {"2029-01-01"}


def test_obligation_keys_are_unique_and_every_condition_is_understood():
    cat = ai_act.catalogue()
    obligation_keys = [o["key"] for o in cat["obligations"]]
    assert len(obligation_keys) == len(set(obligation_keys))
    for question in cat["questions"]:  # show_if refers to earlier questions only (one pass settles visibility)
        earlier = {q["key"] for q in cat["questions"][:cat["questions"].index(question)]}
        condition = question.get("show_if") or {}
        for part in condition.get("any", condition.get("all", [condition] if condition else [])):
            assert part["question"] in earlier, question["key"]


# --- The recorded classification ------------------------------------------------------------------------------------

def test_classifying_sets_the_system_tier_and_keeps_the_facts(make_system, manager):
    system = make_system()
    classification = services.classify_system(actor=manager, system=system, answers=CV_SCREENING)
    system.refresh_from_db()
    assert (system.ai_act_tier, system.ai_act_role) == ("high_risk", "deployer")
    assert classification.status == Classification.Status.AWAITING_SIGN_OFF and not classification.provisional
    assert classification.catalogue_version == load_catalog("ai_act")["version"]
    assert any(o["key"] == "deployer_inform_workers" and o["binds"] == "deployer"
               for o in classification.obligations)


def test_an_out_of_scope_classification_is_recorded_without_a_role(make_system, manager):
    system = make_system()
    services.classify_system(actor=manager, system=system, answers=answers(ai_system="no"))
    system.refresh_from_db()
    assert (system.ai_act_tier, system.ai_act_role) == ("out_of_scope", "")


def test_dont_know_opens_a_task_for_the_owner_and_blocks_sign_off_until_resolved(make_system, manager, owner):
    system = make_system()
    provisional = services.classify_system(actor=manager, system=system,
                                           answers=answers(transparency_cases=["dont_know"]))
    system.refresh_from_db()
    assert provisional.provisional and system.ai_act_tier == "transparency"
    task = Task.objects.get(assignee=owner, source=f"inventory.classification.provisional.{system.pk}")
    assert task.url == f"{system.get_absolute_url()}?tab=classification#classification" and task.done_at is None
    with pytest.raises(ValidationError):
        services.sign_off_classification(actor=owner, classification=provisional)
    resolved = services.classify_system(actor=owner, system=system, answers=answers())
    task.refresh_from_db()
    assert task.done_at is not None and not resolved.provisional
    assert services.sign_off_classification(actor=manager, classification=resolved).status == "signed_off"


def test_departing_from_the_proposal_needs_a_written_rationale(make_system, manager):
    system = make_system()
    with pytest.raises(ValidationError) as excinfo:
        services.classify_system(actor=manager, system=system, answers=CV_SCREENING, final_tier="minimal")
    assert "rationale" in excinfo.value.message_dict
    classification = services.classify_system(actor=manager, system=system, answers=CV_SCREENING,
                                              final_tier="minimal", rationale="Only sorts by arrival date")
    assert classification.differs_from_proposal and classification.proposed_tier == "high_risk"
    assert classification.rationale == "Only sorts by arrival date"


def test_sign_off_must_come_from_someone_else(make_system, manager, owner):
    system = make_system()
    classification = services.classify_system(actor=owner, system=system, answers=CV_SCREENING)
    with pytest.raises(PermissionDenied):
        services.sign_off_classification(actor=owner, classification=classification)
    signed = services.sign_off_classification(actor=manager, classification=classification, comment="Agreed")
    assert (signed.status, signed.reviewer) == (Classification.Status.SIGNED_OFF, manager)
    with pytest.raises(ValidationError):
        services.sign_off_classification(actor=manager, classification=signed)


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
