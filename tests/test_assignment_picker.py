"""Pickers offer only the people who can act on the object, services refuse anyone else, and where the organisation
chooses, naming someone grants the access the assignment needs (ledgered, least powerful role, never a governance
one). The issue's case: a contributor of another unit made owner of a treatment action and incident contact."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from aims.core.models import LedgerEvent, Notification, RoleAssignment, Task
from aims.core.permissions import role_for_assignment
from aims.core.testing import person_with_role
from aims.inventory import services as inventory
from aims.inventory.forms import SystemForm
from aims.risks import services as risks
from aims.risks.forms import ActionForm

pytestmark = pytest.mark.django_db


@pytest.fixture
def cast(org):
    north, south = org["north"], org["south"]
    return {
        "manager": person_with_role("aims_manager", org["root"]),
        "owner": person_with_role("system_owner", north, first_name="Nina", last_name="North"),
        "contributor": person_with_role("contributor", north),
        "viewer": person_with_role("viewer", north),
        "auditor": person_with_role("auditor"),
        "stranger": person_with_role("contributor", south, first_name="Sam", last_name="South"),
        "risk_manager": person_with_role("risk_manager", org["root"]),
    }


@pytest.fixture
def risk(org, cast):
    risks.load_default_method(actor=None)
    system = inventory.create_system(actor=cast["manager"], name="Chatbot", unit=org["north"], owner=cast["owner"])
    return risks.create_risk(actor=cast["owner"], title="Prompt injection", category="security", owner=cast["owner"],
                             systems=[system], inherent_likelihood=3, inherent_impact=3)


def offered(field) -> set:
    return set(field.queryset)


def test_the_action_owner_picker_offers_only_people_who_can_change_the_risk(risk, cast):
    form = ActionForm(user=cast["manager"], risk=risk)
    people = offered(form.fields["owner"])
    assert {cast["owner"], cast["contributor"], cast["manager"], cast["risk_manager"]} <= people
    assert not people & {cast["viewer"], cast["auditor"], cast["stranger"]}
    assert "Only people who can act on it are offered." in form.fields["owner"].help_text


def test_the_system_form_offers_owners_who_can_run_it_and_contacts_who_can_open_it(org, cast):
    system = inventory.create_system(actor=cast["manager"], name="Chatbot", unit=org["north"], owner=cast["owner"])
    form = SystemForm(instance=system, user=cast["manager"], initial={"version": system.version})
    assert cast["viewer"] not in offered(form.fields["owner"]) and cast["owner"] in offered(form.fields["owner"])
    assert cast["viewer"] in offered(form.fields["incident_contact"])
    assert cast["stranger"] not in offered(form.fields["incident_contact"])


def test_services_refuse_someone_who_could_not_act_with_a_clear_message(org, risk, cast):
    with pytest.raises(ValidationError) as refused:
        risks.add_treatment_action(actor=cast["owner"], risk=risk, title="Filter inputs", owner=cast["stranger"])
    assert refused.value.message_dict["owner"] == [
        "Sam South may not change the risks of “North”: choose someone who can, or ask an administrator to give them "
        "access there."]
    system = risk.systems.get()
    with pytest.raises(ValidationError) as refused:
        inventory.update_system(actor=cast["manager"], system=system, changes={"incident_contact": cast["stranger"]})
    assert "may not see the AI systems of “North”" in refused.value.message_dict["incident_contact"][0]
    with pytest.raises(ValidationError):
        inventory.update_system(actor=cast["manager"], system=system, changes={"owner": cast["viewer"]})
    with pytest.raises(ValidationError):  # moved to South, its North owner could no longer run it
        inventory.update_system(actor=cast["manager"], system=system, changes={"unit": org["south"]})
    assert not Task.objects.filter(assignee=cast["stranger"]).exists()


def test_with_the_organisations_choice_naming_someone_grants_the_access_ledgered(client, settings, org, risk, cast):
    settings.ASSIGNMENT_GRANTS_ACCESS = True
    stranger = cast["stranger"]
    assert stranger in offered(ActionForm(user=cast["manager"], risk=risk).fields["owner"])
    action = risks.add_treatment_action(actor=cast["owner"], risk=risk, title="Filter inputs", owner=stranger,
                                        due_date=timezone.localdate() + timedelta(days=10))
    grant = RoleAssignment.objects.get(user=stranger, unit=org["north"])
    assert grant.role == "contributor"  # the least powerful role that lets him do it; never a governance one
    event = LedgerEvent.objects.get(action="core.roleassignment.create", object_id=str(grant.pk))
    assert event.actor == cast["owner"] and "owner of the treatment action “Filter inputs”" in event.reason
    assert Notification.objects.filter(recipient=stranger, kind="roles").exists()
    # His task and notification open the risk, and he can do his own action.
    client.force_login(stranger)
    task = Task.objects.get(assignee=stranger, source=f"risks.action.{action.pk}")
    assert client.get(task.url).status_code == 200
    response = client.post(reverse("risks:action_status", args=[risk.pk, action.pk]),
                           {"version": action.version, "status": "done"})
    assert response.status_code == 302
    action.refresh_from_db()
    assert action.status == "done"
    # Made incident contact of the system too: viewing is all that needs, so that is all he is given.
    inventory.update_system(actor=cast["manager"], system=risk.systems.get(), changes={"incident_contact": stranger})
    assert RoleAssignment.objects.filter(user=stranger, unit=org["north"]).count() == 1  # contributor already sees it


def test_granting_picks_the_least_powerful_operational_role():
    assert role_for_assignment("view", "inventory") == "viewer"
    assert role_for_assignment("change", "risks") == "contributor"
    assert role_for_assignment("change", "monitoring") == "system_owner"
    assert role_for_assignment("add", "roles") is None  # nobody gets the right to hand out roles by being named
