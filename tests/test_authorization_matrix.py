"""Every page and every API route x every role: nothing readable or writable outside a role's scope.

The expectations are the product's access policy written out by hand in tests/authorization_policy.py, independently of
aims.core.permissions: which role reads and writes which domain. Each route says which domain and action it needs
and which object its URL names. A route that is not in the tables fails the completeness tests, so a new page or
API route cannot escape the matrix.

The world: two sibling units, North (in scope) and South (out of scope), with one object of each kind in each. Every
role except the administrator and the auditor is held over North only; the auditor and the administrator hold theirs
over the whole organisation. For each role and route:
- reads (GET) are answered when the policy allows them, and refused (403/404) otherwise, in particular for the
  South object;
- writes (POST, PUT, PATCH, DELETE) by a role the policy refuses are refused and write nothing to the ledger (writes
  by allowed roles are exercised by each module's own tests; sending them here would change the world mid-matrix);
- anonymous visitors are sent to the login page (pages) or get 401 (API), except on the public routes.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from aims.api import api
from aims.compliance import services as compliance
from aims.compliance.framework_files import FrameworkData, RequirementData
from aims.compliance.models import Framework, SoAEntry, SoAVersion
from aims.evidence import services as evidence
from aims.core import services as core
from aims.core.models import LedgerEvent, RoleAssignment
from aims.core.testing import OrgUnitFactory, UserFactory
from aims.incidents import services as incidents
from aims.inventory import services as inventory
from aims.monitoring import services as monitoring
from aims.monitoring.services import closure, drift
from aims.monitoring.models import Alert, ChangeSuggestion
from aims.risks import services as risks
from aims.risks.models import RiskSuggestion
from aims.suppliers import services as suppliers
from aims.suppliers import services_contracts as supplier_contracts

# Views and permissions only, on any database: CI runs the matrix in its SQLite pass (marker sqlite_pass).
pytestmark = [pytest.mark.django_db, pytest.mark.sqlite_pass]

from aims.inventory.testing import CV_SCREENING  # noqa: E402
import authorization_policy  # noqa: E402  (beside this file, on pytest's path)
from authorization_policy import (  # noqa: E402
    API, PAGES, POST_ONLY, READS, ROLES, WHOLE_ORGANISATION, WRITES, Rule,
)


# --- Routes ---------------------------------------------------------------------------------------------------------

def page_routes() -> dict[str, URLPattern]:
    found = {}

    def walk(patterns, namespace):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                if str(pattern.pattern).startswith(("accounts/", "api/")):
                    continue  # allauth's own pages (tested in core) and the API (below)
                walk(pattern.url_patterns, pattern.namespace or namespace)
            elif pattern.name:
                found[f"{namespace}:{pattern.name}" if namespace else pattern.name] = pattern

    walk(get_resolver().url_patterns, None)
    return found


def api_operations() -> dict[str, tuple[str, str]]:
    """operationId -> (method, path template)."""
    operations = {}
    for path, methods in api.get_openapi_schema()["paths"].items():
        for method, operation in methods.items():
            operations[operation["operationId"].removeprefix("aims_")] = (method.upper(), path)
    return operations


def test_every_page_route_is_in_the_matrix():
    missing = sorted(set(page_routes()) - set(PAGES))
    assert not missing, f"add these pages to PAGES in {authorization_policy.__file__}: {missing}"
    assert not sorted(set(PAGES) - set(page_routes())), "PAGES names routes that no longer exist"


def test_every_api_route_is_in_the_matrix():
    missing = sorted(set(api_operations()) - set(API))
    assert not missing, f"add these API operations to API in {authorization_policy.__file__}: {missing}"
    assert not sorted(set(API) - set(api_operations())), "API names operations that no longer exist"


# --- The world ------------------------------------------------------------------------------------------------------

def _objects_in(unit, *, admin, owner, tag: str) -> dict:
    """One object of each kind placed in `unit`, made through the services as an administrator would."""
    person = core.create_person(actor=admin, email=f"person-{tag}@example.com", first_name="P", last_name=tag,
                                unit=unit)
    group = core.create_group(actor=admin, name=f"Group {tag}", unit=unit, members=[person])
    # The technical lead named on the system below must be able to open it.
    assignment = core.grant_role(actor=admin, role="viewer", user=person, unit=unit)
    system = inventory.create_system(actor=admin, name=f"Chatbot {tag}", unit=unit, owner=owner,
                                     purpose="Answers questions with an LLM", technical_lead=person,
                                     business_referent=owner)
    component = inventory.create_component(actor=admin, kind="model", name=f"Model {tag}", owner_unit=unit)
    dependency = inventory.create_dependency(actor=admin, kind="library", name=f"Lib {tag}", owner_unit=unit)
    system_component = inventory.link_component(actor=admin, system=system, component=component)
    system_dependency = inventory.link_system_dependency(actor=admin, system=system, dependency=dependency)
    component_dependency = inventory.link_component_dependency(actor=admin, component=component,
                                                               dependency=dependency)
    inventory.save_model_card(actor=admin, system=system, changes={"task": "question answering"})
    playbook = inventory.create_playbook(actor=admin, system=system, title="Restart", body="1. Stop it.")
    classification = inventory.classify_system(actor=admin, system=system, answers=CV_SCREENING)
    obligation = system.obligations.first()
    decision = inventory.request_change(actor=admin, system=system, kind="minor_update", description="New prompt")
    declaration = inventory.declare_shadow_ai(actor=person, tool_name=f"Tool {tag}", purpose="Summaries", unit=unit)
    risk = risks.create_risk(actor=admin, title=f"Prompt injection {tag}", category="security", owner=owner,
                             systems=[system], inherent_likelihood=2, inherent_impact=2)
    action = risks.add_treatment_action(actor=admin, risk=risk, title="Filter inputs", owner=owner)
    review = risks.request_risk_review(actor=admin, risk=risk, reason="Matrix")
    impact = risks.start_impact_assessment(actor=admin, system=system)
    suggestion = RiskSuggestion.objects.filter(system=system).first()
    control = compliance.create_control(actor=admin, title=f"Control {tag}", owner=owner, unit=unit,
                                        links={"systems": [system]})
    control_test = compliance.add_test(actor=admin, control=control, name="Review", pass_criteria="No finding")
    evidence_item = evidence.create_evidence(actor=admin, title=f"Evidence {tag}", unit=unit, link_to=[system],
                                             file=SimpleUploadedFile(f"{tag}.pdf", b"%PDF-1.7\n%" + tag.encode()))
    evidence_request = evidence.request_evidence(actor=admin, requested_from=person, title=f"Logs {tag}",
                                                 due_date=date.today() + timedelta(days=7), unit=unit)
    kpi = monitoring.create_kpi(actor=admin, system=system, catalogue_key="accuracy", owner=owner, warning=85,
                                critical=80)
    monitoring.push_measurements(actor=admin, rows=[{"kpi_id": kpi.pk, "at": "2026-01-05T06:00:00Z", "value": 70}])
    alert = Alert.objects.get(kpi=kpi)
    push_token, _secret = monitoring.create_push_token(actor=admin, system=system, name=f"CI {tag}")
    closure_review = closure.start_closure_review(actor=admin, system=system)
    supplier = suppliers.create_supplier(actor=admin, legal_name=f"Supplier {tag}", unit=unit, owner=owner)
    supplier_contact = suppliers.add_contact(actor=admin, supplier=supplier, name=f"Contact {tag}",
                                             email=f"contact-{tag}@vendor.example.com")
    supplier_certification = suppliers.add_certification(actor=admin, supplier=supplier, scheme="iso27001")
    supply = suppliers.link_supply(actor=admin, supplier=supplier, component=component)
    supplier_assessment = suppliers.start_assessment(actor=admin, supplier=supplier)
    supplier_questionnaire, questionnaire_secret = suppliers.send_questionnaire(actor=admin, supplier=supplier,
                                                                                contact=supplier_contact)
    supplier_contract = supplier_contracts.create_contract(
        actor=admin, supplier=supplier, title=f"Contract {tag}", start_date=date(2026, 1, 1),
        end_date=date(2028, 12, 31), notice_days=90, clauses={"audit_rights": {"status": "present"}})
    supplier_audit = supplier_contracts.record_audit(actor=admin, supplier=supplier, title=f"Audit {tag}",
                                                     audit_date=date(2026, 3, 1))
    audit_finding = supplier_contracts.add_finding(actor=admin, audit=supplier_audit, title="No DR test",
                                                   severity="high")
    audit_action = supplier_contracts.add_audit_action(actor=admin, finding=audit_finding, title="Ask for a test",
                                                       owner=owner, due_date=date(2026, 6, 1))
    supplier_contracts.save_exit_plan(actor=admin, supplier=supplier, changes={"strategy": "Move to another API"})
    drift_run = drift.push_histograms(actor=admin, system=system, name=f"week {tag}", columns=[
        {"name": "region", "kind": "categorical", "reference": {"categories": ["a", "b"], "counts": [10, 5]},
         "current": {"categories": ["a", "b"], "counts": [9, 6]}}])
    incident = incidents.create_incident(actor=admin, title=f"Incident {tag}", category="privacy_breach",
                                         severity="high", unit=unit, handler=owner, systems=[system])
    regime = incidents.apply_regime(actor=admin, incident=incident, regime="gdpr_art33")
    containment = incidents.record_decision(actor=admin, incident=incident, kind="isolate", system=system,
                                            reason="Cut off")
    incidents.change_status(actor=admin, incident=incident, status="contained")
    incident_review = incidents.save_review(actor=admin, incident=incident, changes={"root_cause": "A bug"})
    incident_review_action = incidents.add_action(actor=admin, review=incident_review, title="Fix", owner=owner)
    # A serious incident on a system of its own holds it as evidence (the world's system must stay free to move).
    held = inventory.create_system(actor=admin, name=f"Held {tag}", unit=unit, owner=owner)
    serious = incidents.create_incident(actor=admin, title=f"Serious {tag}", category="safety", severity="critical",
                                        unit=unit, handler=owner, systems=[held], serious_incident=True)
    incidents.apply_regime(actor=admin, incident=serious, regime="ai_act_art73", reason="High-risk in practice")
    vulnerability = incidents.create_vulnerability(actor=admin, title=f"Prompt injection {tag}",
                                                   kind="prompt_injection", severity="high", unit=unit, owner=owner,
                                                   components=[component], incident=incident)
    mitigation = incidents.add_mitigation(actor=admin, vulnerability=vulnerability, kind="guardrail",
                                          title="Filter inputs", owner=owner)
    crisis = incidents.escalate(actor=admin, incident=serious, reason="Crisis", members=[("crisis_lead", owner)])
    exercise = incidents.plan_exercise(actor=admin, title=f"Exercise {tag}", scenario="prompt_injection", unit=unit,
                                       lead=owner, planned_for=timezone.now(), participants=[(owner, "crisis_lead")])
    incidents.start_exercise(actor=admin, exercise=exercise)
    exercise_action = incidents.add_exercise_action(actor=admin, exercise=exercise, title="List sources",
                                                    owner=owner)
    return {"crisis": crisis, "crisis_member": crisis.members.get(), "crisis_item": crisis.checklist.first(),
            "exercise": exercise, "exercise_action": exercise_action,
            "incident": incident, "vulnerability": vulnerability, "mitigation": mitigation, "regime": regime, "clock": incident.clocks.get(),
            "containment": containment, "hold": serious.evidence_holds.get(),
            "incident_review_action": incident_review_action,
            "unit": unit, "person": person, "group": group, "system": system, "component": component,
            "dependency": dependency, "system_component": system_component,
            "system_dependency": system_dependency, "component_dependency": component_dependency,
            "playbook": playbook, "decision": decision, "classification": classification, "declaration": declaration, "risk": risk, "action": action,
            "review": review, "impact": impact, "suggestion": suggestion, "assignment": assignment,
            "control": control, "control_test": control_test, "obligation": obligation,
            "evidence": evidence_item, "evidence_link": evidence_item.links.get(), "evidence_request": evidence_request,
            "history": system, "kpi": kpi, "alert": alert, "push_token": push_token,
            "change_suggestion": ChangeSuggestion.objects.get(alert=alert), "drift_run": drift_run,
            "closure": closure_review, "supplier": supplier, "supplier_contact": supplier_contact,
            "supplier_certification": supplier_certification, "supply": supply,
            "supplier_assessment": supplier_assessment, "supplier_questionnaire": supplier_questionnaire,
            "questionnaire_secret": questionnaire_secret, "supplier_contract": supplier_contract,
            "supplier_audit": supplier_audit, "audit_finding": audit_finding, "audit_action": audit_action,
            **_disclosure(admin, unit, tag, vulnerability)}


def _disclosure(admin, unit, tag, vulnerability) -> dict:
    """A vulnerability report received through the public form, filed under the side's unit, with a file; the
    side's vulnerability has its advisory."""
    from aims.incidents.models import DisclosureCase
    from aims.incidents.services import advisories, disclosure

    advisories.save_advisory(actor=admin, vulnerability=vulnerability,
                             changes={"title_en": f"Advisory {tag}", "summary_en": "What happened"})
    proof = SimpleUploadedFile(f"proof-{tag}.txt", b"steps to reproduce\n", content_type="text/plain")
    case, secret = disclosure.submit_report(summary=f"Report {tag}", details="Details", files=[proof])
    DisclosureCase.objects.filter(pk=case.pk).update(unit=unit)
    case.refresh_from_db()
    return {"disclosure_case": case, "disclosure_attachment": case.attachments.get(), "disclosure_secret": secret}


