"""Every task and notification the product creates opens a page its recipient may see, and the tasks a page where
they can do what is asked.

A scenario drives every service that opens a task or sends a notification, with recipients in ordinary roles (an owner,
a contributor, a viewer named on a system, a committee member, a declarant without any role). Then, for each task and
notification created, its recipient signs in and opens its link: 200. Each task kind names what its recipient does on
that page (a button or form only they get), and the page must offer it to them.

Completeness: every `notify(...)` and `open_task(...)` call in the project's code is found with `ast`, and the
scenario must have gone through each of them. A module that adds one extends `scenario()` below (and, for a new kind
of task, `ACTIONS`); otherwise this test names the call it did not see.
"""

from __future__ import annotations

import ast
import inspect
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models.signals import post_save
from django.utils import timezone

import aims
from aims.compliance import services as compliance
from aims.compliance import tasks as compliance_jobs
from aims.compliance.models import SoAEntry, SoAVersion, SystemObligation
from aims.compliance.services import policies
from aims.core import context, notifications
from aims.core import services as core
from aims.core.models import Notification, PeopleGroup, Task
from aims.core.periodic import run_periodic
from aims.core.testing import person_with_role
from aims.evidence import services as evidence
from aims.evidence import tasks as evidence_jobs
from aims.incidents import services as incidents
from aims.inventory import services as inventory
from aims.inventory.models import Stage
from aims.inventory.services.reminders import send_end_of_support_reminders
from aims.inventory.testing import CV_SCREENING, answers
from aims.monitoring import services as monitoring
from aims.monitoring.services import closure
from aims.risks import catalogs
from aims.risks import services as risks
from aims.risks import tasks as risk_jobs

pytestmark = pytest.mark.django_db

SOURCE = Path(aims.__file__).resolve().parent
NOTIFICATIONS = SOURCE / "core" / "notifications.py"

# Task source prefix -> what the page at its link offers the assignee to do it (text only they get).
ACTIONS = {
    "approval.inventory.classification.": "Sign off as reviewer",
    "approval.inventory.change_decision.": "formaction=\"/inventory/changes/",
    "approval.risks.impact_assessment.": "Return to the author",
    "approval.risks.acceptance.": "Accept the risk",
    "risks.action.": "Mark done",
    "risks.review.": "Record the review",
    "inventory.reclassify.": "/classify/",
    "inventory.classification.provisional.": "/classify/",
    "inventory.eos.": "/edit/",
    "risks.impact.": "Start an impact assessment",
    "approval.compliance.soa.": "Approve this version",
    "approval.compliance.policy.": "Approve this version",
    "approval.compliance.obligation_exception.": "Approve the exception",
    "approval.evidence.version.": '/approve/" class="inline"',
    "compliance.policy_ack.": "I have read this text and acknowledge it",
    "compliance.policy_review.": "Record the review",
    "compliance.test_failed.": "Record the result",
    "compliance.test_due.": "Record the result",
    "compliance.readiness.": "Record a test result",
    "evidence.reconfirm.": "It still holds",
    "evidence.expiry.": "Upload the new version",
    "evidence.request.": "Send the evidence",
    "monitoring.suggestion.": "Confirm: request this change",
    "incidents.incident.": 'id="status-form"',
    "incidents.regime.": "Confirm: this regime applies",
    "incidents.clock.": "Record the submission",
    "incidents.action.": "Mark as done",
    "approval.incidents.review.": "Approve the review",
    "incidents.vulnerability.": 'id="vulnerability-status-form"',
    "incidents.mitigation.": "Mark as done",
    "incidents.exercise_action.": 'id="exercise-action-done-',
    "incidents.disclosure.": 'id="cvd-triage"',
    "approval.monitoring.closure_review.": 'id="sign-form"',
    "approval.suppliers.onboarding.": "Approve the supplier",
    "suppliers.questionnaire.": "Accept the answers and complete the assessment",
    "suppliers.reassessment.": "Start an assessment",
    "suppliers.contract_notice.": 'id="contract-edit"',
    "suppliers.audit_action.": "Mark done",
}


