"""Every update (PATCH) of the API does with null what its OpenAPI schema says: a field documented as nullable accepts
null (it clears the value: an optional manager, a review date, a text left empty), every other field refuses it with a
field error (422), never a 409 or a 500 from the database's NOT NULL, nor a silent change."""

import pytest

pytestmark = pytest.mark.django_db


@pytest.fixture
def targets(org, admin_user):
    """One object for each update of the API: {operation path in the schema: (url, object)}."""
    from aims.compliance import services as compliance
    from aims.compliance.models import Framework, SoAEntry
    from aims.core import services
    from aims.core.testing import UserFactory
    from aims.evidence.services import create_evidence
    from aims.inventory.services import create_component, create_dependency, create_system
    from aims.monitoring import services as monitoring
    from aims.monitoring.services.closure import start_closure_review
    from aims.risks import services as risk_services
    from aims.risks.services.impact import start_impact_assessment

    north = org["north"]
    method = risk_services.load_default_method(actor=None)
    draft = risk_services.create_method_version(actor=admin_user, based_on=method)
    person = UserFactory(unit=north, manager=admin_user)
    group = services.create_group(actor=admin_user, name="Board", unit=north)
    system = create_system(actor=admin_user, name="Credit scoring", unit=north, owner=admin_user)
    component = create_component(actor=admin_user, kind="model", name="Scorer", owner_unit=north)
    dependency = create_dependency(actor=admin_user, kind="library", name="numpy", owner_unit=north)
    risk = risk_services.create_risk(actor=admin_user, title="Bias", category="privacy", owner=admin_user, unit=north)
    action = risk_services.add_treatment_action(actor=admin_user, risk=risk, title="Audit", owner=admin_user)
    assessment = start_impact_assessment(actor=admin_user, system=system)
    kpi = monitoring.create_kpi(actor=admin_user, system=system, catalogue_key="accuracy", owner=admin_user, target=90,
                                warning=85, critical=80)
    closure = start_closure_review(actor=admin_user, system=system)
    compliance.load_packaged_frameworks(actor=None)
    control = compliance.create_control(actor=admin_user, title="Model validation", owner=admin_user, unit=north)
    gap = compliance.start_assessment(actor=admin_user, framework=Framework.objects.get(key="iso42001"),
                                      title="2026 review")
    row = gap.rows.first()
    compliance.sync_obligations(system=system, obligations=[{"key": "ai_literacy", "article": "Art. 4"}])
    obligation = system.obligations.get()
    entry = SoAEntry.objects.first()
    item = create_evidence(actor=admin_user, title="Validation report", unit=north, kind="link",
                           url="https://example.org/report")
    from aims.suppliers.services import create_supplier

    supplier = create_supplier(actor=admin_user, legal_name="Lumen", unit=north, owner=admin_user)
    from datetime import date

    from aims.suppliers.services_contracts import create_contract

    contract = create_contract(actor=admin_user, supplier=supplier, title="API agreement", start_date=date(2026, 1, 1),
                               end_date=date(2027, 1, 1), notice_days=30)

    from aims.incidents import services as incidents

    incident = incidents.create_incident(actor=admin_user, title="Outage", category="malfunction", severity="low",
                                         unit=north, systems=[system])
    profile = incidents.update_profile(actor=admin_user, changes={"notes": "A bank"})
    vulnerability = incidents.create_vulnerability(actor=admin_user, title="Prompt injection", kind="prompt_injection",
                                                   unit=north, severity="high")
    return {
        "/api/v1/incidents/{incident_id}": (f"/api/v1/incidents/{incident.pk}", incident),
        "/api/v1/incidents/regulatory-profile": ("/api/v1/incidents/regulatory-profile", profile),
        "/api/v1/me": ("/api/v1/me", admin_user),
        "/api/v1/org-units/{unit_id}": (f"/api/v1/org-units/{org['south'].pk}", org["south"]),
        "/api/v1/people/{person_id}": (f"/api/v1/people/{person.pk}", person),
        "/api/v1/groups/{group_id}": (f"/api/v1/groups/{group.pk}", group),
        "/api/v1/systems/{system_id}": (f"/api/v1/systems/{system.pk}", system),
        "/api/v1/components/{component_id}": (f"/api/v1/components/{component.pk}", component),
        "/api/v1/dependencies/{dependency_id}": (f"/api/v1/dependencies/{dependency.pk}", dependency),
        "/api/v1/risks/{risk_id}": (f"/api/v1/risks/{risk.pk}", risk),
        "/api/v1/risks/{risk_id}/actions/{action_id}": (f"/api/v1/risks/{risk.pk}/actions/{action.pk}", action),
        "/api/v1/risk-methods/{method_id}": (f"/api/v1/risk-methods/{draft.pk}", draft),
        "/api/v1/impact-assessments/{assessment_id}": (f"/api/v1/impact-assessments/{assessment.pk}", assessment),
        "/api/v1/monitoring/kpis/{kpi_id}": (f"/api/v1/monitoring/kpis/{kpi.pk}", kpi),
        "/api/v1/monitoring/closure-reviews/{closure_id}": (f"/api/v1/monitoring/closure-reviews/{closure.pk}", closure),
        "/api/v1/controls/{control_id}": (f"/api/v1/controls/{control.pk}", control),
        "/api/v1/assessments/{gap_assessment_id}/requirements/{row_id}": (
            f"/api/v1/assessments/{gap.pk}/requirements/{row.pk}", row),
        "/api/v1/obligations/{obligation_id}": (f"/api/v1/obligations/{obligation.pk}", obligation),
        "/api/v1/soa/{entry_id}": (f"/api/v1/soa/{entry.pk}", entry),
        "/api/v1/evidence/{evidence_id}": (f"/api/v1/evidence/{item.pk}", item),
        "/api/v1/suppliers/{supplier_id}": (f"/api/v1/suppliers/{supplier.pk}", supplier),
        "/api/v1/supplier-contracts/{contract_id}": (f"/api/v1/supplier-contracts/{contract.pk}", contract),
        "/api/v1/vulnerabilities/{vulnerability_id}": (f"/api/v1/vulnerabilities/{vulnerability.pk}", vulnerability),
    }