@pytest.fixture
def world():
    root = OrgUnitFactory(name="Root", code="root")
    north = OrgUnitFactory(name="North", code="north", parent=root)
    south = OrgUnitFactory(name="South", code="south", parent=root)
    admin = UserFactory(unit=root, is_superuser=False)
    RoleAssignment.objects.create(role="administrator", user=admin, unit=None)
    risks.load_builtin_catalogs(actor=None)
    method = risks.load_default_method(actor=None)
    framework_data = FrameworkData(key="matrix_rules", version="1", name_en="Matrix rules", requirements=[
        RequirementData(ref="M1", code="M1", kind="rule", title_en="Monitor")]).finish()
    compliance.load_framework(actor=None, data=framework_data, source="test")
    framework = Framework.objects.get(key="matrix_rules")
    requirement = framework.requirements.get()
    soa_entry = SoAEntry.objects.create(requirement=requirement)
    soa_version = SoAVersion.objects.create(number=1, summary="Matrix", submitted_by=admin, submitted_at=timezone.now(),
                                            catalogue_version="1", entries=[])
    gap_assessment = compliance.start_assessment(actor=admin, framework=framework, title="Matrix gap assessment")
    gap_row = gap_assessment.rows.get()
    policy = compliance.create_policy(actor=admin, title="Matrix policy", body="Text.")
    owners = {name: UserFactory(unit=unit) for name, unit in (("north", north), ("south", south))}
    for name, unit in (("north", north), ("south", south)):
        RoleAssignment.objects.create(role="system_owner", user=owners[name], unit=unit)
    objects = {
        "north": _objects_in(north, admin=admin, owner=owners["north"], tag="north"),
        "south": _objects_in(south, admin=admin, owner=owners["south"], tag="south"),
    }
    for side in objects.values():
        side.update(method=method, framework=framework, requirement=requirement, soa_entry=soa_entry,
                    soa_version=soa_version, assessment=gap_assessment, gap_assessment=gap_assessment, gap_row=gap_row,
                    policy=policy)
    token, _secret = core.create_api_token(actor=admin, name="admin's")
    objects["north"]["token"] = objects["south"]["token"] = token  # someone else's token, whoever asks
    people = {}
    for role in ROLES:
        person = UserFactory(unit=north, email=f"{role}@example.com")
        if role != "no_role":
            RoleAssignment.objects.create(role=role, user=person, unit=None if role in WHOLE_ORGANISATION else north)
        people[role] = person
    return objects, people