def call_sites() -> set[tuple[str, int]]:
    """(file, line) of every notify(...), notify_many(...) and open_task(...) call outside the tests (and outside
    core/notifications.py itself, where notify hands over to notify_many)."""
    found = set()
    for path in SOURCE.rglob("*.py"):
        if "tests" in path.parts or "migrations" in path.parts or path == NOTIFICATIONS:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
                if name in ("notify", "notify_many", "open_task"):
                    found.add((str(path.relative_to(SOURCE)), node.lineno))
    return found


@pytest.fixture
def seen_calls(monkeypatch):
    """The call sites that created (or reopened) a task or a notification while the scenario ran. Notifications are
    inserted as plain rows (no post_save), so their insert is watched instead."""
    seen = set()

    def caller():
        frames = inspect.stack(context=0)[1:]
        inside = False
        for frame in frames:
            if Path(frame.filename) == NOTIFICATIONS:
                inside = True
            elif inside:
                seen.add((str(Path(frame.filename).relative_to(SOURCE)), frame.lineno))
                return

    def record(sender, instance, **kwargs):
        caller()

    insert = notifications._insert

    def watched_insert(items, *args, **kwargs):
        if items:
            caller()
        return insert(items, *args, **kwargs)

    monkeypatch.setattr(notifications, "_insert", watched_insert)
    post_save.connect(record, sender=Task, dispatch_uid="links-task")
    yield seen
    post_save.disconnect(dispatch_uid="links-task", sender=Task)


def full_impact_answers() -> dict:
    result = {}
    for key, question in catalogs.template_questions(catalogs.impact_template()).items():
        options = [o["key"] for o in question.get("options", [])]
        result[key] = {"text": "Yes.", "boolean": True, "choice": options[:1] and options[0],
                       "multichoice": options[:1], "scale": 2}[question["type"]]
    return result