# What an update needs besides its version (the impact assessment's answers are required).
REQUIRED = {"/api/v1/impact-assessments/{assessment_id}": {"answers": {}},
            "/api/v1/assessments/{gap_assessment_id}/requirements/{row_id}": {"status": "conforming"}}


def _request_body(schema, operation):
    reference = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    return schema["components"]["schemas"][reference.rsplit("/", 1)[1]]["properties"]


def _nullable(field) -> bool:
    return any(option.get("type") == "null" for option in field.get("anyOf", []))


def test_null_is_accepted_exactly_where_the_schema_documents_it(client, admin_user, targets):
    client.force_login(admin_user)
    schema = client.get("/api/v1/openapi.json").json()
    updates = {path for path, operations in schema["paths"].items() if "patch" in operations}
    assert updates == set(targets)  # a new update must be added here
    wrong, accepted, refused = [], set(), set()
    for path, (url, obj) in targets.items():
        for name, field in _request_body(schema, schema["paths"][path]["patch"]).items():
            if name in ("version", "reason"):
                continue
            obj.refresh_from_db()
            body = {**REQUIRED.get(path, {}), "version": obj.version, name: None}
            response = client.patch(url, body, content_type="application/json")
            if _nullable(field):
                if response.status_code != 200:
                    wrong.append(f"{path} {name}: documented nullable, answered {response.status_code} "
                                 f"{response.content[:200]!r}")
                accepted.add(name)
            else:
                fields = response.json().get("error", {}).get("fields", {}) if response.status_code == 422 else {}
                if set(fields) != {name}:
                    wrong.append(f"{path} {name}: documented not nullable, answered {response.status_code} "
                                 f"{response.content[:200]!r}")
                refused.add(name)
    assert not wrong, "\n".join(wrong)
    assert {"parent_id", "manager_id", "backup_owner_id", "next_review_date", "due_date"} <= accepted
    assert {"name", "code", "email", "language", "is_active", "owner_id", "title"} <= refused


def test_every_field_named_as_not_null_is_a_field_of_its_schema():
    import aims.api  # noqa: F401  (every module's schemas)
    from aims.core.api_utils import InputSchema

    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    named = {schema.__name__: set(schema.NOT_NULL) - set(schema.model_fields) for schema in subclasses(InputSchema)}
    assert sum(1 for schema in subclasses(InputSchema) if schema.NOT_NULL) >= 10
    assert not {name: typos for name, typos in named.items() if typos}
