"""Demo data of the risk module, registered with the demo registry (aims.core.demo) at order 20, after the inventory.

- A year ago, on the day the bank adopted AIMS: the shipped catalogues and the default 4x4 method (active), so the
  systems registered that day get their suggested risks with the catalogues' threats.
- Over the year (`demo_portfolio.py`): the system owners accept or dismiss suggested risks and record their own; the
  risk manager scores them; owners decide treatments and plan actions, which their owners complete; risks are re-scored,
  accepted (one still waits for the risk manager), closed; impact assessments of the high-risk and customer-facing
  systems are written, submitted and approved by someone else (one still waits), one reopened by a major change.
- Today: an HR chatbot owned by the HR system owner, with its suggested risks.

Everything goes through the services, as a person would, so the demo's ledger and each risk's history read like real
use. Each step looks its objects up and skips quietly when one is missing (a test's stand-in organisation).
"""

from __future__ import annotations

from datetime import timedelta

from aims.core import context
from aims.core.demo import Organisation
from aims.core.models import User
from aims.inventory.models import AISystem

from . import services
from .demo_portfolio import IMPACT_ASSESSMENTS, RISKS, SHADOW_RISKS
from .models import ImpactAssessment, Risk, RiskSuggestion, Threat, TreatmentAction

CHATBOT_REFERENCE = "AIS-DEMO-HR-BOT"
CHATBOT_OWNER = "sophie.durand@example.com"
# An acceptance lasts a year at most (the default method's acceptance criteria).
ACCEPTANCE_DAYS = 364


def history(organisation: Organisation) -> None:
    services.load_builtin_catalogs(actor=None)
    services.load_default_method(actor=None)
    if Risk.objects.exists() or ImpactAssessment.objects.exists():
        return
    for spec in RISKS:
        _schedule_risk(organisation, spec, lambda spec=spec: _system(reference_code=spec["system"]))
    for spec in SHADOW_RISKS:
        _schedule_risk(organisation, spec, lambda spec=spec: _system(name=spec["system_name"]))
    for reference, author, steps, answers in IMPACT_ASSESSMENTS:
        _schedule_impact(organisation, reference, author, steps, answers)


def load(organisation: Organisation) -> AISystem | None:
    """Load once; returns the demo chatbot (None when the HR unit or its owner is missing)."""
    admin, units = organisation.admin, organisation.units
    services.load_builtin_catalogs(actor=None)
    services.load_default_method(actor=None)
    existing = AISystem.objects.filter(reference_code=CHATBOT_REFERENCE).first()
    if existing is not None:
        return existing
    owner = User.objects.filter(email=CHATBOT_OWNER).first()
    hr = units.get("hr")
    if owner is None or hr is None:
        return None
    from aims.inventory import services as inventory

    chatbot = inventory.create_system(
        actor=admin, name="HR assistant chatbot", unit=hr, owner=owner, reference_code=CHATBOT_REFERENCE,
        purpose="Answers employees' questions about leave, payroll and HR policies in a chat window, using a "
                "large language model (LLM) over the HR knowledge base.",
        intended_use="Internal self-service for employees; escalates to an HR officer when unsure.",
        personal_data=True, external_exposure="internal", criticality="medium",
        reason="demo data",
    )  # registering it records its suggested risks (risks/receivers.py)
    return chatbot


def _system(**lookup) -> AISystem | None:
    return AISystem.objects.select_related("unit", "owner").filter(**lookup).first()


def _threats(refs) -> list[Threat]:
    return [threat for catalog, external_id in refs
            for threat in Threat.objects.filter(catalog__key=catalog, external_id=external_id)[:1]]