def scenario(org, settings) -> None:
    """Every service that opens a task or sends a notification, once at least."""
    north, south = org["north"], org["south"]
    manager = person_with_role("aims_manager", org["root"])
    risk_manager = person_with_role("risk_manager", org["root"])
    owner = person_with_role("system_owner", north)
    contributor = person_with_role("contributor", north)
    lead = person_with_role("contributor", north)
    referent = person_with_role("viewer", north)
    declarant = person_with_role(None, home_unit=north)
    committee = person_with_role(None)
    PeopleGroup.objects.create(name="AI governance committee").members.add(committee)
    risks.load_builtin_catalogs(actor=None)
    risks.load_default_method(actor=None)

    # Inventory: a public chatbot on personal data (suggested risks), classified, changed, reclassified.
    system = inventory.create_system(actor=manager, name="Customer chatbot", unit=north, owner=owner,
                                     technical_lead=lead, business_referent=referent, incident_contact=contributor,
                                     external_exposure="public", personal_data=True)
    inventory.classify_system(actor=owner, system=system, answers=CV_SCREENING)
    inventory.update_system(actor=manager, system=system, changes={"intended_use": "Also answers staff"})
    inventory.classify_system(actor=owner, system=system, answers=answers(transparency_cases=["dont_know"]))
    approved = inventory.request_change(actor=owner, system=system, kind="minor_update", description="New prompt")
    inventory.approve_change(actor=lead, decision=approved)
    inventory.approve_change(actor=referent, decision=approved)
    rejected = inventory.request_change(actor=owner, system=system, kind="major_update", description="New model")
    inventory.reject_change(actor=committee, decision=rejected, comment="Not before the audit")
    inventory.request_change(actor=owner, system=system, kind="minor_update", description="Pending one")
    dependency = inventory.create_dependency(actor=manager, kind="library", name="tokenizer", owner_unit=north,
                                             owner=contributor, end_of_support=timezone.localdate() + timedelta(days=20))
    inventory.link_system_dependency(actor=manager, system=system, dependency=dependency)
    send_end_of_support_reminders()
    for decide in ("convert", "reject"):
        declaration = inventory.declare_shadow_ai(actor=declarant, tool_name=f"Tool to {decide}", purpose="Notes")
        if decide == "convert":
            inventory.convert_shadow_declaration(actor=manager, declaration=declaration, owner=owner, unit=north)
        else:
            inventory.reject_shadow_declaration(actor=manager, declaration=declaration, reason="Use the approved one")

    # Risks: suggestions, a risk with actions (one handed over), a review, an acceptance waiting then given.
    risks.suggest_by_rules(system=system)
    risk = risks.create_risk(actor=owner, title="Prompt injection", category="security", owner=owner,
                             systems=[system], inherent_likelihood=3, inherent_impact=3)
    action = risks.add_treatment_action(actor=owner, risk=risk, title="Filter inputs", owner=contributor,
                                        due_date=timezone.localdate() + timedelta(days=2))
    risks.update_treatment_action(actor=owner, action=action, changes={"owner": owner})
    risks.request_risk_review(actor=manager, risk=risk, reason="New jailbreaks published")
    risks.decide_treatment(actor=owner, risk=risk, decision="accept", rationale="Business need")
    accepted = risks.create_risk(actor=owner, title="Toxic answers", category="security", owner=owner,
                                 systems=[system], inherent_likelihood=3, inherent_impact=3)
    risks.accept_risk(actor=risk_manager, risk=accepted, rationale="Moderation in place",
                      expires_on=timezone.localdate() + timedelta(days=90))
    person_with_role("risk_manager", north)  # an approver since: the reminder job gives her the waiting tasks
    with context.bound(clock=lambda: timezone.now() + timedelta(days=30)):
        risk_jobs.send_overdue_reminders()
        run_periodic("approval-reminders")

    # Impact assessments: returned to its author, submitted again, approved, reopened by a change; a new run waits.
    assessment = risks.start_impact_assessment(actor=owner, system=system)
    risks.save_impact_answers(actor=owner, assessment=assessment, answers=full_impact_answers())
    risks.submit_impact_assessment(actor=owner, assessment=assessment)
    assessment = risks.return_impact_assessment(actor=risk_manager, assessment=assessment, comment="Detail the rights")
    assessment = risks.submit_impact_assessment(actor=owner, assessment=assessment)
    assessment = risks.approve_impact_assessment(actor=risk_manager, assessment=assessment)
    risks.reopen_impact_assessment(actor=None, assessment=assessment, reason="Retrained")
    pending = risks.start_impact_assessment(actor=owner, system=system)
    risks.save_impact_answers(actor=owner, assessment=pending, answers=full_impact_answers())
    risks.submit_impact_assessment(actor=owner, assessment=pending)

    compliance_scenario(manager=manager, owner=owner, contributor=contributor, referent=referent,
                        declarant=declarant, committee=committee, system=system, unit=north)
    # Monitoring: a critical breach (owners notified, a change suggested to the owner); a closure grid sent back, then
    # signed by the committee.
    accuracy = monitoring.create_kpi(actor=owner, system=system, catalogue_key="accuracy", owner=owner, target=90,
                                     warning=85, critical=80)
    now = timezone.now()
    monitoring.push_measurements(actor=owner, rows=[{"kpi_id": accuracy.pk, "at": now - timedelta(days=1), "value": 91},
                                                    {"kpi_id": accuracy.pk, "at": now, "value": 78}])
    grid = closure.start_closure_review(actor=owner, system=system)
    grid = closure.update_closure_review(actor=owner, review=grid, assessments={k: "met" for k in grid.axes},
                                            decision="continue", rationale="Adoption on track")
    grid = closure.submit_closure_review(actor=owner, review=grid)
    grid = closure.return_closure_review(actor=committee, review=grid, comment="Add the April survey")
    grid = closure.submit_closure_review(actor=owner, review=grid)
    closure.sign_closure_review(actor=committee, review=grid, comment="Agreed")
    waiting = closure.start_closure_review(actor=manager, system=system)
    waiting = closure.update_closure_review(actor=manager, review=waiting,
                                               assessments={k: "partly" for k in waiting.axes},
                                               decision="corrective_plan", rationale="Satisfaction below target")
    closure.submit_closure_review(actor=manager, review=waiting)
    suppliers_scenario(manager=manager, owner=owner, unit=north)
    supplier_contracts_scenario(owner=owner)

    # Incidents: reported by the manager for the owner to handle, a personal data breach (GDPR proposed to the handler,
    # then confirmed: a deadline task), another left proposed; the deadline passes (the handler and their manager are
    # reminded).
    owner.manager = manager
    owner.save(update_fields=["manager"])
    breach = incidents.create_incident(actor=manager, title="Chatbot leak", category="privacy_breach",
                                       severity="high", unit=north, handler=owner, systems=[system])
    incidents.apply_regime(actor=owner, incident=breach, regime="gdpr_art33")
    second = incidents.create_incident(actor=owner, title="Second leak", category="privacy_breach", severity="low",
                                       unit=north, systems=[system])
    with context.bound(clock=lambda: timezone.now() + timedelta(days=4)):
        run_periodic("incident-clock-reminders")
    # After the incidents: a review with an action, returned then waiting for sign-off; another one approved.
    incidents.change_status(actor=owner, incident=breach, status="resolved")
    review = incidents.save_review(actor=owner, incident=breach, changes={"root_cause": "No filter",
                                                                          "lessons_learned": "Filter answers"})
    incidents.add_action(actor=owner, review=review, title="Filter answers", owner=contributor)
    incidents.submit_review(actor=owner, review=review)
    incidents.return_review(actor=manager, review=review, comment="Say who owns the filter")
    incidents.submit_review(actor=owner, review=review)
    incidents.change_status(actor=owner, incident=second, status="resolved")
    incidents.submit_review(actor=owner, review=incidents.save_review(
        actor=owner, incident=second, changes={"root_cause": "Same", "lessons_learned": "Same"}))
    incidents.approve_review(actor=manager, review=second.review)
    # A vulnerability recorded by the manager for the owner; a mitigation owned by a reader of the unit, reminded
    # once due.
    vulnerability = incidents.create_vulnerability(actor=manager, title="Prompt injection", kind="prompt_injection",
                                                   severity="critical", unit=north, owner=owner, incident=breach)
    incidents.add_mitigation(actor=owner, vulnerability=vulnerability, kind="guardrail", title="Filter inputs",
                             owner=referent)
    with context.bound(clock=lambda: timezone.now() + timedelta(days=8)):
        run_periodic("vulnerability-mitigation-reminders")
    # Crisis mode: a reader of the unit named to the cell is told; a crisis exercise's action goes to its owner.
    incidents.escalate(actor=owner, incident=breach, reason="Customers' data exposed",
                       members=[("legal_dpo", referent)])
    exercise = incidents.plan_exercise(actor=owner, title="Tabletop", scenario="evasion", unit=north, lead=owner,
                                       planned_for=timezone.now())
    incidents.start_exercise(actor=owner, exercise=exercise)
    incidents.add_exercise_action(actor=owner, exercise=exercise, title="Write the playbook", owner=contributor)
    # A vulnerability report received through the public form (the managers triage it), then the reporter writes
    # again through their private link (they are asked to answer).
    from aims.incidents.services import disclosure

    _case, cvd_secret = disclosure.submit_report(summary="Injection through PDFs", details="Steps to reproduce")
    disclosure.reporter_reply(secret=cvd_secret, body="Any news?")

    # Core: an API token about to expire; an assignment that grants the access it needs.
    core.create_api_token(actor=contributor, name="ci", days=3)
    run_periodic("expire-api-tokens-notice")
    settings.ASSIGNMENT_GRANTS_ACCESS = True
    stranger = person_with_role("contributor", south)
    risks.add_treatment_action(actor=owner, risk=risk, title="Red-team it", owner=stranger,
                               due_date=timezone.localdate() + timedelta(days=9))


