"""Demo data of the incidents module (registered with the demo registry, order 70): the bank's regulatory profile (a
financial entity under DORA), one past incident on the HR chatbot (a controlled downgrade, lifted once fixed; its GDPR
notification submitted; closed after review); and one open incident whose GDPR clock is running and whose salary
questions went back to people (human takeover in force), so the home page shows a deadline and the chatbot's page its
containment; and one open vulnerability of the chat model two HR assistants share (an indirect prompt injection scored
with its CVSS vector), one mitigation done and one planned.

The systems come from the other modules' demos (the HR chatbot of the risk module, the customer chatbot of the
inventory's when it exists); without them, nothing is added. Everything goes through the services.
"""

from __future__ import annotations

from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile

from aims.core import context
from aims.core.demo import Organisation
from aims.core.models import User
from aims.inventory.models import AISystem

SYSTEMS = ("AIS-DEMO-HR-BOT", "AIS-DEMO-CHATBOT")
HANDLER = "sophie.durand@example.com"  # Head of Recruitment, owner of the HR chatbot; her manager is Claire Martin
MANAGER = "claire.martin@example.com"
PAST_TITLE = "HR chatbot showed another employee's payslip"
VULNERABILITY_TITLE = "Instructions hidden in retrieved documents steer the chat model"
OPEN_TITLE = "HR chatbot answers quote internal salary bands"
SELF_SERVICE = "AIS-DEMO-HR-SELFSERVICE"


def history(organisation: Organisation) -> None:
    """Nothing in the past year's timeline: the systems the incidents concern are registered today by other modules;
    the incidents below carry their own past dates."""
    return None


def _system(handler) -> AISystem | None:
    """The first demo chatbot whose incidents the handler may report (she handles incidents of her own unit)."""
    from aims.core.permissions import can_in_unit

    for reference in SYSTEMS:
        found = AISystem.objects.select_related("unit", "owner").filter(reference_code=reference).first()
        if found is not None and can_in_unit(handler, "add", "incidents", found.unit):
            return found
    return None


def load(organisation: Organisation) -> None:
    from . import services
    from .models import Incident

    handler = User.objects.filter(email=HANDLER).first()
    manager = User.objects.filter(email=MANAGER).first()
    system = _system(handler) if handler is not None else None
    if system is None or handler is None or manager is None or Incident.objects.filter(title=PAST_TITLE).exists():
        return
    services.update_profile(actor=manager, changes={
        "financial_entity": True, "notes": "Acme Bank is a credit institution: DORA applies; NIS2 defers to it."},
        reason="demo data")
    now = context.now()
    aware = (now - timedelta(days=120)).replace(hour=9, minute=15, second=0, microsecond=0)
    incident = services.create_incident(
        actor=handler, title=PAST_TITLE, category="privacy_breach", nature="failure", severity="high",
        unit=system.unit, handler=handler, systems=[system], aware_at=aware, detected_at=aware - timedelta(minutes=40),
        source="Employee report to the HR service desk",
        description="Asked about her own payslip, an employee was shown the payslip summary of a colleague with the "
                    "same surname: the retrieval step matched on the surname only.",
        personal_data_breach=True, people_affected=2,
        people_description="Two employees: the one whose payslip was shown and the one who saw it.",
        damage_legal="Personal data breach under GDPR Art. 33; low risk to the people concerned.",
        damage_business="Chatbot switched to answers without personal data for two days.")
    services.add_timeline_entry(actor=handler, incident=incident, kind="classified", at=aware + timedelta(hours=1),
                                source="Incident triage call", note="Failure of the retrieval filter, not an attack.")
    services.apply_regime(actor=handler, incident=incident, regime="gdpr_art33")
    downgrade = services.record_decision(
        actor=handler, incident=incident, kind="degraded_mode", system=system, decided_at=aware + timedelta(hours=2),
        decided_by=manager, reason="Stop the leak without leaving employees without an answer.",
        effect="Answers without personal data: payslip questions redirected to the HR service desk.")
    services.change_status(actor=handler, incident=incident, status="contained", at=aware + timedelta(hours=3),
                           reason="Personal data removed from the chatbot's answers.")
    from .demo_crisis import past_crisis

    past_crisis(incident=incident, handler=handler, aware=aware)
    clock = incident.clocks.get(regime="gdpr_art33")
    services.record_submission(
        actor=handler, clock=clock, authority="CNIL", reference="CNIL-NOTIF-2026-0815",
        submitted_at=aware + timedelta(hours=50), submitted_by=handler,
        report=SimpleUploadedFile("cnil-notification.pdf", b"%PDF-1.7\n% Notification of a personal data breach\n"),
        note="Sent through the CNIL's online notification service.")
    services.lift_decision(actor=handler, decision=downgrade, at=aware + timedelta(days=2),
                           reason="Retrieval fixed and tested: full service restored.")
    services.change_status(actor=handler, incident=incident, status="resolved", at=aware + timedelta(days=2),
                           reason="Retrieval filtered on the employee's identifier; regression test added.")
    review = services.save_review(actor=handler, incident=incident, changes={
        "root_cause": "The retrieval step matched payslips on the surname only; no test covered two employees with "
                      "the same surname.",
        "what_worked": "The employee reported it within the hour; the degraded mode kept the chatbot useful; the CNIL "
                       "was notified well within 72 hours.",
        "what_did_not_work": "Nobody knew who could decide the downgrade at 9 a.m.: the escalation path was not "
                             "written on the system.",
        "lessons_learned": "Retrieval of personal data filters on the employee's identifier; a regression test covers "
                           "homonyms; the chatbot's escalation path names who decides a downgrade."})
    services.add_action(actor=handler, review=review, owner=handler, title="Write the escalation path on the "
                        "HR chatbot's record")
    services.submit_review(actor=handler, review=review)
    services.approve_review(actor=manager, review=review, comment="Lessons shared with the governance committee.")
    services.change_status(actor=manager, incident=incident, status="closed", at=aware + timedelta(days=20),
                           reason="Post-incident review held with the DPO and the data team; lessons recorded.")

    opened = now - timedelta(hours=30)
    current = services.create_incident(
        actor=handler, title=OPEN_TITLE, category="privacy_breach", nature="unknown", severity="medium",
        unit=system.unit, handler=handler, systems=[system], aware_at=opened, detected_at=opened,
        source="Monitoring review of the chatbot's answers", personal_data_breach=True,
        description="Several answers quoted salary bands from an internal grid; checking whether named people were "
                    "exposed.")
    services.apply_regime(actor=handler, incident=current, regime="gdpr_art33")
    services.change_status(actor=handler, incident=current, status="triaged",
                           reason="Being analysed with the data team.")
    services.record_decision(
        actor=handler, incident=current, kind="human_takeover", system=system, decided_at=opened + timedelta(hours=1),
        reason="Until we know whether named people were exposed, salary questions are answered by HR staff.",
        effect="Salary questions go to the HR service desk; the chatbot answers the others.")

    _vulnerability(handler=handler, manager=manager, system=system, incident=current)


