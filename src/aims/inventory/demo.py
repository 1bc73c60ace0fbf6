"""Demo data of the inventory (registered with the demo registry at order 10): the demo bank's portfolio of AI systems
over its first year with AIMS.

- A year ago, on the day the bank adopted AIMS, the systems already in production are registered as found (credit
  scoring, card fraud, AML monitoring...) with what the inventory's gate asks (model card, owner's approval, incident
  contact...). Their risk assessments come later in the year, so they pass the gate through an override whose reason
  says so (`FOUND_LIVE`); the marketing generator also lacks an inventory prerequisite, with a reason of its own
  (`DemoSystem.override`). Systems that go live during the year pass every module's checks.
- Over the year: new systems go through the lifecycle stage by stage (the CV screener waits in validation, the code
  assistant is being designed...), each classified under the EU AI Act and signed off by a second person; components,
  datasets and dependencies are registered and linked; change decisions are requested, approved, put into effect (one
  retirement) or still wait for their approvers; employees declare the AI tools they use on their own (shadow AI).
- Today: nothing more (the other modules add their part on these systems).

The portfolio itself (who owns what, at which stage, which tier) is the table in `demo_portfolio.py`. Everything goes
through the services, as people would, so the ledger reads like a year of use.
"""

from __future__ import annotations

from aims.core.demo import Organisation
from aims.inventory.models import AISystem

from . import services
from .demo_portfolio import CHANGES, SHADOW, SYSTEMS, DemoSystem
from .models import STAGE_ORDER, Component, Dependency, OwnerApproval, Stage
from .services.systems import GateRefused

CLAIRE, KARIM = "claire.martin@example.com", "karim.benali@example.com"
# The reason of the found systems' go-live overrides (their risks are assessed later in the year); any other system
# that needed it would fail test_demo_portfolio, which names it.
FOUND_LIVE = ("In production before AIMS was adopted: registered as found. The checks not yet met are caught up on in "
              "the AIMS action plan of the first year.")


def history(organisation: Organisation) -> None:
    people = organisation.people
    if not all(email in people for email in (CLAIRE, KARIM)) or AISystem.objects.filter(
            reference_code=SYSTEMS[0].reference).exists():
        return
    for spec in SYSTEMS:
        if spec.owner in people and all(unit in organisation.units for unit in (spec.unit,)):
            _schedule(organisation, spec)
    for spec in SHADOW:
        _schedule_shadow(organisation, spec)
    for spec in CHANGES:
        _schedule_change(organisation, spec)


def load(organisation: Organisation) -> None:
    """Nothing to add today: the history built the portfolio."""
    return None


def system(reference: str) -> AISystem | None:
    return AISystem.objects.select_related("unit", "owner").filter(reference_code=reference).first()


def _person(organisation: Organisation, email: str | None):
    return organisation.people.get(email) if email else None


def _schedule(organisation: Organisation, spec: DemoSystem) -> None:
    people, units = organisation.people, organisation.units
    claire = people[CLAIRE]

    def register():
        if AISystem.objects.filter(reference_code=spec.reference).exists():
            return  # registered by another module's demo (or a test's stand-in): left as it is
        named = {field: people[email] for field, email in spec.people.items() if email in people}
        created = services.create_system(actor=claire if spec.registered_by is None else people[spec.registered_by],
                                         name=spec.name, unit=units[spec.unit], owner=people[spec.owner],
                                         reference_code=spec.reference, reason="demo data", **spec.fields, **named)
        for component in spec.components:
            services.link_component(actor=claire, system=created, component=_component(organisation, component),
                                    role=component.get("role", ""))
        for dependency in spec.dependencies:
            services.link_system_dependency(actor=claire, system=created,
                                            dependency=_dependency(organisation, dependency))
        if spec.limitations:
            services.save_model_card(actor=claire, system=created, changes={
                "task": spec.task, "technical_limitations": spec.limitations, "use_cases": spec.fields.get(
                    "intended_use", "")})

    organisation.at(spec.registered, register, at="09:30")
    if spec.answers is not None:
        organisation.at(spec.classified, _classify(organisation, spec), at="11:00")
    for days_ago, stage in spec.stages:
        organisation.at(days_ago, _move(organisation, spec, stage), at="15:00")
    for days_ago, text, rationale in spec.decisions:
        organisation.at(days_ago, _decide(organisation, spec, text, rationale), at="16:00")


def _component(organisation: Organisation, spec: dict) -> Component:
    fields = {key: value for key, value in spec.items() if key not in ("role", "unit")}
    found = Component.objects.filter(kind=fields["kind"], name=fields["name"],
                                     version_label=fields.get("version_label", ""),
                                     provider=fields.get("provider", "")).first()
    if found is not None:
        return found
    return services.create_component(actor=organisation.people[CLAIRE], owner_unit=organisation.units.get(spec.get(
        "unit", "data-ai")), reason="demo data", **fields)