def suppliers_scenario(*, manager, owner, unit) -> None:
    """A supplier's onboarding returned to its owner, submitted again and approved; another waiting for approval."""
    from aims.suppliers import services as suppliers

    clauses = [c["key"] for c in suppliers.clause_catalogue()]
    for name in ("Lumen Language Models Ltd", "DeskFlow SAS"):
        supplier = suppliers.create_supplier(actor=owner, legal_name=name, unit=unit, owner=owner, backup=manager,
                                             clauses=clauses)
        assessment = suppliers.start_assessment(actor=owner, supplier=supplier)
        suppliers.complete_assessment(actor=owner, assessment=assessment, score=80)
        suppliers.submit_for_approval(actor=owner, supplier=supplier)
    lumen = suppliers.Supplier.objects.get(legal_name="Lumen Language Models Ltd")
    suppliers.return_supplier(actor=manager, supplier=lumen, comment="Add the SOC 2 report")
    suppliers.submit_for_approval(actor=owner, supplier=lumen)
    suppliers.approve_supplier(actor=manager, supplier=lumen)
    # A questionnaire answered through its private link and submitted: its owner is asked to review it.
    contact = suppliers.add_contact(actor=owner, supplier=lumen, name="Ada", email="ada@lumen.example")
    questionnaire, secret = suppliers.send_questionnaire(actor=owner, supplier=lumen, contact=contact, email=False)
    suppliers.save_answers(secret=secret, answers={q["key"]: "yes" if q["kind"] == "choice" else "Text"
                                                   for q in suppliers.questions(questionnaire.template)})
    suppliers.submit_questionnaire(secret=secret)
    # Its last completed assessment is older than its criticality's interval: the owner is asked to re-assess it.
    suppliers.Supplier.objects.filter(pk=lumen.pk).update(criticality="high")
    lumen.assessments.filter(state="completed").update(completed_at=timezone.now() - timedelta(days=800))
    assert run_periodic("suppliers-reassessment") == 1