def _shared_component(system):
    """The component most demo systems use (the chat model the chatbots share), else one the system uses."""
    from django.db.models import Count

    from aims.inventory.models import Component

    shared = (Component.objects.annotate(users=Count("system_links")).filter(users__gte=2)
              .order_by("-users", "name", "id").first())
    if shared is not None:
        return shared
    link = system.component_links.select_related("component").order_by("component__name", "component_id").first()
    return link.component if link is not None else None


def _second_user(component, system, manager, handler) -> None:
    """Make sure two demo systems use the shared chat model: the customer chatbot when it exists, else an employee
    self-service assistant registered here (the inventory records which systems use which component; the
    vulnerability's affected systems are found through it)."""
    from aims.inventory import services as inventory

    users = set(component.system_links.values_list("system_id", flat=True))
    if len(users) >= 2:
        return
    other = (AISystem.objects.filter(reference_code__in=SYSTEMS).exclude(pk__in=users).order_by("reference_code")
             .first())
    if other is None:
        other = AISystem.objects.filter(reference_code=SELF_SERVICE).first() or inventory.create_system(
            actor=manager, name="Employee self-service assistant", reference_code=SELF_SERVICE, unit=system.unit,
            owner=handler, purpose="Answers employees' questions on leave, expenses and HR procedures.",
            personal_data=True, reason="demo data")
    inventory.link_component(actor=manager, system=other, component=component, role="chat model",
                             reason="demo data")


def _vulnerability(*, handler, manager, system, incident) -> None:
    """One open vulnerability affecting the two systems that use the shared chat model, found through the
    inventory."""
    from . import services

    component = _shared_component(system)
    if component is None:
        return
    _second_user(component, system, manager, handler)
    vulnerability = services.create_vulnerability(
        actor=manager, title=VULNERABILITY_TITLE, kind="prompt_injection", unit=system.unit, owner=handler,
        cvss_vector="CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:H/I:L/A:N", components=[(component, True)],
        incident=incident,
        description="A document placed in the retrieval sources can carry instructions the chat model follows: "
                    "it may quote other content or change its tone without the user asking.",
        customer_impact="Employees asking the chatbot could be shown content from another document than the one "
                        "they are entitled to; no customer-facing system is affected.")
    services.add_mitigation(actor=handler, vulnerability=vulnerability, kind="configuration", owner=handler,
                            title="Restrict the retrieval sources to the HR knowledge base")
    done = vulnerability.mitigations.get()
    services.complete_mitigation(actor=handler, mitigation=done,
                                 note="Shared drives removed from the retrieval sources.")
    services.add_mitigation(actor=handler, vulnerability=vulnerability, kind="guardrail", owner=handler,
                            title="Filter instructions out of retrieved passages before they reach the model")
