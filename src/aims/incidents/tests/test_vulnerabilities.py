"""Vulnerabilities of AI components: AI-specific kinds and classic ones scored from their CVSS vector (3.1 or 4.0, by the
`cvss` library), a CVE identifier checked, severity from the score (or chosen without one), the AI systems affected
found through the inventory (component versions, every version of a line, dependencies), the status workflow, and
mitigations with owners, due dates by severity and reminders when due."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from aims.core import context
from aims.core.models import LedgerEvent, Notification, Task
from aims.core.testing import person_with_role
from aims.incidents import queries, scoring, services
from aims.incidents.models import Mitigation, VulnerabilityStatus
from aims.inventory.models import Component, ComponentDependency, Dependency, SystemComponent, SystemDependency

pytestmark = pytest.mark.django_db

# The CVSS 3.1 specification's worked scores (a network-reachable flaw giving full control: 9.8; a reflected
# cross-site scripting flaw: 6.1) and CVSS 4.0's highest base vector without subsequent-system impact (9.3).
CVSS31_CRITICAL = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"
CVSS31_XSS = "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N"
CVSS40_CRITICAL = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"


def events(obj, action):
    return LedgerEvent.objects.filter(object_id=str(obj.pk), action=action).count()


@pytest.fixture
def model_v1():
    return Component.objects.create(kind="model", name="Support LLM", version_label="1.0")


@pytest.fixture
def model_v2(model_v1):
    return Component.objects.create(kind="model", name="Support LLM", version_label="2.0", previous_version=model_v1)


def _uses(system, component):
    SystemComponent.objects.create(system=system, component=component)


def _record(actor, **fields):
    fields.setdefault("title", "Instructions hidden in retrieved pages steer the assistant")
    fields.setdefault("kind", "prompt_injection")
    fields.setdefault("severity", "high")
    return services.create_vulnerability(actor=actor, **fields)


# --- CVSS ---------------------------------------------------------------------------------------------------------------

def test_a_cvss_3_1_vector_gets_the_score_of_the_specification():
    assert scoring.parse(CVSS31_CRITICAL).score == Decimal("9.8")
    assert scoring.parse(CVSS31_XSS).score == Decimal("6.1")
    assert scoring.parse(CVSS31_XSS).version == "3.1"


def test_a_cvss_4_0_vector_gets_the_score_of_the_specification():
    parsed = scoring.parse(CVSS40_CRITICAL)
    assert (parsed.version, parsed.score, parsed.rating) == ("4.0", Decimal("9.3"), "Critical")


@pytest.mark.parametrize("vector, named", [
    ("CVSS:3.1/AV:Q/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", "AV:Q"),
    ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H", "A"),
    ("CVSS:3.1/AV:N/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", "AV"),
    ("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:Z", "SA:Z"),
    ("CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", "3.0"),
    ("AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", "CVSS:3.1/"),
])
def test_a_malformed_vector_is_refused_naming_the_problem(vector, named):
    with pytest.raises(ValidationError) as refused:
        scoring.parse(vector)
    message = refused.value.message_dict["cvss_vector"][0]
    assert named in message


def test_a_classic_vulnerability_takes_its_severity_from_its_score(org, handler):
    found = _record(handler, kind="classic", severity="", cvss_vector=CVSS31_XSS, cve_id="cve-2024-3094",
                    unit=org["north"])
    assert (found.cvss_version, found.cvss_score, found.severity, found.cve_id) == ("3.1", Decimal("6.1"), "medium",
                                                                                     "CVE-2024-3094")
    with pytest.raises(ValidationError) as refused:
        _record(handler, kind="classic", severity="", unit=org["north"])
    assert "cvss_vector" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        _record(handler, kind="classic", severity="low", cvss_vector=CVSS40_CRITICAL, unit=org["north"])
    assert "severity" in refused.value.message_dict


def test_an_ai_vulnerability_without_a_vector_has_a_chosen_severity(org, handler):
    found = _record(handler, unit=org["north"])
    assert (found.severity, found.cvss_score, found.reference) == ("high", None, found.reference)
    assert found.reference.startswith("VUL-")
    with pytest.raises(ValidationError) as refused:
        _record(handler, severity="", unit=org["north"])
    assert "severity" in refused.value.message_dict


@pytest.mark.parametrize("cve", ["CVE-24-1234", "CVE-2024-123", "2024-12345", "CVE-2024-12a45"])
def test_a_cve_identifier_reads_cve_year_number(org, handler, cve):
    with pytest.raises(ValidationError) as refused:
        _record(handler, cve_id=cve, unit=org["north"])
    assert "cve_id" in refused.value.message_dict


def test_a_new_vector_is_scored_again(org, handler):
    found = _record(handler, kind="classic", severity="", cvss_vector=CVSS31_XSS, unit=org["north"])
    found = services.update_vulnerability(actor=handler, vulnerability=found, changes={"cvss_vector": CVSS40_CRITICAL},
                                          expected_version=found.version)
    assert (found.cvss_version, found.cvss_score, found.severity) == ("4.0", Decimal("9.3"), "critical")
    with pytest.raises(ValidationError):
        services.update_vulnerability(actor=handler, vulnerability=found, changes={"cvss_vector": "CVSS:4.0/AV:N"},
                                      expected_version=found.version)


# --- Affected systems ------------------------------------------------------------------------------------------------

def test_the_affected_systems_are_found_through_the_inventory(org, handler, make_system, model_v1, model_v2):
    chatbot, assistant, other = make_system(name="Chatbot"), make_system(name="Assistant"), make_system(name="Other")
    _uses(chatbot, model_v1)
    _uses(assistant, model_v2)
    this_version = _record(handler, unit=org["north"], components=[model_v1])
    assert [s["name"] for s in queries.vulnerable_systems(this_version, handler)] == ["Chatbot"]
    every_version = _record(handler, unit=org["north"], components=[(model_v1, True)])
    rows = queries.vulnerable_systems(every_version, handler)
    assert [(s["name"], s["through"]) for s in rows] == [("Assistant", ["Support LLM 2.0"]),
                                                         ("Chatbot", ["Support LLM 1.0"])]
    # A dependency affects the systems resting on it directly or through one of their components.
    library = Dependency.objects.create(kind="library", name="tokenizers", version_label="0.13")
    SystemDependency.objects.create(system=other, dependency=library)
    ComponentDependency.objects.create(component=model_v2, dependency=library)
    classic = _record(handler, kind="classic", severity="", cvss_vector=CVSS31_CRITICAL, unit=org["north"],
                      dependencies=[library])
    assert [s["name"] for s in queries.vulnerable_systems(classic, handler)] == ["Assistant", "Other"]
    # Nothing is stored: a system that starts using the version is affected at once.
    _uses(other, model_v1)
    assert [s["name"] for s in queries.vulnerable_systems(this_version, handler)] == ["Chatbot", "Other"]


def test_the_affected_systems_are_those_the_reader_may_see(org, handler, make_system, model_v1):
    _uses(make_system(name="North bot"), model_v1)
    _uses(make_system(name="South bot", unit=org["south"], owner=person_with_role("system_owner", org["south"])),
          model_v1)
    found = _record(handler, unit=org["north"], components=[model_v1])
    assert [s["name"] for s in queries.vulnerable_systems(found, handler)] == ["North bot"]
    everyone = person_with_role("aims_manager", None)
    assert [s["name"] for s in queries.vulnerable_systems(found, everyone)] == ["North bot", "South bot"]


def test_changing_the_affected_components_is_ledgered(org, handler, model_v1, model_v2):
    found = _record(handler, unit=org["north"], components=[model_v1])
    services.update_vulnerability(actor=handler, vulnerability=found, changes={},
                                  components=[model_v1, (model_v2, True)], expected_version=found.version)
    assert events(found, "incidents.vulnerability.components") == 1
    assert sorted((l.component_id, l.all_versions) for l in found.component_links.all()) == [
        (model_v1.pk, False), (model_v2.pk, True)]


# --- Owner, permissions, status ------------------------------------------------------------------------------------

def test_the_owner_must_be_able_to_act_and_gets_a_task(org, handler, viewer, manager):
    with pytest.raises(ValidationError) as refused:
        _record(handler, unit=org["north"], owner=viewer)
    assert "owner" in refused.value.message_dict
    colleague = person_with_role("contributor", org["north"])
    found = _record(manager, unit=org["north"], owner=colleague)
    assert Task.objects.filter(assignee=colleague, source=f"incidents.vulnerability.{found.pk}",
                               done_at=None).exists()
    assert events(found, "incidents.vulnerability.create") == 1


def test_people_without_write_access_cannot_record_or_change(org, handler, viewer):
    with pytest.raises(PermissionDenied):
        _record(viewer, unit=org["north"])
    found = _record(handler, unit=org["north"])
    with pytest.raises(PermissionDenied):
        services.change_vulnerability_status(actor=viewer, vulnerability=found, status="accepted", reason="No")
    outsider = person_with_role("system_owner", org["south"])
    with pytest.raises(PermissionDenied):
        services.update_vulnerability(actor=outsider, vulnerability=found, changes={"title": "x"},
                                      expected_version=found.version)


def test_the_status_workflow(org, handler):
    found = _record(handler, unit=org["north"])
    with pytest.raises(ValidationError):  # mitigated needs a mitigation done
        services.change_vulnerability_status(actor=handler, vulnerability=found, status="mitigated")
    with pytest.raises(ValidationError) as refused:
        services.change_vulnerability_status(actor=handler, vulnerability=found, status="accepted")
    assert "reason" in refused.value.message_dict
    found = services.change_vulnerability_status(actor=handler, vulnerability=found, status="accepted",
                                                 reason="The assistant is retired next month.")
    assert found.status_reason == "The assistant is retired next month."
    found = services.change_vulnerability_status(actor=handler, vulnerability=found, status="closed",
                                                 reason="Retired.")
    assert found.closed_at is not None
    with pytest.raises(ValidationError):
        services.update_vulnerability(actor=handler, vulnerability=found, changes={"title": "x"},
                                      expected_version=found.version)
    with pytest.raises(ValidationError):
        services.change_vulnerability_status(actor=handler, vulnerability=found, status="mitigating")
    found = services.change_vulnerability_status(actor=handler, vulnerability=found, status="open",
                                                 reason="Still in use after all.")
    assert (found.status, found.closed_at) == ("open", None)
    assert events(found, "incidents.vulnerability.status") == 3


# --- Mitigations --------------------------------------------------------------------------------------------------

def test_a_mitigation_is_due_by_the_catalogues_days_for_the_severity(org, handler):
    critical = _record(handler, unit=org["north"], severity="critical")
    today = context.today()
    guardrail = services.add_mitigation(actor=handler, vulnerability=critical, kind="guardrail",
                                        title="Filter instructions out of retrieved pages", owner=handler)
    assert guardrail.due_date == today + timedelta(days=7)
    critical.refresh_from_db()
    assert critical.status == VulnerabilityStatus.MITIGATING
    with pytest.raises(ValidationError) as refused:
        services.add_mitigation(actor=handler, vulnerability=critical, kind="retraining", title="Retrain",
                                owner=handler, due_date=today + timedelta(days=8))
    assert "due_date" in refused.value.message_dict
    low = _record(handler, unit=org["north"], severity="low")
    assert services.add_mitigation(actor=handler, vulnerability=low, kind="configuration", title="Lower the limit",
                                   owner=handler).due_date == today + timedelta(days=180)
    earlier = services.add_mitigation(actor=handler, vulnerability=low, kind="weight_patch", title="Patch",
                                      owner=handler, due_date=today + timedelta(days=3))
    assert earlier.due_date == today + timedelta(days=3)


def test_the_mitigation_owner_gets_a_task_marks_it_done_and_the_vulnerability_is_then_mitigated(org, handler, viewer):
    found = _record(handler, unit=org["north"])
    engineer = person_with_role("viewer", org["north"])
    with pytest.raises(ValidationError):
        services.add_mitigation(actor=handler, vulnerability=found, kind="guardrail", title="Filter",
                                owner=person_with_role("viewer", org["south"]))
    mitigation = services.add_mitigation(actor=handler, vulnerability=found, kind="model_replacement",
                                         title="Replace the model by 2.0", owner=engineer)
    task = Task.objects.get(assignee=engineer, source=f"incidents.mitigation.{mitigation.pk}")
    assert task.url == mitigation.get_absolute_url() and task.due_date == mitigation.due_date
    with pytest.raises(PermissionDenied):  # somebody else who only reads
        services.complete_mitigation(actor=viewer, mitigation=mitigation, note="Done")
    mitigation = services.complete_mitigation(actor=engineer, mitigation=mitigation, note="2.0 in production")
    assert (mitigation.status, mitigation.done_on) == ("done", context.today())
    task.refresh_from_db()
    assert task.done_at is not None
    found.refresh_from_db()
    found = services.change_vulnerability_status(actor=handler, vulnerability=found, status="mitigated")
    assert found.status == "mitigated"
    assert services.change_vulnerability_status(actor=handler, vulnerability=found, status="closed").status == "closed"


def test_closing_waits_for_the_planned_mitigations(org, handler):
    found = _record(handler, unit=org["north"])
    services.add_mitigation(actor=handler, vulnerability=found, kind="guardrail", title="Filter", owner=handler)
    found.refresh_from_db()
    found = services.change_vulnerability_status(actor=handler, vulnerability=found, status="accepted", reason="Low use")
    with pytest.raises(ValidationError):
        services.change_vulnerability_status(actor=handler, vulnerability=found, status="closed", reason="Done")


def test_owners_are_reminded_when_a_mitigation_is_due_then_weekly_while_overdue(org, handler):
    found = _record(handler, unit=org["north"], severity="critical")
    mitigation = services.add_mitigation(actor=handler, vulnerability=found, kind="guardrail", title="Filter",
                                         owner=handler)
    due = mitigation.due_date
    assert services.send_mitigation_reminders(on=due - timedelta(days=1)) == 0
    assert services.send_mitigation_reminders(on=due) == 1
    assert services.send_mitigation_reminders(on=due + timedelta(days=1)) == 0
    assert services.send_mitigation_reminders(on=due + timedelta(days=7)) == 1
    notes = list(Notification.objects.filter(recipient=handler, kind="reminder").order_by("id"))
    assert [n.url for n in notes] == [mitigation.get_absolute_url()] * 2
    assert "Overdue" in notes[1].title and found.reference in notes[1].title
    assert events(mitigation, "incidents.mitigation.remind") == 2
    services.complete_mitigation(actor=handler, mitigation=Mitigation.objects.get(pk=mitigation.pk), note="Done")
    assert services.send_mitigation_reminders(on=due + timedelta(days=30)) == 0


def test_a_vulnerability_may_name_the_incident_that_revealed_it(org, handler, chatbot):
    incident = services.create_incident(actor=handler, title="Assistant leaked a prompt", category="security_attack",
                                        severity="high", unit=org["north"], systems=[chatbot])
    found = _record(handler, unit=org["north"], incident=incident)
    assert list(incident.vulnerabilities.all()) == [found]
    outsider = person_with_role("system_owner", org["south"])
    with pytest.raises(PermissionDenied):
        _record(outsider, unit=org["south"], incident=incident)


def test_the_severity_scale_and_days_are_catalogue_data():
    from aims.incidents import catalog

    assert [catalog.severity_for_score(s) for s in (0.0, 3.9, 4.0, 6.9, 7.0, 8.9, 9.0, 10.0)] == [
        "low", "low", "medium", "medium", "high", "high", "critical", "critical"]
    assert [catalog.mitigation_due_days(k) for k in ("critical", "high", "medium", "low")] == [7, 30, 90, 180]