def supplier_contracts_scenario(*, owner) -> None:
    """A contract whose notice deadline comes in three weeks: its supplier's owner is reminded."""
    from aims.suppliers import services_contracts as contracts
    from aims.suppliers.models import Supplier

    lumen = Supplier.objects.get(legal_name="Lumen Language Models Ltd")
    today = timezone.localdate()
    contracts.create_contract(actor=owner, supplier=lumen, title="API agreement", start_date=today - timedelta(days=300),
                              end_date=today + timedelta(days=80), notice_days=60)
    contracts.send_notice_reminders()
    audit = contracts.record_audit(actor=owner, supplier=lumen, title="Yearly audit", audit_date=today)
    finding = contracts.add_finding(actor=owner, audit=audit, title="No restore test", severity="high")
    contracts.add_audit_action(actor=owner, finding=finding, title="Ask for a restore test", owner=owner,
                               due_date=today + timedelta(days=30))


def compliance_scenario(*, manager, owner, contributor, referent, declarant, committee, system, unit) -> None:
    """Controls (a failed test, readiness lost, a test due), the Statement of Applicability (approved, returned),
    policies (approved, returned, published to an audience, a review due), obligation exceptions and evidence (re-confirmation after a major
    change, expiry, a request reminded, escalated to the manager and answered)."""
    compliance.load_packaged_frameworks(actor=None)
    chief, deputy = person_with_role("aims_manager", None), person_with_role("aims_manager", None)
    pdf = SimpleUploadedFile("sheet.pdf", b"%PDF-1.7\n%%EOF\n", content_type="application/pdf")
    control = compliance.create_control(actor=manager, title="Prompt filter review", owner=contributor, unit=unit,
                                        status="in_place", links={"systems": [system]})
    test = compliance.add_test(actor=manager, control=control, name="Sample", pass_criteria="No bypass")
    compliance.record_test_result(actor=contributor, test=test, result="pass", notes="ok")
    item = evidence.create_evidence(actor=contributor, title="Filter log", unit=unit, file=pdf, link_to=[control, system],
                                    valid_until=context.today() + timedelta(days=10))
    compliance.record_test_result(actor=contributor, test=test, result="fail", notes="2 bypasses")
    compliance_jobs.open_due_tests(on=context.today() + timedelta(days=400))
    evidence_jobs.warn_expiring()

    compliance.sync_soa_entries()
    entry = SoAEntry.objects.order_by("pk").first()
    compliance.update_soa_entry(actor=chief, entry=entry, changes={"applicability": "applicable",
                                                                      "justification": "Needed"}, controls=[control])
    returned = compliance.submit_soa_version(actor=chief, summary="First")
    compliance.return_soa_version(actor=deputy, version=returned, comment="Justify more")
    compliance.submit_soa_version(actor=chief, summary="Second")  # waits in the deputy's inbox
    approved = SoAVersion.objects.get(status="submitted")
    compliance.approve_soa_version(actor=deputy, version=approved)
    compliance.submit_soa_version(actor=deputy, summary="Third")  # waits in the manager's inbox

    policy = compliance.create_policy(actor=chief, title="Use of AI", body="Approved tools only.", owner=chief,
                                      people=[referent, declarant], groups=committee.people_groups.all())
    version = policy.versions.get()
    compliance.submit_policy_version(actor=chief, version=version)
    compliance.return_policy_version(actor=deputy, version=version, comment="Say which tools")
    compliance.edit_draft(actor=chief, version=version, body="Approved tools only: see the list.")
    compliance.submit_policy_version(actor=chief, version=version)
    compliance.approve_policy_version(actor=deputy, version=version)
    compliance.publish_policy_version(actor=chief, version=version)
    policies.open_due_reviews(on=context.today() + timedelta(days=400))
    waiting = compliance.start_new_version(actor=deputy, policy=policy)
    compliance.edit_draft(actor=deputy, version=waiting, body="Approved tools only: see the list on the intranet.",
                          change_summary="Where the list is", material=True)
    compliance.submit_policy_version(actor=deputy, version=waiting)  # in the manager's inbox

    evidence.mark_to_reconfirm(actor=None, items=[item], reason="New model")  # what a major change does
    boss = person_with_role(None, home_unit=unit)
    declarant.manager = boss
    declarant.save(update_fields=["manager"])
    asked = evidence.request_evidence(actor=manager, requested_from=declarant, title="Training logs",
                                      due_date=context.today() + timedelta(days=3), unit=unit)
    answered = evidence.request_evidence(actor=manager, requested_from=contributor, title="Test report",
                                         due_date=context.today() + timedelta(days=3), unit=unit)
    evidence.fulfil_request(actor=contributor, request=answered, item=item)
    evidence_jobs.remind_requests(on=asked.due_date + timedelta(days=30))

    # An AI Act obligation's exception asked for by the system's owner: refused, approved, withdrawn, asked again.
    obligation = SystemObligation.objects.filter(system=system, is_active=True).first()
    compliance.request_exception(actor=owner, obligation=obligation, justification="Pilot with volunteers")
    compliance.refuse_exception(actor=chief, obligation=obligation, comment="Evidence needed first")
    compliance.request_exception(actor=owner, obligation=obligation, justification="Pilot with 10 volunteers")
    compliance.approve_exception(actor=deputy, obligation=obligation, comment="Pilot only")
    compliance.withdraw_exception(actor=chief, obligation=obligation, reason="The pilot grew")
    compliance.request_exception(actor=owner, obligation=obligation, justification="Until the March release")


def test_every_task_and_notification_opens_a_page_where_its_recipient_can_act(client, org, settings, seen_calls):
    scenario(org, settings)
    missing = sorted(call_sites() - seen_calls)
    assert not missing, f"extend scenario() in {__file__} to go through: {missing}"

    tasks = list(Task.objects.select_related("assignee").filter(done_at__isnull=True))
    notes = list(Notification.objects.select_related("recipient"))
    assert len(tasks) >= 10 and len(notes) >= 20
    for kind, person, url in ([("task", t.assignee, t.url) for t in tasks]
                              + [("notification", n.recipient, n.url) for n in notes]):
        assert url, f"a {kind} of {person} opens nothing"
        client.force_login(person)
        response = client.get(url.partition("#")[0])
        assert response.status_code == 200, f"{kind} {url} answers {response.status_code} to {person}"
    for task in tasks:
        action = next((text for prefix, text in ACTIONS.items() if task.source.startswith(prefix)), None)
        assert action is not None, f"add the task kind {task.source!r} to ACTIONS (what its assignee does)"
        client.force_login(task.assignee)
        page = client.get(task.url.partition("#")[0]).content.decode()
        assert action in page, f"{task.assignee} cannot act on “{task.title}” at {task.url} (no {action!r})"