def _schedule_risk(organisation: Organisation, spec: dict, find_system) -> None:
    people = organisation.people
    state: dict = {}

    def person(email):
        return people.get(email)

    def risk():
        return Risk.objects.filter(pk=state["risk"]).first() if "risk" in state else None

    def at(days_ago, step, time):
        organisation.at(days_ago, step, at=time)

    if "dismissed" in spec:
        days_ago, reason = spec["dismissed"]

        def dismiss(reason=reason):
            system = find_system()
            suggestion = RiskSuggestion.objects.filter(system=system, key=spec["suggestion"],
                                                       status=RiskSuggestion.Status.PENDING).first()
            if suggestion is not None and system.owner is not None:
                services.dismiss_suggestion(actor=system.owner, suggestion=suggestion, reason=reason)
        at(days_ago, dismiss, "11:40")
        return

    def identify():
        system = find_system()
        if system is None or system.owner is None:
            return
        owner = person(spec.get("owner")) or system.owner
        if "suggestion" in spec:
            suggestion = RiskSuggestion.objects.filter(system=system, key=spec["suggestion"],
                                                       status=RiskSuggestion.Status.PENDING).first()
            if suggestion is None:
                return
            created = services.accept_suggestion(actor=system.owner, suggestion=suggestion, owner=owner)
            texts = {key: spec[key] for key in ("event", "consequence") if key in spec}
            if texts:
                created = services.update_risk(actor=system.owner, risk=created, changes=texts)
        else:
            created = services.create_risk(
                actor=system.owner, title=spec["title"], category=spec["category"], owner=owner, systems=[system],
                threats=_threats(spec.get("threats", ())), event=spec.get("event", ""),
                consequence=spec.get("consequence", ""), reason="Recorded by the system owner")
        state["risk"] = created.pk

    at(spec["identified"], identify, "11:30")
    if "assessed" in spec:
        days_ago, who, likelihood, impact = spec["assessed"]
        at(days_ago, lambda who=who, likelihood=likelihood, impact=impact: _assess(
            risk(), person(who), likelihood, impact), "14:00")
    if "treatment" in spec:
        days_ago, decision, rationale = spec["treatment"]

        def treat(decision=decision, rationale=rationale):
            found = risk()
            if found is not None:
                services.decide_treatment(actor=found.owner, risk=found, decision=decision, rationale=rationale)
        at(days_ago, treat, "15:10")
    for title, owner, created, due_in, done in spec.get("actions", ()):
        _schedule_action(organisation, state, risk, title, person(owner), created, due_in, done)
    if "residual" in spec:
        days_ago, who, likelihood, impact = spec["residual"]

        def rescore(who=who, likelihood=likelihood, impact=impact):
            found = risk()
            if found is not None and found.status != Risk.Status.CLOSED:
                services.assess_risk(actor=person(who), risk=found, inherent_likelihood=found.inherent_likelihood,
                                     inherent_impact=found.inherent_impact, residual_likelihood=likelihood,
                                     residual_impact=impact, reason="Re-scored after the treatment actions")
        at(days_ago, rescore, "16:30")
    if "accepted" in spec:
        days_ago, who, rationale = spec["accepted"]

        def accept(who=who, rationale=rationale):
            found = risk()
            if found is not None and person(who) is not None:
                services.accept_risk(actor=person(who), risk=found, rationale=rationale,
                                     expires_on=context.today() + timedelta(days=ACCEPTANCE_DAYS))
        at(days_ago, accept, "17:00")
    if "closed" in spec:
        days_ago, who, reason = spec["closed"]

        def close(who=who, reason=reason):
            found = risk()
            if found is not None and person(who) is not None:
                services.close_risk(actor=person(who), risk=found, reason=reason)
        at(days_ago, close, "17:20")


def _assess(risk, actor, likelihood, impact) -> None:
    if risk is not None and actor is not None and risk.status != Risk.Status.CLOSED:
        services.assess_risk(actor=actor, risk=risk, inherent_likelihood=likelihood, inherent_impact=impact)


def _schedule_action(organisation, state, risk, title, owner, created, due_in, done) -> None:
    def plan():
        found = risk()
        if found is not None and owner is not None and found.status != Risk.Status.CLOSED:
            state[title] = services.add_treatment_action(
                actor=found.owner, risk=found, title=title, owner=owner,
                due_date=context.today() + timedelta(days=due_in)).pk

    organisation.at(created, plan, at="15:20")
    if done is None:
        return

    def complete():
        action = TreatmentAction.objects.filter(pk=state.get(title)).first()
        if action is not None:
            services.set_treatment_action_status(actor=owner, action=action, status=TreatmentAction.Status.DONE)

    organisation.at(done, complete, at="12:00")


def _schedule_impact(organisation: Organisation, reference: str, author: str, steps, answers: dict) -> None:
    people = organisation.people
    state: dict = {}

    def step_for(kind, who):
        def step():
            actor = people.get(who)
            system = _system(reference_code=reference)
            if actor is None or system is None:
                return
            if kind == "start":
                assessment = services.start_impact_assessment(actor=actor, system=system)
                state["id"] = services.save_impact_answers(actor=actor, assessment=assessment, answers=answers).pk
                return
            assessment = ImpactAssessment.objects.filter(pk=state.get("id")).first()
            if assessment is None:
                return
            if kind == "submit":
                services.submit_impact_assessment(actor=actor, assessment=assessment)
            else:
                services.approve_impact_assessment(actor=actor, assessment=assessment,
                                                   comment="Checked with the risk register.")
        return step

    for days_ago, kind, who in steps:
        organisation.at(days_ago, step_for(kind, who), at="10:40")