# --- URLs for a route, filled with the world's objects ------------------------------------------------------------

def page_url(name: str, pattern: URLPattern, objects: dict) -> str:
    rule = PAGES[name]
    arguments = list(pattern.pattern.regex.groupindex)
    if not arguments:
        return reverse(name)
    values = {}
    obj = objects.get(rule.obj) if rule.obj else None
    for argument in arguments:
        if argument == "object_type":
            values[argument] = "inventory.aisystem"
        elif argument == "object_id":
            values[argument] = str(objects["system"].pk)
        elif argument == "module":
            values[argument] = "audits"  # a module not built yet
        elif argument == "fmt":
            values[argument] = ("xlsx" if name.startswith("compliance:") else
                                "cyclonedx" if name == "incidents:advisory_export" else "csv")
        elif argument in ("system_pk",):
            values[argument] = objects["system"].pk
        elif argument == "action_pk":
            values[argument] = objects["action"].pk
        elif argument == "review_pk":
            values[argument] = objects["review"].pk
        elif argument == "assignment_pk":
            values[argument] = objects["assignment"].pk
        elif argument == "pk" and rule.obj in ("action", "review"):
            values[argument] = objects["risk"].pk
        elif argument == "pk" and rule.obj == "assignment":
            values[argument] = objects["person"].pk
        elif argument == "pk" and rule.obj in ("system_component", "system_dependency", "playbook", "classification"):
            values[argument] = objects["system"].pk
        elif argument == "pk" and rule.obj == "evidence_link":
            values[argument] = objects["evidence"].pk
        elif argument == "pk" and rule.obj in ("supplier_contact", "supplier_certification", "supply",
                                               "supplier_assessment", "supplier_questionnaire", "supplier_contract",
                                               "supplier_audit", "audit_finding", "audit_action"):
            values[argument] = objects["supplier"].pk
        elif argument in ("contact_pk", "certification_pk", "supply_pk", "assessment_pk", "questionnaire_pk",
                          "contract_pk"):
            values[argument] = objects[rule.obj].pk
        elif argument == "audit_pk":
            values[argument] = objects["supplier_audit"].pk
        elif argument == "finding_pk":
            values[argument] = objects["audit_finding"].pk
        elif argument == "audit_action_pk":
            values[argument] = objects["audit_action"].pk
        elif argument == "pk" and rule.obj == "component_dependency":
            values[argument] = objects["component"].pk
        elif argument == "pk":
            values[argument] = obj.pk
        elif argument == "link_pk" and rule.obj == "evidence_link":
            values[argument] = objects["evidence_link"].pk
        elif argument in ("component_pk", "link_pk") and rule.obj == "system_component":
            values[argument] = objects["system_component"].pk
        elif argument in ("dependency_pk", "link_pk") and rule.obj in ("system_dependency", "component_dependency"):
            values[argument] = objects[rule.obj].pk
        elif argument == "playbook_pk":
            values[argument] = objects["playbook"].pk
        elif argument == "classification_pk":
            values[argument] = objects["classification"].pk
        elif argument == "decision_pk":
            values[argument] = objects["decision"].pk
        elif argument == "secret":
            values[argument] = objects["disclosure_secret" if name == "cvd_case" else "questionnaire_secret"]
        elif argument == "number":
            values[argument] = 1
        elif argument == "regime":
            values[argument] = "gdpr_art33"
        elif argument == "verdict":
            values[argument] = "approve"
        else:
            raise AssertionError(f"the matrix does not know how to fill <{argument}> of {name}")
    return reverse(name, kwargs=values)


