"""Every page and every API route x every role: nothing readable or writable outside a role's scope.

The expectations below are the product's access policy written out by hand, independently of
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
from dataclasses import dataclass
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

ROLES = ["administrator", "aims_manager", "risk_manager", "system_owner", "contributor", "auditor", "viewer",
         "no_role"]
WHOLE_ORGANISATION = {"administrator", "auditor"}
BASE = {"inventory", "risks", "compliance", "obligations", "evidence", "monitoring", "suppliers", "incidents",
        "organisation", "people"}
READS = {
    "administrator": BASE | {"roles", "ledger"},
    "aims_manager": BASE | {"roles", "ledger"},
    "risk_manager": BASE, "system_owner": BASE, "contributor": BASE,
    "auditor": BASE | {"roles", "ledger"},
    "viewer": BASE,
    "no_role": set(),
}
WRITES = {
    "administrator": BASE | {"roles"},
    "aims_manager": {"inventory", "risks", "compliance", "obligations", "evidence", "monitoring", "suppliers",
                     "incidents", "organisation"},
    "risk_manager": {"risks"},
    "system_owner": {"inventory", "risks", "obligations", "evidence", "monitoring", "suppliers", "incidents"},
    "contributor": {"inventory", "risks", "obligations", "evidence", "incidents"},
    "auditor": set(), "viewer": set(), "no_role": set(),
}


@dataclass(frozen=True)
class Rule:
    """What a route needs: `need` is "public", "login" (anyone signed in), "read" or "write" of `domain`, or
    "person" (decided by the person named on the object: an owner, an approver, an author). `obj` names the world's
    object that fills the URL; reads of the South object must be refused to every North-scoped role."""
    need: str
    domain: str = ""
    obj: str = ""
    # The ledger is organisation-wide: only a grant over the whole organisation reaches it.
    org_wide: bool = False
    # Shared components and dependencies: every inventory reader sees them, whatever the unit (decision record 0002).
    shared: bool = False


def R(domain, obj="", **kw):  # noqa: N802 (a table reads better with short names)
    return Rule("read", domain, obj, **kw)


def W(domain, obj="", **kw):  # noqa: N802
    return Rule("write", domain, obj, **kw)


LOGIN, PUBLIC = Rule("login"), Rule("public")


def P(obj=""):  # noqa: N802
    return Rule("person", "", obj)


# --- Pages: URL name -> rule ---------------------------------------------------------------------------------------
PAGES = {
    "home": LOGIN, "profile": LOGIN, "token_list": LOGIN, "token_create": LOGIN, "token_revoke": P("token"),
    "set_language": PUBLIC, "notifications": LOGIN, "notifications_mark_read": LOGIN,
    "approvals": LOGIN,
    "unit_list": R("organisation"), "unit_create": W("organisation"), "unit_detail": R("organisation", "unit"),
    "unit_edit": W("organisation", "unit"), "unit_delete": W("organisation", "unit"),
    "people_list": LOGIN, "person_create": W("people"), "person_detail": R("people", "person"),
    "person_edit": W("people", "person"), "person_set_active": W("people", "person"),
    "role_grant": W("roles", "person"), "role_revoke": W("roles", "assignment"),
    "group_list": R("people"), "group_create": W("people"), "group_detail": R("people", "group"),
    "group_edit": W("people", "group"),
    "history": R("inventory", "history"), "journal": R("inventory", "history"),
    "ledger": R("ledger", org_wide=True), "ledger_verify": R("ledger", org_wide=True),
    "ledger_export": R("ledger", org_wide=True), "module_placeholder": LOGIN,
    # Inventory
    "inventory:portfolio": R("inventory"), "inventory:portfolio_export": R("inventory"),
    "inventory:system_create": W("inventory"), "inventory:system_detail": R("inventory", "system"),
    "inventory:system_edit": W("inventory", "system"), "inventory:system_cyclonedx": R("inventory", "system"),
    "inventory:system_link_component": W("inventory", "system"),
    "inventory:system_unlink_component": W("inventory", "system_component"),
    "inventory:system_link_dependency": W("inventory", "system"),
    "inventory:system_unlink_dependency": W("inventory", "system_dependency"),
    "inventory:system_classify": W("inventory", "system"),
    "inventory:system_classify_preview": W("inventory", "system"),
    # Decided by the approvers catalogs/approvals.yaml names (AIMS and risk managers over the unit), not by a write grant.
    "inventory:classification_sign_off": P("classification"),
    "inventory:system_approve_go_live": P("system"), "inventory:system_move": W("inventory", "system"),
    "inventory:change_request": W("inventory", "system"), "inventory:change_detail": R("inventory", "decision"),
    "inventory:change_approve": P("decision"),
    "inventory:change_reject": P("decision"), "inventory:change_effective": P("decision"),
    "inventory:model_card_edit": W("inventory", "system"), "inventory:decision_add": W("inventory", "system"),
    "inventory:playbook_create": W("inventory", "system"), "inventory:playbook_edit": W("inventory", "playbook"),
    "inventory:component_list": R("inventory"), "inventory:component_create": W("inventory"),
    "inventory:component_detail": R("inventory", "component", shared=True), "inventory:component_edit": W("inventory", "component"),
    "inventory:component_link_dependency": W("inventory", "component"),
    "inventory:component_unlink_dependency": W("inventory", "component_dependency"),
    "inventory:dependency_list": R("inventory"), "inventory:dependency_create": W("inventory"),
    "inventory:dependency_detail": R("inventory", "dependency", shared=True),
    "inventory:dependency_edit": W("inventory", "dependency"),
    "inventory:shadow_declare": LOGIN, "inventory:shadow_list": LOGIN,
    "inventory:shadow_detail": R("inventory", "declaration"), "inventory:shadow_convert": W("inventory", "declaration"),
    "inventory:shadow_reject": W("inventory", "declaration"),
    "inventory:import": W("inventory"), "inventory:import_template": W("inventory"),
    # Risks
    "risks:register": R("risks"), "risks:export_csv": R("risks"), "risks:export_xlsx": R("risks"),
    "risks:risk_import": W("risks"), "risks:import_template": R("risks"), "risks:exchange_export": R("risks"),
    "risks:levels_css": LOGIN, "risks:heatmap": R("risks"), "risks:reviews": R("risks"),
    "risks:system_risks": R("risks", "system"), "risks:risk_create": W("risks"), "risks:level_preview": R("risks"),
    "risks:risk_detail": R("risks", "risk"), "risks:risk_edit": W("risks", "risk"),
    "risks:risk_treatment": W("risks", "risk"), "risks:action_add": W("risks", "risk"),
    "risks:action_status": W("risks", "action"), "risks:risk_accept": P("risk"),
    "risks:review_request": W("risks", "risk"), "risks:review_complete": W("risks", "review"),
    "risks:method_list": R("risks"), "risks:method_new_version": P(), "risks:method_detail": R("risks", "method"),
    "risks:method_edit": P("method"), "risks:method_activate": P("method"),
    "risks:impact_list": R("risks"), "risks:impact_start": W("risks"), "risks:impact_detail": R("risks", "impact"),
    "risks:impact_save": W("risks", "impact"), "risks:impact_approve": P("impact"), "risks:impact_return": P("impact"),
    "risks:impact_reopen": P("impact"),
    "risks:suggestions": R("risks"), "risks:suggestion_accept": W("risks", "suggestion"),
    "risks:suggestion_dismiss": W("risks", "suggestion"), "risks:suggestions_refresh": W("risks", "system"),
    # Compliance
    "compliance:home": R("compliance"), "compliance:framework_list": R("compliance"),
    "compliance:framework_detail": R("compliance", "framework"),
    "compliance:requirement_detail": R("compliance", "requirement"), "compliance:mappings": R("compliance"),
    "compliance:control_list": R("compliance"), "compliance:control_create": W("compliance"),
    "compliance:control_detail": R("compliance", "control"), "compliance:control_edit": W("compliance", "control"),
    "compliance:test_add": P("control"), "compliance:test_record": P("control"),
    "compliance:soa": R("compliance"), "compliance:soa_entry": W("compliance", "soa_entry", org_wide=True),
    "compliance:soa_submit": W("compliance", org_wide=True), "compliance:soa_versions": R("compliance"),
    "compliance:soa_version": R("compliance", "soa_version"), "compliance:soa_approve": P("soa_version"),
    "compliance:soa_return": P("soa_version"), "compliance:soa_export": R("compliance"),
    "compliance:assessment_list": R("compliance"), "compliance:assessment_start": W("compliance", org_wide=True),
    "compliance:assessment_detail": R("compliance", "assessment"),
    "compliance:assessment_row": W("compliance", "assessment", org_wide=True),
    "compliance:assessment_snapshot": W("compliance", "assessment", org_wide=True),
    "compliance:assessment_close": W("compliance", "assessment", org_wide=True),
    "compliance:obligation_list": R("obligations"), "compliance:obligation_detail": R("obligations", "obligation"),
    "compliance:obligation_edit": W("obligations", "obligation"),
    "compliance:obligation_exception": W("obligations", "obligation"),
    # Decided by the approvers of catalogs/approvals.yaml (never who asked); withdrawn by compliance or who asked.
    "compliance:obligation_exception_approve": P("obligation"), "compliance:obligation_exception_refuse": P("obligation"),
    "compliance:obligation_exception_withdraw": P("obligation"),
    "compliance:system_obligations": R("obligations", "system"),
    "compliance:policy_list": LOGIN, "compliance:policy_create": W("compliance", org_wide=True),
    "compliance:policy_detail": R("compliance", "policy"), "compliance:policy_acknowledge": P("policy"),
    "compliance:policy_new_version": P("policy"), "compliance:policy_review": P("policy"),
    "compliance:policy_version": R("compliance", "policy"), "compliance:policy_version_edit": P("policy"),
    "compliance:policy_version_submit": P("policy"), "compliance:policy_version_approve": P("policy"),
    "compliance:policy_version_return": P("policy"), "compliance:policy_version_publish": P("policy"),
    # Evidence
    "evidence:list": R("evidence"), "evidence:create": W("evidence"), "evidence:link_add": P(),
    "evidence:detail": R("evidence", "evidence"), "evidence:edit": W("evidence", "evidence"),
    "evidence:version_add": W("evidence", "evidence"), "evidence:download": R("evidence", "evidence"),
    "evidence:version_approve": W("evidence", "evidence"), "evidence:link_remove": W("evidence", "evidence_link"),
    "evidence:legal_hold": P("evidence"), "evidence:reconfirm": W("evidence", "evidence"),
    "evidence:delete": P("evidence"), "evidence:request_list": LOGIN, "evidence:request_create": W("evidence"),
    "evidence:request_detail": R("evidence", "evidence_request"), "evidence:request_fulfil": P("evidence_request"),
    "evidence:request_cancel": P("evidence_request"),
    # Incidents
    "incidents:list": R("incidents"), "incidents:create": W("incidents"), "incidents:clocks": R("incidents"),
    "incidents:clock_submit": W("incidents", "clock"), "incidents:profile": R("incidents"),
    "incidents:regime_dismiss": W("incidents", "regime"), "incidents:detail": R("incidents", "incident"),
    "incidents:edit": W("incidents", "incident"), "incidents:status": W("incidents", "incident"),
    "incidents:timeline_add": W("incidents", "incident"), "incidents:regime_apply": W("incidents", "incident"),
    "incidents:decision_add": W("incidents", "incident"), "incidents:decision_lift": W("incidents", "containment"),
    # Released by AIMS managers over the incident's unit only, not by a write grant.
    "incidents:hold_release": P("hold"), "incidents:system_panel": R("inventory", "system"),
    "incidents:review_save": W("incidents", "incident"), "incidents:review_action_add": W("incidents", "incident"),
    # Decided by the review's approvers (catalogs/approvals.yaml); an action is done by its owner or a writer.
    "incidents:review_decide": P("incident"), "incidents:review_action_done": P("incident_review_action"),
    "incidents:vulnerability_list": R("incidents"), "incidents:vulnerability_create": W("incidents"),
    "incidents:vulnerability_detail": R("incidents", "vulnerability"),
    "incidents:vulnerability_edit": W("incidents", "vulnerability"),
    "incidents:vulnerability_status": W("incidents", "vulnerability"),
    "incidents:mitigation_add": W("incidents", "vulnerability"),
    # A mitigation is done by its owner or by whoever may change the vulnerability.
    "incidents:mitigation_done": P("mitigation"),
    # Crisis mode and crisis exercises (issue 12 points 4 and 8).
    "incidents:crisis_list": R("incidents"), "incidents:crisis_escalate": W("incidents", "incident"),
    "incidents:crisis_detail": R("incidents", "crisis"), "incidents:crisis_summary": R("incidents", "crisis"),
    "incidents:crisis_member_add": W("incidents", "crisis"), "incidents:crisis_decision_add": W("incidents", "crisis"),
    "incidents:crisis_communication_add": W("incidents", "crisis"),
    "incidents:crisis_stand_down": W("incidents", "crisis"),
    "incidents:crisis_member_remove": W("incidents", "crisis_member"),
    "incidents:crisis_tick": W("incidents", "crisis_item"),
    "incidents:exercise_list": R("incidents"), "incidents:exercise_create": W("incidents"),
    "incidents:exercise_detail": R("incidents", "exercise"), "incidents:exercise_start": W("incidents", "exercise"),
    "incidents:exercise_moment": W("incidents", "exercise"), "incidents:exercise_complete": W("incidents", "exercise"),
    "incidents:exercise_inject_add": W("incidents", "exercise"),
    "incidents:exercise_participant_add": W("incidents", "exercise"),
    "incidents:exercise_finding_add": W("incidents", "exercise"),
    "incidents:exercise_action_add": W("incidents", "exercise"),
    # An exercise's action is done by its owner or by whoever may change the exercise.
    "incidents:exercise_action_done": P("exercise_action"),
    # Monitoring
    "monitoring:dashboard": R("monitoring"), "monitoring:tactical": R("monitoring"),
    "monitoring:strategic": R("monitoring"), "monitoring:system": R("monitoring", "system"),
    "monitoring:kpi_create": W("monitoring", "system"), "monitoring:token_create": W("monitoring", "system"),
    "monitoring:policy_edit": W("monitoring", "system"), "monitoring:token_revoke": W("monitoring", "push_token"),
    "monitoring:kpi_detail": R("monitoring", "kpi"), "monitoring:kpi_edit": W("monitoring", "kpi"),
    "monitoring:kpi_thresholds": W("monitoring", "kpi"), "monitoring:kpi_measure": W("monitoring", "kpi"),
    "monitoring:alert_list": R("monitoring"), "monitoring:alert_detail": R("monitoring", "alert"),
    "monitoring:alert_acknowledge": W("monitoring", "alert"), "monitoring:alert_resolve": W("monitoring", "alert"),
    "monitoring:suggestion_confirm": W("monitoring", "change_suggestion"),
    "monitoring:suggestion_dismiss": W("monitoring", "change_suggestion"),
    "monitoring:drift_reference": W("monitoring", "system"), "monitoring:drift_run": W("monitoring", "system"),
    "monitoring:drift_settings": W("monitoring", "system"), "monitoring:drift_detail": R("monitoring", "drift_run"),
    "monitoring:drift_progress": R("monitoring", "drift_run"),
    "monitoring:closure_start": W("monitoring", "system"), "monitoring:closure_detail": R("monitoring", "closure"),
    "monitoring:closure_save": W("monitoring", "closure"), "monitoring:closure_sign": P("closure"),
    # Suppliers (onboarding is approved by the approvers catalogs/approvals.yaml names, not by a write grant)
    "suppliers:supplier_list": R("suppliers"), "suppliers:supplier_create": W("suppliers"),
    "suppliers:supplier_export": R("suppliers"), "suppliers:supplier_bom": W("suppliers", "supplier"),
    "suppliers:supplier_import": W("suppliers"),
    "suppliers:supplier_detail": R("suppliers", "supplier"), "suppliers:supplier_edit": W("suppliers", "supplier"),
    "suppliers:contact_add": W("suppliers", "supplier"), "suppliers:contact_remove": W("suppliers", "supplier_contact"),
    "suppliers:certification_add": W("suppliers", "supplier"),
    "suppliers:certification_remove": W("suppliers", "supplier_certification"),
    "suppliers:supply_add": W("suppliers", "supplier"), "suppliers:supply_remove": W("suppliers", "supply"),
    "suppliers:assessment_start": W("suppliers", "supplier"),
    "suppliers:assessment_complete": W("suppliers", "supplier_assessment"),
    "suppliers:supplier_submit": W("suppliers", "supplier"), "suppliers:supplier_approve": P("supplier"),
    "suppliers:supplier_return": P("supplier"), "suppliers:supplier_suspend": W("suppliers", "supplier"),
    # Questionnaires: the supplier's owner and backup, or whoever may change the supplier; the private link needs no
    # account (its secret is the key: tests in suppliers/tests/test_questionnaire_link.py).
    "suppliers:questionnaire_send": W("suppliers", "supplier"),
    "suppliers:questionnaire_detail": R("suppliers", "supplier_questionnaire"),
    "suppliers:questionnaire_review": W("suppliers", "supplier_questionnaire"),
    "suppliers:questionnaire_return": W("suppliers", "supplier_questionnaire"),
    "suppliers:questionnaire_revoke": W("suppliers", "supplier_questionnaire"),
    # Supplier contracts (suppliers/views_contracts.py)
    "suppliers:contract_create": W("suppliers", "supplier"),
    "suppliers:contract_detail": R("suppliers", "supplier_contract"),
    "suppliers:contract_edit": W("suppliers", "supplier_contract"),
    "suppliers:audit_create": W("suppliers", "supplier"), "suppliers:audit_detail": R("suppliers", "supplier_audit"),
    "suppliers:finding_add": W("suppliers", "supplier_audit"),
    "suppliers:audit_action_add": W("suppliers", "audit_finding"),
    "suppliers:audit_action_done": W("suppliers", "audit_action"),
    "suppliers:exit_plan": R("suppliers", "supplier"), "suppliers:exit_plan_edit": W("suppliers", "supplier"),
    "suppliers:change_record": W("suppliers", "supplier"), "suppliers:dependency_view": R("suppliers"),
    "supplier_questionnaire": PUBLIC,
    "incidents:disclosure_list": R("incidents"),
    "incidents:disclosure_detail": R("incidents", "disclosure_case"),
    "incidents:disclosure_reply": W("incidents", "disclosure_case"),
    "incidents:disclosure_triage": W("incidents", "disclosure_case"),
    "incidents:disclosure_link": W("incidents", "disclosure_case"),
    "incidents:disclosure_attachment": R("incidents", "disclosure_attachment"),
    # The advisory page is readable by every reader of the vulnerability; its form posts need the write.
    "incidents:advisory": R("incidents", "vulnerability"),
    "incidents:advisory_publish": W("incidents", "vulnerability"),
    "incidents:advisory_export": R("incidents", "vulnerability"),
    # Anyone reports a vulnerability without an account; the reporter's link is its own key; security.txt is public.
    "cvd_report": PUBLIC, "cvd_case": PUBLIC, "security_txt": PUBLIC,
}
# Pages only reached by POST (a GET is refused with 405 whoever asks): only their writes are checked.
POST_ONLY = re.compile(r"(unlink|link_|test_add|test_record|soa_submit|soa_approve|soa_return|assessment_start|"
                      r"assessment_row|assessment_snapshot|assessment_close|obligation_edit|obligation_exception|policy_acknowledge|"
                      r"policy_new_version|policy_review|policy_version_edit|policy_version_submit|policy_version_approve|"
                      r"policy_version_return|policy_version_publish|version_add|version_approve|legal_hold|reconfirm|request_fulfil|request_cancel|_approve|_reject|_effective|sign_off|move_stage|mark_read|set_language|"
                       r"action_add|action_status|risk_accept|review_request|review_complete|method_activate|"
                       r"impact_save|impact_approve|impact_return|impact_reopen|suggestion_|suggestions_refresh|"
                       r"decision_add|risk_treatment|shadow_convert|shadow_reject|go_live|new_version|role_revoke|"
                       r"role_grant|token_revoke|person_set_active|unit_delete|classify|change_request|system_move|impact_start|"
                       r"kpi_thresholds|kpi_measure|token_create|policy_edit|alert_acknowledge|alert_resolve|drift_reference|"
                       r"drift_run$|closure_start|closure_save|closure_sign|contact_add|contact_remove|certification_add|"
                       r"certification_remove|supply_add|supply_remove|assessment_complete|supplier_submit|supplier_return|"
                       r"supplier_suspend|clock_submit|regime_apply|regime_dismiss|incidents:status|timeline_add|decision_lift|"
                       r"hold_release|review_save|review_decide|review_action_done|questionnaire_send|questionnaire_review|"
                       r"questionnaire_return|questionnaire_revoke|vulnerability_status|mitigation_add|mitigation_done|finding_add|"
                       r"audit_action_done|change_record|"
                       r"crisis_member|crisis_tick|crisis_communication_add|crisis_stand_down|exercise_start|"
                       r"exercise_moment|exercise_complete|exercise_inject_add|exercise_participant_add|"
                       r"exercise_finding_add|exercise_action_done|disclosure_reply|disclosure_triage|disclosure_link|"
                       r"advisory_publish)")

# --- API: operationId (without the "aims_") -> rule ------------------------------------------------------------------
API = {
    "core_api_health": PUBLIC, "core_api_me": LOGIN, "core_api_me_update": LOGIN,
    "core_api_unit_list": R("organisation"), "core_api_unit_create": W("organisation"),
    "core_api_unit_detail": R("organisation", "unit"), "core_api_unit_update": W("organisation", "unit"),
    "core_api_unit_delete": W("organisation", "unit"),
    "core_api_note_list": R("inventory", "history"), "core_api_note_add": R("inventory", "history"),
    "core_api_notification_list": LOGIN, "core_api_notification_mark_read": LOGIN, "core_api_task_list": LOGIN,
    "core_api_approval_list": LOGIN, "core_api_approval_give": P("classification"),
    "core_api_ledger_events": R("ledger", org_wide=True), "core_api_ledger_verify": R("ledger", org_wide=True),
    "core_api_people_person_list": LOGIN, "core_api_people_person_create": W("people"),
    "core_api_people_person_detail": R("people", "person"), "core_api_people_person_update": W("people", "person"),
    "core_api_people_group_list": R("people"), "core_api_people_group_create": W("people"),
    "core_api_people_group_detail": R("people", "group"), "core_api_people_group_update": W("people", "group"),
    "core_api_people_role_list": R("roles"), "core_api_people_role_grant": W("roles"),
    "core_api_people_role_detail": R("roles", "assignment"), "core_api_people_role_revoke": W("roles", "assignment"),
    "inventory_api_system_list": R("inventory"), "inventory_api_system_create": W("inventory"),
    "inventory_api_system_detail": R("inventory", "system"), "inventory_api_system_update": W("inventory", "system"),
    "inventory_api_classification_classification_get": R("inventory", "system"),
    "inventory_api_classification_classification_create": W("inventory", "system"),
    "inventory_api_classification_classification_sign_off": P("system"),
    "inventory_api_classification_ai_act_proposal": LOGIN, "inventory_api_classification_ai_act_questions": LOGIN,
    "inventory_api_stage_gate": R("inventory", "system"), "inventory_api_stage_move": W("inventory", "system"),
    "inventory_api_gate_overrides": R("inventory", "system"), "inventory_api_go_live_approval": P("system"),
    "inventory_api_change_list": R("inventory", "system"), "inventory_api_change_create": W("inventory", "system"),
    "inventory_api_change_detail": R("inventory", "decision"), "inventory_api_change_approve": P("decision"),
    "inventory_api_change_reject": P("decision"), "inventory_api_change_effective": P("decision"),
    "inventory_api_model_card_get": R("inventory", "system"), "inventory_api_model_card_put": W("inventory", "system"),
    "inventory_api_components_component_list": R("inventory"),
    "inventory_api_components_component_create": W("inventory"),
    "inventory_api_components_component_detail": R("inventory", "component", shared=True),
    "inventory_api_components_component_update": W("inventory", "component"),
    "inventory_api_components_dependency_list": R("inventory"),
    "inventory_api_components_dependency_create": W("inventory"),
    "inventory_api_components_dependency_detail": R("inventory", "dependency", shared=True),
    "inventory_api_components_dependency_update": W("inventory", "dependency"),
    "inventory_api_components_dependency_dependents": R("inventory", "dependency", shared=True),
    "inventory_api_components_system_foundations": R("inventory", "system"),
    "inventory_api_components_system_link_component": W("inventory", "system"),
    "inventory_api_components_system_unlink_component": W("inventory", "system_component"),
    "inventory_api_components_system_link_dependency": W("inventory", "system"),
    "inventory_api_components_system_unlink_dependency": W("inventory", "system_dependency"),
    "inventory_api_components_shadow_declare": LOGIN, "inventory_api_components_shadow_list": LOGIN,
    "inventory_api_components_shadow_detail": R("inventory", "declaration"),
    "inventory_api_components_shadow_convert": W("inventory", "declaration"),
    "inventory_api_components_shadow_reject": W("inventory", "declaration"),
    "risks_api_risk_list": R("risks"), "risks_api_risk_create": W("risks"),
    "risks_api_risk_detail": R("risks", "risk"), "risks_api_risk_update": W("risks", "risk"),
    "risks_api_action_list": R("risks", "risk"), "risks_api_action_create": W("risks", "risk"),
    "risks_api_action_update": W("risks", "action"), "risks_api_risk_accept": P("risk"),
    "risks_api_acceptance_list": R("risks", "risk"), "risks_api_review_list": R("risks", "risk"),
    "risks_api_review_request": W("risks", "risk"), "risks_api_review_complete": W("risks", "review"),
    "risks_api_trigger_review": P(),
    "risks_api_methods_method_list": R("risks"), "risks_api_methods_method_create": P(),
    "risks_api_methods_method_detail": R("risks", "method"), "risks_api_methods_method_update": P("method"),
    "risks_api_methods_method_activate": P("method"), "risks_api_methods_heatmap_read": R("risks"),
    "risks_api_methods_impact_list": R("risks"), "risks_api_methods_impact_create": W("risks"),
    "risks_api_methods_impact_detail": R("risks", "impact"), "risks_api_methods_impact_answers": W("risks", "impact"),
    "risks_api_methods_impact_submit": W("risks", "impact"), "risks_api_methods_impact_approve": P("impact"),
    "compliance_api_framework_list": R("compliance"), "compliance_api_framework_detail": R("compliance", "framework"),
    "compliance_api_requirement_list": R("compliance"),
    "compliance_api_requirement_detail": R("compliance", "requirement"),
    "compliance_api_controls_control_list": R("compliance"), "compliance_api_controls_control_create": W("compliance"),
    "compliance_api_controls_control_detail": R("compliance", "control"),
    "compliance_api_controls_control_update": W("compliance", "control"),
    "compliance_api_controls_test_list": R("compliance", "control"), "compliance_api_controls_test_create": P("control"),
    "compliance_api_controls_result_list": R("compliance", "control"),
    "compliance_api_controls_result_create": P("control"),
    "compliance_api_soa_entry_list": R("compliance"),
    "compliance_api_soa_entry_update": W("compliance", "soa_entry", org_wide=True),
    "compliance_api_soa_version_list": R("compliance"), "compliance_api_soa_version_submit": W("compliance", org_wide=True),
    "compliance_api_soa_version_detail": R("compliance", "soa_version"),
    "compliance_api_soa_version_approve": P("soa_version"), "compliance_api_soa_version_return": P("soa_version"),
    "compliance_api_soa_export": R("compliance"),
    "compliance_api_assessments_assessment_list": R("compliance"),
    "compliance_api_assessments_assessment_create": W("compliance", org_wide=True),
    "compliance_api_assessments_assessment_detail": R("compliance", "assessment"),
    "compliance_api_assessments_assessment_scores": R("compliance", "assessment"),
    "compliance_api_assessments_row_list": R("compliance", "assessment"),
    "compliance_api_assessments_row_update": W("compliance", "assessment", org_wide=True),
    "compliance_api_assessments_snapshot_create": W("compliance", "assessment", org_wide=True),
    "compliance_api_assessments_assessment_close": W("compliance", "assessment", org_wide=True),
    "compliance_api_assessments_snapshot_list": R("compliance"),
    "compliance_api_obligations_obligation_list": R("obligations"),
    "compliance_api_obligations_system_obligations": R("obligations", "system"),
    "compliance_api_obligations_obligation_detail": R("obligations", "obligation"),
    "compliance_api_obligations_obligation_update": W("obligations", "obligation"),
    "compliance_api_obligations_obligation_exception": W("obligations", "obligation"),
    "compliance_api_obligations_obligation_exception_approve": P("obligation"),
    "compliance_api_obligations_obligation_exception_refuse": P("obligation"),
    "compliance_api_obligations_obligation_exception_withdraw": P("obligation"),
    "compliance_api_policies_policy_list": LOGIN, "compliance_api_policies_policy_detail": R("compliance", "policy"),
    "compliance_api_policies_version_list": R("compliance", "policy"),
    "compliance_api_policies_version_approve": P("policy"), "compliance_api_policies_acknowledge": P("policy"),
    "compliance_api_policies_my_acknowledgements": R("compliance", "policy"),
    "evidence_api_evidence_list": R("evidence"), "evidence_api_evidence_create": W("evidence"),
    "evidence_api_evidence_detail": R("evidence", "evidence"), "evidence_api_evidence_update": W("evidence", "evidence"),
    "evidence_api_evidence_delete": P("evidence"), "evidence_api_version_list": R("evidence", "evidence"),
    "evidence_api_version_create": W("evidence", "evidence"), "evidence_api_version_download": R("evidence", "evidence"),
    "evidence_api_version_approve": W("evidence", "evidence"), "evidence_api_link_list": R("evidence", "evidence"),
    "evidence_api_link_create": P("evidence"), "evidence_api_link_delete": W("evidence", "evidence_link"),
    "evidence_api_legal_hold": P("evidence"), "evidence_api_reconfirm": W("evidence", "evidence"),
    "evidence_api_request_list": LOGIN, "evidence_api_request_create": W("evidence"),
    "evidence_api_request_detail": R("evidence", "evidence_request"),
    "evidence_api_request_fulfil": P("evidence_request"), "evidence_api_request_cancel": P("evidence_request"),
    "monitoring_api_kpi_catalogue": LOGIN,
    "monitoring_api_kpi_list": R("monitoring"), "monitoring_api_kpi_create": W("monitoring"),
    "monitoring_api_kpi_detail": R("monitoring", "kpi"), "monitoring_api_kpi_update": W("monitoring", "kpi"),
    "monitoring_api_kpi_thresholds": W("monitoring", "kpi"),
    "monitoring_api_kpi_threshold_history": R("monitoring", "kpi"),
    "monitoring_api_measurement_push": W("monitoring"), "monitoring_api_measurement_list": R("monitoring", "kpi"),
    "monitoring_api_daily_list": R("monitoring", "kpi"),
    "monitoring_api_push_token_list": R("monitoring", "system"),
    "monitoring_api_push_token_create": W("monitoring", "system"),
    "monitoring_api_push_token_revoke": W("monitoring", "push_token"),
    "monitoring_api_alert_list": R("monitoring"), "monitoring_api_alert_detail": R("monitoring", "alert"),
    "monitoring_api_alert_acknowledge": W("monitoring", "alert"),
    "monitoring_api_alert_resolve": W("monitoring", "alert"),
    "monitoring_api_suggestion_list": R("monitoring"),
    "monitoring_api_suggestion_confirm": W("monitoring", "change_suggestion"),
    "monitoring_api_suggestion_dismiss": W("monitoring", "change_suggestion"),
    "monitoring_api_policy_detail": R("monitoring", "system"),
    "monitoring_api_policy_update": W("monitoring", "system"),
    "monitoring_api_drift_drift_settings_detail": R("monitoring", "system"),
    "monitoring_api_drift_drift_settings_update": W("monitoring", "system"),
    "monitoring_api_drift_reference_list": R("monitoring", "system"),
    "monitoring_api_drift_reference_upload": W("monitoring", "system"),
    "monitoring_api_drift_run_list": R("monitoring"), "monitoring_api_drift_run_request": W("monitoring", "system"),
    "monitoring_api_drift_run_detail": R("monitoring", "drift_run"),
    "monitoring_api_drift_histogram_push": W("monitoring", "system"),
    "monitoring_api_review_closure_list": R("monitoring"),
    "monitoring_api_review_closure_start": W("monitoring", "system"),
    "monitoring_api_review_closure_detail": R("monitoring", "closure"),
    "monitoring_api_review_closure_update": W("monitoring", "closure"),
    "monitoring_api_review_closure_submit": W("monitoring", "closure"),
    "monitoring_api_review_closure_sign": P("closure"), "monitoring_api_review_closure_return": P("closure"),
    "monitoring_api_review_dashboard": R("monitoring"),
    "suppliers_api_supplier_list": R("suppliers"), "suppliers_api_supplier_create": W("suppliers"),
    "suppliers_api_supplier_detail": R("suppliers", "supplier"),
    "suppliers_api_supplier_update": W("suppliers", "supplier"),
    "suppliers_api_supplier_onboarding": R("suppliers", "supplier"),
    "suppliers_api_supplier_submit": W("suppliers", "supplier"), "suppliers_api_supplier_approve": P("supplier"),
    "suppliers_api_supplier_return": P("supplier"), "suppliers_api_supplier_suspend": W("suppliers", "supplier"),
    "suppliers_api_contact_list": R("suppliers", "supplier"), "suppliers_api_contact_create": W("suppliers", "supplier"),
    "suppliers_api_contact_delete": W("suppliers", "supplier_contact"),
    "suppliers_api_certification_list": R("suppliers", "supplier"),
    "suppliers_api_certification_create": W("suppliers", "supplier"),
    "suppliers_api_certification_delete": W("suppliers", "supplier_certification"),
    "suppliers_api_supply_list": R("suppliers", "supplier"), "suppliers_api_supply_create": W("suppliers", "supplier"),
    "suppliers_api_supply_delete": W("suppliers", "supply"),
    "suppliers_api_assessment_list": R("suppliers", "supplier"),
    "suppliers_api_assessment_start": W("suppliers", "supplier"),
    "suppliers_api_assessment_complete": W("suppliers", "supplier_assessment"),
    "suppliers_api_questionnaire_list": R("suppliers", "supplier"),
    "suppliers_api_questionnaire_send": W("suppliers", "supplier"),
    "suppliers_api_questionnaire_detail": R("suppliers", "supplier_questionnaire"),
    "suppliers_api_questionnaire_follow_up": W("suppliers", "supplier_questionnaire"),
    "suppliers_api_questionnaire_review": W("suppliers", "supplier_questionnaire"),
    "suppliers_api_questionnaire_revoke": W("suppliers", "supplier_questionnaire"),
    # Supplier contracts (suppliers/api_contracts.py)
    "suppliers_api_exchange_register_export": R("suppliers"), "suppliers_api_exchange_register_import": W("suppliers"),
    "suppliers_api_exchange_supplier_bom": W("suppliers", "supplier"),
    "suppliers_api_contracts_contract_list": R("suppliers", "supplier"),
    "suppliers_api_contracts_contract_create": W("suppliers", "supplier"),
    "suppliers_api_contracts_contract_detail": R("suppliers", "supplier_contract"),
    "suppliers_api_contracts_contract_update": W("suppliers", "supplier_contract"),
    "suppliers_api_contracts_clause_coverage": R("suppliers", "supplier"),
    "suppliers_api_contracts_audit_list": R("suppliers", "supplier"),
    "suppliers_api_contracts_audit_create": W("suppliers", "supplier"),
    "suppliers_api_contracts_audit_detail": R("suppliers", "supplier_audit"),
    "suppliers_api_contracts_finding_create": W("suppliers", "supplier_audit"),
    "suppliers_api_contracts_audit_action_create": W("suppliers", "audit_finding"),
    "suppliers_api_contracts_audit_action_done": W("suppliers", "audit_action"),
    "suppliers_api_contracts_exit_plan_detail": R("suppliers", "supplier"),
    "suppliers_api_contracts_exit_plan_save": W("suppliers", "supplier"),
    "suppliers_api_contracts_change_list": R("suppliers", "supplier"),
    "suppliers_api_contracts_change_create": W("suppliers", "supplier"),
    "incidents_api_incident_list": R("incidents"), "incidents_api_incident_create": W("incidents"),
    "incidents_api_incident_detail": R("incidents", "incident"),
    "incidents_api_incident_update": W("incidents", "incident"),
    "incidents_api_incident_status": W("incidents", "incident"),
    "incidents_api_timeline_list": R("incidents", "incident"), "incidents_api_timeline_add": W("incidents", "incident"),
    "incidents_api_clocks_regime_list": R("incidents", "incident"), "incidents_api_clocks_regime_apply": W("incidents", "incident"),
    "incidents_api_clocks_regime_dismiss": W("incidents", "incident"), "incidents_api_clocks_clock_list": R("incidents"),
    "incidents_api_clocks_clock_submit": W("incidents", "clock"), "incidents_api_severity_scale": LOGIN,
    "incidents_api_clock_catalogue": LOGIN, "incidents_api_response_containment_kinds": LOGIN,
    "incidents_api_response_decision_list": R("incidents", "incident"), "incidents_api_response_decision_add": W("incidents", "incident"),
    "incidents_api_response_decision_lift": W("incidents", "containment"),
    "incidents_api_response_hold_list": R("incidents", "incident"), "incidents_api_response_hold_release": P("hold"),
    "incidents_api_response_review_detail": R("incidents", "incident"), "incidents_api_response_review_save": W("incidents", "incident"),
    "incidents_api_response_review_submit": W("incidents", "incident"), "incidents_api_response_review_return": P("incident"),
    "incidents_api_response_review_action_add": W("incidents", "incident"),
    "incidents_api_response_review_action_done": P("incident_review_action"), "incidents_api_profile_detail": R("incidents"),
    "incidents_api_vulnerabilities_vulnerability_list": R("incidents"),
    "incidents_api_vulnerabilities_vulnerability_create": W("incidents"),
    "incidents_api_vulnerabilities_vulnerability_detail": R("incidents", "vulnerability"),
    "incidents_api_vulnerabilities_vulnerability_update": W("incidents", "vulnerability"),
    "incidents_api_vulnerabilities_vulnerability_status": W("incidents", "vulnerability"),
    "incidents_api_vulnerabilities_vulnerability_systems": R("incidents", "vulnerability"),
    "incidents_api_vulnerabilities_mitigation_list": R("incidents", "vulnerability"),
    "incidents_api_vulnerabilities_mitigation_add": W("incidents", "vulnerability"),
    "incidents_api_vulnerabilities_mitigation_done": P("mitigation"),
    "incidents_api_vulnerabilities_mitigation_due_days": LOGIN,
    "incidents_api_crisis_crisis_catalogue": LOGIN, "incidents_api_crisis_crisis_list": R("incidents"),
    "incidents_api_crisis_crisis_escalate": W("incidents", "incident"),
    "incidents_api_crisis_crisis_detail": R("incidents", "crisis"),
    "incidents_api_crisis_crisis_member_add": W("incidents", "crisis"),
    "incidents_api_crisis_crisis_member_remove": W("incidents", "crisis_member"),
    "incidents_api_crisis_crisis_tick": W("incidents", "crisis_item"),
    "incidents_api_crisis_crisis_decision_add": W("incidents", "crisis"),
    "incidents_api_crisis_crisis_communication_add": W("incidents", "crisis"),
    "incidents_api_crisis_crisis_stand_down": W("incidents", "crisis"),
    "incidents_api_crisis_exercise_list": R("incidents"), "incidents_api_crisis_exercise_create": W("incidents"),
    "incidents_api_crisis_exercise_detail": R("incidents", "exercise"),
    "incidents_api_crisis_exercise_start": W("incidents", "exercise"),
    "incidents_api_crisis_exercise_moment": W("incidents", "exercise"),
    "incidents_api_crisis_exercise_complete": W("incidents", "exercise"),
    "incidents_api_crisis_exercise_inject_add": W("incidents", "exercise"),
    "incidents_api_crisis_exercise_participant_add": W("incidents", "exercise"),
    "incidents_api_crisis_exercise_finding_add": W("incidents", "exercise"),
    "incidents_api_crisis_exercise_action_add": W("incidents", "exercise"),
    "incidents_api_crisis_exercise_action_done": P("exercise_action"),
    "incidents_api_disclosure_disclosure_case_list": R("incidents"),
    "incidents_api_disclosure_disclosure_case_detail": R("incidents", "disclosure_case"),
    "incidents_api_disclosure_disclosure_message_list": R("incidents", "disclosure_case"),
    "incidents_api_disclosure_disclosure_reply": W("incidents", "disclosure_case"),
    "incidents_api_disclosure_disclosure_triage": W("incidents", "disclosure_case"),
    "incidents_api_disclosure_advisory_detail": R("incidents", "vulnerability"),
    "incidents_api_disclosure_advisory_save": W("incidents", "vulnerability"),
    "incidents_api_disclosure_advisory_publish": W("incidents", "vulnerability"),
    "incidents_api_disclosure_advisory_cyclonedx": R("incidents", "vulnerability"),
    "incidents_api_disclosure_advisory_csaf": R("incidents", "vulnerability"),
    # The regulatory profile is the whole organisation's: changed by a grant over it.
    "incidents_api_profile_update": W("organisation", org_wide=True),
}


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
    assert not missing, f"add these pages to PAGES in {__file__}: {missing}"
    assert not sorted(set(PAGES) - set(page_routes())), "PAGES names routes that no longer exist"


def test_every_api_route_is_in_the_matrix():
    missing = sorted(set(api_operations()) - set(API))
    assert not missing, f"add these API operations to API in {__file__}: {missing}"
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
