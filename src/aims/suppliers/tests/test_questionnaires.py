"""Due-diligence questionnaires: sending, the private link's life (answer, attach, submit, follow-up, review, revoke,
expiry), the computed score and the evidence kept, each change ledgered."""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from aims.core.models import LedgerEvent, Task
from aims.core.services import hash_token
from aims.core.testing import person_with_role
from aims.evidence.models import EvidenceLink
from aims.suppliers import services
from aims.suppliers.catalog import compute_score, questions
from aims.suppliers.models import Assessment, Questionnaire

pytestmark = pytest.mark.django_db

TEMPLATE = {"version": "t", "sections": [
    {"key": "a", "title": "A", "questions": [
        {"key": "a1", "kind": "choice", "weight": 3}, {"key": "a2", "kind": "choice", "weight": 1},
        {"key": "a3", "kind": "text", "required": False}]},
    {"key": "b", "title": "B", "questions": [{"key": "b1", "kind": "choice", "weight": 2}]},
]}


@pytest.mark.parametrize(("answers", "overall", "sections"), [
    ({"a1": "yes", "a2": "yes", "b1": "yes"}, 100, {"a": 100, "b": 100}),
    ({"a1": "no", "a2": "no", "b1": "no"}, 0, {"a": 0, "b": 0}),
    ({"a1": "yes", "a2": "no", "b1": "partly"}, 67, {"a": 75, "b": 50}),      # (3 + 0 + 1) / 6
    ({"a1": "partly", "a2": "na", "b1": "na"}, 50, {"a": 50, "b": None}),     # n/a left out entirely
    ({"a1": "na", "a2": "na", "b1": "na"}, None, {"a": None, "b": None}),
    ({"a1": "yes", "a3": "free text is never scored"}, 100, {"a": 100, "b": None}),
    ({"a1": "maybe", "a2": "yes"}, 100, {"a": 100, "b": None}),               # an unknown value is not a choice
])
def test_the_score_is_computed_from_weighted_choices(answers, overall, sections):
    assert compute_score(TEMPLATE, answers) == (overall, sections)


def full_answers(questionnaire, choice="yes"):
    return {q["key"]: (choice if q["kind"] == "choice" else "Our answer") for q in questions(questionnaire.template)}


@pytest.fixture
def supplier(make_supplier):
    return make_supplier()


@pytest.fixture
def contact(supplier, procurement):
    return services.add_contact(actor=procurement, supplier=supplier, name="Ada Vendor", email="ada@vendor.example")


