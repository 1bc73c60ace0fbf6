"""The governance tabs: classification questionnaire and sign-off, lifecycle gate with fix links and overrides,
change decisions, documentation (model card, decision log, playbooks, completeness)."""

import re

import pytest
from django.urls import reverse
from django.utils import translation

from aims.core.models import LedgerEvent
from aims.inventory import services
from aims.inventory.models import ChangeDecision, Classification, GateOverride, ModelCard, Playbook, Stage

pytestmark = pytest.mark.django_db

from aims.inventory.testing import CV_SCREENING as CV_ANSWERS  # noqa: E402


def tab(system, name) -> str:
    return f"{reverse('inventory:system_detail', args=[system.pk])}?tab={name}"


# --- Classification ---------------------------------------------------------------------------------------------------

def test_the_questionnaire_is_rendered_from_the_catalogue_in_the_persons_language(client, make_system, manager):
    system = make_system()
    client.force_login(manager)
    page = client.get(tab(system, "classification")).content.decode()
    assert 'name="annex_iii_uses" value="recruitment"' in page
    assert "4. Employment, workers management and access to self-employment" in page
    manager.language = "fr"
    manager.save()
    client.force_login(manager)
    page = client.get(tab(system, "classification"), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "4. Emploi, gestion de la main-d" in page


def test_classifying_a_cv_screening_tool_proposes_high_risk_annex_iii_employment(client, make_system, manager):
    system = make_system()
    client.force_login(manager)
    response = client.post(reverse("inventory:system_classify", args=[system.pk]), CV_ANSWERS)
    assert response.status_code == 302
    system.refresh_from_db()
    assert (system.ai_act_tier, system.ai_act_role) == ("high_risk", "deployer")
    page = client.get(tab(system, "classification")).content.decode()
    assert 'data-tier="high_risk">High risk' in page
    assert "Employment, workers management" in page
    assert "Art. 26(7)" in page and "2027-12-02" in page  # an obligation with its date of application
    assert LedgerEvent.objects.filter(action="inventory.classification.create").exists()
    assert 'name="annex_iii_uses" value="recruitment" checked' in page  # re-classification starts from the answers


def test_a_blank_answer_is_shown_next_to_its_question_never_read_as_no(client, make_system, manager):
    system = make_system()
    client.force_login(manager)
    posted = {k: v for k, v in CV_ANSWERS.items() if k != "transparency_cases"}
    response = client.post(reverse("inventory:system_classify", args=[system.pk]), posted)
    assert response.status_code == 400
    page = response.content.decode()
    question = re.search(r'id="q-transparency_cases".*?</fieldset>', page, re.S).group(0)
    assert "none of these" in question and 'role="alert"' in question
    assert not Classification.objects.exists()


def test_the_live_proposal_shows_tier_basis_and_duties_before_saving(client, make_system, manager):
    system = make_system()
    client.force_login(manager)
    url = reverse("inventory:system_classify_preview", args=[system.pk])
    partial = client.post(url, {"ai_system": "yes"}, HTTP_HX_REQUEST="true").content.decode()
    assert 'data-result="missing"' in partial and "Is the system used only in one of these situations" in partial
    partial = client.post(url, CV_ANSWERS, HTTP_HX_REQUEST="true").content.decode()
    assert 'data-tier="high_risk"' in partial and "Annex III point 4(a)" in partial
    assert 'data-obligation="deployer_inform_workers"' in partial and "2 Dec 2027" in partial
    assert not Classification.objects.exists()  # nothing saved
    page = client.get(tab(system, "classification")).content.decode()
    assert 'hx-post="%s"' % url in page and 'hx-target="#live-proposal"' in page
    assert "<script>" not in page  # the product's CSP allows no inline script


def test_the_recorded_basis_and_dates_read_in_the_readers_language(client, make_system, manager):
    system = make_system()
    services.classify_system(actor=manager, system=system, answers=CV_ANSWERS)  # classified in English
    manager.language = "fr"
    manager.save()
    client.force_login(manager)
    with translation.override("en"):  # the request activates French; leave English behind for the next tests
        page = client.get(tab(system, "classification"), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Rôle de l&#x27;organisation : Déployeur." in page
    assert "annexe III, point 4 a)" in page
    assert "2 déc. 2027" in page  # the French date format of the reader
    assert "Organisation role" not in page


def test_the_art_27_duty_and_a_blank_answer_read_in_french(client, make_system, manager):
    system = make_system()
    services.classify_system(actor=manager, system=system, answers={**CV_ANSWERS, "deployer_type": "public_body"})
    manager.language = "fr"
    manager.save()
    client.force_login(manager)
    with translation.override("en"):  # the request activates French; leave English behind for the next tests
        page = client.get(tab(system, "classification"), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
        posted = {k: v for k, v in CV_ANSWERS.items() if k != "transparency_cases"}
        response = client.post(reverse("inventory:system_classify", args=[system.pk]), posted,
                               HTTP_ACCEPT_LANGUAGE="fr")
    row = re.search(r'<tr data-obligation="fria">.*?</tr>', page, re.S).group(0)
    assert "art. 27" in row and "Analyse d&#x27;impact sur les droits fondamentaux" in row
    assert response.status_code == 400
    question = re.search(r'id="q-transparency_cases".*?</fieldset>', response.content.decode(), re.S).group(0)
    assert "Cochez chaque réponse qui s&#x27;applique" in question and 'role="alert"' in question


def test_a_provisional_classification_says_so_and_offers_no_sign_off(client, make_system, manager, owner):
    system = make_system()
    services.classify_system(actor=manager, system=system, answers={**CV_ANSWERS, "annex_iii_uses": ["dont_know"]})
    client.force_login(owner)
    page = client.get(tab(system, "classification")).content.decode()
    assert 'data-result="provisional"' in page and "Sign off as reviewer" not in page


def test_departing_from_the_proposal_needs_a_rationale(client, make_system, manager):
    system = make_system()
    client.force_login(manager)
    url = reverse("inventory:system_classify", args=[system.pk])
    response = client.post(url, {**CV_ANSWERS, "final_tier": "minimal"})
    assert response.status_code == 400 and "Explain why" in response.content.decode()
    assert client.post(url, {**CV_ANSWERS, "final_tier": "minimal", "rationale": "Only sorts by date"}).status_code == 302
    assert Classification.objects.get().final_tier == "minimal"


def test_sign_off_is_by_another_person(client, make_system, manager, owner):
    system = make_system()
    classification = services.classify_system(actor=owner, system=system, answers=CV_ANSWERS)
    url = reverse("inventory:classification_sign_off", args=[system.pk, classification.pk])
    client.force_login(owner)
    page = client.get(tab(system, "classification")).content.decode()
    assert "Sign off as reviewer" not in page and "You cannot approve your own work." in page
    response = client.post(url, {"comment": "self"})
    assert response.status_code == 403
    client.force_login(manager)
    assert "Sign off as reviewer" in client.get(tab(system, "classification")).content.decode()
    assert client.post(url, {"comment": "Agreed"}).status_code == 302
    classification.refresh_from_db()
    assert (classification.status, classification.reviewer) == (Classification.Status.SIGNED_OFF, manager)


# --- Lifecycle ----------------------------------------------------------------------------------------------------------

def test_the_gate_refuses_with_each_failed_check_and_a_link_to_fix_it(client, make_system, manager):
    system = make_system()
    services.move_to_stage(actor=manager, system=system, stage=Stage.VALIDATION)
    system.refresh_from_db()
    client.force_login(manager)
    page = client.get(tab(system, "lifecycle")).content.decode()
    assert 'data-check="inventory.owner_approval" data-passed="0"' in page
    response = client.post(reverse("inventory:system_move", args=[system.pk]),
                           {"stage": "deployment", "version": system.version})
    assert response.status_code == 400
    page = response.content.decode()
    assert "The gate refused the move" in page
    for key in ("owner_approval", "documentation", "escalation_path"):
        assert f'data-check="inventory.{key}" data-passed="0"' in page
    assert 'data-check="inventory.supplier_evidence" data-passed="1"' in page
    # Fix links open the right tab of the system page.
    assert f'href="/inventory/systems/{system.pk}/?tab=documentation#documentation"' in page
    assert f'href="/inventory/systems/{system.pk}/?tab=lifecycle#go-live"' in page
    system.refresh_from_db()
    assert system.stage == Stage.VALIDATION


def test_fixing_the_checks_lets_the_system_through(client, ready_system, owner, manager):
    client.force_login(owner)
    assert client.post(reverse("inventory:system_approve_go_live", args=[ready_system.pk]), {}).status_code == 302
    ready_system.refresh_from_db()
    response = client.post(reverse("inventory:system_move", args=[ready_system.pk]),
                           {"stage": "deployment", "version": ready_system.version})
    assert response.status_code == 302
    ready_system.refresh_from_db()
    assert ready_system.stage == Stage.DEPLOYMENT
    assert LedgerEvent.objects.filter(action="inventory.aisystem.move_stage", object_id=str(ready_system.pk)).exists()


def test_only_the_owner_sees_the_go_live_approval_button(client, ready_system, manager, owner):
    client.force_login(manager)
    assert "Approve the go-live" not in client.get(tab(ready_system, "lifecycle")).content.decode()
    assert client.post(reverse("inventory:system_approve_go_live", args=[ready_system.pk]), {}).status_code == 403
    client.force_login(owner)
    assert "Approve the go-live" in client.get(tab(ready_system, "lifecycle")).content.decode()


def test_an_aims_manager_overrides_with_a_justification_and_it_is_listed(client, ready_system, manager):
    client.force_login(manager)
    page = client.get(tab(ready_system, "lifecycle") + "&target=deployment").content.decode()
    assert "Override justification" in page
    response = client.post(reverse("inventory:system_move", args=[ready_system.pk]), {
        "stage": "deployment", "version": ready_system.version, "justification": "Pilot with five recruiters"})
    assert response.status_code == 302
    override = GateOverride.objects.get()
    assert override.failed_checks[0]["key"] == "inventory.owner_approval"
    page = client.get(tab(ready_system, "lifecycle")).content.decode()
    assert "Pilot with five recruiters" in page


def test_a_contributor_gets_no_override_field_and_cannot_force_the_gate(client, ready_system, contributor):
    client.force_login(contributor)
    page = client.get(tab(ready_system, "lifecycle") + "&target=deployment").content.decode()
    assert "Override justification" not in page
    response = client.post(reverse("inventory:system_move", args=[ready_system.pk]), {
        "stage": "deployment", "version": ready_system.version, "justification": "Trust me"})
    assert response.status_code == 403
    assert not GateOverride.objects.exists()


def test_a_stale_move_is_refused_with_the_stale_message(client, make_system, manager):
    system = make_system()
    client.force_login(manager)
    response = client.post(reverse("inventory:system_move", args=[system.pk]),
                           {"stage": "design", "version": system.version + 5})
    assert response.status_code == 400
    assert "Someone else changed this record" in response.content.decode()


# --- Change decisions ---------------------------------------------------------------------------------------------------

def test_minor_update_requested_approved_and_made_effective(client, make_system, manager, role_user, org):
    lead, referent = role_user("contributor", org["north"]), role_user("viewer", org["north"])
    system = make_system(technical_lead=lead, business_referent=referent)
    client.force_login(manager)
    response = client.post(reverse("inventory:change_request", args=[system.pk]),
                           {"kind": "minor_update", "description": "Retrain on 2025 data"})
    assert response.status_code == 302
    decision = ChangeDecision.objects.get()
    for person in (lead, referent):
        client.force_login(person)
        page = client.get(tab(system, "changes")).content.decode()
        assert f'formaction="/inventory/changes/{decision.pk}/approve/"' in page
        assert client.post(reverse("inventory:change_approve", args=[decision.pk]),
                           {"comment": "ok", "from": "system"}).status_code == 302
    decision.refresh_from_db()
    assert decision.status == ChangeDecision.Status.APPROVED
    client.force_login(manager)
    assert "Make effective" in client.get(tab(system, "changes")).content.decode()
    client.post(reverse("inventory:change_effective", args=[decision.pk]))
    decision.refresh_from_db()
    assert decision.status == ChangeDecision.Status.EFFECTIVE


def test_rejecting_needs_a_comment_shown_next_to_the_field(client, make_system, manager, groups):
    system = make_system()
    decision = services.request_change(actor=manager, system=system, kind="major_update", description="New model")
    member = groups["AI governance committee"]
    client.force_login(member)
    # The committee member has no inventory role: the decision page opens for them as an expected approver.
    assert client.get(reverse("inventory:change_detail", args=[decision.pk])).status_code == 200
    assert client.get(tab(system, "changes")).status_code == 302  # sent to the decision they must approve
    response = client.post(reverse("inventory:change_reject", args=[decision.pk]), {"comment": ""})
    assert response.status_code == 400 and "Say why you reject" in response.content.decode()
    client.post(reverse("inventory:change_reject", args=[decision.pk]), {"comment": "Too risky"})
    decision.refresh_from_db()
    assert decision.status == ChangeDecision.Status.REJECTED


def test_a_stranger_cannot_open_a_change_decision(client, make_system, manager, groups):
    from aims.core.testing import person_with_role

    system = make_system()
    decision = services.request_change(actor=manager, system=system, kind="major_update", description="New model")
    client.force_login(person_with_role(None))
    assert client.get(reverse("inventory:change_detail", args=[decision.pk])).status_code == 404


# --- Documentation ------------------------------------------------------------------------------------------------------

def test_model_card_form_saves_cyclonedx_fields_and_completeness_rises(client, make_system, manager):
    system = make_system()
    client.force_login(manager)
    before = re.search(r'data-completeness="(\d+)"', client.get(tab(system, "documentation")).content.decode()).group(1)
    url = reverse("inventory:model_card_edit", args=[system.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {
        "approach": "supervised", "task": "ranking", "technical_limitations": "English CVs only\nNo PDFs with images",
        "inputs": "application/pdf", "outputs": "application/json",
        "datasets": "Past applications | 2019-2024 hires", "performance_metrics": "accuracy | 0.91 | all",
        "ethical_considerations": "Gender bias | Balanced sampling",
        "fairness_assessments": "Women | faster review | unfair rejection | audit quarterly"})
    assert response.status_code == 302
    card = ModelCard.objects.get(system=system)
    assert card.datasets == [{"name": "Past applications", "description": "2019-2024 hires"}]
    assert card.performance_metrics == [{"type": "accuracy", "value": "0.91", "slice": "all"}]
    assert card.fairness_assessments[0]["mitigation_strategy"] == "audit quarterly"
    page = client.get(tab(system, "documentation")).content.decode()
    after = re.search(r'data-completeness="(\d+)"', page).group(1)
    assert int(after) > int(before)
    assert "English CVs only" in page

    # Editing with the version read before someone else saved is refused.
    response = client.post(url, {"task": "other", "version": card.version - 1 if card.version > 1 else 99})
    assert response.status_code == 400 and "Someone else changed this record" in response.content.decode()


def test_a_malformed_model_card_line_is_reported_on_its_field(client, make_system, manager):
    system = make_system()
    client.force_login(manager)
    response = client.post(reverse("inventory:model_card_edit", args=[system.pk]),
                           {"performance_metrics": "a | b | c | d | e | f"})
    assert response.status_code == 400
    assert 'id="id_performance_metrics_error"' in response.content.decode()
    assert not ModelCard.objects.exists()


def test_decision_log_and_playbooks(client, make_system, manager):
    system = make_system()
    client.force_login(manager)
    assert client.post(reverse("inventory:decision_add", args=[system.pk]),
                       {"decision": "Keep a human in the loop", "rationale": "AI Act Art. 14"}).status_code == 302
    response = client.post(reverse("inventory:decision_add", args=[system.pk]), {"decision": ""})
    assert response.status_code == 400
    url = reverse("inventory:playbook_create", args=[system.pk])
    assert client.post(url, {"title": "Rollback", "body": "# Steps\n1. **Stop** the job"}).status_code == 302
    playbook = Playbook.objects.get()
    page = client.get(tab(system, "documentation")).content.decode()
    assert "Keep a human in the loop" in page and "<strong>Stop</strong>" in page
    edit = reverse("inventory:playbook_edit", args=[system.pk, playbook.pk])
    assert client.post(edit, {"title": "Rollback v2", "body": "x", "version": playbook.version}).status_code == 302
    assert client.post(edit, {"title": "Lost", "body": "y", "version": playbook.version}).status_code == 400
    assert Playbook.objects.get().title == "Rollback v2"