API_ARGUMENT_OBJECTS = {
    "unit_id": "unit", "person_id": "person", "group_id": "group", "assignment_id": "assignment",
    "system_id": "system", "decision_id": "decision", "component_id": "component", "dependency_id": "dependency",
    "declaration_id": "declaration", "risk_id": "risk", "action_id": "action", "review_id": "review",
    "method_id": "method", "assessment_id": "impact", "framework_id": "framework", "requirement_id": "requirement",
    "evidence_id": "evidence", "link_id": "evidence_link", "request_id": "evidence_request", "control_id": "control",
    "test_id": "control_test", "entry_id": "soa_entry", "version_id": "soa_version",
    "gap_assessment_id": "gap_assessment", "row_id": "gap_row", "policy_id": "policy", "obligation_id": "obligation",
    "incident_id": "incident", "clock_id": "clock", "containment_id": "containment", "hold_id": "hold",
    "review_action_id": "incident_review_action", "vulnerability_id": "vulnerability", "mitigation_id": "mitigation",
    "kpi_id": "kpi", "alert_id": "alert", "suggestion_id": "change_suggestion", "token_id": "push_token", "run_id": "drift_run", "closure_id": "closure",
    "supplier_id": "supplier", "contact_id": "supplier_contact", "certification_id": "supplier_certification",
    "supply_id": "supply", "supplier_assessment_id": "supplier_assessment",
    "supplier_questionnaire_id": "supplier_questionnaire", "contract_id": "supplier_contract",
    "audit_id": "supplier_audit", "finding_id": "audit_finding", "audit_action_id": "audit_action",
    "crisis_id": "crisis", "crisis_member_id": "crisis_member", "checklist_item_id": "crisis_item",
    "exercise_id": "exercise", "exercise_action_id": "exercise_action", "disclosure_case_id": "disclosure_case",
}


