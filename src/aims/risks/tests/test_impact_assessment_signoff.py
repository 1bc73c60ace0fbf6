"""Impact assessments: answered, submitted complete, approved by someone other than the author, reopened on change."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation
from django.utils.translation import gettext_lazy

from aims.core.models import LedgerEvent, Notification, Task
from aims.core.stored_text import Text
from aims.risks import catalogs, services
from aims.risks.models import ImpactAssessment
from aims.risks.triggers import request_review

pytestmark = pytest.mark.django_db


def full_answers() -> dict:
    answers = {}
    for key, q in catalogs.template_questions(catalogs.impact_template()).items():
        options = [o["key"] for o in q.get("options", [])]
        answers[key] = {"text": f"About {key}.", "boolean": True, "choice": options[:1] and options[0],
                        "multichoice": options[:2], "scale": 2}[q["type"]]
    return answers


@pytest.fixture
def submitted(make_system, owner):
    system = make_system(name="CV screening", ai_act_tier="high_risk")
    assessment = services.start_impact_assessment(actor=owner, system=system)
    services.save_impact_answers(actor=owner, assessment=assessment, answers=full_answers())
    return services.submit_impact_assessment(actor=owner, assessment=assessment)


def test_submission_requires_every_required_answer(make_system, owner):
    assessment = services.start_impact_assessment(actor=owner, system=make_system())
    services.save_impact_answers(actor=owner, assessment=assessment, answers={"purpose": "Screen CVs"})
    with pytest.raises(ValidationError) as caught:
        services.submit_impact_assessment(actor=owner, assessment=assessment)
    assert "rights_at_stake" in caught.value.message_dict
    with pytest.raises(ValidationError):
        services.start_impact_assessment(actor=owner, system=assessment.system)  # one run in progress at a time


def test_the_author_cannot_sign_off_but_another_person_can(submitted, owner, risk_manager):
    assert submitted.dpia_required  # personal data and every screening criterion answered yes
    with pytest.raises(PermissionDenied):
        services.approve_impact_assessment(actor=owner, assessment=submitted)
    approved = services.approve_impact_assessment(actor=risk_manager, assessment=submitted, comment="Sound")
    assert (approved.status, approved.approved_by) == (ImpactAssessment.Status.APPROVED, risk_manager)
    assert LedgerEvent.objects.filter(action="risks.impactassessment.approve", actor=risk_manager).exists()


def test_a_major_change_reopens_it_and_a_new_run_starts_from_the_old_answers(submitted, owner, risk_manager):
    services.approve_impact_assessment(actor=risk_manager, assessment=submitted)
    request_review(actor=None, reason="New model version", systems=[submitted.system], source="major_change")
    submitted.refresh_from_db()
    assert submitted.status == ImpactAssessment.Status.REOPENED and submitted.reopen_reason == "New model version"
    task = Task.objects.get(assignee=owner, source=f"risks.impact.system{submitted.system_id}.rerun")
    rerun = services.start_impact_assessment(actor=owner, system=submitted.system)
    assert rerun.number == 2 and rerun.answers == submitted.answers and rerun.status == "draft"
    services.submit_impact_assessment(actor=owner, assessment=rerun)
    services.approve_impact_assessment(actor=risk_manager, assessment=rerun)
    task.refresh_from_db()
    assert task.done_at is not None


def test_the_products_reopening_reason_reads_in_each_readers_language(submitted, owner, risk_manager):
    services.approve_impact_assessment(actor=risk_manager, assessment=submitted)
    owner.language = "fr"
    owner.save(update_fields=["language"])
    reason = Text(gettext_lazy("Major change of %(system)s: %(description)s"), system="CV screening",
                  description="New model")
    request_review(actor=None, reason=reason, systems=[submitted.system], source="major_change")

    submitted.refresh_from_db()
    assert submitted.reopen_reason == "Major change of CV screening: New model"  # the API and the ledger: English
    assert submitted.reopen_reason_text == "Major change of CV screening: New model"
    with translation.override("fr"):
        french = submitted.reopen_reason_text
    assert french != submitted.reopen_reason and "CV screening" in french and "New model" in french
    notification = Notification.objects.get(recipient=owner, title_message__startswith="The impact assessment")
    assert french in notification.body  # rendered for the owner, who reads French


def test_a_typed_reopening_reason_stays_as_typed(submitted, owner, risk_manager):
    services.approve_impact_assessment(actor=risk_manager, assessment=submitted)
    services.request_impact_reassessment(actor=owner, assessment=submitted, reason="Nouvelle population d'usagers")
    submitted.refresh_from_db()
    with translation.override("en"):
        assert submitted.reopen_reason_text == "Nouvelle population d'usagers" == submitted.reopen_reason


def test_incidents_do_not_reopen_impact_assessments(submitted, risk_manager):
    services.approve_impact_assessment(actor=risk_manager, assessment=submitted)
    request_review(actor=None, reason="Minor incident", systems=[submitted.system], source="incident")
    submitted.refresh_from_db()
    assert submitted.status == ImpactAssessment.Status.APPROVED


def test_returned_to_draft_with_a_comment(submitted, risk_manager, south_owner):
    with pytest.raises(PermissionDenied):
        services.return_impact_assessment(actor=south_owner, assessment=submitted, comment="no")
    returned = services.return_impact_assessment(actor=risk_manager, assessment=submitted, comment="Detail rights")
    assert returned.status == ImpactAssessment.Status.DRAFT
