"""Demo data of crisis mode and crisis exercises: the past incident of the incidents demo (the HR chatbot's payslip
leak) was run by a crisis cell for its first two days, which then stood down (`past_crisis`, called by the incidents
demo while that incident is still open); and one completed exercise on a prompt-injection scenario, with its measured
times, findings and actions (`load`, order 75). Everything goes through the services."""

from __future__ import annotations

from datetime import timedelta

from aims.core import context
from aims.core.demo import Organisation
from aims.core.models import User
from aims.core.permissions import can_in_unit

EXERCISE_TITLE = "Prompt injection on the customer chatbot: tabletop exercise"
PEOPLE = {
    "lead": "claire.martin@example.com", "dpo": "nadia.haddad@example.com", "engineer": "paul.lefebvre@example.com",
    "business": "sophie.durand@example.com", "operations": "emma.rousseau@example.com",
}


def _people() -> dict:
    found = {u.email: u for u in User.objects.filter(email__in=PEOPLE.values())}
    return {key: found.get(email) for key, email in PEOPLE.items()}


def _can_see(person, unit) -> bool:
    return person is not None and can_in_unit(person, "view", "incidents", unit)


def past_crisis(*, incident, handler, aware) -> None:
    """The payslip leak's crisis cell: activated 30 minutes after awareness, stood down two days later."""
    from . import services

    people = _people()
    lead = people["lead"]
    if lead is None:
        return
    crisis = services.escalate(actor=handler, incident=incident, at=aware + timedelta(minutes=30),
                               reason="Personal data of employees shown by a chatbot every employee uses: the GDPR "
                                      "deadline runs and the works council will ask questions.",
                               members=[("crisis_lead", lead), ("business_owner", handler)])
    for key, role in (("dpo", "legal_dpo"), ("engineer", "technical_lead")):
        if _can_see(people[key], incident.unit):
            services.add_member(actor=handler, crisis=crisis, role=role, person=people[key])
    notes = {"isolate_keep_running": "Degraded mode rather than isolation: the chatbot stays useful.",
             "alert_suppliers": "Not needed: the fault is in our own retrieval step."}
    for offset, item in enumerate(crisis.checklist.order_by("position", "id")):
        services.tick_item(actor=handler, item=item, note=notes.get(item.key, ""),
                           at=aware + timedelta(minutes=40 + 10 * offset))
    services.log_decision(actor=handler, crisis=crisis, decided_by=lead, decided_at=aware + timedelta(hours=2),
                          decision="Switch the HR chatbot to answers without personal data.",
                          rationale="Stops the leak at once without leaving employees without an answer.")
    services.log_decision(actor=handler, crisis=crisis, decided_by=lead, decided_at=aware + timedelta(hours=26),
                          decision="Notify the CNIL within the 72 hours; inform the two employees in person.",
                          rationale="Low risk to the people concerned, but a breach all the same.")
    services.log_communication(actor=handler, crisis=crisis, audience="internal", channel="email",
                               template="internal_first", recipients="All employees", language="en",
                               sent_at=aware + timedelta(hours=2, minutes=30))
    services.log_communication(actor=handler, crisis=crisis, audience="regulators", channel="authority_portal",
                               template="regulators_first", recipients="CNIL", language="fr",
                               sent_at=aware + timedelta(hours=50))
    services.stand_down(actor=lead, crisis=crisis, at=aware + timedelta(hours=51),
                        reason="Leak stopped, retrieval fixed, CNIL notified: the usual incident process takes over.")


def _system():
    from aims.inventory.models import AISystem

    for reference in ("AIS-DEMO-CHATBOT", "AIS-DEMO-HR-BOT"):
        found = AISystem.objects.select_related("unit").filter(reference_code=reference).first()
        if found is not None:
            return found
    return None


def load(organisation: Organisation) -> None:
    """One completed exercise on the demo chatbot: the prompt-injection scenario, played 45 days ago."""
    from . import services
    from .models_crisis import Exercise

    people = _people()
    lead, system = people["lead"], _system()
    if lead is None or system is None or Exercise.objects.filter(title=EXERCISE_TITLE).exists():
        return
    start = (context.now() - timedelta(days=45)).replace(hour=9, minute=30, second=0, microsecond=0)
    participants = [(people[key], role) for key, role in (
        ("operations", "communications"), ("dpo", "legal_dpo"), ("engineer", "technical_lead"),
        ("business", "business_owner")) if _can_see(people[key], system.unit)]
    exercise = services.plan_exercise(
        actor=lead, title=EXERCISE_TITLE, scenario="prompt_injection", unit=system.unit, lead=lead, system=system,
        planned_for=start, participants=[(lead, "crisis_lead"), *participants],
        objectives="Detect the injection from a customer's post, contain it without stopping the service, and "
                   "decide on the GDPR notification within the first two hours.")
    services.add_inject(actor=lead, exercise=exercise, minutes=60,
                        text="The chatbot's supplier asks for the prompts and answers of the last 24 hours.")
    services.start_exercise(actor=lead, exercise=exercise, at=start)
    for moment, minutes in (("detected", 18), ("contained", 52), ("notified", 95)):
        services.record_moment(actor=lead, exercise=exercise, moment=moment, at=start + timedelta(minutes=minutes))
    services.complete_exercise(actor=lead, exercise=exercise, at=start + timedelta(hours=2),
                               summary="Detected in 18 minutes, contained in under an hour through a controlled "
                                       "downgrade; the notification decision came late because nobody had the list "
                                       "of the chatbot's retrieval sources.")
    services.add_finding(actor=lead, exercise=exercise, kind="strength",
                         text="The DPO confirmed within minutes that the 72-hour GDPR clock had started.")
    gap = services.add_finding(actor=lead, exercise=exercise, kind="gap",
                               text="Nobody could list the chatbot's retrieval sources: finding the poisoned page "
                                    "took 30 minutes.")
    owner = people["engineer"] if _can_see(people["engineer"], system.unit) else lead
    services.add_exercise_action(actor=lead, exercise=exercise, finding=gap, owner=owner,
                                 due_date=(context.now() + timedelta(days=30)).date(),
                                 title="List the chatbot's retrieval sources on its inventory record")
    done = services.add_exercise_action(actor=lead, exercise=exercise, owner=lead,
                                        title="Add the customer holding statement to the crisis templates")
    services.complete_exercise_action(actor=lead, action=done, note="Template reviewed with Communications.")