def api_url(path: str, objects: dict) -> str:
    def fill(match):
        argument = match.group(1)
        if argument == "object_type":
            return "inventory.aisystem"
        if argument == "object_id":
            return str(objects["system"].pk)
        if argument == "kind":
            return "inventory.classification"
        if argument == "number":
            return "1"
        if argument == "level":
            return "tactical"
        if argument == "regime":
            return "gdpr_art33"
        return str(objects[API_ARGUMENT_OBJECTS[argument]].pk)

    return re.sub(r"\{(\w+)\}", fill, path)


# --- Expectations ---------------------------------------------------------------------------------------------------

def allowed(rule: Rule, role: str, side: str, *, write: bool) -> bool | None:
    """True/False from the policy; None when only anonymous and role-less refusals are checked (person rules)."""
    if rule.need == "public":
        return True
    if role == "anonymous":
        return False
    if rule.need == "login":
        return True
    if rule.need == "person":
        return False if role == "no_role" else None
    granted = (WRITES if rule.need == "write" or write else READS)[role]
    if rule.domain not in granted:
        return False
    whole = role in WHOLE_ORGANISATION
    if rule.org_wide and not whole:
        return False
    if rule.obj and side == "south" and not whole and rule.obj not in ORGANISATION_WIDE and not (rule.shared and not write):
        return False
    return True