def _dependency(organisation: Organisation, spec: dict) -> Dependency:
    found = Dependency.objects.filter(kind=spec["kind"], name=spec["name"],
                                      version_label=spec.get("version_label", "")).first()
    if found is not None:
        return found
    fields = {key: value for key, value in spec.items() if key != "unit"}
    return services.create_dependency(actor=organisation.people[CLAIRE], reason="demo data",
                                      owner_unit=organisation.units.get(spec.get("unit", "data-ai")), **fields)


def _classify(organisation: Organisation, spec: DemoSystem):
    def step():
        found = system(spec.reference)
        if found is None:
            return
        people = organisation.people
        classifier = people.get(spec.classified_by or spec.owner)
        classification = services.classify_system(actor=classifier, system=found, answers=spec.answers,
                                                  final_tier=spec.final_tier, rationale=spec.rationale)
        signer = people.get(spec.signed_off_by) if spec.signed_off_by else None
        if signer is not None and signer.pk != classifier.pk:
            services.sign_off_classification(actor=signer, classification=classification,
                                             comment="Checked against the questionnaire answers.")
    return step


def _move(organisation: Organisation, spec: DemoSystem, stage: str):
    """Move the system through its gates (the owner approves the go-live first); only the demo's deliberate example
    fails them, and the AIMS manager passes it with its reason."""
    def step():
        found = system(spec.reference)
        if found is None or found.stage == stage:
            return
        claire, owner = organisation.people[CLAIRE], found.owner
        live = STAGE_ORDER.index(stage) >= STAGE_ORDER.index(Stage.DEPLOYMENT)
        if live and owner is not None and not OwnerApproval.objects.filter(system=found, approved_by=owner).exists():
            services.approve_go_live(actor=owner, system=found, comment="Ready for production.")
        try:
            services.move_to_stage(actor=owner, system=found, stage=stage)
        except GateRefused:
            services.move_to_stage(actor=claire, system=system(spec.reference), stage=stage,
                                   justification=spec.override or FOUND_LIVE)
    return step


def _decide(organisation: Organisation, spec: DemoSystem, text: str, rationale: str):
    def step():
        found = system(spec.reference)
        if found is not None and not found.is_frozen:
            services.add_decision(actor=found.owner, system=found, decision=text, rationale=rationale)
    return step


def _schedule_shadow(organisation: Organisation, spec: dict) -> None:
    people, units = organisation.people, organisation.units
    declarant = people.get(spec["declared_by"])
    if declarant is None:
        return
    state: dict = {}

    def declare():
        state["declaration"] = services.declare_shadow_ai(actor=declarant, tool_name=spec["tool"],
                                                          purpose=spec["purpose"], data_involved=spec["data"])

    organisation.at(spec["declared"], declare, at="14:20")
    if "triaged" not in spec:
        return

    def triage():
        claire, declaration = people[CLAIRE], state.get("declaration")
        if declaration is None:
            return
        if spec.get("rejected"):
            services.reject_shadow_declaration(actor=claire, declaration=declaration, reason=spec["rejected"])
            return
        owner = people[spec["owner"]]
        services.convert_shadow_declaration(actor=claire, declaration=declaration, owner=owner,
                                            unit=units[spec["unit"]], name=spec["name"],
                                            reason="Registered from the declaration.", **spec.get("fields", {}))

    organisation.at(spec["triaged"], triage, at="10:30")


def _schedule_change(organisation: Organisation, spec: dict) -> None:
    people = organisation.people
    state: dict = {}

    def request():
        found = system(spec["system"])
        requester = people.get(spec["requested_by"])
        if found is None or requester is None or found.is_frozen:
            return
        state["decision"] = services.request_change(actor=requester, system=found, kind=spec["kind"],
                                                    description=spec["description"])

    organisation.at(spec["requested"], request, at="10:15")
    for days_ago, email, slot, verdict in spec.get("verdicts", ()):
        organisation.at(days_ago, _verdict(organisation, state, email, slot, verdict), at="17:00")
    if "effective" in spec:
        def effective():
            decision = state.get("decision")
            if decision is not None:
                decision.refresh_from_db()
                if decision.status == decision.Status.APPROVED:
                    services.make_change_effective(actor=decision.requested_by, decision=decision,
                                                   reason=spec.get("effective_reason", ""))

        organisation.at(spec["effective"], effective, at="18:00")


def _verdict(organisation: Organisation, state: dict, email: str, slot: str, verdict: str):
    def step():
        decision, person = state.get("decision"), organisation.people.get(email)
        if decision is None or person is None:
            return
        decision.refresh_from_db()
        if verdict == "approve":
            services.approve_change(actor=person, decision=decision, slot=slot, comment="Agreed.")
        else:
            services.reject_change(actor=person, decision=decision, slot=slot, comment=verdict)
    return step