@pytest.fixture
def sent(supplier, contact, procurement, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        questionnaire, secret = services.send_questionnaire(actor=procurement, supplier=supplier, contact=contact)
    return questionnaire, secret


def test_sending_starts_an_assessment_keeps_the_template_and_only_the_hash(sent, supplier):
    questionnaire, secret = sent
    assert questionnaire.token_hash == hash_token(secret) and secret not in str(
        Questionnaire.objects.filter(pk=questionnaire.pk).values().get())
    assert questionnaire.assessment.state == Assessment.State.IN_PROGRESS
    assert questionnaire.template_version == "2026.1" and len(questions(questionnaire.template)) >= 20
    assert {s["key"] for s in questionnaire.template["sections"]} == {
        "security", "vulnerabilities", "lineage", "licences", "incidents", "hosting", "ai"}
    assert all(q.get("control", "").startswith("A.") for q in questions(questionnaire.template))
    assert questionnaire.expires_at - questionnaire.sent_at == timedelta(days=30)
    (message,) = mail.outbox
    assert message.to == ["ada@vendor.example"] and secret in message.body
    assert LedgerEvent.objects.filter(object_type="suppliers.questionnaire", object_id=str(questionnaire.pk),
                                      action="suppliers.questionnaire.create").exists()
    assert secret not in "".join(LedgerEvent.objects.values_list("after", flat=True))


def test_an_assessment_in_progress_is_reused(supplier, contact, procurement):
    assessment = services.start_assessment(actor=procurement, supplier=supplier)
    questionnaire, _ = services.send_questionnaire(actor=procurement, supplier=supplier, contact=contact, days=7)
    assert questionnaire.assessment == assessment
    assert questionnaire.expires_at - questionnaire.sent_at == timedelta(days=7)


def test_the_email_is_in_the_contacts_language(supplier, procurement, django_capture_on_commit_callbacks):
    contact = services.add_contact(actor=procurement, supplier=supplier, name="Zoé", email="zoe@vendor.example")
    contact.language = "fr"
    contact.save()
    with django_capture_on_commit_callbacks(execute=True):
        questionnaire, _ = services.send_questionnaire(actor=procurement, supplier=supplier, contact=contact)
    assert questionnaire.language == "fr"
    assert "Questionnaire de diligence" in mail.outbox[-1].subject or "questionnaire" in mail.outbox[-1].subject


def test_who_may_send(supplier, contact, org, make_supplier):
    stranger = person_with_role("system_owner", org["south"])
    with pytest.raises(PermissionDenied):
        services.send_questionnaire(actor=stranger, supplier=supplier, contact=contact)
    other = make_supplier(legal_name="Other Ltd")
    with pytest.raises(ValidationError):
        services.send_questionnaire(actor=supplier.owner, supplier=other, contact=contact)
    with pytest.raises(ValidationError):
        services.send_questionnaire(actor=supplier.owner, supplier=supplier, contact=contact, days=0)


def test_the_contact_answers_attaches_and_submits_then_the_owner_reviews(sent, supplier, procurement):
    questionnaire, secret = sent
    services.save_answers(secret=secret, answers={"sec_isms": "yes"})
    questionnaire.refresh_from_db()
    assert questionnaire.state == Questionnaire.State.ANSWERED and questionnaire.answers == {"sec_isms": "yes"}
    with pytest.raises(ValidationError):
        services.submit_questionnaire(secret=secret)  # required questions unanswered
    item = services.attach_file(secret=secret, file=SimpleUploadedFile("soc2.pdf", b"%PDF-1.4\n%%EOF\n"))
    assert EvidenceLink.objects.filter(item=item, object_id=str(supplier.pk)).exists()
    assert item.owner == procurement and "ada@vendor.example" in item.current_version.note
    answers = full_answers(questionnaire)
    answers["sec_testing"] = "no"
    services.save_answers(secret=secret, answers=answers)
    questionnaire = services.submit_questionnaire(secret=secret)
    assert questionnaire.state == Questionnaire.State.SUBMITTED and questionnaire.score < 100
    task = Task.objects.get(assignee=procurement, source=f"suppliers.questionnaire.{questionnaire.pk}")
    assert task.url == questionnaire.get_absolute_url() and task.done_at is None
    with pytest.raises(services.LinkClosed):
        services.save_answers(secret=secret, answers={"sec_isms": "no"})  # submitted: the link changes nothing
    questionnaire = services.review_questionnaire(actor=procurement, questionnaire=questionnaire, summary="Fine")
    assessment = Assessment.objects.get(pk=questionnaire.assessment_id)
    assert assessment.state == Assessment.State.COMPLETED and assessment.score == questionnaire.score
    assert questionnaire.report is not None and questionnaire.section_scores["security"] < 100
    assert EvidenceLink.objects.filter(item=questionnaire.report, object_id=str(supplier.pk)).exists()
    task.refresh_from_db()
    assert task.done_at is not None
    assert services.link_state(services.find_by_secret(secret)) == "gone"
    actions = list(LedgerEvent.objects.filter(object_type="suppliers.questionnaire").values_list("action", flat=True))
    for action in ("answer", "attach", "submit", "review"):
        assert f"suppliers.questionnaire.{action}" in actions
    assert LedgerEvent.objects.filter(action="suppliers.questionnaire.submit",
                                      actor_label__contains="ada@vendor.example").exists()


def test_a_follow_up_opens_the_link_again(sent, procurement, django_capture_on_commit_callbacks):
    questionnaire, secret = sent
    services.save_answers(secret=secret, answers=full_answers(questionnaire))
    questionnaire = services.submit_questionnaire(secret=secret)
    with pytest.raises(ValidationError):
        services.return_for_follow_up(actor=procurement, questionnaire=questionnaire, question=" ")
    with django_capture_on_commit_callbacks(execute=True):
        questionnaire = services.return_for_follow_up(actor=procurement, questionnaire=questionnaire,
                                                      question="Which SOC 2 type?")
    assert questionnaire.state == Questionnaire.State.RETURNED
    assert "Which SOC 2 type?" in mail.outbox[-1].body and secret not in mail.outbox[-1].body
    services.save_answers(secret=secret, answers={"lin_description": "Type II"})
    assert services.submit_questionnaire(secret=secret).state == Questionnaire.State.SUBMITTED


def test_revoked_and_expired_links_change_nothing(sent, procurement, supplier, contact):
    questionnaire, secret = sent
    services.revoke_questionnaire(actor=procurement, questionnaire=questionnaire, reason="Wrong contact")
    with pytest.raises(services.LinkClosed):
        services.save_answers(secret=secret, answers={"sec_isms": "yes"})
    with pytest.raises(ValidationError):
        services.revoke_questionnaire(actor=procurement, questionnaire=questionnaire)
    other, other_secret = services.send_questionnaire(actor=procurement, supplier=supplier, contact=contact)
    Questionnaire.objects.filter(pk=other.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    with pytest.raises(services.LinkClosed):
        services.attach_file(secret=other_secret, file=SimpleUploadedFile("a.txt", b"hello"))
    assert services.expire_questionnaires() == 1
    other.refresh_from_db()
    assert other.state == Questionnaire.State.EXPIRED
    assert not Questionnaire.objects.get(pk=other.pk).answers


def test_unknown_questions_and_values_are_refused(sent):
    questionnaire, secret = sent
    with pytest.raises(ValidationError):
        services.save_answers(secret=secret, answers={"nope": "yes"})
    with pytest.raises(ValidationError):
        services.save_answers(secret=secret, answers={"sec_isms": "absolutely"})
    with pytest.raises(ValidationError):
        services.save_answers(secret=secret, answers={"lin_description": "x" * 5001})


def test_a_catalogue_update_does_not_rewrite_past_questionnaires(sent, settings, tmp_path):
    questionnaire, secret = sent
    services.save_answers(secret=secret, answers=full_answers(questionnaire))
    before = Questionnaire.objects.get(pk=questionnaire.pk)
    (tmp_path / "catalogs").mkdir()
    (tmp_path / "catalogs" / "supplier_questionnaire.yaml").write_text(
        'version: "2027.1"\nsections:\n  - key: x\n    title: {en: X}\n    questions:\n'
        '      - {key: x1, kind: choice, weight: 1, control: A.10.3, text: {en: "New?"}}\n')
    settings.DATA_DIR = tmp_path
    after = Questionnaire.objects.get(pk=questionnaire.pk)
    assert after.template == before.template and after.template_version == "2026.1"
    assert services.submit_questionnaire(secret=secret).state == Questionnaire.State.SUBMITTED
    assert services.questionnaire_template()["version"] == "2027.1"


def test_the_api_sends_once_shows_the_score_and_reviews(client, supplier, contact, procurement):
    client.force_login(procurement)
    sent = client.post(f"/api/v1/suppliers/{supplier.pk}/questionnaires", {"contact_id": contact.pk, "days": 10},
                       content_type="application/json")
    assert sent.status_code == 201, sent.content
    link = sent.json()["link"]
    secret = link.rstrip("/").rsplit("/", 1)[-1]
    questionnaire_id = sent.json()["id"]
    listed = client.get(f"/api/v1/suppliers/{supplier.pk}/questionnaires").json()
    assert [q["id"] for q in listed] == [questionnaire_id] and secret not in str(listed)
    questionnaire = Questionnaire.objects.get(pk=questionnaire_id)
    services.save_answers(secret=secret, answers=full_answers(questionnaire, "partly"))
    services.submit_questionnaire(secret=secret)
    detail = client.get(f"/api/v1/supplier-questionnaires/{questionnaire_id}").json()
    assert detail["computed_score"] == 50 and detail["section_scores"]["ai"] == 50 and secret not in str(detail)
    asked = client.post(f"/api/v1/supplier-questionnaires/{questionnaire_id}/follow-up", {"question": "Why partly?"},
                        content_type="application/json")
    assert asked.json()["state"] == "returned"
    services.submit_questionnaire(secret=secret)
    reviewed = client.post(f"/api/v1/supplier-questionnaires/{questionnaire_id}/review", {"summary": "OK"},
                           content_type="application/json")
    assert reviewed.status_code == 200 and reviewed.json()["score"] == 50 and reviewed.json()["state"] == "reviewed"
    revoked = client.post(f"/api/v1/supplier-questionnaires/{questionnaire_id}/revoke", {},
                          content_type="application/json")
    assert revoked.status_code in (400, 409, 422)