# Objects that belong to no unit (reference data): a North-scoped reader reads the same one as everybody.
ORGANISATION_WIDE = {"method", "framework", "requirement", "soa_entry", "soa_version", "assessment", "gap_assessment",
                     "gap_row", "policy"}
REFUSED = {403, 404, 405}
# An empty or incomplete request may be turned away by validation before the permission check: that reveals nothing
# and writes nothing (the ledger is checked too), so it counts as a refusal here. Writes with valid data by refused
# roles are tested in each module's permission tests.
TURNED_AWAY = REFUSED | {400, 401, 422}


def _is_login_redirect(response) -> bool:
    return response.status_code == 302 and "/accounts/login/" in response["Location"]


def _leaks(response, secrets) -> list[str]:
    body = response.content.decode(errors="replace")
    return [secret for secret in secrets if secret in body]


def _check(problems, what, response, expected, *, secrets=(), anonymous_page=False, write=False):
    status = response.status_code
    if expected is True:
        if status in REFUSED or status == 401 or _is_login_redirect(response):
            problems.append(f"{what}: refused ({status}) but the policy allows it")
        return
    if anonymous_page and _is_login_redirect(response):
        return
    if status in TURNED_AWAY or (write and status == 302):
        return
    # A list may answer with nothing in it rather than refuse: then none of the world's objects may show.
    leaked = _leaks(response, secrets) if status == 200 and secrets else ["(not a list)"]
    if leaked:
        problems.append(f"{what}: answered {status} but the policy refuses it; shows {leaked[:3]}")


def _secrets(objects) -> list[str]:
    return [objects[side][key].name for side in ("north", "south") for key in ("system", "component", "group")] + [
        objects[side][key].title for side in ("north", "south")
        for key in ("risk", "evidence", "evidence_request", "control")] + [
        objects[side]["supplier"].legal_name for side in ("north", "south")] + [
        objects[side]["person"].email for side in ("north", "south")]


def _client(people, role) -> Client:
    client = Client()
    if role != "anonymous":
        client.force_login(people[role])
    return client


def _refused_write(problems, what, send, **check) -> None:
    events = LedgerEvent.objects.count()
    _check(problems, what, send(), False, write=True, **check)
    if LedgerEvent.objects.count() != events:
        problems.append(f"{what}: a refused write changed the ledger")


@pytest.mark.parametrize("role", ROLES + ["anonymous"])
def test_pages_answer_each_role_as_the_policy_says(world, role):
    objects, people = world
    client = _client(people, role)
    problems, secrets = [], _secrets(objects)
    for name, pattern in sorted(page_routes().items()):
        rule = PAGES[name]
        for side in ("north", "south") if rule.obj else ("north",):
            url = page_url(name, pattern, objects[side])
            if not POST_ONLY.search(name):
                expected = allowed(rule, role, side, write=False)  # a write rule's form page needs the write
                if expected is not None:
                    _check(problems, f"GET {name} ({side})", client.get(url), expected,
                           secrets=secrets if not rule.obj else (), anonymous_page=role == "anonymous")
            if rule.need in ("write", "person") and allowed(rule, role, side, write=True) is False:
                _refused_write(problems, f"POST {name} ({side})", lambda: client.post(url, {}),
                               anonymous_page=role == "anonymous")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("role", ROLES + ["anonymous"])
def test_api_answers_each_role_as_the_policy_says(world, role):
    objects, people = world
    client = _client(people, role)
    problems, secrets = [], _secrets(objects)
    for operation, (method, path) in sorted(api_operations().items()):
        rule = API[operation]
        for side in ("north", "south") if rule.obj else ("north",):
            url = api_url(path, objects[side])
            if method == "GET":
                expected = allowed(rule, role, side, write=False)
                if expected is not None:
                    _check(problems, f"GET {operation} ({side})", client.get(url), expected,
                           secrets=secrets if not rule.obj else ())
                continue
            expected = allowed(rule, role, side, write=True)
            if expected is False and rule.need != "public":
                _refused_write(problems, f"{method} {operation} ({side})",
                               lambda: client.generic(method, url, "{}", content_type="application/json"))
    assert not problems, "\n".join(problems)


def test_lists_hold_only_what_is_in_scope(world):
    """A North viewer's lists, pages and API alike, never show a South object."""
    objects, people = world
    client = Client()
    client.force_login(people["viewer"])
    south = objects["south"]
    for url, needle in (
        (reverse("inventory:portfolio"), south["system"].name), (reverse("risks:register"), south["risk"].title),
        (reverse("unit_list"), "South"), (reverse("people_list"), south["person"].email),
        ("/api/v1/systems", south["system"].name), ("/api/v1/risks", south["risk"].title),
        ("/api/v1/people", south["person"].email),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert needle not in response.content.decode(), f"{url} shows {needle}"
    north = objects["north"]
    assert north["system"].name in client.get(reverse("inventory:portfolio")).content.decode()
    assert north["risk"].title in client.get("/api/v1/risks").content.decode()
